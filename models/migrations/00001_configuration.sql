-- +goose Up
-- Configuration objects of the admin API. Names are unique per object kind
-- because administrators pick objects by name in every screen.

CREATE TABLE modes (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL CONSTRAINT modes_name_key UNIQUE,
    description text NOT NULL DEFAULT '',
    min_length  integer NOT NULL CHECK (min_length >= 1),
    max_length  integer NOT NULL CHECK (max_length <= 20),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (min_length <= max_length)
);

CREATE TABLE time_zones (
    id           bigserial PRIMARY KEY,
    display_name text NOT NULL CONSTRAINT time_zones_display_name_key UNIQUE,
    iana_zone    text NOT NULL,
    enabled      boolean NOT NULL DEFAULT true,
    start_time   text NOT NULL DEFAULT '00:00',
    end_time     text NOT NULL DEFAULT '23:59',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE outcome_groups (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL CONSTRAINT outcome_groups_name_key UNIQUE,
    description     text NOT NULL DEFAULT '',
    parent_outcomes jsonb NOT NULL DEFAULT '[]',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE business_outcomes (
    id               bigserial PRIMARY KEY,
    outcome_group_id bigint NOT NULL REFERENCES outcome_groups ON DELETE CASCADE,
    position         integer NOT NULL DEFAULT 0,
    name             text NOT NULL,
    parent           text NOT NULL DEFAULT '',
    type             text NOT NULL CHECK (type IN ('success', 'failure')),
    reschedule       text NOT NULL DEFAULT '0:0:0',
    max_retry        integer NOT NULL DEFAULT 0 CHECK (max_retry >= 0),
    priority         integer NOT NULL DEFAULT 0,
    close_contact    boolean NOT NULL DEFAULT false,
    retain_pcb       boolean NOT NULL DEFAULT false,
    CONSTRAINT business_outcomes_name_key UNIQUE (outcome_group_id, name)
);

CREATE TABLE contact_strategies (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL CONSTRAINT contact_strategies_name_key UNIQUE,
    description text NOT NULL DEFAULT '',
    type        text NOT NULL DEFAULT 'simple' CHECK (type IN ('simple', 'advanced', 'callback')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The order of a strategy's modes is the mode priority that branch modes follow.
CREATE TABLE contact_strategy_modes (
    contact_strategy_id bigint NOT NULL REFERENCES contact_strategies ON DELETE CASCADE,
    mode_id             bigint NOT NULL REFERENCES modes,
    position            integer NOT NULL,
    PRIMARY KEY (contact_strategy_id, mode_id)
);

CREATE TABLE strategy_rules (
    id                  bigserial PRIMARY KEY,
    contact_strategy_id bigint NOT NULL REFERENCES contact_strategies ON DELETE CASCADE,
    position            integer NOT NULL DEFAULT 0,
    telephony_outcome   text NOT NULL,
    reschedule          text NOT NULL DEFAULT '0:0:0',
    max_retry           integer NOT NULL DEFAULT 0 CHECK (max_retry >= 0),
    priority            integer NOT NULL DEFAULT 0,
    branch_mode         text NOT NULL DEFAULT 'default' CHECK (branch_mode IN ('default', 'next_mode')),
    retain_pcb          boolean NOT NULL DEFAULT false,
    close_contact       boolean NOT NULL DEFAULT false,
    remove_mode         boolean NOT NULL DEFAULT false,
    CONSTRAINT strategy_rules_telephony_outcome_key UNIQUE (contact_strategy_id, telephony_outcome)
);

CREATE TABLE callback_strategies (
    id                             bigserial PRIMARY KEY,
    name                           text NOT NULL CONSTRAINT callback_strategies_name_key UNIQUE,
    description                    text NOT NULL DEFAULT '',
    pcb_to_ncb_reset               text NOT NULL DEFAULT 'retries' CHECK (pcb_to_ncb_reset IN ('retries', 'duration')),
    attempts_to_reach_agent        integer NOT NULL DEFAULT 1 CHECK (attempts_to_reach_agent >= 1),
    pcb_to_ncb_duration            text NOT NULL DEFAULT '0:0:0',
    reset_daily_and_global_retries boolean NOT NULL DEFAULT false,
    created_at                     timestamptz NOT NULL DEFAULT now(),
    updated_at                     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE entry_points (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL CONSTRAINT entry_points_name_key UNIQUE,
    description text NOT NULL DEFAULT '',
    type        text NOT NULL DEFAULT 'outdial' CHECK (type IN ('outdial')),
    primary_url text NOT NULL DEFAULT '',
    backup_url  text NOT NULL DEFAULT '',
    channel     text NOT NULL DEFAULT 'telephony' CHECK (channel IN ('telephony')),
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
    queue       text NOT NULL DEFAULT '',
    dialer      text NOT NULL DEFAULT 'simulator' CHECK (dialer IN ('simulator', 'webhook')),
    secret      text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dnc_lists (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL CONSTRAINT dnc_lists_name_key UNIQUE,
    description text NOT NULL DEFAULT '',
    category    text NOT NULL CHECK (category IN ('ndnc', 'corporate', 'compliance', 'litigation')),
    scope       text NOT NULL DEFAULT 'global' CHECK (scope IN ('global', 'campaign')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dnc_entries (
    dnc_list_id bigint NOT NULL REFERENCES dnc_lists ON DELETE CASCADE,
    number      text COLLATE "C" NOT NULL, -- E.164; byte order is all it needs
    expires_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dnc_list_id, number)
);
CREATE INDEX dnc_entries_number_idx ON dnc_entries (number);

CREATE TABLE campaign_groups (
    id                  bigserial PRIMARY KEY,
    name                text NOT NULL CONSTRAINT campaign_groups_name_key UNIQUE,
    description         text NOT NULL DEFAULT '',
    enabled             boolean NOT NULL DEFAULT true,
    initial_contacts    integer NOT NULL DEFAULT 85 CHECK (initial_contacts >= 1),
    increment_percent   integer NOT NULL DEFAULT 30 CHECK (increment_percent >= 0),
    decrement_percent   integer NOT NULL DEFAULT 60 CHECK (decrement_percent BETWEEN 0 AND 100),
    upper_threshold_percent integer NOT NULL DEFAULT 200 CHECK (upper_threshold_percent >= 100),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE campaign_group_time_zones (
    campaign_group_id bigint NOT NULL REFERENCES campaign_groups ON DELETE CASCADE,
    time_zone_id      bigint NOT NULL REFERENCES time_zones,
    position          integer NOT NULL DEFAULT 0,
    enabled           boolean NOT NULL DEFAULT true,
    start_time        text NOT NULL DEFAULT '00:00',
    end_time          text NOT NULL DEFAULT '23:59',
    PRIMARY KEY (campaign_group_id, time_zone_id)
);

CREATE TABLE teams (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL CONSTRAINT teams_name_key UNIQUE,
    description text NOT NULL DEFAULT '',
    site        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE team_campaign_groups (
    team_id           bigint NOT NULL REFERENCES teams ON DELETE CASCADE,
    campaign_group_id bigint NOT NULL REFERENCES campaign_groups ON DELETE CASCADE,
    position          integer NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, campaign_group_id)
);

CREATE TABLE campaigns (
    id                             bigserial PRIMARY KEY,
    name                           text NOT NULL CONSTRAINT campaigns_name_key UNIQUE,
    description                    text NOT NULL DEFAULT '',
    status                         text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'paused', 'stopped', 'completed')),
    start_date                     date,
    end_date                       date,
    daily_start_time               text NOT NULL DEFAULT '00:00',
    daily_end_time                 text NOT NULL DEFAULT '23:59',
    time_zone_id                   bigint NOT NULL REFERENCES time_zones,
    outcome_group_id               bigint REFERENCES outcome_groups,
    time_to_live_days              integer NOT NULL DEFAULT 30 CHECK (time_to_live_days BETWEEN 1 AND 3650),
    channel                        text NOT NULL DEFAULT 'voice' CHECK (channel IN ('voice')),
    list_sharing                   text NOT NULL DEFAULT 'dedicated' CHECK (list_sharing IN ('dedicated', 'shared')),
    pacing_mode                    text NOT NULL CHECK (pacing_mode IN ('preview', 'progressive')),
    entry_point_id                 bigint REFERENCES entry_points,
    contact_strategy_id            bigint REFERENCES contact_strategies,
    callback_strategy_id           bigint REFERENCES callback_strategies,
    global_retry                   integer CHECK (global_retry >= 0),
    daily_retry                    integer CHECK (daily_retry >= 0),
    cycle_retry                    integer CHECK (cycle_retry >= 0),
    cycle_retry_interval           text NOT NULL DEFAULT '0:0:0',
    reset_daily_and_global_retries boolean NOT NULL DEFAULT false,
    pcb_to_ncb_reset               text CHECK (pcb_to_ncb_reset IN ('retries', 'duration')),
    attempts_to_reach_agent        integer CHECK (attempts_to_reach_agent >= 1),
    default_delay                  text NOT NULL DEFAULT '0:0:15',
    lines_per_agent                integer NOT NULL DEFAULT 1 CHECK (lines_per_agent BETWEEN 1 AND 10),
    preview_timeout_seconds        integer NOT NULL DEFAULT 120 CHECK (preview_timeout_seconds >= 5),
    frequency_cap_attempts         integer CHECK (frequency_cap_attempts >= 1),
    frequency_cap_period           text NOT NULL DEFAULT '1:0:0',
    default_region                 text NOT NULL DEFAULT 'US',
    created_at                     timestamptz NOT NULL DEFAULT now(),
    updated_at                     timestamptz NOT NULL DEFAULT now(),
    CHECK (start_date IS NULL OR end_date IS NULL OR start_date <= end_date)
);

CREATE TABLE campaign_teams (
    campaign_id bigint NOT NULL REFERENCES campaigns ON DELETE CASCADE,
    team_id     bigint NOT NULL REFERENCES teams ON DELETE CASCADE,
    position    integer NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, team_id)
);

CREATE TABLE campaign_dnc_lists (
    campaign_id bigint NOT NULL REFERENCES campaigns ON DELETE CASCADE,
    dnc_list_id bigint NOT NULL REFERENCES dnc_lists,
    position    integer NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, dnc_list_id)
);

-- A campaign belongs to at most one campaign group.
CREATE TABLE campaign_group_campaigns (
    campaign_group_id      bigint NOT NULL REFERENCES campaign_groups ON DELETE CASCADE,
    campaign_id            bigint NOT NULL CONSTRAINT campaign_group_campaigns_campaign_key UNIQUE REFERENCES campaigns,
    position               integer NOT NULL DEFAULT 0,
    deliverable_percentage integer NOT NULL CHECK (deliverable_percentage BETWEEN 0 AND 100),
    PRIMARY KEY (campaign_group_id, campaign_id)
);

CREATE TABLE agents (
    id               bigserial PRIMARY KEY,
    name             text NOT NULL CONSTRAINT agents_name_key UNIQUE,
    team_id          bigint REFERENCES teams,
    state            text NOT NULL DEFAULT 'not_ready' CHECK (state IN ('idle', 'not_ready', 'available', 'reserved', 'connected', 'wrap_up')),
    state_reason     text NOT NULL DEFAULT '',
    state_changed_at timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE agents, campaign_group_campaigns, campaign_dnc_lists, campaign_teams, campaigns,
    team_campaign_groups, teams, campaign_group_time_zones, campaign_groups, dnc_entries, dnc_lists,
    entry_points, callback_strategies, strategy_rules, contact_strategy_modes, contact_strategies,
    business_outcomes, outcome_groups, time_zones, modes;
