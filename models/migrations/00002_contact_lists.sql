-- +goose Up
-- Contact lists: one row per upload (or per API batch, or per DNC upload),
-- with its statistics, and the contacts it brought.

CREATE TABLE contact_lists (
    id                       bigserial PRIMARY KEY,
    campaign_id              bigint REFERENCES campaigns ON DELETE CASCADE,
    dnc_list_id              bigint REFERENCES dnc_lists ON DELETE CASCADE,
    global_list_id           text NOT NULL DEFAULT '',
    status                   text NOT NULL DEFAULT 'importing' CHECK (status IN ('importing', 'active', 'stopped', 'expired', 'failed')),
    error                    text NOT NULL DEFAULT '',
    type                     text NOT NULL DEFAULT 'MANUALUPLOAD' CHECK (type IN ('MANUALUPLOAD', 'API')),
    sub_type                 text NOT NULL DEFAULT 'NEW' CHECK (sub_type IN ('NEW', 'APPEND')),
    file_name                text NOT NULL DEFAULT '',
    file_path                text NOT NULL DEFAULT '',
    file_size                bigint NOT NULL DEFAULT 0,
    delimiter                text NOT NULL DEFAULT ',',
    sheet                    text NOT NULL DEFAULT '',
    mapping                  jsonb NOT NULL DEFAULT '{}',
    columns                  jsonb NOT NULL DEFAULT '[]',
    start_time               timestamptz NOT NULL DEFAULT now(),
    end_time                 timestamptz NOT NULL,
    -- rows_read is the import's checkpoint: data rows (blank ones included)
    -- whose outcome is committed. It moves in the same transaction as them.
    rows_read                bigint NOT NULL DEFAULT 0,
    rows_total               bigint NOT NULL DEFAULT 0,
    progress                 real NOT NULL DEFAULT 0,
    processed                bigint NOT NULL DEFAULT 0,
    uploaded                 bigint NOT NULL DEFAULT 0,
    failed                   bigint NOT NULL DEFAULT 0,
    duplicate                bigint NOT NULL DEFAULT 0,
    dnc_suppressed           bigint NOT NULL DEFAULT 0,
    mode_failed              bigint NOT NULL DEFAULT 0,
    dnc_ndnc_contacts        bigint NOT NULL DEFAULT 0,
    dnc_ndnc_modes           bigint NOT NULL DEFAULT 0,
    dnc_corporate_contacts   bigint NOT NULL DEFAULT 0,
    dnc_corporate_modes      bigint NOT NULL DEFAULT 0,
    dnc_compliance_contacts  bigint NOT NULL DEFAULT 0,
    dnc_compliance_modes     bigint NOT NULL DEFAULT 0,
    dnc_litigation_contacts  bigint NOT NULL DEFAULT 0,
    dnc_litigation_modes     bigint NOT NULL DEFAULT 0,
    imported_at              timestamptz,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    CHECK ((campaign_id IS NULL) <> (dnc_list_id IS NULL))
);
CREATE INDEX contact_lists_campaign_idx ON contact_lists (campaign_id);

-- contacts, contact_numbers and list_rejections take millions of rows by
-- COPY; a foreign key there costs a lookup and a lock per row (it halved
-- COPY's rate here), so their rows go with their list by trigger instead.
CREATE TABLE contacts (
    id           bigserial PRIMARY KEY,
    campaign_id  bigint NOT NULL,
    list_id      bigint NOT NULL,
    row_number   bigint NOT NULL,
    external_key text NOT NULL DEFAULT '',
    attributes   jsonb NOT NULL DEFAULT '{}',
    numbers      jsonb NOT NULL DEFAULT '[]',
    time_zone    text NOT NULL,
    status       text NOT NULL DEFAULT 'new',
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT contacts_list_row_key UNIQUE (list_id, row_number)
);
CREATE INDEX contacts_campaign_external_key_idx ON contacts (campaign_id, external_key) WHERE external_key <> '';

-- Every dialable number of every contact, for de-duplication across a
-- campaign's lists. One narrow row and one index per number: imports write
-- three of these for every contact, so each index costs.
CREATE TABLE contact_numbers (
    campaign_id bigint NOT NULL,
    number      bigint NOT NULL, -- the E.164 digits: integers index faster than text
    contact_id  bigint NOT NULL
);
CREATE INDEX contact_numbers_campaign_number_idx ON contact_numbers (campaign_id, number);

-- Rows an import did not store as contacts, as they came, with the reason.
CREATE TABLE list_rejections (
    list_id    bigint NOT NULL,
    row_number bigint NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('failed', 'duplicate', 'dnc')),
    reason     text NOT NULL,
    cells      jsonb NOT NULL,
    PRIMARY KEY (list_id, row_number)
);

-- +goose StatementBegin
CREATE FUNCTION delete_list_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM contact_numbers n USING contacts c WHERE c.id = n.contact_id AND c.list_id = OLD.id;
    DELETE FROM contacts WHERE list_id = OLD.id;
    DELETE FROM list_rejections WHERE list_id = OLD.id;
    RETURN OLD;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER contact_lists_delete_rows AFTER DELETE ON contact_lists FOR EACH ROW EXECUTE FUNCTION delete_list_rows();

-- +goose Down
DROP TABLE list_rejections, contact_numbers, contacts, contact_lists;
DROP FUNCTION delete_list_rows();
