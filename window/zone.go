package window

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// IANAName maps a time-zone name, as an administrator or a list writes it,
// to the canonical IANA name of its place (see [Canonical]). It accepts:
//
//   - an IANA name or one of its aliases, in any case ("America/Chicago",
//     "america/chicago", "US/Central", "Asia/Calcutta");
//   - a Windows display name, with or without its "(UTC±hh:mm)" or
//     "UTC±hh:mm" prefix: "(UTC-06:00) Central Time (US and Canada)",
//     "UTC-05:00 Eastern Time (US & Canada)", "Brussels Copenhagen Madrid
//     Paris";
//   - a Windows zone ID ("Central Standard Time"), as in CLDR's windowsZones;
//   - one or more of the places of a single display name ("Hong Kong",
//     "Berlin, Amsterdam", "Mumbai").
//
// Matching ignores case, accents, punctuation, commas and extra spaces, and
// "&" equals "and". Windows names map to the zone CLDR gives them for
// territory 001 ("Kuala Lumpur, Singapore" is Asia/Singapore); the zone's
// rules are what count, DST included. A display name's offset must be one
// its zone keeps, standard or daylight, as it has since 2000 (so lists
// written under older rules still load): "(UTC+05:00) Central Time (US and
// Canada)" is refused with ErrOffset, "(UTC-05:00) Central Time" is not.
// Names that are not places are refused with ErrNotAPlace: the legacy rule
// names (EST, CST6CDT…), fixed offsets (Etc/GMT+5, UTC, the Windows
// "Coordinated Universal Time-11"…) and an offset alone ("(UTC-06:00)"),
// which several zones with different rules share. Other names are refused
// with ErrUnknownZone. Every error names the value.
func IANAName(name string) (string, error) {
	trimmed := strings.TrimSpace(name)
	switch {
	case trimmed == "":
		return "", &ZoneError{Name: name, Kind: ErrUnknownZone, Detail: "it is empty"}
	case len(name) > maxZoneName:
		return "", tooLong(name)
	}
	zone, offset, err := resolve(trimmed)
	if err != nil {
		var ze *ZoneError
		if errors.As(err, &ze) {
			return "", &ZoneError{Name: name, Kind: ze.Kind, Detail: ze.Detail}
		}
		return "", err
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return "", &ZoneError{Name: name, Kind: ErrUnknownZone, Detail: fmt.Sprintf("its zone %s cannot be loaded: %v", zone, err)}
	}
	if offset != nil {
		kept := zoneOffsets(loc)
		if !slices.Contains(kept, *offset) {
			var names []string
			for _, o := range kept {
				names = append(names, formatOffset(o))
			}
			return "", &ZoneError{Name: name, Kind: ErrOffset, Detail: fmt.Sprintf("%s is at %s, never at %s",
				zone, strings.Join(names, " or "), formatOffset(*offset))}
		}
	}
	return zone, nil
}

// resolve finds the canonical zone a trimmed name stands for and the offset
// its display prefix gives, if any.
func resolve(name string) (string, *int, error) {
	// Names with a slash are IANA names; try them before the Windows table.
	if strings.Contains(name, "/") && !strings.ContainsAny(name, " \t") {
		zone, err := Canonical(name)
		if !errors.Is(err, ErrUnknownZone) {
			return zone, nil, err
		}
	}
	zone, offset, err := lookupWindows(name)
	if err != nil || zone != "" {
		if err == nil {
			zone, err = Canonical(zone)
		}
		return zone, offset, err
	}
	// Single-word IANA names ("Japan", "EST5EDT") after the table, so that
	// "Singapore" gives the place of the Windows name.
	if !strings.ContainsAny(name, " \t") {
		if zone, err := Canonical(name); !errors.Is(err, ErrUnknownZone) {
			return zone, nil, err
		}
	}
	return "", nil, &ZoneError{Name: name, Kind: ErrUnknownZone}
}

// zoneOffsets are the UTC offsets, in seconds, loc has kept since 2000,
// standard and daylight, in order.
func zoneOffsets(loc *time.Location) []int {
	var out []int
	end := time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	for t := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC); t.Before(end); {
		lt := t.In(loc)
		if _, off := lt.Zone(); !slices.Contains(out, off) {
			out = append(out, off)
		}
		_, next := lt.ZoneBounds()
		if next.IsZero() || !next.After(t) {
			break
		}
		t = next
	}
	slices.Sort(out)
	return out
}

// formatOffset writes an offset in seconds as "UTC-06:00".
func formatOffset(seconds int) string {
	sign := "+"
	if seconds < 0 {
		sign, seconds = "-", -seconds
	}
	return fmt.Sprintf("UTC%s%02d:%02d", sign, seconds/3600, seconds/60%60)
}

// windowsZone is one Windows time zone: its ID and its display name
// (without the offset prefix). Its zone is CLDR's for territory 001.
type windowsZone struct {
	id, display string
}

// windowsZones are the display names of the Windows time-zone list
// (tzutil /l), by ID; CLDR's windowsZones.xml maps the IDs to zones.
var windowsZones = []windowsZone{
	{"Dateline Standard Time", "International Date Line West"},
	{"UTC-11", "Coordinated Universal Time-11"},
	{"Aleutian Standard Time", "Aleutian Islands"},
	{"Hawaiian Standard Time", "Hawaii"},
	{"Marquesas Standard Time", "Marquesas Islands"},
	{"Alaskan Standard Time", "Alaska"},
	{"UTC-09", "Coordinated Universal Time-09"},
	{"Pacific Standard Time (Mexico)", "Baja California"},
	{"UTC-08", "Coordinated Universal Time-08"},
	{"Pacific Standard Time", "Pacific Time (US & Canada)"},
	{"US Mountain Standard Time", "Arizona"},
	{"Mountain Standard Time (Mexico)", "La Paz, Mazatlan"},
	{"Mountain Standard Time", "Mountain Time (US & Canada)"},
	{"Yukon Standard Time", "Yukon"},
	{"Central America Standard Time", "Central America"},
	{"Central Standard Time", "Central Time (US & Canada)"},
	{"Easter Island Standard Time", "Easter Island"},
	{"Central Standard Time (Mexico)", "Guadalajara, Mexico City, Monterrey"},
	{"Canada Central Standard Time", "Saskatchewan"},
	{"SA Pacific Standard Time", "Bogota, Lima, Quito, Rio Branco"},
	{"Eastern Standard Time (Mexico)", "Chetumal"},
	{"Eastern Standard Time", "Eastern Time (US & Canada)"},
	{"Haiti Standard Time", "Haiti"},
	{"Cuba Standard Time", "Havana"},
	{"US Eastern Standard Time", "Indiana (East)"},
	{"Turks And Caicos Standard Time", "Turks and Caicos"},
	{"Paraguay Standard Time", "Asuncion"},
	{"Atlantic Standard Time", "Atlantic Time (Canada)"},
	{"Venezuela Standard Time", "Caracas"},
	{"Central Brazilian Standard Time", "Cuiaba"},
	{"SA Western Standard Time", "Georgetown, La Paz, Manaus, San Juan"},
	{"Pacific SA Standard Time", "Santiago"},
	{"Newfoundland Standard Time", "Newfoundland"},
	{"Tocantins Standard Time", "Araguaina"},
	{"E. South America Standard Time", "Brasilia"},
	{"SA Eastern Standard Time", "Cayenne, Fortaleza"},
	{"Argentina Standard Time", "City of Buenos Aires"},
	{"Greenland Standard Time", "Greenland"},
	{"Montevideo Standard Time", "Montevideo"},
	{"Magallanes Standard Time", "Punta Arenas"},
	{"Saint Pierre Standard Time", "Saint Pierre and Miquelon"},
	{"Bahia Standard Time", "Salvador"},
	{"UTC-02", "Coordinated Universal Time-02"},
	{"Azores Standard Time", "Azores"},
	{"Cape Verde Standard Time", "Cabo Verde Is."},
	{"UTC", "Coordinated Universal Time"},
	{"Morocco Standard Time", "Casablanca"},
	{"GMT Standard Time", "Dublin, Edinburgh, Lisbon, London"},
	{"Greenwich Standard Time", "Monrovia, Reykjavik"},
	{"Sao Tome Standard Time", "Sao Tome"},
	{"W. Europe Standard Time", "Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna"},
	{"Central Europe Standard Time", "Belgrade, Bratislava, Budapest, Ljubljana, Prague"},
	{"Romance Standard Time", "Brussels, Copenhagen, Madrid, Paris"},
	{"Central European Standard Time", "Sarajevo, Skopje, Warsaw, Zagreb"},
	{"W. Central Africa Standard Time", "West Central Africa"},
	{"Jordan Standard Time", "Amman"},
	{"GTB Standard Time", "Athens, Bucharest"},
	{"Middle East Standard Time", "Beirut"},
	{"Egypt Standard Time", "Cairo"},
	{"E. Europe Standard Time", "Chisinau"},
	{"Syria Standard Time", "Damascus"},
	{"West Bank Standard Time", "Gaza, Hebron"},
	{"South Africa Standard Time", "Harare, Pretoria"},
	{"FLE Standard Time", "Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius"},
	{"Israel Standard Time", "Jerusalem"},
	{"South Sudan Standard Time", "Juba"},
	{"Kaliningrad Standard Time", "Kaliningrad"},
	{"Sudan Standard Time", "Khartoum"},
	{"Libya Standard Time", "Tripoli"},
	{"Namibia Standard Time", "Windhoek"},
	{"Arabic Standard Time", "Baghdad"},
	{"Turkey Standard Time", "Istanbul"},
	{"Arab Standard Time", "Kuwait, Riyadh"},
	{"Belarus Standard Time", "Minsk"},
	{"Russian Standard Time", "Moscow, St. Petersburg"},
	{"E. Africa Standard Time", "Nairobi"},
	{"Volgograd Standard Time", "Volgograd"},
	{"Iran Standard Time", "Tehran"},
	{"Arabian Standard Time", "Abu Dhabi, Muscat"},
	{"Astrakhan Standard Time", "Astrakhan, Ulyanovsk"},
	{"Azerbaijan Standard Time", "Baku"},
	{"Russia Time Zone 3", "Izhevsk, Samara"},
	{"Mauritius Standard Time", "Port Louis"},
	{"Saratov Standard Time", "Saratov"},
	{"Georgian Standard Time", "Tbilisi"},
	{"Caucasus Standard Time", "Yerevan"},
	{"Afghanistan Standard Time", "Kabul"},
	{"West Asia Standard Time", "Ashgabat, Tashkent"},
	{"Ekaterinburg Standard Time", "Ekaterinburg"},
	{"Pakistan Standard Time", "Islamabad, Karachi"},
	{"Qyzylorda Standard Time", "Qyzylorda"},
	{"India Standard Time", "Chennai, Kolkata, Mumbai, New Delhi"},
	{"Sri Lanka Standard Time", "Sri Jayawardenepura"},
	{"Nepal Standard Time", "Kathmandu"},
	{"Central Asia Standard Time", "Bishkek"},
	{"Bangladesh Standard Time", "Dhaka"},
	{"Omsk Standard Time", "Omsk"},
	{"Myanmar Standard Time", "Yangon (Rangoon)"},
	{"SE Asia Standard Time", "Bangkok, Hanoi, Jakarta"},
	{"Altai Standard Time", "Barnaul, Gorno-Altaysk"},
	{"W. Mongolia Standard Time", "Hovd"},
	{"North Asia Standard Time", "Krasnoyarsk"},
	{"N. Central Asia Standard Time", "Novosibirsk"},
	{"Tomsk Standard Time", "Tomsk"},
	{"China Standard Time", "Beijing, Chongqing, Hong Kong, Urumqi"},
	{"North Asia East Standard Time", "Irkutsk"},
	{"Singapore Standard Time", "Kuala Lumpur, Singapore"},
	{"W. Australia Standard Time", "Perth"},
	{"Taipei Standard Time", "Taipei"},
	{"Ulaanbaatar Standard Time", "Ulaanbaatar"},
	{"Aus Central W. Standard Time", "Eucla"},
	{"Transbaikal Standard Time", "Chita"},
	{"Tokyo Standard Time", "Osaka, Sapporo, Tokyo"},
	{"North Korea Standard Time", "Pyongyang"},
	{"Korea Standard Time", "Seoul"},
	{"Yakutsk Standard Time", "Yakutsk"},
	{"Cen. Australia Standard Time", "Adelaide"},
	{"AUS Central Standard Time", "Darwin"},
	{"E. Australia Standard Time", "Brisbane"},
	{"AUS Eastern Standard Time", "Canberra, Melbourne, Sydney"},
	{"West Pacific Standard Time", "Guam, Port Moresby"},
	{"Tasmania Standard Time", "Hobart"},
	{"Vladivostok Standard Time", "Vladivostok"},
	{"Lord Howe Standard Time", "Lord Howe Island"},
	{"Bougainville Standard Time", "Bougainville Island"},
	{"Russia Time Zone 10", "Chokurdakh"},
	{"Magadan Standard Time", "Magadan"},
	{"Norfolk Standard Time", "Norfolk Island"},
	{"Sakhalin Standard Time", "Sakhalin"},
	{"Central Pacific Standard Time", "Solomon Is., New Caledonia"},
	{"Russia Time Zone 11", "Anadyr, Petropavlovsk-Kamchatsky"},
	{"New Zealand Standard Time", "Auckland, Wellington"},
	{"UTC+12", "Coordinated Universal Time+12"},
	{"Fiji Standard Time", "Fiji"},
	{"Chatham Islands Standard Time", "Chatham Islands"},
	{"UTC+13", "Coordinated Universal Time+13"},
	{"Tonga Standard Time", "Nuku'alofa"},
	{"Samoa Standard Time", "Samoa"},
	{"Line Islands Standard Time", "Kiritimati Island"},
}

// displayAliases are display names that older Windows versions, Webex lists
// and administrators use, beyond those in windowsZones.
var displayAliases = map[string]string{
	"Central Time":                      "America/Chicago",
	"Eastern Time":                      "America/New_York",
	"Mountain Time":                     "America/Denver",
	"Pacific Time":                      "America/Los_Angeles",
	"Atlantic Time":                     "America/Halifax",
	"Chihuahua, La Paz, Mazatlan":       "America/Mazatlan",
	"Chihuahua":                         "America/Chihuahua",
	"Bogota, Lima, Quito":               "America/Bogota",
	"Buenos Aires":                      "America/Argentina/Buenos_Aires",
	"Georgetown, La Paz, San Juan":      "America/La_Paz",
	"Manaus":                            "America/Manaus",
	"Moscow, St. Petersburg, Volgograd": "Europe/Moscow",
	"Helsinki, Kiev, Riga, Sofia, Tallinn, Vilnius": "Europe/Kyiv",
	"Athens, Bucharest, Istanbul":                   "Europe/Bucharest",
	"Athens":                                        "Europe/Athens",
	"Istanbul":                                      "Europe/Istanbul",
	"Dublin":                                        "Europe/Dublin",
	"Lisbon":                                        "Europe/Lisbon",
	"Monrovia":                                      "Africa/Monrovia",
	"Casablanca, Monrovia, Reykjavik":               "Atlantic/Reykjavik",
	"Amsterdam":                                     "Europe/Amsterdam",
	"Rome":                                          "Europe/Rome",
	"Stockholm":                                     "Europe/Stockholm",
	"Vienna":                                        "Europe/Vienna",
	"Brussels":                                      "Europe/Brussels",
	"Copenhagen":                                    "Europe/Copenhagen",
	"Madrid":                                        "Europe/Madrid",
	"Prague":                                        "Europe/Prague",
	"Hong Kong":                                     "Asia/Hong_Kong",
	"Kuala Lumpur":                                  "Asia/Kuala_Lumpur",
	"Jakarta":                                       "Asia/Jakarta",
	"Hanoi":                                         "Asia/Ho_Chi_Minh",
	"Astana":                                        "Asia/Almaty",
	"Nur-Sultan":                                    "Asia/Almaty",
	"Nur-Sultan (Astana)":                           "Asia/Almaty",
	"Almaty, Novosibirsk":                           "Asia/Almaty",
	"Yekaterinburg":                                 "Asia/Yekaterinburg",
	"Tashkent":                                      "Asia/Tashkent",
	"Yangon":                                        "Asia/Yangon",
	"Rangoon":                                       "Asia/Yangon",
	"Sri Jayewardenepura Kotte":                     "Asia/Colombo",
	"Sri Jayewardenepura":                           "Asia/Colombo",
	"Melbourne":                                     "Australia/Melbourne",
	"Canberra":                                      "Australia/Sydney",
	"Wellington":                                    "Pacific/Auckland",
	"Solomon Islands, New Caledonia":                "Pacific/Guadalcanal",
	"Guam":                                          "Pacific/Guam",
	"Cape Verde Is.":                                "Atlantic/Cape_Verde",
	"Cabo Verde":                                    "Atlantic/Cape_Verde",
	"Mid-Atlantic":                                  "Etc/GMT+2",
	"Mid-Atlantic - Old":                            "Etc/GMT+2",
	"Mid-Atlantic Standard Time":                    "Etc/GMT+2",
	"Kamchatka Standard Time":                       "Asia/Kamchatka",
	"Petropavlovsk-Kamchatsky - Old":                "Asia/Kamchatka",
	"Samoa, Apia":                                   "Pacific/Apia",
	"Apia":                                          "Pacific/Apia",
}

// indexes are zoneIndex, which maps normalised full names (IDs, display
// names, aliases) to zones, and placeIndex, which maps each normalised place of a display name to the
// zones it appears in, for names that list only some of the places. They
// are built on first use, from the tables and CLDR's mapping.
var indexes = sync.OnceValues(buildIndexes)

func buildIndexes() (map[string]string, map[string][]string) {
	full := map[string]string{}
	places := map[string][]string{}
	addPlace := func(p, iana string) {
		k := normalize(p)
		if k != "" && !slices.Contains(places[k], iana) {
			places[k] = append(places[k], iana)
		}
	}
	add := func(display, iana string) {
		k := normalize(display)
		if prev, ok := full[k]; ok && prev != iana {
			panic(fmt.Sprintf("window: zone name %q maps to both %s and %s", display, prev, iana))
		}
		full[k] = iana
		for p := range strings.SplitSeq(display, ",") {
			addPlace(p, iana)
		}
	}
	for _, z := range windowsZones {
		w := tables().windows[z.id]
		if w == nil {
			panic(fmt.Sprintf("window: CLDR's windowsZones.xml has no Windows zone %q", z.id))
		}
		add(z.id, w.primary)
		add(z.display, w.primary)
	}
	for display, iana := range displayAliases {
		add(display, iana)
	}
	return full, places
}

// offsetPrefix matches a leading "(UTC-06:00)", "UTC-05:00", "(GMT+01:00)" or
// "(UTC)" label.
var offsetPrefix = regexp.MustCompile(`(?i)^\(?\s*(?:UTC|GMT)\s*(?:([+\-\x{2212}])\s*(\d{1,2})(?::?(\d{2}))?)?\s*\)?\s*`)

// lookupWindows finds the zone a Windows name stands for, and the offset
// its prefix gives; no zone and no error when the name is not one.
func lookupWindows(name string) (string, *int, error) {
	full, _ := indexes()
	if iana, ok := full[normalize(name)]; ok {
		return iana, nil, nil
	}
	rest := name
	var offset *int
	if m := offsetPrefix.FindStringSubmatchIndex(name); m != nil {
		rest = name[m[1]:]
		sign, hh, mm := sub(name, m, 1), sub(name, m, 2), sub(name, m, 3)
		h, _ := strconv.Atoi(hh)
		mins, _ := strconv.Atoi(mm)
		o := (h*60 + mins) * 60
		if sign != "" && sign != "+" {
			o = -o
		}
		offset = &o
	}
	key := normalize(rest)
	if key == "" {
		if offset != nil {
			return "", nil, &ZoneError{Name: name, Kind: ErrNotAPlace, Detail: "it is only an offset, which zones with different rules share" + placeHint}
		}
		return "", nil, nil
	}
	if iana, ok := full[key]; ok {
		return iana, offset, nil
	}
	if iana, ok := lookupPlaces(strings.Fields(key)); ok {
		return iana, offset, nil
	}
	return "", nil, nil
}

func sub(s string, m []int, i int) string {
	if m[2*i] < 0 {
		return ""
	}
	return s[m[2*i]:m[2*i+1]]
}

// lookupPlaces splits words into known places, longest first, and succeeds
// when exactly one zone has all of them.
func lookupPlaces(words []string) (string, bool) {
	_, placeIndex := indexes()
	var candidates []string
	for i := 0; i < len(words); {
		n := len(words) - i
		for ; n > 0; n-- {
			if zones, ok := placeIndex[strings.Join(words[i:i+n], " ")]; ok {
				if candidates == nil {
					candidates = slices.Clone(zones)
				} else {
					candidates = slices.DeleteFunc(candidates, func(z string) bool { return !slices.Contains(zones, z) })
				}
				break
			}
		}
		if n == 0 {
			return "", false
		}
		i += n
	}
	if len(candidates) != 1 {
		return "", false
	}
	return candidates[0], true
}

// normalize lowercases s, folds accents, reads "&" as "and", keeps signs
// before digits ("Time-11" and "Time -11" agree) and turns other punctuation
// into spaces, so that names compare leniently.
func normalize(s string) string {
	s = accentFolder.Replace(strings.ToLower(s))
	var b strings.Builder
	space := func() {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), " ") {
			b.WriteByte(' ')
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case r == '\'' || r == '\u2019':
			// Nuku'alofa and Nukualofa agree.
		case r == '&':
			space()
			b.WriteString("and ")
		case (r == '+' || r == '-' || r == '\u2212') && i+1 < len(rs) && unicode.IsDigit(rs[i+1]):
			space()
			if r == '+' {
				b.WriteString("+ ")
			} else {
				b.WriteString("- ")
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			space()
		}
	}
	return strings.TrimSpace(b.String())
}

var accentFolder = strings.NewReplacer(
	"á", "a", "à", "a", "â", "a", "ä", "a", "ã", "a", "å", "a",
	"é", "e", "è", "e", "ê", "e", "ë", "e",
	"í", "i", "ì", "i", "î", "i", "ï", "i",
	"ó", "o", "ò", "o", "ô", "o", "ö", "o", "õ", "o",
	"ú", "u", "ù", "u", "û", "u", "ü", "u",
	"ç", "c", "ñ", "n",
)
