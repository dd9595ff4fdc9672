-- +goose Up
-- Several workers dial at once. Each attempt names the worker whose dialer
-- accepted its call, so a simulator that restarts takes up its own calls
-- only, never another live worker's.
ALTER TABLE attempts ADD COLUMN dialed_by text NOT NULL DEFAULT '';

-- The next free moment to send a dial request through each entry point
-- (0: campaigns without one), shared by every worker: --dial-rate spaces
-- requests across the cluster, not per process.
CREATE TABLE dial_slots (
    entry_point_id bigint PRIMARY KEY,
    next_at        timestamptz NOT NULL
);

-- +goose Down
DROP TABLE dial_slots;
ALTER TABLE attempts DROP COLUMN dialed_by;
