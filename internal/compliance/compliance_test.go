package compliance

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/internal/compliance/oracle"
)

// defaultSeed makes a run reproducible; OUTDIAL_COMPLIANCE_SEED picks
// another.
const defaultSeed = 20261101

func seed(t *testing.T) uint64 {
	if v := os.Getenv("OUTDIAL_COMPLIANCE_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		require.NoError(t, err, "OUTDIAL_COMPLIANCE_SEED")
		return n
	}
	return defaultSeed
}

// world are features of the simulated world; TestCompliance runs them all
// (each joined it once production passed it).
type world struct {
	// dialLatency: a dial request leaves a moment after its attempt is
	// recorded, and now and then minutes later (a retried dial, a worker
	// that died), within models.RingingAtMost. The frequency caps count a
	// call from when its request left.
	dialLatency bool
	// lateDials: with dialLatency, the dial request left late would leave
	// up to 20 minutes after its attempt was recorded. The pacer stops
	// counting an attempt not dialed RingingAtMost after it was recorded,
	// and gives its line to another call, so Dial refuses such a request
	// (TestLateDialKeepsItsLine).
	lateDials bool
	// longCalls: now and then a conversation outlasts the workflow's
	// 30-minute wait for its wrap-up, by up to half an hour; the attempt
	// then ends while the call is still on, which must keep its number
	// (TestLongCallKeepsItsNumber).
	longCalls bool
	// callsOverAnHour: with longCalls, a long conversation lasts up to 75
	// minutes, past the hour that bounds an attempt whose end was lost
	// (TestCallOverAnHourKeepsItsNumber).
	callsOverAnHour bool
	// declaredZones: contacts whose file names a zone other than their
	// numbers' (issue 13, finding 13): both windows must be open.
	declaredZones bool
	// zoneAliases: numbers in zones known by another name, or covered by a
	// configured zone of another name (issue 13, finding 1).
	zoneAliases bool
	// nightDailyCap: the campaign that dials around the clock has a daily
	// cap, whose days the decision after a call counts in the contact's
	// real zone across a fall-back night (issue 13, finding 2;
	// TestDailyCapHoldsAcrossTheFallBack).
	nightDailyCap bool
}

// everything is the world TestCompliance runs: every feature production
// passes.
var everything = world{dialLatency: true, lateDials: true, longCalls: true, callsOverAnHour: true, declaredZones: true, zoneAliases: true, nightDailyCap: true}

// simulate runs the scenario over each period in w and has the oracle
// check every dial request; it returns how many it checked.
func simulate(t *testing.T, w world, n size) int {
	sd := seed(t)
	dials := 0
	for i, p := range periods {
		rng := rand.New(rand.NewPCG(sd, uint64(i)))
		s, err := newSim(newScenario(p, n, w, rng), w, rng)
		require.NoError(t, err)
		s.run()
		rep := oracle.Check(s.oracleConfig(), s.attempts())
		dials += rep.Dials
		t.Logf("seed %d, %s (%s to %s): the oracle checked %d dial requests of %d attempts; %d violations %v",
			sd, p.name, p.start.Format(time.DateOnly), p.end.Format(time.DateOnly), rep.Dials, rep.Attempts, len(rep.Violations), rep.ByRule())
		t.Logf("%s: checks that did not dial: %s", p.name, s.refusalCounts())
		for _, line := range s.predictiveFigures(rep) {
			t.Logf("%s: %s", p.name, line)
		}
		if len(rep.Violations) > 0 {
			var lines []string
			shown := map[string]int{}
			for _, v := range rep.Violations {
				if shown[v.Rule] < 4 {
					shown[v.Rule]++
					lines = append(lines, v.String())
				}
			}
			first := rep.Violations[0].Attempt
			t.Errorf("seed %d, %s: %d dial requests break a rule (OUTDIAL_COMPLIANCE_SEED=%d reproduces them); the first of each rule:\n%s\nthe story of campaign %s contact %s:\n%s",
				sd, p.name, len(rep.Violations), sd, strings.Join(lines, "\n"), first.Campaign, first.Contact, s.story(first.Campaign, first.Contact))
		}
	}
	return dials
}

// The scenario's sizes: full checks about 117,000 dial requests, 13,000
// of them the predictive campaign's.
var (
	full  = size{c1: 3100, c1Appended: 1550, c2: 3700, c3: 2450, c4: 1500}
	small = size{c1: 600, c1Appended: 300, c2: 700, c3: 500, c4: 150}
)

// TestCompliance simulates whole campaigns over weeks that include every
// DST change of the scenario's zones, and has the independent oracle check
// every dial request against DOMAIN.md's rules.
func TestCompliance(t *testing.T) {
	// The simulation's heap is mostly long-lived: collecting it less often
	// saves a fifth of the run.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	n, least := full, 100_000
	if testing.Short() {
		n, least = small, 5_000
	}
	dials := simulate(t, everything, n)
	t.Logf("seed %d: %d dial requests checked in all", seed(t), dials)
	require.GreaterOrEqual(t, dials, least, "the suite must check enough dial requests to mean something")
}

// predictiveFigures tell how the predictive campaigns paced: how often a
// pass decided, and released, more calls than free agents; the calls in
// progress per agent taking calls (ringing, waiting and talking over free
// and busy agents, as its statistics' pacer counts them); and the abandons
// the oracle counted.
func (s *sim) predictiveFigures(rep oracle.Report) []string {
	var out []string
	for _, c := range s.order {
		p := c.predictive
		if p == nil {
			continue
		}
		id := strconv.FormatUint(c.spec.id, 10)
		dials := 0
		for _, a := range s.log {
			if a.Campaign == id && a.Dialed {
				dials++
			}
		}
		share := func(n int) float64 { return 100 * float64(n) / float64(max(p.passes, 1)) }
		line := fmt.Sprintf("predictive campaign %d: %d dial requests, %d passes decided, %d (%.0f%%) more calls than free agents, %d (%.0f%%) released more, %.2f calls in progress per agent taking calls on average",
			c.spec.id, dials, p.passes, p.overdialed, share(p.overdialed), p.released, share(p.released), p.linesPerAgent/float64(max(p.taking, 1)))
		for _, ab := range rep.Abandons {
			if ab.Campaign != id {
				continue
			}
			for _, pr := range ab.Periods {
				line += fmt.Sprintf("; %d abandoned of %d answered by a person (%.2f%%) in the 30 days from %s", pr.Abandoned, pr.Answered, 100*pr.Rate(), stamp(pr.From))
			}
			w := ab.WorstDay
			line += fmt.Sprintf("; worst day %s: %d of %d (%.2f%%)", w.From.Format(time.DateOnly), w.Abandoned, w.Answered, 100*w.Rate())
		}
		out = append(out, line)
	}
	return out
}

// story tells a contact's attempts and the decisions after them, for a
// failure's reader.
func (s *sim) story(campaign, contact string) string {
	var as []*attempt
	for _, n := range s.numbers {
		for _, a := range n.attempts {
			if l := a.log; l != nil && l.Campaign == campaign && l.Contact == contact {
				as = append(as, a)
			}
		}
	}
	slices.SortFunc(as, func(a, b *attempt) int { return a.seq - b.seq })
	var out []string
	for _, a := range as {
		l := a.log
		out = append(out, fmt.Sprintf("  attempt %d %s %s started %s dialed %t %s released %s for agent %q connected %q outcome %s %s ended %s: %s",
			a.seq, a.mode, a.number, stamp(a.started), l.Dialed, stamp(l.DialAt), stamp(l.ReleasedAt), l.Agent, l.ConnectedAgent, l.Outcome, l.Business,
			stamp(l.EndedAt), a.decision))
	}
	return strings.Join(out, "\n")
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// attempts are the log the oracle reads.
func (s *sim) attempts() []oracle.Attempt {
	out := make([]oracle.Attempt, 0, len(s.log))
	for _, a := range s.log {
		out = append(out, *a)
	}
	return out
}

func (s *sim) refusalCounts() string {
	var keys []string
	for k := range s.refusals {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []string
	for _, k := range keys {
		out = append(out, fmt.Sprintf("%q %d", k, s.refusals[k]))
	}
	return strings.Join(out, ", ")
}

// oracleConfig is the scenario as the oracle reads it: the configuration,
// the contacts as imported, the DNC entries.
func (s *sim) oracleConfig() oracle.Config {
	row := func(z zoneSpec) oracle.ZoneRow {
		return oracle.ZoneRow{Name: z.display, Covers: append([]string{z.iana}, z.covers...), Enabled: z.enabled, Start: z.start, End: z.end}
	}
	cfg := oracle.Config{Caps: []oracle.Cap{{Attempts: s.sc.deployment.Attempts, Period: s.sc.deployment.Period}}, Away: s.away}
	for _, z := range s.sc.zones {
		cfg.Zones = append(cfg.Zones, row(z))
	}
	for _, c := range s.sc.campaigns {
		oc := oracle.Campaign{ID: strconv.FormatUint(c.id, 10), DailyStart: c.dailyStart, DailyEnd: c.dailyEnd,
			GlobalRetry: c.globalRetry, DailyRetry: c.dailyRetry, CycleRetry: c.cycleRetry, CycleInterval: c.cycleInterval,
			ResetOnCallback: c.resetOnCallback || c.callback.resetDailyAndGlobal, DefaultDelay: c.defaultDelay, Modes: c.modes,
			PCBByDuration: c.callback.reset == "duration", PCBAttempts: c.callback.attemptsToReachAgent, PCBDuration: c.callback.duration,
			LinesPerAgent: c.lines, AbandonMessage: c.abandonMessage != "", TimeZone: c.zone}
		if p := c.predictive; p != nil {
			oc.AbandonTarget, oc.MaxLinesPerAgent = p.targetPercent/100, p.maxLines
		}
		if !c.from.IsZero() {
			oc.From = c.from.String()
		}
		if !c.to.IsZero() {
			oc.To = c.to.String()
		}
		for _, z := range c.groupZones {
			oc.GroupZones = append(oc.GroupZones, row(z))
		}
		for _, p := range s.campaigns[c.id].paused {
			oc.Paused = append(oc.Paused, oracle.Span{From: p.from, To: p.to})
		}
		if fc := c.frequencyCap; fc != nil {
			oc.Caps = []oracle.Cap{{Attempts: fc.Attempts, Period: fc.Period}}
		}
		for _, r := range c.rules {
			oc.Rules = append(oc.Rules, oracle.Rule{Outcome: r.outcome, MaxRetry: r.maxRetry, Delay: r.delay, Close: r.close,
				NextMode: r.branch == "next_mode", RemoveMode: r.removeMode, RetainPCB: r.retainPCB})
		}
		for _, b := range c.business {
			oc.Business = append(oc.Business, oracle.Business{Name: b.name, Success: b.success, MaxRetry: b.maxRetry, Delay: b.delay,
				Close: b.close, RetainPCB: b.retainPCB})
		}
		for _, a := range s.sc.agents {
			for _, team := range s.sc.teams {
				if direct, via := serving(team, c); team.id == a.team && (direct || via) {
					oc.Agents = append(oc.Agents, a.id)
				}
			}
		}
		cfg.Campaigns = append(cfg.Campaigns, oc)
	}
	for _, e := range s.sc.dnc {
		oe := oracle.DNCEntry{List: e.list, Number: e.number, From: e.from, Until: e.until}
		for _, id := range e.campaigns {
			oe.Campaigns = append(oe.Campaigns, strconv.FormatUint(id, 10))
		}
		cfg.DNC = append(cfg.DNC, oe)
	}
	for _, k := range s.contacts {
		ok := oracle.Contact{Campaign: strconv.FormatUint(k.c.spec.id, 10), ID: strconv.FormatUint(k.id, 10), Zone: k.zone,
			Declared: k.declared, ListEnd: k.listEnd, Numbers: map[string]oracle.Number{}}
		for _, n := range k.numbers {
			ok.Numbers[n.Mode] = oracle.Number{Number: n.Number, Zone: n.TimeZone}
		}
		cfg.Contacts = append(cfg.Contacts, ok)
	}
	return cfg
}
