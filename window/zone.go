package window

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
)

// ZoneForDisplayName returns the time zone a configured name stands for,
// loaded so that it follows the zone's daylight-saving rules. See [IANAName]
// for the names it accepts.
func ZoneForDisplayName(name string) (*time.Location, error) {
	iana, err := IANAName(name)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(iana)
	if err != nil {
		return nil, fmt.Errorf("window: time zone %q maps to %q, which cannot be loaded: %w", name, iana, err)
	}
	return loc, nil
}

// IANAName maps a configured time-zone name to an IANA zone name, for storing
// next to the name the administrator typed. It accepts:
//
//   - an IANA name, as is ("America/Chicago"; "america/chicago" is tried in
//     canonical case too), checked by loading it;
//   - a Windows display name, with or without its "(UTC±hh:mm)" or
//     "UTC±hh:mm" prefix: "(UTC-06:00) Central Time (US and Canada)",
//     "UTC-05:00 Eastern Time (US & Canada)", "Brussels Copenhagen Madrid
//     Paris";
//   - a Windows zone ID ("Central Standard Time"), as in CLDR's windowsZones;
//   - one or more of the places of a single display name ("Hong Kong",
//     "Berlin, Amsterdam", "Mumbai").
//
// Matching ignores case, accents, punctuation, commas and extra spaces, and
// "&" equals "and". The offset of a display name is ignored: it is the
// standard offset at the time the list was written, and the returned zone's
// rules are what count. Windows names map as CLDR maps them for territory
// 001 ("Kuala Lumpur, Singapore" is Asia/Singapore). Names that are only an
// offset ("(UTC-06:00)") are rejected since several zones with different
// daylight-saving rules share each offset. Single-word legacy IANA names
// such as "EST" load as IANA defines them (fixed offset, no DST).
func IANAName(name string) (string, error) {
	trimmed := strings.TrimSpace(name)
	if trimmed == "" {
		return "", fmt.Errorf("window: empty time zone name")
	}
	// Names with a slash are IANA names; try them before the Windows table.
	if strings.Contains(trimmed, "/") && !strings.ContainsAny(trimmed, " \t") {
		if iana, ok := loadIANA(trimmed); ok {
			return iana, nil
		}
	}
	if iana, ok := lookupWindows(trimmed); ok {
		return iana, nil
	}
	// Single-word IANA names ("Japan", "EST5EDT") after the table, so that
	// "Singapore" gives the canonical "Asia/Singapore".
	if !strings.ContainsAny(trimmed, " \t") && trimmed != "Local" {
		if iana, ok := loadIANA(trimmed); ok {
			return iana, nil
		}
	}
	return "", fmt.Errorf("window: unknown time zone %q", name)
}

// loadIANA reports whether name (or its canonical capitalisation) is a zone
// the time package can load, and returns the name that loaded.
func loadIANA(name string) (string, bool) {
	for _, n := range []string{name, canonicalIANACase(name)} {
		if n == "" || n == "Local" {
			continue
		}
		if loc, err := time.LoadLocation(n); err == nil {
			return loc.String(), true
		}
	}
	return "", false
}

// canonicalIANACase capitalises an IANA name the way the database spells
// most of them ("america/new_york" -> "America/New_York"), since zone files
// are looked up case-sensitively.
func canonicalIANACase(name string) string {
	lower := map[string]bool{"of": true, "es": true, "au": true}
	upper := map[string]bool{"gmt": true, "utc": true, "uct": true, "us": true}
	var b strings.Builder
	word := func(w string) {
		switch {
		case lower[w]:
			b.WriteString(w)
		case upper[w]:
			b.WriteString(strings.ToUpper(w))
		case w != "":
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	start := 0
	name = strings.ToLower(name)
	for i := 0; i < len(name); i++ {
		switch c := name[i]; c {
		case '/', '_', '-', '+':
			word(name[start:i])
			b.WriteByte(c)
			start = i + 1
		}
	}
	word(name[start:])
	return b.String()
}

// windowsZone is one Windows time zone: its ID, its display name (without
// the offset prefix) and the IANA zone CLDR maps it to for territory 001.
type windowsZone struct {
	id, display, iana string
}

// windowsZones follows the Windows time-zone list (tzutil /l) and CLDR's
// windowsZones.xml.
var windowsZones = []windowsZone{
	{"Dateline Standard Time", "International Date Line West", "Etc/GMT+12"},
	{"UTC-11", "Coordinated Universal Time-11", "Etc/GMT+11"},
	{"Aleutian Standard Time", "Aleutian Islands", "America/Adak"},
	{"Hawaiian Standard Time", "Hawaii", "Pacific/Honolulu"},
	{"Marquesas Standard Time", "Marquesas Islands", "Pacific/Marquesas"},
	{"Alaskan Standard Time", "Alaska", "America/Anchorage"},
	{"UTC-09", "Coordinated Universal Time-09", "Etc/GMT+9"},
	{"Pacific Standard Time (Mexico)", "Baja California", "America/Tijuana"},
	{"UTC-08", "Coordinated Universal Time-08", "Etc/GMT+8"},
	{"Pacific Standard Time", "Pacific Time (US & Canada)", "America/Los_Angeles"},
	{"US Mountain Standard Time", "Arizona", "America/Phoenix"},
	{"Mountain Standard Time (Mexico)", "La Paz, Mazatlan", "America/Mazatlan"},
	{"Mountain Standard Time", "Mountain Time (US & Canada)", "America/Denver"},
	{"Yukon Standard Time", "Yukon", "America/Whitehorse"},
	{"Central America Standard Time", "Central America", "America/Guatemala"},
	{"Central Standard Time", "Central Time (US & Canada)", "America/Chicago"},
	{"Easter Island Standard Time", "Easter Island", "Pacific/Easter"},
	{"Central Standard Time (Mexico)", "Guadalajara, Mexico City, Monterrey", "America/Mexico_City"},
	{"Canada Central Standard Time", "Saskatchewan", "America/Regina"},
	{"SA Pacific Standard Time", "Bogota, Lima, Quito, Rio Branco", "America/Bogota"},
	{"Eastern Standard Time (Mexico)", "Chetumal", "America/Cancun"},
	{"Eastern Standard Time", "Eastern Time (US & Canada)", "America/New_York"},
	{"Haiti Standard Time", "Haiti", "America/Port-au-Prince"},
	{"Cuba Standard Time", "Havana", "America/Havana"},
	{"US Eastern Standard Time", "Indiana (East)", "America/Indiana/Indianapolis"},
	{"Turks And Caicos Standard Time", "Turks and Caicos", "America/Grand_Turk"},
	{"Paraguay Standard Time", "Asuncion", "America/Asuncion"},
	{"Atlantic Standard Time", "Atlantic Time (Canada)", "America/Halifax"},
	{"Venezuela Standard Time", "Caracas", "America/Caracas"},
	{"Central Brazilian Standard Time", "Cuiaba", "America/Cuiaba"},
	{"SA Western Standard Time", "Georgetown, La Paz, Manaus, San Juan", "America/La_Paz"},
	{"Pacific SA Standard Time", "Santiago", "America/Santiago"},
	{"Newfoundland Standard Time", "Newfoundland", "America/St_Johns"},
	{"Tocantins Standard Time", "Araguaina", "America/Araguaina"},
	{"E. South America Standard Time", "Brasilia", "America/Sao_Paulo"},
	{"SA Eastern Standard Time", "Cayenne, Fortaleza", "America/Cayenne"},
	{"Argentina Standard Time", "City of Buenos Aires", "America/Argentina/Buenos_Aires"},
	{"Greenland Standard Time", "Greenland", "America/Nuuk"},
	{"Montevideo Standard Time", "Montevideo", "America/Montevideo"},
	{"Magallanes Standard Time", "Punta Arenas", "America/Punta_Arenas"},
	{"Saint Pierre Standard Time", "Saint Pierre and Miquelon", "America/Miquelon"},
	{"Bahia Standard Time", "Salvador", "America/Bahia"},
	{"UTC-02", "Coordinated Universal Time-02", "Etc/GMT+2"},
	{"Mid-Atlantic Standard Time", "Mid-Atlantic - Old", "Etc/GMT+2"},
	{"Azores Standard Time", "Azores", "Atlantic/Azores"},
	{"Cape Verde Standard Time", "Cabo Verde Is.", "Atlantic/Cape_Verde"},
	{"UTC", "Coordinated Universal Time", "UTC"},
	{"Morocco Standard Time", "Casablanca", "Africa/Casablanca"},
	{"GMT Standard Time", "Dublin, Edinburgh, Lisbon, London", "Europe/London"},
	{"Greenwich Standard Time", "Monrovia, Reykjavik", "Atlantic/Reykjavik"},
	{"Sao Tome Standard Time", "Sao Tome", "Africa/Sao_Tome"},
	{"W. Europe Standard Time", "Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Berlin"},
	{"Central Europe Standard Time", "Belgrade, Bratislava, Budapest, Ljubljana, Prague", "Europe/Budapest"},
	{"Romance Standard Time", "Brussels, Copenhagen, Madrid, Paris", "Europe/Paris"},
	{"Central European Standard Time", "Sarajevo, Skopje, Warsaw, Zagreb", "Europe/Warsaw"},
	{"W. Central Africa Standard Time", "West Central Africa", "Africa/Lagos"},
	{"Jordan Standard Time", "Amman", "Asia/Amman"},
	{"GTB Standard Time", "Athens, Bucharest", "Europe/Bucharest"},
	{"Middle East Standard Time", "Beirut", "Asia/Beirut"},
	{"Egypt Standard Time", "Cairo", "Africa/Cairo"},
	{"E. Europe Standard Time", "Chisinau", "Europe/Chisinau"},
	{"Syria Standard Time", "Damascus", "Asia/Damascus"},
	{"West Bank Standard Time", "Gaza, Hebron", "Asia/Hebron"},
	{"South Africa Standard Time", "Harare, Pretoria", "Africa/Johannesburg"},
	{"FLE Standard Time", "Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius", "Europe/Kyiv"},
	{"Israel Standard Time", "Jerusalem", "Asia/Jerusalem"},
	{"South Sudan Standard Time", "Juba", "Africa/Juba"},
	{"Kaliningrad Standard Time", "Kaliningrad", "Europe/Kaliningrad"},
	{"Sudan Standard Time", "Khartoum", "Africa/Khartoum"},
	{"Libya Standard Time", "Tripoli", "Africa/Tripoli"},
	{"Namibia Standard Time", "Windhoek", "Africa/Windhoek"},
	{"Arabic Standard Time", "Baghdad", "Asia/Baghdad"},
	{"Turkey Standard Time", "Istanbul", "Europe/Istanbul"},
	{"Arab Standard Time", "Kuwait, Riyadh", "Asia/Riyadh"},
	{"Belarus Standard Time", "Minsk", "Europe/Minsk"},
	{"Russian Standard Time", "Moscow, St. Petersburg", "Europe/Moscow"},
	{"E. Africa Standard Time", "Nairobi", "Africa/Nairobi"},
	{"Volgograd Standard Time", "Volgograd", "Europe/Volgograd"},
	{"Iran Standard Time", "Tehran", "Asia/Tehran"},
	{"Arabian Standard Time", "Abu Dhabi, Muscat", "Asia/Dubai"},
	{"Astrakhan Standard Time", "Astrakhan, Ulyanovsk", "Europe/Astrakhan"},
	{"Azerbaijan Standard Time", "Baku", "Asia/Baku"},
	{"Russia Time Zone 3", "Izhevsk, Samara", "Europe/Samara"},
	{"Mauritius Standard Time", "Port Louis", "Indian/Mauritius"},
	{"Saratov Standard Time", "Saratov", "Europe/Saratov"},
	{"Georgian Standard Time", "Tbilisi", "Asia/Tbilisi"},
	{"Caucasus Standard Time", "Yerevan", "Asia/Yerevan"},
	{"Afghanistan Standard Time", "Kabul", "Asia/Kabul"},
	{"West Asia Standard Time", "Ashgabat, Tashkent", "Asia/Tashkent"},
	{"Ekaterinburg Standard Time", "Ekaterinburg", "Asia/Yekaterinburg"},
	{"Pakistan Standard Time", "Islamabad, Karachi", "Asia/Karachi"},
	{"Qyzylorda Standard Time", "Qyzylorda", "Asia/Qyzylorda"},
	{"India Standard Time", "Chennai, Kolkata, Mumbai, New Delhi", "Asia/Kolkata"},
	{"Sri Lanka Standard Time", "Sri Jayawardenepura", "Asia/Colombo"},
	{"Nepal Standard Time", "Kathmandu", "Asia/Kathmandu"},
	{"Central Asia Standard Time", "Bishkek", "Asia/Bishkek"},
	{"Bangladesh Standard Time", "Dhaka", "Asia/Dhaka"},
	{"Omsk Standard Time", "Omsk", "Asia/Omsk"},
	{"Myanmar Standard Time", "Yangon (Rangoon)", "Asia/Yangon"},
	{"SE Asia Standard Time", "Bangkok, Hanoi, Jakarta", "Asia/Bangkok"},
	{"Altai Standard Time", "Barnaul, Gorno-Altaysk", "Asia/Barnaul"},
	{"W. Mongolia Standard Time", "Hovd", "Asia/Hovd"},
	{"North Asia Standard Time", "Krasnoyarsk", "Asia/Krasnoyarsk"},
	{"N. Central Asia Standard Time", "Novosibirsk", "Asia/Novosibirsk"},
	{"Tomsk Standard Time", "Tomsk", "Asia/Tomsk"},
	{"China Standard Time", "Beijing, Chongqing, Hong Kong, Urumqi", "Asia/Shanghai"},
	{"North Asia East Standard Time", "Irkutsk", "Asia/Irkutsk"},
	{"Singapore Standard Time", "Kuala Lumpur, Singapore", "Asia/Singapore"},
	{"W. Australia Standard Time", "Perth", "Australia/Perth"},
	{"Taipei Standard Time", "Taipei", "Asia/Taipei"},
	{"Ulaanbaatar Standard Time", "Ulaanbaatar", "Asia/Ulaanbaatar"},
	{"Aus Central W. Standard Time", "Eucla", "Australia/Eucla"},
	{"Transbaikal Standard Time", "Chita", "Asia/Chita"},
	{"Tokyo Standard Time", "Osaka, Sapporo, Tokyo", "Asia/Tokyo"},
	{"North Korea Standard Time", "Pyongyang", "Asia/Pyongyang"},
	{"Korea Standard Time", "Seoul", "Asia/Seoul"},
	{"Yakutsk Standard Time", "Yakutsk", "Asia/Yakutsk"},
	{"Cen. Australia Standard Time", "Adelaide", "Australia/Adelaide"},
	{"AUS Central Standard Time", "Darwin", "Australia/Darwin"},
	{"E. Australia Standard Time", "Brisbane", "Australia/Brisbane"},
	{"AUS Eastern Standard Time", "Canberra, Melbourne, Sydney", "Australia/Sydney"},
	{"West Pacific Standard Time", "Guam, Port Moresby", "Pacific/Port_Moresby"},
	{"Tasmania Standard Time", "Hobart", "Australia/Hobart"},
	{"Vladivostok Standard Time", "Vladivostok", "Asia/Vladivostok"},
	{"Lord Howe Standard Time", "Lord Howe Island", "Australia/Lord_Howe"},
	{"Bougainville Standard Time", "Bougainville Island", "Pacific/Bougainville"},
	{"Russia Time Zone 10", "Chokurdakh", "Asia/Srednekolymsk"},
	{"Magadan Standard Time", "Magadan", "Asia/Magadan"},
	{"Norfolk Standard Time", "Norfolk Island", "Pacific/Norfolk"},
	{"Sakhalin Standard Time", "Sakhalin", "Asia/Sakhalin"},
	{"Central Pacific Standard Time", "Solomon Is., New Caledonia", "Pacific/Guadalcanal"},
	{"Russia Time Zone 11", "Anadyr, Petropavlovsk-Kamchatsky", "Asia/Kamchatka"},
	{"New Zealand Standard Time", "Auckland, Wellington", "Pacific/Auckland"},
	{"UTC+12", "Coordinated Universal Time+12", "Etc/GMT-12"},
	{"Fiji Standard Time", "Fiji", "Pacific/Fiji"},
	{"Kamchatka Standard Time", "Petropavlovsk-Kamchatsky - Old", "Asia/Kamchatka"},
	{"Chatham Islands Standard Time", "Chatham Islands", "Pacific/Chatham"},
	{"UTC+13", "Coordinated Universal Time+13", "Etc/GMT-13"},
	{"Tonga Standard Time", "Nuku'alofa", "Pacific/Tongatapu"},
	{"Samoa Standard Time", "Samoa", "Pacific/Apia"},
	{"Line Islands Standard Time", "Kiritimati Island", "Pacific/Kiritimati"},
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
	"Samoa, Apia":                                   "Pacific/Apia",
	"Apia":                                          "Pacific/Apia",
}

// zoneIndex maps normalised full names (IDs, display names, aliases) to IANA
// zones; placeIndex maps each normalised place of a display name to the
// zones it appears in, for names that list only some of the places.
var zoneIndex, placeIndex = buildIndexes()

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
		add(z.id, z.iana)
		add(z.display, z.iana)
	}
	for display, iana := range displayAliases {
		add(display, iana)
	}
	return full, places
}

// offsetPrefix matches a leading "(UTC-06:00)", "UTC-05:00", "(GMT+01:00)" or
// "(UTC)" label.
var offsetPrefix = regexp.MustCompile(`(?i)^\(?\s*(?:UTC|GMT)\s*(?:([+\-\x{2212}])\s*(\d{1,2})(?::?(\d{2}))?)?\s*\)?\s*`)

func lookupWindows(name string) (string, bool) {
	if iana, ok := zoneIndex[normalize(name)]; ok {
		return iana, true
	}
	rest := name
	zeroOffset := false
	if m := offsetPrefix.FindStringSubmatchIndex(name); m != nil {
		rest = name[m[1]:]
		sign, hh, mm := sub(name, m, 1), sub(name, m, 2), sub(name, m, 3)
		zeroOffset = sign == "" || (strings.Trim(hh, "0") == "" && strings.Trim(mm, "0") == "")
	}
	key := normalize(rest)
	if key == "" {
		// "(UTC)" or "UTC+00:00" alone is UTC; other bare offsets are ambiguous.
		if zeroOffset {
			return "UTC", true
		}
		return "", false
	}
	if iana, ok := zoneIndex[key]; ok {
		return iana, true
	}
	return lookupPlaces(strings.Fields(key))
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
