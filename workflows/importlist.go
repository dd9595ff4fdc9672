package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/outdial/outdial/activities"
	"github.com/outdial/outdial/internal/contract"
)

// ImportHeartbeatTimeout is how soon a crashed worker's import is retried.
const ImportHeartbeatTimeout = 20 * time.Second

// ImportList imports one uploaded list. The activity checkpoints every
// batch in PostgreSQL, so each retry resumes where the last one committed;
// a problem with the file itself fails the list with a message for its owner.
func ImportList(ctx workflow.Context, listID uint64) (activities.ImportResult, error) {
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
	err := workflow.ExecuteActivity(importCtx, contract.ImportListActivity, listID).Get(ctx, &res)
	if err == nil {
		return res, nil
	}
	reason := err.Error()
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		reason = appErr.Message()
	}
	failCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	if ferr := workflow.ExecuteActivity(failCtx, contract.FailListActivity, listID, reason).Get(ctx, nil); ferr != nil {
		return res, errors.Join(err, ferr)
	}
	return res, err
}
