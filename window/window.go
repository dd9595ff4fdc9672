package window

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Daily is a daily calling range in local time that opens at Start and
// ends at the minute End names: 08:00–21:00 admits 20:59:59 but not 21:00.
// An End of 23:59 runs to midnight, since administrators write "11:59 PM"
// meaning the end of the day. End before Start is a range that crosses
// midnight (22:00–02:00); Start == End is empty, except 23:59–23:59, the
// day's last minute; 00:00–23:59 is the whole day.
type Daily struct {
	Start, End Clock
}

// ParseDaily reads a daily range from two times of day as [ParseClock]
// accepts them, e.g. ParseDaily("12:00 AM", "11:59 PM").
func ParseDaily(start, end string) (Daily, error) {
	s, err := ParseClock(start)
	if err != nil {
		return Daily{}, err
	}
	e, err := ParseClock(end)
	if err != nil {
		return Daily{}, err
	}
	return Daily{s, e}, nil
}

// String gives the range as "08:00–21:00".
func (d Daily) String() string { return d.Start.String() + "–" + d.End.String() }

// end is the first minute after the range (MinutesPerDay for 23:59).
func (d Daily) end() Clock {
	if d.End == MinutesPerDay-1 {
		return MinutesPerDay
	}
	return d.End
}

func (d Daily) contains(c Clock) bool {
	if d.Start <= d.End {
		return d.Start <= c && c < d.end()
	}
	return c >= d.Start || c < d.End
}

// spans is d as half-open minute ranges [lo, hi) within one day, in order;
// none when d is empty.
func (d Daily) spans() []span {
	if d.Start <= d.End {
		if d.Start < d.end() {
			return []span{{d.Start, d.end()}}
		}
		return nil
	}
	if d.End == 0 {
		return []span{{d.Start, MinutesPerDay}}
	}
	return []span{{0, d.End}, {d.Start, MinutesPerDay}}
}

// Dates is an inclusive range of local calendar dates; a zero From or To
// leaves that side unbounded.
type Dates struct {
	From, To Date
}

func (r Dates) contains(d Date) bool {
	return (r.From.IsZero() || d.Compare(r.From) >= 0) && (r.To.IsZero() || d.Compare(r.To) <= 0)
}

func (r Dates) empty() bool {
	return !r.From.IsZero() && !r.To.IsZero() && r.From.Compare(r.To) > 0
}

// lastPlace is the zone where a calendar date ends last (UTC−12).
var lastPlace = time.FixedZone("UTC-12", -12*60*60)

// Ended reports whether the range is over at t in every zone on earth: its
// last date has passed even where dates end last, so no contact of a
// campaign, whatever its zone, can be inside it again.
func (r Dates) Ended(t time.Time) bool {
	return r.empty() || (!r.To.IsZero() && DateOf(t.In(lastPlace)).Compare(r.To) > 0)
}

// String gives the range as "2026-03-01..2026-03-31", leaving an unbounded
// side empty ("2026-03-01..").
func (r Dates) String() string {
	side := func(d Date) string {
		if d.IsZero() {
			return ""
		}
		return d.String()
	}
	return side(r.From) + ".." + side(r.To)
}

// Spec is every window that applies to one number: instants are open when
// their local date (in Loc) is within Dates and their local time of day is
// within each of Daily. No Daily means any time of day; a nil Loc means UTC.
type Spec struct {
	Loc   *time.Location
	Dates Dates
	Daily []Daily
}

// Validate reports clocks out of range and a date range that ends before it
// starts. Open, Next and Explain treat out-of-range clocks as clamped to
// 00:00–23:59 and an inverted date range as never open.
func (s Spec) Validate() error {
	var errs []error
	for _, d := range s.Daily {
		if !d.Start.valid() || !d.End.valid() {
			errs = append(errs, fmt.Errorf("window: daily range %v has a time of day outside 00:00–23:59", d))
		}
	}
	if s.Dates.empty() {
		errs = append(errs, fmt.Errorf("window: date range %v ends before it starts", s.Dates))
	}
	return errors.Join(errs...)
}

func (s Spec) loc() *time.Location {
	if s.Loc == nil {
		return time.UTC
	}
	return s.Loc
}

// daily is s.Daily with clocks clamped to a day, so that Open and Next
// agree on invalid input.
func (s Spec) daily() []Daily {
	clamp := func(c Clock) Clock { return min(max(c, 0), MinutesPerDay-1) }
	out := make([]Daily, len(s.Daily))
	for i, d := range s.Daily {
		out[i] = Daily{clamp(d.Start), clamp(d.End)}
	}
	return out
}

// Open reports whether t is inside every window of s.
func (s Spec) Open(t time.Time) bool {
	lt := t.In(s.loc())
	if !s.Dates.contains(DateOf(lt)) {
		return false
	}
	c := clockOf(lt)
	for _, d := range s.daily() {
		if !d.contains(c) {
			return false
		}
	}
	return true
}

// maxSegments bounds the walk over a zone's offset changes in Next. The walk
// ends within a few days of its start (see Next), so a real zone needs a
// handful; the bound only guards against a corrupt zone.
const maxSegments = 1000

// Next returns the earliest instant r >= t at which s is Open, in s.Loc; r is
// t itself when t is open, and otherwise the start of a local minute. It
// reports false when s never opens again: the date range has ended, it is
// inverted, or the daily ranges have no minute in common.
func (s Spec) Next(t time.Time) (time.Time, bool) {
	loc := s.loc()
	spans := s.spans()
	if len(spans) == 0 || s.Dates.empty() {
		return time.Time{}, false
	}
	cur := t
	if from := s.Dates.From; !from.IsZero() {
		// Skip straight to shortly before the range starts. Nothing before
		// local midnight three days ahead of From is open: that would need
		// the zone's offset to drop by two days.
		if j := time.Date(from.Year, from.Month, from.Day-3, 0, 0, 0, 0, loc); cur.Before(j) {
			cur = j
		}
	}
	var past time.Time
	if to := s.Dates.To; !to.IsZero() {
		// Past local midnight three days after To, every later instant's
		// local date is after To (the mirror of the From jump).
		past = time.Date(to.Year, to.Month, to.Day+3, 0, 0, 0, 0, loc)
	}
	// Within one zone segment (a stretch with a fixed UTC offset) wall time
	// runs in step with real time, so the first open wall time found from
	// cur's wall time is the answer if it falls inside the segment. If not,
	// nothing in the rest of the segment is open, and the search goes on
	// from the segment's end, where the wall clock jumps (which is how a
	// window opening in a spring-forward gap opens right after it, and a
	// repeated fall-back hour is searched again).
	for range maxSegments {
		lt := cur.In(loc)
		wall := naiveWall(lt)
		_, end := lt.ZoneBounds()
		w, ok := s.nextWall(wall, spans)
		if !ok {
			// No later wall time is in range, but a fall-back at the end of
			// this segment can turn the clock back into the last day.
			if end.IsZero() || past.IsZero() || !cur.Before(past) {
				return time.Time{}, false
			}
			cur = end
			continue
		}
		if w.Equal(wall) {
			return lt, true
		}
		_, off := lt.Zone()
		r := w.Add(-time.Duration(off) * time.Second).In(loc)
		if end.IsZero() || r.Before(end) {
			return r, true
		}
		cur = end
	}
	return time.Time{}, false
}

// naiveWall is t's wall clock reading as a UTC time, so that wall times can
// be compared and stepped without zone rules.
func naiveWall(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	return time.Date(y, mo, d, h, mi, sec, t.Nanosecond(), time.UTC)
}

// nextWall returns the earliest wall time >= w (a naiveWall) whose date is in
// s.Dates and whose minute is in spans, which must not be empty.
func (s Spec) nextWall(w time.Time, spans []span) (time.Time, bool) {
	d := DateOf(w)
	if from := s.Dates.From; !from.IsZero() && d.Compare(from) < 0 {
		d = from
		w = time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	}
	// A non-empty span list has an opening today or tomorrow.
	for range 2 {
		if to := s.Dates.To; !to.IsZero() && d.Compare(to) > 0 {
			return time.Time{}, false
		}
		c := clockOf(w)
		for _, sp := range spans {
			if c < sp.lo {
				return time.Date(d.Year, d.Month, d.Day, 0, int(sp.lo), 0, 0, time.UTC), true
			}
			if c < sp.hi {
				return w, true
			}
		}
		w = time.Date(d.Year, d.Month, d.Day+1, 0, 0, 0, 0, time.UTC)
		d = DateOf(w)
	}
	return time.Time{}, false
}

// span is a half-open range of minutes of the day [lo, hi).
type span struct{ lo, hi Clock }

// spans is the set of minutes of the day inside every daily range, as
// ordered, disjoint spans.
func (s Spec) spans() []span {
	out := []span{{0, MinutesPerDay}}
	for _, d := range s.daily() {
		var next []span
		for _, a := range out {
			for _, b := range d.spans() {
				if lo, hi := max(a.lo, b.lo), min(a.hi, b.hi); lo < hi {
					next = append(next, span{lo, hi})
				}
			}
		}
		// Pieces of disjoint inputs are disjoint; nextWall needs them in order.
		slices.SortFunc(next, func(a, b span) int { return cmp.Compare(a.lo, b.lo) })
		out = next
	}
	return out
}

// Explain says whether t is open and, if not, which windows exclude it and
// when s next opens, e.g. "outside daily window 08:00–21:00
// (America/Chicago) until 2026-03-09 08:00 CDT".
func (s Spec) Explain(t time.Time) string {
	loc := s.loc()
	lt := t.In(loc)
	var why []string
	d := DateOf(lt)
	switch {
	case s.Dates.empty():
		why = append(why, fmt.Sprintf("date range %v ends before it starts", s.Dates))
	case !s.Dates.From.IsZero() && d.Compare(s.Dates.From) < 0:
		why = append(why, fmt.Sprintf("before date range %v", s.Dates))
	case !s.Dates.To.IsZero() && d.Compare(s.Dates.To) > 0:
		why = append(why, fmt.Sprintf("after date range %v", s.Dates))
	}
	c := clockOf(lt)
	for _, dl := range s.daily() {
		if !dl.contains(c) {
			why = append(why, fmt.Sprintf("outside daily window %v", dl))
		}
	}
	if len(why) == 0 {
		return fmt.Sprintf("open at %s (%s)", lt.Format("2006-01-02 15:04 MST"), loc)
	}
	msg := strings.Join(why, " and ") + fmt.Sprintf(" (%s)", loc)
	if r, ok := s.Next(t); ok {
		return msg + " until " + r.Format("2006-01-02 15:04 MST")
	}
	if len(s.spans()) == 0 {
		return msg + "; the daily windows never overlap, so it never opens"
	}
	return msg + "; it never opens again"
}
