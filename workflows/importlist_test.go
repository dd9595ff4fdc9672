package workflows_test

import (
	"context"
	"errors"
	"flag"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/outdial/outdial/activities"
	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/workflows"
)

var record = flag.Bool("record", false, "run the import workflow on the test Temporal server and write its histories to testdata")

func TestMockImportListSucceeds(t *testing.T) {
	env := mockEnv(t, time.Hour)
	want := activities.ImportResult{RowsRead: 3, Stats: models.ListStats{Processed: 3, Uploaded: 2, Failed: 1}}
	env.OnActivity(contract.ImportListActivity, mock.Anything, uint64(7)).Return(want, nil).Once()
	env.ExecuteWorkflow(contract.ImportListWorkflow, uint64(7))
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var got activities.ImportResult
	require.NoError(t, env.GetWorkflowResult(&got))
	require.Equal(t, want, got)
	env.AssertExpectations(t)
	env.AssertActivityNotCalled(t, contract.FailListActivity, mock.Anything, mock.Anything, mock.Anything)
}

// A problem with the file is not retried: the list fails with the
// message its owner reads.
func TestMockImportListFailsTheListOnABadFile(t *testing.T) {
	env := mockEnv(t, time.Hour)
	env.OnActivity(contract.ImportListActivity, mock.Anything, uint64(7)).
		Return(activities.ImportResult{}, temporal.NewNonRetryableApplicationError("the file list.csv is empty", "FileError", nil)).Once()
	env.OnActivity(contract.FailListActivity, mock.Anything, uint64(7), "the file list.csv is empty").Return(nil).Once()
	env.ExecuteWorkflow(contract.ImportListWorkflow, uint64(7))
	require.True(t, env.IsWorkflowCompleted())
	require.ErrorContains(t, env.GetWorkflowError(), "is empty")
	env.AssertExpectations(t)
}

// A file error is not retried even when the activity does not mark it
// non-retryable: the workflow's policy names its type.
func TestMockImportListDoesNotRetryFileErrors(t *testing.T) {
	env := mockEnv(t, time.Hour)
	env.OnActivity(contract.ImportListActivity, mock.Anything, uint64(7)).
		Return(activities.ImportResult{}, temporal.NewApplicationError("row 1 has no header", "FileError")).Once()
	env.OnActivity(contract.FailListActivity, mock.Anything, uint64(7), "row 1 has no header").Return(nil).Once()
	env.ExecuteWorkflow(contract.ImportListWorkflow, uint64(7))
	require.ErrorContains(t, env.GetWorkflowError(), "no header")
	env.AssertExpectations(t)
}

func TestMockImportListRetriesTransientErrors(t *testing.T) {
	env := mockEnv(t, time.Hour)
	env.OnActivity(contract.ImportListActivity, mock.Anything, uint64(7)).Return(activities.ImportResult{}, errors.New("connection reset")).Twice()
	env.OnActivity(contract.ImportListActivity, mock.Anything, uint64(7)).Return(activities.ImportResult{RowsRead: 1}, nil).Once()
	env.ExecuteWorkflow(contract.ImportListWorkflow, uint64(7))
	require.NoError(t, env.GetWorkflowError())
	env.AssertExpectations(t)
	env.AssertActivityNotCalled(t, contract.FailListActivity, mock.Anything, mock.Anything, mock.Anything)
}

// TestReplayImportList replays recorded histories (an import that
// succeeded, one whose file was bad) on the current code, so a change that
// would break running imports fails here (use workflow.GetVersion for such
// changes).
func TestReplayImportList(t *testing.T) {
	replay(t, "testdata/importlist-ok.json")
	replay(t, "testdata/importlist-failed.json")
}

// TestRecordImportList writes the histories TestReplayImportList replays;
// it runs only with -record, against the test Temporal server:
//
//	OUTDIAL_TEST_DATABASE_URL=... OUTDIAL_TEST_TEMPORAL_ADDRESS=... go test ./workflows -run TestRecordImportList -record
//
// The contact's and the campaign's histories come from API tests that
// drive them end to end:
//
//	go test ./api -run 'TestContactLifecycle|TestProgressiveCampaignEndToEnd' -record
func TestRecordImportList(t *testing.T) {
	if !*record {
		t.Skip("writes testdata; run with -record")
	}
	c := testenv.Temporal(t)
	queue := testenv.TaskQueue(t)
	w := sdkworker.New(c, queue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(workflows.ImportList, workflow.RegisterOptions{Name: contract.ImportListWorkflow})
	w.RegisterActivityWithOptions(func(_ context.Context, id uint64) (activities.ImportResult, error) {
		if id == 2 {
			return activities.ImportResult{}, temporal.NewNonRetryableApplicationError("the file list.csv is empty", "FileError", nil)
		}
		return activities.ImportResult{RowsRead: 3, Stats: models.ListStats{Processed: 3, Uploaded: 3}}, nil
	}, activity.RegisterOptions{Name: contract.ImportListActivity})
	w.RegisterActivityWithOptions(func(context.Context, uint64, string) error { return nil }, activity.RegisterOptions{Name: contract.FailListActivity})
	require.NoError(t, w.Start())
	defer w.Stop()
	for id, file := range map[uint64]string{1: "testdata/importlist-ok.json", 2: "testdata/importlist-failed.json"} {
		wid := queue + "-" + file
		run, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: wid, TaskQueue: queue, WorkflowExecutionTimeout: time.Minute},
			contract.ImportListWorkflow, id)
		require.NoError(t, err)
		_ = run.Get(context.Background(), nil)
		testenv.WriteHistory(t, c, wid, run.GetRunID(), file)
	}
}
