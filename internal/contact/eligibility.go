package contact

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/strategy"
	"github.com/outdial/outdial/window"
)

// Actions a check can end in.
const (
	ActionDial  = "dial"
	ActionWait  = "wait"
	ActionClose = "close"
)

// Verdict says whether a contact can be dialed now and, if not, until when
// it waits or why it closes.
type Verdict struct {
	Action string    `json:"action"`
	Reason string    `json:"reason"`
	Until  time.Time `json:"until,omitzero"`
	Mode   string    `json:"mode,omitempty"`
	Number string    `json:"number,omitempty"`
	// Zone is the number's zone, canonical; ZoneRows the configured time
	// zone that governs it and the campaign group's row for that time
	// zone, whose hours applied (and the declared zone's, when it has one).
	Zone     string    `json:"time_zone,omitempty"`
	ZoneRows []ZoneRow `json:"zone_rows,omitempty"`
	// Evidence is what the checks of the number saw; nil when no number
	// got that far (a closed list, an inactive campaign).
	Evidence *Evidence `json:"evidence,omitempty"`
}

// FrequencyCap is at most Attempts calls to one number in any Period,
// counted across every campaign.
type FrequencyCap struct {
	Attempts int
	Period   time.Duration
}

// Window is a zone's calling window for a campaign's contacts, or why the
// zone cannot be dialed at all.
type Window struct {
	Spec window.Spec
	// Parts are the windows Spec joins, each named for the evidence: the
	// campaign's dates and hours, the zone's row, the campaign group's row.
	Parts []WindowPart
	// Closed, when set, says why no number in the zone is dialed (a zone
	// not enabled for calling, or one that cannot be loaded).
	Closed string
	// Zone is the zone's canonical name; Rows the configured hours that
	// apply in it (see Windows).
	Zone string
	Rows []ZoneRow
}

// ZoneRow is configured hours that apply to a number: those of the
// configured time zone governing its zone, or, with CampaignGroup, those
// the campaign's group sets for that time zone.
type ZoneRow struct {
	TimeZoneID    uint64 `json:"time_zone_id"`
	DisplayName   string `json:"display_name"`
	IANAZone      string `json:"iana_zone"`
	CampaignGroup string `json:"campaign_group,omitempty"`
	Enabled       bool   `json:"enabled"`
	StartTime     string `json:"start_time"`
	EndTime       string `json:"end_time"`
}

// WindowPart is one window that applies in a zone, and where it comes from.
type WindowPart struct {
	Name string
	Spec window.Spec
}

// Facts are everything the check of one contact reads, loaded at once.
type Facts struct {
	Contact models.Contact
	// CampaignName and CampaignStatus are the contact's campaign's: only an
	// active campaign's contacts are dialed, whoever releases them.
	CampaignName, CampaignStatus string
	// ListID, ListStatus and ListEnd are the contact's list's.
	ListID     uint64
	ListStatus string
	ListEnd    time.Time
	// Counters are the contact's strategy counters (current mode, modes
	// removed for good).
	Counters strategy.Counters
	// Modes are the contact's modes in the strategy's priority order.
	Modes []string
	// DNC names, for each of the contact's numbers on a DNC list in force
	// for the campaign, those lists; DNCLists are every list in force.
	DNC      map[string][]string
	DNCLists []string
	// Windows are the calling windows by IANA zone, one for each zone of
	// the contact's numbers.
	Windows map[string]Window
	// Caps are the frequency caps in force; Starts the start times of
	// every attempt to each of the contact's numbers, across campaigns,
	// within the longest cap's period.
	Caps   []FrequencyCap
	Starts map[string][]time.Time
	// Retry are the campaign's caps on the contact's attempts (global and
	// daily, the day counted in the contact's zone).
	Retry strategy.Caps
}

// recheck is how long a contact waits for a condition no timer can predict
// (a stopped list, a disabled zone) before it is checked again.
const recheck = time.Hour

// Check decides whether the contact can be dialed at now and on which
// number: the list and its time to live, the campaign's status, DNC lists
// in force, the number's calling window, and the frequency caps. It tries the current mode first,
// then the others by priority.
func Check(f Facts, now time.Time) Verdict {
	c := &f.Contact
	switch {
	case c.Status == models.ContactClosed:
		return Verdict{Action: ActionClose, Reason: "the contact is closed: " + c.ClosedReason}
	case now.After(f.ListEnd):
		return Verdict{Action: ActionClose, Reason: fmt.Sprintf("time to live ended: list %d expired at %s", f.ListID, f.ListEnd.UTC().Format(time.RFC3339))}
	case f.CampaignStatus != models.CampaignActive:
		// Due again at once: the contact waits for the pacer, which
		// releases only an active campaign's contacts, so it dials as soon
		// as the campaign is resumed rather than a recheck later.
		return Verdict{Action: ActionWait, Reason: fmt.Sprintf("campaign %s is %s", f.CampaignName, f.CampaignStatus), Until: now}
	case f.ListStatus == models.ListStopped:
		return Verdict{Action: ActionWait, Reason: fmt.Sprintf("list %d is stopped", f.ListID), Until: now.Add(recheck)}
	case f.ListStatus != models.ListActive:
		return Verdict{Action: ActionWait, Reason: fmt.Sprintf("list %d is %s", f.ListID, f.ListStatus), Until: now.Add(recheck)}
	}
	var blocked []string
	var held *Evidence // the first number a DNC list holds
	for _, mode := range f.modeOrder() {
		n, ok := number(c, mode)
		if !ok {
			continue
		}
		if lists := f.DNC[n.Number]; len(lists) > 0 {
			blocked = append(blocked, fmt.Sprintf("%s %s is on DNC list %s", mode, n.Number, strings.Join(lists, ", ")))
			if held == nil {
				held = f.evidence(n, now)
			}
			continue
		}
		verdict := Verdict{Action: ActionDial, Mode: mode, Number: n.Number, Zone: n.TimeZone, Evidence: f.evidence(n, now)}
		for i, z := range numberZones(n) {
			w := f.Windows[z]
			if i == 0 {
				verdict.Zone = cmp.Or(w.Zone, z)
			}
			verdict.ZoneRows = append(verdict.ZoneRows, w.Rows...)
		}
		windows, closed := f.numberWindows(n, mode)
		if closed != "" {
			verdict.Action, verdict.Reason, verdict.Until = ActionWait, closed, now.Add(recheck)
			return verdict
		}
		if next, ok, why := openTogether(windows, now); !next.Equal(now) {
			switch {
			case !ok:
				return Verdict{Action: ActionClose, Reason: "no calling window opens again: " + why, Evidence: verdict.Evidence}
			case next.After(f.ListEnd):
				return Verdict{Action: ActionClose, Reason: "time to live ends before the calling window opens: " + why, Evidence: verdict.Evidence}
			default:
				verdict.Action, verdict.Reason, verdict.Until = ActionWait, why, next
			}
			return verdict
		}
		if until, why := capped(f.Caps, f.Starts[n.Number], n.Number, now); why != "" {
			verdict.Action, verdict.Reason, verdict.Until = ActionWait, why, until
			return verdict
		}
		if until, closed, why := strategy.RetryCaps(f.Counters, f.Retry, now, f.contactZone()); why != "" {
			if closed {
				return Verdict{Action: ActionClose, Reason: why, Evidence: verdict.Evidence}
			}
			verdict.Action, verdict.Reason, verdict.Until = ActionWait, why, until
			return verdict
		}
		if len(blocked) > 0 {
			verdict.Reason = strings.Join(blocked, "; ")
		}
		return verdict
	}
	if len(blocked) > 0 {
		return Verdict{Action: ActionClose, Reason: "no number can be dialed: " + strings.Join(blocked, "; "), Evidence: held}
	}
	return Verdict{Action: ActionClose, Reason: "no dialable number left"}
}

// AtDial is the check just before a prepared attempt's call leaves: the
// attempt's own mode alone, which must still pass every rule at now. Its
// verdict is Check's for that mode.
func AtDial(f Facts, mode string, now time.Time) Verdict {
	f.Modes, f.Counters.Mode = []string{mode}, mode
	return Check(f, now)
}

// Due refines a check for someone asking about the contact between its
// attempts: a dialable contact may still wait for its due time, for an
// attempt in progress, or for the pacer.
func Due(f Facts, v Verdict, now time.Time) Verdict {
	if v.Action != ActionDial {
		return v
	}
	c := &f.Contact
	switch c.Status {
	case models.ContactScheduled:
		if c.NextDueAt != nil && c.NextDueAt.After(now) {
			v.Action, v.Until = ActionWait, *c.NextDueAt
			v.Reason = "rescheduled: " + c.WaitingReason
		}
	case models.ContactDialing:
		v.Action, v.Reason = ActionWait, "an attempt is in progress"
	case models.ContactReady, models.ContactNew:
		v.Reason = strings.TrimPrefix(v.Reason+"; due: waiting for the pacer to release it (an agent)", "; ")
		if c.PCBAgent != "" {
			v.Reason += " — a personal callback for agent " + c.PCBAgent
		}
	}
	return v
}

// modeOrder is the current mode first, then the others by priority,
// leaving out the modes removed for good.
func (f *Facts) modeOrder() []string {
	var out []string
	if m := f.Counters.Mode; m != "" && slices.Contains(f.Modes, m) {
		out = append(out, m)
	}
	for _, m := range f.Modes {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return slices.DeleteFunc(out, func(m string) bool { return slices.Contains(f.Counters.Removed, m) })
}

func number(c *models.Contact, mode string) (models.ContactNumber, bool) {
	i := slices.IndexFunc(c.Numbers, func(n models.ContactNumber) bool { return n.Mode == mode })
	if i < 0 {
		return models.ContactNumber{}, false
	}
	return c.Numbers[i], true
}

// longestPeriod is the longest period of caps, 0 without any.
func longestPeriod(caps []FrequencyCap) time.Duration {
	var longest time.Duration
	for _, c := range caps {
		longest = max(longest, c.Period)
	}
	return longest
}

// capped reports whether number has had as many attempts (starts, in
// order) as a frequency cap allows, and when the oldest of them leaves the
// period.
func capped(caps []FrequencyCap, starts []time.Time, number string, now time.Time) (time.Time, string) {
	var until time.Time
	var why string
	for _, fc := range caps {
		if fc.Attempts < 1 {
			// The configuration refuses such a cap; one that gets here allows
			// no call at all rather than any number.
			until, why = now.Add(fc.Period), fmt.Sprintf("frequency cap allows no attempts to %s in %s", number, fc.Period)
			continue
		}
		var in []time.Time
		for _, s := range starts {
			if s.After(now.Add(-fc.Period)) {
				in = append(in, s)
			}
		}
		if len(in) < fc.Attempts {
			continue
		}
		// The cap frees a slot when enough of the oldest attempts leave the period.
		free := in[len(in)-fc.Attempts].Add(fc.Period)
		if free.After(until) {
			until = free
			why = fmt.Sprintf("frequency cap reached: %d attempts to %s in %s, across campaigns", len(in), number, fc.Period)
		}
	}
	return until, why
}

// OrderModes orders the contact's modes by the strategy's mode priority;
// modes the strategy does not list follow in the contact's own order.
func OrderModes(priority []string, numbers []models.ContactNumber) []string {
	var out []string
	for _, m := range priority {
		if slices.ContainsFunc(numbers, func(n models.ContactNumber) bool { return n.Mode == m }) {
			out = append(out, m)
		}
	}
	for _, n := range numbers {
		if !slices.Contains(out, n.Mode) {
			out = append(out, n.Mode)
		}
	}
	return out
}

// numberWindows are the windows of n's own zone and, where the list
// declared another zone for the contact, of that zone too: both must be
// open. A zone closed for calling says why instead.
func (f *Facts) numberWindows(n models.ContactNumber, mode string) ([]window.Spec, string) {
	var specs []window.Spec
	for _, zone := range numberZones(n) {
		w, ok := f.Windows[zone]
		if !ok {
			w.Closed = fmt.Sprintf("zone %s of %s %s has no calling window", zone, mode, n.Number)
		}
		if w.Closed != "" {
			return nil, w.Closed
		}
		specs = append(specs, w.Spec)
	}
	return specs, ""
}

// numberZones are the zones whose windows apply to n: its own, then the
// contact's declared zone where that differs.
func numberZones(n models.ContactNumber) []string {
	if n.DeclaredZone != "" && n.DeclaredZone != n.TimeZone {
		return []string{n.TimeZone, n.DeclaredZone}
	}
	return []string{n.TimeZone}
}

// openTogether is the first moment at or after now when every window is
// open at once, and, when that is not now, why each closed one is closed.
// It reports false when they never open together again.
func openTogether(specs []window.Spec, now time.Time) (time.Time, bool, string) {
	var why []string
	for _, s := range specs {
		if !s.Open(now) {
			why = append(why, s.Explain(now))
		}
	}
	t := now
	// Each window moves t to its next opening; the bound guards windows
	// that never overlap (a night in one zone the other's day).
	for range 64 {
		moved := false
		for _, s := range specs {
			if s.Open(t) {
				continue
			}
			next, ok := s.Next(t)
			if !ok {
				return time.Time{}, false, strings.Join(why, "; ")
			}
			t, moved = next, true
		}
		if !moved {
			return t, true, strings.Join(why, "; ")
		}
	}
	return time.Time{}, false, strings.Join(append(why, "the windows of its zones never open together"), "; ")
}

// contactZone is the contact's own zone, in which its days are counted;
// UTC when it cannot be loaded.
func (f *Facts) contactZone() *time.Location {
	loc, err := loadZone(f.Contact.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// loadedZones keeps the zones loaded so far: time.LoadLocation reads and parses
// a zone file on every call, and every check loads its zones.
var loadedZones sync.Map

// loadZone is time.LoadLocation, once per zone name.
func loadZone(name string) (*time.Location, error) {
	if loc, ok := loadedZones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	loadedZones.Store(name, loc)
	return loc, nil
}
