package contact_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/internal/testenv"
)

// TestFirstReleaseOfAContactWithAWorkflow: a release that takes the
// contact for one never attempted, though its workflow runs, reaches that
// workflow as a signal.
func TestFirstReleaseOfAContactWithAWorkflow(t *testing.T) {
	tc := testenv.Temporal(t)
	queue := testenv.TaskQueue(t) // no worker: the workflow waits, running
	ctx := context.Background()
	campaign := uint64(time.Now().UnixNano()) // a workflow ID of this test's own
	contacts := services.New(nil, tc, queue).Contacts
	id, err := contacts.Release(ctx, campaign, 1, "", false, true)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tc.TerminateWorkflow(context.Background(), id, "", "test over") })
	again, err := contacts.Release(ctx, campaign, 1, "", false, true)
	require.NoError(t, err)
	require.Equal(t, id, again)

	signals := 0
	events := tc.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for events.HasNext() {
		e, err := events.Next()
		require.NoError(t, err)
		if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED {
			require.Equal(t, contract.SignalRelease, e.GetWorkflowExecutionSignaledEventAttributes().GetSignalName())
			signals++
		}
	}
	require.Equal(t, 1, signals, "the first release is in the workflow's input, the second a signal")
}
