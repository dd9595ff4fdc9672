// Package strategy decides what happens to a contact after each attempt:
// the contact strategy's rule for the telephony outcome, the business
// outcome's rule for the agent's wrap-up code, and the campaign-wide caps.
// It is plain code with no I/O so every rule is testable table by table.
package strategy

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Delay is a reschedule delay written as the seed writes it, "D:H:M".
type Delay struct {
	Days, Hours, Minutes int
}

// maxDelay is the longest delay a strategy may set.
const maxDelay = 10 * 365 * 24 * time.Hour

// ParseDelay reads "D:H:M" (for example "0:0:15"). Hours may exceed 23 and
// minutes 59, as administrators sometimes write "0:36:0", but no part may be
// negative.
func ParseDelay(s string) (Delay, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) != 3 {
		return Delay{}, fmt.Errorf("delay %q is not D:H:M (days:hours:minutes, for example 0:0:15)", s)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 0 {
			return Delay{}, fmt.Errorf("delay %q is not D:H:M: %q is not a whole number of %s", s, p, [3]string{"days", "hours", "minutes"}[i])
		}
		// Each part alone first: 9223372036854775807 days would overflow
		// Duration into a negative delay, a retry at once.
		if v > int(maxDelay/[3]time.Duration{24 * time.Hour, time.Hour, time.Minute}[i]) {
			return Delay{}, fmt.Errorf("delay %q is longer than ten years", s)
		}
		n[i] = v
	}
	d := Delay{Days: n[0], Hours: n[1], Minutes: n[2]}
	if d.Duration() > maxDelay {
		return Delay{}, fmt.Errorf("delay %q is longer than ten years", s)
	}
	return d, nil
}

// MustDelay is ParseDelay for constants in code and tests.
func MustDelay(s string) Delay {
	d, err := ParseDelay(s)
	if err != nil {
		panic(err)
	}
	return d
}

// String gives the canonical "D:H:M" form.
func (d Delay) String() string {
	return fmt.Sprintf("%d:%d:%d", d.Days, d.Hours, d.Minutes)
}

// Duration is the delay as elapsed time. A day is 24 hours of elapsed time;
// calling windows, not the delay, keep a contact inside local hours.
func (d Delay) Duration() time.Duration {
	return time.Duration(d.Days)*24*time.Hour + time.Duration(d.Hours)*time.Hour + time.Duration(d.Minutes)*time.Minute
}

// IsZero reports a delay of nothing.
func (d Delay) IsZero() bool { return d.Duration() == 0 }
