package listimport

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/phone"
	"github.com/outdial/outdial/window"
)

// modeRule is a mode an import fills, with its length bounds.
type modeRule struct {
	name     string
	min, max int
	column   int // index in the file's header
}

// layout is how one list's rows are read: the mapping resolved against the
// file's header, and the campaign's numbering region and zone.
type layout struct {
	header       []string
	modes        []modeRule
	zoneColumn   int // -1 when not mapped
	keyColumn    int // -1 when not mapped
	attrColumns  []int
	region       string
	campaignZone string
}

// newLayout resolves mapping against header. Column names match exactly
// first, then ignoring case and surrounding spaces.
func newLayout(header []string, mapping models.ListMapping, modes map[string]models.Mode, region, campaignZone string) (*layout, error) {
	header = slices.Clone(header)
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	find := func(col string) int {
		if i := slices.Index(header, col); i >= 0 {
			return i
		}
		return slices.IndexFunc(header, func(h string) bool { return strings.EqualFold(h, strings.TrimSpace(col)) })
	}
	l := &layout{header: header, zoneColumn: -1, keyColumn: -1, region: region, campaignZone: campaignZone}
	if why := l.poison(header); why != "" {
		return nil, fileErrorf("the header's %s", why)
	}
	used := map[int]bool{}
	var missing []string
	for name, col := range mapping.Modes {
		m, ok := modes[name]
		if !ok {
			return nil, fileErrorf("mode %q is not configured", name)
		}
		i := find(col)
		if i < 0 {
			missing = append(missing, fmt.Sprintf("%q (mode %s)", col, name))
			continue
		}
		l.modes = append(l.modes, modeRule{name: name, min: m.MinLength, max: m.MaxLength, column: i})
		used[i] = true
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, fileErrorf("mapped columns are not in the file's header: %s; the header has: %s", strings.Join(missing, ", "), strings.Join(header, ", "))
	}
	// A contact's numbers, and the zone taken from its first, follow the file's column order.
	slices.SortFunc(l.modes, func(a, b modeRule) int { return a.column - b.column })
	if len(l.modes) == 0 {
		return nil, fileErrorf("the mapping names no number column: map at least one mode to a column")
	}
	for _, c := range []struct {
		col string
		dst *int
		of  string
	}{{mapping.TimeZone, &l.zoneColumn, "time_zone"}, {mapping.ExternalKey, &l.keyColumn, "external_key"}} {
		if c.col == "" {
			continue
		}
		if *c.dst = find(c.col); *c.dst < 0 {
			return nil, fileErrorf("the column %q mapped to %s is not in the file's header (columns: %s)", c.col, c.of, strings.Join(header, ", "))
		}
		used[*c.dst] = true
	}
	for i, h := range header {
		if !used[i] && h != "" {
			l.attrColumns = append(l.attrColumns, i)
		}
	}
	return l, nil
}

// candidate is one data row read and checked, before DNC and duplicates.
type candidate struct {
	row         int64
	cells       []string
	fail        string // why the row cannot be a contact at all
	externalKey string
	attributes  []byte // a JSON object, encoded on the many goroutines that classify
	numbers     []models.ContactNumber
	modeFailed  []string // one reason per mode whose number was bad
	timeZone    string
	expiresAt   *time.Time // DNC uploads: when the entry lapses
}

// blank reports a row with nothing in it, which is skipped, not counted.
func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func cell(cells []string, i int) string {
	if i < 0 || i >= len(cells) {
		return ""
	}
	return strings.TrimSpace(cells[i])
}

// numberZone is the zone of a number's area, canonical ("Asia/Calcutta"
// from phonenumbers is "Asia/Kolkata"), when phonenumbers knows one. A name
// that is no place is kept as it is: its window is then closed, naming it.
func numberZone(e164 string) (string, bool) {
	z, ok := phone.TimeZone(e164)
	if !ok {
		return "", false
	}
	if c, err := window.Canonical(z); err == nil {
		return c, true
	}
	return z, true
}

// classify reads one non-blank row: numbers normalised to E.164 and
// checked against each mode's lengths, the zone resolved, the rest kept.
func (l *layout) classify(row int64, cells []string) candidate {
	c := candidate{row: row, cells: cells, externalKey: cell(cells, l.keyColumn)}
	if c.fail = l.poison(cells); c.fail != "" {
		return c
	}
	if raw := cell(cells, l.zoneColumn); raw != "" {
		zone, err := window.IANAName(raw)
		if err != nil {
			c.fail = err.Error()
			return c
		}
		c.timeZone = zone
	}
	empty := 0
	for _, m := range l.modes {
		raw := cell(cells, m.column)
		if raw == "" {
			empty++
			continue
		}
		n, err := phone.Normalize(raw, l.region)
		if err == nil {
			err = phone.CheckLength(n, m.min, m.max)
		}
		if err != nil {
			c.modeFailed = append(c.modeFailed, fmt.Sprintf("%s: %v", m.name, err))
			continue
		}
		c.numbers = append(c.numbers, models.ContactNumber{Mode: m.name, Number: n})
	}
	switch {
	case empty == len(l.modes):
		c.fail = "no number in any mapped column (" + l.modeColumns() + ")"
		return c
	case len(c.numbers) == 0:
		c.fail = strings.Join(c.modeFailed, "; ")
		return c
	}
	if c.timeZone == "" {
		if z, ok := numberZone(c.numbers[0].Number); ok {
			c.timeZone = z
		} else {
			c.timeZone = l.campaignZone
		}
	}
	declared := l.zoneColumn >= 0 && cell(cells, l.zoneColumn) != ""
	for i := range c.numbers {
		// Each number keeps its own zone; where the list declares another
		// for the contact, both windows must be open to dial it.
		n := &c.numbers[i]
		n.TimeZone = c.timeZone
		if z, ok := numberZone(n.Number); ok {
			n.TimeZone = z
			if declared && z != c.timeZone {
				n.DeclaredZone = c.timeZone
			}
		}
	}
	c.attributes = append(c.attributes, '{')
	for _, i := range l.attrColumns {
		if v := cell(cells, i); v != "" {
			if len(c.attributes) > 1 {
				c.attributes = append(c.attributes, ',')
			}
			c.attributes = appendJSONString(c.attributes, l.header[i])
			c.attributes = append(c.attributes, ':')
			c.attributes = appendJSONString(c.attributes, v)
		}
	}
	c.attributes = append(c.attributes, '}')
	return c
}

// appendJSONString appends s as a JSON string, as encoding/json writes it
// (each invalid UTF-8 byte becomes U+FFFD) but without its HTML escapes,
// which PostgreSQL's jsonb undoes anyway. Contacts are encoded by hand:
// encoding/json's reflection was a tenth of an import's CPU time.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\\ufffd"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

func (l *layout) modeColumns() string {
	parts := make([]string, len(l.modes))
	for i, m := range l.modes {
		parts[i] = l.header[m.column] + " → " + m.name
	}
	return strings.Join(parts, ", ")
}
