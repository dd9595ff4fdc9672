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

// DefaultBatchRows is an import's batch: fewer, larger commits were
// faster, and besides its batches in flight an import keeps only Bloom
// filters of the numbers and keys it met.
const DefaultBatchRows = 10000

// Activities is registered with the worker; its methods are activities.
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

// DefaultDNCInMemory is Activities.DNCInMemory unless set: a million
// entries take about 26 MiB.
const DefaultDNCInMemory = 1_000_000

// New returns the activities over db with the default limits.
func New(db *models.DB) *Activities {
	return &Activities{DB: db, Limits: DefaultLimits, BatchRows: DefaultBatchRows, DNCInMemory: DefaultDNCInMemory, Dialers: dialer.Registry{}, DefaultDialer: "simulator"}
}
