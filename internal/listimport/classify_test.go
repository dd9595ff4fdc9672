package listimport

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/models"
)

// A row's zones are canonical whether they come from its ZoneName cell or
// from its numbers (phonenumbers says "Asia/Calcutta"); a cell that names
// no place is refused, naming the value.
func TestRowZonesAreCanonical(t *testing.T) {
	l, err := newLayout([]string{"Number", "Zone"}, models.ListMapping{Modes: map[string]string{"Mobile": "Number"}, TimeZone: "Zone"},
		map[string]models.Mode{"Mobile": {Name: "Mobile", MinLength: 8, MaxLength: 15}}, "US", "America/Chicago")
	require.NoError(t, err)
	for _, tc := range []struct{ number, cell, want string }{
		{"(416) 595-1234", "", "America/Toronto"},
		{"+91 98765 43210", "", "Asia/Kolkata"},
		{"(469) 562-2405", "US/Eastern", "America/New_York"},
		{"(469) 562-2405", "asia/calcutta", "Asia/Kolkata"},
		{"(469) 562-2405", "America/Montreal", "America/Toronto"},
		{"(469) 562-2405", "(UTC-05:00) Eastern Time (US & Canada)", "America/New_York"},
	} {
		c := l.classify(2, []string{tc.number, tc.cell})
		require.Empty(t, c.fail, tc)
		require.Equal(t, tc.want, c.timeZone, tc)
		if tc.cell == "" {
			require.Equal(t, tc.want, c.numbers[0].TimeZone, tc)
			require.Empty(t, c.numbers[0].DeclaredZone, tc)
		} else {
			// A Dallas number keeps its own zone; the declared one applies too.
			require.Equal(t, "America/Chicago", c.numbers[0].TimeZone, tc)
			require.Equal(t, tc.want, c.numbers[0].DeclaredZone, tc)
		}
	}
	for cell, says := range map[string]string{
		"EST":       `time zone "EST" is not a place`,
		"CST6CDT":   `time zone "CST6CDT" is not a place`,
		"Etc/GMT+5": `time zone "Etc/GMT+5" is not a place`,
		"(UTC+05:00) Central Time (US and Canada)": `time zone "(UTC+05:00) Central Time (US and Canada)" has an offset its zone never has`,
		"Mars/Base": `time zone "Mars/Base" is not a known zone`,
	} {
		c := l.classify(2, []string{"(469) 562-2405", cell})
		require.Contains(t, c.fail, says)
	}
}
