package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/outdial/outdial/activities"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/strategy"
)

// ContactWorkflowID is the ID of a contact's workflow in a campaign.
func ContactWorkflowID(campaignID, contactID uint64) string {
	return fmt.Sprintf("contact/%d/%d", campaignID, contactID)
}

// Signals a contact's workflow receives.
const (
	// SignalRelease is the pacer handing the contact to be dialed now.
	SignalRelease = "release"
	// SignalTelephonyOutcome is the dialer's report of how a call ended.
	SignalTelephonyOutcome = "telephony-outcome"
	// SignalWrapup is the agent's wrap-up code after talking to the contact.
	SignalWrapup = "wrapup"
	// SignalClose closes the contact: no more attempts.
	SignalClose = "close"
)

// Release is the pacer's hand-over; Agent is set when an agent is reserved
// for the call (preview, or a personal callback).
type Release struct {
	Agent string `json:"agent,omitempty"`
	// Skip is a preview agent skipping the card: the attempt ends as
	// skipped without a call.
	Skip bool `json:"skip,omitempty"`
}

// TelephonyOutcome is the dialer's report of one attempt.
type TelephonyOutcome struct {
	AttemptID string `json:"attempt_id"`
	Outcome   string `json:"outcome"`
	Agent     string `json:"agent,omitempty"` // the agent the call was connected to
}

// Wrapup is an agent's wrap-up code for one attempt.
type Wrapup struct {
	AttemptID string `json:"attempt_id"`
	Business  string `json:"business"`
	Agent     string `json:"agent,omitempty"`
}

// Close asks the contact to close.
type Close struct {
	Reason string `json:"reason"`
}

// Timeouts bound how long an attempt waits for its reports.
type Timeouts struct {
	// Outcome is how long the dialer has to report a call's telephony
	// outcome; past it the attempt ends as error.
	Outcome time.Duration `json:"outcome"`
	// Wrapup is how long an agent has to send a wrap-up after a talk; past
	// it the voice rule decides.
	Wrapup time.Duration `json:"wrapup"`
}

// DefaultTimeouts are used where ContactParams leaves them zero.
var DefaultTimeouts = Timeouts{Outcome: 3 * time.Minute, Wrapup: 30 * time.Minute}

// ContactParams start a contact's workflow, or continue it as new.
type ContactParams struct {
	CampaignID uint64       `json:"campaign_id"`
	ContactID  uint64       `json:"contact_id"`
	Timeouts   Timeouts     `json:"timeouts"`
	State      ContactState `json:"state"`
	// Dispatch is the workflow's code version: 0 for histories started
	// before DispatchOneTask.
	Dispatch int `json:"dispatch,omitempty"`
}

// DispatchOneTask is the contact workflow's side of oneTaskDispatchChange:
// local activities, and search attributes set when the workflow starts
// (StartSearchAttributes) and upserted only when they change.
const DispatchOneTask = 1

// NewContactParams start a contact's workflow on the current version.
func NewContactParams(campaignID, contactID uint64) ContactParams {
	return ContactParams{CampaignID: campaignID, ContactID: contactID, Dispatch: DispatchOneTask}
}

// StartSearchAttributes are a contact workflow's search attributes as the
// pacer starts it: released, so about to be dialed.
func StartSearchAttributes(campaignID uint64) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(CampaignIDKey.ValueSet(int64(campaignID)), ContactStatusKey.ValueSet(models.ContactDialing))
}

// ContactState is what a contact's workflow carries across continue-as-new.
type ContactState struct {
	Started  bool              `json:"started"`
	Seq      int               `json:"seq"` // attempts made
	Counters strategy.Counters `json:"counters"`
	// Released holds a release that arrived and is not yet used.
	Released *Release `json:"released,omitempty"`
}

// runsPerHistory bounds a history: after this many loops the workflow
// continues as new.
const runsPerHistory = 20

// Contact is one contact's life in a campaign: it waits for the pacer's
// release, checks the contact is still dialable, asks the dialer for the
// call, waits for the outcome and the wrap-up, applies the strategy, and
// sleeps on a durable timer until the contact is due again, inside its
// calling window. It ends when the contact closes.
func Contact(ctx workflow.Context, p ContactParams) error {
	if p.Timeouts.Outcome <= 0 {
		p.Timeouts.Outcome = DefaultTimeouts.Outcome
	}
	if p.Timeouts.Wrapup <= 0 {
		p.Timeouts.Wrapup = DefaultTimeouts.Wrapup
	}
	c := &contactRun{p: p, s: p.State, ctx: ctx}
	// No attempt limit: a contact given up on would stay "dialing" and hold
	// one of its campaign's lines for good.
	c.run = executor{local: p.Dispatch >= DispatchOneTask}.with(ctx, 30*time.Second,
		&temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute})
	c.saStatus, _ = workflow.GetTypedSearchAttributes(ctx).GetKeyword(ContactStatusKey)
	c.release = workflow.GetSignalChannel(ctx, SignalRelease)
	c.closing = workflow.GetSignalChannel(ctx, SignalClose)
	c.outcomes = workflow.GetSignalChannel(ctx, SignalTelephonyOutcome)
	c.wrapups = workflow.GetSignalChannel(ctx, SignalWrapup)
	var a *activities.Activities
	if !c.s.Started {
		var start activities.ContactStart
		if err := c.run.execute(a.StartContact, p.ContactID).Get(ctx, &start); err != nil {
			return err
		}
		c.s.Started, c.s.Seq, c.s.Counters = true, start.Attempts, start.Counters
		keys := []temporal.SearchAttributeUpdate{CampaignIDKey.ValueSet(int64(p.CampaignID)), ListIDKey.ValueSet(int64(start.ListID))}
		if c.run.local {
			c.pending = keys // for the next upsert: one write for both
		} else {
			c.upsert(keys...)
		}
	}
	for range runsPerHistory {
		done, err := c.once()
		if err != nil || done {
			return err
		}
	}
	c.drain()
	if c.pollClose(); c.closeReason != "" {
		return c.close(c.closeReason) // a close signal must not be lost with the history
	}
	return workflow.NewContinueAsNewError(ctx, Contact, ContactParams{CampaignID: p.CampaignID, ContactID: p.ContactID, Timeouts: p.Timeouts, State: c.s, Dispatch: p.Dispatch})
}

type contactRun struct {
	ctx                                 workflow.Context
	run                                 executor
	pending                             []temporal.SearchAttributeUpdate // for the next upsert
	saStatus                            string                           // the status search attribute as it stands
	p                                   ContactParams
	s                                   ContactState
	release, closing, outcomes, wrapups workflow.ReceiveChannel
	closeReason                         string
}

// once runs one turn: wait for a release, then dial, wait or close. It
// reports whether the contact closed.
func (c *contactRun) once() (bool, error) {
	var a *activities.Activities
	ctx := c.ctx
	var pending Release
	if c.s.Released == nil && c.release.ReceiveAsync(&pending) {
		c.s.Released = &pending // the pacer released it already: it is not ready again
	}
	if c.s.Released == nil {
		c.status(models.ContactReady, "due: waiting for the pacer", time.Time{})
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(c.release, func(ch workflow.ReceiveChannel, _ bool) {
			var r Release
			ch.Receive(ctx, &r)
			c.s.Released = &r
		})
		c.onClose(sel)
		sel.Select(ctx)
		if c.closeReason != "" {
			return true, c.close(c.closeReason)
		}
	}
	agent, skip := c.s.Released.Agent, c.s.Released.Skip
	var prep activities.PrepareResult
	if err := c.run.execute(a.PrepareAttempt, activities.PrepareRequest{ContactID: c.p.ContactID, Seq: c.s.Seq + 1, Agent: agent}).Get(ctx, &prep); err != nil {
		return false, err
	}
	if prep.Action != activities.ActionDial && agent != "" {
		// The agent reserved for this call gets no call: free it.
		if err := c.run.execute(a.FreeAgent, agent).Get(ctx, nil); err != nil {
			return false, err
		}
	}
	switch prep.Action {
	case activities.ActionClose:
		return true, c.close(prep.Reason)
	case activities.ActionWait:
		c.s.Released = nil
		return c.sleep(prep.Until, prep.Reason)
	}
	c.s.Released = nil
	c.s.Seq++
	c.status(models.ContactDialing, "", time.Time{})
	outcome := TelephonyOutcome{AttemptID: prep.AttemptID, Outcome: strategy.Error, Agent: agent}
	dial := c.run.with(ctx, 30*time.Second, &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 10 * time.Second, MaximumAttempts: 5})
	if skip {
		outcome.Outcome = strategy.Skipped
	} else if err := dial.execute(a.Dial, prep.AttemptID).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("dial failed; the attempt ends as error", "attempt", prep.AttemptID, "error", err)
	} else if o, ok := c.await(c.outcomes, prep.AttemptID, c.p.Timeouts.Outcome, &TelephonyOutcome{}); ok {
		outcome = *o.(*TelephonyOutcome)
		if outcome.Agent == "" {
			outcome.Agent = agent
		}
	}
	var wrapup Wrapup
	if outcome.Outcome == strategy.Voice {
		if w, ok := c.await(c.wrapups, prep.AttemptID, c.p.Timeouts.Wrapup, &Wrapup{}); ok {
			wrapup = *w.(*Wrapup)
		}
	}
	at := workflow.Now(ctx)
	loc := contactZone(prep)
	decision := strategy.Decide(strategy.Input{
		Attempt:  strategy.Attempt{Mode: prep.Mode, Outcome: outcome.Outcome, Business: wrapup.Business, Agent: firstOf(wrapup.Agent, outcome.Agent), At: at},
		Counters: c.s.Counters, Rules: prep.Policy.Rules, Business: prep.Policy.Business, Caps: prep.Policy.Caps, Modes: prep.Policy.Modes, Loc: loc,
	})
	if c.closeReason == "" {
		c.pollClose()
	}
	if c.closeReason != "" && !decision.Close {
		decision.Close, decision.Reason = true, c.closeReason
	}
	var fin activities.FinishResult
	err := c.run.execute(a.FinishAttempt, activities.FinishRequest{AttemptID: prep.AttemptID, ContactID: c.p.ContactID,
		Telephony: outcome.Outcome, Business: wrapup.Business, Agent: firstOf(wrapup.Agent, outcome.Agent), Decision: decision}).Get(ctx, &fin)
	if err != nil {
		return false, err
	}
	c.s.Counters = decision.Counters
	// A release that came during the attempt is stale: only the pacer's
	// next release, once the contact is due again, may dial it.
	for c.release.ReceiveAsync(nil) {
	}
	if fin.Closed {
		c.upsert(ContactStatusKey.ValueSet(models.ContactClosed), AttemptCountKey.ValueSet(int64(c.s.Seq)))
		return true, nil
	}
	c.upsert(ContactStatusKey.ValueSet(models.ContactScheduled), AttemptCountKey.ValueSet(int64(c.s.Seq)), NextDueTimeKey.ValueSet(fin.NextDueAt))
	c.saStatus = models.ContactScheduled
	return c.sleepRecorded(fin.NextDueAt)
}

// await waits for a report of attemptID on ch, for at most timeout; reports
// of other (earlier) attempts are dropped.
func (c *contactRun) await(ch workflow.ReceiveChannel, attemptID string, timeout time.Duration, into interface{ attempt() string }) (any, bool) {
	ctx, cancel := workflow.WithCancel(c.ctx)
	defer cancel()
	timer := workflow.NewTimer(ctx, timeout)
	for {
		got, timedOut := false, false
		sel := workflow.NewSelector(c.ctx)
		sel.AddReceive(ch, func(r workflow.ReceiveChannel, _ bool) {
			r.Receive(c.ctx, into)
			got = into.attempt() == attemptID
		})
		sel.AddFuture(timer, func(workflow.Future) { timedOut = true })
		sel.Select(c.ctx)
		if got {
			return into, true
		}
		if timedOut {
			return nil, false
		}
	}
}

func (o *TelephonyOutcome) attempt() string { return o.AttemptID }
func (w *Wrapup) attempt() string           { return w.AttemptID }

// sleep waits until a time the check gave, for reason, then goes back to
// waiting for the pacer.
func (c *contactRun) sleep(until time.Time, reason string) (bool, error) {
	c.status(models.ContactScheduled, reason, until)
	return c.sleepRecorded(until)
}

// sleepRecorded waits on a durable timer until the contact is due; a close
// signal ends the wait and the contact.
func (c *contactRun) sleepRecorded(until time.Time) (bool, error) {
	if d := until.Sub(workflow.Now(c.ctx)); d > 0 {
		ctx, cancel := workflow.WithCancel(c.ctx)
		defer cancel()
		sel := workflow.NewSelector(c.ctx)
		sel.AddFuture(workflow.NewTimer(ctx, d), func(workflow.Future) {})
		c.onClose(sel)
		sel.Select(c.ctx)
	}
	if c.closeReason != "" {
		return true, c.close(c.closeReason)
	}
	return false, nil
}

func (c *contactRun) onClose(sel workflow.Selector) {
	sel.AddReceive(c.closing, func(ch workflow.ReceiveChannel, _ bool) {
		var cl Close
		ch.Receive(c.ctx, &cl)
		c.closeReason = firstOf(cl.Reason, "closed by request")
	})
}

func (c *contactRun) pollClose() {
	var cl Close
	if c.closing.ReceiveAsync(&cl) {
		c.closeReason = firstOf(cl.Reason, "closed by request")
	}
}

// drain keeps a release that arrived, for the next run after continue-as-new.
func (c *contactRun) drain() {
	var r Release
	for c.release.ReceiveAsync(&r) {
		rr := r
		c.s.Released = &rr
	}
}

func (c *contactRun) close(reason string) error {
	var a *activities.Activities
	c.upsert(ContactStatusKey.ValueSet(models.ContactClosed))
	return c.run.execute(a.SetContactStatus, activities.StatusRequest{ContactID: c.p.ContactID, Status: models.ContactClosed, Reason: reason}).Get(c.ctx, nil)
}

// status records the contact's status in PostgreSQL and the Web UI. A
// failure is logged, not fatal: the next status write repairs it.
func (c *contactRun) status(status, reason string, until time.Time) {
	var a *activities.Activities
	if !c.run.local || status != c.saStatus || !until.IsZero() {
		updates := []temporal.SearchAttributeUpdate{ContactStatusKey.ValueSet(status)}
		if !until.IsZero() {
			updates = append(updates, NextDueTimeKey.ValueSet(until))
		}
		c.upsert(updates...)
		c.saStatus = status
	}
	if status == models.ContactDialing {
		return // PrepareAttempt recorded it
	}
	err := c.run.execute(a.SetContactStatus, activities.StatusRequest{ContactID: c.p.ContactID, Status: status, Reason: reason, Until: until}).Get(c.ctx, nil)
	if err != nil {
		workflow.GetLogger(c.ctx).Error("record contact status", "status", status, "error", err)
	}
}

func (c *contactRun) upsert(updates ...temporal.SearchAttributeUpdate) {
	updates, c.pending = append(c.pending, updates...), nil
	if err := workflow.UpsertTypedSearchAttributes(c.ctx, updates...); err != nil {
		workflow.GetLogger(c.ctx).Warn("upsert search attributes", "error", err)
	}
}

// contactZone is the zone the decision after a call counts days in: the
// contact's offset as the attempt was prepared, recorded in the history. A
// DST change between the preparation and the decision moves the day's edge
// by an hour for that one decision; zones are loaded from zone files only
// for histories from before the offset was recorded.
func contactZone(prep activities.PrepareResult) *time.Location {
	if prep.ContactZoneOffset != nil {
		return time.FixedZone(prep.ContactZone, *prep.ContactZoneOffset)
	}
	loc, err := time.LoadLocation(prep.ContactZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
