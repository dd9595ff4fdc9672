package contact

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/strategy"
	"github.com/outdial/outdial/window"
)

func mustLoc(t testing.TB, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func hours(start, end int) window.Daily {
	return window.Daily{Start: window.Clock(start * 60), End: window.Clock(end * 60)}
}

const (
	mobile = "+14695550001" // Chicago
	home   = "+12125550002" // New York
)

// baseFacts is an active contact with a mobile in Chicago and a home number
// in New York, both open 09:00–17:00 local, and nothing in the way.
func baseFacts(t testing.TB, now time.Time) Facts {
	return Facts{
		Contact: models.Contact{ID: 7, Status: models.ContactReady, Numbers: []models.ContactNumber{
			{Mode: "Mobile", Number: mobile, TimeZone: "America/Chicago"},
			{Mode: "Home", Number: home, TimeZone: "America/New_York"},
		}},
		CampaignName: "kris_progressive", CampaignStatus: models.CampaignActive,
		ListID: 3, ListStatus: models.ListActive, ListEnd: now.AddDate(0, 1, 0),
		Modes: []string{"Mobile", "Home"},
		Windows: map[string]Window{
			"America/Chicago":  {Spec: window.Spec{Loc: mustLoc(t, "America/Chicago"), Daily: []window.Daily{hours(9, 17)}}},
			"America/New_York": {Spec: window.Spec{Loc: mustLoc(t, "America/New_York"), Daily: []window.Daily{hours(9, 17)}}},
		},
	}
}

// declaredNewYork makes the mobile a Denver number of a contact its list
// declares in New York.
func declaredNewYork(f *Facts) {
	f.Contact.TimeZone = "America/New_York"
	f.Contact.Numbers[0].TimeZone, f.Contact.Numbers[0].DeclaredZone = "America/Denver", "America/New_York"
	f.Windows["America/Denver"] = Window{Spec: window.Spec{Loc: mustLocOf("America/Denver"), Daily: []window.Daily{hours(9, 17)}}}
}

func mustLocOf(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func ptr(n int) *int { return &n }

func TestCheck(t *testing.T) {
	chicago := mustLoc(t, "America/Chicago")
	noon := time.Date(2026, 11, 25, 12, 0, 0, 0, chicago) // a Wednesday, open in both zones
	evening := time.Date(2026, 11, 25, 20, 0, 0, 0, chicago)
	tomorrow9 := time.Date(2026, 11, 26, 9, 0, 0, 0, chicago)
	for _, tc := range []struct {
		name   string
		now    time.Time // noon unless set
		edit   func(*Facts)
		action string
		mode   string        // the mode named, if any
		until  time.Time     // for a wait
		reason []string      // fragments of the reason
		after  time.Duration // for a wait: until is now plus this, when until is zero
	}{
		{name: "dialable", action: ActionDial, mode: "Mobile"},
		{name: "closed contact", edit: func(f *Facts) { f.Contact.Status, f.Contact.ClosedReason = models.ContactClosed, "sale" },
			action: ActionClose, reason: []string{"the contact is closed: sale"}},
		{name: "closed contact beats everything", edit: func(f *Facts) {
			f.Contact.Status, f.ListStatus, f.ListEnd = models.ContactClosed, models.ListStopped, noon.Add(-time.Hour)
		}, action: ActionClose, reason: []string{"the contact is closed"}},
		{name: "list expired", edit: func(f *Facts) { f.ListEnd = noon.Add(-time.Minute) },
			action: ActionClose, reason: []string{"time to live ended: list 3 expired at 2026-11-25T17:59:00Z"}},
		{name: "list ends at now: still dialable", edit: func(f *Facts) { f.ListEnd = noon }, action: ActionDial, mode: "Mobile"},
		{name: "expired beats stopped", edit: func(f *Facts) { f.ListEnd, f.ListStatus = noon.Add(-time.Minute), models.ListStopped },
			action: ActionClose, reason: []string{"time to live ended"}},
		{name: "campaign paused waits an hour", edit: func(f *Facts) { f.CampaignStatus = models.CampaignPaused },
			action: ActionWait, until: noon, reason: []string{"campaign kris_progressive is paused"}},
		{name: "campaign draft waits", edit: func(f *Facts) { f.CampaignStatus = models.CampaignDraft },
			action: ActionWait, until: noon, reason: []string{"is draft"}},
		{name: "campaign stopped waits", edit: func(f *Facts) { f.CampaignStatus = models.CampaignStopped },
			action: ActionWait, until: noon, reason: []string{"is stopped"}},
		{name: "list stopped waits an hour", edit: func(f *Facts) { f.ListStatus = models.ListStopped },
			action: ActionWait, after: time.Hour, reason: []string{"list 3 is stopped"}},
		{name: "list importing waits an hour", edit: func(f *Facts) { f.ListStatus = models.ListImporting },
			action: ActionWait, after: time.Hour, reason: []string{"list 3 is importing"}},
		{name: "DNC on the current mode falls to the next, keeping why", edit: func(f *Facts) {
			f.DNC = map[string][]string{mobile: {"Federal", "Texas"}}
		}, action: ActionDial, mode: "Home", reason: []string{"Mobile " + mobile + " is on DNC list Federal, Texas"}},
		{name: "DNC on the current mode Home falls back to Mobile", edit: func(f *Facts) {
			f.Counters.Mode, f.DNC = "Home", map[string][]string{home: {"Federal"}}
		}, action: ActionDial, mode: "Mobile", reason: []string{"Home " + home + " is on DNC list Federal"}},
		{name: "a DNC entry with no lists does not block", edit: func(f *Facts) { f.DNC = map[string][]string{mobile: {}} },
			action: ActionDial, mode: "Mobile"},
		{name: "every number on DNC closes", edit: func(f *Facts) {
			f.DNC = map[string][]string{mobile: {"Federal"}, home: {"Internal"}}
		}, action: ActionClose, reason: []string{"no number can be dialed", "Mobile " + mobile + " is on DNC list Federal", "Home " + home + " is on DNC list Internal"}},
		{name: "zone closed waits an hour", edit: func(f *Facts) {
			f.Windows["America/Chicago"] = Window{Closed: "zone Central is not enabled for calling"}
		}, action: ActionWait, mode: "Mobile", after: time.Hour, reason: []string{"zone Central is not enabled for calling"}},
		{name: "zone without a window waits an hour", edit: func(f *Facts) { delete(f.Windows, "America/Chicago") },
			action: ActionWait, mode: "Mobile", after: time.Hour, reason: []string{"zone America/Chicago of Mobile " + mobile + " has no calling window"}},
		{name: "outside the window waits for its next opening", now: evening,
			action: ActionWait, mode: "Mobile", until: tomorrow9, reason: []string{"outside daily window 09:00–17:00 (America/Chicago)"}},
		{name: "a window that never opens again closes", edit: func(f *Facts) {
			w := f.Windows["America/Chicago"]
			w.Spec.Dates.To = window.Date{Year: 2026, Month: 11, Day: 24}
			f.Windows["America/Chicago"] = w
		}, action: ActionClose, reason: []string{"no calling window opens again", "after date range ..2026-11-24"}},
		{name: "a window opening after the list ends closes", now: evening, edit: func(f *Facts) { f.ListEnd = tomorrow9.Add(-time.Minute) },
			action: ActionClose, reason: []string{"time to live ends before the calling window opens"}},
		{name: "a window opening as the list ends waits", now: evening, edit: func(f *Facts) { f.ListEnd = tomorrow9 },
			action: ActionWait, mode: "Mobile", until: tomorrow9},
		{name: "under the frequency cap", edit: func(f *Facts) {
			f.Caps = []FrequencyCap{{Attempts: 3, Period: 24 * time.Hour}}
			f.Starts = map[string][]time.Time{mobile: {noon.Add(-30 * time.Hour), noon.Add(-20 * time.Hour), noon.Add(-2 * time.Hour)}}
		}, action: ActionDial, mode: "Mobile"},
		{name: "an attempt exactly a period ago has left it", edit: func(f *Facts) {
			f.Caps = []FrequencyCap{{Attempts: 1, Period: 24 * time.Hour}}
			f.Starts = map[string][]time.Time{mobile: {noon.Add(-24 * time.Hour)}}
		}, action: ActionDial, mode: "Mobile"},
		{name: "frequency cap reached waits for the oldest attempt to leave", edit: func(f *Facts) {
			f.Caps = []FrequencyCap{{Attempts: 3, Period: 24 * time.Hour}}
			f.Starts = map[string][]time.Time{mobile: {noon.Add(-20 * time.Hour), noon.Add(-2 * time.Hour), noon.Add(-time.Hour)}}
		}, action: ActionWait, mode: "Mobile", after: 4 * time.Hour, reason: []string{"frequency cap reached: 3 attempts to " + mobile + " in 24h0m0s, across campaigns"}},
		{name: "over the cap: the slot frees when enough attempts leave", edit: func(f *Facts) {
			f.Caps = []FrequencyCap{{Attempts: 2, Period: 24 * time.Hour}}
			f.Starts = map[string][]time.Time{mobile: {noon.Add(-20 * time.Hour), noon.Add(-10 * time.Hour), noon.Add(-time.Hour)}}
		}, action: ActionWait, mode: "Mobile", after: 14 * time.Hour, reason: []string{"3 attempts"}},
		{name: "two caps: the later release wins", edit: func(f *Facts) {
			f.Caps = []FrequencyCap{{Attempts: 2, Period: 6 * time.Hour}, {Attempts: 3, Period: 24 * time.Hour}}
			f.Starts = map[string][]time.Time{mobile: {noon.Add(-20 * time.Hour), noon.Add(-5 * time.Hour), noon.Add(-time.Hour)}}
		}, action: ActionWait, mode: "Mobile", after: 4 * time.Hour, reason: []string{"in 24h0m0s"}},
		{name: "two caps: the later release wins, whichever comes first", edit: func(f *Facts) {
			f.Caps = []FrequencyCap{{Attempts: 3, Period: 24 * time.Hour}, {Attempts: 1, Period: 6 * time.Hour}}
			f.Starts = map[string][]time.Time{mobile: {noon.Add(-23 * time.Hour), noon.Add(-22 * time.Hour), noon.Add(-time.Hour)}}
		}, action: ActionWait, mode: "Mobile", after: 5 * time.Hour, reason: []string{"in 6h0m0s"}},
		{name: "another number's attempts do not count", edit: func(f *Facts) {
			f.Caps = []FrequencyCap{{Attempts: 1, Period: 24 * time.Hour}}
			f.Starts = map[string][]time.Time{home: {noon.Add(-time.Hour)}}
		}, action: ActionDial, mode: "Mobile"},
		{name: "removed modes are skipped", edit: func(f *Facts) { f.Counters.Removed = []string{"Mobile"} },
			action: ActionDial, mode: "Home"},
		{name: "a removed current mode is skipped", edit: func(f *Facts) { f.Counters = strategy.Counters{Mode: "Home", Removed: []string{"Home"}} },
			action: ActionDial, mode: "Mobile"},
		{name: "every mode removed closes", edit: func(f *Facts) { f.Counters.Removed = []string{"Home", "Mobile"} },
			action: ActionClose, reason: []string{"no dialable number left"}},
		{name: "the current mode first", edit: func(f *Facts) { f.Counters.Mode = "Home" }, action: ActionDial, mode: "Home"},
		{name: "the current mode first, even when it must wait", edit: func(f *Facts) {
			f.Counters.Mode = "Home"
			f.Windows["America/New_York"] = Window{Closed: "zone Eastern is not enabled for calling"}
		}, action: ActionWait, mode: "Home", after: time.Hour},
		{name: "a current mode the strategy does not list is ignored", edit: func(f *Facts) { f.Counters.Mode = "Fax" },
			action: ActionDial, mode: "Mobile"},
		{name: "a number in a mode the strategy does not list is never tried", edit: func(f *Facts) {
			f.Counters.Mode, f.Modes = "Mobile", []string{"Home"}
		}, action: ActionDial, mode: "Home"},
		{name: "priority order is the strategy's", edit: func(f *Facts) { f.Modes = []string{"Home", "Mobile"} },
			action: ActionDial, mode: "Home"},
		{name: "a mode without a number is skipped", edit: func(f *Facts) { f.Modes = []string{"Office", "Home", "Mobile"} },
			action: ActionDial, mode: "Home"},
		{name: "no numbers closes", edit: func(f *Facts) { f.Contact.Numbers = nil },
			action: ActionClose, reason: []string{"no dialable number left"}},
		// Finding 13: a Denver number of a contact the list places in New
		// York is dialed only while both windows are open.
		{name: "declared zone and the number's own: both open", edit: declaredNewYork, now: time.Date(2026, 11, 25, 11, 0, 0, 0, chicago),
			action: ActionDial, mode: "Mobile"},
		{name: "declared zone open, the number's own closed: waits for its own", edit: declaredNewYork, now: time.Date(2026, 11, 25, 8, 30, 0, 0, chicago),
			action: ActionWait, mode: "Mobile", until: time.Date(2026, 11, 25, 10, 0, 0, 0, chicago), reason: []string{"outside daily window 09:00–17:00 (America/Denver)"}},
		{name: "the number's own open, declared zone closed: waits for the declared", edit: declaredNewYork, now: time.Date(2026, 11, 25, 16, 30, 0, 0, chicago),
			action: ActionWait, mode: "Mobile", until: time.Date(2026, 11, 26, 10, 0, 0, 0, chicago), reason: []string{"outside daily window 09:00–17:00 (America/New_York)"}},
		{name: "a declared zone closed for calling waits", edit: func(f *Facts) {
			declaredNewYork(f)
			f.Windows["America/New_York"] = Window{Closed: "zone Eastern is not enabled for calling"}
		}, action: ActionWait, mode: "Mobile", after: time.Hour, reason: []string{"zone Eastern is not enabled"}},
		{name: "declared and own windows that never overlap close", edit: func(f *Facts) {
			declaredNewYork(f)
			f.Windows["America/New_York"] = Window{Spec: window.Spec{Loc: mustLoc(t, "America/New_York"), Daily: []window.Daily{hours(9, 10)}}}
			f.Windows["America/Denver"] = Window{Spec: window.Spec{Loc: mustLoc(t, "America/Denver"), Daily: []window.Daily{hours(16, 17)}}}
		}, action: ActionClose, reason: []string{"never open together"}},
		// The retry caps hold at the check too, whoever released the contact.
		{name: "global retry cap spent closes", edit: func(f *Facts) {
			f.Retry.GlobalRetry, f.Counters.Global = ptr(3), 3
		}, action: ActionClose, reason: []string{"global retry cap of 3"}},
		{name: "daily retry cap spent today waits for tomorrow", edit: func(f *Facts) {
			f.Contact.TimeZone = "America/Chicago"
			f.Retry.DailyRetry, f.Counters.Daily, f.Counters.DailyDate = ptr(2), 2, "2026-11-25"
		}, action: ActionWait, mode: "Mobile", until: time.Date(2026, 11, 26, 0, 0, 0, 0, chicago), reason: []string{"daily retry cap of 2 reached for 2026-11-25"}},
		{name: "yesterday's daily count does not hold", edit: func(f *Facts) {
			f.Contact.TimeZone = "America/Chicago"
			f.Retry.DailyRetry, f.Counters.Daily, f.Counters.DailyDate = ptr(2), 2, "2026-11-24"
		}, action: ActionDial, mode: "Mobile"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := tc.now
			if now.IsZero() {
				now = noon
			}
			f := baseFacts(t, now)
			if tc.edit != nil {
				tc.edit(&f)
			}
			v := Check(f, now)
			require.Equal(t, tc.action, v.Action, v.Reason)
			require.Equal(t, tc.mode, v.Mode, v.Reason)
			if n, ok := number(&f.Contact, tc.mode); ok {
				require.Equal(t, n.Number, v.Number)
				require.Equal(t, n.TimeZone, v.Zone)
			} else {
				require.Empty(t, v.Number)
			}
			switch {
			case tc.action != ActionWait:
				require.True(t, v.Until.IsZero(), "until %s", v.Until)
			case !tc.until.IsZero():
				require.True(t, tc.until.Equal(v.Until), "until %s, want %s", v.Until, tc.until)
			default:
				require.True(t, now.Add(tc.after).Equal(v.Until), "until %s, want %s", v.Until, now.Add(tc.after))
			}
			for _, r := range tc.reason {
				require.Contains(t, v.Reason, r)
			}
			if tc.action == ActionDial && len(tc.reason) == 0 {
				require.Empty(t, v.Reason)
			}
		})
	}
}

func TestDue(t *testing.T) {
	chicago := mustLoc(t, "America/Chicago")
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, chicago)
	later, earlier := now.Add(3*time.Hour), now.Add(-time.Minute)
	for _, tc := range []struct {
		name   string
		edit   func(*Facts)
		action string
		until  time.Time
		reason string // the whole reason
	}{
		{name: "ready waits for the pacer", action: ActionDial, reason: "due: waiting for the pacer to release it (an agent)"},
		{name: "new waits for the pacer", edit: func(f *Facts) { f.Contact.Status = models.ContactNew },
			action: ActionDial, reason: "due: waiting for the pacer to release it (an agent)"},
		{name: "a personal callback says whose", edit: func(f *Facts) { f.Contact.PCBAgent = "a7" },
			action: ActionDial, reason: "due: waiting for the pacer to release it (an agent) — a personal callback for agent a7"},
		{name: "the check's reason is kept", edit: func(f *Facts) { f.DNC = map[string][]string{mobile: {"Federal"}} },
			action: ActionDial, reason: "Mobile " + mobile + " is on DNC list Federal; due: waiting for the pacer to release it (an agent)"},
		{name: "rescheduled waits for its due time", edit: func(f *Facts) {
			f.Contact.Status, f.Contact.NextDueAt, f.Contact.WaitingReason = models.ContactScheduled, &later, "no answer"
		}, action: ActionWait, until: later, reason: "rescheduled: no answer"},
		{name: "rescheduled and due is dialable", edit: func(f *Facts) {
			f.Contact.Status, f.Contact.NextDueAt = models.ContactScheduled, &earlier
		}, action: ActionDial},
		{name: "an attempt in progress", edit: func(f *Facts) { f.Contact.Status = models.ContactDialing },
			action: ActionWait, reason: "an attempt is in progress"},
		{name: "a check that does not dial is kept", edit: func(f *Facts) {
			f.Contact.Status, f.Contact.NextDueAt, f.ListStatus = models.ContactScheduled, &later, models.ListStopped
		}, action: ActionWait, until: now.Add(time.Hour), reason: "list 3 is stopped"},
		{name: "a closed contact stays closed", edit: func(f *Facts) { f.Contact.Status, f.Contact.ClosedReason = models.ContactClosed, "sale" },
			action: ActionClose, reason: "the contact is closed: sale"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := baseFacts(t, now)
			if tc.edit != nil {
				tc.edit(&f)
			}
			v := Due(f, Check(f, now), now)
			require.Equal(t, tc.action, v.Action, v.Reason)
			require.True(t, tc.until.Equal(v.Until), "until %s, want %s", v.Until, tc.until)
			require.Equal(t, tc.reason, v.Reason)
		})
	}
}

// fuzzBytes hands out small choices from fuzz data; exhausted data gives
// 0, so every input is a complete set of facts.
type fuzzBytes []byte

func (b *fuzzBytes) n(k int) int {
	if len(*b) == 0 || k <= 1 {
		return 0
	}
	v := int((*b)[0])
	*b = (*b)[1:]
	return v % k
}

func choose[T any](b *fuzzBytes, vs ...T) T { return vs[b.n(len(vs))] }

var (
	fuzzZones   = []string{"America/Chicago", "UTC", "Asia/Kolkata", "Pacific/Apia", "Australia/Lord_Howe", "America/Havana"}
	fuzzModes   = []string{"Mobile", "Home", "Office"}
	fuzzNumbers = []string{"+14695550001", "+12125550002", "+13125550003", "+14155550004"}
	fuzzDailies = []window.Daily{hours(9, 17), hours(0, 23), hours(22, 2), hours(8, 21), {Start: 12 * 60, End: 12 * 60}, hours(18, 6)}
	fuzzPeriods = []time.Duration{time.Hour, 6 * time.Hour, 24 * time.Hour, 0}
	fuzzAgo     = []time.Duration{0, time.Minute, 59 * time.Minute, time.Hour, 5 * time.Hour, 6 * time.Hour, 23 * time.Hour, 24 * time.Hour, 30 * time.Hour}
	fuzzSpans   = []time.Duration{-time.Hour, 0, 30 * time.Minute, 2 * time.Hour, 20 * time.Hour, 72 * time.Hour, 30 * 24 * time.Hour}
)

// fuzzFacts builds the facts of one contact, and the time of its check, from
// fuzz data: a few modes and numbers (shared numbers included) in a few
// zones, with DNC entries, windows, caps and earlier attempts around now.
func fuzzFacts(b *fuzzBytes, locs map[string]*time.Location) (Facts, time.Time) {
	// Around Chicago's and Havana's fall-back nights (1 November 2026).
	now := time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC).Add(time.Duration(b.n(96))*time.Hour + time.Duration(b.n(60))*time.Minute)
	f := Facts{
		ListID:     1,
		ListStatus: choose(b, models.ListActive, models.ListActive, models.ListActive, models.ListStopped, models.ListImporting, models.ListExpired),
		ListEnd:    now.Add(choose(b, fuzzSpans...)),
	}
	f.Contact.Status = choose(b, models.ContactReady, models.ContactNew, models.ContactScheduled, models.ContactDialing, models.ContactReady, models.ContactClosed)
	if f.Contact.Status == models.ContactScheduled {
		due := now.Add(choose(b, -time.Hour, time.Minute, 3*time.Hour))
		f.Contact.NextDueAt = &due
	}
	var zones []string
	for _, m := range fuzzModes[:b.n(len(fuzzModes)+1)] {
		n := models.ContactNumber{Mode: m, Number: choose(b, fuzzNumbers...), TimeZone: choose(b, fuzzZones...)}
		f.Contact.Numbers = append(f.Contact.Numbers, n)
		if !slices.Contains(zones, n.TimeZone) {
			zones = append(zones, n.TimeZone)
		}
	}
	// The strategy's order of the contact's modes, sometimes with one it lacks.
	for _, n := range f.Contact.Numbers {
		f.Modes = slices.Insert(f.Modes, b.n(len(f.Modes)+1), n.Mode)
	}
	if b.n(4) == 0 {
		f.Modes = slices.Insert(f.Modes, b.n(len(f.Modes)+1), "Fax")
	}
	f.Counters.Mode = choose(b, append([]string{"", "Fax"}, fuzzModes...)...)
	for _, m := range fuzzModes {
		if b.n(4) == 0 {
			f.Counters.Removed = append(f.Counters.Removed, m)
		}
	}
	f.DNC = map[string][]string{}
	for _, n := range fuzzNumbers {
		switch b.n(4) {
		case 0:
			f.DNC[n] = []string{"Federal"}
		case 1:
			f.DNC[n] = []string{} // a number with no list in force blocks nothing
		}
	}
	f.Windows = map[string]Window{}
	for _, z := range zones {
		switch b.n(8) {
		case 0:
			continue // no window for the zone
		case 1:
			f.Windows[z] = Window{Closed: "zone " + z + " is not enabled for calling"}
			continue
		}
		spec := window.Spec{Loc: locs[z]}
		day := func() window.Date { return window.DateOf(now.In(locs[z]).AddDate(0, 0, b.n(5)-2)) }
		switch b.n(4) {
		case 0:
			spec.Dates.From = day()
		case 1:
			spec.Dates.To = day()
		case 2:
			spec.Dates.From, spec.Dates.To = day(), day()
		}
		for range b.n(3) {
			spec.Daily = append(spec.Daily, choose(b, fuzzDailies...))
		}
		f.Windows[z] = Window{Spec: spec}
	}
	for range b.n(3) {
		f.Caps = append(f.Caps, FrequencyCap{Attempts: 1 + b.n(3), Period: choose(b, fuzzPeriods...)})
	}
	f.Starts = map[string][]time.Time{}
	for _, n := range fuzzNumbers {
		for range b.n(5) {
			f.Starts[n] = append(f.Starts[n], now.Add(-choose(b, fuzzAgo...)))
		}
		slices.SortFunc(f.Starts[n], time.Time.Compare)
	}
	// Rarely, the strategy leaves out one of the contact's modes (last, so
	// that exhausted data keeps them all).
	if b.n(6) == 5 && len(f.Modes) > 0 {
		i := b.n(len(f.Modes))
		f.Modes = slices.Delete(f.Modes, i, i+1)
	}
	// The campaign is active unless the data says otherwise (last, as above).
	f.CampaignStatus = choose(b, models.CampaignActive, models.CampaignActive, models.CampaignActive, models.CampaignPaused, models.CampaignDraft, models.CampaignStopped)
	return f, now
}

// full says whether a frequency cap has no slot left at t for a number
// attempted at starts: the test's own count.
func full(caps []FrequencyCap, starts []time.Time, t time.Time) bool {
	for _, c := range caps {
		in := 0
		for _, s := range starts {
			if t.Sub(s) < c.Period {
				in++
			}
		}
		if in >= c.Attempts {
			return true
		}
	}
	return false
}

// usable is a number's zone window, unless the zone is closed for calling
// or has no window.
func usable(f Facts, n models.ContactNumber) (window.Spec, bool) {
	w, ok := f.Windows[n.TimeZone]
	return w.Spec, ok && w.Closed == ""
}

// dialable says, by the test's own reading of the rules, whether the
// contact's number n can be dialed at now, and why not.
func dialable(f Facts, n models.ContactNumber, now time.Time) (bool, string) {
	spec, ok := usable(f, n)
	switch {
	case len(f.DNC[n.Number]) > 0:
		return false, "is on a DNC list"
	case !ok:
		return false, "is in a zone closed for calling"
	case !spec.Open(now):
		return false, "is outside its window"
	case full(f.Caps, f.Starts[n.Number], now):
		return false, "is at a frequency cap"
	}
	return true, ""
}

// firstChoice is, by the test's own reading, the number a check must try:
// the current mode's when the strategy lists it, else the first of the
// strategy's modes, skipping modes removed, modes without a number and
// numbers on a DNC list (returned as passed over).
func firstChoice(f Facts) (n models.ContactNumber, ok bool, passed []string) {
	order := f.Modes
	if slices.Contains(f.Modes, f.Counters.Mode) {
		order = append([]string{f.Counters.Mode}, f.Modes...)
	}
	for _, m := range order {
		i := slices.IndexFunc(f.Contact.Numbers, func(n models.ContactNumber) bool { return n.Mode == m })
		if slices.Contains(f.Counters.Removed, m) || i < 0 {
			continue
		}
		if n := f.Contact.Numbers[i]; len(f.DNC[n.Number]) > 0 {
			passed = append(passed, n.Number)
			continue
		}
		return f.Contact.Numbers[i], true, passed
	}
	return models.ContactNumber{}, false, passed
}

// FuzzCheck checks, on random facts, what a check must never do: dial a
// number on a DNC list, outside its window, in a closed zone or at a
// frequency cap; dial after the list's end, for a closed contact or a list
// not active; name a number the contact does not have in a mode still in
// use; wait until a time already past. And that it tries the numbers in
// order, and that its waits are for the right time: a window's next opening
// within the time to live, the moment a frequency cap frees a slot.
func FuzzCheck(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 30 {
		seed := make([]byte, 80)
		for i := range seed {
			seed[i] = byte(r.IntN(256))
		}
		f.Add(seed)
	}
	f.Add([]byte{})
	// Hand-made: Mobile on DNC, so Home under its cap is dialed; Home, the
	// current mode, at its cap waits; a window opening after the list ends
	// closes; a closed zone waits. (The order of choices is fuzzFacts'.)
	f.Add([]byte{0, 0, 0, 6, 0, 2, 0, 0, 1, 1, 1, 1, 2, 1, 1, 1, 0, 2, 2, 2, 2, 3, 1, 1, 2, 3, 1, 1, 1, 1, 2, 0, 1, 4, 0, 0})
	f.Add([]byte{0, 0, 0, 6, 0, 2, 0, 0, 1, 1, 1, 1, 3, 1, 1, 1, 2, 2, 2, 2, 2, 3, 1, 1, 2, 3, 1, 1, 1, 1, 2, 0, 2, 4, 6, 0, 0})
	f.Add([]byte{0, 0, 0, 2, 0, 1, 0, 0, 1, 0, 1, 1, 1, 2, 2, 2, 2, 2, 3, 1, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 6, 0, 1, 0, 0, 1, 0, 1, 1, 1, 2, 2, 2, 2, 1, 0, 0, 0, 0, 0})
	locs := map[string]*time.Location{}
	for _, z := range fuzzZones {
		locs[z] = mustLoc(f, z)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b := fuzzBytes(data)
		facts, now := fuzzFacts(&b, locs)
		v := Check(facts, now)
		require.Contains(t, []string{ActionDial, ActionWait, ActionClose}, v.Action)
		require.NotEmpty(t, v.Reason+v.Number, "a verdict says why, or what it dials")
		switch {
		case v.Action == ActionWait && facts.CampaignStatus != models.CampaignActive && facts.Contact.Status != models.ContactClosed && !now.After(facts.ListEnd):
			// An inactive campaign's contact is due at once, back with the
			// pacer, which releases it only once the campaign is active.
			require.Equal(t, now, v.Until, v.Reason)
		case v.Action == ActionWait:
			require.True(t, v.Until.After(now), "waits until %s, not after %s: %s", v.Until, now, v.Reason)
		default:
			require.True(t, v.Until.IsZero(), "until %s on %s: %s", v.Until, v.Action, v.Reason)
		}
		if v.Number != "" {
			// Any number named is the contact's, in a mode still in use,
			// and never one on a DNC list.
			i := slices.IndexFunc(facts.Contact.Numbers, func(n models.ContactNumber) bool { return n.Mode == v.Mode })
			require.GreaterOrEqual(t, i, 0, "mode %s is not the contact's", v.Mode)
			n := facts.Contact.Numbers[i]
			require.Equal(t, n.Number, v.Number)
			require.Equal(t, n.TimeZone, v.Zone)
			require.Contains(t, facts.Modes, v.Mode)
			require.NotContains(t, facts.Counters.Removed, v.Mode)
			require.Empty(t, facts.DNC[v.Number], "names %s on a DNC list", v.Number)
		}
		if v.Action == ActionDial {
			require.NotEqual(t, models.ContactClosed, facts.Contact.Status)
			require.Equal(t, models.CampaignActive, facts.CampaignStatus, "dials a contact of a campaign that is not active")
			require.Equal(t, models.ListActive, facts.ListStatus)
			require.False(t, now.After(facts.ListEnd), "dials at %s, after the list's end %s", now, facts.ListEnd)
			n, _ := number(&facts.Contact, v.Mode)
			ok, why := dialable(facts, n, now)
			require.True(t, ok, "dials %s %s, which %s", v.Mode, v.Number, why)
		}
		checkDue(t, facts, v, now)

		if facts.Contact.Status == models.ContactClosed || now.After(facts.ListEnd) {
			require.Equal(t, ActionClose, v.Action, v.Reason)
			return
		}
		if facts.CampaignStatus != models.CampaignActive || facts.ListStatus != models.ListActive {
			require.Equal(t, ActionWait, v.Action, v.Reason)
			return
		}
		n, ok, passed := firstChoice(facts)
		if v.Action == ActionDial {
			for _, p := range passed {
				require.Contains(t, v.Reason, p, "a dial past a number on a DNC list says so")
			}
		}
		if !ok {
			require.Equal(t, ActionClose, v.Action, "nothing left to dial, yet: %s", v.Reason)
			return
		}
		// The first choice decides: it is dialed, or waited for, or the
		// contact closes because its window never opens in time.
		spec, zoneOK := usable(facts, n)
		if v.Action == ActionClose {
			require.True(t, zoneOK && !spec.Open(now), "closes though %s %s can be dialed or waited for: %s", n.Mode, n.Number, v.Reason)
			next, opens := spec.Next(now)
			require.True(t, !opens || next.After(facts.ListEnd), "closes though the window opens at %s, within the time to live: %s", next, v.Reason)
			return
		}
		require.Equal(t, n.Mode, v.Mode, "tries %s before %s: %s", v.Mode, n.Mode, v.Reason)
		switch {
		case v.Action == ActionDial:
		case !zoneOK:
			require.True(t, now.Add(recheck).Equal(v.Until), "a closed zone is checked again in an hour, not at %s", v.Until)
		case !spec.Open(now):
			// The window's next opening, within the time to live.
			next, _ := spec.Next(now)
			require.True(t, next.Equal(v.Until), "waits for the window until %s, not its opening at %s", v.Until, next)
			require.True(t, spec.Open(v.Until), "waits for the window until %s, when it is shut", v.Until)
			require.False(t, v.Until.After(facts.ListEnd), "waits for the window until %s, after the list's end %s", v.Until, facts.ListEnd)
		default:
			// The moment a slot frees, and not a moment later.
			starts := facts.Starts[n.Number]
			require.True(t, full(facts.Caps, starts, now), "waits though no cap is full: %s", v.Reason)
			require.False(t, full(facts.Caps, starts, v.Until), "a cap is still full at %s: %s", v.Until, v.Reason)
			require.True(t, full(facts.Caps, starts, v.Until.Add(-time.Nanosecond)), "waits past %s, when a slot was free: %s", v.Until, v.Reason)
		}
		if v.Action == ActionWait {
			require.False(t, func() bool { ok, _ := dialable(facts, n, now); return ok }(), "waits though %s %s can be dialed", n.Mode, n.Number)
		}
	})
}

// checkDue: Due only holds back a dialable contact, and a rescheduled one
// until a time still ahead.
func checkDue(t *testing.T, f Facts, v Verdict, now time.Time) {
	d := Due(f, v, now)
	if v.Action != ActionDial {
		require.Equal(t, v, d)
		return
	}
	require.Contains(t, []string{ActionDial, ActionWait}, d.Action)
	require.Equal(t, v.Number, d.Number)
	if d.Action == ActionWait && f.Contact.Status == models.ContactScheduled {
		require.True(t, d.Until.After(now), "rescheduled until %s, not after %s", d.Until, now)
	}
}

// AtDial judges the attempt's own mode alone: another mode that could be
// dialed does not let a number that now breaks a rule through.
func TestAtDial(t *testing.T) {
	chicago := mustLoc(t, "America/Chicago")
	noon := time.Date(2026, 11, 25, 12, 0, 0, 0, chicago)
	f := baseFacts(t, noon)
	v := AtDial(f, "Home", noon)
	require.Equal(t, ActionDial, v.Action, v.Reason)
	require.Equal(t, home, v.Number)

	f.DNC = map[string][]string{home: {"Federal"}}
	v = AtDial(f, "Home", noon)
	require.Equal(t, ActionClose, v.Action, "the mobile is dialable, but the attempt is to the home number")
	require.Contains(t, v.Reason, "on DNC list Federal")

	f = baseFacts(t, noon)
	evening := time.Date(2026, 11, 25, 16, 30, 0, 0, chicago) // 17:30 in New York
	v = AtDial(f, "Home", evening)
	require.Equal(t, ActionWait, v.Action, v.Reason)
	require.Equal(t, ActionDial, Check(f, evening).Action, "the mobile in Chicago is still open")
}
