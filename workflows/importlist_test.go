package workflows

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
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/outdial/outdial/activities"
	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/internal/testenv"
)

var record = flag.Bool("record", false, "run the workflows on the test Temporal server and write their histories to testdata")

func TestImportListSucceeds(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var a *activities.Import
	want := activities.ImportResult{RowsRead: 3}
	want.Stats.Processed, want.Stats.Uploaded, want.Stats.Failed = 3, 2, 1
	env.OnActivity(a.ImportList, mock.Anything, uint64(7)).Return(want, nil).Once()
	env.ExecuteWorkflow(ImportList, uint64(7))
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var got activities.ImportResult
	require.NoError(t, env.GetWorkflowResult(&got))
	require.Equal(t, want, got)
	env.AssertExpectations(t)
}

func TestImportListFailsTheListOnABadFile(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var a *activities.Import
	env.OnActivity(a.ImportList, mock.Anything, uint64(7)).
		Return(activities.ImportResult{}, temporal.NewNonRetryableApplicationError("the file list.csv is empty", "FileError", nil)).Once()
	env.OnActivity(a.FailList, mock.Anything, uint64(7), "the file list.csv is empty").Return(nil).Once()
	env.ExecuteWorkflow(ImportList, uint64(7))
	require.True(t, env.IsWorkflowCompleted())
	require.ErrorContains(t, env.GetWorkflowError(), "is empty")
	env.AssertExpectations(t)
}

func TestImportListRetriesTransientErrors(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var a *activities.Import
	env.OnActivity(a.ImportList, mock.Anything, uint64(7)).Return(activities.ImportResult{}, errors.New("connection reset")).Twice()
	env.OnActivity(a.ImportList, mock.Anything, uint64(7)).Return(activities.ImportResult{RowsRead: 1}, nil).Once()
	env.ExecuteWorkflow(ImportList, uint64(7))
	require.NoError(t, env.GetWorkflowError())
	env.AssertExpectations(t)
}

// TestReplayImportList replays recorded histories, so a change that would
// break running imports fails here (use workflow.GetVersion for such changes).
func TestReplayImportList(t *testing.T) {
	for _, file := range []string{"testdata/importlist-ok.json", "testdata/importlist-failed.json"} {
		r := worker.NewWorkflowReplayer()
		r.RegisterWorkflow(ImportList)
		require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, file), file)
	}
}

// TestReplayContact replays a contact's recorded histories (released,
// answer-machine, rescheduled, closed by request; recorded by
// `go test ./api -run TestContactLifecycle -record`), from before and after
// the change to local activities.
func TestReplayContact(t *testing.T) {
	for _, file := range []string{"testdata/contact.json", "testdata/contact-regular-activities.json"} {
		r := worker.NewWorkflowReplayer()
		r.RegisterWorkflow(Contact)
		require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, file), file)
	}
}

// TestReplayCampaign replays a campaign's recorded histories (started,
// paced, paused, resumed, stopped; recorded by
// `go test ./api -run TestProgressiveCampaignEndToEnd -record`), from
// before and after the change to local activities.
func TestReplayCampaign(t *testing.T) {
	for _, file := range []string{"testdata/campaign.json", "testdata/campaign-regular-activities.json"} {
		r := worker.NewWorkflowReplayer()
		r.RegisterWorkflow(Campaign)
		require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, file), file)
	}
}

// TestRecordImportList writes the histories TestReplayImportList replays;
// it runs only with -record, against the test Temporal server.
func TestRecordImportList(t *testing.T) {
	if !*record {
		t.Skip("writes testdata; run with -record")
	}
	c := testenv.Temporal(t)
	queue := testenv.TaskQueue(t)
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflow(ImportList)
	w.RegisterActivityWithOptions(func(_ context.Context, id uint64) (activities.ImportResult, error) {
		if id == 2 {
			return activities.ImportResult{}, temporal.NewNonRetryableApplicationError("the file list.csv is empty", "FileError", nil)
		}
		res := activities.ImportResult{RowsRead: 3}
		res.Stats.Processed, res.Stats.Uploaded = 3, 3
		return res, nil
	}, activity.RegisterOptions{Name: contract.ImportListActivity})
	w.RegisterActivityWithOptions(func(context.Context, uint64, string) error { return nil }, activity.RegisterOptions{Name: contract.FailListActivity})
	require.NoError(t, w.Start())
	defer w.Stop()
	for id, file := range map[uint64]string{1: "testdata/importlist-ok.json", 2: "testdata/importlist-failed.json"} {
		wid := queue + "-" + file
		run, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: wid, TaskQueue: queue, WorkflowExecutionTimeout: time.Minute}, ImportList, id)
		require.NoError(t, err)
		_ = run.Get(context.Background(), nil)
		testenv.WriteHistory(t, c, wid, run.GetRunID(), file)
	}
}
