package window

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Clock is a local time of day in minutes since midnight, 0 (00:00) to 1439
// (23:59). Clocks compare with < and ==; Clock(8*60+30) is 08:30.
type Clock int

// MinutesPerDay is the number of Clock values.
const MinutesPerDay = 24 * 60

// ParseClock reads a time of day in 12-hour form ("12:00 AM", "11:59 PM",
// "8:00 am", "8 PM") or 24-hour form ("08:00", "23:59"). Seconds may follow
// the minutes only as ":00", since windows are minute-granular. "24:00" is
// rejected: a daily window ending at midnight ends at "23:59".
func ParseClock(s string) (Clock, error) {
	c, ok := parseClock(s)
	if !ok {
		return 0, fmt.Errorf("window: invalid time of day %q (want e.g. \"8:00 AM\" or \"20:00\")", s)
	}
	return c, nil
}

func parseClock(s string) (Clock, bool) {
	t := strings.ToUpper(strings.TrimSpace(s))
	twelve, pm := false, false
	for _, suffix := range []string{"AM", "A.M.", "PM", "P.M."} {
		if rest, ok := strings.CutSuffix(t, suffix); ok {
			twelve, pm = true, suffix[0] == 'P'
			t = strings.TrimSpace(rest)
			break
		}
	}
	parts := strings.Split(t, ":")
	if len(parts) > 3 || (len(parts) == 1 && !twelve) {
		return 0, false
	}
	// num reads an unsigned decimal of one of the given lengths.
	num := func(p string, lengths ...int) (int, bool) {
		if !slices.Contains(lengths, len(p)) || strings.Trim(p, "0123456789") != "" {
			return 0, false
		}
		n, err := strconv.Atoi(p)
		return n, err == nil
	}
	h, ok := num(parts[0], 1, 2)
	if !ok {
		return 0, false
	}
	m := 0
	if len(parts) >= 2 {
		if m, ok = num(parts[1], 2); !ok || m > 59 {
			return 0, false
		}
	}
	if len(parts) == 3 {
		if sec, ok := num(parts[2], 2); !ok || sec != 0 {
			return 0, false
		}
	}
	if twelve {
		if h < 1 || h > 12 {
			return 0, false
		}
		h %= 12 // 12 AM is 00, 12 PM is 12
		if pm {
			h += 12
		}
	} else if h > 23 {
		return 0, false
	}
	return Clock(h*60 + m), true
}

// String gives the clock as "HH:MM", 24-hour.
func (c Clock) String() string {
	if c < 0 || c >= MinutesPerDay {
		return fmt.Sprintf("Clock(%d)", int(c))
	}
	return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60)
}

// valid reports whether c is a time of day.
func (c Clock) valid() bool { return c >= 0 && c < MinutesPerDay }

// clockOf is the wall-clock minute of t in t's location.
func clockOf(t time.Time) Clock {
	return Clock(t.Hour()*60 + t.Minute())
}

// Date is a calendar date without a time zone. The zero Date means "no
// bound" in [Dates].
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads an ISO date, "2026-03-08". Other layouts are rejected on
// purpose: "04/09/2019" is April 9th in the US and 4 September elsewhere.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Date{}, fmt.Errorf("window: invalid date %q (want YYYY-MM-DD)", s)
	}
	return DateOf(t), nil
}

// DateOf is the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String gives the date as "YYYY-MM-DD".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	if c := cmp.Compare(d.Year, e.Year); c != 0 {
		return c
	}
	if c := cmp.Compare(d.Month, e.Month); c != 0 {
		return c
	}
	return cmp.Compare(d.Day, e.Day)
}
