package pacing

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// traffic is a campaign's estimates with the given person-answer rate.
func traffic(person float64) Estimates {
	return Estimates{
		PersonRate: person, MachineRate: math.Min(0.2, 1-person),
		AnswerRing:   LogNormalWithMean(8*time.Second, 0.5),
		NoAnswerRing: LogNormalWithMean(22*time.Second, 0.2),
		Talk:         LogNormalWithMean(2*time.Minute, 0.6),
		WrapUp:       LogNormalWithMean(30*time.Second, 0.25),
	}
}

// talking is n agents that have just started talking: none is free within
// the next minute.
func talking(n int) []BusyAgent {
	busy := make([]BusyAgent, n)
	for i := range busy {
		busy[i] = BusyAgent{Talking: true}
	}
	return busy
}

func ages(n int, age time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = age
	}
	return out
}

// saved is an account with a large budget left: 10,000 answers, no
// abandons, 299 abandons of budget (the reserve aside).
var saved = Abandons{Answered: 10000}

func TestDecide(t *testing.T) {
	for _, tc := range []struct {
		name     string
		p        Predictive
		e        Estimates
		s        Situation
		min, max int
		progress bool
	}{
		{
			name: "budget spent: progressive, a call per free agent not covered",
			e:    traffic(0.1),
			s: Situation{Free: 10, Busy: talking(40), Ringing: ages(3, time.Second),
				Period: Abandons{Answered: 1000, Abandoned: 30}, Today: saved},
			min: 7, max: 7, progress: true,
		},
		{
			name: "today's budget spent: progressive even with the period's left",
			e:    traffic(0.1),
			s:    Situation{Free: 10, Busy: talking(40), Period: saved, Today: Abandons{Answered: 100, Abandoned: 3}},
			min:  10, max: 10, progress: true,
		},
		{
			name: "the reserve: 3% of 40 answers is 1.2 abandons, less the reserve of 1, and one was abandoned",
			e:    traffic(0.1),
			s:    Situation{Free: 10, Busy: talking(40), Period: saved, Today: Abandons{Answered: 40, Abandoned: 1}},
			min:  10, max: 10, progress: true,
		},
		{
			name: "a new campaign has no budget yet: progressive",
			e:    traffic(0.1),
			s:    Situation{Free: 10, Busy: talking(40)},
			min:  10, max: 10, progress: true,
		},
		{
			name: "small team: progressive whatever the budget",
			e:    traffic(0.1),
			s:    Situation{Free: 3, Busy: talking(1), Ringing: ages(1, time.Second), Period: saved, Today: saved},
			min:  2, max: 2, progress: true,
		},
		{
			name: "small team threshold is configurable",
			p:    Predictive{SmallTeam: 60},
			e:    traffic(0.1),
			s:    Situation{Free: 10, Busy: talking(40), Period: saved, Today: saved},
			min:  10, max: 10, progress: true,
		},
		{
			name: "everyone answers: a line per free agent",
			e:    traffic(0.95),
			s:    Situation{Free: 10, Busy: talking(40), Period: saved, Today: saved},
			min:  10, max: 10, progress: true,
		},
		{
			name: "few answer: more lines, up to 3 per agent less the calls in progress",
			e:    traffic(0.05),
			s:    Situation{Free: 10, Busy: talking(10), Period: saved, Today: saved},
			// 3 × 20 agents − 10 talking; 50 calls bring 2.5 answers for
			// 10 free agents.
			min: 50, max: 50,
		},
		{
			name: "max lines per agent is configurable",
			p:    Predictive{MaxLinesPerAgent: 1.5},
			e:    traffic(0.05),
			s:    Situation{Free: 10, Busy: talking(10), Period: saved, Today: saved},
			min:  20, max: 20,
		},
		{
			name: "calls ringing and waiting count against the lines",
			e:    traffic(0.05),
			s:    Situation{Free: 10, Busy: talking(10), Ringing: ages(20, 3*time.Second), Waiting: 1, Period: saved, Today: saved},
			min:  29, max: 29,
		},
		{
			name: "a quarter answer: more than progressive, about an answer per free agent",
			e:    traffic(0.25),
			s:    Situation{Free: 10, Busy: talking(40), Period: saved, Today: saved},
			min:  11, max: 48,
		},
		{
			name: "agents about to finish their wrap-up are dialed for",
			e:    traffic(0.25),
			s: Situation{Free: 0, Busy: append(talking(40), ages4wrap(10, 25*time.Second)...),
				Period: saved, Today: saved},
			min: 4, max: 48,
		},
		{
			name: "agents that just started talking are not",
			e:    traffic(0.25),
			s:    Situation{Free: 0, Busy: talking(50), Period: saved, Today: saved},
			min:  0, max: 0, progress: true,
		},
		{
			name: "no person answers at all: every line",
			e:    Estimates{MachineRate: 0.2, AnswerRing: traffic(0).AnswerRing, NoAnswerRing: traffic(0).NoAnswerRing, Talk: traffic(0).Talk, WrapUp: traffic(0).WrapUp},
			s:    Situation{Free: 5, Busy: talking(5), Period: saved, Today: saved},
			min:  25, max: 25,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.p.Decide(tc.e, tc.s)
			require.GreaterOrEqual(t, d.Calls, tc.min, "%+v", d)
			require.LessOrEqual(t, d.Calls, tc.max, "%+v", d)
			require.Equal(t, tc.progress, d.Progressive, "%+v", d)
			if !d.Progressive {
				require.LessOrEqual(t, d.ExpectedAbandons, math.Min(d.PeriodBudget, d.TodayBudget))
			}
		})
	}
}

func ages4wrap(n int, elapsed time.Duration) []BusyAgent {
	busy := make([]BusyAgent, n)
	for i := range busy {
		busy[i] = BusyAgent{Elapsed: elapsed}
	}
	return busy
}

// The budget is spent evenly: more saved, no fewer calls; less, no more.
func TestDecideSpendsMoreWithMoreSaved(t *testing.T) {
	e := traffic(0.25)
	s := Situation{Free: 5, Busy: append(talking(40), ages4wrap(5, 20*time.Second)...)}
	last := -1
	for _, answered := range []int{100, 200, 500, 1000, 3000, 10000, 100000} {
		s.Period = Abandons{Answered: answered, Abandoned: answered / 50}
		s.Today = s.Period
		n := Predictive{}.Decide(e, s).Calls
		require.GreaterOrEqual(t, n, last, "answered %d", answered)
		last = n
	}
	require.Greater(t, last, 5, "a large budget dials ahead")
}

// The abandons expected of the calls in flight, the abandons model's core,
// against a case worked by hand: no agents busy, 2 free, nothing ringing,
// every call answered by a person at once. Then D is Poisson of mean n and
// A(n) = E[(D − 2)⁺] = n − 2 + 2e^(−n) + n e^(−n).
func TestExpectedAbandons(t *testing.T) {
	e := traffic(1)
	e.AnswerRing = LogNormal{Mu: math.Log(0.01), Sigma: minSigma}
	m := newModel(Predictive{}.withDefaults(), e, Situation{Free: 2})
	for _, n := range []int{0, 1, 2, 3, 5, 10} {
		x := float64(n)
		require.InDelta(t, x-2+2*math.Exp(-x)+x*math.Exp(-x), m.abandons(n), 1e-6, "n=%d", n)
		require.InDelta(t, x, m.answers(n), 1e-9)
	}
}

func FuzzDecide(f *testing.F) {
	f.Add(10, 40, 5, 20, 1, 10000, 0, 10000, 0, 0.25, 3.0, 5)
	f.Add(0, 3, 0, 0, 0, 0, 0, 0, 0, 0.0, 1.0, 0)
	f.Add(200, 0, 0, 500, 3, 100, 50, 40, 1, 1.0, 10.0, 1)
	f.Fuzz(func(t *testing.T, free, talkingAgents, wrapping, ringing, waiting, answered, abandoned, answeredToday, abandonedToday int, person, lines float64, smallTeam int) {
		if free < 0 || free > 300 || talkingAgents < 0 || talkingAgents > 300 || wrapping < 0 || wrapping > 300 ||
			ringing < 0 || ringing > 1000 || waiting < 0 || waiting > 50 || answered < 0 || abandoned < 0 ||
			answeredToday < 0 || abandonedToday < 0 || math.IsNaN(person) || math.IsNaN(lines) || math.IsInf(lines, 0) ||
			lines > 20 || smallTeam > 1000 {
			t.Skip()
		}
		p := Predictive{MaxLinesPerAgent: lines, SmallTeam: smallTeam}
		s := Situation{Free: free, Waiting: waiting, Ringing: ages(ringing, 4*time.Second),
			Period: Abandons{answered, abandoned}, Today: Abandons{answeredToday, abandonedToday}}
		for i := range talkingAgents {
			s.Busy = append(s.Busy, BusyAgent{Talking: true, Elapsed: time.Duration(i) * 7 * time.Second})
		}
		for i := range wrapping {
			s.Busy = append(s.Busy, BusyAgent{Elapsed: time.Duration(i%40) * time.Second})
		}
		d := p.Decide(traffic(math.Min(math.Max(person, 0), 0.8)), s)
		progressive := max(free-ringing-waiting, 0)
		agents := free + talkingAgents + wrapping
		maxLines := math.Max(p.withDefaults().MaxLinesPerAgent, 1)

		require.GreaterOrEqual(t, d.Calls, 0)
		require.GreaterOrEqual(t, d.Calls, progressive, "never below progressive")
		require.LessOrEqual(t, float64(d.Calls), math.Max(maxLines*float64(agents)-float64(ringing+waiting), float64(progressive)),
			"never above the lines")
		spent := d.PeriodBudget <= 0 || d.TodayBudget <= 0
		if spent || agents < p.withDefaults().SmallTeam {
			require.Equal(t, progressive, d.Calls, "budget spent or small team: progressive")
			require.True(t, d.Progressive)
		}
		if !d.Progressive {
			require.LessOrEqual(t, d.ExpectedAbandons, math.Min(d.PeriodBudget, d.TodayBudget), "covered by the budget")
		}
	})
}

// The passes to come dial too: a campaign dialing fast places fewer calls
// now for the same agents.
func TestDecideCountsTheCallsToCome(t *testing.T) {
	s := Situation{Free: 10, Busy: append(talking(40), ages4wrap(10, 20*time.Second)...), Period: saved, Today: saved}
	still := Predictive{}.Decide(traffic(0.25), s)
	s.DialRate = 2
	busy := Predictive{}.Decide(traffic(0.25), s)
	require.Less(t, busy.Calls, still.Calls)
}

// However much a careful month saved, one pass spends little of it.
func TestDecideSpendsSavingsSlowly(t *testing.T) {
	s := Situation{Free: 10, Busy: talking(40), Today: Abandons{Answered: 100000}, Period: Abandons{Answered: 1000000}}
	d := Predictive{}.Decide(traffic(0.25), s)
	require.False(t, d.Progressive)
	require.Less(t, d.ExpectedAbandons, 5.0, "%+v", d)
}
