package window

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestIANAName(t *testing.T) {
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
		{"(UTC-05:00) Indiana (East)", "America/Indiana/Indianapolis"},
		{"(UTC-06:00) Guadalajara, Mexico City, Monterrey", "America/Mexico_City"},
		{"(UTC-05:00) Bogota, Lima, Quito, Rio Branco", "America/Bogota"},
		{"(UTC-05:00) Bogota, Lima, Quito", "America/Bogota"},
		{"(UTC-03:00) City of Buenos Aires", "America/Argentina/Buenos_Aires"},
		{"(UTC-03:00) Buenos Aires", "America/Argentina/Buenos_Aires"},
		{"(UTC-03:00) Brasilia", "America/Sao_Paulo"},
		{"(UTC-03:00) Greenland", "America/Nuuk"},
		{"(UTC-04:00) Santiago", "America/Santiago"},
		{"(UTC+00:00) Dublin, Edinburgh, Lisbon, London", "Europe/London"},
		{"(UTC) Dublin, Edinburgh, Lisbon, London", "Europe/London"},
		{"(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Berlin"},
		{"Berlin, Amsterdam", "Europe/Berlin"},
		{"Amsterdam", "Europe/Amsterdam"},
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
		{"India Standard Time", "Asia/Kolkata"},
		{"Mumbai", "Asia/Kolkata"},
		{"(UTC+05:45) Kathmandu", "Asia/Kathmandu"},
		{"(UTC+06:00) Dhaka", "Asia/Dhaka"},
		{"(UTC+06:30) Yangon (Rangoon)", "Asia/Yangon"},
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
		{"(UTC+12:45) Chatham Islands", "Pacific/Chatham"},
		{"(UTC+13:00) Nuku'alofa", "Pacific/Tongatapu"},
		{"(UTC+13:00) Samoa", "Pacific/Apia"},
		{"(UTC-05:00) Bogotá, Lima, Quito", "America/Bogota"},
		// The daylight offset is a fair label too, and so is one the zone
		// kept under older rules (Istanbul was UTC+02:00 until 2016).
		{"(UTC-05:00) Central Time (US and Canada)", "America/Chicago"},
		{"(UTC+02:00) Istanbul", "Europe/Istanbul"},
		// IANA names and their aliases, in any case.
		{"America/Chicago", "America/Chicago"},
		{"america/new_york", "America/New_York"},
		{"america/port-au-prince", "America/Port-au-Prince"},
		{"Europe/London", "Europe/London"},
		{"Asia/Kolkata", "Asia/Kolkata"},
		{"Asia/Calcutta", "Asia/Kolkata"},
		{"asia/calcutta", "Asia/Kolkata"},
		{"US/Eastern", "America/New_York"},
		{"US/Central", "America/Chicago"},
		{"Canada/Eastern", "America/Toronto"},
		{"America/Montreal", "America/Toronto"},
		{"America/Toronto", "America/Toronto"},
		{"America/Indianapolis", "America/Indiana/Indianapolis"},
		{"Europe/Kiev", "Europe/Kyiv"},
		{"Europe/Amsterdam", "Europe/Amsterdam"}, // a country's own zone stays
		{"Atlantic/Reykjavik", "Atlantic/Reykjavik"},
		{"Iceland", "Atlantic/Reykjavik"},
		{"Pacific/Truk", "Pacific/Chuuk"},
		{"Australia/ACT", "Australia/Sydney"},
		{"Singapore", "Asia/Singapore"},
		{"Japan", "Asia/Tokyo"},
		{"GB", "Europe/London"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			iana, err := IANAName(tc.in)
			require.NoError(t, err)
			require.Equal(t, tc.want, iana)
			_, err = time.LoadLocation(iana)
			require.NoError(t, err)
		})
	}
}

func TestIANANameRefused(t *testing.T) {
	for _, tc := range []struct {
		in   string
		kind error
		says string
	}{
		{"", ErrUnknownZone, ""},
		{"   ", ErrUnknownZone, ""},
		{"Local", ErrUnknownZone, ""},
		{"Nowhere", ErrUnknownZone, ""},
		{"(UTC+05:00) Atlantis", ErrUnknownZone, ""},
		{"La Paz", ErrUnknownZone, ""}, // Bolivia or Baja California Sur
		{"America/Atlantis", ErrUnknownZone, ""},
		{"../etc/passwd", ErrUnknownZone, ""},
		{"Berlin " + strings.Repeat("Amsterdam ", 50), ErrUnknownZone, "longer than 200 characters"},
		// Legacy rules name no place.
		{"EST", ErrNotAPlace, "legacy rule"},
		{"MST", ErrNotAPlace, "legacy rule"},
		{"HST", ErrNotAPlace, "legacy rule"},
		{"CST6CDT", ErrNotAPlace, "legacy rule"},
		{"cst6cdt", ErrNotAPlace, "legacy rule"},
		{"EST5EDT", ErrNotAPlace, "legacy rule"},
		{"PST8PDT", ErrNotAPlace, "legacy rule"},
		{"CET", ErrNotAPlace, "legacy rule"},
		// Nor do fixed offsets.
		{"Etc/GMT+5", ErrNotAPlace, "fixed offset"},
		{"etc/gmt-3", ErrNotAPlace, "fixed offset"},
		{"Etc/UTC", ErrNotAPlace, "fixed offset"},
		{"UTC", ErrNotAPlace, "fixed offset"},
		{"GMT", ErrNotAPlace, "offset"},
		{"Zulu", ErrNotAPlace, "fixed offset"},
		{"UTC-11", ErrNotAPlace, "fixed offset"},
		{"(UTC-11:00) Coordinated Universal Time-11", ErrNotAPlace, "fixed offset"},
		{"(UTC) Coordinated Universal Time", ErrNotAPlace, "fixed offset"},
		{"(UTC-02:00) Mid-Atlantic - Old", ErrNotAPlace, "fixed offset"},
		{"(UTC-06:00)", ErrNotAPlace, "only an offset"},
		{"UTC-06:00", ErrNotAPlace, "only an offset"},
		{"(UTC)", ErrNotAPlace, "fixed offset"},
		// A display name whose offset its zone never has.
		{"(UTC+05:00) Central Time (US and Canada)", ErrOffset, "America/Chicago is at UTC-06:00 or UTC-05:00, never at UTC+05:00"},
		{"(UTC+01:00) Eastern Time (US & Canada)", ErrOffset, "America/New_York"},
		{"(UTC+05:00) Chennai, Kolkata, Mumbai, New Delhi", ErrOffset, "Asia/Kolkata is at UTC+05:30"},
		{"(UTC-10:00) Mumbai", ErrOffset, ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			_, err := IANAName(tc.in)
			require.ErrorIs(t, err, tc.kind)
			require.Contains(t, err.Error(), fmt.Sprintf("time zone %.100q", tc.in), "the error names the value")
			require.Contains(t, err.Error(), tc.says)
		})
	}
}

// The display's offset is a label: the zone follows DST.
func TestZoneFollowsDST(t *testing.T) {
	iana, err := IANAName("(UTC-06:00) Central Time (US and Canada)")
	require.NoError(t, err)
	loc, err := time.LoadLocation(iana)
	require.NoError(t, err)
	_, winter := time.Date(2026, 1, 15, 12, 0, 0, 0, loc).Zone()
	_, summer := time.Date(2026, 7, 15, 12, 0, 0, 0, loc).Zone()
	require.Equal(t, -6*3600, winter)
	require.Equal(t, -5*3600, summer)
}

func TestCanonical(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Asia/Calcutta", "Asia/Kolkata"},
		{"America/Montreal", "America/Toronto"},
		{"America/Nipigon", "America/Toronto"},
		{"US/Eastern", "America/New_York"},
		{"us/eastern", "America/New_York"},
		{"America/Buenos_Aires", "America/Argentina/Buenos_Aires"},
		{"America/Louisville", "America/Kentucky/Louisville"},
		{"America/Godthab", "America/Nuuk"},
		{"Asia/Saigon", "Asia/Ho_Chi_Minh"},
		{"Asia/Rangoon", "Asia/Yangon"},
		{"Pacific/Enderbury", "Pacific/Kanton"},
		{"Europe/Amsterdam", "Europe/Amsterdam"},
		{"Asia/Kuala_Lumpur", "Asia/Kuala_Lumpur"},
		{"America/Winnipeg", "America/Winnipeg"},
		{" America/Toronto ", "America/Toronto"},
	} {
		got, err := Canonical(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
	for _, in := range []string{"EST", "CST6CDT", "Etc/GMT+5", "UTC", "GMT0", "Etc/Greenwich"} {
		_, err := Canonical(in)
		require.ErrorIs(t, err, ErrNotAPlace, in)
	}
	for _, in := range []string{"", "Nowhere/Else", "Local", "Central Time"} {
		_, err := Canonical(in)
		require.ErrorIs(t, err, ErrUnknownZone, in)
	}
}

// Every alias names the zone it resolves to: both load and keep the same
// clocks since 1970, so canonicalising a stored zone never moves a window.
func TestEveryAliasKeepsItsZonesRules(t *testing.T) {
	aliases := Aliases()
	require.Greater(t, len(aliases), 100)
	for alias, target := range aliases {
		a, err := time.LoadLocation(alias)
		require.NoError(t, err, alias)
		b, err := time.LoadLocation(target)
		require.NoError(t, err, target)
		require.True(t, tables().places[target], "%s → %s: a zone.tab place", alias, target)
		if at, ok := sameClocks(a, b); !ok {
			t.Errorf("%s and %s disagree at %v", alias, target, at)
		}
	}
}

// sameClocks compares two zones' offsets at every change of either between
// 1970 and 2038, and says where they first differ.
func sameClocks(a, b *time.Location) (time.Time, bool) {
	end := time.Date(2038, 1, 1, 0, 0, 0, 0, time.UTC)
	for t := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC); t.Before(end); {
		_, oa := t.In(a).Zone()
		_, ob := t.In(b).Zone()
		if oa != ob {
			return t, false
		}
		_, na := t.In(a).ZoneBounds()
		_, nb := t.In(b).ZoneBounds()
		next := end
		for _, n := range []time.Time{na, nb} {
			if !n.IsZero() && n.After(t) && n.Before(next) {
				next = n
			}
		}
		t = next
	}
	return time.Time{}, true
}

// CLDR's mapping, read through the tables: each Windows zone stands for a
// canonical place (or, for the UTC±n zones, a fixed offset), covers only
// canonical places that load, and has a display name; no place is in two.
func TestWindowsZonesFromCLDR(t *testing.T) {
	tb := tables()
	require.Greater(t, len(tb.windows), 130)
	for id, w := range tb.windows {
		require.True(t, tb.places[w.primary] || isFixedOffset(w.primary), "%s stands for %s", id, w.primary)
		for _, z := range w.zones {
			c, err := Canonical(z)
			require.NoError(t, err, z)
			require.Equal(t, z, c)
			_, err = time.LoadLocation(z)
			require.NoError(t, err, z)
			require.Equal(t, w, tb.windowsOf[z])
		}
		require.True(t, slices.ContainsFunc(windowsZones, func(d windowsZone) bool { return d.id == id }), "display name of %s", id)
	}
	for _, d := range windowsZones {
		require.Contains(t, tb.windows, d.id)
	}
	for display, iana := range displayAliases {
		got, err := IANAName(display)
		if isFixedOffset(iana) {
			require.ErrorIs(t, err, ErrNotAPlace, display)
			continue
		}
		require.NoError(t, err, display)
		require.Equal(t, iana, got, display)
	}
}

// Every Windows name comes back as its own zone, with or without the offset
// its zone keeps.
func TestWindowsNamesResolve(t *testing.T) {
	for _, z := range windowsZones {
		w := tables().windows[z.id]
		if isFixedOffset(w.primary) {
			continue
		}
		loc, err := time.LoadLocation(w.primary)
		require.NoError(t, err)
		prefix := "(" + formatOffset(zoneOffsets(loc)[0]) + ") "
		for _, name := range []string{z.id, z.display, prefix + z.display} {
			got, err := IANAName(name)
			require.NoError(t, err, name)
			require.Equal(t, w.primary, got, name)
		}
	}
}

func TestCovered(t *testing.T) {
	eastern := Covered("America/New_York")
	for _, z := range []string{"America/New_York", "America/Toronto", "America/Detroit", "America/Nassau", "America/Iqaluit",
		"America/Indiana/Petersburg", "America/Indiana/Vincennes", "America/Indiana/Winamac",
		"America/Kentucky/Louisville", "America/Kentucky/Monticello"} {
		require.Contains(t, eastern, z)
		require.True(t, Covers("America/New_York", z), z)
		require.True(t, Covers(z, "America/New_York"), "coverage is the Windows zone's, whichever place names it")
	}
	// Indiana (East) is a Windows zone of its own; Central is another.
	for _, z := range []string{"America/Indiana/Indianapolis", "America/Chicago", "America/Winnipeg", "Etc/GMT+5"} {
		require.NotContains(t, eastern, z)
		require.False(t, Covers("America/New_York", z), z)
	}
	require.Contains(t, Covered("America/Chicago"), "America/Winnipeg")
	require.Contains(t, Covered("America/Chicago"), "America/Indiana/Knox")
	require.Contains(t, Covered("Europe/Berlin"), "Europe/Amsterdam")
	require.Equal(t, []string{"Asia/Kolkata"}, Covered("Asia/Kolkata"))
	require.Equal(t, []string{"Antarctica/Troll"}, Covered("Antarctica/Troll"), "a zone in no Windows zone covers itself")
	id, ok := WindowsTimeZone("America/Toronto")
	require.True(t, ok)
	require.Equal(t, "Eastern Standard Time", id)
	require.True(t, slices.IsSorted(eastern))
}

func TestGoverningAndSharedZone(t *testing.T) {
	rows := []string{"America/New_York", "America/Chicago", "America/Toronto"}
	require.Equal(t, []int{2}, Governing("America/Toronto", rows), "the row of the zone itself")
	require.Equal(t, []int{0, 2}, Governing("America/Detroit", rows), "every row covering it")
	require.Equal(t, []int{1}, Governing("America/Winnipeg", rows))
	require.Empty(t, Governing("Asia/Kolkata", rows))

	require.Empty(t, SharedZone("America/New_York", []string{"America/Chicago"}))
	require.Equal(t, "America/Detroit", SharedZone("America/Toronto", []string{"America/New_York"}))
	require.Equal(t, "America/Detroit", SharedZone("America/New_York", []string{"America/Toronto"}))
	// Where every zone of a Windows zone has its own row, each governs its own.
	require.Empty(t, SharedZone("America/Vancouver", []string{"America/Los_Angeles"}))
	require.Empty(t, SharedZone("Asia/Kolkata", []string{"Asia/Kolkata"}), "the same zone twice is refused elsewhere")
}

// Every zone file of the machine's tzdata is a place, an alias or a
// refused name: the embedded tables know every name a number or a user
// can bring.
func TestMachineZonesAreKnown(t *testing.T) {
	root := "/usr/share/zoneinfo"
	if _, err := os.Stat(filepath.Join(root, "zone.tab")); err != nil {
		t.Skip("no system tzdata")
	}
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if name == "posix" || name == "right" {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.Contains(name, ".") || slices.Contains([]string{"posixrules", "localtime", "Factory", "leapseconds", "SECURITY"}, name) ||
			d.Type()&fs.ModeSymlink == 0 && !d.Type().IsRegular() {
			return nil
		}
		if _, err := time.LoadLocation(name); err != nil {
			return nil
		}
		n++
		_, err = Canonical(name)
		if !errors.Is(err, ErrNotAPlace) {
			require.NoError(t, err, name)
			require.Contains(t, tables().folded, strings.ToLower(name), "%s is in the tables, not only on this machine", name)
		}
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, n, 300)
}
