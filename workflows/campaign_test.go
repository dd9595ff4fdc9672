package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"

	"github.com/outdial/outdial/activities"
	"github.com/outdial/outdial/internal/contract"
)

// The campaign's workflow continues as new after this many passes
// (workflows.passesPerHistory).
const passesPerHistory = 500

const campaignID = 42

var campaignStart = time.Date(2026, 6, 10, 9, 0, 0, 0, time.UTC)

// pacer is a campaign's workflow on the virtual clock with its activities
// mocked: Pace answers result(n) to pass n (from 1) and records when each
// pass ran; CloseCampaignContacts records its calls.
type pacer struct {
	env    *testsuite.TestWorkflowEnvironment
	passes []time.Duration // since the start
	closed []string        // CloseCampaignContacts' reasons
	// local and regular are the activities run as local and as regular ones.
	local, regular []string
	// onPass, when set, runs inside pass n, before it answers.
	onPass func(n int)
}

func newPacer(t *testing.T, runTimeout time.Duration, result func(n int) activities.PaceResult) *pacer {
	env := mockEnv(t, runTimeout)
	env.SetStartTime(campaignStart)
	p := &pacer{env: env}
	env.OnActivity(contract.PaceActivity, mock.Anything, mock.Anything).Return(func(_ context.Context, id uint64) (activities.PaceResult, error) {
		assert.EqualValues(t, campaignID, id) // not require: this runs on the activity's goroutine
		p.passes = append(p.passes, env.Now().Sub(campaignStart))
		if p.onPass != nil {
			p.onPass(len(p.passes))
		}
		return result(len(p.passes)), nil
	})
	env.OnActivity(contract.CloseCampaignContactsActivity, mock.Anything, mock.Anything, mock.Anything).Return(
		func(_ context.Context, id uint64, reason string) (int, error) {
			assert.EqualValues(t, campaignID, id)
			p.closed = append(p.closed, reason)
			return 3, nil
		})
	env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []any) {
		p.local = append(p.local, info.ActivityType.Name)
	})
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		p.regular = append(p.regular, info.ActivityType.Name)
	})
	return p
}

func (p *pacer) run(params contract.CampaignParams) {
	params.CampaignID = campaignID
	p.env.ExecuteWorkflow(contract.CampaignWorkflow, params)
}

// active answers every pass with an active campaign.
func active(int) activities.PaceResult { return activities.PaceResult{Active: true} }

// activeUntil answers active passes until pass last, which finds the
// campaign stopped.
func activeUntil(last int) func(int) activities.PaceResult {
	return func(n int) activities.PaceResult {
		if n >= last {
			return activities.PaceResult{Reason: "campaign is stopped"}
		}
		return activities.PaceResult{Active: true, Released: 2}
	}
}

func seconds(s ...int) []time.Duration {
	out := make([]time.Duration, len(s))
	for i, v := range s {
		out[i] = time.Duration(v) * time.Second
	}
	return out
}

// A campaign passes on its tick, as local activities, until a pass finds
// it no longer active; then the workflow ends.
func TestMockCampaignPassesOnItsTick(t *testing.T) {
	p := newPacer(t, time.Hour, activeUntil(4))
	p.run(contract.CampaignParams{Tick: 10 * time.Second})
	require.True(t, p.env.IsWorkflowCompleted())
	require.NoError(t, p.env.GetWorkflowError())
	require.Equal(t, seconds(0, 10, 20, 30), p.passes)
	require.Equal(t, []string{contract.PaceActivity, contract.PaceActivity, contract.PaceActivity, contract.PaceActivity}, p.local)
	require.Empty(t, p.regular)
	require.Empty(t, p.closed, "a stopped campaign's contacts stay open")
}

// A zero tick is the default tick.
func TestMockCampaignDefaultTick(t *testing.T) {
	p := newPacer(t, time.Hour, activeUntil(3))
	p.run(contract.CampaignParams{})
	require.NoError(t, p.env.GetWorkflowError())
	require.Equal(t, seconds(0, 1, 2), p.passes)
}

// A wake brings a pass forward; wakes that arrive together make one pass;
// the tick's timer keeps running across a pass brought forward.
func TestMockCampaignWakeBringsAPassForward(t *testing.T) {
	p := newPacer(t, time.Hour, activeUntil(5))
	at(p.env, 10*time.Second, func() {
		p.env.SignalWorkflowSkippingWorkflowTask(contract.SignalWake, nil)
		p.env.SignalWorkflowSkippingWorkflowTask(contract.SignalWake, nil)
		p.env.SignalWorkflow(contract.SignalWake, nil)
	})
	at(p.env, 70*time.Second, func() { p.env.SignalWorkflow(contract.SignalWake, nil) })
	p.run(contract.CampaignParams{Tick: time.Minute})
	require.NoError(t, p.env.GetWorkflowError())
	// The tick started at 0 fires at 60 s, not 60 s after the woken pass;
	// the one started at 60 s fires at 120 s.
	require.Equal(t, seconds(0, 10, 60, 70, 120), p.passes)
}

// A paused campaign keeps passing on its tick (its pass releases nothing
// and completes it when its dates end); after passesPerHistory passes it
// continues as new, still paused.
func TestMockCampaignPausedKeepsPassing(t *testing.T) {
	p := newPacer(t, 24*time.Hour, active)
	at(p.env, 5*time.Second, func() { p.env.SignalWorkflow(contract.SignalPause, nil) })
	p.run(contract.CampaignParams{Tick: 10 * time.Second})
	var next contract.CampaignParams
	continuedAs(t, p.env, contract.CampaignWorkflow, &next)
	require.Equal(t, contract.CampaignParams{CampaignID: campaignID, Tick: 10 * time.Second, Paused: true}, next)

	require.Len(t, p.passes, passesPerHistory)
	require.Equal(t, seconds(0, 5, 10, 20), p.passes[:4], "the pause brings a pass forward")
	for i := 3; i < len(p.passes); i++ {
		require.Equal(t, 10*time.Second, p.passes[i]-p.passes[i-1], "pass %d while paused", i+1)
	}
}

// A resume brings a pass forward and is carried into the next run.
func TestMockCampaignResume(t *testing.T) {
	p := newPacer(t, 24*time.Hour, active)
	at(p.env, 5*time.Second, func() { p.env.SignalWorkflow(contract.SignalResume, nil) })
	p.run(contract.CampaignParams{Tick: 10 * time.Second, Paused: true})
	var next contract.CampaignParams
	continuedAs(t, p.env, contract.CampaignWorkflow, &next)
	require.Equal(t, contract.CampaignParams{CampaignID: campaignID, Tick: 10 * time.Second}, next)
	require.Equal(t, seconds(0, 5, 10), p.passes[:3])
}

// A stop brings a pass forward: the pass finds the campaign stopped and
// the workflow ends then, not on the next tick.
func TestMockCampaignStop(t *testing.T) {
	p := newPacer(t, time.Hour, activeUntil(2))
	at(p.env, 5*time.Second, func() { p.env.SignalWorkflow(contract.SignalStop, nil) })
	p.run(contract.CampaignParams{Tick: time.Minute})
	require.True(t, p.env.IsWorkflowCompleted())
	require.NoError(t, p.env.GetWorkflowError())
	require.Equal(t, seconds(0, 5), p.passes)
	require.WithinDuration(t, campaignStart.Add(5*time.Second), p.env.Now(), 0, "ended on the stop, not the next tick")
}

// A pass that completes the campaign closes its open contacts, in a
// regular activity (it may outlast a local one), and the workflow ends.
func TestMockCampaignCompletedClosesContacts(t *testing.T) {
	reason := "completed: its date range has ended"
	p := newPacer(t, time.Hour, func(n int) activities.PaceResult {
		if n == 2 {
			return activities.PaceResult{Completed: true, Reason: reason}
		}
		return activities.PaceResult{Active: true}
	})
	p.run(contract.CampaignParams{Tick: 10 * time.Second})
	require.True(t, p.env.IsWorkflowCompleted())
	require.NoError(t, p.env.GetWorkflowError())
	require.Equal(t, seconds(0, 10), p.passes)
	require.Equal(t, []string{reason}, p.closed)
	require.Equal(t, []string{contract.CloseCampaignContactsActivity}, p.regular)
	require.NotContains(t, p.local, contract.CloseCampaignContactsActivity)
}

// Signals that arrive during the last pass of a history are not lost: they
// are applied to the next run's input.
func TestMockCampaignPendingSignalsCarriedIntoNextRun(t *testing.T) {
	for _, tc := range []struct {
		name    string
		signals []string
		paused  bool
		want    bool
	}{
		{"pause", []string{contract.SignalPause}, false, true},
		{"resume", []string{contract.SignalResume}, true, false},
		{"stop", []string{contract.SignalStop}, true, false},
		{"wake", []string{contract.SignalWake}, true, true},
		{"pause then resume", []string{contract.SignalPause, contract.SignalResume}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPacer(t, 24*time.Hour, active)
			p.onPass = func(n int) {
				if n == passesPerHistory {
					for _, s := range tc.signals {
						p.env.SignalWorkflow(s, nil)
					}
				}
			}
			p.run(contract.CampaignParams{Tick: 10 * time.Second, Paused: tc.paused})
			var next contract.CampaignParams
			continuedAs(t, p.env, contract.CampaignWorkflow, &next)
			require.Len(t, p.passes, passesPerHistory, "no pass after the signals: they came after the last one")
			require.Equal(t, contract.CampaignParams{CampaignID: campaignID, Tick: 10 * time.Second, Paused: tc.want}, next)
		})
	}
}

// TestReplayCampaign replays a campaign's recorded history (started,
// paced, paused, resumed, stopped) on the current code, so a change that
// would break running campaigns fails here (use workflow.GetVersion for
// such changes). Record it again with
// `go test ./api -run TestProgressiveCampaignEndToEnd -record` (see
// TestRecordImportList for the environment).
func TestReplayCampaign(t *testing.T) {
	replay(t, "testdata/campaign.json", contract.SignalResume, contract.SignalPause, contract.SignalStop, contract.SignalWake)
}
