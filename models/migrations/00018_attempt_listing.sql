-- +goose Up
-- GET /api/v1/attempts reads attempts by campaign or by agent, the latest
-- first: a dialer or a desktop looks up an agent's current attempt. By
-- campaign it reads attempts_campaign_started_idx (00017) backwards.
CREATE INDEX attempts_agent_started_idx ON attempts (agent, started_at DESC) WHERE agent <> '';

-- +goose Down
DROP INDEX attempts_agent_started_idx;
