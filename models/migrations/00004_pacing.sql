-- +goose Up
-- The pacer picks due contacts of a campaign by priority, then due time.
-- A contact it hands over is "released" until its workflow starts the attempt.
CREATE INDEX contacts_due_idx ON contacts (campaign_id, priority DESC, next_due_at NULLS FIRST, id)
    WHERE status IN ('new', 'ready');
CREATE INDEX attempts_ringing_idx ON attempts (campaign_id) WHERE ended_at IS NULL AND telephony_outcome = '';

-- When a call was answered: an agent's talks must never overlap.
ALTER TABLE attempts ADD COLUMN answered_at timestamptz;

-- A preview card: a contact reserved for an agent who accepts or skips it.
CREATE TABLE previews (
    id          bigserial PRIMARY KEY,
    agent_id    bigint NOT NULL REFERENCES agents ON DELETE CASCADE,
    contact_id  bigint NOT NULL REFERENCES contacts ON DELETE CASCADE,
    campaign_id bigint NOT NULL REFERENCES campaigns ON DELETE CASCADE,
    state       text NOT NULL DEFAULT 'offered' CHECK (state IN ('offered', 'accepted', 'skipped', 'expired')),
    offered_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    answered_at timestamptz
);
CREATE INDEX previews_open_idx ON previews (expires_at) WHERE state = 'offered';

-- +goose Down
DROP TABLE previews;
ALTER TABLE attempts DROP COLUMN answered_at;
DROP INDEX attempts_ringing_idx;
DROP INDEX contacts_due_idx;
