// Package configuration owns Outdial's configuration objects: modes, time
// zones, outcome groups, contact and callback strategies, entry points, DNC
// lists and their entries, campaign groups, teams, campaigns and agents.
//
// Each kind of object is an Objects value that lists, reads, creates,
// replaces and deletes it: a write is validated first, naming every field at
// fault at once, then stored with its related rows in one transaction, so a
// refused write leaves nothing half-written. Errors a caller can act on are
// faults (package fault); any other error is the database's failure.
package configuration

import (
	"time"

	"gorm.io/gorm"

	"github.com/outdial/outdial/models"
)

// Object is what every configuration model provides through models.Base;
// P is a pointer to the model T.
type Object[T any] interface {
	*T
	Key() uint64
	SetKey(uint64)
	Stamps() time.Time
	SetStamps(time.Time)
}

// Objects is one kind of configuration object. The generic store
// (store.go) does paging, searching, transactions and errors; an Objects
// value adds only its own defaults, validation and related rows.
type Objects[T any, P Object[T]] struct {
	name    string   // "mode", in messages
	search  []string // columns the q filter matches
	preload []string // has-many fields, each ordered by position
	// defaults fills a new object; a request's omitted fields keep them.
	defaults func(v P)
	// check validates and normalises v; old is the stored object a replace
	// replaces, nil on create.
	check func(c *checks, v P, old P)
	links []link[P]
	// saveRelated writes the child rows that hang off v.
	saveRelated func(tx *gorm.DB, v P) error
	// loadRelated fills what loaded objects show beside their columns.
	loadRelated func(db *gorm.DB, items []P) error
	// present hides what is never shown back, such as secrets.
	present func(v P)
	// usedBy is what keeps an object from being deleted.
	usedBy []usage
	// ofTeams, for objects that belong to teams, keeps those of the teams
	// its one argument lists.
	ofTeams string
}

// usage is a kind of row that refers to an object, or a state it is in,
// that keeps it from being deleted: "mode 3 is used by contact strategies
// kris_CS: change or delete them first".
type usage struct {
	field string // the problem's field: "campaigns"
	is    string // "is used by campaigns"
	// query selects the names of what is in the way, at most ten; its one
	// argument is the object's ID.
	query string
	then  string // what to do about it
}

// link is an object's list of IDs kept in a join table, in order.
type link[P any] struct {
	models.Link
	ids func(v P) *[]uint64
}

// Name is the object's name in messages: "mode", "time zone".
func (o *Objects[T, P]) Name() string { return o.name }

// New returns an empty object holding the defaults that the fields a
// request leaves out keep: decode the request into it.
func (o *Objects[T, P]) New() P {
	v := P(new(T))
	if o.defaults != nil {
		o.defaults(v)
	}
	return v
}

// usedByCampaigns is the usage of an object that campaigns name in
// column, one of their reference columns.
func usedByCampaigns(column string) usage {
	return usage{field: "campaigns", is: "is used by campaigns", then: "change or delete them first",
		query: `SELECT name FROM campaigns WHERE ` + column + ` = ? ORDER BY name LIMIT 10`}
}
