package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/dialer"
	contactpkg "github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/internal/stats"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
)

// getStats reads statistics at path, which must answer 200.
func getStats(h *harness, path string) stats.Stats {
	h.t.Helper()
	status, raw := h.raw(http.MethodGet, path, nil)
	require.Equal(h.t, http.StatusOK, status, "%s", raw)
	var s stats.Stats
	require.NoError(h.t, json.Unmarshal(raw, &s))
	return s
}

// TestCampaignStatsOnTheSimulator runs kris_progressive on the simulator,
// with answering machines and abandoned calls in the mix, and holds its
// statistics and its list's to the attempts and contacts the run left.
func TestCampaignStatsOnTheSimulator(t *testing.T) {
	w := newCampaignWorld(t, map[string]float64{"voice": 0.5, "answer-machine": 0.3, "abandoned": 0.2},
		map[string]float64{"Sale": 0.5, "Callback Requested": 0.5})
	campaign := w.campaign("kris_progressive")
	// abandoned has no rule in kris_CS: retried under the campaign's
	// default delay, at once here.
	require.NoError(t, w.db.Exec("UPDATE campaigns SET default_delay = '0:0:0' WHERE id = ?", campaign).Error)
	started := time.Now()
	ids := w.dialAll(campaign, 12)

	var attempts []models.Attempt
	require.NoError(t, w.db.Where("campaign_id = ?", campaign).Find(&attempts).Error)
	telephony, business := map[string]int64{}, map[string]int64{}
	reached, succeeded := map[uint64]bool{}, map[uint64]bool{}
	var answered, abandoned int64
	var firstDial time.Time
	for _, a := range attempts {
		if a.DialAcceptedAt != nil && (firstDial.IsZero() || a.StartedAt.Before(firstDial)) {
			firstDial = a.StartedAt
		}
		telephony[a.TelephonyOutcome]++
		if a.BusinessOutcome != "" {
			business[a.BusinessOutcome]++
		}
		switch a.TelephonyOutcome {
		case "voice":
			// The simulator says when each call was answered and connected.
			require.NotNil(t, a.AnsweredAt, "attempt %s", a.ID)
			require.NotNil(t, a.ConnectedAt, "attempt %s", a.ID)
			reached[a.ContactID] = true
			succeeded[a.ContactID] = succeeded[a.ContactID] || a.BusinessOutcome == "Sale"
			answered++
			if a.ConnectedAt.Sub(*a.AnsweredAt) > 2*time.Second {
				abandoned++
			}
		case "abandoned":
			require.NotNil(t, a.AnsweredAt, "attempt %s", a.ID)
			require.Nil(t, a.ConnectedAt, "attempt %s", a.ID)
			answered++
			abandoned++
		}
	}
	require.Positive(t, telephony["abandoned"], "the mix has abandoned calls: %v", telephony)
	require.Positive(t, telephony["answer-machine"], "the mix has answering machines: %v", telephony)
	nSucceeded := int64(0)
	for _, ok := range succeeded {
		if ok {
			nSucceeded++
		}
	}

	q := url.Values{"from": {started.Add(-time.Hour).UTC().Format(time.RFC3339)}, "to": {time.Now().Add(time.Minute).UTC().Format(time.RFC3339)}, "bucket": {"10m"}}
	s := getStats(w.h, fmt.Sprintf("/api/v1/campaigns/%d/stats?%s", campaign, q.Encode()))
	require.Equal(t, "kris_progressive", s.Campaign)
	require.Equal(t, stats.Contacts{Total: 12, Closed: 12, Attempted: 12, ClosedReasons: s.Contacts.ClosedReasons, WaitingReasons: s.Contacts.WaitingReasons}, s.Contacts)
	require.Empty(t, s.Contacts.WaitingReasons)
	var closed int64
	for _, r := range s.Contacts.ClosedReasons {
		require.NotEmpty(t, r.Reason)
		closed += r.Count
	}
	require.EqualValues(t, 12, closed, "%v", s.Contacts.ClosedReasons)
	require.Equal(t, 1.0, s.Penetration)
	require.Equal(t, stats.Attempts{Total: int64(len(attempts)), Telephony: telephony, Business: business}, s.Attempts)
	require.InDelta(t, float64(telephony["voice"])/float64(len(attempts)), s.ContactRate, 1e-9)
	require.EqualValues(t, len(reached), s.Reached)
	require.Equal(t, nSucceeded, s.Succeeded)
	require.InDelta(t, float64(nSucceeded)/float64(len(reached)), s.SuccessRate, 1e-9)
	var series int64
	for _, b := range s.Series {
		series += b.Attempts
	}
	require.Len(t, s.Series, 7) // 70 minutes by 10
	require.EqualValues(t, len(attempts), series)

	// Every call of the run is in the current period, the last 24 hours
	// and (unless the run straddled midnight in Central time) today.
	require.NotNil(t, s.Abandon.Period)
	want := stats.AbandonRate{Answered: answered, Abandoned: abandoned, Rate: float64(abandoned) / float64(answered)}
	for _, r := range []stats.AbandonRate{*s.Abandon.Period, s.Abandon.Last24h} {
		require.Equal(t, want, stats.AbandonRate{Answered: r.Answered, Abandoned: r.Abandoned, Unmeasured: r.Unmeasured, Rate: r.Rate})
	}
	require.True(t, s.Abandon.Period.From.Equal(firstDial), "the period starts at the first dial %s, not %s", firstDial, s.Abandon.Period.From)
	require.Equal(t, 30*24*time.Hour, s.Abandon.Period.To.Sub(s.Abandon.Period.From))

	require.Zero(t, s.Now.Ringing)
	require.Zero(t, s.Now.ReleasedUndialed)
	require.EqualValues(t, 2, s.Now.Agents[models.AgentAvailable], "Agent2 and Agent3: %v", s.Now.Agents)
	require.NotNil(t, s.Now.BufferSize, "kris_progressive has a campaign group")

	// The list's figures are the campaign's: all its contacts came in one.
	var list uint64
	require.NoError(t, w.db.Model(&models.Contact{}).Where("id = ?", ids[0]).Pluck("list_id", &list).Error)
	ls := getStats(w.h, fmt.Sprintf("/api/v1/lists/%d/stats?%s", list, q.Encode()))
	require.Equal(t, &list, ls.ListID)
	require.Equal(t, s.Contacts, ls.Contacts)
	require.Equal(t, s.Attempts, ls.Attempts)
	require.Equal(t, s.Abandon.Period.Answered, ls.Abandon.Period.Answered)
	require.Equal(t, s.Series, ls.Series)
}

// TestStatsAbandonRateFromReportedTimes: a dialer's outcome reports carry
// answered_at and connected_at; a person connected 2.5 s after the answer
// is an abandoned call, and so is one connected 2.0004 s after it; one
// connected exactly 2 s after is not, and an answering machine is not
// counted. Times that cannot be are refused.
func TestStatsAbandonRateFromReportedTimes(t *testing.T) {
	db := testenv.DB(t)
	tc := testenv.Temporal(t)
	h, campaign := seedWithWorker(t, db, tc, func(*services.Services) dialer.Dialer { return nopDialer{} })
	status, out := h.call(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/contacts", campaign), map[string]any{"contacts": []any{
		map[string]any{"numbers": map[string]any{"Mobile": "469-562-3401"}},
		map[string]any{"numbers": map[string]any{"Mobile": "469-562-3402"}},
		map[string]any{"numbers": map[string]any{"Mobile": "469-562-3403"}},
		map[string]any{"numbers": map[string]any{"Mobile": "469-562-3404"}},
		map[string]any{"numbers": map[string]any{"Mobile": "469-562-3405"}},
	}})
	require.Equal(t, http.StatusOK, status, "%v", out)
	var attempts []string
	for _, c := range out["contacts"].([]any) {
		contact := uint64(c.(map[string]any)["contact_id"].(float64))
		status, out := h.call(http.MethodPost, fmt.Sprintf("/api/v1/contacts/%d/release", contact), map[string]any{})
		require.Equal(t, http.StatusAccepted, status, "%v", out)
		attempt := contactpkg.AttemptID(contact, 1)
		waitForAttempt(t, db, attempt)
		attempts = append(attempts, attempt)
	}
	answer := time.Now().Add(-time.Minute).UTC().Truncate(time.Millisecond)
	stamp := func(d time.Duration) string { return answer.Add(d).Format(time.RFC3339Nano) }
	report := func(attempt string, body map[string]any) (int, map[string]any) {
		return h.call(http.MethodPost, "/api/v1/attempts/"+attempt+"/telephony-outcome", body)
	}

	status, out = report(attempts[0], map[string]any{"outcome": "voice", "answered_at": stamp(0), "connected_at": stamp(-time.Second)})
	requireProblem(t, status, out, http.StatusUnprocessableEntity, "connected_at")
	status, out = report(attempts[0], map[string]any{"outcome": "busy", "connected_at": stamp(0)})
	requireProblem(t, status, out, http.StatusUnprocessableEntity, "connected_at")

	for i, body := range []map[string]any{
		{"outcome": "voice", "answered_at": stamp(0), "connected_at": stamp(2500 * time.Millisecond)},
		{"outcome": "voice", "answered_at": stamp(0), "connected_at": stamp(2 * time.Second)},
		{"outcome": "answer-machine", "answered_at": stamp(0)},
		{"outcome": "abandoned"},
		// 400 µs past the line: PostgreSQL's milliseconds must not round it away.
		{"outcome": "voice", "answered_at": stamp(0), "connected_at": stamp(2*time.Second + 400*time.Microsecond)},
	} {
		status, out := report(attempts[i], body)
		require.Equal(t, http.StatusOK, status, "%v", out)
	}
	var late models.Attempt
	require.NoError(t, db.First(&late, "id = ?", attempts[0]).Error)
	require.True(t, late.AnsweredAt.Equal(answer), "%v", late.AnsweredAt)
	require.True(t, late.ConnectedAt.Equal(answer.Add(2500*time.Millisecond)), "%v", late.ConnectedAt)

	s := getStats(h, fmt.Sprintf("/api/v1/campaigns/%d/stats", campaign))
	require.NotNil(t, s.Abandon.Period)
	got := *s.Abandon.Period
	require.Equal(t, stats.AbandonRate{Answered: 4, Abandoned: 3, Rate: 0.75}, stats.AbandonRate{Answered: got.Answered, Abandoned: got.Abandoned, Unmeasured: got.Unmeasured, Rate: got.Rate})
	require.Equal(t, got.Answered, s.Abandon.Last24h.Answered)
	require.EqualValues(t, 5, s.Attempts.Total)
	// The machine and the abandoned call are retried later by the
	// strategy; the answered calls wait for their wrap-ups.
	require.Eventually(t, func() bool {
		s = getStats(h, fmt.Sprintf("/api/v1/campaigns/%d/stats", campaign))
		return s.Contacts.Waiting == 2 && s.Contacts.Dialing == 3
	}, 30*time.Second, 50*time.Millisecond, "%+v", s.Contacts)
	require.Len(t, s.Contacts.WaitingReasons, 1, "%+v", s.Contacts.WaitingReasons)
	require.Equal(t, "rescheduled by the strategy", s.Contacts.WaitingReasons[0].Reason)
	require.EqualValues(t, 2, s.Contacts.WaitingReasons[0].Count)
	require.Contains(t, s.Contacts.WaitingReasons[0].Example, "due in")
	require.EqualValues(t, 3, s.Contacts.Dialing)
	require.Equal(t, 1.0, s.Penetration)

	status, out = h.call(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/stats?bucket=1s", campaign), nil)
	requireProblem(t, status, out, http.StatusUnprocessableEntity, "bucket")
	status, out = h.call(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/stats?from=yesterday", campaign), nil)
	requireProblem(t, status, out, http.StatusUnprocessableEntity, "from")
	status, out = h.call(http.MethodGet, "/api/v1/campaigns/999999/stats", nil)
	requireProblem(t, status, out, http.StatusNotFound, "")
}
