package workflows_test

import (
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/outdial/outdial/activities"
	"github.com/outdial/outdial/worker"
)

// mockEnv is a test workflow environment on the virtual clock with every
// workflow and activity registered as the worker registers them. The
// activities have no services: a test mocks, by registered name, each
// activity its workflow calls. runTimeout (virtual time) bounds a workflow
// that misbehaves, say by retrying an activity the test did not mock.
func mockEnv(t *testing.T, runTimeout time.Duration) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	// Warnings only: the SDK's default logs every event at debug level.
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env := s.NewTestWorkflowEnvironment()
	worker.Register(env, worker.Activities{Import: &activities.Import{}, Contact: &activities.Contact{}, Campaign: &activities.Campaign{}})
	env.SetWorkflowRunTimeout(runTimeout)
	return env
}

// at schedules fn after d of virtual time.
func at(env *testsuite.TestWorkflowEnvironment, d time.Duration, fn func()) {
	env.RegisterDelayedCallback(fn, d)
}

// continuedAs asserts that the workflow continued as new as workflowType
// and decodes the new run's input into into.
func continuedAs(t *testing.T, env *testsuite.TestWorkflowEnvironment, workflowType string, into any) {
	t.Helper()
	require.True(t, env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, env.GetWorkflowError(), &can)
	require.Equal(t, workflowType, can.WorkflowType.Name)
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, into))
}

// replayRegistry lets worker.Register register workflows with a replayer,
// under the names the worker gives them; a replay runs no activity, so
// activities are dropped. The embedded Registry is nil: it only completes
// the interface with methods Register never calls.
type replayRegistry struct {
	sdkworker.Registry
	r sdkworker.WorkflowReplayer
}

func (x replayRegistry) RegisterWorkflow(w any) { x.r.RegisterWorkflow(w) }
func (x replayRegistry) RegisterWorkflowWithOptions(w any, o workflow.RegisterOptions) {
	x.r.RegisterWorkflowWithOptions(w, o)
}
func (replayRegistry) RegisterActivity(any)                                      {}
func (replayRegistry) RegisterActivityWithOptions(any, activity.RegisterOptions) {}

// replay replays a recorded history on the current code with the workflows
// registered as the worker registers them. The history must be a whole
// life (its workflow completed or continued as new) that received the
// signals named, so that the replay covers the paths they take.
func replay(t *testing.T, file string, signals ...string) {
	t.Helper()
	h, err := client.HistoryFromJSON(mustOpen(t, file), client.HistoryJSONOptions{})
	require.NoError(t, err, file)
	events := h.GetEvents()
	require.NotEmpty(t, events, file)
	last := events[len(events)-1].GetEventType()
	require.Contains(t, []enumspb.EventType{enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW}, last, "%s does not end its workflow", file)
	got := map[string]bool{}
	for _, ev := range events {
		if a := ev.GetWorkflowExecutionSignaledEventAttributes(); a != nil {
			got[a.GetSignalName()] = true
		}
	}
	for _, s := range signals {
		require.True(t, got[s], "%s has no %s signal: record it again", file, s)
	}
	r := sdkworker.NewWorkflowReplayer()
	worker.Register(replayRegistry{r: r}, worker.Activities{})
	require.NoError(t, r.ReplayWorkflowHistory(nil, h), file)
}

func mustOpen(t *testing.T, file string) *os.File {
	f, err := os.Open(file)
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	return f
}
