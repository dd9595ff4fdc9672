package strategy

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// bytesIn hands out small choices from fuzz data; exhausted data gives 0,
// so every input is a complete scenario.
type bytesIn []byte

func (b *bytesIn) n(k int) int {
	if len(*b) == 0 || k <= 1 {
		return 0
	}
	v := int((*b)[0])
	*b = (*b)[1:]
	return v % k
}

func pick[T any](b *bytesIn, vs ...T) T { return vs[b.n(len(vs))] }

var (
	fuzzZones  = []string{"UTC", "America/Chicago", "America/Havana", "Pacific/Apia", "Asia/Kolkata", "Australia/Lord_Howe"}
	fuzzDelays = []Delay{{}, {Minutes: 5}, {Minutes: 15}, {Hours: 3}, {Days: 1}, {Hours: 23, Minutes: 59}, {Minutes: -5}}
	fuzzWaits  = []time.Duration{0, 0, time.Minute, 2 * time.Hour, 25 * time.Hour}
)

func fuzzInput(b *bytesIn, locs map[string]*time.Location) (Input, time.Time) {
	in := Input{Modes: []string{"Mobile", "Home", "Office"}[:1+b.n(3)]}
	in.Loc = locs[pick(b, fuzzZones...)]
	for _, o := range TelephonyOutcomes {
		if b.n(3) == 0 {
			continue
		}
		in.Rules = append(in.Rules, Rule{
			Outcome: o, Reschedule: pick(b, fuzzDelays...), MaxRetry: b.n(4) - b.n(2), Priority: b.n(3) - 1,
			BranchMode: pick(b, BranchDefault, BranchNextMode, "Next Mode", ""),
			RetainPCB:  b.n(4) == 0, CloseContact: b.n(2) == 0, RemoveMode: b.n(4) == 0,
		})
	}
	in.Business = wrapupCode()
	in.Business = append(in.Business, BusinessRule{
		Name: "Personal Callback", Reschedule: pick(b, fuzzDelays...), MaxRetry: b.n(4), Priority: 1,
		RetainPCB: b.n(3) != 0, CloseContact: b.n(5) == 0, Success: b.n(5) == 0,
	})
	capOf := func() *int {
		if b.n(3) == 0 {
			return nil
		}
		return ptr(b.n(6))
	}
	in.Caps = Caps{
		GlobalRetry: capOf(), DailyRetry: capOf(), CycleRetry: b.n(3), CycleInterval: pick(b, fuzzDelays...),
		ResetOnCallback: b.n(2) == 0, PCBToNCB: pick(b, "", PCBToNCBRetries, PCBToNCBDuration),
		AttemptsToReachAgent: b.n(4), PCBToNCBAfter: pick(b, fuzzDelays...),
	}
	if b.n(2) == 0 {
		in.Caps.DefaultDelay = ptr(pick(b, fuzzDelays...))
	}
	// Start near Chicago's spring-forward night so daily caps meet it.
	return in, time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC).Add(time.Duration(b.n(64)) * time.Hour)
}

// FuzzDecide plays a random strategy against random outcomes and checks,
// with its own counts, that the decisions never allow an attempt beyond a
// cap or a max retry, never schedule in the past, and never change the
// caller's counters.
func FuzzDecide(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 40 {
		seed := make([]byte, 200)
		for i := range seed {
			seed[i] = byte(r.IntN(256))
		}
		f.Add(seed)
	}
	f.Add([]byte{})
	locs := map[string]*time.Location{}
	for _, z := range fuzzZones {
		locs[z] = mustLoc(f, z)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b := bytesIn(data)
		in, at := fuzzInput(&b, locs)
		caps := in.Caps
		counters, mode := Counters{}, in.Modes[0]
		// The test's own counts. total and perDay restart where the
		// contact becomes a callback under "reset daily and global retries".
		total, perDay := 0, map[string]int{}
		perOutcome, perBusiness := map[string]int{}, map[string]int{}
		for step := range 60 {
			a := Attempt{
				Mode:     mode,
				Outcome:  pick(&b, append([]string{"", "Error", "mystery"}, TelephonyOutcomes...)...),
				Business: pick(&b, "", "", "Sale", "Callback Requested", "Personal Callback", "unknown"),
				Agent:    pick(&b, "", "a1", "a2"),
				At:       at,
			}
			outcome := canonicalOutcome(a.Outcome)
			total++
			day := localDate(at, in.Loc)
			perDay[day]++
			if step > 0 { // the first attempt is the caller's, not a decision's
				if caps.GlobalRetry != nil {
					require.LessOrEqual(t, total, *caps.GlobalRetry, "global cap")
				}
				if caps.DailyRetry != nil {
					require.LessOrEqual(t, perDay[day], *caps.DailyRetry, "daily cap on %s", day)
				}
			}

			x := in
			x.Attempt, x.Counters = a, counters
			before, err := json.Marshal(counters)
			require.NoError(t, err)
			d := Decide(x)
			require.Equal(t, d, Decide(x), "deterministic")
			after, err := json.Marshal(counters)
			require.NoError(t, err)
			require.JSONEq(t, string(before), string(after), "the caller's counters changed")

			// Which rule decided, by the test's own reading of the rules.
			var limit = -1
			var count int
			business, rescheduledByWrapup := "", false
			if outcome == Voice && a.Business != "" && a.Business != "unknown" {
				business = a.Business
			}
			if business != "" {
				i := slices.IndexFunc(in.Business, func(r BusinessRule) bool { return r.Name == business })
				br := in.Business[i]
				perBusiness[business]++
				count, limit = perBusiness[business], max(br.MaxRetry, 0)
				if br.CloseContact {
					require.True(t, d.Close, "wrap-up %s must close: %s", business, d.Reason)
				} else if count <= limit && d.Close {
					// Close contact alone closes, success or not: only a cap may.
					require.Contains(t, d.Reason, "closed instead", "wrap-up %s (success %v) without close contact closed: %s", business, br.Success, d.Reason)
				}
				rescheduledByWrapup = count <= limit && !d.Close
			} else if i := slices.IndexFunc(in.Rules, func(r Rule) bool { return r.Outcome == outcome }); i >= 0 {
				perOutcome[outcome]++
				count, limit = perOutcome[outcome], max(in.Rules[i].MaxRetry, 0)
			}
			if d.Close {
				require.True(t, d.DueAt.IsZero())
				return
			}
			sameSegment := d.Mode == a.Mode && d.Counters.Cycle == counters.Cycle
			if limit >= 0 && count > limit {
				require.False(t, sameSegment, "retried past max retry %d (count %d): %s", limit, count, d.Reason)
			}
			require.False(t, d.DueAt.Before(at), "due %s before the attempt at %s: %s", d.DueAt, at, d.Reason)
			require.Contains(t, in.Modes, d.Mode)
			require.NotContains(t, d.Counters.Removed, d.Mode)
			require.LessOrEqual(t, d.Counters.Cycle, caps.CycleRetry)
			require.NotEmpty(t, d.Reason)
			if d.PCBAgent != "" {
				require.Contains(t, []string{"a1", "a2"}, d.PCBAgent)
				require.True(t, d.Callback)
				if caps.PCBToNCB == PCBToNCBDuration {
					require.True(t, d.PCBUntil.After(d.DueAt))
				} else {
					require.Less(t, d.Counters.PCBFailures, max(caps.AttemptsToReachAgent, 1))
				}
			}

			// Follow the decision as the workflow would.
			if d.Counters.Cycle != counters.Cycle {
				perOutcome, perBusiness = map[string]int{}, map[string]int{}
			} else if d.Mode != a.Mode {
				perOutcome = map[string]int{}
			}
			// Every attempt counts, so a Global of 0 shows a reset: only
			// allowed with "reset daily and global retries", once per
			// callback grant, and due at each. A grant is a wrap-up
			// reschedule or the contact becoming a callback; an attempt
			// that did not reach the person while the contact was already
			// a callback is that callback's, not a grant.
			becameCallback := !counters.Callback && d.Callback
			if reset := d.Counters.Global == 0; reset {
				require.True(t, caps.ResetOnCallback && d.Callback, d.Reason)
				require.True(t, rescheduledByWrapup || becameCallback || outcome == Voice, "reset by an attempt of a pending callback: %s", d.Reason)
				require.Zero(t, d.Counters.Daily)
				total, perDay = 0, map[string]int{}
			} else {
				require.False(t, caps.ResetOnCallback && rescheduledByWrapup, "no reset after a wrap-up reschedule: %s", d.Reason)
				require.False(t, caps.ResetOnCallback && becameCallback, "no reset on becoming a callback: %s", d.Reason)
			}
			counters, mode = d.Counters, d.Mode
			at = d.DueAt.Add(pick(&b, fuzzWaits...))
		}
	})
}
