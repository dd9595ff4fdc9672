package contact_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/api"
	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/internal/listimport"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
)

// fixture is the seed's configuration with one contact in kris_progressive.
type fixture struct {
	db       *models.DB
	svc      *contact.Service
	campaign models.Campaign
	contact  uint64
	list     *models.ContactList
}

func newFixture(t *testing.T) *fixture {
	db := testenv.DB(t)
	srv := httptest.NewServer((&api.Server{Keyless: &models.APIKey{Name: "test", Role: models.RoleAdmin}, Services: services.New(db, nil, ""), Log: slog.New(slog.DiscardHandler)}).Handler())
	defer srv.Close()
	require.NoError(t, api.LoadDemo(context.Background(), srv.URL))
	// Eligibility and Prepare read PostgreSQL only: no Temporal needed.
	f := &fixture{db: db, svc: &contact.Service{DB: db}}
	require.NoError(t, db.Where("name = ?", "kris_progressive").First(&f.campaign).Error)
	// Active, as if started: only an active campaign's contacts are dialed.
	require.NoError(t, db.Model(&f.campaign).Update("status", models.CampaignActive).Error)
	list, results, err := listimport.AddContacts(context.Background(), db, f.campaign.ID, 0, []listimport.ContactRecord{
		{Numbers: map[string]string{"Mobile": "(469) 562-2405"}}})
	require.NoError(t, err)
	f.list, f.contact = list, results[0].ContactID
	return f
}

// eligibility asks about the contact as of now: the service's clock is
// what its check and its count of recent attempts both read.
func (f *fixture) eligibility(t *testing.T, now time.Time) contact.Verdict {
	f.svc.Now = func() time.Time { return now }
	v, err := f.svc.Eligibility(context.Background(), f.contact)
	require.NoError(t, err)
	return v
}

// attempt records an attempt to the contact's number, as another campaign's would.
func (f *fixture) attempt(t *testing.T, id string, at time.Time) {
	require.NoError(t, f.db.Create(&models.Attempt{ID: id, ContactID: f.contact, CampaignID: f.campaign.ID, Seq: 99, Mode: "Mobile",
		Number: "+14695622405", StartedAt: at}).Error)
}

func TestFrequencyCapAcrossCampaigns(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	require.Equal(t, contact.ActionDial, f.eligibility(t, now).Action)

	f.svc.FrequencyCap = contact.FrequencyCap{Attempts: 3, Period: 24 * time.Hour}
	f.attempt(t, "x-1", now.Add(-20*time.Hour))
	f.attempt(t, "x-2", now.Add(-2*time.Hour))
	require.Equal(t, contact.ActionDial, f.eligibility(t, now).Action, "two of three")
	f.attempt(t, "x-3", now.Add(-time.Hour))
	v := f.eligibility(t, now)
	require.Equal(t, contact.ActionWait, v.Action)
	require.Contains(t, v.Reason, "frequency cap reached: 3 attempts to +14695622405 in 24h0m0s")
	// It waits until the oldest attempt leaves the period.
	require.WithinDuration(t, now.Add(4*time.Hour), v.Until, time.Second)

	// The campaign's own cap is stricter: 2 in 6 hours.
	f.svc.FrequencyCap = contact.FrequencyCap{}
	require.NoError(t, f.db.Model(&f.campaign).Updates(map[string]any{"frequency_cap_attempts": 2, "frequency_cap_period": "0:6:0"}).Error)
	v = f.eligibility(t, now)
	require.Equal(t, contact.ActionWait, v.Action)
	require.WithinDuration(t, now.Add(4*time.Hour), v.Until, time.Second)
}

func TestEligibilityExplains(t *testing.T) {
	f := newFixture(t)
	loc, err := time.LoadLocation("America/Chicago")
	require.NoError(t, err)

	require.NoError(t, f.db.Exec("UPDATE time_zones SET start_time = '08:00', end_time = '21:00' WHERE iana_zone = 'America/Chicago'").Error)
	night := time.Date(2026, 11, 25, 22, 0, 0, 0, loc)
	v := f.eligibility(t, night)
	require.Equal(t, contact.ActionWait, v.Action)
	require.Equal(t, time.Date(2026, 11, 26, 8, 0, 0, 0, loc), v.Until.In(loc))
	require.Contains(t, v.Reason, "outside daily window 08:00–21:00 (America/Chicago)")

	require.NoError(t, f.db.Exec("UPDATE time_zones SET enabled = false WHERE iana_zone = 'America/Chicago'").Error)
	v = f.eligibility(t, night)
	require.Equal(t, contact.ActionWait, v.Action)
	require.Contains(t, v.Reason, "is not enabled for calling")
	require.NoError(t, f.db.Exec("UPDATE time_zones SET enabled = true, start_time = '00:00', end_time = '23:59'").Error)

	// The campaign group's hours for the zone apply too (EP_Krisoutdial lists Central).
	require.NoError(t, f.db.Exec("UPDATE campaign_group_time_zones SET start_time = '09:00', end_time = '17:00'").Error)
	v = f.eligibility(t, time.Date(2026, 11, 25, 18, 0, 0, 0, loc))
	require.Equal(t, contact.ActionWait, v.Action)
	require.Contains(t, v.Reason, "outside daily window 09:00–17:00 (America/Chicago)")
	require.NoError(t, f.db.Exec("UPDATE campaign_group_time_zones SET enabled = false").Error)
	v = f.eligibility(t, night)
	require.Contains(t, v.Reason, "is not enabled for calling in campaign group EP_Krisoutdial")
	require.NoError(t, f.db.Exec("UPDATE campaign_group_time_zones SET enabled = true, start_time = '00:00', end_time = '23:59'").Error)

	require.NoError(t, f.db.Model(f.list).Update("status", models.ListStopped).Error)
	v = f.eligibility(t, night)
	require.Equal(t, contact.ActionWait, v.Action)
	require.Contains(t, v.Reason, "is stopped")

	require.NoError(t, f.db.Model(f.list).Updates(map[string]any{"status": models.ListActive, "end_time": night.Add(-time.Minute)}).Error)
	v = f.eligibility(t, night)
	require.Equal(t, contact.ActionClose, v.Action)
	require.Contains(t, v.Reason, "time to live ended")

	require.NoError(t, f.db.Model(f.list).Update("end_time", night.AddDate(1, 0, 0)).Error)
	require.NoError(t, f.db.Model(&f.campaign).Update("end_date", "2026-11-01").Error)
	v = f.eligibility(t, night)
	require.Equal(t, contact.ActionClose, v.Action)
	require.Contains(t, v.Reason, "no calling window opens again")
}

// TestPolicyIsReadAgain: an edit of the campaign's strategy reaches its
// contacts within PolicyTTL, an edit of the campaign itself at once.
func TestPolicyIsReadAgain(t *testing.T) {
	f := newFixture(t)
	require.NotNil(t, f.campaign.ContactStrategyID)
	now := time.Now()
	f.svc.Now = func() time.Time { return now }
	maxRetry := func() int {
		res, err := f.svc.Prepare(context.Background(), contact.PrepareRequest{ContactID: f.contact, Seq: 1})
		require.NoError(t, err)
		require.NotEmpty(t, res.Policy.Rules)
		return res.Policy.Rules[0].MaxRetry
	}
	raise := func() {
		require.NoError(t, f.db.Exec("UPDATE strategy_rules SET max_retry = max_retry + 1 WHERE contact_strategy_id = ?", *f.campaign.ContactStrategyID).Error)
	}
	first := maxRetry()

	raise()
	require.Equal(t, first, maxRetry(), "read again within %s", contact.PolicyTTL)
	now = now.Add(contact.PolicyTTL)
	require.Equal(t, first+1, maxRetry(), "not read again after %s", contact.PolicyTTL)

	raise()
	require.NoError(t, f.db.Model(&f.campaign).Update("default_delay", "0:0:45").Error)
	require.Equal(t, first+2, maxRetry(), "not read again after the campaign changed")
}

// callRecorder is a dialer that keeps the calls it is asked for.
type callRecorder struct{ calls []dialer.CallRequest }

func (r *callRecorder) Dial(_ context.Context, req dialer.CallRequest) error {
	r.calls = append(r.calls, req)
	return nil
}

// TestDialChecksAgainAtTheMoment: the checks run again as a prepared
// attempt's call leaves, on every try until the dialer accepts one. The
// attempt itself is not an earlier call under the frequency cap; a retry
// after the number went on a DNC list sends nothing.
func TestDialChecksAgainAtTheMoment(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	d := &flakyDialer{fail: 1}
	f.svc.Dialers = dialer.Registry{"simulator": d}
	now := time.Now()
	f.svc.Now = func() time.Time { return now }
	f.svc.FrequencyCap = contact.FrequencyCap{Attempts: 1, Period: 24 * time.Hour}
	res, err := f.svc.Prepare(ctx, contact.PrepareRequest{ContactID: f.contact, Seq: 1})
	require.NoError(t, err)
	require.Equal(t, contact.ActionDial, res.Action, res.Reason)
	e, err := f.svc.Dial(ctx, res.AttemptID)
	require.ErrorContains(t, err, "dialer unavailable", "the dialer is down: the dial will be tried again")
	require.Len(t, d.calls, 1)
	require.Equal(t, res.Number, e.Number)
	require.Equal(t, []contact.CapCheck{{Attempts: 1, Period: "24h0m0s", Count: 0}}, e.FrequencyCaps, "the attempt itself is not counted")
	require.Empty(t, e.DNC.Checked)
	require.Len(t, e.Zones, 1)
	require.Equal(t, "America/Chicago", e.Zones[0].Zone)
	for _, w := range e.Zones[0].Windows {
		require.True(t, w.Open, "%+v", w)
	}
	stored := attemptEvidence(t, f, res.AttemptID)
	require.Equal(t, e.CheckedAt.UTC(), stored.CheckedAt.UTC(), "the attempt keeps what its dial saw")

	list := models.DNCList{Name: "Federal", Category: "ndnc", Scope: "global"}
	require.NoError(t, f.db.Create(&list).Error)
	require.NoError(t, f.db.Create(&models.DNCEntry{DNCListID: list.ID, Number: "+14695622405"}).Error)
	_, err = f.svc.Dial(ctx, res.AttemptID)
	require.ErrorIs(t, err, contact.ErrDialRefused)
	require.ErrorContains(t, err, "on DNC list Federal")
	require.Len(t, d.calls, 1, "no call left")
	stored = attemptEvidence(t, f, res.AttemptID)
	require.Equal(t, []string{"Federal"}, stored.DNC.Checked)
	require.Equal(t, []string{"Federal"}, stored.DNC.HeldBy, "the refusal's evidence")
}

func attemptEvidence(t *testing.T, f *fixture, id string) contact.Evidence {
	t.Helper()
	var at models.Attempt
	require.NoError(t, f.db.First(&at, "id = ?", id).Error)
	var e contact.Evidence
	require.NoError(t, json.Unmarshal(at.Evidence, &e))
	return e
}

// TestOneNumberOneCall: a number is never in two calls at once, across
// campaigns and workers. Two campaigns' contacts with one number prepare
// together: one dials, the other waits, naming the call; counting and
// recording an attempt are one step under the number's lock.
func TestOneNumberOneCall(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	second := f.campaign
	second.ID, second.Name = 0, "second campaign"
	require.NoError(t, f.db.Create(&second).Error)
	_, results, err := listimport.AddContacts(ctx, f.db, second.ID, 0, []listimport.ContactRecord{{Numbers: map[string]string{"Mobile": "(469) 562-2405"}}})
	require.NoError(t, err)
	other := results[0].ContactID
	require.NotZero(t, other, "%+v", results[0])

	var wg sync.WaitGroup
	verdicts := make([]contact.PrepareResult, 2)
	errs := make([]error, 2)
	for i, id := range []uint64{f.contact, other} {
		wg.Go(func() { verdicts[i], errs[i] = f.svc.Prepare(ctx, contact.PrepareRequest{ContactID: id, Seq: 1}) })
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	actions := []string{verdicts[0].Action, verdicts[1].Action}
	require.ElementsMatch(t, []string{contact.ActionDial, contact.ActionWait}, actions, "%+v", verdicts)
	waited := verdicts[slices.Index(actions, contact.ActionWait)]
	require.Contains(t, waited.Reason, "+14695622405 is in the call of attempt")
	var n int64
	require.NoError(t, f.db.Model(&models.Attempt{}).Where("number = ?", "+14695622405").Count(&n).Error)
	require.EqualValues(t, 1, n)
}

// TestAnOpenAttemptIsTakenUpAgain: a contact's workflow that starts over
// (its worker died in the middle of a dial, before the workflow recorded
// anything) takes its open attempt up again under the same ID, which the
// dialer places once, rather than making attempt 2 and calling again.
func TestAnOpenAttemptIsTakenUpAgain(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	res, err := f.svc.Prepare(ctx, contact.PrepareRequest{ContactID: f.contact, Seq: 1})
	require.NoError(t, err)
	require.Equal(t, contact.ActionDial, res.Action, res.Reason)

	start, err := f.svc.StartOf(ctx, f.contact)
	require.NoError(t, err)
	require.Equal(t, 0, start.Attempts, "attempt 1 is open")
	again, err := f.svc.Prepare(ctx, contact.PrepareRequest{ContactID: f.contact, Seq: start.Attempts + 1})
	require.NoError(t, err)
	require.Equal(t, res.AttemptID, again.AttemptID)

	require.NoError(t, f.db.Model(&models.Attempt{}).Where("id = ?", res.AttemptID).Update("ended_at", time.Now()).Error)
	start, err = f.svc.StartOf(ctx, f.contact)
	require.NoError(t, err)
	require.Equal(t, 1, start.Attempts, "attempt 1 has ended")
}

// TestReleaseOfAPersonalCallback: releasing a personal callback by hand
// places it for its own agent only; naming another agent is refused, and
// a lapsed one goes to anyone.
func TestReleaseOfAPersonalCallback(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	require.NoError(t, f.db.Model(&models.Contact{}).Where("id = ?", f.contact).Update("pcb_agent", "7").Error)
	_, err := f.svc.ReleaseNow(ctx, f.contact, "8")
	require.True(t, fault.Is(err, fault.Conflict), "%v", err)
	require.ErrorContains(t, err, "personal callback for agent 7, not 8")

	// A lapsed one is anyone's: its release starts the contact's workflow
	// (on a queue no worker polls).
	f.svc.Temporal, f.svc.TaskQueue = testenv.Temporal(t), testenv.TaskQueue(t)
	lapsed := time.Now().Add(-time.Minute)
	require.NoError(t, f.db.Model(&models.Contact{}).Where("id = ?", f.contact).Update("pcb_until", lapsed).Error)
	_, err = f.svc.ReleaseNow(ctx, f.contact, "8")
	require.NoError(t, err)
}

// TestAnAttemptStartsWhenItsRequestLeaves: the frequency caps count a call
// from when its dial request left, not from when the attempt was recorded:
// a request sent ten minutes later (a retry, a restarted worker) starts the
// attempt then.
func TestAnAttemptStartsWhenItsRequestLeaves(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.svc.Dialers = dialer.Registry{"simulator": &callRecorder{}}
	recorded := time.Now().Truncate(time.Millisecond)
	f.svc.Now = func() time.Time { return recorded }
	res, err := f.svc.Prepare(ctx, contact.PrepareRequest{ContactID: f.contact, Seq: 1})
	require.NoError(t, err)
	require.Equal(t, contact.ActionDial, res.Action, res.Reason)
	sent := recorded.Add(10 * time.Minute)
	f.svc.Now = func() time.Time { return sent }
	_, err = f.svc.Dial(ctx, res.AttemptID)
	require.NoError(t, err)
	var at models.Attempt
	require.NoError(t, f.db.First(&at, "id = ?", res.AttemptID).Error)
	require.True(t, sent.Equal(at.StartedAt), "started %v, sent %v", at.StartedAt, sent)
}
