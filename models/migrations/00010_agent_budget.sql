-- +goose Up
-- A personal callback lasts while pcb_agent is set and, under a callback
-- strategy that turns it normal after a duration, until pcb_until. Until
-- then only its agent gets it.
ALTER TABLE contacts ADD COLUMN pcb_until timestamptz;
CREATE INDEX contacts_pcb_idx ON contacts (campaign_id, pcb_agent) WHERE pcb_agent <> '' AND status IN ('new', 'ready');

-- A free agent a personal callback waits for: calls in flight may still
-- land on it, but no pacer releases a new call for it until then. An agent
-- reserved for a progressive personal callback names its contact, until
-- its next state change: when that call is not placed, it is available
-- again rather than idle.
ALTER TABLE agents ADD COLUMN held_until timestamptz, ADD COLUMN callback_contact_id bigint;

-- Since when a progressive campaign's passes have been held back by the
-- agents it shares with other campaigns: their passes leave it its share.
ALTER TABLE campaigns ADD COLUMN wants_agents_since timestamptz;

-- +goose Down
ALTER TABLE campaigns DROP COLUMN wants_agents_since;
ALTER TABLE agents DROP COLUMN callback_contact_id, DROP COLUMN held_until;
DROP INDEX contacts_pcb_idx;
ALTER TABLE contacts DROP COLUMN pcb_until;
