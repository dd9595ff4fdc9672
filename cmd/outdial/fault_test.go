package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
)

// The numbers the fault tests dial: the first in America/Chicago, whose
// window or DNC status changes while the worker is dead, the second in
// America/New_York, where the campaign's window stays open.
const (
	dallas  = "+14695622405"
	newYork = "+12127365000"
)

// TestNoDialAfterTheWorkerDies kills a worker process with SIGKILL at the
// worst moments of an attempt, restarts it, and reads what reached the
// dialer (issue 13: the fault test, and finding 12).
//
// In the first two cases the worker dies right after it recorded an attempt
// and before the attempt's dial request; while it is dead the number's
// calling window closes, or the number goes on the campaign's DNC list. No
// dial request for the number ever goes out: the restarted workflow takes
// the attempt up again, the checks at the dial refuse it, and the attempt
// ends saying which rule did. Its line is given back: the campaign has one,
// and its next contact is dialed.
//
// In the third the worker dies while the dialer holds the attempt's
// request. The restarted workflow sends the same attempt again, under the
// same ID (the dialer's idempotency key: one call), and nothing else is
// dialed on the campaign's one line until that attempt's outcome comes.
func TestNoDialAfterTheWorkerDies(t *testing.T) {
	testenv.TemporalAddress(t) // skips without the test servers, before the build
	bin := buildOutdial(t)

	refusedAtTheDial := func(t *testing.T, change func(w *faultWorld) []string) {
		w := newFaultWorld(t, bin, false)
		first := w.addContact(dallas)
		attempt := contact.AttemptID(first, 1)
		dying := w.startWorker(faultEnv + "=" + killAfterAttemptRecorded)
		w.start()
		require.Equal(t, "signal: killed", dying.wait(t, time.Minute).String())
		at, found := w.attempt(attempt)
		require.True(t, found, "the worker died before it recorded the attempt: the test proves nothing")
		require.Nil(t, at.EndedAt)
		require.Empty(t, w.dialer.calls(), "the worker died after the dial request: the test proves nothing")
		require.Equal(t, 1, w.inFlight(), "the open attempt holds the campaign's line")

		why := change(w)
		next := w.addContact(newYork)
		w.startWorker()
		require.Eventually(t, func() bool {
			at, _ = w.attempt(attempt)
			return at.EndedAt != nil || len(w.dialer.calls()) > 0
		}, time.Minute, 50*time.Millisecond, "the attempt never ended")
		require.NotContains(t, w.dialer.calls(), call{Key: attempt, AttemptID: attempt, Number: dallas}, "a call the checks now refuse was sent")
		require.NotNil(t, at.EndedAt, "the attempt did not end before the next one was dialed")
		require.Equal(t, "error", at.TelephonyOutcome)
		for _, s := range why {
			require.Contains(t, at.Decision, s)
		}
		nextAttempt := contact.AttemptID(next, 1)
		require.Eventually(t, func() bool { return len(w.dialer.calls()) > 0 }, time.Minute, 50*time.Millisecond,
			"the campaign's one line was not given back: its next contact was never dialed")
		require.Equal(t, []string{nextAttempt}, w.dialer.placed(), "the refused attempt was dialed after all")
	}

	t.Run("window closed", func(t *testing.T) {
		refusedAtTheDial(t, func(w *faultWorld) []string {
			// An hour of calling that does not hold now in Chicago, and
			// does not cross midnight.
			chicago, err := time.LoadLocation("America/Chicago")
			require.NoError(t, err)
			from, to := "20:00", "21:00"
			if time.Now().In(chicago).Hour() >= 12 {
				from, to = "01:00", "02:00"
			}
			status, out := w.api.call(http.MethodPut, fmt.Sprintf("/api/v1/timezones/%d", w.zone),
				map[string]any{"display_name": centralTime, "start_time": from, "end_time": to})
			require.Equal(t, http.StatusOK, status, "%v", out)
			return []string{"outside daily window", "America/Chicago"}
		})
	})

	t.Run("number on a DNC list", func(t *testing.T) {
		refusedAtTheDial(t, func(w *faultWorld) []string {
			status, out := w.api.call(http.MethodPost, fmt.Sprintf("/api/v1/dnc-lists/%d/entries", w.dncList), []any{map[string]any{"number": dallas}})
			require.Equal(t, http.StatusOK, status, "%v", out)
			return []string{dallas + " is on DNC list Campaign DNC"}
		})
	})

	t.Run("killed in the dial", func(t *testing.T) {
		w := newFaultWorld(t, bin, true)
		first := w.addContact(dallas)
		attempt := contact.AttemptID(first, 1)
		dying := w.startWorker()
		w.start()
		select {
		case <-w.dialer.arrived:
		case <-time.After(time.Minute):
			require.FailNow(t, "the attempt was never dialed")
		}
		dying.kill(t)
		next := w.addContact(newYork)
		w.startWorker()

		// The restarted workflow sends the attempt again, under its one key.
		same := call{Key: attempt, AttemptID: attempt, Number: dallas}
		require.Eventually(t, func() bool { return len(w.dialer.calls()) >= 2 }, time.Minute, 50*time.Millisecond,
			"the restarted workflow did not take its attempt up again")
		require.Never(t, func() bool { return slices.ContainsFunc(w.dialer.calls(), func(c call) bool { return c != same }) },
			3*time.Second, 50*time.Millisecond, "something else was dialed while the attempt was open")
		var attempts int64
		require.NoError(t, w.db.Model(&models.Attempt{}).Where("contact_id = ?", first).Count(&attempts).Error)
		require.EqualValues(t, 1, attempts)
		require.Equal(t, 1, w.inFlight())

		status, out := w.api.call(http.MethodPost, "/api/v1/attempts/"+attempt+"/telephony-outcome", map[string]any{"outcome": "no-answer"})
		require.Equal(t, http.StatusOK, status, "%v", out)
		nextAttempt := contact.AttemptID(next, 1)
		require.Eventually(t, func() bool { return len(w.dialer.placed()) == 2 }, time.Minute, 50*time.Millisecond,
			"the line was not given back after the outcome")
		require.Equal(t, []call{same, same, {Key: nextAttempt, AttemptID: nextAttempt, Number: newYork}}, w.dialer.calls())
		require.Equal(t, []string{attempt, nextAttempt}, w.dialer.placed(), "one call per attempt")
		at, _ := w.attempt(attempt)
		require.NotNil(t, at.EndedAt)
		require.Equal(t, "no-answer", at.TelephonyOutcome)
	})
}

// centralTime is the display name of the campaign's time zone.
const centralTime = "(UTC-06:00) Central Time (US and Canada)"

// faultWorld is a progressive campaign with one line (one available agent,
// one line per agent) whose calls go to a webhook dialer, its API in the
// test's process and its worker a process the test can kill. The campaign
// and its time zone are open all day, and it has a DNC list of its own,
// empty.
type faultWorld struct {
	t                              *testing.T
	db                             *models.DB
	api                            *testAPI
	dialer                         *recordingDialer
	bin, dsn, queue, uploads       string
	campaign, zone, dncList, agent uint64
}

func newFaultWorld(t *testing.T, bin string, holdFirst bool) *faultWorld {
	w := &faultWorld{t: t, bin: bin, dsn: testenv.DatabaseURL(t), queue: testenv.TaskQueue(t), uploads: t.TempDir()}
	db, err := models.Open(context.Background(), w.dsn)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	w.db, w.api, w.dialer = db, newTestAPI(t, db, testenv.Temporal(t), w.queue, w.uploads), newRecordingDialer(t, holdFirst)

	w.api.create("/api/v1/modes", map[string]any{"name": "Mobile", "min_length": 8, "max_length": 16})
	w.zone = w.api.create("/api/v1/timezones", map[string]any{"display_name": centralTime, "start_time": "12:00 AM", "end_time": "11:59 PM"})
	ep := w.api.create("/api/v1/entry-points", map[string]any{"name": "EP", "dialer": "webhook", "primary_url": w.dialer.srv.URL})
	team := w.api.create("/api/v1/teams", map[string]any{"name": "Team"})
	w.dncList = w.api.create("/api/v1/dnc-lists", map[string]any{"name": "Campaign DNC", "category": "compliance", "scope": "campaign"})
	w.campaign = w.api.create("/api/v1/campaigns", map[string]any{"name": "fault", "pacing_mode": "progressive", "time_zone_id": w.zone,
		"entry_point_id": ep, "team_ids": []any{team}, "dnc_list_ids": []any{w.dncList}, "lines_per_agent": 1,
		"daily_start_time": "12:00 AM", "daily_end_time": "11:59 PM"})
	w.agent = w.api.create("/api/v1/agents", map[string]any{"name": "Agent", "team_id": team})
	return w
}

// addContact adds a contact with one Mobile number and returns its ID.
func (w *faultWorld) addContact(number string) uint64 {
	status, out := w.api.call(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/contacts", w.campaign),
		map[string]any{"contacts": []any{map[string]any{"numbers": map[string]any{"Mobile": number}}}})
	require.Equal(w.t, http.StatusOK, status, "%v", out)
	return uint64(out["contacts"].([]any)[0].(map[string]any)["contact_id"].(float64))
}

// start makes the agent available and starts the campaign: its pacer
// releases a contact on the free line.
func (w *faultWorld) start() {
	status, out := w.api.call(http.MethodPut, fmt.Sprintf("/api/v1/agents/%d/state", w.agent), map[string]any{"state": "available"})
	require.Equal(w.t, http.StatusOK, status, "%v", out)
	status, out = w.api.call(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/start", w.campaign), nil)
	require.Equal(w.t, http.StatusOK, status, "%v", out)
}

func (w *faultWorld) startWorker(env ...string) *process {
	return startWorkerProcess(w.t, w.bin, w.dsn, w.queue, w.uploads, env...)
}

func (w *faultWorld) attempt(id string) (models.Attempt, bool) {
	var at models.Attempt
	res := w.db.Where("id = ?", id).Limit(1).Find(&at)
	require.NoError(w.t, res.Error)
	return at, res.RowsAffected == 1
}

// inFlight is the campaign's calls in flight as its pacer counts them.
func (w *faultWorld) inFlight() int {
	n, err := models.CountForPacing(context.Background(), w.db.DB, w.campaign, 0, time.Minute)
	require.NoError(w.t, err)
	return n.InFlight
}

// call is what a dialer received: the idempotency key, and the attempt
// and number in the body.
type call struct{ Key, AttemptID, Number string }

// recordingDialer is a webhook dialer's endpoint that records every call
// request it receives and answers 200.
type recordingDialer struct {
	srv      *httptest.Server
	mu       sync.Mutex
	received []call
	// arrived is closed by the first request; with holdFirst that request
	// is held unanswered until its sender is gone: a call in flight when
	// the worker dies.
	arrived   chan struct{}
	holdFirst bool
}

func newRecordingDialer(t *testing.T, holdFirst bool) *recordingDialer {
	d := &recordingDialer{arrived: make(chan struct{}), holdFirst: holdFirst}
	done := make(chan struct{})
	d.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var req dialer.CallRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(rw, err.Error(), http.StatusBadRequest)
			return
		}
		d.mu.Lock()
		d.received = append(d.received, call{Key: r.Header.Get(dialer.IdempotencyKeyHeader), AttemptID: req.AttemptID, Number: req.Number})
		first := len(d.received) == 1
		d.mu.Unlock()
		if first {
			close(d.arrived)
			if d.holdFirst {
				select {
				case <-r.Context().Done():
				case <-done:
				}
				return
			}
		}
		rw.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(d.srv.Close)
	t.Cleanup(func() { close(done) }) // runs first: a held request lets go
	return d
}

// calls are the requests received so far, in order.
func (d *recordingDialer) calls() []call {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.received)
}

// placed are the calls a dialer places for the requests received so far:
// one per idempotency key, as the webhook contract asks, by key in order.
func (d *recordingDialer) placed() []string {
	var keys []string
	for _, c := range d.calls() {
		if !slices.Contains(keys, c.Key) {
			keys = append(keys, c.Key)
		}
	}
	return keys
}
