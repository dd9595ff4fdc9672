// Package campaign is what makes campaigns dial: their lifecycle (start,
// pause, resume, stop, completion), the pacer's passes that release
// contacts for free agents, preview cards offered to agents who ask, and
// the wake-ups that bring a pass forward. It starts and signals campaigns'
// workflows; contacts' workflows are package contact's.
package campaign

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/internal/observe"
	"github.com/outdial/outdial/internal/stats"
	"github.com/outdial/outdial/models"
)

// Contacts releases and closes contacts through their workflows.
type Contacts interface {
	// ReleaseAll hands contacts a pass marked released to their workflows.
	ReleaseAll(ctx context.Context, campaignID uint64, due []models.Contact) error
	// Release hands one contact to its workflow, for a preview agent.
	Release(ctx context.Context, campaignID, contactID uint64, agent string, skip, first bool) (string, error)
	// CloseOpen closes open contacts through their workflows, or their rows.
	CloseOpen(ctx context.Context, campaignID uint64, ids []uint64, reason string) (int, error)
}

// Service is the campaign domain over PostgreSQL and Temporal.
type Service struct {
	DB       *models.DB
	Temporal client.Client
	// TaskQueue is where campaigns' workflows run.
	TaskQueue string
	Contacts  Contacts
	// ContactWorkflows ends contacts' workflows when a campaign is deleted.
	ContactWorkflows ContactWorkflows
	// Now is the clock; tests give theirs.
	Now func() time.Time
	// AbandonCap is the deployment's cap on predictive campaigns' abandon
	// rate, in percent: their pacers aim at their own target or it,
	// whichever is lower. Zero: the legal cap.
	AbandonCap float64

	zones zoneCache
	// abandons keeps predictive campaigns' abandon counts between passes.
	abandons     stats.Ledger
	abandonsOnce sync.Once
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Lifecycle actions.
const (
	Start  = "start"
	Pause  = "pause"
	Resume = "resume"
	Stop   = "stop"
)

// Actions are the lifecycle actions in the order the API lists them.
var Actions = []string{Start, Pause, Resume, Stop}

// lifecycle is each action's status, and the statuses it may come from.
var lifecycle = map[string]struct {
	to   string
	from []string
}{
	Start:  {models.CampaignActive, []string{models.CampaignDraft, models.CampaignStopped, models.CampaignCompleted, models.CampaignActive}},
	Pause:  {models.CampaignPaused, []string{models.CampaignActive, models.CampaignPaused}},
	Resume: {models.CampaignActive, []string{models.CampaignPaused, models.CampaignActive}},
	Stop:   {models.CampaignStopped, []string{models.CampaignActive, models.CampaignPaused, models.CampaignStopped}},
}

// Move applies a lifecycle action to a campaign and tells its workflow:
// start and resume start it if it is not running.
func (s *Service) Move(ctx context.Context, id uint64, action string) (*models.Campaign, error) {
	step, ok := lifecycle[action]
	if !ok {
		return nil, fmt.Errorf("campaign %d: unknown lifecycle action %q", id, action)
	}
	c, err := models.Find[models.Campaign](ctx, s.DB.DB, "campaign", id)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(step.from, c.Status) {
		return nil, fault.Conflictf("status", "campaign %s is %s; it cannot %s", c.Name, c.Status, action)
	}
	if action == Start && c.PlacesCalls() && c.EntryPointID == nil {
		return nil, fault.Conflictf("entry_point_id", "campaign %s has no entry point to place its calls", c.Name)
	}
	if action == Start {
		if err := s.canDial(ctx, c); err != nil {
			return nil, err
		}
	}
	now := s.now()
	if err := models.SetCampaignStatus(ctx, s.DB.DB, id, step.to, nil, now); err != nil {
		return nil, err
	}
	wid := contract.CampaignWorkflowID(id)
	switch action {
	case Start, Resume:
		_, err = s.Temporal.SignalWithStartWorkflow(ctx, wid, contract.SignalResume, nil,
			client.StartWorkflowOptions{ID: wid, TaskQueue: s.TaskQueue}, contract.CampaignWorkflow, contract.CampaignParams{CampaignID: id})
	case Pause:
		err = s.signal(ctx, wid, contract.SignalPause)
	case Stop:
		err = s.signal(ctx, wid, contract.SignalStop)
	}
	if err != nil {
		return nil, contract.CallError(err, "%s campaign %d", action, id)
	}
	c.Status, c.UpdatedAt = step.to, now
	return c, nil
}

// canDial refuses to start a campaign that could not dial: one whose date
// range has ended would close every contact for good, and a progressive
// one without a team has no agent to take its calls.
func (s *Service) canDial(ctx context.Context, c *models.Campaign) error {
	var f fault.Fields
	if dates := contact.CampaignDates(c); dates.Ended(s.now()) {
		f.Add("end_date", "campaign %s's date range %v has ended: started, it would close every contact; move its end_date first", c.Name, dates)
	}
	if c.PlacesCalls() {
		n, err := models.ServingTeams(ctx, s.DB.DB, c.ID)
		if err != nil {
			return err
		}
		if n == 0 {
			f.Add("team_ids", "%s campaign %s has no team, alone or through a campaign group: no agent would take its calls", c.PacingMode, c.Name)
		}
	}
	return f.Err("campaign")
}

// signal signals a workflow; one that is not running has nothing to hear.
func (s *Service) signal(ctx context.Context, workflowID, name string) error {
	err := s.Temporal.SignalWorkflow(ctx, workflowID, "", name, nil)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return nil
	}
	return err
}

// WakeForAgent asks the pacers of an agent's active campaigns for a pass:
// the agent became available. Only a pacer with no request waiting is
// signalled.
func (s *Service) WakeForAgent(ctx context.Context, agentID uint64) {
	ids, err := models.RequestPassesForAgent(ctx, s.DB.DB, agentID)
	if err != nil {
		slog.WarnContext(ctx, "wake pacers", "agent", agentID, "error", err)
		return
	}
	s.signalWakes(ctx, ids...)
}

// Wake asks an active campaign's pacer for a pass now, unless a request
// is already waiting.
func (s *Service) Wake(ctx context.Context, campaignID uint64) {
	requested, err := models.RequestPass(ctx, s.DB.DB, campaignID)
	if err != nil {
		slog.DebugContext(ctx, "wake pacer", observe.CampaignID, campaignID, "error", err)
		return
	}
	if requested {
		s.signalWakes(ctx, campaignID)
	}
}

// signalWakes signals the pacers of campaigns whose pass requests are new.
// A pacer that misses its signal passes on its tick anyway.
func (s *Service) signalWakes(ctx context.Context, campaignIDs ...uint64) {
	for _, id := range campaignIDs {
		if err := s.Temporal.SignalWorkflow(ctx, contract.CampaignWorkflowID(id), "", contract.SignalWake, nil); err != nil {
			slog.DebugContext(ctx, "wake pacer", observe.CampaignID, id, "error", err)
		}
	}
}
