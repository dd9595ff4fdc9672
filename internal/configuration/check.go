package configuration

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

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
