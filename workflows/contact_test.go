package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/outdial/outdial/activities"
	"github.com/outdial/outdial/api"
	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/internal/listimport"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/worker"
)

// recordingDialer is the dialer the tests give the activities: it keeps
// every call request.
type recordingDialer struct {
	mu    sync.Mutex
	calls []dialer.CallRequest
}

func (d *recordingDialer) Dial(_ context.Context, req dialer.CallRequest) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, req)
	return nil
}

// seedContact loads the seed's configuration (kris_CS, Wrapup Code,
// krisDemoPreview in Eastern, kris_progressive in Central) through the API
// and adds one Dallas contact to kris_progressive.
type seeded struct {
	db       *models.DB
	campaign uint64
	contact  uint64
}

func seedContact(t *testing.T) seeded {
	db := testenv.DB(t)
	srv := httptest.NewServer((&api.Server{Keyless: &models.APIKey{Name: "test", Role: models.RoleAdmin}, Services: services.New(db, nil, ""), Log: slog.New(slog.DiscardHandler)}).Handler())
	defer srv.Close()
	require.NoError(t, api.LoadDemo(context.Background(), srv.URL))
	var campaign models.Campaign
	require.NoError(t, db.Where("name = ?", "kris_progressive").First(&campaign).Error)
	// Active, as if started, without its pacer: the tests release the contact.
	require.NoError(t, db.Model(&campaign).Update("status", models.CampaignActive).Error)
	list, results, err := listimport.AddContacts(context.Background(), db, campaign.ID, 0, []listimport.ContactRecord{
		{ExternalKey: "48", Numbers: map[string]string{"Mobile": "(469) 562-2405"}, Attributes: map[string]string{"Name": "Kristest"}}})
	require.NoError(t, err)
	require.Equal(t, "uploaded", results[0].Status, results[0].Reason)
	// The seed's campaigns ran years ago; this list lives a year from the test's clock.
	require.NoError(t, db.Model(list).Update("end_time", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)).Error)
	return seeded{db: db, campaign: campaign.ID, contact: results[0].ContactID}
}

// contactEnv is a test workflow environment on the virtual clock, running
// the real activities, registered as the worker registers them, against
// the test's database. The services have no Temporal client: a contact's
// workflow starts and signals no other workflow.
func contactEnv(t *testing.T, s seeded, start time.Time) (*testsuite.TestWorkflowEnvironment, *recordingDialer) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	d := &recordingDialer{}
	svc := services.New(s.db, nil, "")
	svc.Contacts.Now = env.Now
	svc.Contacts.Dialers = dialer.Registry{"simulator": d}
	worker.Register(env, worker.NewActivities(svc, &activities.Import{Lists: listimport.New(s.db)}))
	return env, d
}

// run runs the contact's workflow as the pacer's signal-with-start does:
// the test's signals release it.
func (s seeded) run(env *testsuite.TestWorkflowEnvironment) {
	env.ExecuteWorkflow(contract.ContactWorkflow, contract.ContactParams{CampaignID: s.campaign, ContactID: s.contact})
}

func (s seeded) attempt(seq int) string { return contact.AttemptID(s.contact, seq) }

func (s seeded) attempts(t *testing.T) []models.Attempt {
	var out []models.Attempt
	require.NoError(t, s.db.Where("contact_id = ?", s.contact).Order("seq").Find(&out).Error)
	return out
}

func (s seeded) loadContact(t *testing.T) models.Contact {
	var c models.Contact
	require.NoError(t, s.db.First(&c, s.contact).Error)
	return c
}

func chicago(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("America/Chicago")
	require.NoError(t, err)
	return loc
}

// TestAnswerMachineThenSale: the seed's kris_CS retries answer-machine once
// after 15 minutes; a person then answers and the Sale wrap-up closes.
func TestAnswerMachineThenSale(t *testing.T) {
	s := seedContact(t)
	start := time.Date(2026, 6, 10, 10, 0, 0, 0, chicago(t))
	env, d := contactEnv(t, s, start)
	at(env, time.Second, func() { env.SignalWorkflow(contract.SignalRelease, contract.Release{}) })
	at(env, 2*time.Second, func() {
		env.SignalWorkflow(contract.SignalTelephonyOutcome, contract.TelephonyOutcome{AttemptID: s.attempt(1), Outcome: "answer-machine"})
	})
	// The pacer releases again at once; the contact is not due for 15 minutes.
	at(env, 3*time.Minute, func() { env.SignalWorkflow(contract.SignalRelease, contract.Release{}) })
	at(env, 16*time.Minute, func() {
		env.SignalWorkflow(contract.SignalTelephonyOutcome, contract.TelephonyOutcome{AttemptID: s.attempt(2), Outcome: "voice", Agent: "agent-3"})
	})
	at(env, 20*time.Minute, func() {
		env.SignalWorkflow(contract.SignalWrapup, contract.Wrapup{AttemptID: s.attempt(2), Business: "Sale", Agent: "agent-3"})
	})
	s.run(env)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())

	got := s.attempts(t)
	require.Len(t, got, 2)
	require.Equal(t, "answer-machine", got[0].TelephonyOutcome)
	require.Equal(t, "voice", got[1].TelephonyOutcome)
	require.Equal(t, "Sale", got[1].BusinessOutcome)
	require.Equal(t, "agent-3", got[1].Agent)
	gap := got[1].StartedAt.Sub(got[0].StartedAt)
	require.GreaterOrEqual(t, gap, 15*time.Minute)
	require.Less(t, gap, 16*time.Minute)
	c := s.loadContact(t)
	require.Equal(t, models.ContactClosed, c.Status)
	require.Contains(t, c.ClosedReason, "Sale")
	require.Equal(t, 2, c.AttemptCount)

	require.Len(t, d.calls, 2)
	call := d.calls[0]
	require.Equal(t, s.attempt(1), call.AttemptID)
	require.Equal(t, "+14695622405", call.Number)
	require.Equal(t, "kris_progressive", call.Campaign)
	require.Equal(t, "Progressive", call.CampaignType)
	require.Equal(t, "EP_Krisoutdial", call.EntryPoint)
	require.Equal(t, "EP_Krisoutdial", call.CampaignGroup)
	require.Equal(t, "469", call.AreaCode)
	require.Equal(t, "America/Chicago", call.TimeZone)
	require.Equal(t, "48", call.ExternalID)
	require.True(t, call.CallMeNow)
}

// TestCallbackRequestedThreeTimes: "Callback Requested" retries 5 minutes
// later at most 3 times; the fourth closes the contact.
func TestCallbackRequestedThreeTimes(t *testing.T) {
	s := seedContact(t)
	env, _ := contactEnv(t, s, time.Date(2026, 6, 10, 10, 0, 0, 0, chicago(t)))
	for i := range 4 {
		base := time.Duration(i) * 10 * time.Minute
		seq := i + 1
		at(env, base+time.Second, func() { env.SignalWorkflow(contract.SignalRelease, contract.Release{}) })
		at(env, base+2*time.Second, func() {
			env.SignalWorkflow(contract.SignalTelephonyOutcome, contract.TelephonyOutcome{AttemptID: s.attempt(seq), Outcome: "voice", Agent: "agent-2"})
		})
		at(env, base+time.Minute, func() {
			env.SignalWorkflow(contract.SignalWrapup, contract.Wrapup{AttemptID: s.attempt(seq), Business: "Callback Requested", Agent: "agent-2"})
		})
	}
	s.run(env)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	got := s.attempts(t)
	require.Len(t, got, 4)
	for i := 1; i < 4; i++ {
		require.GreaterOrEqual(t, got[i].StartedAt.Sub(got[i-1].EndedAt.Add(-time.Second)), 5*time.Minute, "attempt %d came before its 5 minutes", i+1)
	}
	c := s.loadContact(t)
	require.Equal(t, models.ContactClosed, c.Status)
	require.Contains(t, c.ClosedReason, "Callback Requested")
}

// TestRetryWaitsForTheWindow: with the Central zone's calling hours 8:00 AM
// to 9:00 PM, an answer-machine at 8:50 PM local (reschedule 0:0:15) is due
// no earlier than 8:00 AM the next day, local time, on ordinary nights and
// on the nights the clocks change.
func TestRetryWaitsForTheWindow(t *testing.T) {
	loc := chicago(t)
	for _, night := range []struct {
		name string
		day  time.Time
	}{
		{"ordinary", time.Date(2026, 6, 10, 0, 0, 0, 0, loc)},
		{"spring forward", time.Date(2026, 3, 7, 0, 0, 0, 0, loc)},
		{"fall back", time.Date(2026, 10, 31, 0, 0, 0, 0, loc)},
	} {
		t.Run(night.name, func(t *testing.T) {
			s := seedContact(t)
			require.NoError(t, s.db.Exec("UPDATE time_zones SET start_time = '08:00', end_time = '21:00' WHERE iana_zone = 'America/Chicago'").Error)
			start := night.day.Add(20*time.Hour + 49*time.Minute) // 20:49 local
			env, _ := contactEnv(t, s, start)
			at(env, time.Minute, func() { env.SignalWorkflow(contract.SignalRelease, contract.Release{}) }) // 20:50
			at(env, time.Minute+5*time.Second, func() {
				env.SignalWorkflow(contract.SignalTelephonyOutcome, contract.TelephonyOutcome{AttemptID: s.attempt(1), Outcome: "answer-machine"})
			})
			nextMorning := time.Date(night.day.Year(), night.day.Month(), night.day.Day()+1, 8, 0, 0, 0, loc)
			var due *time.Time
			at(env, 2*time.Hour, func() { due = s.loadContact(t).NextDueAt })
			// The pacer tries all night; the contact sleeps until the window opens.
			for h := 3; h <= 14; h++ {
				at(env, time.Duration(h)*time.Hour, func() { env.SignalWorkflow(contract.SignalRelease, contract.Release{}) })
			}
			at(env, nextMorning.Sub(start)+time.Minute, func() {
				env.SignalWorkflow(contract.SignalTelephonyOutcome, contract.TelephonyOutcome{AttemptID: s.attempt(2), Outcome: "voice"})
				env.SignalWorkflow(contract.SignalWrapup, contract.Wrapup{AttemptID: s.attempt(2), Business: "Sale"})
			})
			s.run(env)
			require.True(t, env.IsWorkflowCompleted())
			require.NoError(t, env.GetWorkflowError())

			require.NotNil(t, due)
			require.True(t, due.Equal(nextMorning), "due %s, want %s", due.In(loc), nextMorning)
			got := s.attempts(t)
			require.Len(t, got, 2)
			second := got[1].StartedAt.In(loc)
			require.False(t, second.Before(nextMorning), "second attempt at %s", second)
			require.Equal(t, nextMorning.Day(), second.Day())
			require.GreaterOrEqual(t, second.Hour(), 8, fmt.Sprint(second))
		})
	}
}

// TestOutageOutlastsOneAttempt: the database is down for minutes while a
// contact prepares its attempt; its local activity keeps retrying, as a
// regular activity would, and the contact goes on once it is back.
func TestOutageOutlastsOneAttempt(t *testing.T) {
	s := seedContact(t)
	env, d := contactEnv(t, s, time.Date(2026, 6, 10, 10, 0, 0, 0, chicago(t)))
	env.OnActivity(contract.PrepareAttemptActivity, mock.Anything, mock.Anything).Return(activities.PrepareResult{}, errors.New("database is down")).Times(8)
	env.OnActivity(contract.PrepareAttemptActivity, mock.Anything, mock.Anything).Return(activities.PrepareResult{
		Verdict: activities.Verdict{Action: activities.ActionClose, Reason: "closed after the outage"}}, nil).Once()
	at(env, time.Second, func() { env.SignalWorkflow(contract.SignalRelease, contract.Release{}) })
	s.run(env)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	env.AssertExpectations(t)
	require.Empty(t, d.calls)
	require.Equal(t, "closed after the outage", s.loadContact(t).ClosedReason)
	require.Greater(t, env.Now().Sub(time.Date(2026, 6, 10, 10, 0, 0, 0, chicago(t))), 2*time.Minute, "the retries outlasted one attempt's 30 s")
}

// TestReplayContact replays a contact's recorded history (released,
// answer-machine, rescheduled, closed by request) on the current code, so
// a change that would break running contacts fails here (use
// workflow.GetVersion for such changes). Record it again with
// `go test ./api -run TestContactLifecycle -record` (see
// TestRecordImportList for the environment).
func TestReplayContact(t *testing.T) {
	replay(t, "testdata/contact.json", contract.SignalTelephonyOutcome, contract.SignalClose)
}
