-- +goose Up
-- What a contact's workflow keeps in PostgreSQL, so the API and the pacer
-- read a contact's state without asking Temporal.
-- Statuses: new (never dialed: no workflow yet), scheduled (its workflow
-- waits for the next due time or window), ready (due: waits for the pacer),
-- dialing (an attempt is in progress), closed.
ALTER TABLE contacts
    ADD COLUMN priority       integer NOT NULL DEFAULT 0,
    ADD COLUMN next_due_at    timestamptz,
    ADD COLUMN attempt_count  integer NOT NULL DEFAULT 0,
    ADD COLUMN counters       jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN mode           text NOT NULL DEFAULT '',
    ADD COLUMN pcb_agent      text NOT NULL DEFAULT '',
    ADD COLUMN waiting_reason text NOT NULL DEFAULT '',
    ADD COLUMN closed_reason  text NOT NULL DEFAULT '',
    ADD COLUMN closed_at      timestamptz,
    ADD COLUMN updated_at     timestamptz NOT NULL DEFAULT now();

CREATE TABLE attempts (
    id                text PRIMARY KEY, -- "{contact}-{n}": the dialer's idempotency key
    contact_id        bigint NOT NULL REFERENCES contacts ON DELETE CASCADE,
    campaign_id       bigint NOT NULL REFERENCES campaigns ON DELETE CASCADE,
    seq               integer NOT NULL,
    mode              text NOT NULL,
    number            text COLLATE "C" NOT NULL,
    agent             text NOT NULL DEFAULT '',
    started_at        timestamptz NOT NULL,
    ended_at          timestamptz,
    telephony_outcome text NOT NULL DEFAULT '',
    business_outcome  text NOT NULL DEFAULT '',
    decision          text NOT NULL DEFAULT ''
);
CREATE INDEX attempts_contact_idx ON attempts (contact_id, seq);
-- The frequency cap counts attempts to a number across every campaign.
CREATE INDEX attempts_number_idx ON attempts (number, started_at);

-- +goose Down
DROP TABLE attempts;
ALTER TABLE contacts DROP COLUMN priority, DROP COLUMN next_due_at, DROP COLUMN attempt_count,
    DROP COLUMN counters, DROP COLUMN mode, DROP COLUMN pcb_agent, DROP COLUMN waiting_reason,
    DROP COLUMN closed_reason, DROP COLUMN closed_at, DROP COLUMN updated_at;
