-- +goose Up
-- API keys: only an HMAC of each key is kept, so a copy of the database
-- cannot call the API. A key is revoked, never erased, so the audit log
-- still names it.
CREATE TABLE api_keys (
    id             bigserial PRIMARY KEY,
    name           text NOT NULL,
    role           text NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent', 'dialer')),
    agent_id       bigint REFERENCES agents ON DELETE CASCADE,
    team_ids       jsonb NOT NULL DEFAULT '[]',
    entry_point_id bigint REFERENCES entry_points ON DELETE CASCADE,
    hash           text NOT NULL UNIQUE,
    prefix         text NOT NULL,
    expires_at     timestamptz,
    last_used_at   timestamptz,
    revoked_at     timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (role <> 'agent' OR agent_id IS NOT NULL)
);

-- Every write made with a key: who, as what, where, on what, and the answer.
CREATE TABLE audit_log (
    id       bigserial PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    key_id   bigint NOT NULL,
    key_name text NOT NULL,
    role     text NOT NULL,
    method   text NOT NULL,
    route    text NOT NULL,
    object   text NOT NULL DEFAULT '',
    status   integer NOT NULL
);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE api_keys;
