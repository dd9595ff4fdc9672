// Package workflows holds Outdial's Temporal workflows: deterministic code
// only. Every I/O step is an activity in package activities, called by its
// registered name (package contract); every rule is a plain function in
// its own package.
package workflows
