package window

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzParseClock: a time of day is refused with an error naming it, or is
// a minute of the day that reads back as itself in 24-hour form.
func FuzzParseClock(f *testing.F) {
	for _, s := range []string{"8:00 AM", "12:00 AM", "11:59 PM", "20:00", "08:00:00", "24:00", "8 PM", "8", "12:60", " 7:05 p.m. ", "-1:00", "+8:00", "1e1:00", "٨:٠٠"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseClock(s)
		if err != nil {
			require.Contains(t, err.Error(), "invalid time of day")
			return
		}
		require.True(t, c.valid(), "%q gave %d", s, int(c))
		back, err := ParseClock(c.String())
		require.NoError(t, err)
		require.Equal(t, c, back)
	})
}

// FuzzParseDate: a date is refused, or reads back as itself.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-03-08", "2019-02-29", "2020-02-29", "04/09/2019", "0000-01-01", "9999-12-31", " 2026-03-08 ", "2026-3-8", "+2026-03-08"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			require.Contains(t, err.Error(), "invalid date")
			return
		}
		require.False(t, d.IsZero())
		back, err := ParseDate(d.String())
		require.NoError(t, err)
		require.Equal(t, d, back)
	})
}

// FuzzParseDaily: a daily range is refused, or is two valid clocks whose
// range holds its own start unless it is empty.
func FuzzParseDaily(f *testing.F) {
	for _, p := range [][2]string{{"8:00 AM", "9:00 PM"}, {"12:00 AM", "11:59 PM"}, {"22:00", "02:00"}, {"23:59", "23:59"}, {"08:00", "08:00"}, {"8", "20:00"}} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, start, end string) {
		d, err := ParseDaily(start, end)
		if err != nil {
			require.Contains(t, err.Error(), "invalid time of day")
			return
		}
		require.True(t, d.Start.valid() && d.End.valid())
		require.Equal(t, len(d.spans()) > 0, d.contains(d.Start), "%v", d)
	})
}
