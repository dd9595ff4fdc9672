// Package activities holds the activities of Outdial's workflows: thin
// structs, one per domain (Import, Contact, Campaign), whose methods call
// the domain packages and add what Temporal needs around them (heartbeats,
// errors that must not be retried). The worker registers them under the
// names in package contract.
package activities
