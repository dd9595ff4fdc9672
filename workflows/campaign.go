package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/outdial/outdial/activities"
)

// CampaignWorkflowID is the ID of a campaign's workflow.
func CampaignWorkflowID(campaignID uint64) string { return fmt.Sprintf("campaign/%d", campaignID) }

// Campaign signals.
const (
	SignalPause  = "pause"
	SignalResume = "resume"
	SignalStop   = "stop"
	// SignalWake asks for a pacing pass now: an agent became available.
	SignalWake = "wake"
)

// CampaignParams start a campaign's workflow, or continue it as new.
type CampaignParams struct {
	CampaignID uint64 `json:"campaign_id"`
	// Tick is the longest the pacer waits between passes; events (an agent
	// available, a resume) bring a pass forward.
	Tick   time.Duration `json:"tick"`
	Paused bool          `json:"paused"`
}

// DefaultTick is the pacer's pass interval when nothing wakes it.
const DefaultTick = time.Second

// passesPerHistory bounds the history: a pass is an activity and a timer.
const passesPerHistory = 500

// Campaign runs a campaign: pacing passes on a tick and on events, until
// the campaign stops. Pausing stops the passes; resuming starts them again.
func Campaign(ctx workflow.Context, p CampaignParams) error {
	if p.Tick <= 0 {
		p.Tick = DefaultTick
	}
	var a *activities.Activities
	run := campaignExecutor(ctx, time.Minute, &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second})
	pause := workflow.GetSignalChannel(ctx, SignalPause)
	resume := workflow.GetSignalChannel(ctx, SignalResume)
	stop := workflow.GetSignalChannel(ctx, SignalStop)
	wake := workflow.GetSignalChannel(ctx, SignalWake)
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
	// pass. Histories from before keep theirs.
	keepTimer := run.local
	var tick workflow.Future
	for range passesPerHistory {
		// On the one-task-dispatch version a paused campaign passes on its
		// tick too, so that it completes when its date range ends; the pass
		// releases nothing while the campaign is paused.
		if p.Paused && !run.local {
			sel := workflow.NewSelector(ctx)
			listen(sel)
			sel.Select(ctx)
		} else {
			var res activities.PaceResult
			if err := run.execute(a.Pace, p.CampaignID).Get(ctx, &res); err != nil {
				return err
			}
			if res.Completed {
				return closeContacts(ctx, p.CampaignID, res.Reason)
			}
			if !res.Active {
				return nil
			}
			sel := workflow.NewSelector(ctx)
			if keepTimer {
				if tick == nil {
					tick = workflow.NewTimer(ctx, p.Tick)
				}
				sel.AddFuture(tick, func(workflow.Future) { tick = nil })
				listen(sel)
				sel.Select(ctx)
				continue
			}
			tctx, cancel := workflow.WithCancel(ctx)
			sel.AddFuture(workflow.NewTimer(tctx, p.Tick), func(workflow.Future) {})
			listen(sel)
			sel.Select(ctx)
			cancel()
		}
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
			return workflow.NewContinueAsNewError(ctx, Campaign, p)
		}
	}
}

// closeContacts closes a completed campaign's open contacts. It is a
// regular activity, heartbeating a page at a time: a large campaign's
// closing outlasts what a local activity should take.
func closeContacts(ctx workflow.Context, campaignID uint64, reason string) error {
	var a *activities.Activities
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Hour,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute},
	})
	return workflow.ExecuteActivity(ctx, a.CloseCampaignContacts, campaignID, reason).Get(ctx, nil)
}
