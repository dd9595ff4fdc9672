package contact

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/strategy"
	"github.com/outdial/outdial/window"
)

// Evidence is what the checks of one number saw at one moment: kept with
// the attempt as its dial request leaves, so "why was this person called at
// 8:02 AM?" has an answer from the database as well as the history.
type Evidence struct {
	CheckedAt      time.Time   `json:"checked_at"`
	Mode           string      `json:"mode"`
	Number         string      `json:"number"`
	Campaign       string      `json:"campaign"`
	CampaignStatus string      `json:"campaign_status"`
	ListID         uint64      `json:"list_id"`
	ListStatus     string      `json:"list_status"`
	ListEnds       time.Time   `json:"list_ends"`
	Zones          []ZoneCheck `json:"zones"`
	DNC            DNCCheck    `json:"dnc"`
	FrequencyCaps  []CapCheck  `json:"frequency_caps"`
	GlobalRetry    RetryCheck  `json:"global_retry"`
	DailyRetry     RetryCheck  `json:"daily_retry"`
}

// ZoneCheck is one zone whose windows apply to the number: its own, and
// the contact's declared zone where the two differ.
type ZoneCheck struct {
	Zone string `json:"zone"`
	// Of is "number" or "declared" (the list's zone for the contact).
	Of        string        `json:"of"`
	LocalTime string        `json:"local_time,omitempty"`
	Windows   []WindowCheck `json:"windows"`
	// Rows are the configured time zone governing the zone and the
	// campaign group's row for it, as stored.
	Rows []ZoneRow `json:"zone_rows"`
	// Closed says why the zone is not dialed at all, when it is not.
	Closed string `json:"closed,omitempty"`
}

// WindowCheck is one window and whether it was open.
type WindowCheck struct {
	Name   string `json:"name"`
	Window string `json:"window"`
	Open   bool   `json:"open"`
}

// DNCCheck names the DNC lists in force for the campaign and those that
// held the number (none, for a call that was placed).
type DNCCheck struct {
	Checked []string `json:"lists_checked"`
	HeldBy  []string `json:"held_by"`
}

// CapCheck is a frequency cap and the attempts to the number in its period
// before this one, across campaigns.
type CapCheck struct {
	Attempts int    `json:"attempts"`
	Period   string `json:"period"`
	Count    int    `json:"count"`
}

// RetryCheck is the contact's count against one of its campaign's retry
// caps; Cap is nil without one. Day is the contact-local day counted.
type RetryCheck struct {
	Count int    `json:"count"`
	Cap   *int   `json:"cap"`
	Day   string `json:"day,omitempty"`
}

// evidence is what the checks of n see at now.
func (f *Facts) evidence(n models.ContactNumber, now time.Time) *Evidence {
	e := &Evidence{CheckedAt: now, Mode: n.Mode, Number: n.Number, Campaign: f.CampaignName, CampaignStatus: f.CampaignStatus,
		ListID: f.ListID, ListStatus: f.ListStatus, ListEnds: f.ListEnd,
		DNC: DNCCheck{Checked: nonNil(f.DNCLists), HeldBy: nonNil(f.DNC[n.Number])}}
	for i, zone := range numberZones(n) {
		z := ZoneCheck{Zone: zone, Of: "number", Windows: []WindowCheck{}}
		if i > 0 {
			z.Of = "declared"
		}
		w, ok := f.Windows[zone]
		z.Zone, z.Rows = cmp.Or(w.Zone, zone), w.Rows
		if z.Rows == nil {
			z.Rows = []ZoneRow{}
		}
		switch {
		case !ok:
			z.Closed = "no calling window"
		case w.Closed != "":
			z.Closed = w.Closed
		}
		if w.Spec.Loc != nil {
			z.LocalTime = now.In(w.Spec.Loc).Format("2006-01-02 15:04:05 MST")
		}
		for _, p := range w.Parts {
			z.Windows = append(z.Windows, WindowCheck{Name: p.Name, Window: describe(p.Spec), Open: p.Spec.Open(now)})
		}
		e.Zones = append(e.Zones, z)
	}
	for _, fc := range f.Caps {
		count := 0
		for _, s := range f.Starts[n.Number] {
			if s.After(now.Add(-fc.Period)) && !s.After(now) {
				count++
			}
		}
		e.FrequencyCaps = append(e.FrequencyCaps, CapCheck{Attempts: fc.Attempts, Period: fc.Period.String(), Count: count})
	}
	loc := f.contactZone()
	e.GlobalRetry = RetryCheck{Count: f.Counters.Global, Cap: f.Retry.GlobalRetry}
	e.DailyRetry = RetryCheck{Count: strategy.DailyCount(f.Counters, now, loc), Cap: f.Retry.DailyRetry, Day: now.In(loc).Format(time.DateOnly)}
	return e
}

// describe is a window as the evidence shows it: its dates, then its daily
// hours, in its zone ("2026-01-01 to 2026-12-31, 08:00–21:00").
func describe(s window.Spec) string {
	var parts []string
	if s.Dates != (window.Dates{}) {
		parts = append(parts, s.Dates.String())
	}
	for _, d := range s.Daily {
		parts = append(parts, d.String())
	}
	return strings.Join(parts, ", ")
}

// nonNil keeps an empty list a list in JSON.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}
