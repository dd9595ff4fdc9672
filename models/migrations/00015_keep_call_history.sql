-- +goose Up
-- Attempts are the calls that were made: what the frequency caps count
-- across campaigns, and the evidence of each call's checks. Deleting a
-- campaign or a list erases its contacts, never its calls: with the
-- cascades, a deleted campaign's calls vanished from every other
-- campaign's caps, which could then call a number past its cap.
ALTER TABLE attempts DROP CONSTRAINT attempts_contact_id_fkey, DROP CONSTRAINT attempts_campaign_id_fkey;

-- +goose Down
DELETE FROM attempts a WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = a.contact_id)
    OR NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.id = a.campaign_id);
ALTER TABLE attempts ADD CONSTRAINT attempts_contact_id_fkey FOREIGN KEY (contact_id) REFERENCES contacts ON DELETE CASCADE,
    ADD CONSTRAINT attempts_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES campaigns ON DELETE CASCADE;
