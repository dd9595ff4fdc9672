-- +goose Up
-- When the dialer accepted an attempt's call request: a later try of the
-- same dial (a retried activity, a restarted worker) sends nothing more.
ALTER TABLE attempts ADD COLUMN dial_accepted_at timestamptz;

-- +goose Down
ALTER TABLE attempts DROP COLUMN dial_accepted_at;
