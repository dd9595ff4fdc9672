-- +goose Up
-- What the checks before a dial request saw: windows, DNC lists, caps and
-- their counts, so "why was this person called at 8:02 AM?" has an answer.
ALTER TABLE attempts ADD COLUMN evidence jsonb;

-- +goose Down
ALTER TABLE attempts DROP COLUMN evidence;
