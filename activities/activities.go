// Package activities holds every piece of I/O Outdial's workflows need:
// importing contact lists into PostgreSQL, preparing, dialing and recording
// attempts, and pacing campaigns. Activities are methods of a struct that
// holds their dependencies, as in Temporal's samples.
package activities

import (
	"github.com/outdial/outdial/models"
)

// DefaultBatchRows is an import's batch: fewer, larger commits were
// faster, and besides its batches in flight an import keeps only Bloom
// filters of the numbers and keys it met.
const DefaultBatchRows = 10000

// Activities holds the import's activities.
type Activities struct {
	DB     *models.DB
	Limits Limits
	// BatchRows is how many rows an import commits at a time
	// (DefaultBatchRows when 0).
	BatchRows int
	// DNCInMemory is how many DNC entries in force an import of a
	// campaign's list holds in memory at most; with more, or 0, it looks
	// each batch's numbers up in PostgreSQL.
	DNCInMemory int
}

// DefaultDNCInMemory is Activities.DNCInMemory unless set: a million
// entries take about 26 MiB.
const DefaultDNCInMemory = 1_000_000

// New returns the activities over db with the default limits.
func New(db *models.DB) *Activities {
	return &Activities{DB: db, Limits: DefaultLimits, BatchRows: DefaultBatchRows, DNCInMemory: DefaultDNCInMemory}
}
