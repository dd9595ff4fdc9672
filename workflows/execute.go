package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// oneTaskDispatchChange is the version marker of the change that makes a
// contact's dispatch take one workflow task: the contact's and the
// campaign's activities run as local activities (in the workflow's own
// worker, recorded as markers) instead of through the server's activity
// queues, so a pacing pass, the release it signals and the contact's
// preparation and dial no longer wait on a server round trip per activity.
// On the same version the pacer keeps its tick timer across passes brought
// forward by events, and passes while paused. Histories from before the
// change replay with none of this. A contact's workflow carries the same
// change in its input instead (ContactParams.Dispatch): a marker would
// upsert a search attribute, a visibility write, in every contact's run.
const oneTaskDispatchChange = "one-task-dispatch"

// executor runs a workflow's activities, local or regular by the version
// its history was started on.
type executor struct {
	local bool // on the one-task-dispatch version
	ctx   workflow.Context
}

// campaignExecutor is the campaign workflow's executor, by its version marker.
func campaignExecutor(ctx workflow.Context, timeout time.Duration, retry *temporal.RetryPolicy) executor {
	local := workflow.GetVersion(ctx, oneTaskDispatchChange, workflow.DefaultVersion, 1) == 1
	return executor{local: local}.with(ctx, timeout, retry)
}

// with is e with another timeout per attempt and other retries.
func (e executor) with(ctx workflow.Context, timeout time.Duration, retry *temporal.RetryPolicy) executor {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: timeout, RetryPolicy: retry})
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: timeout, RetryPolicy: retry,
		ScheduleToCloseTimeout: retryFor(timeout, retry)})
	return executor{local: e.local, ctx: ctx}
}

// retryFor is how long a local activity keeps retrying. Left unset, it is
// the timeout of one attempt, and a database outage longer than that would
// fail the workflow; regular activities retry for as long as their policy
// allows, and local ones must too.
func retryFor(timeout time.Duration, retry *temporal.RetryPolicy) time.Duration {
	if retry == nil || retry.MaximumAttempts <= 0 {
		return untilDone
	}
	return time.Duration(retry.MaximumAttempts) * (timeout + retry.MaximumInterval)
}

// untilDone bounds retries that have no attempt limit.
const untilDone = 10 * 365 * 24 * time.Hour

func (e executor) execute(activity any, args ...any) workflow.Future {
	if e.local {
		return workflow.ExecuteLocalActivity(e.ctx, activity, args...)
	}
	return workflow.ExecuteActivity(e.ctx, activity, args...)
}
