// Package activities holds every piece of I/O Outdial's workflows need:
// importing contact lists into PostgreSQL, preparing, dialing and recording
// attempts, and pacing campaigns. Activities are methods of a struct that
// holds their dependencies, as in Temporal's samples.
package activities

import (
	"time"

	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/models"
)

// Activities is registered with the worker; its methods are activities.
type Activities struct {
	DB *models.DB
	// Dialers are the dialer adapters by name; DefaultDialer serves
	// campaigns without an entry point.
	Dialers       dialer.Registry
	DefaultDialer string
	// FrequencyCap protects every number, across campaigns; zero is off.
	FrequencyCap FrequencyCap
	// Release hands a contact to its workflow; the pacer calls it.
	Release ReleaseFunc
	// Close asks a contact's workflow to close; a completed campaign calls it.
	Close CloseFunc
	// Now is the clock; tests on Temporal's test environment give it theirs.
	Now func() time.Time

	policies policies
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// New returns the activities over db.
func New(db *models.DB) *Activities {
	return &Activities{DB: db, Dialers: dialer.Registry{}, DefaultDialer: "simulator"}
}
