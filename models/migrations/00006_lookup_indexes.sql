-- +goose Up
-- An import's duplicate look-ups search a batch's numbers and keys within
-- a campaign. Indexed campaign first, a campaign that the statistics did
-- not know yet (the second campaign to import) made the planner scan all
-- of its entries and test each against the whole batch: seconds a batch.
-- Number or key first, every plan seeks each one.
CREATE INDEX contact_numbers_number_campaign_idx ON contact_numbers (number, campaign_id);
DROP INDEX contact_numbers_campaign_number_idx;
CREATE INDEX contacts_external_key_campaign_idx ON contacts (external_key, campaign_id) WHERE external_key <> '';
DROP INDEX contacts_campaign_external_key_idx;

-- +goose Down
CREATE INDEX contacts_campaign_external_key_idx ON contacts (campaign_id, external_key) WHERE external_key <> '';
DROP INDEX contacts_external_key_campaign_idx;
CREATE INDEX contact_numbers_campaign_number_idx ON contact_numbers (campaign_id, number);
DROP INDEX contact_numbers_number_campaign_idx;
