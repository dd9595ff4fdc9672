package stats

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// answered is a voice call answered at start+1s and connected after wait.
func answered(start time.Time, wait time.Duration) Call {
	at := start.Add(time.Second)
	return Call{StartedAt: start, Outcome: outcomeVoice, AnsweredAt: at, ConnectedAt: at.Add(wait)}
}

func TestAbandonClassifiesEachCall(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name                            string
		call                            Call
		answered, abandoned, unmeasured bool
	}{
		{"connected at once", answered(start, 0), true, false, false},
		{"connected 1.999 s after the answer", answered(start, 1999*time.Millisecond), true, false, false},
		{"connected exactly 2 s after the answer", answered(start, 2*time.Second), true, false, false},
		{"connected 2.001 s after the answer", answered(start, 2001*time.Millisecond), true, true, false},
		{"connected a minute after the answer", answered(start, time.Minute), true, true, false},
		{"abandoned with no times", Call{StartedAt: start, Outcome: outcomeAbandoned}, true, true, false},
		{"abandoned though connected at once", Call{StartedAt: start, Outcome: outcomeAbandoned, AnsweredAt: start, ConnectedAt: start}, true, true, false},
		{"voice with no connection time", Call{StartedAt: start, Outcome: outcomeVoice, AnsweredAt: start}, true, false, true},
		{"voice with no times", Call{StartedAt: start, Outcome: outcomeVoice}, true, false, true},
		{"answering machine, long unconnected", Call{StartedAt: start, Outcome: "answer-machine", AnsweredAt: start}, false, false, false},
		{"answering machine connected late", Call{StartedAt: start, Outcome: "answer-machine", AnsweredAt: start, ConnectedAt: start.Add(time.Minute)}, false, false, false},
		{"no answer", Call{StartedAt: start, Outcome: "no-answer"}, false, false, false},
		{"busy", Call{StartedAt: start, Outcome: "busy"}, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := Windows(&start, start.Add(time.Hour), time.UTC)
			r.Add(tc.call)
			want := AbandonRate{From: r.Period.From, To: r.Period.To}
			if tc.answered {
				want.Answered = 1
			}
			if tc.abandoned {
				want.Abandoned, want.Rate = 1, 1
			}
			if tc.unmeasured {
				want.Unmeasured = 1
			}
			require.Equal(t, want, *r.Period)
			want.From, want.To = r.Last24h.From, r.Last24h.To
			require.Equal(t, want, r.Last24h)
		})
	}
}

// TestAbandonRateOverTheCampaignsPeriods: the 30-day periods run from the
// first dial, each counted on its own; the last 24 hours and today are
// counted beside them.
func TestAbandonRateOverTheCampaignsPeriods(t *testing.T) {
	first := time.Date(2026, 1, 1, 9, 30, 0, 0, time.UTC)
	secondPeriod := first.Add(Period)
	chicago, err := time.LoadLocation("America/Chicago")
	require.NoError(t, err)
	now := secondPeriod.Add(36 * time.Hour) // 2026-02-01 21:30 UTC, 15:30 in Chicago
	calls := []Call{
		// The first period: abandoned calls there do not count now.
		{StartedAt: first, Outcome: outcomeAbandoned},
		answered(secondPeriod.Add(-time.Nanosecond), time.Minute),
		// The second period, from its first instant.
		answered(secondPeriod, 3*time.Second),                        // abandoned, more than 24 h ago
		answered(secondPeriod.Add(time.Hour), 0),                     // connected at once
		{StartedAt: now.Add(-23 * time.Hour), Outcome: outcomeVoice}, // in the last 24 h: unmeasured
		answered(now.Add(-20*time.Hour), 2*time.Second),              // the last 24 h, yesterday in Chicago: not abandoned
		answered(now.Add(-2*time.Hour), 2500*time.Millisecond),       // today: abandoned
		{StartedAt: now.Add(-time.Hour), Outcome: "answer-machine", AnsweredAt: now.Add(-time.Hour)},
		{StartedAt: now.Add(-time.Minute), Outcome: outcomeAbandoned},
	}
	r, since := Windows(&first, now, chicago)
	require.Equal(t, secondPeriod, since, "the period starts before the last 24 h and today")
	for _, c := range calls {
		r.Add(c)
	}
	require.Equal(t, AbandonRate{From: secondPeriod, To: secondPeriod.Add(Period), Answered: 6, Abandoned: 3, Unmeasured: 1, Rate: 0.5}, *r.Period)
	require.Equal(t, AbandonRate{From: now.Add(-24 * time.Hour), To: now, Answered: 4, Abandoned: 2, Unmeasured: 1, Rate: 0.5}, r.Last24h)
	midnight := time.Date(2026, 2, 1, 0, 0, 0, 0, chicago)
	require.Equal(t, AbandonRate{From: midnight, To: midnight.AddDate(0, 0, 1), Answered: 2, Abandoned: 2, Rate: 1}, r.Today)

	// Before the first dial there is no period; the day windows still run.
	r, since = Windows(nil, now, chicago)
	require.Nil(t, r.Period)
	require.Equal(t, now.Add(-24*time.Hour), since)
}

func TestCurrentPeriod(t *testing.T) {
	first := time.Date(2026, 1, 1, 9, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		now  time.Time
		from time.Time
	}{
		{first, first},
		{first.Add(Period - time.Nanosecond), first},
		{first.Add(Period), first.Add(Period)},
		{first.Add(3*Period + time.Hour), first.Add(3 * Period)},
		{first.Add(-time.Hour), first}, // a clock behind the first dial
	} {
		from, to := CurrentPeriod(first, tc.now)
		require.Equal(t, tc.from, from, "at %s", tc.now)
		require.Equal(t, tc.from.Add(Period), to)
	}
}
