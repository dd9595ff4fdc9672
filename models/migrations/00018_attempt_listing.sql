-- +goose Up
-- GET /api/v1/attempts reads attempts by campaign or by agent, the latest
-- first: a dialer or a desktop looks up an agent's current attempt.
CREATE INDEX attempts_campaign_started_idx ON attempts (campaign_id, started_at DESC);
CREATE INDEX attempts_agent_started_idx ON attempts (agent, started_at DESC) WHERE agent <> '';

-- +goose Down
DROP INDEX attempts_agent_started_idx;
DROP INDEX attempts_campaign_started_idx;
