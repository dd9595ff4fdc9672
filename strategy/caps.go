package strategy

import (
	"fmt"
	"time"
)

// DailyCount is how many attempts the counters hold for at's calendar day
// in loc: a count kept for another day no longer applies.
func DailyCount(c Counters, at time.Time, loc *time.Location) int {
	if c.DailyDate != localDate(at, loc) {
		return 0
	}
	return c.Daily
}

// RetryCaps checks, before an attempt at at, the caps Decide planned
// around: the checks before a dial hold to them whoever released the
// contact. A contact whose global cap is spent closes; one whose daily cap
// is spent waits until the start of the next day in loc (its own zone).
// An empty why means the attempt is within both.
func RetryCaps(c Counters, caps Caps, at time.Time, loc *time.Location) (until time.Time, closed bool, why string) {
	if g := caps.GlobalRetry; g != nil && c.Global >= *g {
		return time.Time{}, true, fmt.Sprintf("the global retry cap of %d attempt(s) is reached", *g)
	}
	if d := caps.DailyRetry; d != nil {
		if *d <= 0 {
			return time.Time{}, true, "a daily retry cap of 0 allows no attempt"
		}
		if n := DailyCount(c, at, loc); n >= *d {
			next := startOfNextDay(at, loc)
			return next, false, fmt.Sprintf("daily retry cap of %d reached for %s: due at the start of %s", *d, localDate(at, loc), localDate(next, loc))
		}
	}
	return time.Time{}, false, ""
}
