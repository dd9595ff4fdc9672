package window

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the host's zone files

	"github.com/stretchr/testify/require"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func clk(t testing.TB, s string) Clock {
	t.Helper()
	c, err := ParseClock(s)
	require.NoError(t, err)
	return c
}

func daily(t testing.TB, start, end string) Daily {
	t.Helper()
	d, err := ParseDaily(start, end)
	require.NoError(t, err)
	return d
}

// The brief's example: a 15-minute delay from 20:50 lands at 21:05, which is
// closed, so the contact waits for 08:00 the next local day, also across
// both 2026 US clock changes.
func TestChicagoEveningDelay(t *testing.T) {
	chicago := mustLoad(t, "America/Chicago")
	spec := Spec{Loc: chicago, Daily: []Daily{daily(t, "08:00", "21:00")}}
	for _, tc := range []struct {
		name     string
		day      time.Time // the evening of the attempt
		wantNext time.Time
		gap      time.Duration // real time from 21:05 to the next opening
	}{
		{"ordinary night", time.Date(2026, 6, 15, 0, 0, 0, 0, chicago), time.Date(2026, 6, 16, 8, 0, 0, 0, chicago), 10*time.Hour + 55*time.Minute},
		{"spring forward", time.Date(2026, 3, 7, 0, 0, 0, 0, chicago), time.Date(2026, 3, 8, 8, 0, 0, 0, chicago), 9*time.Hour + 55*time.Minute},
		{"fall back", time.Date(2026, 10, 31, 0, 0, 0, 0, chicago), time.Date(2026, 11, 1, 8, 0, 0, 0, chicago), 11*time.Hour + 55*time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			attempt := tc.day.Add(20*time.Hour + 50*time.Minute)
			require.True(t, spec.Open(attempt))
			due := attempt.Add(15 * time.Minute)
			require.Equal(t, "21:05", due.Format("15:04"))
			require.False(t, spec.Open(due))

			next, ok := spec.Next(due)
			require.True(t, ok)
			require.True(t, next.Equal(tc.wantNext), "got %v want %v", next, tc.wantNext)
			require.Equal(t, "08:00", next.Format("15:04"))
			require.Equal(t, tc.gap, next.Sub(due))
			require.Equal(t, chicago, next.Location())

			// Inside the window Next is the identity, to the nanosecond.
			got, ok := spec.Next(attempt.Add(123 * time.Nanosecond))
			require.True(t, ok)
			require.True(t, got.Equal(attempt.Add(123*time.Nanosecond)))
		})
	}
}

// A window ends at the minute it names: 21:00 is closed, 20:59:59 open.
// "11:59 PM" stays the end of the day.
func TestWindowEndsAtTheMinuteItNames(t *testing.T) {
	chicago := mustLoad(t, "America/Chicago")
	spec := Spec{Loc: chicago, Daily: []Daily{daily(t, "8:00 AM", "9:00 PM")}}
	day := time.Date(2026, 6, 15, 0, 0, 0, 0, chicago)
	at := func(h, m, s int) time.Time {
		return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
	}
	require.False(t, spec.Open(at(7, 59, 59)))
	require.True(t, spec.Open(at(8, 0, 0)))
	require.True(t, spec.Open(at(20, 59, 59)))
	require.False(t, spec.Open(at(21, 0, 0)))
	require.False(t, spec.Open(at(21, 0, 59)))

	next, ok := spec.Next(at(7, 59, 30))
	require.True(t, ok)
	require.True(t, next.Equal(at(8, 0, 0)))

	full := Spec{Loc: chicago, Daily: []Daily{daily(t, "12:00 AM", "11:59 PM")}}
	for m := 0; m < MinutesPerDay; m += 7 {
		require.True(t, full.Open(at(0, m, 30)))
	}
	require.True(t, full.Open(at(23, 59, 59)), "11:59 PM is the end of the day")

	night := Spec{Loc: chicago, Daily: []Daily{daily(t, "22:00", "02:00")}}
	require.True(t, night.Open(at(1, 59, 59)))
	require.False(t, night.Open(at(2, 0, 0)))
	require.True(t, night.Open(at(22, 0, 0)))
	next, ok = night.Next(at(2, 0, 0))
	require.True(t, ok)
	require.True(t, next.Equal(at(22, 0, 0)))

	empty := Spec{Loc: chicago, Daily: []Daily{daily(t, "12:00", "12:00")}}
	_, ok = empty.Next(at(0, 0, 0))
	require.False(t, ok, "a window that ends where it starts never opens")
}

// TestDST pins down the DST semantics documented in the package comment.
func TestDST(t *testing.T) {
	chicago := mustLoad(t, "America/Chicago")
	london := mustLoad(t, "Europe/London")
	lordHowe := mustLoad(t, "Australia/Lord_Howe")
	santiago := mustLoad(t, "America/Santiago")
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return v
	}
	type check struct {
		at       string // RFC 3339 instant
		open     bool
		next     string // RFC 3339 instant, "" for never
		nextNote string
	}
	for _, tc := range []struct {
		name   string
		spec   Spec
		checks []check
	}{
		{
			// 2026-03-08 02:00 CST becomes 03:00 CDT.
			name: "Chicago spring, start in the gap opens right after it",
			spec: Spec{Loc: chicago, Daily: []Daily{daily(t, "02:30", "05:00")}},
			checks: []check{
				{at: "2026-03-08T01:59:00-06:00", open: false, next: "2026-03-08T03:00:00-05:00", nextNote: "first instant after the gap"},
				{at: "2026-03-08T03:00:00-05:00", open: true, next: "2026-03-08T03:00:00-05:00"},
				{at: "2026-03-08T05:01:00-05:00", open: false, next: "2026-03-09T02:30:00-05:00"},
			},
		},
		{
			name: "Chicago spring, a window wholly inside the gap skips the day",
			spec: Spec{Loc: chicago, Daily: []Daily{daily(t, "02:00", "02:30")}},
			checks: []check{
				{at: "2026-03-08T01:00:00-06:00", open: false, next: "2026-03-09T02:00:00-05:00"},
			},
		},
		{
			name: "Chicago spring, window across midnight ends in the gap",
			spec: Spec{Loc: chicago, Daily: []Daily{daily(t, "22:00", "02:30")}},
			checks: []check{
				{at: "2026-03-07T23:00:00-06:00", open: true, next: "2026-03-07T23:00:00-06:00"},
				{at: "2026-03-08T01:59:59-06:00", open: true, next: "2026-03-08T01:59:59-06:00"},
				{at: "2026-03-08T03:00:00-05:00", open: false, next: "2026-03-08T22:00:00-05:00"},
			},
		},
		{
			// 2026-11-01 02:00 CDT becomes 01:00 CST; 01:00–01:59 happens twice.
			name: "Chicago fall, the repeated hour counts both times",
			spec: Spec{Loc: chicago, Daily: []Daily{daily(t, "22:00", "01:30")}},
			checks: []check{
				{at: "2026-11-01T01:15:00-05:00", open: true, next: "2026-11-01T01:15:00-05:00"},
				{at: "2026-11-01T01:45:00-05:00", open: false, next: "2026-11-01T01:00:00-06:00", nextNote: "reopens when 01:00 comes round again"},
				{at: "2026-11-01T01:29:59-06:00", open: true, next: "2026-11-01T01:29:59-06:00"},
				{at: "2026-11-01T01:30:00-06:00", open: false, next: "2026-11-01T22:00:00-06:00", nextNote: "the window ends at the minute it names"},
			},
		},
		{
			name: "Chicago fall, window starting in the repeated hour opens at its first occurrence",
			spec: Spec{Loc: chicago, Daily: []Daily{daily(t, "01:30", "08:00")}},
			checks: []check{
				{at: "2026-11-01T00:00:00-05:00", open: false, next: "2026-11-01T01:30:00-05:00"},
				{at: "2026-11-01T01:00:00-06:00", open: false, next: "2026-11-01T01:30:00-06:00"},
			},
		},
		{
			// 2026-10-25 02:00 BST becomes 01:00 GMT. The last minute of the
			// date range comes round again after it seemed over (found by
			// FuzzNext).
			name: "London fall, the repeated hour on the last day of the range",
			spec: Spec{Loc: london, Dates: Dates{Date{2026, 10, 25}, Date{2026, 10, 25}}, Daily: []Daily{daily(t, "01:24", "01:25")}},
			checks: []check{
				{at: "2026-10-25T01:40:00+01:00", open: false, next: "2026-10-25T01:24:00Z"},
				{at: "2026-10-25T01:25:00Z", open: false, next: ""},
			},
		},
		{
			// 2026-03-29 01:00 GMT becomes 02:00 BST.
			name: "London spring",
			spec: Spec{Loc: london, Daily: []Daily{daily(t, "01:15", "01:45")}},
			checks: []check{
				{at: "2026-03-29T00:30:00Z", open: false, next: "2026-03-30T01:15:00+01:00"},
			},
		},
		{
			// 2026-10-04 02:00 +1030 becomes 02:30 +11; 2026-04-05 02:00 +11
			// becomes 01:30 +1030.
			name: "Lord Howe half-hour shifts",
			spec: Spec{Loc: lordHowe, Daily: []Daily{daily(t, "02:10", "03:00")}},
			checks: []check{
				{at: "2026-10-04T01:59:00+10:30", open: false, next: "2026-10-04T02:30:00+11:00"},
				{at: "2026-04-05T01:40:00+11:00", open: false, next: "2026-04-05T02:10:00+10:30"},
			},
		},
		{
			name: "Lord Howe repeated half hour",
			spec: Spec{Loc: lordHowe, Daily: []Daily{daily(t, "01:40", "01:50")}},
			checks: []check{
				{at: "2026-04-05T01:45:00+11:00", open: true, next: "2026-04-05T01:45:00+11:00"},
				{at: "2026-04-05T01:51:00+11:00", open: false, next: "2026-04-05T01:40:00+10:30"},
			},
		},
		{
			// Chile springs forward at midnight: 2026-09-06 starts at 01:00.
			name: "Santiago, the day starts after a midnight gap",
			spec: Spec{Loc: santiago, Dates: Dates{From: Date{2026, 9, 6}}},
			checks: []check{
				{at: "2026-09-05T12:00:00-04:00", open: false, next: "2026-09-06T01:00:00-03:00"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range tc.checks {
				at := utc(c.at)
				require.Equal(t, c.open, tc.spec.Open(at), "Open(%s)", c.at)
				next, ok := tc.spec.Next(at)
				if c.next == "" {
					require.False(t, ok, "Next(%s)", c.at)
					continue
				}
				require.True(t, ok, "Next(%s)", c.at)
				require.True(t, next.Equal(utc(c.next)), "Next(%s) = %s, want %s %s", c.at, next, c.next, c.nextNote)
				checkNext(t, tc.spec, at, 3*24*time.Hour)
			}
		})
	}
}

// Samoa skipped 2011-12-30 when it moved across the date line.
func TestApiaSkippedDay(t *testing.T) {
	apia := mustLoad(t, "Pacific/Apia")
	spec := Spec{Loc: apia, Daily: []Daily{daily(t, "08:00", "09:00")}}
	from := time.Date(2011, 12, 29, 10, 0, 0, 0, apia)
	_, off := from.Zone()
	require.Equal(t, -10*3600, off)
	next, ok := spec.Next(from)
	require.True(t, ok)
	require.Equal(t, "2011-12-31 08:00 +14", next.Format("2006-01-02 15:04 -07"))
	require.Equal(t, 22*time.Hour, next.Sub(from))

	only30th := spec
	only30th.Dates = Dates{Date{2011, 12, 30}, Date{2011, 12, 30}}
	_, ok = only30th.Next(from)
	require.False(t, ok, "a day that never happened never opens")
}

func TestNeverOpens(t *testing.T) {
	chicago := mustLoad(t, "America/Chicago")
	now := time.Date(2026, 3, 8, 12, 0, 0, 0, chicago)
	for _, tc := range []struct {
		name string
		spec Spec
		why  string
	}{
		{"date range over", Spec{Loc: chicago, Dates: Dates{To: Date{2026, 3, 7}}, Daily: []Daily{{8 * 60, 21 * 60}}}, "after date range ..2026-03-07 (America/Chicago); it never opens again"},
		{"inverted dates", Spec{Loc: chicago, Dates: Dates{Date{2026, 4, 1}, Date{2026, 3, 1}}}, "date range 2026-04-01..2026-03-01 ends before it starts (America/Chicago); it never opens again"},
		{"daily windows disjoint", Spec{Loc: chicago, Daily: []Daily{{8 * 60, 10 * 60}, {13 * 60, 14 * 60}}}, "outside daily window 08:00–10:00 and outside daily window 13:00–14:00 (America/Chicago); the daily windows never overlap, so it never opens"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, ok := tc.spec.Next(now)
			require.False(t, ok)
			require.Less(t, time.Since(start), 50*time.Millisecond)
			require.Equal(t, tc.why, tc.spec.Explain(now))
		})
	}

	// A far-future start is reached without walking every DST change.
	far := Spec{Loc: chicago, Dates: Dates{From: Date{2400, 7, 1}}, Daily: []Daily{{8 * 60, 21 * 60}}}
	next, ok := far.Next(now)
	require.True(t, ok)
	require.Equal(t, "2400-07-01 08:00 CDT", next.Format("2006-01-02 15:04 MST"))
}

func TestDatesAndMultipleWindows(t *testing.T) {
	chicago := mustLoad(t, "America/Chicago")
	// Campaign 08:00–21:00 from March 1 to 31, zone calling hours 09:00–20:00.
	spec := Spec{
		Loc:   chicago,
		Dates: Dates{Date{2026, 3, 1}, Date{2026, 3, 31}},
		Daily: []Daily{daily(t, "08:00", "21:00"), daily(t, "9:00 AM", "8:00 PM")},
	}
	cases := []struct{ at, next string }{
		{"2026-02-27T12:00:00-06:00", "2026-03-01T09:00:00-06:00"},
		{"2026-03-10T08:30:00-05:00", "2026-03-10T09:00:00-05:00"},
		{"2026-03-10T19:59:30-05:00", "2026-03-10T19:59:30-05:00"},
		{"2026-03-10T20:00:00-05:00", "2026-03-11T09:00:00-05:00"},
		{"2026-03-31T20:00:00-05:00", ""},
	}
	for _, c := range cases {
		at, err := time.Parse(time.RFC3339, c.at)
		require.NoError(t, err)
		next, ok := spec.Next(at)
		if c.next == "" {
			require.False(t, ok, c.at)
			continue
		}
		want, err := time.Parse(time.RFC3339, c.next)
		require.NoError(t, err)
		require.True(t, ok, c.at)
		require.True(t, next.Equal(want), "Next(%s) = %s, want %s", c.at, next, c.next)
	}
}

func TestExplain(t *testing.T) {
	chicago := mustLoad(t, "America/Chicago")
	spec := Spec{Loc: chicago, Daily: []Daily{daily(t, "08:00", "21:00")}}
	require.Equal(t,
		"outside daily window 08:00–21:00 (America/Chicago) until 2026-03-09 08:00 CDT",
		spec.Explain(time.Date(2026, 3, 8, 21, 5, 0, 0, chicago)))
	require.Equal(t,
		"open at 2026-03-08 20:50 CDT (America/Chicago)",
		spec.Explain(time.Date(2026, 3, 8, 20, 50, 0, 0, chicago)))

	spec.Dates = Dates{From: Date{2026, 4, 1}}
	require.Equal(t,
		"before date range 2026-04-01.. and outside daily window 08:00–21:00 (America/Chicago) until 2026-04-01 08:00 CDT",
		spec.Explain(time.Date(2026, 3, 8, 22, 0, 0, 0, chicago)))

	// A nil zone is UTC.
	require.Equal(t, "outside daily window 08:00–21:00 (UTC) until 2026-04-01 08:00 UTC",
		Spec{Dates: spec.Dates, Daily: spec.Daily}.Explain(time.Date(2026, 4, 1, 7, 0, 0, 0, time.UTC)))
}

func TestValidate(t *testing.T) {
	require.NoError(t, Spec{Daily: []Daily{{0, MinutesPerDay - 1}}}.Validate())
	err := Spec{Daily: []Daily{{0, MinutesPerDay}}, Dates: Dates{Date{2026, 2, 1}, Date{2026, 1, 1}}}.Validate()
	require.Error(t, err)
	require.Contains(t, err.Error(), "outside 00:00–23:59")
	require.Contains(t, err.Error(), "ends before it starts")
}

func TestParseClock(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"12:00 AM", "00:00"},
		{"12:30 am", "00:30"},
		{"11:59 PM", "23:59"},
		{"12:00 PM", "12:00"},
		{"8:00 am", "08:00"},
		{"8:05AM", "08:05"},
		{"8 PM", "20:00"},
		{"08:00 p.m.", "20:00"},
		{"08:00", "08:00"},
		{"8:00", "08:00"},
		{"0:00", "00:00"},
		{"23:59", "23:59"},
		{" 21:00:00 ", "21:00"},
	} {
		c, err := ParseClock(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, c.String(), tc.in)
	}
	for _, in := range []string{"", "24:00", "13:00 PM", "0:00 AM", "8", "8:5", "8:60", "-1:00", "+8:00", "8:00:30", "08:00:-0", "noon", "8:00 XM", "1:2:3:4", "８:00"} {
		_, err := ParseClock(in)
		require.Error(t, err, in)
		require.Contains(t, err.Error(), `"`+in+`"`)
	}
	require.Less(t, clk(t, "9:00 AM"), clk(t, "5:00 PM"))
	require.Equal(t, clk(t, "9:00 PM"), clk(t, "21:00"))
}

func TestParseDate(t *testing.T) {
	d, err := ParseDate("2026-03-08")
	require.NoError(t, err)
	require.Equal(t, Date{2026, time.March, 8}, d)
	require.Equal(t, "2026-03-08", d.String())
	for _, in := range []string{"04/09/2019", "2026-02-30", "", "2026-3-8"} {
		_, err := ParseDate(in)
		require.Error(t, err)
		require.True(t, strings.Contains(err.Error(), `"`+in+`"`))
	}
}

func TestDatesEnded(t *testing.T) {
	to := Date{2026, time.March, 31}
	for _, tc := range []struct {
		name  string
		dates Dates
		at    string
		want  bool
	}{
		{"no end never ends", Dates{From: to}, "2030-01-01T00:00:00Z", false},
		{"on the last day", Dates{To: to}, "2026-03-31T12:00:00Z", false},
		{"the last day still runs west of UTC", Dates{To: to}, "2026-04-01T11:59:00Z", false},
		{"over in every zone", Dates{To: to}, "2026-04-01T12:00:00Z", true},
		{"an inverted range has ended", Dates{From: to, To: Date{2026, time.March, 1}}, "2026-01-01T00:00:00Z", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at, err := time.Parse(time.RFC3339, tc.at)
			require.NoError(t, err)
			require.Equal(t, tc.want, tc.dates.Ended(at))
		})
	}
}
