package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/outdial/outdial/activities"
	"github.com/outdial/outdial/internal/contract"
)

// oneTaskDispatchChange marks campaign histories whose pacer runs local
// activities, keeps its tick timer across passes brought forward by
// events, and passes while paused. Every history has it now; the call
// stays so that the version check keeps older histories from replaying on
// code that no longer has their path.
const oneTaskDispatchChange = "one-task-dispatch"

// DefaultTick is the pacer's pass interval when nothing wakes it.
const DefaultTick = time.Second

// passesPerHistory bounds the history: a pass is an activity and a timer.
const passesPerHistory = 500

// Campaign runs a campaign: pacing passes on a tick and on events, until
// the campaign stops. A paused campaign passes on its tick too, so that it
// completes when its date range ends; its pass releases nothing.
func Campaign(ctx workflow.Context, p contract.CampaignParams) error {
	if p.Tick <= 0 {
		p.Tick = DefaultTick
	}
	workflow.GetVersion(ctx, oneTaskDispatchChange, 1, 1)
	run := newExecutor(ctx, time.Minute, &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second})
	pause := workflow.GetSignalChannel(ctx, contract.SignalPause)
	resume := workflow.GetSignalChannel(ctx, contract.SignalResume)
	stop := workflow.GetSignalChannel(ctx, contract.SignalStop)
	wake := workflow.GetSignalChannel(ctx, contract.SignalWake)
	listen := func(sel workflow.Selector) {
		sel.AddReceive(pause, func(ch workflow.ReceiveChannel, _ bool) { ch.Receive(ctx, nil); p.Paused = true })
		sel.AddReceive(resume, func(ch workflow.ReceiveChannel, _ bool) { ch.Receive(ctx, nil); p.Paused = false })
		// A stop is checked against the campaign's status by the next pass:
		// a start right after it finds the campaign active again.
		sel.AddReceive(stop, func(ch workflow.ReceiveChannel, _ bool) { ch.Receive(ctx, nil); p.Paused = false })
		sel.AddReceive(wake, func(ch workflow.ReceiveChannel, _ bool) {
			for ch.ReceiveAsync(nil) { // many wakes make one pass
			}
		})
	}
	// A pass brought forward by an event keeps the tick's timer running
	// rather than cancelling it and starting another: two fewer events per
	// pass.
	var tick workflow.Future
	for range passesPerHistory {
		var res activities.PaceResult
		if err := run.execute(contract.PaceActivity, p.CampaignID).Get(ctx, &res); err != nil {
			return err
		}
		if res.Completed {
			return closeContacts(ctx, p.CampaignID, res.Reason)
		}
		if !res.Active {
			return nil
		}
		if tick == nil {
			tick = workflow.NewTimer(ctx, p.Tick)
		}
		sel := workflow.NewSelector(ctx)
		sel.AddFuture(tick, func(workflow.Future) { tick = nil })
		listen(sel)
		sel.Select(ctx)
	}
	// Signals still pending would be lost with the history.
	for {
		switch {
		case pause.ReceiveAsync(nil):
			p.Paused = true
		case resume.ReceiveAsync(nil), stop.ReceiveAsync(nil):
			p.Paused = false
		case wake.ReceiveAsync(nil):
		default:
			return workflow.NewContinueAsNewError(ctx, contract.CampaignWorkflow, p)
		}
	}
}

// closeContacts closes a completed campaign's open contacts. It is a
// regular activity, heartbeating a page at a time: a large campaign's
// closing outlasts what a local activity should take.
func closeContacts(ctx workflow.Context, campaignID uint64, reason string) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Hour,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute},
	})
	return workflow.ExecuteActivity(ctx, contract.CloseCampaignContactsActivity, campaignID, reason).Get(ctx, nil)
}
