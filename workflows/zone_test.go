package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/activities"
)

// The decision's zone comes from the history, not the worker's zone files.
func TestContactZoneFromHistory(t *testing.T) {
	offset := -6 * 60 * 60
	loc := contactZone(activities.PrepareResult{ContactZone: "America/Chicago", ContactZoneOffset: &offset})
	name, got := time.Date(2026, 7, 1, 12, 0, 0, 0, loc).Zone()
	require.Equal(t, "America/Chicago", name)
	require.Equal(t, offset, got, "the recorded offset, even where the zone's rules say CDT")

	loc = contactZone(activities.PrepareResult{ContactZone: "America/Chicago"})
	_, got = time.Date(2026, 7, 1, 12, 0, 0, 0, loc).Zone()
	require.Equal(t, -5*60*60, got, "histories from before the offset load the zone")
	require.Equal(t, time.UTC, contactZone(activities.PrepareResult{ContactZone: "Nowhere/Else"}))
}
