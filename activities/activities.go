// Package activities holds every piece of I/O Outdial's workflows need:
// importing contact lists into PostgreSQL, and (later) dialing, recording
// attempts and pacing. Activities are methods of a struct that holds their
// dependencies, as in Temporal's samples.
package activities

import (
	"github.com/outdial/outdial/models"
)

// Activities is registered with the worker; its methods are activities.
type Activities struct {
	DB     *models.DB
	Limits Limits
	// BatchRows is how many rows an import commits at a time.
	BatchRows int
}

// New returns the activities over db with the default limits.
func New(db *models.DB) *Activities {
	return &Activities{DB: db, Limits: DefaultLimits, BatchRows: 5000}
}
