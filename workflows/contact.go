package workflows

import (
	"cmp"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/outdial/outdial/activities"
	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/strategy"
)

// runsPerHistory bounds a history: after this many loops the workflow
// continues as new.
const runsPerHistory = 20

// Contact is one contact's life in a campaign: it waits for the pacer's
// release, checks the contact is still dialable, asks the dialer for the
// call, waits for the outcome and the wrap-up, applies the strategy, and
// sleeps on a durable timer until the contact is due again, inside its
// calling window. It ends when the contact closes.
func Contact(ctx workflow.Context, p contract.ContactParams) error {
	if p.Timeouts.Outcome <= 0 {
		p.Timeouts.Outcome = contract.DefaultTimeouts.Outcome
	}
	if p.Timeouts.Wrapup <= 0 {
		p.Timeouts.Wrapup = contract.DefaultTimeouts.Wrapup
	}
	c := &contactRun{p: p, s: p.State, ctx: ctx}
	// No attempt limit: a contact given up on would stay "dialing" and hold
	// one of its campaign's lines for good.
	c.run = newExecutor(ctx, 30*time.Second, &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute})
	c.saStatus, _ = workflow.GetTypedSearchAttributes(ctx).GetKeyword(contract.ContactStatusKey)
	c.release = workflow.GetSignalChannel(ctx, contract.SignalRelease)
	c.closing = workflow.GetSignalChannel(ctx, contract.SignalClose)
	c.outcomes = workflow.GetSignalChannel(ctx, contract.SignalTelephonyOutcome)
	c.wrapups = workflow.GetSignalChannel(ctx, contract.SignalWrapup)
	if !c.s.Started {
		var start activities.ContactStart
		if err := c.run.execute(contract.StartContactActivity, p.ContactID).Get(ctx, &start); err != nil {
			return err
		}
		c.s.Started, c.s.Seq, c.s.Counters = true, start.Attempts, start.Counters
		// Kept for the next upsert: one write for both.
		c.pending = []temporal.SearchAttributeUpdate{contract.CampaignIDKey.ValueSet(int64(p.CampaignID)), contract.ListIDKey.ValueSet(int64(start.ListID))}
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
	return workflow.NewContinueAsNewError(ctx, contract.ContactWorkflow, contract.ContactParams{CampaignID: p.CampaignID, ContactID: p.ContactID, Timeouts: p.Timeouts, State: c.s})
}

type contactRun struct {
	ctx                                 workflow.Context
	run                                 executor
	pending                             []temporal.SearchAttributeUpdate // for the next upsert
	saStatus                            string                           // the status search attribute as it stands
	p                                   contract.ContactParams
	s                                   contract.ContactState
	release, closing, outcomes, wrapups workflow.ReceiveChannel
	closeReason                         string
}

// log names the contact and its campaign on each line, as the rest of
// Outdial's logs do.
func (c *contactRun) log() log.Logger {
	return log.With(workflow.GetLogger(c.ctx), "campaign_id", c.p.CampaignID, "contact_id", c.p.ContactID)
}

// once runs one turn: wait for a release, then dial, wait or close. It
// reports whether the contact closed.
func (c *contactRun) once() (bool, error) {
	ctx := c.ctx
	var pending contract.Release
	if c.s.Released == nil && c.release.ReceiveAsync(&pending) {
		c.s.Released = &pending // the pacer released it already: it is not ready again
	}
	if c.s.Released == nil {
		c.status(contract.ContactReady, "due: waiting for the pacer", time.Time{})
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(c.release, func(ch workflow.ReceiveChannel, _ bool) {
			var r contract.Release
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
	if err := c.run.execute(contract.PrepareAttemptActivity, activities.PrepareRequest{ContactID: c.p.ContactID, Seq: c.s.Seq + 1, Agent: agent}).Get(ctx, &prep); err != nil {
		return false, err
	}
	if prep.Action != activities.ActionDial && agent != "" {
		// The agent reserved for this call gets no call: free it.
		if err := c.run.execute(contract.FreeAgentActivity, agent).Get(ctx, nil); err != nil {
			return false, err
		}
	}
	switch prep.Action {
	case activities.ActionClose:
		return true, c.close(prep.Reason)
	case activities.ActionWait:
		c.s.Released = nil
		return c.sleep(prep.Until, prep.Reason)
	case activities.ActionDial:
	default:
		// Only a verdict to dial may dial: anything else is a bug, and the
		// contact stops rather than calls.
		return false, fmt.Errorf("attempt %d of contact %d: the check's verdict %q is not dial, wait or close", c.s.Seq+1, c.p.ContactID, prep.Action)
	}
	c.s.Released = nil
	c.s.Seq++
	c.status(contract.ContactDialing, "", time.Time{})
	outcome := contract.TelephonyOutcome{AttemptID: prep.AttemptID, Outcome: strategy.Error, Agent: agent}
	dial := c.run.with(30*time.Second, &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 10 * time.Second, MaximumAttempts: 5})
	var refused string
	if skip {
		outcome.Outcome = strategy.Skipped
	} else if err := dial.execute(contract.DialActivity, prep.AttemptID).Get(ctx, nil); err != nil {
		c.log().Warn("dial failed; the attempt ends as error", "attempt_id", prep.AttemptID, "error", err)
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.Type() == contract.DialRefused {
			refused = appErr.Message()
		}
		// The agent reserved for a call that was never placed is free.
		if agent != "" && workflow.GetVersion(ctx, freeAgentAfterFailedDial, workflow.DefaultVersion, 1) == 1 {
			if err := c.run.execute(contract.FreeAgentActivity, agent).Get(ctx, nil); err != nil {
				return false, err
			}
		}
	} else if o, ok := c.await(c.outcomes, prep.AttemptID, c.p.Timeouts.Outcome, &contract.TelephonyOutcome{}); ok {
		outcome = *o.(*contract.TelephonyOutcome)
		if outcome.Agent == "" {
			outcome.Agent = agent
		}
	}
	var wrapup contract.Wrapup
	if outcome.Outcome == strategy.Voice {
		if w, ok := c.await(c.wrapups, prep.AttemptID, c.p.Timeouts.Wrapup, &contract.Wrapup{}); ok {
			wrapup = *w.(*contract.Wrapup)
		}
	}
	at := workflow.Now(ctx)
	loc := contactZone(ctx, prep)
	decision := strategy.Decide(strategy.Input{
		Attempt:  strategy.Attempt{Mode: prep.Mode, Outcome: outcome.Outcome, Business: wrapup.Business, Agent: cmp.Or(wrapup.Agent, outcome.Agent), At: at},
		Counters: c.s.Counters, Rules: prep.Policy.Rules, Business: prep.Policy.Business, Caps: prep.Policy.Caps, Modes: prep.Policy.Modes, Loc: loc,
	})
	if c.closeReason == "" {
		c.pollClose()
	}
	if refused != "" {
		decision.Reason = refused + "; " + decision.Reason
	}
	if c.closeReason != "" && !decision.Close {
		decision.Close, decision.Reason = true, c.closeReason
	}
	var fin activities.FinishResult
	err := c.run.execute(contract.FinishAttemptActivity, activities.FinishRequest{AttemptID: prep.AttemptID, ContactID: c.p.ContactID,
		Telephony: outcome.Outcome, Business: wrapup.Business, Agent: cmp.Or(wrapup.Agent, outcome.Agent), Decision: decision}).Get(ctx, &fin)
	if err != nil {
		return false, err
	}
	c.s.Counters = decision.Counters
	// A release that came during the attempt is stale: only the pacer's
	// next release, once the contact is due again, may dial it.
	for c.release.ReceiveAsync(nil) {
	}
	if fin.Closed {
		c.upsert(contract.ContactStatusKey.ValueSet(contract.ContactClosed), contract.AttemptCountKey.ValueSet(int64(c.s.Seq)))
		return true, nil
	}
	c.upsert(contract.ContactStatusKey.ValueSet(contract.ContactScheduled), contract.AttemptCountKey.ValueSet(int64(c.s.Seq)), contract.NextDueTimeKey.ValueSet(fin.NextDueAt))
	c.saStatus = contract.ContactScheduled
	return c.sleepRecorded(fin.NextDueAt)
}

// await waits for a report of attemptID on ch, for at most timeout; reports
// of other (earlier) attempts are dropped.
func (c *contactRun) await(ch workflow.ReceiveChannel, attemptID string, timeout time.Duration, into interface{ Attempt() string }) (any, bool) {
	ctx, cancel := workflow.WithCancel(c.ctx)
	defer cancel()
	timer := workflow.NewTimer(ctx, timeout)
	for {
		got, timedOut := false, false
		sel := workflow.NewSelector(c.ctx)
		sel.AddReceive(ch, func(r workflow.ReceiveChannel, _ bool) {
			r.Receive(c.ctx, into)
			got = into.Attempt() == attemptID
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

// sleep waits until a time the check gave, for reason, then goes back to
// waiting for the pacer.
func (c *contactRun) sleep(until time.Time, reason string) (bool, error) {
	c.status(contract.ContactScheduled, reason, until)
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
		var cl contract.Close
		ch.Receive(c.ctx, &cl)
		c.closeReason = cmp.Or(cl.Reason, contract.CloseReason)
	})
}

func (c *contactRun) pollClose() {
	var cl contract.Close
	if c.closing.ReceiveAsync(&cl) {
		c.closeReason = cmp.Or(cl.Reason, contract.CloseReason)
	}
}

// drain keeps a release that arrived, for the next run after continue-as-new.
func (c *contactRun) drain() {
	var r contract.Release
	for c.release.ReceiveAsync(&r) {
		rr := r
		c.s.Released = &rr
	}
}

func (c *contactRun) close(reason string) error {
	c.upsert(contract.ContactStatusKey.ValueSet(contract.ContactClosed))
	return c.run.execute(contract.SetContactStatusActivity, activities.StatusRequest{ContactID: c.p.ContactID, Status: contract.ContactClosed, Reason: reason}).Get(c.ctx, nil)
}

// status records the contact's status in PostgreSQL and the Web UI. A
// failure is logged, not fatal: the next status write repairs it.
func (c *contactRun) status(status, reason string, until time.Time) {
	if status != c.saStatus || !until.IsZero() {
		updates := []temporal.SearchAttributeUpdate{contract.ContactStatusKey.ValueSet(status)}
		if !until.IsZero() {
			updates = append(updates, contract.NextDueTimeKey.ValueSet(until))
		}
		c.upsert(updates...)
		c.saStatus = status
	}
	if status == contract.ContactDialing {
		return // PrepareAttempt recorded it
	}
	err := c.run.execute(contract.SetContactStatusActivity, activities.StatusRequest{ContactID: c.p.ContactID, Status: status, Reason: reason, Until: until}).Get(c.ctx, nil)
	if err != nil {
		c.log().Error("record contact status", "status", status, "error", err)
	}
}

func (c *contactRun) upsert(updates ...temporal.SearchAttributeUpdate) {
	updates, c.pending = append(c.pending, updates...), nil
	if err := workflow.UpsertTypedSearchAttributes(c.ctx, updates...); err != nil {
		c.log().Warn("upsert search attributes", "error", err)
	}
}

// freeAgentAfterFailedDial is the change that frees the agent reserved for
// a call whose dial failed or was refused: before it, the agent stayed
// reserved for a call that never came.
const freeAgentAfterFailedDial = "free-agent-after-failed-dial"

// realZoneDays is the change that counts the contact's days in its zone's
// real rules rather than in the offset recorded when the attempt was
// prepared: a decision that crosses a DST change (the fall-back night)
// found "midnight" an hour early and let a second call into one day.
const realZoneDays = "real-zone-days"

// contactZone is the zone the decision after a call counts days in: the
// contact's own zone with its daylight-saving rules. Zone files only move
// a decision's timer and counters, never the workflow's commands, so a
// worker with other zone files still replays the history; histories from
// before realZoneDays keep their recorded offset.
func contactZone(ctx workflow.Context, prep activities.PrepareResult) *time.Location {
	if workflow.GetVersion(ctx, realZoneDays, workflow.DefaultVersion, 1) == workflow.DefaultVersion && prep.ContactZoneOffset != nil {
		return time.FixedZone(prep.ContactZone, *prep.ContactZoneOffset)
	}
	loc, err := time.LoadLocation(prep.ContactZone)
	if err != nil {
		return time.UTC
	}
	return loc
}
