-- +goose Up
-- When the dialer accepted the attempt's call request: an open attempt
-- with it set has a call in the dialer's hands; without it, none left yet.
ALTER TABLE attempts ADD COLUMN dialed_at timestamptz;

-- +goose Down
ALTER TABLE attempts DROP COLUMN dialed_at;
