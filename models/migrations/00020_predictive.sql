-- +goose Up
-- Predictive campaigns: the pacer places more calls than there are free
-- agents, under an abandon rate target.
ALTER TABLE campaigns DROP CONSTRAINT campaigns_pacing_mode_check;
ALTER TABLE campaigns ADD CONSTRAINT campaigns_pacing_mode_check CHECK (pacing_mode IN ('preview', 'progressive', 'predictive'));
ALTER TABLE campaigns
    ADD COLUMN abandon_target_percent numeric NOT NULL DEFAULT 3,
    ADD COLUMN max_lines_per_agent    numeric NOT NULL DEFAULT 3,
    ADD COLUMN small_team_agents      integer NOT NULL DEFAULT 5,
    ADD COLUMN abandon_message        text NOT NULL DEFAULT '',
    ADD COLUMN abandoned_retry_delay  text NOT NULL DEFAULT '0:0:0';
-- When the dialer played the campaign's abandon message to a person no
-- agent took: within 2 s of the answer, by law.
ALTER TABLE attempts ADD COLUMN abandon_message_at timestamptz;

-- +goose Down
ALTER TABLE attempts DROP COLUMN abandon_message_at;
ALTER TABLE campaigns DROP COLUMN abandon_target_percent, DROP COLUMN max_lines_per_agent,
    DROP COLUMN small_team_agents, DROP COLUMN abandon_message, DROP COLUMN abandoned_retry_delay;
DELETE FROM campaigns WHERE pacing_mode = 'predictive';
ALTER TABLE campaigns DROP CONSTRAINT campaigns_pacing_mode_check;
ALTER TABLE campaigns ADD CONSTRAINT campaigns_pacing_mode_check CHECK (pacing_mode IN ('preview', 'progressive'));
