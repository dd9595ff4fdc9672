-- +goose Up
-- An agent becoming available asks its campaigns' pacers for a pass. While
-- one request waits for its pass, more need no signal of their own: the
-- pass counts every agent available when it begins, and clears the request
-- first. One signal per pass instead of one per agent.
ALTER TABLE campaigns ADD COLUMN pass_requested boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE campaigns DROP COLUMN pass_requested;
