package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/outdial/outdial/activities"
)

// Days are counted in the contact's real zone; only histories from before
// realZoneDays keep the offset they recorded.
func TestContactZone(t *testing.T) {
	offset := -6 * 60 * 60
	prep := activities.PrepareResult{ContactZone: "America/Chicago", ContactZoneOffset: &offset}
	zoneIn := func(old bool, prep activities.PrepareResult) *time.Location {
		var s testsuite.WorkflowTestSuite
		env := s.NewTestWorkflowEnvironment()
		if old {
			env.OnGetVersion(realZoneDays, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
		}
		var loc *time.Location
		env.ExecuteWorkflow(func(ctx workflow.Context) error { loc = contactZone(ctx, prep); return nil })
		require.NoError(t, env.GetWorkflowError())
		return loc
	}
	july := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	_, got := july.In(zoneIn(false, prep)).Zone()
	require.Equal(t, -5*60*60, got, "the zone's rules: CDT in July")
	_, got = july.In(zoneIn(true, prep)).Zone()
	require.Equal(t, offset, got, "an old history's recorded offset")
	require.Equal(t, time.UTC, zoneIn(false, activities.PrepareResult{ContactZone: "Nowhere/Else"}))
}
