-- +goose Up
-- How long a campaign's calls nobody answers ring before the dialer gives
-- them up: 15 s at the least (FTC/FCC: 15 s or four rings).
ALTER TABLE campaigns ADD COLUMN min_ring_seconds integer NOT NULL DEFAULT 15 CHECK (min_ring_seconds BETWEEN 15 AND 120);
-- When the agent's talk ended and the wrap-up began (the agent moved to
-- wrap_up): a predictive campaign estimates talk and wrap-up apart.
ALTER TABLE attempts ADD COLUMN talk_ended_at timestamptz;

-- +goose Down
ALTER TABLE attempts DROP COLUMN talk_ended_at;
ALTER TABLE campaigns DROP COLUMN min_ring_seconds;
