package strategy

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Branch modes: where an exhausted telephony outcome without "close
// contact" sends the contact.
const (
	// BranchDefault stays on the same number: the pass through the modes
	// ends there and the contact waits for the next cycle.
	BranchDefault = "default"
	// BranchNextMode moves to the contact's next mode (Mobile, then Home...).
	BranchNextMode = "next_mode"
)

// How a personal callback turns into a normal one.
const (
	PCBToNCBRetries  = "retries"
	PCBToNCBDuration = "duration"
)

// defaultNoRuleDelay is the campaign's default delay when it sets none
// (DOMAIN.md: "15 minutes unless set").
var defaultNoRuleDelay = Delay{Minutes: 15}

// Rule is a contact strategy's rule for one telephony outcome.
type Rule struct {
	// Outcome is a telephony outcome; any spelling ParseTelephonyOutcome
	// accepts ("Error", "answer_machine").
	Outcome    string `json:"outcome"`
	Reschedule Delay  `json:"reschedule"`
	// MaxRetry is how many times the outcome is retried; 0 means never.
	MaxRetry int `json:"max_retry"`
	Priority int `json:"priority"`
	// BranchMode is BranchDefault ("" too) or BranchNextMode.
	BranchMode   string `json:"branch_mode"`
	RetainPCB    bool   `json:"retain_pcb"`
	CloseContact bool   `json:"close_contact"`
	// RemoveMode drops the number once the outcome is exhausted.
	RemoveMode bool `json:"remove_mode"`
}

// BusinessRule is a business outcome: what an agent's wrap-up code does.
type BusinessRule struct {
	Name string `json:"name"`
	// Success is the outcome's type, for reports: it does not close the
	// contact, CloseContact does.
	Success      bool  `json:"success"`
	Reschedule   Delay `json:"reschedule"`
	MaxRetry     int   `json:"max_retry"`
	Priority     int   `json:"priority"`
	CloseContact bool  `json:"close_contact"`
	RetainPCB    bool  `json:"retain_pcb"`
}

// Caps are the campaign-wide limits and the callback strategy.
type Caps struct {
	// GlobalRetry is the most attempts over the contact's life, the first
	// included; nil means no cap.
	GlobalRetry *int `json:"global_retry,omitempty"`
	// DailyRetry is the most attempts per calendar day in the contact's
	// zone; nil means no cap.
	DailyRetry *int `json:"daily_retry,omitempty"`
	// CycleRetry is how many more passes through the modes follow the
	// first; 0 (the campaign leaving it blank) means none. Unlike the caps
	// above, blank cannot mean "unbounded": a contact whose every outcome
	// is exhausted would then be redialed without end.
	CycleRetry    int   `json:"cycle_retry"`
	CycleInterval Delay `json:"cycle_interval"`
	// DefaultDelay reschedules outcomes the strategy has no rule for; nil
	// means 0:0:15.
	DefaultDelay *Delay `json:"default_delay,omitempty"`
	// AbandonedDelay is how soon a contact whose call was abandoned (a
	// person answered and no agent came) may be called again, whatever its
	// rule says (Ofcom: 72 hours unless an agent is guaranteed); nil: the
	// rule alone.
	AbandonedDelay *Delay `json:"abandoned_delay,omitempty"`
	// ResetOnCallback is "reset daily and global retries": Global and Daily
	// go to zero once per callback grant, when the contact becomes a
	// callback: a wrap-up that reschedules it (the person asked), or a
	// personal callback made for a contact that was not a callback. The
	// callback's later attempts, whatever they make of it, do not reset.
	ResetOnCallback bool `json:"reset_on_callback"`
	// PCBToNCB is PCBToNCBRetries ("" too) or PCBToNCBDuration.
	PCBToNCB string `json:"pcb_to_ncb"`
	// AttemptsToReachAgent is how many failed attempts turn a personal
	// callback into a normal one under PCBToNCBRetries; below 1 means 1.
	AttemptsToReachAgent int `json:"attempts_to_reach_agent"`
	// PCBToNCBAfter is how long a personal callback lasts under
	// PCBToNCBDuration, from the attempt that made it.
	PCBToNCBAfter Delay `json:"pcb_to_ncb_after"`
}

// Counters is a contact's strategy state between attempts. Decide returns
// the next value; the caller stores it (workflow state, PostgreSQL).
type Counters struct {
	// PerOutcome counts, per telephony outcome, the attempts its rule (or
	// the lack of one) decided, on the current mode in the current cycle.
	PerOutcome map[string]int `json:"per_outcome,omitempty"`
	// PerBusiness counts, per wrap-up code, the attempts its business rule
	// decided in the current cycle.
	PerBusiness map[string]int `json:"per_business,omitempty"`
	// Global counts attempts over the contact's life (since the last reset
	// on becoming a callback).
	Global int `json:"global"`
	// Daily counts attempts on DailyDate, a contact-local YYYY-MM-DD.
	Daily     int    `json:"daily"`
	DailyDate string `json:"daily_date,omitempty"`
	// Cycle counts the retry cycles begun after the first pass.
	Cycle int `json:"cycle"`
	// Mode is the mode the contact is on.
	Mode string `json:"mode,omitempty"`
	// Removed lists modes dropped for good.
	Removed []string `json:"removed,omitempty"`
	// Callback is set from the moment a wrap-up reschedules the contact, or
	// a personal callback is made, until the person is reached again with
	// no personal callback left in force. Its turning on, and any wrap-up
	// reschedule, is a callback grant ("reset daily and global retries").
	Callback bool `json:"callback,omitempty"`
	// PCBAgent, when set, is the agent a personal callback belongs to,
	// since PCBSince, with PCBFailures attempts that did not connect the
	// contact to that agent.
	PCBAgent    string    `json:"pcb_agent,omitempty"`
	PCBSince    time.Time `json:"pcb_since,omitzero"`
	PCBFailures int       `json:"pcb_failures,omitempty"`
}

// Attempt is what one attempt came to.
type Attempt struct {
	// Mode is the mode dialed; it should be one of Input.Modes.
	Mode string `json:"mode"`
	// Outcome is the telephony outcome; "" is taken as Error, as DOMAIN.md
	// counts "no outcome came back in time" as error.
	Outcome string `json:"outcome"`
	// Business is the wrap-up code, "" when none.
	Business string `json:"business,omitempty"`
	// Agent handled the attempt, "" when none did.
	Agent string    `json:"agent,omitempty"`
	At    time.Time `json:"at"`
}

// Input is everything Decide reads.
type Input struct {
	Attempt  Attempt        `json:"attempt"`
	Counters Counters       `json:"counters"`
	Rules    []Rule         `json:"rules"`
	Business []BusinessRule `json:"business"`
	Caps     Caps           `json:"caps"`
	// Modes are the contact's modes that have a number, in the campaign's
	// mode priority. Empty means the attempt's mode alone.
	Modes []string `json:"modes"`
	// Loc is the contact's zone, for the daily count; nil means UTC.
	Loc *time.Location `json:"-"`
}

// Decision is what happens to the contact next.
type Decision struct {
	Close bool `json:"close"`
	// Reason says why it closed or why it waits, for operators.
	Reason string `json:"reason"`
	// DueAt is the earliest time the rules allow the next attempt; the
	// caller still applies the calling windows. Zero when closing.
	DueAt    time.Time `json:"due_at,omitzero"`
	Mode     string    `json:"mode,omitempty"`
	Priority int       `json:"priority"`
	// PCBAgent, when set, makes the next attempt a personal callback for
	// that agent, until PCBUntil when that is set (duration reset): from
	// then on any agent may take it.
	PCBAgent string    `json:"pcb_agent,omitempty"`
	PCBUntil time.Time `json:"pcb_until,omitzero"`
	// Callback reports that the contact waits as a callback.
	Callback bool     `json:"callback,omitempty"`
	Counters Counters `json:"counters"`
}

// Decide says what happens to a contact after an attempt: it closes, or it
// is next due at a time, on a mode, at a priority, perhaps for an agent.
//
// It is deterministic and does no I/O, so a Temporal workflow may call it;
// it copies in.Counters rather than change them.
//
// The order: count the attempt against the campaign caps; settle a
// personal callback in force; apply the rule that decides the attempt
// (the wrap-up's business rule after voice, else the telephony rule, else
// the no-rule default); then make a callback, and finally apply the global
// and daily caps to whatever reschedule is left.
func Decide(in Input) Decision {
	d := newDecider(in)
	d.count()
	lapsed := d.settlePCB()
	p := d.plan()
	if p.close {
		return d.closed(p.reason)
	}
	if wait := d.in.Caps.AbandonedDelay; wait != nil && d.outcome == Abandoned {
		if least := d.after(*wait); p.due.Before(least) {
			p.due = least
			p.reason += fmt.Sprintf("; an abandoned call is not followed by another within %s", *wait)
		}
	}
	return d.reschedule(p, lapsed)
}

type decider struct {
	in      Input
	loc     *time.Location
	at      time.Time
	outcome string
	c       Counters
	modes   []string
	cur     int
	notes   []string
}

// plan is the rules' verdict before callbacks and caps.
type plan struct {
	close     bool
	reason    string
	due       time.Time
	mode      int
	priority  int
	retainPCB bool
	callback  bool
}

func newDecider(in Input) *decider {
	d := &decider{in: in, loc: in.Loc, at: in.Attempt.At, c: in.Counters.clone()}
	if d.loc == nil {
		d.loc = time.UTC
	}
	d.outcome = canonicalOutcome(in.Attempt.Outcome)
	d.modes = in.Modes
	if len(d.modes) == 0 {
		d.modes = []string{in.Attempt.Mode}
	}
	// The mode actually dialed is the truth; the stored mode covers a
	// caller that did not say.
	d.cur = slices.Index(d.modes, in.Attempt.Mode)
	if d.cur < 0 {
		d.cur = slices.Index(d.modes, d.c.Mode)
	}
	if d.cur < 0 {
		d.cur = max(d.nextDialable(-1), 0)
	}
	d.c.Mode = d.modes[d.cur]
	return d
}

func (c Counters) clone() Counters {
	c.PerOutcome = cloneCounts(c.PerOutcome)
	c.PerBusiness = cloneCounts(c.PerBusiness)
	c.Removed = slices.Clone(c.Removed)
	return c
}

func cloneCounts(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	// A copy's contents do not depend on the order it is made in.
	maps.Copy(out, m) //workflowcheck:ignore
	return out
}

func canonicalOutcome(s string) string {
	if o, ok := ParseTelephonyOutcome(s); ok {
		return o
	}
	if strings.TrimSpace(s) == "" {
		return Error
	}
	return strings.ToLower(strings.TrimSpace(s))
}

func (d *decider) note(format string, args ...any) {
	d.notes = append(d.notes, fmt.Sprintf(format, args...))
}

func (d *decider) reason(main string) string {
	return strings.Join(append([]string{main}, d.notes...), "; ")
}

// count adds the attempt to the global and daily counts; the daily count
// starts again on each new local date.
func (d *decider) count() {
	day := localDate(d.at, d.loc)
	if d.c.DailyDate != day {
		d.c.DailyDate, d.c.Daily = day, 0
	}
	d.c.Global++
	d.c.Daily++
}

// settlePCB ends a personal callback that connected its agent to the
// contact, and counts any other attempt as a failure to reach the agent,
// turning the callback normal once the callback strategy says so. It
// reports whether the callback lapsed, so this attempt's rule cannot make
// it personal again at once.
func (d *decider) settlePCB() bool {
	lapsed := false
	if agent := d.c.PCBAgent; agent != "" {
		if d.outcome == Voice && d.in.Attempt.Agent == agent {
			d.clearPCB()
		} else {
			d.c.PCBFailures++
			if why := d.pcbExpired(d.at); why != "" {
				d.note("personal callback for agent %s is now a normal callback: %s", agent, why)
				d.clearPCB()
				lapsed = true
			}
		}
	}
	if d.outcome == Voice && d.c.PCBAgent == "" {
		// The person was reached, so a pending callback has been kept,
		// unless it was another agent's personal one, still in force.
		d.c.Callback = false
	}
	return lapsed
}

func (d *decider) pcbByDuration() bool {
	return strings.EqualFold(strings.TrimSpace(d.in.Caps.PCBToNCB), PCBToNCBDuration)
}

// pcbExpired says why the personal callback in force is over at t, or "".
func (d *decider) pcbExpired(t time.Time) string {
	caps := d.in.Caps
	if d.pcbByDuration() {
		if !t.Before(d.c.PCBSince.Add(caps.PCBToNCBAfter.Duration())) {
			return fmt.Sprintf("%s elapsed since it was made", caps.PCBToNCBAfter)
		}
		return ""
	}
	if n := max(caps.AttemptsToReachAgent, 1); d.c.PCBFailures >= n {
		return fmt.Sprintf("%d attempt(s) did not reach the agent", d.c.PCBFailures)
	}
	return ""
}

func (d *decider) clearPCB() {
	d.c.PCBAgent, d.c.PCBSince, d.c.PCBFailures = "", time.Time{}, 0
}

// plan picks the rule that decides the attempt.
func (d *decider) plan() plan {
	if b := strings.TrimSpace(d.in.Attempt.Business); b != "" {
		// Only a voice attempt's wrap-up decides: preview agents wrap up
		// no-answers too, and a mandatory "Campaign-WrapUp" (a Success)
		// must not close a contact nobody spoke to.
		if d.outcome != Voice {
			d.note("wrap-up %q ignored: only a voice attempt's wrap-up decides", b)
		} else if r, ok := d.businessRule(b); ok {
			return d.byBusiness(r)
		} else {
			d.note("wrap-up %q has no business outcome rule, so the voice rule decides", b)
		}
	}
	if r, ok := d.rule(); ok {
		return d.byRule(r)
	}
	return d.noRule()
}

// rule finds the telephony rule; where two match, the first in order wins.
func (d *decider) rule() (Rule, bool) {
	for _, r := range d.in.Rules {
		if canonicalOutcome(r.Outcome) == d.outcome {
			return r, true
		}
	}
	return Rule{}, false
}

// businessRule finds a wrap-up code regardless of case, first match first.
func (d *decider) businessRule(name string) (BusinessRule, bool) {
	for _, r := range d.in.Business {
		if strings.EqualFold(strings.TrimSpace(r.Name), name) {
			return r, true
		}
	}
	return BusinessRule{}, false
}

func (d *decider) byBusiness(r BusinessRule) plan {
	d.c.PerBusiness[r.Name]++
	n, limit := d.c.PerBusiness[r.Name], max(r.MaxRetry, 0)
	label := "wrap-up " + r.Name
	switch {
	case r.CloseContact:
		// "Close contact" alone decides, as DOMAIN.md says: a success
		// without it (a follow-up) reschedules like any other wrap-up.
		return closing(label + " closes the contact")
	case n <= limit:
		// The wrap-up came from the number that reached the person, so the
		// callback stays on it; a wrap-up reschedule is a callback.
		p := d.retry(label, n, limit, r.Reschedule, r.Priority, r.RetainPCB)
		p.callback = true
		return p
	}
	// A business outcome has no branch mode: once exhausted it ends the
	// pass like the default branch.
	return d.endCycle(fmt.Sprintf("%s has no retry left (max retry %d)", label, limit))
}

func (d *decider) byRule(r Rule) plan {
	d.c.PerOutcome[d.outcome]++
	n, limit := d.c.PerOutcome[d.outcome], max(r.MaxRetry, 0)
	if n <= limit {
		return d.retry(d.outcome, n, limit, r.Reschedule, r.Priority, r.RetainPCB)
	}
	why := fmt.Sprintf("%s has no retry left (max retry %d)", d.outcome, limit)
	if r.RemoveMode {
		// Remove mode acts when the outcome is exhausted, so a max retry
		// above 0 gives a doubtful fax or invalid-number detection another
		// try before the number goes; with 0 it goes at once.
		if m := d.modes[d.cur]; !slices.Contains(d.c.Removed, m) {
			d.c.Removed = append(d.c.Removed, m)
		}
		why += fmt.Sprintf("; %s number removed", d.modes[d.cur])
	}
	if r.CloseContact {
		return closing(why + "; the rule closes the contact")
	}
	if r.RemoveMode || normBranch(r.BranchMode) == BranchNextMode {
		return d.nextMode(why, r)
	}
	return d.endCycle(why)
}

func normBranch(s string) string {
	return strings.NewReplacer("-", "_", " ", "_").Replace(strings.ToLower(strings.TrimSpace(s)))
}

// noRule retries under the campaign caps only. The count is kept for
// reports; no max retry applies.
func (d *decider) noRule() plan {
	d.c.PerOutcome[d.outcome]++
	delay := defaultNoRuleDelay
	if p := d.in.Caps.DefaultDelay; p != nil {
		delay = *p
	}
	return plan{
		due:    d.after(delay),
		mode:   d.cur,
		reason: fmt.Sprintf("no rule for %s: retried under the campaign caps; due in %s", d.outcome, delay),
	}
}

func (d *decider) retry(label string, n, limit int, delay Delay, priority int, retainPCB bool) plan {
	return plan{
		due:       d.after(delay),
		mode:      d.cur,
		priority:  priority,
		retainPCB: retainPCB,
		reason:    fmt.Sprintf("%s retried %d of %d time(s); due in %s", label, n, limit, delay),
	}
}

// nextMode moves to the next dialable mode after the rule's own delay, at
// its priority: the rule is what says how long to wait after its outcome.
// The per-outcome counts start again, as a new number deserves the rules'
// retries afresh; wrap-up counts stay, as they are about the person.
func (d *decider) nextMode(why string, r Rule) plan {
	j := d.nextDialable(d.cur)
	if j < 0 {
		return d.endCycle(why)
	}
	d.c.PerOutcome = map[string]int{}
	return plan{
		due:       d.after(r.Reschedule),
		mode:      j,
		priority:  r.Priority,
		retainPCB: r.RetainPCB,
		reason:    fmt.Sprintf("%s; moving from %s to %s; due in %s", why, d.modes[d.cur], d.modes[j], r.Reschedule),
	}
}

// endCycle ends the pass through the modes: the next cycle starts at the
// first dialable mode after the cycle interval, at priority 0 as a fresh
// contact, with every per-outcome and wrap-up count starting again.
func (d *decider) endCycle(why string) plan {
	first := d.nextDialable(-1)
	if first < 0 {
		return closing(why + "; no dialable number left")
	}
	limit := max(d.in.Caps.CycleRetry, 0)
	if d.c.Cycle >= limit {
		if limit == 0 {
			return closing(why + "; the campaign has no retry cycles")
		}
		return closing(fmt.Sprintf("%s; all %d retry cycle(s) used", why, limit))
	}
	d.c.Cycle++
	d.c.PerOutcome, d.c.PerBusiness = map[string]int{}, map[string]int{}
	interval := d.in.Caps.CycleInterval
	return plan{
		due:    d.after(interval),
		mode:   first,
		reason: fmt.Sprintf("%s; retry cycle %d of %d starts on %s; due in %s", why, d.c.Cycle, limit, d.modes[first], interval),
	}
}

// nextDialable is the first mode after index from that is not removed, or -1.
func (d *decider) nextDialable(from int) int {
	for j := from + 1; j < len(d.modes); j++ {
		if !slices.Contains(d.c.Removed, d.modes[j]) {
			return j
		}
	}
	return -1
}

// after is the attempt time plus a delay; a negative delay (one not made by
// ParseDelay) counts as none, so a decision never lies in the past.
func (d *decider) after(delay Delay) time.Time {
	return d.at.Add(max(delay.Duration(), 0))
}

func closing(reason string) plan { return plan{close: true, reason: reason} }

func (d *decider) closed(reason string) Decision {
	d.clearPCB()
	d.c.Callback = false
	return Decision{Close: true, Reason: d.reason(reason), Counters: d.c}
}

// closedInstead closes a contact the rules would have kept, saying why last.
func (d *decider) closedInstead(reason, why string) Decision {
	c := d.closed(reason)
	c.Reason += "; closed instead: " + why
	return c
}

// reschedule applies the callback rules and then the caps to a plan that
// keeps the contact, so no cap is ever exceeded whatever the rules said.
func (d *decider) reschedule(p plan, pcbLapsed bool) Decision {
	c, caps := &d.c, d.in.Caps
	if slices.Contains(c.Removed, d.modes[p.mode]) {
		// Only when the caller dialed a removed mode: never plan on one.
		j := d.nextDialable(p.mode)
		if j < 0 {
			j = d.nextDialable(-1)
		}
		if j < 0 {
			return d.closedInstead(p.reason, "no dialable number left")
		}
		p.mode = j
	}
	// A wrap-up reschedule is the person asking for a callback: a grant,
	// even while another agent's personal callback is still pending.
	requested, wasCallback := p.callback, c.Callback
	// A personal callback needs an agent to belong to; one in force is not
	// renewed by a retry that did not reach the contact.
	made := false
	if agent := d.in.Attempt.Agent; p.retainPCB && agent != "" && c.PCBAgent == "" && !pcbLapsed {
		c.PCBAgent, c.PCBSince, c.PCBFailures = agent, d.at, 0
		p.callback, made = true, true
		d.note("personal callback for agent %s", agent)
	}
	if p.callback {
		// The reset applies when the contact becomes a callback, once per
		// grant: the retries spent before the person asked must not block
		// what they asked for, but the callback's own attempts (a personal
		// callback lapsing, or made again for the next agent) must not
		// reset again, or they would carry the contact past the caps
		// without end. The wrap-up's max retry bounds the grants.
		c.Callback = true
		if caps.ResetOnCallback && (requested || !wasCallback) {
			c.Global, c.Daily = 0, 0
			d.note("now a callback: global and daily retries reset")
		}
	}
	if g := caps.GlobalRetry; g != nil && c.Global >= *g {
		return d.closedInstead(p.reason, fmt.Sprintf("the global retry cap of %d attempt(s) is reached", *g))
	}
	due := p.due
	if dr := caps.DailyRetry; dr != nil {
		if *dr <= 0 {
			return d.closedInstead(p.reason, "a daily retry cap of 0 allows no attempt")
		}
		if c.Daily >= *dr && localDate(due, d.loc) == c.DailyDate {
			due = startOfNextDay(d.at, d.loc)
			d.note("daily retry cap of %d reached for %s: due at the start of %s", *dr, c.DailyDate, localDate(due, d.loc))
		}
	}
	var pcbUntil time.Time
	if c.PCBAgent != "" && d.pcbByDuration() {
		pcbUntil = c.PCBSince.Add(caps.PCBToNCBAfter.Duration())
		if !due.Before(pcbUntil) {
			d.note("personal callback for agent %s is a normal callback by then: %s", c.PCBAgent, d.pcbExpired(due))
			d.clearPCB()
			pcbUntil = time.Time{}
		}
	}
	if c.PCBAgent != "" && !made {
		if pcbUntil.IsZero() {
			d.note("still a personal callback for agent %s (%d attempt(s) did not reach the agent)", c.PCBAgent, c.PCBFailures)
		} else {
			d.note("still a personal callback for agent %s until %s", c.PCBAgent, pcbUntil.In(d.loc).Format(time.RFC3339))
		}
	}
	c.Mode = d.modes[p.mode]
	return Decision{
		Reason:   d.reason(p.reason),
		DueAt:    due,
		Mode:     c.Mode,
		Priority: p.priority,
		PCBAgent: c.PCBAgent,
		PCBUntil: pcbUntil,
		Callback: c.Callback,
		Counters: d.c,
	}
}

func localDate(t time.Time, loc *time.Location) string {
	return t.In(loc).Format(time.DateOnly)
}

// startOfNextDay is the first instant of the local day after t's. Where a
// DST change skips midnight (America/Havana) or a zone skips a whole day
// (Pacific/Apia, 2011-12-30), time.Date answers with an instant still on
// an earlier day; the day then begins where that zone period ends.
func startOfNextDay(t time.Time, loc *time.Location) time.Time {
	y, m, dd := t.In(loc).Date()
	want := time.Date(y, m, dd+1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	next := time.Date(y, m, dd+1, 0, 0, 0, 0, loc)
	for i := 0; i < 4 && localDate(next, loc) < want; i++ {
		_, end := next.ZoneBounds()
		if end.IsZero() {
			break
		}
		next = end
	}
	if !next.After(t) {
		// Only for a zone database stranger than any seen; never go back.
		next = t.Add(24 * time.Hour)
	}
	return next
}
