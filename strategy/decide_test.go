package strategy

import (
	"encoding/json"
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the host's zone files

	"github.com/stretchr/testify/require"
)

func ptr[T any](v T) *T { return &v }

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// krisCS is the seed's contact strategy kris_CS.
func krisCS() []Rule {
	rule := func(o, delay string) Rule {
		return Rule{Outcome: o, Reschedule: MustDelay(delay), MaxRetry: 1, Priority: -1, BranchMode: "Default", CloseContact: true}
	}
	return []Rule{rule("voice", "0:0:0"), rule("answer-machine", "0:0:15"), rule("no-ringback", "0:0:15"), rule("Error", "0:0:15")}
}

// wrapupCode is the seed's business outcome group "Wrapup Code".
func wrapupCode() []BusinessRule {
	var rs []BusinessRule
	for _, n := range []string{"Follow-Up", "Campaign-WrapUp", "Sale", "Transferred", "Pending Case", "Closed"} {
		rs = append(rs, BusinessRule{Name: n, Success: true, CloseContact: true})
	}
	return append(rs, BusinessRule{Name: "Callback Requested", Reschedule: MustDelay("0:0:5"), MaxRetry: 3})
}

// personalCallback is a wrap-up that keeps the contact for its agent.
var personalCallback = BusinessRule{Name: "Personal Callback", Reschedule: MustDelay("0:1:0"), MaxRetry: 3, RetainPCB: true}

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// step is one attempt and what its decision must say. The attempt is made
// wait after the previous decision's DueAt (t0, or the case's start, for
// the first), on mode, else the mode the previous decision chose.
type step struct {
	mode, outcome, business, agent string
	wait                           time.Duration

	close  bool
	in     time.Duration // DueAt - At, unless dueAt is set
	dueAt  time.Time
	next   string // the mode it is due on, when set
	prio   int
	pcb    string
	reason string // a part of Reason
	check  func(t *testing.T, d Decision)
}

type scenario struct {
	name  string
	in    Input // Rules, Business, Caps, Modes, Loc
	start time.Time
	steps []step
}

func play(t *testing.T, sc scenario) []Decision {
	t.Helper()
	at := sc.start
	if at.IsZero() {
		at = t0
	}
	counters, mode := sc.in.Counters, ""
	if len(sc.in.Modes) > 0 {
		mode = sc.in.Modes[0]
	}
	var out []Decision
	for i, s := range sc.steps {
		at = at.Add(s.wait)
		if s.mode != "" {
			mode = s.mode
		}
		in := sc.in
		in.Counters = counters
		in.Attempt = Attempt{Mode: mode, Outcome: s.outcome, Business: s.business, Agent: s.agent, At: at}
		d := Decide(in)
		msg := []any{"step %d (%s %s): %s", i + 1, s.outcome, s.business, d.Reason}
		require.Equal(t, s.close, d.Close, msg...)
		if s.reason != "" {
			require.Contains(t, d.Reason, s.reason, msg...)
		}
		if s.check != nil {
			s.check(t, d)
		}
		out = append(out, d)
		if d.Close {
			require.Equal(t, len(sc.steps), i+1, "closed before the last step: %s", d.Reason)
			require.True(t, d.DueAt.IsZero(), msg...)
			require.Empty(t, d.PCBAgent, msg...)
			break
		}
		want := at.Add(s.in)
		if !s.dueAt.IsZero() {
			want = s.dueAt
		}
		require.True(t, want.Equal(d.DueAt), "step %d: due %s, want %s (%s)", i+1, d.DueAt, want, d.Reason)
		if s.next != "" {
			require.Equal(t, s.next, d.Mode, msg...)
		}
		require.Equal(t, s.prio, d.Priority, msg...)
		require.Equal(t, s.pcb, d.PCBAgent, msg...)
		counters, mode, at = d.Counters, d.Mode, d.DueAt
	}
	return out
}

func TestDecideSeed(t *testing.T) {
	seed := Input{Rules: krisCS(), Business: wrapupCode(), Modes: []string{"Mobile"}}
	cases := []scenario{
		{name: "answer-machine then Sale closes after two attempts 15 minutes apart", in: seed, steps: []step{
			{outcome: AnswerMachine, in: 15 * time.Minute, prio: -1, reason: "answer-machine retried 1 of 1 time(s); due in 0:0:15"},
			{outcome: Voice, business: "Sale", agent: "a1", close: true, reason: "wrap-up Sale closes the contact"},
		}},
		{name: "answer-machine twice closes", in: seed, steps: []step{
			{outcome: AnswerMachine, in: 15 * time.Minute, prio: -1},
			{outcome: AnswerMachine, close: true, reason: "answer-machine has no retry left (max retry 1); the rule closes the contact"},
		}},
		{name: "Callback Requested is retried three times and the fourth closes", in: seed, steps: []step{
			{outcome: Voice, business: "Callback Requested", in: 5 * time.Minute, reason: "retried 1 of 3", check: isCallback},
			{outcome: Voice, business: "Callback Requested", in: 5 * time.Minute, reason: "retried 2 of 3", check: isCallback},
			{outcome: Voice, business: "Callback Requested", in: 5 * time.Minute, reason: "retried 3 of 3", check: isCallback},
			{outcome: Voice, business: "Callback Requested", close: true, reason: "no retry left (max retry 3); the campaign has no retry cycles"},
		}},
		{name: "the seed's success wrap-ups close at once: they have close contact", in: seed, steps: []step{
			{outcome: Voice, business: "pending case", close: true, reason: "wrap-up Pending Case closes the contact"},
		}},
		{name: "the seed spells Error with a capital", in: seed, steps: []step{
			{outcome: "error", in: 15 * time.Minute, prio: -1},
			{outcome: "", close: true, reason: "error has no retry left"},
		}},
		{name: "voice without a wrap-up follows the voice rule", in: seed, steps: []step{
			{outcome: Voice, agent: "a1", in: 0, prio: -1, reason: "voice retried 1 of 1"},
			{outcome: Voice, agent: "a1", close: true, reason: "voice has no retry left"},
		}},
		{name: "an unknown wrap-up falls back to the voice rule", in: seed, steps: []step{
			{outcome: Voice, business: "Gone Fishing", in: 0, prio: -1, reason: `wrap-up "Gone Fishing" has no business outcome rule`},
		}},
		{name: "a wrap-up after no answer does not decide", in: seed, steps: []step{
			{outcome: AnswerMachine, business: "Campaign-WrapUp", in: 15 * time.Minute, prio: -1, reason: "ignored: only a voice attempt's wrap-up decides"},
		}},
		{name: "an outcome without a rule waits the default delay, without end", in: seed, steps: []step{
			{outcome: Busy, in: 15 * time.Minute, reason: "no rule for busy"},
			{outcome: NoAnswer, in: 15 * time.Minute, reason: "no rule for no-answer"},
			{outcome: Busy, in: 15 * time.Minute},
			{outcome: Skipped, in: 15 * time.Minute, check: func(t *testing.T, d Decision) {
				require.Equal(t, map[string]int{Busy: 2, NoAnswer: 1, Skipped: 1}, d.Counters.PerOutcome)
				require.Equal(t, 4, d.Counters.Global)
			}},
		}},
		{name: "the campaign's default delay", in: with(seed, func(in *Input) { in.Caps.DefaultDelay = ptr(MustDelay("0:2:30")) }), steps: []step{
			{outcome: Busy, in: 2*time.Hour + 30*time.Minute},
		}},
		{name: "skipped follows its rule like any outcome", in: with(seed, func(in *Input) {
			in.Rules = append(in.Rules, Rule{Outcome: "Skipped", Reschedule: MustDelay("0:0:1"), MaxRetry: 2, Priority: 3})
		}), steps: []step{
			{outcome: Skipped, agent: "a1", in: time.Minute, prio: 3},
			{outcome: Skipped, agent: "a2", in: time.Minute, prio: 3},
			{outcome: Skipped, agent: "a1", close: true, reason: "skipped has no retry left (max retry 2); the campaign has no retry cycles"},
		}},
	}
	for _, sc := range cases {
		t.Run(sc.name, func(t *testing.T) { play(t, sc) })
	}
}

func isCallback(t *testing.T, d Decision) { require.True(t, d.Callback, d.Reason) }

// TestDecideBusinessOutcomes: "close contact" alone closes; a success
// without it reschedules the way any wrap-up does (DOMAIN.md).
func TestDecideBusinessOutcomes(t *testing.T) {
	followUp := BusinessRule{Name: "Follow-Up", Success: true, Reschedule: MustDelay("1:0:0"), MaxRetry: 1, Priority: 2}
	sale := BusinessRule{Name: "Sale", Success: true}
	lost := BusinessRule{Name: "Lost", CloseContact: true}
	base := Input{Rules: krisCS(), Business: []BusinessRule{followUp, sale, lost}, Modes: []string{"Mobile"}}
	cycles := with(base, func(in *Input) { in.Caps.CycleRetry, in.Caps.CycleInterval = 1, MustDelay("0:6:0") })
	day := 24 * time.Hour
	cases := []scenario{
		{name: "a success without close contact is retried after its delay, at its priority", in: base, steps: []step{
			{outcome: Voice, business: "Follow-Up", agent: "a1", in: day, prio: 2, reason: "wrap-up Follow-Up retried 1 of 1 time(s); due in 1:0:0", check: isCallback},
			{outcome: Voice, business: "Follow-Up", agent: "a1", close: true, reason: "wrap-up Follow-Up has no retry left (max retry 1); the campaign has no retry cycles"},
		}},
		{name: "an exhausted success without close contact ends the pass: a cycle follows", in: cycles, steps: []step{
			{outcome: Voice, business: "Follow-Up", agent: "a1", in: day, prio: 2},
			{outcome: Voice, business: "Follow-Up", agent: "a1", in: 6 * time.Hour, reason: "retry cycle 1 of 1"},
			{outcome: Voice, business: "Follow-Up", agent: "a1", in: day, prio: 2},
		}},
		{name: "a success with max retry 0 and no close contact is not a close", in: cycles, steps: []step{
			{outcome: Voice, business: "Sale", agent: "a1", in: 6 * time.Hour, reason: "wrap-up Sale has no retry left (max retry 0)"},
		}},
		{name: "a failure with close contact closes", in: base, steps: []step{
			{outcome: Voice, business: "Lost", agent: "a1", close: true, reason: "wrap-up Lost closes the contact"},
		}},
	}
	for _, sc := range cases {
		t.Run(sc.name, func(t *testing.T) { play(t, sc) })
	}
}

func with(in Input, f func(*Input)) Input {
	in.Rules = append([]Rule(nil), in.Rules...)
	in.Business = append([]BusinessRule(nil), in.Business...)
	in.Modes = append([]string(nil), in.Modes...)
	f(&in)
	return in
}

func TestDecideModes(t *testing.T) {
	noAnswerNext := Rule{Outcome: NoAnswer, Reschedule: MustDelay("0:0:30"), MaxRetry: 1, Priority: 2, BranchMode: "next_mode"}
	busyStay := Rule{Outcome: Busy, Reschedule: MustDelay("0:0:10"), MaxRetry: 0, BranchMode: "Default"}
	invalid := Rule{Outcome: InvalidNumber, MaxRetry: 0, RemoveMode: true}
	faxOnce := Rule{Outcome: Fax, Reschedule: MustDelay("0:1:0"), MaxRetry: 1, RemoveMode: true}
	twoModes := Input{Rules: []Rule{noAnswerNext, busyStay, invalid, faxOnce}, Modes: []string{"Mobile", "Home"}}
	cycles := with(twoModes, func(in *Input) { in.Caps.CycleRetry, in.Caps.CycleInterval = 1, MustDelay("1:0:0") })
	day := 24 * time.Hour

	cases := []scenario{
		{name: "next_mode moves Mobile to Home, then closes", in: twoModes, steps: []step{
			{outcome: NoAnswer, in: 30 * time.Minute, next: "Mobile", prio: 2},
			{outcome: NoAnswer, in: 30 * time.Minute, next: "Home", prio: 2, reason: "moving from Mobile to Home", check: func(t *testing.T, d Decision) {
				require.Empty(t, d.Counters.PerOutcome, "a new number gets the retries afresh")
			}},
			{outcome: NoAnswer, in: 30 * time.Minute, next: "Home", prio: 2},
			{outcome: NoAnswer, close: true, reason: "no-answer has no retry left (max retry 1); the campaign has no retry cycles"},
		}},
		{name: "next_mode waits for a cycle back on Mobile, then closes", in: cycles, steps: []step{
			{outcome: NoAnswer, in: 30 * time.Minute, next: "Mobile", prio: 2},
			{outcome: NoAnswer, in: 30 * time.Minute, next: "Home", prio: 2},
			{outcome: NoAnswer, in: 30 * time.Minute, next: "Home", prio: 2},
			{outcome: NoAnswer, in: day, next: "Mobile", reason: "retry cycle 1 of 1 starts on Mobile; due in 1:0:0", check: func(t *testing.T, d Decision) {
				require.Equal(t, 1, d.Counters.Cycle)
			}},
			{outcome: NoAnswer, in: 30 * time.Minute, next: "Mobile", prio: 2},
			{outcome: NoAnswer, in: 30 * time.Minute, next: "Home", prio: 2},
			{outcome: NoAnswer, in: 30 * time.Minute, next: "Home", prio: 2},
			{outcome: NoAnswer, close: true, reason: "all 1 retry cycle(s) used"},
		}},
		{name: "default branch ends the pass on the spot", in: cycles, steps: []step{
			{outcome: Busy, in: day, next: "Mobile", reason: "busy has no retry left (max retry 0); retry cycle 1 of 1"},
			{outcome: Busy, close: true},
		}},
		{name: "a cycle starts again at the first mode", in: cycles, steps: []step{
			{outcome: NoAnswer, in: 30 * time.Minute, next: "Mobile", prio: 2},
			{outcome: NoAnswer, in: 30 * time.Minute, next: "Home", prio: 2},
			{outcome: Busy, in: day, next: "Mobile"},
		}},
		{name: "remove mode drops the number and moves on, then has none left", in: twoModes, steps: []step{
			{outcome: InvalidNumber, in: 0, next: "Home", reason: "Mobile number removed; moving from Mobile to Home", check: func(t *testing.T, d Decision) {
				require.Equal(t, []string{"Mobile"}, d.Counters.Removed)
			}},
			{outcome: InvalidNumber, close: true, reason: "no dialable number left", check: func(t *testing.T, d Decision) {
				require.Equal(t, []string{"Mobile", "Home"}, d.Counters.Removed)
			}},
		}},
		{name: "remove mode waits for the outcome's retries", in: twoModes, steps: []step{
			{outcome: Fax, in: time.Hour, next: "Mobile"},
			{outcome: Fax, in: time.Hour, next: "Home"},
		}},
		{name: "a removed number is left out of the next cycle", in: cycles, steps: []step{
			{outcome: NoAnswer, in: 30 * time.Minute, next: "Mobile", prio: 2},
			{outcome: NoAnswer, in: 30 * time.Minute, next: "Home", prio: 2},
			{outcome: InvalidNumber, in: day, next: "Mobile", reason: "Home number removed; retry cycle 1 of 1 starts on Mobile"},
			{outcome: InvalidNumber, close: true, reason: "no dialable number left"},
		}},
		{name: "a contact whose only number is removed closes however many cycles remain", in: with(cycles, func(in *Input) { in.Modes = []string{"Office"} }), steps: []step{
			{outcome: InvalidNumber, close: true, reason: "Office number removed; no dialable number left"},
		}},
		{name: "a removed mode in the counters is skipped", in: with(twoModes, func(in *Input) {
			in.Counters.Removed = []string{"Mobile"}
		}), steps: []step{
			{mode: "Home", outcome: NoAnswer, in: 30 * time.Minute, next: "Home", prio: 2},
			{outcome: NoAnswer, close: true},
		}},
	}
	for _, sc := range cases {
		t.Run(sc.name, func(t *testing.T) { play(t, sc) })
	}
}

func TestDecideCaps(t *testing.T) {
	chicago := mustLoc(t, "America/Chicago")
	base := Input{Rules: krisCS(), Business: wrapupCode(), Modes: []string{"Mobile"}}
	global := with(base, func(in *Input) { in.Caps.GlobalRetry = ptr(3) })
	daily := with(base, func(in *Input) { in.Caps.DailyRetry, in.Loc = ptr(2), chicago })
	local := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, chicago) }
	q := 15 * time.Minute
	dailyCount := func(n int, date string) func(*testing.T, Decision) {
		return func(t *testing.T, d Decision) {
			require.Equal(t, n, d.Counters.Daily)
			require.Equal(t, date, d.Counters.DailyDate)
		}
	}

	cases := []scenario{
		{name: "the global cap closes", in: global, steps: []step{
			{outcome: Busy, in: q},
			{outcome: Busy, in: q},
			{outcome: Busy, close: true, reason: "no rule for busy: retried under the campaign caps; due in 0:0:15; closed instead: the global retry cap of 3 attempt(s) is reached"},
		}},
		{name: "an abandoned call is not followed by another within the abandoned delay", in: with(base, func(in *Input) {
			in.Caps.AbandonedDelay = &Delay{Days: 3}
		}), steps: []step{
			{outcome: Abandoned, in: 72 * time.Hour, reason: "no rule for abandoned: retried under the campaign caps; due in 0:0:15; an abandoned call is not followed by another within 3:0:0"},
			{outcome: Busy, in: q},
		}},
		{name: "the global cap of 0 closes after the first attempt", in: with(base, func(in *Input) { in.Caps.GlobalRetry = ptr(0) }), steps: []step{
			{outcome: Busy, close: true, reason: "global retry cap of 0"},
		}},
		{name: "the daily cap waits for local midnight, across spring forward", in: daily, start: local(2026, 3, 7, 20, 0), steps: []step{
			{outcome: Busy, in: q, check: dailyCount(1, "2026-03-07")},
			{outcome: Busy, dueAt: time.Date(2026, 3, 8, 6, 0, 0, 0, time.UTC), reason: "daily retry cap of 2 reached for 2026-03-07: due at the start of 2026-03-08"},
			{outcome: Busy, in: q, check: dailyCount(1, "2026-03-08")},
			// 2026-03-08 has 23 hours in Chicago: midnight CDT is 05:00 UTC.
			{outcome: Busy, dueAt: time.Date(2026, 3, 9, 5, 0, 0, 0, time.UTC), check: dailyCount(2, "2026-03-08")},
			{outcome: Busy, in: q, check: dailyCount(1, "2026-03-09")},
		}},
		{name: "the daily cap across fall back", in: daily, start: local(2026, 10, 31, 23, 0), steps: []step{
			{outcome: Busy, in: q},
			{outcome: Busy, dueAt: time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC)},
			{outcome: Busy, wait: 90 * time.Minute, in: q},                       // 01:30 CDT
			{outcome: Busy, dueAt: time.Date(2026, 11, 2, 6, 0, 0, 0, time.UTC)}, // a 25-hour day
		}},
		{name: "a delay that lands on the next day needs no push", in: daily, start: local(2026, 3, 2, 23, 30), steps: []step{
			{outcome: Busy, in: q},
			{outcome: Busy, in: q, check: dailyCount(2, "2026-03-02")},
		}},
		{name: "a daily cap of 0 allows nothing", in: with(base, func(in *Input) { in.Caps.DailyRetry = ptr(0) }), steps: []step{
			{outcome: Busy, close: true, reason: "daily retry cap of 0"},
		}},
		{name: "without reset a callback is held by the global cap", in: global, steps: []step{
			{outcome: NoAnswer, in: q},
			{outcome: NoAnswer, in: q},
			{outcome: Voice, business: "Callback Requested", agent: "a1", close: true, reason: "global retry cap of 3"},
		}},
		{name: "reset on callback: global and daily start again with each callback", in: with(global, func(in *Input) {
			in.Caps.ResetOnCallback, in.Caps.DailyRetry = true, ptr(3)
		}), steps: []step{
			{outcome: NoAnswer, in: q},
			{outcome: NoAnswer, in: q},
			{outcome: Voice, business: "Callback Requested", agent: "a1", in: 5 * time.Minute, reason: "global and daily retries reset", check: func(t *testing.T, d Decision) {
				require.Equal(t, 0, d.Counters.Global)
				require.Equal(t, 0, d.Counters.Daily)
				require.True(t, d.Callback)
			}},
			// Failed callback attempts are still the callback's, and count.
			{outcome: NoAnswer, in: q, check: func(t *testing.T, d Decision) { require.True(t, d.Callback) }},
			{outcome: NoAnswer, in: q},
			// A new callback request resets again.
			{outcome: Voice, business: "Callback Requested", agent: "a1", in: 5 * time.Minute, check: func(t *testing.T, d Decision) {
				require.Equal(t, 0, d.Counters.Global)
			}},
			{outcome: NoAnswer, in: q},
			{outcome: NoAnswer, in: q},
			{outcome: NoAnswer, close: true, reason: "global retry cap of 3"},
		}},
		// A preview campaign whose no-answer rule retains the agent: each
		// agent who fails to reach a callback makes it personal again. That
		// is still the one callback the person asked for.
		{name: "reset once per callback grant: its later attempts do not reset again", in: with(global, func(in *Input) {
			in.Caps.ResetOnCallback = true
			in.Rules = append(in.Rules, Rule{Outcome: NoAnswer, Reschedule: MustDelay("0:0:15"), MaxRetry: 5, RetainPCB: true})
		}), steps: []step{
			{outcome: Voice, business: "Callback Requested", agent: "a1", in: 5 * time.Minute, reason: "global and daily retries reset", check: globalCount(0)},
			{outcome: NoAnswer, agent: "a2", in: q, pcb: "a2", check: globalCount(1)},
			{outcome: NoAnswer, agent: "a2", in: q, reason: "is now a normal callback", check: globalCount(2)},
			{outcome: NoAnswer, agent: "a1", close: true, reason: "global retry cap of 3"},
		}},
		{name: "a personal callback made by a telephony rule is a grant: one reset", in: with(global, func(in *Input) {
			in.Caps.ResetOnCallback = true
			in.Rules = append(in.Rules, Rule{Outcome: NoAnswer, Reschedule: MustDelay("0:0:15"), MaxRetry: 5, RetainPCB: true})
		}), steps: []step{
			{outcome: Busy, in: q, check: globalCount(1)},
			{outcome: NoAnswer, agent: "a1", in: q, pcb: "a1", reason: "global and daily retries reset", check: globalCount(0)},
			{outcome: NoAnswer, agent: "a1", in: q, check: globalCount(1)},
			{outcome: NoAnswer, agent: "a2", in: q, pcb: "a2", check: globalCount(2)},
			{outcome: NoAnswer, agent: "a2", close: true, reason: "global retry cap of 3"},
		}},
		{name: "the person reached and asking again is a new grant", in: with(global, func(in *Input) {
			in.Caps.ResetOnCallback, in.Caps.AttemptsToReachAgent = true, 3
			in.Business = append(in.Business, personalCallback)
		}), steps: []step{
			{outcome: Voice, business: "Personal Callback", agent: "a1", in: time.Hour, pcb: "a1", check: globalCount(0)},
			{outcome: NoAnswer, in: q, pcb: "a1", check: globalCount(1)},
			// Reached by another agent while a1's personal callback is still
			// pending: the person asked again, so the counts start again.
			{outcome: Voice, business: "Callback Requested", agent: "a2", in: 5 * time.Minute, pcb: "a1", reason: "global and daily retries reset", check: globalCount(0)},
		}},
	}
	for _, sc := range cases {
		t.Run(sc.name, func(t *testing.T) { play(t, sc) })
	}
}

func globalCount(n int) func(*testing.T, Decision) {
	return func(t *testing.T, d Decision) { require.Equal(t, n, d.Counters.Global, d.Reason) }
}

func TestDecideCallbacks(t *testing.T) {
	base := Input{Rules: krisCS(), Business: append(wrapupCode(), personalCallback), Modes: []string{"Mobile"}}
	retries := func(n int) Input {
		return with(base, func(in *Input) { in.Caps.PCBToNCB, in.Caps.AttemptsToReachAgent = "retries", n })
	}
	duration := with(base, func(in *Input) { in.Caps.PCBToNCB, in.Caps.PCBToNCBAfter = "duration", MustDelay("0:2:0") })
	q := 15 * time.Minute
	since := func(at time.Time) func(*testing.T, Decision) {
		return func(t *testing.T, d Decision) { require.True(t, at.Equal(d.Counters.PCBSince), d.Counters.PCBSince) }
	}
	until := func(at time.Time) func(*testing.T, Decision) {
		return func(t *testing.T, d Decision) { require.True(t, at.Equal(d.PCBUntil), d.PCBUntil) }
	}

	cases := []scenario{
		{name: "PCB becomes NCB after the attempts to reach the agent", in: retries(2), steps: []step{
			{outcome: Voice, business: "Personal Callback", agent: "a1", in: time.Hour, pcb: "a1", reason: "personal callback for agent a1", check: isCallback},
			{outcome: NoAnswer, in: q, pcb: "a1", reason: "still a personal callback for agent a1 (1 attempt(s)"},
			{outcome: NoAnswer, in: q, pcb: "", reason: "personal callback for agent a1 is now a normal callback: 2 attempt(s) did not reach the agent", check: isCallback},
		}},
		{name: "one attempt to reach the agent unless set", in: base, steps: []step{
			{outcome: Voice, business: "Personal Callback", agent: "a1", in: time.Hour, pcb: "a1"},
			{outcome: Voice, business: "Personal Callback", agent: "a2", in: time.Hour, pcb: "", reason: "is now a normal callback"},
		}},
		{name: "the agent reaching the contact keeps the callback", in: retries(1), steps: []step{
			{outcome: Voice, business: "Personal Callback", agent: "a1", in: time.Hour, pcb: "a1"},
			{outcome: Voice, business: "Personal Callback", agent: "a1", in: time.Hour, pcb: "a1", check: since(t0.Add(time.Hour))},
			{outcome: Voice, business: "Sale", agent: "a1", close: true},
		}},
		{name: "PCB becomes NCB after the duration, by the due time", in: duration, steps: []step{
			{outcome: Voice, business: "Personal Callback", agent: "a1", in: time.Hour, pcb: "a1", check: until(t0.Add(2 * time.Hour))},
			{outcome: NoAnswer, in: q, pcb: "a1", check: until(t0.Add(2 * time.Hour))},
			// Due at t0+2h, when the callback is no longer personal.
			{outcome: NoAnswer, wait: 30 * time.Minute, in: q, pcb: "", reason: "is a normal callback by then: 0:2:0 elapsed"},
		}},
		{name: "PCB becomes NCB after the duration, at the attempt", in: duration, steps: []step{
			{outcome: Voice, business: "Personal Callback", agent: "a1", in: time.Hour, pcb: "a1"},
			{outcome: Busy, wait: 3 * time.Hour, in: q, pcb: "", reason: "is now a normal callback: 0:2:0 elapsed"},
		}},
		{name: "a telephony rule with retain PCB keeps the preview agent's contact, once", in: with(retries(1), func(in *Input) {
			in.Rules = append(in.Rules, Rule{Outcome: NoAnswer, Reschedule: MustDelay("0:0:20"), MaxRetry: 5, RetainPCB: true})
		}), steps: []step{
			{outcome: NoAnswer, agent: "a1", in: 20 * time.Minute, pcb: "a1"},
			// The failure lapses it; the rule may not make it personal again.
			{outcome: NoAnswer, agent: "a1", in: 20 * time.Minute, pcb: ""},
		}},
		{name: "no agent, no personal callback", in: with(base, func(in *Input) {
			in.Rules = append(in.Rules, Rule{Outcome: NoAnswer, Reschedule: MustDelay("0:0:20"), MaxRetry: 5, RetainPCB: true})
		}), steps: []step{
			{outcome: NoAnswer, in: 20 * time.Minute, pcb: "", check: func(t *testing.T, d Decision) { require.False(t, d.Callback) }},
		}},
	}
	for _, sc := range cases {
		t.Run(sc.name, func(t *testing.T) { play(t, sc) })
	}
}

func TestDecideDoesNotChangeItsInput(t *testing.T) {
	in := Input{
		Rules: []Rule{{Outcome: NoAnswer, MaxRetry: 1, BranchMode: BranchNextMode}, {Outcome: Fax, RemoveMode: true}},
		Modes: []string{"Mobile", "Home", "Office"},
		Counters: Counters{
			PerOutcome:  map[string]int{NoAnswer: 1},
			PerBusiness: map[string]int{"Callback Requested": 1},
			Removed:     make([]string, 1, 4), // room to append in place
			Global:      2, Daily: 2, DailyDate: "2026-03-02",
		},
		Attempt: Attempt{Mode: "Home", Outcome: NoAnswer, At: t0},
	}
	in.Counters.Removed[0] = "Mobile"
	for _, o := range []string{NoAnswer, Fax} {
		in.Attempt.Outcome = o
		before, err := json.Marshal(in)
		require.NoError(t, err)
		d := Decide(in)
		after, err := json.Marshal(in)
		require.NoError(t, err)
		require.JSONEq(t, string(before), string(after))
		require.Empty(t, in.Counters.Removed[:2][1], "Decide appended into the caller's array")
		require.False(t, d.Close, d.Reason)
	}
}

func TestDecideStateSurvivesJSON(t *testing.T) {
	// Counters live in workflow state and PostgreSQL: a JSON round trip
	// between attempts must not change a decision.
	in := Input{Rules: krisCS(), Business: append(wrapupCode(), personalCallback), Modes: []string{"Mobile", "Home"},
		Caps: Caps{GlobalRetry: ptr(9), DailyRetry: ptr(4), PCBToNCB: PCBToNCBDuration, PCBToNCBAfter: MustDelay("0:3:0")}}
	at := t0
	var direct, stored Counters
	for _, a := range []Attempt{
		{Outcome: AnswerMachine}, {Outcome: Voice, Business: "Personal Callback", Agent: "a1"}, {Outcome: Busy}, {Outcome: Voice, Business: "Callback Requested", Agent: "a1"},
	} {
		a.Mode, a.At = "Mobile", at
		in.Attempt, in.Counters = a, direct
		d1 := Decide(in)
		in.Counters = stored
		d2 := Decide(in)
		require.Equal(t, d1.Reason, d2.Reason)
		require.True(t, d1.DueAt.Equal(d2.DueAt))
		b, err := json.Marshal(d2.Counters)
		require.NoError(t, err)
		stored = Counters{}
		require.NoError(t, json.Unmarshal(b, &stored))
		direct, at = d1.Counters, d1.DueAt
	}
}

func TestDecideZeroInput(t *testing.T) {
	d := Decide(Input{})
	require.False(t, d.Close)
	require.Equal(t, "no rule for error: retried under the campaign caps; due in 0:0:15", d.Reason)
	require.Equal(t, 15*time.Minute, d.DueAt.Sub(time.Time{}))
}

func TestStartOfNextDay(t *testing.T) {
	cases := []struct {
		zone string
		at   time.Time // in UTC
		want time.Time // in UTC
	}{
		{"UTC", time.Date(2026, 3, 2, 23, 59, 0, 0, time.UTC), time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)},
		{"America/Chicago", time.Date(2026, 3, 8, 4, 0, 0, 0, time.UTC), time.Date(2026, 3, 8, 6, 0, 0, 0, time.UTC)},
		{"America/Chicago", time.Date(2026, 3, 8, 6, 0, 0, 0, time.UTC), time.Date(2026, 3, 9, 5, 0, 0, 0, time.UTC)},
		{"America/Chicago", time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC), time.Date(2026, 11, 2, 6, 0, 0, 0, time.UTC)},
		// Havana springs forward at midnight: 2024-03-10 begins at 01:00 CDT.
		{"America/Havana", time.Date(2024, 3, 9, 20, 0, 0, 0, time.UTC), time.Date(2024, 3, 10, 5, 0, 0, 0, time.UTC)},
		// Apia skipped 2011-12-30 altogether: the next day is the 31st.
		{"Pacific/Apia", time.Date(2011, 12, 29, 20, 0, 0, 0, time.UTC), time.Date(2011, 12, 30, 10, 0, 0, 0, time.UTC)},
		{"Asia/Kolkata", time.Date(2026, 3, 2, 18, 29, 0, 0, time.UTC), time.Date(2026, 3, 2, 18, 30, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		t.Run(c.zone+" "+c.at.Format(time.RFC3339), func(t *testing.T) {
			loc := mustLoc(t, c.zone)
			got := startOfNextDay(c.at, loc)
			require.True(t, c.want.Equal(got), "got %s (%s), want %s", got, got.UTC(), c.want)
			require.Greater(t, localDate(got, loc), localDate(c.at, loc))
			require.Less(t, localDate(got.Add(-time.Second), loc), localDate(got, loc), "the instant before is still the day before")
		})
	}
}
