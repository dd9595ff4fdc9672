package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/outdial/outdial/activities"
)

// ImportListWorkflowID is the ID of a list's import workflow.
func ImportListWorkflowID(listID uint64) string { return fmt.Sprintf("list-import/%d", listID) }

// ImportHeartbeatTimeout is how soon a crashed worker's import is retried.
const ImportHeartbeatTimeout = 20 * time.Second

// ImportList imports one uploaded list. The activity checkpoints every
// batch in PostgreSQL, so each retry resumes where the last one committed;
// a problem with the file itself fails the list with a message for its owner.
func ImportList(ctx workflow.Context, listID uint64) (activities.ImportResult, error) {
	var a *activities.Activities
	importCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 6 * time.Hour,
		HeartbeatTimeout:    ImportHeartbeatTimeout,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			MaximumAttempts:        30,
			NonRetryableErrorTypes: []string{"FileError"},
		},
	})
	var res activities.ImportResult
	err := workflow.ExecuteActivity(importCtx, a.ImportList, listID).Get(ctx, &res)
	if err == nil {
		return res, nil
	}
	reason := err.Error()
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		reason = appErr.Message()
	}
	failCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	if ferr := workflow.ExecuteActivity(failCtx, a.FailList, listID, reason).Get(ctx, nil); ferr != nil {
		return res, errors.Join(err, ferr)
	}
	return res, err
}
