package oracle

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The rules a Violation names.
const (
	RuleWindow     = "window"           // outside a window in the number's (or the declared zone's) local time
	RuleDNC        = "dnc"              // a DNC entry in force held the number
	RuleTTL        = "time-to-live"     // after the list's end time
	RuleStatus     = "campaign-status"  // while the campaign was not active
	RuleFrequency  = "frequency-cap"    // more dials to the number in a period than a cap allows
	RuleDaily      = "daily-cap"        // more attempts on the contact's local day than the daily retry
	RuleGlobal     = "global-cap"       // more attempts over the contact's life than the global retry
	RuleCycle      = "cycle-cap"        // a pass through the modes beyond the cycle retries
	RuleClosed     = "closed"           // the strategy had closed the contact, or removed the number
	RuleDelay      = "reschedule-delay" // before the delay of the rule that rescheduled the contact
	RuleOverlap    = "number-in-two-calls"
	RuleAgentLines = "agent-lines" // a call given out beyond its free agents' lines, or for an agent busy or not serving the campaign
	RulePCB        = "personal-callback"
	RuleLog        = "log" // the log names what the configuration does not know
	// A predictive campaign's rules.
	RuleAbandonRate     = "abandon-rate"     // over the target in a 30-day period from the campaign's first dial
	RuleAbandonMessage  = "abandon-message"  // an abandoned call without its message within 2 s of the answer
	RuleMinRing         = "minimum-ring"     // given up unanswered before 15 s of ringing (any campaign)
	RulePredictiveLines = "predictive-lines" // calls in progress beyond its lines per agent taking its calls
)

// Violation is one dial a rule forbids.
type Violation struct {
	Rule    string
	Attempt Attempt
	Detail  string
}

func (v Violation) String() string {
	a := v.Attempt
	return fmt.Sprintf("[%s] campaign %s contact %s attempt %d (%s %s) dialed %s: %s", v.Rule, a.Campaign, a.Contact, a.Seq,
		a.Mode, a.Number, a.DialAt.UTC().Format(time.RFC3339), v.Detail)
}

// Report is what Check found.
type Report struct {
	// Dials are the dial requests checked; Attempts every attempt read.
	Dials, Attempts int
	Violations      []Violation
	// Abandons are the predictive campaigns' abandon counts.
	Abandons []Abandons
}

// ByRule counts the violations per rule.
func (r Report) ByRule() map[string]int {
	out := map[string]int{}
	for _, v := range r.Violations {
		out[v.Rule]++
	}
	return out
}

// Check verifies every dial request of log against cfg's rules.
func Check(cfg Config, log []Attempt) Report {
	o := &oracle{cfg: cfg, campaigns: map[string]*Campaign{}, contacts: map[string]*Contact{}, dnc: map[string][]DNCEntry{}, locs: map[string]*time.Location{}}
	for i := range cfg.Campaigns {
		o.campaigns[cfg.Campaigns[i].ID] = &cfg.Campaigns[i]
	}
	for i := range cfg.Contacts {
		c := &cfg.Contacts[i]
		o.contacts[key(c.Campaign, c.ID)] = c
	}
	for _, e := range cfg.DNC {
		o.dnc[e.Number] = append(o.dnc[e.Number], e)
	}
	rep := Report{Attempts: len(log)}
	var dials []Attempt
	for _, a := range log {
		if a.Dialed {
			dials = append(dials, a)
		}
	}
	rep.Dials = len(dials)
	slices.SortStableFunc(dials, func(a, b Attempt) int { return a.DialAt.Compare(b.DialAt) })
	for _, a := range dials {
		o.eachDial(a)
	}
	o.frequency(dials)
	o.overlaps(dials)
	o.agentLines(dials)
	o.minimumRing(dials)
	o.abandonMessages(dials)
	o.predictiveLines(dials)
	rep.Abandons = o.abandons(dials)
	o.strategy(log)
	rep.Violations = o.violations
	return rep
}

type oracle struct {
	cfg        Config
	campaigns  map[string]*Campaign
	contacts   map[string]*Contact
	dnc        map[string][]DNCEntry
	locs       map[string]*time.Location
	violations []Violation
}

func key(campaign, contact string) string { return campaign + "\x00" + contact }

func (o *oracle) flag(rule string, a Attempt, format string, args ...any) {
	o.violations = append(o.violations, Violation{Rule: rule, Attempt: a, Detail: fmt.Sprintf(format, args...)})
}

func (o *oracle) loc(zone string) (*time.Location, error) {
	if l, ok := o.locs[zone]; ok {
		return l, nil
	}
	l, err := time.LoadLocation(zone)
	if err != nil {
		return nil, err
	}
	o.locs[zone] = l
	return l, nil
}

// lookup finds the campaign, the contact and the dialed number's zone; it
// flags a log that names what the configuration does not hold.
func (o *oracle) lookup(a Attempt) (*Campaign, *Contact, string, bool) {
	c, ok := o.campaigns[a.Campaign]
	if !ok {
		o.flag(RuleLog, a, "no such campaign")
		return nil, nil, "", false
	}
	ct, ok := o.contacts[key(a.Campaign, a.Contact)]
	if !ok {
		o.flag(RuleLog, a, "no such contact in the campaign")
		return nil, nil, "", false
	}
	n, ok := ct.Numbers[a.Mode]
	if !ok || n.Number != a.Number {
		o.flag(RuleLog, a, "the contact has no number %s in mode %s", a.Number, a.Mode)
		return nil, nil, "", false
	}
	return c, ct, n.Zone, true
}

// eachDial checks what one dial alone decides: windows, DNC, time to live
// and the campaign's status.
func (o *oracle) eachDial(a Attempt) {
	c, ct, zone, ok := o.lookup(a)
	if !ok {
		return
	}
	zones := []string{zone}
	if ct.Declared && ct.Zone != zone {
		zones = append(zones, ct.Zone)
	}
	for _, z := range zones {
		if why := o.closedWindow(c, z, a.DialAt); why != "" {
			o.flag(RuleWindow, a, "%s", why)
		}
	}
	for _, e := range o.dnc[a.Number] {
		inForce := !a.DialAt.Before(e.From) && (e.Until.IsZero() || a.DialAt.Before(e.Until))
		if inForce && (len(e.Campaigns) == 0 || slices.Contains(e.Campaigns, c.ID)) {
			o.flag(RuleDNC, a, "on DNC list %s from %s until %s", e.List, stamp(e.From), stamp(e.Until))
		}
	}
	if a.DialAt.After(ct.ListEnd) {
		o.flag(RuleTTL, a, "the list ended at %s", stamp(ct.ListEnd))
	}
	for _, p := range c.Paused {
		if !a.DialAt.Before(p.From) && a.DialAt.Before(p.To) {
			o.flag(RuleStatus, a, "the campaign was paused from %s to %s", stamp(p.From), stamp(p.To))
		}
	}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// closedWindow says which window of campaign c is closed at t in zone, or
// "" when every one is open: the campaign's dates and daily hours, and
// each zone row (configured, and the campaign group's) covering zone.
func (o *oracle) closedWindow(c *Campaign, zone string, t time.Time) string {
	loc, err := o.loc(zone)
	if err != nil {
		return fmt.Sprintf("zone %q cannot be loaded: %v", zone, err)
	}
	lt := t.In(loc)
	date := lt.Format(time.DateOnly)
	minute := lt.Hour()*60 + lt.Minute()
	at := fmt.Sprintf("%s local time in %s", lt.Format("2006-01-02 15:04:05 MST"), zone)
	var why []string
	if (c.From != "" && date < c.From) || (c.To != "" && date > c.To) {
		why = append(why, fmt.Sprintf("outside the campaign's dates %s..%s", c.From, c.To))
	}
	if open, err := inHours(c.DailyStart, c.DailyEnd, minute); err != nil || !open {
		why = append(why, fmt.Sprintf("outside the campaign's hours %s–%s%s", c.DailyStart, c.DailyEnd, errNote(err)))
	}
	rows := func(kind string, rs []ZoneRow) {
		for _, r := range rs {
			if !slices.Contains(r.Covers, zone) {
				continue
			}
			if !r.Enabled {
				why = append(why, fmt.Sprintf("%s %s is not enabled", kind, r.Name))
			} else if open, err := inHours(r.Start, r.End, minute); err != nil || !open {
				why = append(why, fmt.Sprintf("outside %s %s's hours %s–%s%s", kind, r.Name, r.Start, r.End, errNote(err)))
			}
		}
	}
	rows("time zone", o.cfg.Zones)
	rows("the campaign group's time zone", c.GroupZones)
	if len(why) == 0 {
		return ""
	}
	return at + ": " + strings.Join(why, "; ")
}

func errNote(err error) string {
	if err != nil {
		return " (" + err.Error() + ")"
	}
	return ""
}

// inHours reports whether minute (of the local day) is inside the daily
// window start–end: it opens at start and ends at the minute end names, so
// 08:00–21:00 admits 20:59 but not 21:00; an end of 23:59 runs to midnight;
// an end before the start crosses midnight.
func inHours(start, end string, minute int) (bool, error) {
	s, err := minutes(start)
	if err != nil {
		return false, err
	}
	e, err := minutes(end)
	if err != nil {
		return false, err
	}
	if e == 23*60+59 {
		e = 24 * 60
	}
	if s <= e {
		return s <= minute && minute < e, nil
	}
	return minute >= s || minute < e, nil
}

func minutes(hhmm string) (int, error) {
	h, m, ok := strings.Cut(hhmm, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("bad time of day %q", hhmm)
	}
	return hh*60 + mm, nil
}

// frequency counts, for each dial, the dials to its number within each
// cap's period before it, across campaigns; dials is in time order.
func (o *oracle) frequency(dials []Attempt) {
	byNumber := map[string][]time.Time{}
	for _, a := range dials {
		byNumber[a.Number] = append(byNumber[a.Number], a.DialAt)
	}
	for _, a := range dials {
		c, ok := o.campaigns[a.Campaign]
		if !ok {
			continue
		}
		times := byNumber[a.Number]
		for _, fc := range slices.Concat(o.cfg.Caps, c.Caps) {
			// Dials in (t−period, t]: one exactly a period old has left it.
			lo, _ := slices.BinarySearchFunc(times, a.DialAt.Add(-fc.Period), func(x, t time.Time) int {
				if x.After(t) {
					return 1
				}
				return -1
			})
			hi, _ := slices.BinarySearchFunc(times, a.DialAt, func(x, t time.Time) int {
				if x.After(t) {
					return 1
				}
				return -1
			})
			if n := hi - lo; n > fc.Attempts {
				o.flag(RuleFrequency, a, "%d dials to %s within %s (cap %d), across campaigns", n, a.Number, fc.Period, fc.Attempts)
			}
		}
	}
}

// overlaps flags a dial to a number still in an earlier call; dials is in
// time order.
func (o *oracle) overlaps(dials []Attempt) {
	type open struct {
		end time.Time
		a   Attempt
	}
	last := map[string]open{}
	for _, a := range dials {
		if p, ok := last[a.Number]; ok && a.DialAt.Before(p.end) {
			o.flag(RuleOverlap, a, "%s is still in the call of campaign %s contact %s attempt %d until %s",
				a.Number, p.a.Campaign, p.a.Contact, p.a.Seq, stamp(p.end))
		}
		end := callEnd(a)
		if p, ok := last[a.Number]; !ok || end.After(p.end) {
			last[a.Number] = open{end, a}
		}
	}
}

func callEnd(a Attempt) time.Time {
	if a.CallEnd.Before(a.DialAt) {
		return a.DialAt
	}
	return a.CallEnd
}

// strategy replays each contact's attempts in order through the strategy
// rules, and checks each dial against the state they left.
func (o *oracle) strategy(log []Attempt) {
	byContact := map[string][]Attempt{}
	var order []string
	for _, a := range log {
		k := key(a.Campaign, a.Contact)
		if _, ok := byContact[k]; !ok {
			order = append(order, k)
		}
		byContact[k] = append(byContact[k], a)
	}
	for _, k := range order {
		as := byContact[k]
		slices.SortStableFunc(as, func(a, b Attempt) int { return cmp.Compare(a.Seq, b.Seq) })
		c, ok1 := o.campaigns[as[0].Campaign]
		ct, ok2 := o.contacts[k]
		if !ok1 || !ok2 {
			continue // flagged as a log error by eachDial when dialed
		}
		loc, err := o.loc(ct.Zone)
		if err != nil {
			o.flag(RuleLog, as[0], "the contact's zone %q cannot be loaded: %v", ct.Zone, err)
			continue
		}
		r := &replay{o: o, c: c, ct: ct, loc: loc, modes: contactModes(c, ct), perOutcome: map[string]int{}, perBusiness: map[string]int{},
			removed: map[string]string{}, daily: map[string]int{}}
		for _, a := range as {
			if a.Dialed {
				r.check(a)
			}
			r.apply(a)
		}
	}
}

// contactModes are the contact's modes in the campaign's mode priority,
// then any others by name.
func contactModes(c *Campaign, ct *Contact) []string {
	var out []string
	for _, r := range c.Modes {
		if _, ok := ct.Numbers[r]; ok {
			out = append(out, r)
		}
	}
	var rest []string
	for m := range ct.Numbers {
		if !slices.Contains(out, m) {
			rest = append(rest, m)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// replay is one contact's strategy state between attempts.
type replay struct {
	o     *oracle
	c     *Campaign
	ct    *Contact
	loc   *time.Location
	modes []string

	closed       string // why the contact closed; "" while open
	closedCycles bool   // it closed because its retry cycles were used
	cycle        int
	mode         string
	perOutcome   map[string]int
	perBusiness  map[string]int
	removed      map[string]string // mode → why
	global       int
	daily        map[string]int // attempts per local date
	pcb          *pcb
	// lapsed: a personal callback lapsed at the attempt being applied;
	// unsure: it may have ended before.
	lapsed, unsure bool
	earliest       time.Time
	earliestWhy    string
}

type pcb struct {
	agent    string
	since    time.Time
	failures int
	// certain: the rules make this personal callback whatever reading
	// of them; an uncertain one is followed but not enforced.
	certain bool
}

func (r *replay) check(a Attempt) {
	switch {
	case r.closed != "" && r.closedCycles:
		r.o.flag(RuleCycle, a, "the contact's retry cycles were used: %s", r.closed)
	case r.closed != "":
		r.o.flag(RuleClosed, a, "the strategy closed the contact: %s", r.closed)
	}
	if why, ok := r.removed[a.Mode]; ok {
		r.o.flag(RuleClosed, a, "mode %s was removed: %s", a.Mode, why)
	}
	if a.DialAt.Before(r.earliest) {
		r.o.flag(RuleDelay, a, "due no earlier than %s: %s", stamp(r.earliest), r.earliestWhy)
	}
	if g := r.c.GlobalRetry; g != nil && r.global+1 > *g {
		r.o.flag(RuleGlobal, a, "attempt %d of the contact's life (since any reset), global retry %d", r.global+1, *g)
	}
	day := a.DialAt.In(r.loc).Format(time.DateOnly)
	if d := r.c.DailyRetry; d != nil && r.daily[day]+1 > *d {
		r.o.flag(RuleDaily, a, "attempt %d on %s in %s, daily retry %d", r.daily[day]+1, day, r.ct.Zone, *d)
	}
	if p := r.pcb; p != nil && p.certain && r.pcbInForce(a.DialAt) {
		if a.Agent != p.agent {
			r.o.flag(RulePCB, a, "a personal callback for agent %s (since %s) dialed for agent %q", p.agent, stamp(p.since), a.Agent)
		}
		if a.ConnectedAgent != "" && a.ConnectedAgent != p.agent {
			r.o.flag(RulePCB, a, "a personal callback for agent %s connected to agent %s", p.agent, a.ConnectedAgent)
		}
	}
}

func (r *replay) pcbInForce(t time.Time) bool {
	return !r.c.PCBByDuration || t.Before(r.pcb.since.Add(r.c.PCBDuration))
}

// apply moves the state past attempt a: it counts, settles a personal
// callback, and applies the rule that decides the attempt.
func (r *replay) apply(a Attempt) {
	at := a.EndedAt
	day := at.In(r.loc).Format(time.DateOnly)
	if a.Dialed {
		day = a.DialAt.In(r.loc).Format(time.DateOnly)
	}
	r.global++
	r.daily[day]++
	r.mode = a.Mode
	outcome := strings.ToLower(strings.TrimSpace(a.Outcome))
	if outcome == "" {
		outcome = "error"
	}
	agent := a.ConnectedAgent
	if agent == "" {
		agent = a.Agent
	}
	start := at
	if a.Dialed {
		start = a.DialAt
	}
	r.lapsed, r.unsure = false, false
	if p := r.pcb; p != nil {
		if outcome == "voice" && a.ConnectedAgent == p.agent {
			r.pcb = nil
		} else {
			p.failures++
			if until := p.since.Add(r.c.PCBDuration); r.c.PCBByDuration && !at.Before(until) {
				// A callback that lapses at an attempt is not made personal
				// again by that attempt. One over before the attempt began
				// may instead have been dropped when the attempt was
				// scheduled, and then this attempt may make a new one: it
				// is followed, not enforced.
				r.pcb, r.lapsed, r.unsure = nil, true, !start.Before(until)
			} else if !r.c.PCBByDuration && p.failures >= max(r.c.PCBAttempts, 1) {
				r.pcb, r.lapsed = nil, true
			}
		}
	}
	if outcome == "voice" && a.Business != "" {
		if b, ok := r.business(a.Business); ok {
			r.byBusiness(b, at, agent)
			return
		}
	}
	for _, rule := range r.c.Rules {
		if strings.EqualFold(rule.Outcome, outcome) {
			r.byRule(rule, outcome, at, agent)
			return
		}
	}
	r.perOutcome[outcome]++
	r.reschedule(at, r.c.DefaultDelay, "no rule for "+outcome, false, false, agent)
}

func (r *replay) business(name string) (Business, bool) {
	for _, b := range r.c.Business {
		if strings.EqualFold(b.Name, name) {
			return b, true
		}
	}
	return Business{}, false
}

func (r *replay) byBusiness(b Business, at time.Time, agent string) {
	r.perBusiness[b.Name]++
	n := r.perBusiness[b.Name]
	switch {
	case b.Close:
		r.close(fmt.Sprintf("wrap-up %s closes the contact", b.Name), false)
	case n <= max(b.MaxRetry, 0):
		r.reschedule(at, b.Delay, fmt.Sprintf("wrap-up %s retry %d of %d", b.Name, n, b.MaxRetry), b.RetainPCB, true, agent)
	default:
		r.endCycle(at, fmt.Sprintf("wrap-up %s exhausted (max retry %d)", b.Name, b.MaxRetry))
	}
}

func (r *replay) byRule(rule Rule, outcome string, at time.Time, agent string) {
	r.perOutcome[outcome]++
	n := r.perOutcome[outcome]
	if n <= max(rule.MaxRetry, 0) {
		r.reschedule(at, rule.Delay, fmt.Sprintf("%s retry %d of %d", outcome, n, rule.MaxRetry), rule.RetainPCB, false, agent)
		return
	}
	why := fmt.Sprintf("%s exhausted (max retry %d) at %s", outcome, rule.MaxRetry, stamp(at))
	if rule.RemoveMode {
		r.removed[r.mode] = why
	}
	if rule.Close {
		r.close(why+"; the rule closes the contact", false)
		return
	}
	if rule.RemoveMode || rule.NextMode {
		if next := r.nextMode(r.mode); next != "" {
			r.perOutcome = map[string]int{}
			r.reschedule(at, rule.Delay, why+"; next mode "+next, rule.RetainPCB, false, agent)
			return
		}
	}
	r.endCycle(at, why)
}

// nextMode is the first mode after from that is not removed, or ""; from
// "" gives the first.
func (r *replay) nextMode(from string) string {
	i := slices.Index(r.modes, from)
	for _, m := range r.modes[i+1:] {
		if _, gone := r.removed[m]; !gone {
			return m
		}
	}
	return ""
}

func (r *replay) endCycle(at time.Time, why string) {
	if r.nextMode("") == "" {
		r.close(why+"; no dialable number left", false)
		return
	}
	if r.cycle >= r.c.CycleRetry {
		r.close(fmt.Sprintf("%s; %d retry cycle(s) used", why, r.cycle), true)
		return
	}
	r.cycle++
	r.perOutcome, r.perBusiness = map[string]int{}, map[string]int{}
	r.earliest, r.earliestWhy = at.Add(r.c.CycleInterval), fmt.Sprintf("%s; cycle %d after the cycle interval %s", why, r.cycle, r.c.CycleInterval)
	r.dropEndedPCB()
}

// dropEndedPCB ends a personal callback whose duration is over before the
// contact can be due again.
func (r *replay) dropEndedPCB() {
	if p := r.pcb; p != nil && r.c.PCBByDuration && !r.earliest.Before(p.since.Add(r.c.PCBDuration)) {
		r.pcb = nil
	}
}

func (r *replay) close(why string, cycles bool) {
	r.closed, r.closedCycles, r.pcb = why, cycles, nil
}

// reschedule keeps the contact: due after delay; a rule that retains the
// personal callback makes one for the agent of the attempt; a callback
// resets the daily and global counts when the campaign says so.
func (r *replay) reschedule(at time.Time, delay time.Duration, why string, retainPCB, callback bool, agent string) {
	r.earliest, r.earliestWhy = at.Add(delay), why+" after "+delay.String()
	if retainPCB && agent != "" && r.pcb == nil && (!r.lapsed || r.unsure) {
		r.pcb = &pcb{agent: agent, since: at, certain: !r.unsure}
		callback = true
	}
	r.dropEndedPCB()
	if callback && r.c.ResetOnCallback {
		r.global, r.daily = 0, map[string]int{}
	}
}
