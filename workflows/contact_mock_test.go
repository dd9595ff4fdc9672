package workflows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/outdial/outdial/activities"
	"github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/strategy"
)

const (
	mockCampaign = 42
	mockContact  = 9
)

var contactStart = time.Date(2026, 6, 10, 15, 0, 0, 0, time.UTC)

// contactRig is a contact's workflow on the virtual clock with every
// activity mocked; each mock records its calls and when they came (since
// the start). Tests set prepare and finish to answer PrepareAttempt and
// FinishAttempt call n (from 1).
type contactRig struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment

	start    activities.ContactStart
	dialErr  error // what Dial answers
	prepare  func(n int, req activities.PrepareRequest) activities.PrepareResult
	finish   func(n int, req activities.FinishRequest) activities.FinishResult
	prepares []call[activities.PrepareRequest]
	dials    []call[string]
	finishes []call[activities.FinishRequest]
	statuses []call[activities.StatusRequest]
	freed    []call[string]
}

type call[T any] struct {
	At  time.Duration
	Req T
}

func newContactRig(t *testing.T) *contactRig {
	env := mockEnv(t, 7*24*time.Hour)
	env.SetStartTime(contactStart)
	r := &contactRig{t: t, env: env, start: activities.ContactStart{ListID: 5}}
	now := func() time.Duration { return env.Now().Sub(contactStart) }
	// The mocks run on the activities' goroutines: assert, not require.
	env.OnActivity(contract.StartContactActivity, mock.Anything, mock.Anything).Return(func(_ context.Context, id uint64) (activities.ContactStart, error) {
		assert.EqualValues(t, mockContact, id)
		return r.start, nil
	})
	env.OnActivity(contract.PrepareAttemptActivity, mock.Anything, mock.Anything).Return(
		func(_ context.Context, req activities.PrepareRequest) (activities.PrepareResult, error) {
			r.prepares = append(r.prepares, call[activities.PrepareRequest]{now(), req})
			if !assert.NotNil(t, r.prepare, "unexpected PrepareAttempt") {
				return activities.PrepareResult{Verdict: activities.Verdict{Action: activities.ActionClose, Reason: "unexpected"}}, nil
			}
			return r.prepare(len(r.prepares), req), nil
		})
	env.OnActivity(contract.DialActivity, mock.Anything, mock.Anything).Return(func(_ context.Context, attemptID string) (*activities.Evidence, error) {
		r.dials = append(r.dials, call[string]{now(), attemptID})
		return &activities.Evidence{Number: "+14695622405"}, r.dialErr
	})
	env.OnActivity(contract.FinishAttemptActivity, mock.Anything, mock.Anything).Return(
		func(_ context.Context, req activities.FinishRequest) (activities.FinishResult, error) {
			r.finishes = append(r.finishes, call[activities.FinishRequest]{now(), req})
			if !assert.NotNil(t, r.finish, "unexpected FinishAttempt") {
				return activities.FinishResult{Closed: true}, nil
			}
			return r.finish(len(r.finishes), req), nil
		})
	env.OnActivity(contract.SetContactStatusActivity, mock.Anything, mock.Anything).Return(func(_ context.Context, req activities.StatusRequest) error {
		r.statuses = append(r.statuses, call[activities.StatusRequest]{now(), req})
		return nil
	})
	env.OnActivity(contract.FreeAgentActivity, mock.Anything, mock.Anything).Return(func(_ context.Context, agent string) error {
		r.freed = append(r.freed, call[string]{now(), agent})
		return nil
	})
	return r
}

// run runs the workflow to its end and asserts it ended without error.
func (r *contactRig) run(p contract.ContactParams) {
	r.t.Helper()
	r.exec(p)
	require.True(r.t, r.env.IsWorkflowCompleted())
	require.NoError(r.t, r.env.GetWorkflowError())
}

func (r *contactRig) exec(p contract.ContactParams) {
	p.CampaignID, p.ContactID = mockCampaign, mockContact
	r.env.ExecuteWorkflow(contract.ContactWorkflow, p)
}

func (r *contactRig) at(d time.Duration, signal string, arg any) {
	at(r.env, d, func() { r.env.SignalWorkflow(signal, arg) })
}

func attemptID(seq int) string { return contact.AttemptID(mockContact, seq) }

// dial is PrepareAttempt's answer that attempt seq dials.
func dial(req activities.PrepareRequest) activities.PrepareResult {
	offset := -5 * 60 * 60
	return activities.PrepareResult{Verdict: activities.Verdict{Action: activities.ActionDial, Mode: "Mobile", Number: "+14695622405"},
		AttemptID: attemptID(req.Seq), CampaignID: mockCampaign, ListID: 5, ContactZone: "America/Chicago", ContactZoneOffset: &offset}
}

func wait(until time.Duration, reason string) activities.PrepareResult {
	return activities.PrepareResult{Verdict: activities.Verdict{Action: activities.ActionWait, Reason: reason, Until: contactStart.Add(until)}}
}

func closeNow(reason string) activities.PrepareResult {
	return activities.PrepareResult{Verdict: activities.Verdict{Action: activities.ActionClose, Reason: reason}}
}

func status(status, reason string, until time.Duration) activities.StatusRequest {
	req := activities.StatusRequest{ContactID: mockContact, Status: status, Reason: reason}
	if until > 0 {
		req.Until = contactStart.Add(until)
	}
	return req
}

// The core path: the pacer releases the contact with an agent, the attempt
// is prepared and dialed, the dialer reports, and the finish closes the
// contact. A report about another attempt does not end the wait.
func TestMockContactDialsAndCloses(t *testing.T) {
	r := newContactRig(t)
	r.prepare = func(_ int, req activities.PrepareRequest) activities.PrepareResult { return dial(req) }
	r.finish = func(int, activities.FinishRequest) activities.FinishResult {
		return activities.FinishResult{Closed: true, Reason: "answer-machine retried 1 of 1"}
	}
	r.at(time.Second, contract.SignalRelease, contract.Release{Agent: "agent-3"})
	r.at(10*time.Second, contract.SignalTelephonyOutcome, contract.TelephonyOutcome{AttemptID: attemptID(0), Outcome: strategy.Voice})
	r.at(20*time.Second, contract.SignalTelephonyOutcome, contract.TelephonyOutcome{AttemptID: attemptID(1), Outcome: strategy.AnswerMachine})
	r.run(contract.ContactParams{})

	require.Equal(t, []call[activities.StatusRequest]{{0, status(contract.ContactReady, "due: waiting for the pacer", 0)}}, r.statuses,
		"ready until released; the finish records the rest")
	require.Equal(t, []call[activities.PrepareRequest]{{time.Second, activities.PrepareRequest{ContactID: mockContact, Seq: 1, Agent: "agent-3"}}}, r.prepares)
	require.Equal(t, []call[string]{{time.Second, attemptID(1)}}, r.dials)
	require.Len(t, r.finishes, 1)
	fin := r.finishes[0]
	require.Equal(t, 20*time.Second, fin.At, "the report of attempt 0 was dropped")
	require.Equal(t, attemptID(1), fin.Req.AttemptID)
	require.EqualValues(t, mockContact, fin.Req.ContactID)
	require.Equal(t, strategy.AnswerMachine, fin.Req.Telephony)
	require.Equal(t, "agent-3", fin.Req.Agent, "the reserved agent, when the report names none")
	require.Equal(t, 1, fin.Req.Decision.Counters.Global)
	require.Empty(t, r.freed, "the reserved agent got the call")
}

// A call a person answers waits for the agent's wrap-up, which decides.
func TestMockContactVoiceWaitsForTheWrapup(t *testing.T) {
	r := newContactRig(t)
	r.prepare = func(_ int, req activities.PrepareRequest) activities.PrepareResult { return dial(req) }
	r.finish = func(int, activities.FinishRequest) activities.FinishResult {
		return activities.FinishResult{Closed: true}
	}
	r.at(time.Second, contract.SignalRelease, contract.Release{})
	r.at(10*time.Second, contract.SignalTelephonyOutcome, contract.TelephonyOutcome{AttemptID: attemptID(1), Outcome: strategy.Voice, Agent: "agent-4"})
	r.at(time.Minute, contract.SignalWrapup, contract.Wrapup{AttemptID: attemptID(0), Business: "Closed", Agent: "agent-4"})
	r.at(2*time.Minute, contract.SignalWrapup, contract.Wrapup{AttemptID: attemptID(1), Business: "Sale", Agent: "agent-4"})
	r.run(contract.ContactParams{})
	require.Len(t, r.finishes, 1)
	fin := r.finishes[0]
	require.Equal(t, 2*time.Minute, fin.At)
	require.Equal(t, strategy.Voice, fin.Req.Telephony)
	require.Equal(t, "Sale", fin.Req.Business)
	require.Equal(t, "agent-4", fin.Req.Agent)
}

// A preview agent's skip ends the attempt as skipped without a call.
func TestMockContactSkip(t *testing.T) {
	r := newContactRig(t)
	r.prepare = func(_ int, req activities.PrepareRequest) activities.PrepareResult { return dial(req) }
	r.finish = func(int, activities.FinishRequest) activities.FinishResult {
		return activities.FinishResult{Closed: true}
	}
	r.at(time.Second, contract.SignalRelease, contract.Release{Agent: "agent-7", Skip: true})
	r.run(contract.ContactParams{})
	require.Empty(t, r.dials)
	require.Len(t, r.finishes, 1)
	require.Equal(t, time.Second, r.finishes[0].At)
	require.Equal(t, strategy.Skipped, r.finishes[0].Req.Telephony)
	require.Equal(t, "agent-7", r.finishes[0].Req.Agent)
}

// A contact started with its release in its input (the pacer's eager
// start) prepares at once, without waiting as ready.
func TestMockContactStartedReleased(t *testing.T) {
	r := newContactRig(t)
	r.prepare = func(int, activities.PrepareRequest) activities.PrepareResult {
		return closeNow("on DNC list Litigators")
	}
	r.run(contract.ContactParams{State: contract.ContactState{Released: &contract.Release{}}})
	require.Len(t, r.prepares, 1)
	require.Equal(t, time.Duration(0), r.prepares[0].At)
	require.Equal(t, []call[activities.StatusRequest]{{0, status(contract.ContactClosed, "on DNC list Litigators", 0)}}, r.statuses)
}

// A check that says wait records the wait and sleeps until then; then the
// contact is ready and waits for the pacer's next release.
func TestMockContactWaitSleepsUntilDue(t *testing.T) {
	r := newContactRig(t)
	r.prepare = func(n int, _ activities.PrepareRequest) activities.PrepareResult {
		if n == 1 {
			return wait(2*time.Hour, "outside the calling window")
		}
		return closeNow("the list expired")
	}
	r.at(time.Second, contract.SignalRelease, contract.Release{})
	r.at(3*time.Hour, contract.SignalRelease, contract.Release{})
	r.run(contract.ContactParams{})
	require.Equal(t, []call[activities.StatusRequest]{
		{0, status(contract.ContactReady, "due: waiting for the pacer", 0)},
		{time.Second, status(contract.ContactScheduled, "outside the calling window", 2*time.Hour)},
		{2 * time.Hour, status(contract.ContactReady, "due: waiting for the pacer", 0)},
		{3 * time.Hour, status(contract.ContactClosed, "the list expired", 0)},
	}, r.statuses)
	require.Len(t, r.prepares, 2)
	require.Equal(t, 3*time.Hour, r.prepares[1].At, "prepared on the release, not when the wait ended")
	require.Equal(t, 1, r.prepares[1].Req.Seq, "a wait is no attempt")
	require.Empty(t, r.dials)
	require.Empty(t, r.finishes)
}

// A release that comes while the contact sleeps (the pacer found it due)
// is used when the sleep ends: the contact is not ready again first.
func TestMockContactReleasedWhileSleeping(t *testing.T) {
	r := newContactRig(t)
	r.prepare = func(n int, _ activities.PrepareRequest) activities.PrepareResult {
		if n == 1 {
			return wait(time.Hour, "rescheduled")
		}
		return closeNow("the list expired")
	}
	r.at(time.Second, contract.SignalRelease, contract.Release{})
	r.at(30*time.Minute, contract.SignalRelease, contract.Release{})
	r.run(contract.ContactParams{})
	require.Len(t, r.prepares, 2)
	require.Equal(t, time.Hour, r.prepares[1].At, "prepared when the sleep ended")
	require.Equal(t, []call[activities.StatusRequest]{
		{0, status(contract.ContactReady, "due: waiting for the pacer", 0)},
		{time.Second, status(contract.ContactScheduled, "rescheduled", time.Hour)},
		{time.Hour, status(contract.ContactClosed, "the list expired", 0)},
	}, r.statuses)
}

// A close signal ends a wait at once and closes the contact.
func TestMockContactCloseWhileSleeping(t *testing.T) {
	for _, tc := range []struct{ name, reason, want string }{
		{"with a reason", "asked not to be called", "asked not to be called"},
		{"without", "", "closed by request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newContactRig(t)
			r.prepare = func(int, activities.PrepareRequest) activities.PrepareResult { return wait(2*time.Hour, "rescheduled") }
			r.at(time.Second, contract.SignalRelease, contract.Release{})
			r.at(30*time.Minute, contract.SignalClose, contract.Close{Reason: tc.reason})
			r.run(contract.ContactParams{})
			require.Equal(t, call[activities.StatusRequest]{30 * time.Minute, status(contract.ContactClosed, tc.want, 0)}, r.statuses[len(r.statuses)-1])
			require.Len(t, r.statuses, 3)
			require.WithinDuration(t, contactStart.Add(30*time.Minute), r.env.Now(), 0, "the close did not wait for the timer")
			require.Len(t, r.prepares, 1)
		})
	}
}

// A close signal while waiting for the pacer closes the contact too.
func TestMockContactCloseWhileReady(t *testing.T) {
	r := newContactRig(t)
	r.at(time.Hour, contract.SignalClose, contract.Close{Reason: "campaign completed"})
	r.run(contract.ContactParams{})
	require.Equal(t, []call[activities.StatusRequest]{
		{0, status(contract.ContactReady, "due: waiting for the pacer", 0)},
		{time.Hour, status(contract.ContactClosed, "campaign completed", 0)},
	}, r.statuses)
	require.Empty(t, r.prepares)
}

// A dialer that never reports ends the attempt as error after the outcome
// timeout; the contact sleeps until due, waits for a release, and its next
// attempt is the next in sequence. A report after the timeout is ignored.
func TestMockContactOutcomeTimeout(t *testing.T) {
	r := newContactRig(t)
	r.prepare = func(n int, req activities.PrepareRequest) activities.PrepareResult {
		if n == 1 {
			return dial(req)
		}
		return closeNow("done")
	}
	r.finish = func(int, activities.FinishRequest) activities.FinishResult {
		return activities.FinishResult{Reason: "error retried", NextDueAt: contactStart.Add(time.Hour)}
	}
	r.at(time.Second, contract.SignalRelease, contract.Release{})
	r.at(5*time.Minute, contract.SignalTelephonyOutcome, contract.TelephonyOutcome{AttemptID: attemptID(1), Outcome: strategy.Voice})
	r.at(2*time.Hour, contract.SignalRelease, contract.Release{})
	r.run(contract.ContactParams{Timeouts: contract.Timeouts{Outcome: 3 * time.Minute}})

	require.Len(t, r.finishes, 1)
	require.Equal(t, 3*time.Minute+time.Second, r.finishes[0].At)
	require.Equal(t, strategy.Error, r.finishes[0].Req.Telephony)
	require.Equal(t, []int{1, 2}, []int{r.prepares[0].Req.Seq, r.prepares[1].Req.Seq})
	require.Equal(t, 2*time.Hour, r.prepares[1].At)
	require.Equal(t, []call[activities.StatusRequest]{
		{0, status(contract.ContactReady, "due: waiting for the pacer", 0)},
		{time.Hour, status(contract.ContactReady, "due: waiting for the pacer", 0)},
		{2 * time.Hour, status(contract.ContactClosed, "done", 0)},
	}, r.statuses)
}

// An agent reserved for a call that is not placed is freed.
func TestMockContactFreesTheReservedAgent(t *testing.T) {
	for _, tc := range []struct {
		name string
		prep activities.PrepareResult
	}{
		{"wait", wait(time.Hour, "outside the calling window")},
		{"close", closeNow("on DNC list Litigators")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newContactRig(t)
			r.prepare = func(int, activities.PrepareRequest) activities.PrepareResult { return tc.prep }
			r.at(time.Second, contract.SignalRelease, contract.Release{Agent: "agent-7"})
			r.at(10*time.Minute, contract.SignalClose, contract.Close{})
			r.run(contract.ContactParams{})
			require.Equal(t, "agent-7", r.prepares[0].Req.Agent)
			require.Equal(t, []call[string]{{time.Second, "agent-7"}}, r.freed)
			require.Empty(t, r.dials)
		})
	}
}

// After runsPerHistory turns the workflow continues as new with what it
// carries: where its attempts and counters stand, and a release that came
// during the last turn.
func TestMockContactContinuesAsNew(t *testing.T) {
	const runsPerHistory = 20 // workflows.runsPerHistory
	r := newContactRig(t)
	counters := strategy.Counters{Global: 4, Daily: 1, DailyDate: "2026-06-10"}
	r.start = activities.ContactStart{ListID: 5, Attempts: 4, Counters: counters}
	// Turn n is released at (n-1)×10 min + 1 s and waits a minute.
	r.prepare = func(n int, _ activities.PrepareRequest) activities.PrepareResult {
		return wait(time.Duration(n-1)*10*time.Minute+time.Second+time.Minute, "frequency cap")
	}
	for i := range runsPerHistory {
		r.at(time.Duration(i)*10*time.Minute+time.Second, contract.SignalRelease, contract.Release{})
	}
	last := time.Duration(runsPerHistory-1) * 10 * time.Minute
	r.at(last+30*time.Second, contract.SignalRelease, contract.Release{Agent: "agent-9"})
	r.exec(contract.ContactParams{})

	var next contract.ContactParams
	continuedAs(t, r.env, contract.ContactWorkflow, &next)
	require.Len(t, r.prepares, runsPerHistory)
	for _, p := range r.prepares {
		require.Equal(t, 5, p.Req.Seq, "every turn prepares the attempt after the 4 made")
	}
	require.Equal(t, contract.ContactParams{CampaignID: mockCampaign, ContactID: mockContact, Timeouts: contract.DefaultTimeouts,
		State: contract.ContactState{Started: true, Seq: 4, Counters: counters, Released: &contract.Release{Agent: "agent-9"}}}, next)
}

// A verdict that is not dial, wait or close (a bug in the check) never
// dials: the contact's workflow stops with an error that names it.
func TestMockContactNeverDialsAnUnknownVerdict(t *testing.T) {
	r := newContactRig(t)
	r.prepare = func(int, activities.PrepareRequest) activities.PrepareResult { return activities.PrepareResult{} }
	r.at(time.Second, contract.SignalRelease, contract.Release{})
	r.exec(contract.ContactParams{})
	require.True(t, r.env.IsWorkflowCompleted())
	require.ErrorContains(t, r.env.GetWorkflowError(), `verdict "" is not dial, wait or close`)
	require.Empty(t, r.dials)
}

// A call the checks refuse as it is about to leave ends the attempt as an
// error at once, and the decision says why it was not dialed.
func TestMockContactDialRefused(t *testing.T) {
	r := newContactRig(t)
	r.dialErr = temporal.NewNonRetryableApplicationError("dial 9-1: not dialed: Mobile +14695622405 is on DNC list Federal", contract.DialRefused, nil)
	r.prepare = func(_ int, req activities.PrepareRequest) activities.PrepareResult { return dial(req) }
	r.finish = func(int, activities.FinishRequest) activities.FinishResult {
		return activities.FinishResult{Closed: true}
	}
	r.at(time.Second, contract.SignalRelease, contract.Release{Agent: "agent-3"})
	r.run(contract.ContactParams{})
	require.Len(t, r.dials, 1)
	require.Equal(t, []call[string]{{time.Second, "agent-3"}}, r.freed, "the agent reserved for the call that was not placed is free")
	require.Len(t, r.finishes, 1)
	fin := r.finishes[0]
	require.Equal(t, time.Second, fin.At, "no wait for an outcome that cannot come")
	require.Equal(t, strategy.Error, fin.Req.Telephony)
	require.True(t, strings.HasPrefix(fin.Req.Decision.Reason, "dial 9-1: not dialed: Mobile +14695622405 is on DNC list Federal; "), fin.Req.Decision.Reason)
}

// On the US fall-back night the contact's next day begins at midnight EST:
// a decision at 01:30 EDT whose daily cap is reached is due no earlier,
// although the offset when the attempt was prepared (EDT) would put
// "midnight" an hour sooner, still on the same calendar day.
func TestMockContactCountsDaysInTheRealZone(t *testing.T) {
	r := newContactRig(t)
	start := time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC) // 01:30 EDT
	r.env.SetStartTime(start)
	one := 1
	r.prepare = func(_ int, req activities.PrepareRequest) activities.PrepareResult {
		res := dial(req)
		offset := -4 * 60 * 60
		res.ContactZone, res.ContactZoneOffset = "America/New_York", &offset
		res.Policy.Caps.DailyRetry = &one
		res.Policy.Rules = []strategy.Rule{{Outcome: strategy.NoAnswer, Reschedule: strategy.Delay{Minutes: 1}, MaxRetry: 5}}
		return res
	}
	r.finish = func(int, activities.FinishRequest) activities.FinishResult {
		return activities.FinishResult{Closed: true}
	}
	r.at(time.Second, contract.SignalRelease, contract.Release{})
	r.at(10*time.Second, contract.SignalTelephonyOutcome, contract.TelephonyOutcome{AttemptID: attemptID(1), Outcome: strategy.NoAnswer})
	r.run(contract.ContactParams{})

	require.Len(t, r.finishes, 1)
	d := r.finishes[0].Req.Decision
	require.False(t, d.Close, d.Reason)
	require.Equal(t, time.Date(2026, 11, 2, 5, 0, 0, 0, time.UTC), d.DueAt.UTC(), "midnight EST, not 23:00 EST on the same day: %s", d.Reason)
}
