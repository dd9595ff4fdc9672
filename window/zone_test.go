package window

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestZoneForDisplayName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// The seed's spellings.
		{"(UTC-06:00) Central Time (US and Canada)", "America/Chicago"},
		{"(UTC-05:00) Eastern Time (US and Canada)", "America/New_York"},
		{"UTC-05:00 Eastern Time (US and Canada)", "America/New_York"},
		{"(UTC+01:00) Brussels Copenhagen Madrid Paris", "Europe/Paris"},
		{"(UTC+08:00) Kuala Lumpur Singapore", "Asia/Singapore"},
		// Windows spellings and lenient variants.
		{"(UTC-06:00) Central Time (US & Canada)", "America/Chicago"},
		{"(UTC+01:00) Brussels, Copenhagen, Madrid, Paris", "Europe/Paris"},
		{"(UTC+08:00) Kuala Lumpur, Singapore", "Asia/Singapore"},
		{"  (utc -06:00)   central time (us and canada) ", "America/Chicago"},
		{"(GMT-06:00) Central Time (US & Canada)", "America/Chicago"},
		{"Central Time (US and Canada)", "America/Chicago"},
		{"Central Time", "America/Chicago"},
		{"Central Standard Time", "America/Chicago"},
		{"(UTC−05:00) Eastern Time (US & Canada)", "America/New_York"}, // U+2212 minus
		{"(UTC-09:00) Alaska", "America/Anchorage"},
		{"(UTC-10:00) Hawaii", "Pacific/Honolulu"},
		{"(UTC-07:00) Arizona", "America/Phoenix"},
		{"(UTC-07:00) Mountain Time (US & Canada)", "America/Denver"},
		{"(UTC-08:00) Pacific Time (US & Canada)", "America/Los_Angeles"},
		{"(UTC-04:00) Atlantic Time (Canada)", "America/Halifax"},
		{"(UTC-03:30) Newfoundland", "America/St_Johns"},
		{"(UTC-06:00) Saskatchewan", "America/Regina"},
		{"(UTC-06:00) Guadalajara, Mexico City, Monterrey", "America/Mexico_City"},
		{"(UTC-05:00) Bogota, Lima, Quito, Rio Branco", "America/Bogota"},
		{"(UTC-05:00) Bogota, Lima, Quito", "America/Bogota"},
		{"(UTC-03:00) City of Buenos Aires", "America/Argentina/Buenos_Aires"},
		{"(UTC-03:00) Buenos Aires", "America/Argentina/Buenos_Aires"},
		{"(UTC-03:00) Brasilia", "America/Sao_Paulo"},
		{"(UTC-04:00) Santiago", "America/Santiago"},
		{"(UTC+00:00) Dublin, Edinburgh, Lisbon, London", "Europe/London"},
		{"(UTC) Dublin, Edinburgh, Lisbon, London", "Europe/London"},
		{"(UTC) Coordinated Universal Time", "UTC"},
		{"(UTC)", "UTC"},
		{"UTC", "UTC"},
		{"(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Berlin"},
		{"Berlin, Amsterdam", "Europe/Berlin"},
		{"(UTC+02:00) Athens, Bucharest", "Europe/Bucharest"},
		{"(UTC+02:00) Cairo", "Africa/Cairo"},
		{"(UTC+02:00) Harare, Pretoria", "Africa/Johannesburg"},
		{"(UTC+02:00) Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius", "Europe/Kyiv"},
		{"(UTC+02:00) Helsinki, Kiev, Riga, Sofia, Tallinn, Vilnius", "Europe/Kyiv"},
		{"(UTC+03:00) Istanbul", "Europe/Istanbul"},
		{"(UTC+03:00) Moscow, St. Petersburg", "Europe/Moscow"},
		{"(UTC+03:00) Moscow, St. Petersburg, Volgograd", "Europe/Moscow"},
		{"(UTC+04:00) Abu Dhabi, Muscat", "Asia/Dubai"},
		{"(UTC+05:00) Islamabad, Karachi", "Asia/Karachi"},
		{"(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi", "Asia/Kolkata"},
		{"Mumbai", "Asia/Kolkata"},
		{"(UTC+06:00) Dhaka", "Asia/Dhaka"},
		{"(UTC+07:00) Bangkok, Hanoi, Jakarta", "Asia/Bangkok"},
		{"(UTC+08:00) Beijing, Chongqing, Hong Kong, Urumqi", "Asia/Shanghai"},
		{"Beijing, Hong Kong", "Asia/Shanghai"},
		{"Hong Kong", "Asia/Hong_Kong"},
		{"(UTC+08:00) Taipei", "Asia/Taipei"},
		{"(UTC+08:00) Perth", "Australia/Perth"},
		{"(UTC+09:00) Osaka, Sapporo, Tokyo", "Asia/Tokyo"},
		{"(UTC+09:00) Seoul", "Asia/Seoul"},
		{"(UTC+09:30) Adelaide", "Australia/Adelaide"},
		{"(UTC+10:00) Brisbane", "Australia/Brisbane"},
		{"(UTC+10:00) Canberra, Melbourne, Sydney", "Australia/Sydney"},
		{"Sydney Melbourne", "Australia/Sydney"},
		{"(UTC+10:30) Lord Howe Island", "Australia/Lord_Howe"},
		{"(UTC+12:00) Auckland, Wellington", "Pacific/Auckland"},
		{"(UTC+13:00) Nuku'alofa", "Pacific/Tongatapu"},
		{"(UTC+13:00) Samoa", "Pacific/Apia"},
		{"(UTC-11:00) Coordinated Universal Time-11", "Etc/GMT+11"},
		{"UTC-11", "Etc/GMT+11"},
		{"(UTC-05:00) Bogotá, Lima, Quito", "America/Bogota"},
		// IANA names.
		{"America/Chicago", "America/Chicago"},
		{"america/new_york", "America/New_York"},
		{"america/port-au-prince", "America/Port-au-Prince"},
		{"Europe/London", "Europe/London"},
		{"Asia/Kolkata", "Asia/Kolkata"},
		{"Etc/GMT+5", "Etc/GMT+5"},
		{"Singapore", "Asia/Singapore"},
		{"EST5EDT", "EST5EDT"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			iana, err := IANAName(tc.in)
			require.NoError(t, err)
			require.Equal(t, tc.want, iana)
			loc, err := ZoneForDisplayName(tc.in)
			require.NoError(t, err)
			require.Equal(t, tc.want, loc.String())
		})
	}
}

func TestZoneForDisplayNameUnknown(t *testing.T) {
	for _, in := range []string{
		"", "   ", "Local", "Nowhere", "(UTC-06:00)", "UTC-06:00", "(UTC+05:00) Atlantis",
		"La Paz", // Bolivia or Baja California Sur
		"America/Atlantis", "../etc/passwd",
	} {
		_, err := ZoneForDisplayName(in)
		require.Error(t, err, in)
		if in != "" && in != "   " {
			require.Contains(t, err.Error(), `"`+in+`"`)
		}
	}
}

// The display's fixed offset is a label: the zone follows DST.
func TestZoneFollowsDST(t *testing.T) {
	loc, err := ZoneForDisplayName("(UTC-06:00) Central Time (US and Canada)")
	require.NoError(t, err)
	_, winter := time.Date(2026, 1, 15, 12, 0, 0, 0, loc).Zone()
	_, summer := time.Date(2026, 7, 15, 12, 0, 0, 0, loc).Zone()
	require.Equal(t, -6*3600, winter)
	require.Equal(t, -5*3600, summer)

	loc, err = ZoneForDisplayName("(UTC+01:00) Brussels Copenhagen Madrid Paris")
	require.NoError(t, err)
	_, summer = time.Date(2026, 7, 15, 12, 0, 0, 0, loc).Zone()
	require.Equal(t, 2*3600, summer)
}

// Every zone in the tables must load and every display name must come back
// as its own zone.
func TestWindowsTableLoads(t *testing.T) {
	for _, z := range windowsZones {
		for _, name := range []string{z.id, z.display, "(UTC+00:00) " + z.display} {
			got, err := IANAName(name)
			require.NoError(t, err, name)
			require.Equal(t, z.iana, got, name)
		}
		_, err := time.LoadLocation(z.iana)
		require.NoError(t, err, z.iana)
	}
	for display, iana := range displayAliases {
		got, err := IANAName(display)
		require.NoError(t, err, display)
		require.Equal(t, iana, got, display)
		_, err = time.LoadLocation(iana)
		require.NoError(t, err, iana)
	}
}
