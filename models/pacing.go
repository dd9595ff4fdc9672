package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// dueContact is the condition on contacts c of lists l that the pacer may
// release: waiting for it, due, on an active list whose time to live runs.
const dueContact = `c.status IN ('new', 'ready') AND (c.next_due_at IS NULL OR c.next_due_at <= now())
		  AND l.status = 'active' AND l.end_time > now()`

// ReleaseDue marks up to limit due contacts of the campaigns released and
// returns them, by priority then due time; with zones, only contacts in
// those zones. SKIP LOCKED: two pacers never release one contact.
func ReleaseDue(ctx context.Context, db *gorm.DB, campaignIDs []uint64, limit int, zones []string) ([]Contact, error) {
	var out []Contact
	if limit <= 0 || len(campaignIDs) == 0 || (zones != nil && len(zones) == 0) {
		return out, nil
	}
	inZones, args := "", []any{campaignIDs}
	if zones != nil {
		inZones, args = "AND c.time_zone IN ?", append(args, zones)
	}
	err := db.WithContext(ctx).Raw(`UPDATE contacts SET status = 'released', updated_at = now() WHERE id IN (
		SELECT c.id FROM contacts c JOIN contact_lists l ON l.id = c.list_id
		WHERE c.campaign_id IN ? `+inZones+` AND `+dueContact+`
		  AND EXISTS (SELECT 1 FROM campaigns p WHERE p.id = c.campaign_id AND p.status = 'active') -- a pause wins over a pass in flight
		ORDER BY c.priority DESC, c.next_due_at NULLS FIRST, c.id
		LIMIT ? FOR UPDATE OF c SKIP LOCKED)
		RETURNING id, campaign_id, attempt_count`, append(args, limit)...).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("release due contacts of campaigns %v: %w", campaignIDs, err)
	}
	return out, nil
}

// UnreleasedStatus is the status a released contact goes back to: ready,
// or new when it was never dialed.
const UnreleasedStatus = "CASE WHEN attempt_count = 0 THEN 'new' ELSE 'ready' END"

// Unrelease gives a released contact back to the pacer: ready, or new
// when it was never dialed.
func Unrelease(ctx context.Context, db *DB, contactID uint64) error {
	err := db.WithContext(ctx).Exec(`UPDATE contacts SET status = `+UnreleasedStatus+`, updated_at = now()
		WHERE id = ? AND status = 'released'`, contactID).Error
	if err != nil {
		return fmt.Errorf("unrelease contact %d: %w", contactID, err)
	}
	return nil
}

// LockCampaignGroup returns the campaign's group, locked until tx ends so
// the group's pacers take turns; nil when the campaign has no group.
func LockCampaignGroup(ctx context.Context, tx *gorm.DB, campaignID uint64) (*CampaignGroup, error) {
	var g CampaignGroup
	err := tx.WithContext(ctx).Raw(`SELECT g.* FROM campaign_groups g JOIN campaign_group_campaigns gc ON gc.campaign_group_id = g.id
		WHERE gc.campaign_id = ? FOR NO KEY UPDATE OF g`, campaignID).Take(&g).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("campaign group of campaign %d: %w", campaignID, err)
	}
	return &g, nil
}

// GroupShares returns the deliverable percentages of the group's active
// progressive campaigns that have contacts due, in the group's order, and
// where campaignID sits among them: a campaign with nothing to dial leaves
// its share to the others. The campaign itself is always included. A
// campaign outside its own daily hours still counts: its hours are checked
// in its pacer, not here.
func GroupShares(ctx context.Context, tx *gorm.DB, groupID, campaignID uint64) (weights []int, index int, err error) {
	var rows []struct {
		CampaignID            uint64
		DeliverablePercentage int
	}
	err = tx.WithContext(ctx).Raw(`SELECT gc.campaign_id, gc.deliverable_percentage FROM campaign_group_campaigns gc
		JOIN campaigns p ON p.id = gc.campaign_id
		WHERE gc.campaign_group_id = ? AND (gc.campaign_id = ? OR (p.status = 'active' AND p.pacing_mode = 'progressive'
		  AND EXISTS (SELECT 1 FROM contacts c JOIN contact_lists l ON l.id = c.list_id
		              WHERE c.campaign_id = gc.campaign_id AND `+dueContact+`)))
		ORDER BY gc.position, gc.campaign_id`, groupID, campaignID).Scan(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("shares of campaign group %d: %w", groupID, err)
	}
	index = -1
	for i, r := range rows {
		weights = append(weights, r.DeliverablePercentage)
		if r.CampaignID == campaignID {
			index = i
		}
	}
	if index < 0 {
		return nil, 0, fmt.Errorf("shares of campaign group %d: campaign %d is not in it", groupID, campaignID)
	}
	return weights, index, nil
}

// PreviewCampaigns are the active preview campaigns a team's agents serve,
// the one furthest below its deliverable percentage first: the cards each
// offered in the last hour per point of its percentage. A campaign outside
// a group counts as 100%; one at 0% and one in a disabled group get none.
func PreviewCampaigns(ctx context.Context, db *gorm.DB, teamID *uint64) ([]Campaign, error) {
	var out []Campaign
	err := db.WithContext(ctx).Raw(`SELECT c.* FROM campaigns c
		JOIN campaign_serving_teams t ON t.campaign_id = c.id
		LEFT JOIN campaign_group_campaigns gc ON gc.campaign_id = c.id
		LEFT JOIN campaign_groups g ON g.id = gc.campaign_group_id
		WHERE t.team_id = ? AND c.status = 'active' AND c.pacing_mode = 'preview'
		  AND coalesce(g.enabled, true) AND coalesce(gc.deliverable_percentage, 100) > 0
		ORDER BY (SELECT count(*) FROM previews p WHERE p.campaign_id = c.id AND p.offered_at > now() - interval '1 hour')::float
		         / coalesce(gc.deliverable_percentage, 100), c.id`, teamID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("preview campaigns of team %v: %w", teamID, err)
	}
	return out, nil
}

// PacingCounts is what a progressive pass weighs.
type PacingCounts struct {
	// FreeAgents are available agents of teams mapped to the campaign;
	// SharedAgents those mapped only through its campaign group.
	FreeAgents, SharedAgents int
	// InFlight are the campaign's contacts released and not yet dialed, and
	// its calls ringing.
	InFlight int
	// Unused are contacts of the group's progressive campaigns released
	// longer than unusedAfter ago and still not dialed (a preview card
	// holds its contact released while the agent reads it).
	Unused int
}

// RingingAtMost is how long an attempt with no outcome counts as a call
// ringing on one of its campaign's lines. Its workflow ends it within the
// outcome timeout (3 minutes); one whose workflow was lost must not hold
// the line for good.
const RingingAtMost = 10 * time.Minute

// CountForPacing counts the agents and calls a progressive pass weighs;
// groupID 0 is a campaign without a group.
func CountForPacing(ctx context.Context, tx *gorm.DB, campaignID, groupID uint64, unusedAfter time.Duration) (PacingCounts, error) {
	var n PacingCounts
	err := tx.WithContext(ctx).Raw(`SELECT
		count(*) FILTER (WHERE NOT t.via_group) AS free_agents,
		count(*) FILTER (WHERE t.via_group) AS shared_agents,
		(SELECT count(*) FROM attempts WHERE campaign_id = @c AND ended_at IS NULL AND telephony_outcome = ''
		   AND started_at > now() - make_interval(secs => @ringing))
		  + (SELECT count(*) FROM contacts WHERE campaign_id = @c AND status = 'released') AS in_flight,
		(SELECT count(*) FROM contacts WHERE status = 'released' AND updated_at < now() - make_interval(secs => @since)
		   AND campaign_id IN (SELECT gc.campaign_id FROM campaign_group_campaigns gc JOIN campaigns p ON p.id = gc.campaign_id
		                       WHERE gc.campaign_group_id = @g AND p.pacing_mode = 'progressive')) AS unused
		FROM agents a JOIN campaign_serving_teams t ON t.team_id = a.team_id
		WHERE t.campaign_id = @c AND a.state = 'available'`,
		map[string]any{"c": campaignID, "g": groupID, "since": unusedAfter.Seconds(), "ringing": RingingAtMost.Seconds()}).Scan(&n).Error
	if err != nil {
		return n, fmt.Errorf("count agents and calls of campaign %d: %w", campaignID, err)
	}
	return n, nil
}

// AdaptBuffer records a group's adapted buffer, unless it changed less than
// every ago: one burst of passes must not grow or shrink it many times
// over. A pass that leaves the size as it is does not restart the period.
func AdaptBuffer(ctx context.Context, tx *gorm.DB, groupID uint64, size int, every time.Duration) error {
	err := tx.WithContext(ctx).Exec(`UPDATE campaign_groups SET buffer_size = ?, buffer_adapted_at = now()
		WHERE id = ? AND buffer_size <> ? AND (buffer_adapted_at IS NULL OR buffer_adapted_at <= now() - make_interval(secs => ?))`,
		size, groupID, size, every.Seconds()).Error
	if err != nil {
		return fmt.Errorf("buffer of campaign group %d: %w", groupID, err)
	}
	return nil
}

// RequestPassesForAgent asks for a pacing pass of the agent's active
// campaigns, and returns those whose pacers need a wake signal: the others
// have a request waiting already, and the pass it brings will count this
// agent (see TakePassRequest).
func RequestPassesForAgent(ctx context.Context, db *gorm.DB, agentID uint64) ([]uint64, error) {
	return requestPasses(ctx, db, `SELECT t.campaign_id FROM campaign_serving_teams t JOIN agents a ON a.team_id = t.team_id WHERE a.id = ?`, agentID)
}

// RequestPass asks for a pacing pass of an active campaign, as
// RequestPassesForAgent does.
func RequestPass(ctx context.Context, db *gorm.DB, campaignID uint64) (bool, error) {
	ids, err := requestPasses(ctx, db, `SELECT ?::bigint`, campaignID)
	return len(ids) > 0, err
}

func requestPasses(ctx context.Context, db *gorm.DB, campaigns string, arg any) ([]uint64, error) {
	var ids []uint64
	err := db.WithContext(ctx).Raw(`UPDATE campaigns SET pass_requested = true
		WHERE id IN (`+campaigns+`) AND status = 'active' AND NOT pass_requested RETURNING id`, arg).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("request pacing passes: %w", err)
	}
	return ids, nil
}

// TakePassRequest clears a campaign's pass request as its pass begins,
// before the pass counts anything: an agent available after the clearing
// requests (and signals for) a pass of its own.
func TakePassRequest(ctx context.Context, db *gorm.DB, campaignID uint64) error {
	if err := db.WithContext(ctx).Exec(`UPDATE campaigns SET pass_requested = false WHERE id = ? AND pass_requested`, campaignID).Error; err != nil {
		return fmt.Errorf("take the pass request of campaign %d: %w", campaignID, err)
	}
	return nil
}

// GiveBackStaleReleases gives back a campaign's contacts released longer
// than after ago whose workflows never took them (their worker died
// between the release and its signal), except those on a preview card.
func GiveBackStaleReleases(ctx context.Context, db *gorm.DB, campaignID uint64, after time.Duration) error {
	err := db.WithContext(ctx).Exec(`UPDATE contacts SET status = `+UnreleasedStatus+`, updated_at = now()
		WHERE campaign_id = ? AND status = 'released' AND updated_at < now() - make_interval(secs => ?)
		  AND NOT EXISTS (SELECT 1 FROM previews p WHERE p.contact_id = contacts.id AND p.state = 'offered')`, campaignID, after.Seconds()).Error
	if err != nil {
		return fmt.Errorf("give back stale releases of campaign %d: %w", campaignID, err)
	}
	return nil
}

// ExpirePreviews gives back the contacts of preview cards no agent answered
// in time, and frees their agents, in one transaction: a card is never
// expired with its contact still held.
func ExpirePreviews(ctx context.Context, db *gorm.DB) error {
	err := db.WithContext(ctx).Exec(`WITH expired AS (
		UPDATE previews SET state = 'expired', answered_at = now()
		WHERE state = 'offered' AND expires_at < now() RETURNING agent_id, contact_id
	), contacts_back AS (
		UPDATE contacts SET status = `+UnreleasedStatus+`, updated_at = now()
		WHERE status = 'released' AND id IN (SELECT contact_id FROM expired)
	)
	UPDATE agents SET `+AgentStateSet+`
	WHERE state = 'reserved' AND id IN (SELECT agent_id FROM expired)`, map[string]any{"state": AgentIdle, "reason": "preview card expired"}).Error
	if err != nil {
		return fmt.Errorf("expire preview cards: %w", err)
	}
	return nil
}

// WaitingZones are the zones of a campaign's contacts that wait for the
// pacer (new or ready, due or not).
func WaitingZones(ctx context.Context, db *gorm.DB, campaignID uint64) ([]string, error) {
	var zones []string
	if err := db.WithContext(ctx).Raw(`SELECT DISTINCT time_zone FROM contacts WHERE campaign_id = ? AND status IN ('new', 'ready')`,
		campaignID).Scan(&zones).Error; err != nil {
		return nil, fmt.Errorf("zones of campaign %d: %w", campaignID, err)
	}
	return zones, nil
}
