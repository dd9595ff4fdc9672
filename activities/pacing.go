package activities

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"gorm.io/gorm"

	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/pacing"
)

// ReleaseFunc hands a contact to its workflow, starting the workflow if it
// has none; first says the contact was never attempted, so it most likely
// has none yet. The worker wires it, since the workflow lives in a package
// that imports this one.
type ReleaseFunc func(ctx context.Context, campaignID, contactID uint64, agent string, skip, first bool) error

// CloseFunc signals a contact's workflow to close; it reports false when
// the contact has no workflow.
type CloseFunc func(ctx context.Context, campaignID, contactID uint64, reason string) (bool, error)

// PaceResult is what one pacing pass did.
type PaceResult struct {
	// Active is false once the campaign is no longer active: its workflow ends.
	Active bool `json:"active"`
	// Completed: the campaign's date range is over; its open contacts close.
	Completed bool   `json:"completed,omitempty"`
	Released  int    `json:"released"`
	Reason    string `json:"reason,omitempty"`
}

// Pace is one pass of the pacer. Progressive: while agents of the
// campaign's teams are available, release up to lines-per-agent calls per
// free agent, minus the calls already ringing. Preview campaigns are paced
// by their agents' requests; their pass only expires unanswered cards.
func (a *Activities) Pace(ctx context.Context, campaignID uint64) (PaceResult, error) {
	if err := models.TakePassRequest(ctx, a.DB.DB, campaignID); err != nil {
		return PaceResult{}, err
	}
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
	if err := a.DB.WithContext(ctx).Exec(`UPDATE contacts SET status = `+models.UnreleasedStatus+`, updated_at = now()
		WHERE campaign_id = ? AND status = 'released' AND updated_at < now() - interval '2 minutes'
		  AND NOT EXISTS (SELECT 1 FROM previews p WHERE p.contact_id = contacts.id AND p.state = 'offered')`, campaignID).Error; err != nil {
		return PaceResult{}, fmt.Errorf("pace campaign %d: give back stale releases: %w", campaignID, err)
	}
	if dates := campaignDates(&c); dates.Ended(a.now()) {
		return a.complete(ctx, &c, fmt.Sprintf("its date range %v has ended", dates))
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
	var due []models.Contact
	err := a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		due, res.Reason, err = a.releaseProgressive(ctx, tx, &c)
		return err
	})
	if err != nil {
		return res, fmt.Errorf("pace campaign %d: %w", c.ID, err)
	}
	a.releaseInBackground(ctx, c.ID, due)
	res.Released = len(due)
	return res, nil
}

// releaseTimeout bounds a pass's releases once the pass has returned.
const releaseTimeout = time.Minute

// releaseInBackground hands the contacts a pass released to their
// workflows after the pass has returned. A release (a workflow's start or a
// signal) takes tens of milliseconds on a busy server, and waiting for them took 60 of a pass's
// 68 ms at full load, which held the campaign's next pass back. A release
// that fails is given back at once; one lost with its worker, after two
// minutes (see Pace).
func (a *Activities) releaseInBackground(ctx context.Context, campaignID uint64, due []models.Contact) {
	if len(due) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	go func() {
		defer cancel()
		_, err := eachAtOnce(due, func(contact models.Contact) error {
			if err := a.Release(ctx, campaignID, contact.ID, "", false, contact.AttemptCount == 0); err != nil {
				return fmt.Errorf("release contact %d: %w", contact.ID, errors.Join(err, models.Unrelease(ctx, a.DB, contact.ID)))
			}
			return nil
		})
		if err != nil {
			slog.WarnContext(ctx, "release contacts", "campaign", campaignID, "error", err)
		}
	}()
}

// eachAtOnce runs fn for every item, releaseConcurrency at a time: agents
// freed together are released for together, where one signal at a time
// would keep the last of a burst waiting for all the others. It returns how
// many succeeded and every error. There is no shared cancellation: a
// release cut short could reach its workflow after its contact was given
// back.
func eachAtOnce[T any](items []T, fn func(T) error) (int, error) {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		ok   int
		sem  = make(chan struct{}, releaseConcurrency)
	)
	for _, item := range items {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			err := fn(item)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			} else {
				ok++
			}
		})
	}
	wg.Wait()
	return ok, errors.Join(errs...)
}

// releaseConcurrency bounds the signals a pass, or a completed campaign's
// closing, sends at once.
const releaseConcurrency = 16

// Buffer adaptation: a campaign group's buffer changes at most once per
// bufferAdaptEvery, and a contact released longer than unusedAfter ago and
// still not dialed sits unused.
const (
	bufferAdaptEvery = 10 * time.Second
	unusedAfter      = 10 * time.Second
)

// releaseProgressive releases the contacts a progressive pass wants: lines
// per agent for each free agent, less the calls in flight. In a campaign
// group, the deliverable percentages split the agents mapped to the group
// and the group's buffer between the campaigns that have contacts due, and
// the buffer adapts to how fast its contacts are consumed. The group's row
// stays locked until tx ends, so the group's pacers take turns.
func (a *Activities) releaseProgressive(ctx context.Context, tx *gorm.DB, c *models.Campaign) ([]models.Contact, string, error) {
	group, err := models.LockCampaignGroup(ctx, tx, c.ID)
	if err != nil {
		return nil, "", err
	}
	if group != nil && !group.Enabled {
		return nil, fmt.Sprintf("campaign group %s is disabled", group.Name), nil
	}
	var groupID uint64
	if group != nil {
		groupID = group.ID
	}
	n, err := models.CountForPacing(ctx, tx, c.ID, groupID, unusedAfter)
	if err != nil {
		return nil, "", err
	}
	if group == nil {
		due, err := models.ReleaseDue(ctx, tx, []uint64{c.ID}, pacing.Progressive(n.FreeAgents, c.LinesPerAgent, n.InFlight, -1))
		return due, "", err
	}
	weights, i, err := models.GroupShares(ctx, tx, group.ID, c.ID)
	if err != nil {
		return nil, "", err
	}
	buf := pacing.Buffer{Initial: group.InitialContacts, IncrementPercent: group.IncrementPercent,
		DecrementPercent: group.DecrementPercent, UpperThresholdPercent: group.UpperThresholdPercent}
	size := buf.Size(group.BufferSize)
	free := n.FreeAgents + pacing.Split(n.SharedAgents, weights)[i]
	share := pacing.Split(size, weights)[i]
	want := pacing.Progressive(free, c.LinesPerAgent, n.InFlight, share)
	drained := want < pacing.Progressive(free, c.LinesPerAgent, n.InFlight, -1)
	if err := models.AdaptBuffer(ctx, tx, group.ID, buf.Next(size, drained, n.Unused > 0), bufferAdaptEvery); err != nil {
		return nil, "", err
	}
	var reason string
	if want == 0 && free > 0 && n.InFlight >= share {
		reason = fmt.Sprintf("the campaign's share of campaign group %s's buffer (%d contacts) is in flight", group.Name, share)
	}
	due, err := models.ReleaseDue(ctx, tx, []uint64{c.ID}, want)
	return due, reason, err
}

// complete ends a campaign whose date range is over: it is completed, and
// its workflow closes its open contacts (CloseCampaignContacts) and ends.
func (a *Activities) complete(ctx context.Context, c *models.Campaign, why string) (PaceResult, error) {
	err := a.DB.WithContext(ctx).Model(c).Where("status IN ?", []string{models.CampaignActive, models.CampaignPaused}).
		Updates(map[string]any{"status": models.CampaignCompleted, "updated_at": time.Now()}).Error
	if err != nil {
		return PaceResult{}, fmt.Errorf("complete campaign %d: %w", c.ID, err)
	}
	slog.InfoContext(ctx, "campaign completed", "campaign", c.ID, "reason", why)
	return PaceResult{Completed: true, Reason: "completed: " + why}, nil
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
// in time, and frees their agents, in one transaction: a card is never
// expired with its contact still held.
func ExpirePreviews(ctx context.Context, db *models.DB) error {
	err := db.WithContext(ctx).Exec(`WITH expired AS (
		UPDATE previews SET state = 'expired', answered_at = now()
		WHERE state = 'offered' AND expires_at < now() RETURNING agent_id, contact_id
	), contacts_back AS (
		UPDATE contacts SET status = ` + models.UnreleasedStatus + `, updated_at = now()
		WHERE status = 'released' AND id IN (SELECT contact_id FROM expired)
	)
	UPDATE agents SET state = 'idle', state_reason = 'preview card expired', state_changed_at = now(), updated_at = now()
	WHERE state = 'reserved' AND id IN (SELECT agent_id FROM expired)`).Error
	if err != nil {
		return fmt.Errorf("expire preview cards: %w", err)
	}
	return nil
}

// closePage is how many contacts CloseCampaignContacts closes between
// heartbeats.
const closePage = 500

// CloseCampaignContacts closes every open contact of a completed campaign:
// never-dialed ones (no workflow) in PostgreSQL at once, the others through
// their workflows, a page at a time. Its heartbeat carries the last contact
// closed, so a retry goes on from there. It returns how many it closed.
func (a *Activities) CloseCampaignContacts(ctx context.Context, campaignID uint64, reason string) (int, error) {
	if a.Close == nil {
		return 0, fmt.Errorf("close contacts of campaign %d: the worker has no close function", campaignID)
	}
	res := a.DB.WithContext(ctx).Exec(`UPDATE contacts SET status = 'closed', closed_reason = ?, closed_at = now(), updated_at = now()
		WHERE campaign_id = ? AND status = 'new' AND attempt_count = 0`, reason, campaignID)
	if res.Error != nil {
		return 0, fmt.Errorf("close new contacts of campaign %d: %w", campaignID, res.Error)
	}
	closed := int(res.RowsAffected)
	var after uint64
	if activity.HasHeartbeatDetails(ctx) {
		if err := activity.GetHeartbeatDetails(ctx, &after); err != nil {
			return closed, fmt.Errorf("close contacts of campaign %d: read heartbeat: %w", campaignID, err)
		}
	}
	for {
		var ids []uint64
		if err := a.DB.WithContext(ctx).Raw(`SELECT id FROM contacts WHERE campaign_id = ? AND status <> 'closed' AND id > ? ORDER BY id LIMIT ?`,
			campaignID, after, closePage).Scan(&ids).Error; err != nil {
			return closed, fmt.Errorf("close contacts of campaign %d: %w", campaignID, err)
		}
		if len(ids) == 0 {
			return closed, nil
		}
		n, err := a.closeContacts(ctx, campaignID, ids, reason)
		closed += n
		if err != nil {
			return closed, err
		}
		after = ids[len(ids)-1]
		activity.RecordHeartbeat(ctx, after)
	}
}

// closeContacts closes ids through their workflows; a contact without one
// is closed in PostgreSQL.
func (a *Activities) closeContacts(ctx context.Context, campaignID uint64, ids []uint64, reason string) (int, error) {
	return eachAtOnce(ids, func(id uint64) error {
		found, err := a.Close(ctx, campaignID, id, reason)
		if err == nil && !found {
			err = a.SetContactStatus(ctx, StatusRequest{ContactID: id, Status: models.ContactClosed, Reason: reason})
		}
		if err != nil {
			return fmt.Errorf("close contact %d: %w", id, err)
		}
		return nil
	})
}
