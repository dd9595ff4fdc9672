package contact

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/strategy"
)

// CallTimes are when a call was answered and its agent connected, as a
// dialer reports them.
type CallTimes = dialer.CallTimes

// TelephonyOutcome records a dialer's report of how an attempt's call
// ended, and tells the contact's workflow. A repeat of the same report
// changes nothing; a different one conflicts. It reports whether the
// attempt changed. times, when the dialer knows them, say when the call
// was answered and its agent connected; without them a voice report's
// time is its answer.
func (s *Service) TelephonyOutcome(ctx context.Context, attemptID, outcome, agent string, times CallTimes) (bool, error) {
	var f fault.Fields
	o, ok := strategy.ParseTelephonyOutcome(outcome)
	if !ok {
		f.Add("outcome", "must be one of %s, not %q", strings.Join(strategy.TelephonyOutcomes, ", "), outcome)
	}
	switch {
	case times.ConnectedAt.IsZero():
	case o != strategy.Voice:
		f.Add("connected_at", "is only for a voice outcome, not %q: no agent was connected", outcome)
	case times.AnsweredAt.IsZero():
		f.Add("connected_at", "needs answered_at: an agent is connected to an answered call")
	case times.ConnectedAt.Before(times.AnsweredAt):
		f.Add("connected_at", "is %s, before answered_at %s", times.ConnectedAt.Format(time.RFC3339Nano), times.AnsweredAt.Format(time.RFC3339Nano))
	}
	switch {
	case times.AbandonMessageAt.IsZero():
	case o != strategy.Abandoned:
		f.Add("abandon_message_at", "is only for an abandoned outcome, not %q", outcome)
	case !times.AnsweredAt.IsZero() && times.AbandonMessageAt.Before(times.AnsweredAt):
		f.Add("abandon_message_at", "is %s, before answered_at %s", times.AbandonMessageAt.Format(time.RFC3339Nano), times.AnsweredAt.Format(time.RFC3339Nano))
	}
	if err := f.Err("report"); err != nil {
		return false, err
	}
	at, err := s.reported(ctx, attemptID)
	if err != nil {
		return false, err
	}
	if agent, err = s.agentID(ctx, agent, "report"); err != nil {
		return false, err
	}
	changed, err := s.report(ctx, &at, "telephony_outcome", at.TelephonyOutcome, o, agent, times, contract.SignalTelephonyOutcome,
		contract.TelephonyOutcome{AttemptID: attemptID, Outcome: o, Agent: agent})
	if changed && err == nil && o != strategy.Voice && s.Pacers != nil {
		// The call's line is free and no agent took it: the pacer may
		// place another call now rather than on its next tick.
		s.Pacers.Wake(ctx, at.CampaignID)
	}
	return changed, err
}

// Wrapup records an agent's wrap-up code for an attempt, which must be one
// of its campaign's business outcomes, and tells the contact's workflow.
func (s *Service) Wrapup(ctx context.Context, attemptID, business, agent string) (bool, error) {
	business = strings.TrimSpace(business)
	at, err := s.reported(ctx, attemptID)
	if err != nil {
		return false, err
	}
	var f fault.Fields
	if business == "" {
		f.Add("business", "is required")
		return false, f.Err("wrap-up")
	}
	if agent, err = s.agentID(ctx, agent, "wrap-up"); err != nil {
		return false, err
	}
	campaign, err := models.Find[models.Campaign](ctx, s.DB.DB, "campaign", at.CampaignID)
	if err != nil {
		return false, err
	}
	if campaign.OutcomeGroupID != nil {
		ok, err := s.isWrapupCode(ctx, *campaign.OutcomeGroupID, business)
		if err != nil {
			return false, err
		}
		if !ok {
			f.Add("business", "%q is not a wrap-up code of campaign %s", business, campaign.Name)
			return false, f.Err("wrap-up")
		}
	}
	return s.report(ctx, &at, "business_outcome", at.BusinessOutcome, business, agent, dialer.CallTimes{}, contract.SignalWrapup,
		contract.Wrapup{AttemptID: at.ID, Business: business, Agent: agent})
}

// agentID is the ID of the agent a report names by ID or by name: attempts
// record agents by ID alone, whoever reported them, so that an agent's
// attempts are found by one value. "" stays "".
func (s *Service) agentID(ctx context.Context, agent, subject string) (string, error) {
	agent = strings.TrimSpace(agent)
	if agent == "" {
		return "", nil
	}
	var ids []uint64
	// An ID wins over another agent's name that looks like one.
	err := s.DB.WithContext(ctx).Raw(`SELECT id FROM agents WHERE CAST(id AS text) = ? OR name = ?
		ORDER BY CAST(id AS text) = ? DESC LIMIT 1`, agent, agent, agent).Scan(&ids).Error
	if err != nil {
		return "", fmt.Errorf("find agent %q: %w", agent, err)
	}
	if len(ids) == 0 {
		var f fault.Fields
		f.Add("agent", "%q is no agent's ID or name", agent)
		return "", f.Err(subject)
	}
	return strconv.FormatUint(ids[0], 10), nil
}

// reported reads the attempt a report is about.
func (s *Service) reported(ctx context.Context, id string) (models.Attempt, error) {
	at, found, err := s.attempt(ctx, id)
	if err != nil {
		return at, err
	}
	if !found {
		return at, fault.NotFoundf("attempt", id)
	}
	return at, nil
}

// report records a report once, then signals the workflow: a repeat of the
// same report changes nothing, a different one conflicts.
func (s *Service) report(ctx context.Context, at *models.Attempt, column, current, value, agent string, times dialer.CallTimes, signal string, payload any) (bool, error) {
	if current == value {
		if at.EndedAt == nil {
			// The first report's signal may have failed: send it again; the
			// workflow takes a report of an attempt once.
			return false, s.signalReport(ctx, at, signal, payload)
		}
		return false, nil
	}
	if current != "" || at.EndedAt != nil {
		return false, fault.Conflictf(strings.TrimSuffix(column, "_outcome"), "attempt %s has ended with %q; %q cannot replace it", at.ID, cmp.Or(current, "a timeout"), value)
	}
	changed, err := s.recordReport(ctx, at.ID, column, value, agent, times)
	if err != nil {
		return false, err
	}
	if !changed {
		// Another request changed the attempt since it was read: the same
		// report sent twice at once (a dialer retrying a request it thinks
		// lost) is a repeat, applied once; anything else conflicts.
		now, err := s.reported(ctx, at.ID)
		if err != nil {
			return false, err
		}
		if reportedValue(&now, column) == value {
			return s.report(ctx, &now, column, value, value, agent, times, signal, payload)
		}
		return false, fault.Conflictf("", "attempt %s changed while this report was recorded; read it and send again", at.ID)
	}
	return true, s.signalReport(ctx, at, signal, payload)
}

// reportedValue is what the attempt holds in a report's column.
func reportedValue(at *models.Attempt, column string) string {
	if column == "business_outcome" {
		return at.BusinessOutcome
	}
	return at.TelephonyOutcome
}

func (s *Service) signalReport(ctx context.Context, at *models.Attempt, signal string, payload any) error {
	if err := s.Temporal.SignalWorkflow(ctx, contract.ContactWorkflowID(at.CampaignID, at.ContactID), "", signal, payload); err != nil {
		return contract.CallError(err, "signal contact %d", at.ContactID)
	}
	return nil
}

// OpenCalls are the calls the dialer adapter called name accepted on this
// worker (Worker) and has not reported the end of: what a simulator takes
// up after its worker died and started again (dialer.Simulator.Resume).
// Other workers' calls are theirs to take up.
func (s *Service) OpenCalls(ctx context.Context, name string) ([]dialer.OpenCall, error) {
	var rows []struct {
		models.Attempt
		PacingMode string
		Campaign   string
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT a.*, c.pacing_mode, c.name AS campaign FROM attempts a
		JOIN campaigns c ON c.id = a.campaign_id LEFT JOIN entry_points e ON e.id = c.entry_point_id
		WHERE a.ended_at IS NULL AND a.dial_accepted_at IS NOT NULL AND a.dialed_by = ? AND COALESCE(e.dialer, ?) = ?`, s.Worker, s.DefaultDialer, name).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("open calls of dialer %s: %w", name, err)
	}
	calls := make([]dialer.OpenCall, 0, len(rows))
	for _, r := range rows {
		calls = append(calls, dialer.OpenCall{Outcome: r.TelephonyOutcome, Agent: r.Agent, Request: dialer.CallRequest{
			AttemptID: r.ID, CampaignID: r.CampaignID, Campaign: r.Campaign, CampaignType: titleCase(r.PacingMode),
			ContactID: r.ContactID, Mode: r.Mode, Number: r.Number, Agent: r.Agent, CallMeNow: true}})
	}
	return calls, nil
}

// WrapupCodes are the codes the agent of the attempt may send: its
// campaign's, as the agent's desktop shows them.
func (s *Service) WrapupCodes(ctx context.Context, attemptID string) ([]dialer.WrapupCode, error) {
	at, err := s.reported(ctx, attemptID)
	if err != nil {
		return nil, err
	}
	return Reports{s}.WrapupCodes(ctx, at.CampaignID)
}

// Reports adapts the service to what the simulator reports through: the
// same path as a real dialer's and agent's reports.
type Reports struct{ *Service }

// TelephonyOutcome records a simulated call's outcome.
func (r Reports) TelephonyOutcome(ctx context.Context, attemptID, outcome, agent string, times dialer.CallTimes) error {
	_, err := r.Service.TelephonyOutcome(ctx, attemptID, outcome, agent, times)
	return err
}

// Wrapup records a simulated agent's wrap-up, held to the campaign's
// codes as an agent's is.
func (r Reports) Wrapup(ctx context.Context, attemptID, business, agent string) error {
	_, err := r.Service.Wrapup(ctx, attemptID, business, agent)
	return err
}

// WrapupCodes lists the campaign's wrap-up codes, each with the kind of
// what its business outcome does, from the policy its contacts are decided
// by.
func (r Reports) WrapupCodes(ctx context.Context, campaignID uint64) ([]dialer.WrapupCode, error) {
	c, err := models.Find[models.Campaign](ctx, r.DB.DB, "campaign", campaignID)
	if err != nil {
		return nil, err
	}
	p, err := r.policy(ctx, c)
	if err != nil {
		return nil, err
	}
	codes := make([]dialer.WrapupCode, 0, len(p.Business))
	for _, b := range p.Business {
		codes = append(codes, dialer.WrapupCode{Name: b.Name, Kind: wrapupKind(b)})
	}
	return codes, nil
}

// wrapupKind says what a business outcome does, for the simulator's mix:
// one that reschedules the contact is a callback, whatever its type.
func wrapupKind(b strategy.BusinessRule) string {
	switch {
	case !b.CloseContact && b.MaxRetry > 0:
		return dialer.WrapupCallback
	case b.Success:
		return dialer.WrapupSuccess
	}
	return dialer.WrapupFailure
}

// AttemptQuery picks the attempts a key may see: within Teams' campaigns
// when Teams is not nil (a supervisor), EntryPoint's when set (a dialer).
type AttemptQuery struct {
	models.AttemptFilter
	Teams      []uint64
	EntryPoint *uint64
}

// Attempts reads a page of the attempts q picks, the latest first.
func (s *Service) Attempts(ctx context.Context, q AttemptQuery, p models.PageRequest) (models.Page[models.Attempt], error) {
	f := q.AttemptFilter
	db := s.DB.WithContext(ctx)
	switch {
	case q.Teams != nil:
		f.CampaignsOf = db.Table("campaign_teams").Select("campaign_id").Where("team_id IN ?", append(q.Teams, 0))
	case q.EntryPoint != nil:
		f.CampaignsOf = db.Table("campaigns").Select("id").Where("entry_point_id = ?", *q.EntryPoint)
	}
	return models.FindAttempts(ctx, s.DB.DB, f, p)
}
