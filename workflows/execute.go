package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// executor runs a workflow's activities as local activities: in the
// workflow's own worker, recorded as markers, so that a pacing pass, the
// release it signals and a contact's preparation and dial take one
// workflow task rather than a server round trip per activity.
type executor struct {
	ctx workflow.Context
}

// newExecutor runs activities with timeout per attempt and retry.
func newExecutor(ctx workflow.Context, timeout time.Duration, retry *temporal.RetryPolicy) executor {
	return executor{ctx: workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: timeout, RetryPolicy: retry,
		ScheduleToCloseTimeout: retryFor(timeout, retry)})}
}

// with is e with another timeout per attempt and other retries.
func (e executor) with(timeout time.Duration, retry *temporal.RetryPolicy) executor {
	return newExecutor(e.ctx, timeout, retry)
}

// retryFor is how long a local activity keeps retrying. Left unset, it is
// the timeout of one attempt, and a database outage longer than that would
// fail the workflow; local activities must retry for as long as their
// policy allows, as regular ones do.
func retryFor(timeout time.Duration, retry *temporal.RetryPolicy) time.Duration {
	if retry == nil || retry.MaximumAttempts <= 0 {
		return untilDone
	}
	return time.Duration(retry.MaximumAttempts) * (timeout + retry.MaximumInterval)
}

// untilDone bounds retries that have no attempt limit.
const untilDone = 10 * 365 * 24 * time.Hour

// execute runs the activity registered as name.
func (e executor) execute(name string, args ...any) workflow.Future {
	return workflow.ExecuteLocalActivity(e.ctx, name, args...)
}
