package window

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// Zone names. A zone enters Outdial from phonenumbers (a number's area),
// from a list's zone column, from the API and from configured time zones,
// each spelling the same place its own way: phonenumbers says
// "Asia/Calcutta" and "America/Montreal" where tzdata now says
// "Asia/Kolkata" and "America/Toronto". Every name is made canonical on
// entry, so that windows match by name:
//
//   - a link of tzdata's backward file is replaced by its target
//     ("US/Eastern" is "America/New_York"), following the file's "#="
//     targets, except that a name of zone.tab stays as it is: it is a
//     country's own zone ("Europe/Amsterdam", "Atlantic/Reykjavik"), kept
//     apart from the zone it was merged with (Brussels, Abidjan) because
//     the two only agree since 1970 and CLDR puts some of them in
//     different Windows zones;
//   - names that are not places are refused: the legacy rule names (EST,
//     MST, HST, CST6CDT, EST5EDT, MST7MDT, PST8PDT, CET, MET, EET, WET) and
//     the fixed offsets (Etc/GMT+5, UTC, GMT and their spellings). A
//     calling window is a place's local time; "EST" is five hours behind
//     UTC all year, which is not New York's time for half of it.
//
// A configured time zone covers every zone of its Windows time zone, as
// CLDR's windowsZones.xml maps them (see [Covered]).
//
// The data are tzdata's backward and zone.tab (release 2026c) and CLDR's
// windowsZones.xml, embedded as published; see zonedata/README.md to
// update them.

//go:embed zonedata/backward zonedata/zone.tab zonedata/windowsZones.xml
var zoneData embed.FS

// Errors of zone names, wrapped with the name at fault; test with
// errors.Is.
var (
	ErrUnknownZone = errors.New("is not a known zone")
	ErrNotAPlace   = errors.New("is not a place")
	ErrOffset      = errors.New("has an offset its zone never has")
)

// ZoneError is a zone name refused, with why.
type ZoneError struct {
	Name   string
	Kind   error // ErrUnknownZone, ErrNotAPlace or ErrOffset
	Detail string
}

func (e *ZoneError) Error() string {
	s := fmt.Sprintf("time zone %.100q %v", e.Name, e.Kind)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *ZoneError) Unwrap() error { return e.Kind }

// maxZoneName bounds the names read: the longest Windows display name,
// with its offset, is about 70 characters, and matching places is
// quadratic in a name's words.
const maxZoneName = 200

// tooLong refuses a name no zone has.
func tooLong(name string) error {
	return &ZoneError{Name: name, Kind: ErrUnknownZone, Detail: fmt.Sprintf("it is longer than %d characters", maxZoneName)}
}

// placeHint ends the reason a name is not a place.
const placeHint = `; give the place's zone, such as "America/New_York" or "(UTC-05:00) Eastern Time (US and Canada)"`

// legacyRules are tzdata's old rule-named zones, links since 2024b. They
// name a rule, not a place: EST is America/Panama in tzdata, while whoever
// writes it means New York.
var legacyRules = []string{"EST", "MST", "HST", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT", "CET", "MET", "EET", "WET"}

// zoneTables are the embedded data, read once.
type zoneTables struct {
	places    map[string]bool   // canonical names: zone.tab
	aliases   map[string]string // link name → canonical name
	notPlaces map[string]string // name → why it is not a place
	folded    map[string]string // lower-cased known name → its spelling
	windows   map[string]*windowsTime
	windowsOf map[string]*windowsTime // canonical zone → its Windows time zone
}

// windowsTime is one Windows time zone as CLDR maps it: its ID, the zone
// of territory 001 (the one a Windows name stands for) and every place
// zone of every territory, canonical and sorted.
type windowsTime struct {
	id      string
	primary string
	zones   []string
}

var tables = sync.OnceValue(func() *zoneTables {
	t, err := readZoneTables(zoneData)
	if err != nil {
		panic(err) // the embedded files are fixed; TestZoneTables reads them
	}
	return t
})

func readZoneTables(fsys embed.FS) (*zoneTables, error) {
	t := &zoneTables{places: map[string]bool{}, aliases: map[string]string{}, notPlaces: map[string]string{},
		folded: map[string]string{}, windows: map[string]*windowsTime{}, windowsOf: map[string]*windowsTime{}}
	zoneTab, err := fsys.ReadFile("zonedata/zone.tab")
	if err != nil {
		return nil, err
	}
	for line := range strings.Lines(string(zoneTab)) {
		if f := strings.Split(strings.TrimSpace(line), "\t"); len(f) >= 3 && !strings.HasPrefix(f[0], "#") {
			t.places[f[2]] = true
		}
	}
	backward, err := fsys.ReadFile("zonedata/backward")
	if err != nil {
		return nil, err
	}
	links, err := readLinks(backward)
	if err != nil {
		return nil, err
	}
	for _, name := range legacyRules {
		t.notPlaces[name] = "it is a legacy rule, not a place's law" + placeHint
	}
	for name := range links {
		if t.places[name] || t.notPlaces[name] != "" {
			continue
		}
		target := name
		for range len(links) { // a chain of links ends; the bound guards a loop
			next, ok := links[target]
			if !ok || t.places[target] {
				break
			}
			target = next
		}
		switch {
		case isFixedOffset(target):
			t.notPlaces[name] = "it is a fixed offset from UTC" + placeHint
		case t.places[target]:
			t.aliases[name] = target
		default:
			return nil, fmt.Errorf("window: zone link %s leads to %s, which zone.tab does not list", name, target)
		}
	}
	for n := range t.places {
		t.folded[strings.ToLower(n)] = n
	}
	for _, m := range []map[string]string{t.aliases, t.notPlaces} {
		for n := range m {
			t.folded[strings.ToLower(n)] = n
		}
	}
	xmlData, err := fsys.ReadFile("zonedata/windowsZones.xml")
	if err != nil {
		return nil, err
	}
	if err := t.readWindows(xmlData); err != nil {
		return nil, err
	}
	return t, nil
}

// readLinks reads backward's "Link TARGET NAME [#= TARGET1]" lines; a
// "#=" target is the one meant, which the line's own target stands in for
// ("Pacific/Truk" is "Pacific/Chuuk", not Port Moresby).
func readLinks(data []byte) (map[string]string, error) {
	links := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 || f[0] != "Link" {
			continue
		}
		target := f[1]
		if len(f) >= 5 && f[3] == "#=" {
			target = f[4]
		}
		links[f[2]] = target
	}
	return links, sc.Err()
}

func isFixedOffset(name string) bool {
	return strings.HasPrefix(strings.ToLower(name), "etc/") || strings.EqualFold(name, "GMT")
}

// readWindows reads CLDR's mapZone elements: a Windows ID, a territory and
// the zones it maps to there.
func (t *zoneTables) readWindows(data []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("window: windowsZones.xml: %w", err)
		}
		el, ok := tok.(xml.StartElement)
		if !ok || el.Name.Local != "mapZone" {
			continue
		}
		var m struct {
			Other     string `xml:"other,attr"`
			Territory string `xml:"territory,attr"`
			Type      string `xml:"type,attr"`
		}
		if err := dec.DecodeElement(&m, &el); err != nil {
			return fmt.Errorf("window: windowsZones.xml: %w", err)
		}
		w := t.windows[m.Other]
		if w == nil {
			w = &windowsTime{id: m.Other}
			t.windows[m.Other] = w
		}
		for _, z := range strings.Fields(m.Type) {
			if isFixedOffset(z) {
				// A fixed offset is no place a number is in; it only stands
				// for the Windows zones that have no place of their own.
				if m.Territory == "001" {
					w.primary = z
				}
				continue
			}
			c, err := t.canonical(z)
			if err != nil {
				return fmt.Errorf("window: windowsZones.xml maps %s to %w", m.Other, err)
			}
			if m.Territory == "001" {
				w.primary = c
			}
			if other := t.windowsOf[c]; other != nil && other != w {
				return fmt.Errorf("window: windowsZones.xml puts %s in both %s and %s", c, other.id, w.id)
			}
			t.windowsOf[c] = w
			if !slices.Contains(w.zones, c) {
				w.zones = append(w.zones, c)
			}
		}
	}
	for _, w := range t.windows {
		slices.Sort(w.zones)
		if w.primary == "" {
			return fmt.Errorf("window: windowsZones.xml gives %s no zone for territory 001", w.id)
		}
	}
	return nil
}

// canonical resolves a name by the tables alone, ignoring case.
func (t *zoneTables) canonical(name string) (string, error) {
	if t.places[name] { // most names, as phonenumbers and the database spell them
		return name, nil
	}
	known, ok := t.folded[strings.ToLower(name)]
	if !ok {
		return "", &ZoneError{Name: name, Kind: ErrUnknownZone}
	}
	if why := t.notPlaces[known]; why != "" {
		return "", &ZoneError{Name: name, Kind: ErrNotAPlace, Detail: why}
	}
	if target, ok := t.aliases[known]; ok {
		return target, nil
	}
	return known, nil
}

// Canonical returns the canonical IANA name of a zone name: "US/Eastern"
// and "us/eastern" are "America/New_York", "Asia/Calcutta" is
// "Asia/Kolkata". Names that are not places (see the package's zone names)
// are refused with ErrNotAPlace. A name the tables do not know is accepted
// as it is when it loads and has a region ("Region/City"): tzdata newer
// than the tables may add zones.
func Canonical(name string) (string, error) {
	if len(name) > maxZoneName {
		return "", tooLong(name)
	}
	zone, err := canonical(strings.TrimSpace(name))
	var ze *ZoneError
	if errors.As(err, &ze) {
		ze.Name = name
	}
	return zone, err
}

func canonical(name string) (string, error) {
	c, err := tables().canonical(name)
	if err == nil || !errors.Is(err, ErrUnknownZone) {
		return c, err
	}
	if isFixedOffset(name) {
		return "", &ZoneError{Name: name, Kind: ErrNotAPlace, Detail: "it is a fixed offset from UTC" + placeHint}
	}
	if strings.Contains(name, "/") && !strings.ContainsAny(name, " \t") {
		if loc, lerr := time.LoadLocation(name); lerr == nil && loc.String() == name {
			return name, nil
		}
	}
	return "", err
}

// Covered returns the zones a configured time zone whose zone is primary
// covers: every zone of primary's Windows time zone, as CLDR maps them in
// every territory ("America/New_York" covers America/Toronto, Detroit,
// Nassau, the Indiana and Kentucky zones of Eastern time…), canonical and
// sorted. A zone CLDR gives no Windows time zone covers itself alone.
// primary must be canonical.
func Covered(primary string) []string {
	if w := tables().windowsOf[primary]; w != nil {
		return slices.Clone(w.zones)
	}
	return []string{primary}
}

// Covers reports whether a configured time zone whose zone is primary
// covers zone; both must be canonical.
func Covers(primary, zone string) bool {
	if primary == zone {
		return true
	}
	w := tables().windowsOf[primary]
	return w != nil && tables().windowsOf[zone] == w
}

// WindowsTimeZone returns the ID of the Windows time zone CLDR puts a
// canonical zone in ("Eastern Standard Time" for America/Toronto), and
// false for a zone in none.
func WindowsTimeZone(zone string) (string, bool) {
	if w := tables().windowsOf[zone]; w != nil {
		return w.id, true
	}
	return "", false
}

// Governing picks, among configured time zones whose zones are primaries,
// those whose hours apply to a number in zone (canonical): the ones whose
// zone is zone itself, else those covering it. Configuration refuses a
// time zone that would leave a zone covered by two without being either's
// own ([SharedZone]), so more than one is left only by rows stored before
// that rule; all of them then apply, the strictest winning.
func Governing(zone string, primaries []string) []int {
	var exact, covering []int
	for i, p := range primaries {
		switch {
		case p == zone:
			exact = append(exact, i)
		case Covers(p, zone):
			covering = append(covering, i)
		}
	}
	if len(exact) > 0 {
		return exact
	}
	return covering
}

// SharedZone returns a zone that a configured time zone whose zone is
// primary would cover together with one of others (the zones of the other
// configured time zones) while being neither's own zone, so that no single
// time zone would govern it; "" when there is none. All must be canonical.
func SharedZone(primary string, others []string) string {
	for _, z := range Covered(primary) {
		if z == primary || slices.Contains(others, z) {
			continue
		}
		for _, o := range others {
			if Covers(o, z) {
				return z
			}
		}
	}
	return ""
}

// Aliases returns every alias Canonical resolves, with its canonical name.
func Aliases() map[string]string {
	out := make(map[string]string, len(tables().aliases))
	for k, v := range tables().aliases {
		out[k] = v
	}
	return out
}
