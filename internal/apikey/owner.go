package apikey

import (
	"context"
	"fmt"
	"strconv"
)

// The queries below answer who an object belongs to; an object that does
// not exist belongs to nobody, so a bound key is refused it like any other.

// CampaignInTeams reports whether the campaign is served by one of teams.
func (s *Store) CampaignInTeams(ctx context.Context, campaignID uint64, teams []uint64) (bool, error) {
	return s.exists(ctx, "campaign", `SELECT 1 FROM campaign_teams WHERE campaign_id = ? AND team_id IN ?`, campaignID, teams)
}

// ListInTeams is CampaignInTeams for the campaign of a contact list.
func (s *Store) ListInTeams(ctx context.Context, listID uint64, teams []uint64) (bool, error) {
	return s.exists(ctx, "list", `SELECT 1 FROM contact_lists l JOIN campaign_teams t ON t.campaign_id = l.campaign_id
		WHERE l.id = ? AND t.team_id IN ?`, listID, teams)
}

// ContactInTeams is CampaignInTeams for the campaign of a contact.
func (s *Store) ContactInTeams(ctx context.Context, contactID uint64, teams []uint64) (bool, error) {
	return s.exists(ctx, "contact", `SELECT 1 FROM contacts c JOIN campaign_teams t ON t.campaign_id = c.campaign_id
		WHERE c.id = ? AND t.team_id IN ?`, contactID, teams)
}

// AgentInTeams reports whether the agent belongs to one of teams.
func (s *Store) AgentInTeams(ctx context.Context, agentID uint64, teams []uint64) (bool, error) {
	return s.exists(ctx, "agent", `SELECT 1 FROM agents WHERE id = ? AND team_id IN ?`, agentID, teams)
}

// PreviewOfAgent reports whether the preview card was offered to the agent.
func (s *Store) PreviewOfAgent(ctx context.Context, previewID, agentID uint64) (bool, error) {
	return s.exists(ctx, "preview", `SELECT 1 FROM previews WHERE id = ? AND agent_id = ?`, previewID, agentID)
}

// ContactOnCards reports whether the contact was on one of the agent's
// preview cards or was called for it.
func (s *Store) ContactOnCards(ctx context.Context, contactID, agentID uint64) (bool, error) {
	return s.exists(ctx, "contact", `SELECT 1 WHERE EXISTS (SELECT 1 FROM previews WHERE contact_id = ? AND agent_id = ?)
		OR EXISTS (SELECT 1 FROM attempts WHERE contact_id = ? AND agent = ?)`, contactID, agentID, contactID, strconv.FormatUint(agentID, 10))
}

// AttemptOfAgent reports whether the attempt was the agent's call.
func (s *Store) AttemptOfAgent(ctx context.Context, attemptID string, agentID uint64) (bool, error) {
	return s.exists(ctx, "attempt", `SELECT 1 FROM attempts WHERE id = ? AND agent = ?`, attemptID, strconv.FormatUint(agentID, 10))
}

// AttemptViaEntryPoint reports whether the attempt's campaign dials through
// the entry point.
func (s *Store) AttemptViaEntryPoint(ctx context.Context, attemptID string, entryPointID uint64) (bool, error) {
	return s.exists(ctx, "attempt", `SELECT 1 FROM attempts a JOIN campaigns c ON c.id = a.campaign_id
		WHERE a.id = ? AND c.entry_point_id = ?`, attemptID, entryPointID)
}

func (s *Store) exists(ctx context.Context, what, query string, args ...any) (bool, error) {
	var found []int
	if err := s.DB.WithContext(ctx).Raw(query, args...).Scan(&found).Error; err != nil {
		return false, fmt.Errorf("find owner of %s: %w", what, err)
	}
	return len(found) > 0, nil
}
