package api

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/outdial/outdial/strategy"
	"github.com/outdial/outdial/window"
)

// The helpers below validate and normalise one field each, adding to e.

func (e *fieldErrors) name(field string, v *string) {
	*v = strings.TrimSpace(*v)
	switch {
	case *v == "":
		e.add(field, "is required")
	case len(*v) > 200:
		e.add(field, "is longer than 200 characters")
	}
}

// oneOf lower-cases *v and checks it is one of allowed.
func (e *fieldErrors) oneOf(field string, v *string, allowed ...string) {
	*v = strings.ToLower(strings.TrimSpace(*v))
	if !slices.Contains(allowed, *v) {
		e.add(field, "must be one of %s, not %q", strings.Join(allowed, ", "), *v)
	}
}

func (e *fieldErrors) delay(field string, v *string) {
	d, err := strategy.ParseDelay(*v)
	if err != nil {
		e.add(field, "%v", err)
		return
	}
	*v = d.String()
}

func (e *fieldErrors) clock(field string, v *string) {
	c, err := window.ParseClock(*v)
	if err != nil {
		e.add(field, "%v", err)
		return
	}
	*v = c.String()
}

func (e *fieldErrors) atLeast(field string, v, lowest int) {
	if v < lowest {
		e.add(field, "must be at least %d, not %d", lowest, v)
	}
}

func (e *fieldErrors) between(field string, v, lowest, highest int) {
	if v < lowest || v > highest {
		e.add(field, "must be from %d to %d, not %d", lowest, highest, v)
	}
}

func (e *fieldErrors) url(field, v string, required bool) {
	if v == "" {
		if required {
			e.add(field, "is required")
		}
		return
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		e.add(field, "must be an http or https URL, not %q", v)
	}
}

// exists checks that table has a row with id.
func (e *fieldErrors) exists(db *gorm.DB, field, table string, id uint64) {
	var n int64
	if err := db.Table(table).Where("id = ?", id).Count(&n).Error; err != nil {
		e.add(field, "could not be checked: %v", err)
		return
	}
	if n == 0 {
		e.add(field, "%s %d does not exist", strings.TrimSuffix(table, "s"), id)
	}
}

func (e *fieldErrors) optionalRef(db *gorm.DB, field, table string, id *uint64) {
	if id != nil {
		e.exists(db, field, table, *id)
	}
}

// ids checks a list of references: each exists, none repeats.
func (e *fieldErrors) ids(db *gorm.DB, field, table string, ids []uint64) {
	seen := map[uint64]bool{}
	for i, id := range ids {
		f := fmt.Sprintf("%s[%d]", field, i)
		if seen[id] {
			e.add(f, "%d is listed twice", id)
			continue
		}
		seen[id] = true
		e.exists(db, f, table, id)
	}
}
