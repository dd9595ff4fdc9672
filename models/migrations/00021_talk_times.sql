-- +goose Up
-- When the agent's talk ended and the wrap-up began (the agent moved to
-- wrap_up): a predictive campaign estimates talk and wrap-up apart.
ALTER TABLE attempts ADD COLUMN talk_ended_at timestamptz;

-- +goose Down
ALTER TABLE attempts DROP COLUMN talk_ended_at;
