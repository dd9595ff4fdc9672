-- +goose Up
-- When an agent was connected to an answered call: with answered_at, what
-- the abandon rate measures (a person not connected within 2 seconds).
ALTER TABLE attempts ADD COLUMN connected_at timestamptz;

-- A campaign's statistics read its attempts by time: attempts per hour,
-- the abandon rate's periods, its first dial.
CREATE INDEX attempts_campaign_started_idx ON attempts (campaign_id, started_at);

-- +goose Down
DROP INDEX attempts_campaign_started_idx;
ALTER TABLE attempts DROP COLUMN connected_at;
