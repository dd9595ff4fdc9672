package configuration

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/phone"
	"github.com/outdial/outdial/strategy"
	"github.com/outdial/outdial/window"
)

// checks collects every problem with a request's fields, so the caller sees
// them all at once. The checks of references ask look; when the database
// fails, the failure is kept in dbErr rather than blamed on a field, since
// it is the server's, and the checks after it skip the database.
type checks struct {
	fault.Fields
	look  lookup
	dbErr error
}

// lookup is what checks read from the database.
type lookup interface {
	// exists reports whether table has a row with id.
	exists(table string, id uint64) (bool, error)
	// dncScope is DNC list id's scope, "" when there is no such list.
	dncScope(id uint64) (string, error)
	// timeZones are the configured time zones: ID, display name and zone.
	timeZones() ([]models.TimeZone, error)
}

// The helpers below validate and normalise one field each.

func (c *checks) name(field string, v *string) {
	*v = strings.TrimSpace(*v)
	switch {
	case *v == "":
		c.Add(field, "is required")
	case len(*v) > 200:
		c.Add(field, "is longer than 200 characters")
	}
}

// oneOf lower-cases *v and checks it is one of allowed.
func (c *checks) oneOf(field string, v *string, allowed ...string) {
	*v = strings.ToLower(strings.TrimSpace(*v))
	if !slices.Contains(allowed, *v) {
		c.Add(field, "must be one of %s, not %q", strings.Join(allowed, ", "), *v)
	}
}

// delay normalises a D:H:M delay.
func (c *checks) delay(field string, v *string) {
	d, err := strategy.ParseDelay(*v)
	if err != nil {
		c.Add(field, "%v", err)
		return
	}
	*v = d.String()
}

// clock normalises a time of day to HH:MM.
func (c *checks) clock(field string, v *string) {
	t, err := window.ParseClock(*v)
	if err != nil {
		c.Add(field, "%v", err)
		return
	}
	*v = t.String()
}

func (c *checks) atLeast(field string, v, lowest int) {
	if v < lowest {
		c.Add(field, "must be at least %d, not %d", lowest, v)
	}
}

func (c *checks) between(field string, v, lowest, highest int) {
	if v < lowest || v > highest {
		c.Add(field, "must be from %d to %d, not %d", lowest, highest, v)
	}
}

func (c *checks) url(field, v string, required bool) {
	if v == "" {
		if required {
			c.Add(field, "is required")
		}
		return
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.Add(field, "must be an http or https URL, not %q", v)
	}
}

// reachable refuses a webhook URL that names an address targets refuses.
func (c *checks) reachable(field, v string, targets *dialer.Targets) {
	if v == "" {
		return
	}
	if why := targets.CheckURL(v); why != "" {
		c.Add(field, "may not point at Outdial's own host or network: %s (an operator may allow it with --webhook-allow)", why)
	}
}

// dncEntries normalises each number to E.164 (US numbers may be national)
// and refuses repeats; field prefixes each entry's index.
func (c *checks) dncEntries(field string, entries []models.DNCEntry) {
	seen := map[string]bool{}
	for i := range entries {
		f := fmt.Sprintf("%s[%d].number", field, i)
		n, err := phone.Normalize(entries[i].Number, "US")
		if err != nil {
			c.Add(f, "%v", err)
			continue
		}
		if seen[n] {
			c.Add(f, "%s is listed twice", n)
		}
		seen[n], entries[i].Number = true, n
	}
}

// exists checks that table has a row with id.
func (c *checks) exists(field, table string, id uint64) {
	if c.dbErr != nil {
		return
	}
	ok, err := c.look.exists(table, id)
	if err != nil {
		c.dbErr = fmt.Errorf("check %s: %w", field, err)
		return
	}
	if !ok {
		c.Add(field, "%s %d does not exist", strings.TrimSuffix(table, "s"), id)
	}
}

func (c *checks) optionalRef(field, table string, id *uint64) {
	if id != nil {
		c.exists(field, table, *id)
	}
}

// ids checks a list of references: each exists, none repeats.
func (c *checks) ids(field, table string, ids []uint64) {
	seen := map[uint64]bool{}
	for i, id := range ids {
		f := fmt.Sprintf("%s[%d]", field, i)
		if seen[id] {
			c.Add(f, "%d is listed twice", id)
			continue
		}
		seen[id] = true
		c.exists(f, table, id)
	}
}

// zone sets a time zone's iana_zone, its primary zone: the canonical place
// its display name stands for, or the IANA name given, canonical, which
// must then lie in the display name's Windows zone. Names that are not
// places and display names whose offset contradicts their zone are
// refused. The time zone covers its Windows zone's zones (window.Covered);
// it is refused when another time zone has the same zone, or when the two
// would cover a zone that is neither's own, which then no single time zone
// would govern.
func (c *checks) zone(v *models.TimeZone) {
	v.IANAZone = strings.TrimSpace(v.IANAZone)
	named, nameErr := window.IANAName(v.DisplayName)
	switch {
	case nameErr != nil && !errors.Is(nameErr, window.ErrUnknownZone):
		c.Add("display_name", "%v", nameErr)
		return
	case v.IANAZone == "" && nameErr != nil:
		c.Add("iana_zone", "is required when display_name does not name a zone: %v", nameErr)
		return
	case v.IANAZone == "":
		v.IANAZone = named
	default:
		zone, err := window.Canonical(v.IANAZone)
		if err == nil {
			_, err = time.LoadLocation(zone)
		}
		if err != nil {
			c.Add("iana_zone", "%v", err)
			return
		}
		if nameErr == nil && !window.Covers(named, zone) {
			c.Add("iana_zone", "%s is not in the zone display_name %q stands for, %s", zone, v.DisplayName, named)
			return
		}
		v.IANAZone = zone
	}
	if c.dbErr != nil {
		return
	}
	zones, err := c.look.timeZones()
	if err != nil {
		c.dbErr = fmt.Errorf("check iana_zone: %w", err)
		return
	}
	var others []models.TimeZone
	var primaries []string
	for _, o := range zones {
		p, err := window.Canonical(o.IANAZone)
		if o.ID == v.ID || err != nil {
			continue // a zone stored before names were checked covers nothing
		}
		if p == v.IANAZone {
			c.Add("iana_zone", "%s is already the zone of time zone %d %q", p, o.ID, o.DisplayName)
			return
		}
		others, primaries = append(others, o), append(primaries, p)
	}
	if shared := window.SharedZone(v.IANAZone, primaries); shared != "" {
		i := slices.IndexFunc(primaries, func(p string) bool { return window.Covers(p, shared) })
		windows, _ := window.WindowsTimeZone(shared)
		c.Add("iana_zone", "%s and time zone %d %q (%s) would both cover %s (Windows zone %q), which is neither's own zone: one time zone governs each zone",
			v.IANAZone, others[i].ID, others[i].DisplayName, primaries[i], shared, windows)
	}
}

// dncScope is DNC list id's scope, "" when there is no such list or the
// database failed (kept in c.dbErr).
func (c *checks) dncScope(field string, id uint64) string {
	if c.dbErr != nil {
		return ""
	}
	scope, err := c.look.dncScope(id)
	if err != nil {
		c.dbErr = fmt.Errorf("check %s: %w", field, err)
	}
	return scope
}
