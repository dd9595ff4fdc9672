-- +goose Up
-- A campaign group's buffer of contacts handed to the dialer: the pacer
-- adapts its size (0: not started, the group's initial number applies).
ALTER TABLE campaign_groups ADD COLUMN buffer_size int NOT NULL DEFAULT 0,
    ADD COLUMN buffer_adapted_at timestamptz;

-- The teams whose agents serve a campaign: mapped to the campaign, or to its
-- campaign group. via_group marks agents shared by the group's campaigns,
-- which the deliverable percentages split between them; a team mapped to
-- both the group and one of its campaigns is shared too, or that campaign
-- would count its agents whole while the others take their shares of them.
CREATE VIEW campaign_serving_teams AS
SELECT campaign_id, team_id, bool_or(via_group) AS via_group FROM (
    SELECT campaign_id, team_id, false AS via_group FROM campaign_teams
    UNION ALL
    SELECT gc.campaign_id, tg.team_id, true FROM team_campaign_groups tg
    JOIN campaign_group_campaigns gc ON gc.campaign_group_id = tg.campaign_group_id
) m GROUP BY campaign_id, team_id;

-- Every pacing pass counts and ages its campaign's released contacts: few
-- rows, which a large campaign must not scan its contacts for.
CREATE INDEX contacts_released_idx ON contacts (campaign_id, updated_at) WHERE status = 'released';

-- An agent's preview request weighs each campaign's recent cards.
CREATE INDEX previews_campaign_idx ON previews (campaign_id, offered_at);

-- +goose Down
DROP INDEX previews_campaign_idx;
DROP INDEX contacts_released_idx;
DROP VIEW campaign_serving_teams;
ALTER TABLE campaign_groups DROP COLUMN buffer_adapted_at, DROP COLUMN buffer_size;
