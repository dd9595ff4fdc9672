package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/outdial/outdial/models"
)

// ReleaseFunc hands a contact to its workflow (signal-with-start). The
// worker wires it, since the workflow lives in a package that imports this one.
type ReleaseFunc func(ctx context.Context, campaignID, contactID uint64, agent string, skip bool) error

// PaceResult is what one pacing pass did.
type PaceResult struct {
	// Active is false once the campaign is no longer active: its workflow ends.
	Active   bool   `json:"active"`
	Released int    `json:"released"`
	Reason   string `json:"reason,omitempty"`
}

// Pace is one pass of the pacer. Progressive: while agents of the
// campaign's teams are available, release up to lines-per-agent calls per
// free agent, minus the calls already ringing. Preview campaigns are paced
// by their agents' requests; their pass only expires unanswered cards.
func (a *Activities) Pace(ctx context.Context, campaignID uint64) (PaceResult, error) {
	var c models.Campaign
	if err := a.DB.WithContext(ctx).First(&c, campaignID).Error; err != nil {
		return PaceResult{}, fmt.Errorf("pace campaign %d: %w", campaignID, err)
	}
	if c.Status != models.CampaignActive && c.Status != models.CampaignPaused {
		return PaceResult{Reason: "campaign is " + c.Status}, nil
	}
	if err := ExpirePreviews(ctx, a.DB); err != nil {
		return PaceResult{}, err
	}
	// A release whose signal never went out (a worker died between the two)
	// would hold a line for good; after two minutes it is given back.
	if err := a.DB.WithContext(ctx).Exec(`UPDATE contacts SET status = CASE WHEN attempt_count = 0 THEN 'new' ELSE 'ready' END, updated_at = now()
		WHERE campaign_id = ? AND status = 'released' AND updated_at < now() - interval '2 minutes'
		  AND NOT EXISTS (SELECT 1 FROM previews p WHERE p.contact_id = contacts.id AND p.state = 'offered')`, campaignID).Error; err != nil {
		return PaceResult{}, fmt.Errorf("pace campaign %d: give back stale releases: %w", campaignID, err)
	}
	res := PaceResult{Active: true}
	if c.Status == models.CampaignPaused {
		res.Reason = "paused"
		return res, nil
	}
	if open, why, err := a.campaignOpen(ctx, &c); err != nil || !open {
		res.Reason = why
		return res, err
	}
	if c.PacingMode != models.PacingProgressive {
		return res, nil
	}
	var counts struct{ Free, Ringing, Released int }
	err := a.DB.WithContext(ctx).Raw(`SELECT
		(SELECT count(*) FROM agents a JOIN campaign_teams t ON t.team_id = a.team_id WHERE t.campaign_id = ? AND a.state = 'available') AS free,
		(SELECT count(*) FROM attempts WHERE campaign_id = ? AND ended_at IS NULL AND telephony_outcome = '') AS ringing,
		(SELECT count(*) FROM contacts WHERE campaign_id = ? AND status = 'released') AS released`, c.ID, c.ID, c.ID).Scan(&counts).Error
	if err != nil {
		return res, fmt.Errorf("pace campaign %d: count agents and calls: %w", c.ID, err)
	}
	want := counts.Free*c.LinesPerAgent - counts.Ringing - counts.Released
	if want <= 0 {
		return res, nil
	}
	due, err := models.ReleaseDue(ctx, a.DB, []uint64{c.ID}, want)
	if err != nil {
		return res, err
	}
	for _, contact := range due {
		if err := a.Release(ctx, c.ID, contact.ID, "", false); err != nil {
			return res, fmt.Errorf("pace campaign %d: %w", c.ID, errors.Join(err, models.Unrelease(ctx, a.DB, contact.ID)))
		}
		res.Released++
	}
	return res, nil
}

// campaignOpen checks the campaign's own date range and daily hours in its
// time zone; each contact's own window is checked before its attempt.
func (a *Activities) campaignOpen(ctx context.Context, c *models.Campaign) (bool, string, error) {
	var tz models.TimeZone
	if err := a.DB.WithContext(ctx).First(&tz, c.TimeZoneID).Error; err != nil {
		return false, "", fmt.Errorf("zone of campaign %d: %w", c.ID, err)
	}
	spec, _, err := a.windowFor(ctx, c, tz.IANAZone)
	if err != nil {
		return false, "", err
	}
	spec.Daily = spec.Daily[:1] // the campaign's hours; zones apply per contact
	now := a.now()
	if spec.Open(now) {
		return true, "", nil
	}
	return false, spec.Explain(now), nil
}

// ExpirePreviews gives back the contacts of preview cards no agent answered
// in time.
func ExpirePreviews(ctx context.Context, db *models.DB) error {
	var expired []models.Preview
	err := db.WithContext(ctx).Raw(`UPDATE previews SET state = 'expired', answered_at = now()
		WHERE state = 'offered' AND expires_at < now() RETURNING id, agent_id, contact_id`).Scan(&expired).Error
	if err != nil {
		return fmt.Errorf("expire preview cards: %w", err)
	}
	for _, p := range expired {
		if err := models.Unrelease(ctx, db, p.ContactID); err != nil {
			return err
		}
		if err := db.WithContext(ctx).Exec(`UPDATE agents SET state = 'idle', state_reason = 'preview card expired', state_changed_at = ?
			WHERE id = ? AND state = 'reserved'`, time.Now(), p.AgentID).Error; err != nil {
			return fmt.Errorf("free agent %d: %w", p.AgentID, err)
		}
	}
	return nil
}
