package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/models"
)

// postgresWords are what PostgreSQL's messages say; no answer may.
var postgresWords = []string{"violates", "foreign key", "still referenced", "Key (", "constraint", "SQLSTATE", "relation", "_fkey", "_id"}

// requireConflict checks a 409 problem body names field and says want,
// in Outdial's words.
func requireConflict(t *testing.T, status int, raw []byte, field, want string) {
	t.Helper()
	require.Equal(t, http.StatusConflict, status, "%s", raw)
	require.Contains(t, string(raw), `"type":"/problems/conflict"`)
	require.Contains(t, string(raw), `"field":"`+field+`"`)
	require.Contains(t, string(raw), want)
	for _, w := range postgresWords {
		require.NotContains(t, string(raw), w, "a PostgreSQL message leaked")
	}
}

// workflowStatus is a workflow's status on the test Temporal server.
func workflowStatus(t *testing.T, tc client.Client, id string) enumspb.WorkflowExecutionStatus {
	d, err := tc.DescribeWorkflow(context.Background(), id, "")
	require.NoError(t, err, id)
	return d.Status
}

// TestDeletingACampaignEndsItsWorkflows: a running campaign is a 409
// naming its status (and its campaign group), never erased; stopped, its
// delete ends its workflow and every contact's workflow on Temporal before
// the rows go, and its calls stay for the frequency caps.
func TestDeletingACampaignEndsItsWorkflows(t *testing.T) {
	// Unanswered calls wait the campaign's default delay (15 minutes) on a
	// timer: every contact's workflow sleeps.
	w := newCampaignWorld(t, map[string]float64{"no-answer": 1}, nil)
	campaign := w.campaign("kris_progressive")
	var numbers []string
	for i := range 6 {
		numbers = append(numbers, fmt.Sprintf("469-336-%04d", i+1))
	}
	ids := w.addContacts(campaign, numbers...)
	w.agentsAvailable("Agent2", "Agent3")
	path := fmt.Sprintf("/api/v1/campaigns/%d", campaign)
	status, out := w.h.call(http.MethodPost, path+"/start", nil)
	require.Equal(t, http.StatusOK, status, "%v", out)
	require.Eventually(t, func() bool {
		var waiting int64
		require.NoError(t, w.db.Model(&models.Contact{}).Where("id IN ? AND status = ? AND attempt_count > 0", ids, models.ContactScheduled).Count(&waiting).Error)
		return waiting == int64(len(ids))
	}, time.Minute, 50*time.Millisecond, "every contact called once and waiting")

	status, raw := w.h.raw(http.MethodDelete, path, nil)
	requireConflict(t, status, raw, "status", "campaign kris_progressive is active: stop it first")
	requireConflict(t, status, raw, "campaign_groups", "campaign group EP_Krisoutdial")
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, workflowStatus(t, w.tc, contract.CampaignWorkflowID(campaign)))

	status, out = w.h.call(http.MethodPost, path+"/stop", nil)
	require.Equal(t, http.StatusOK, status, "%v", out)
	_, found := w.h.call(http.MethodGet, "/api/v1/campaign-groups?q=EP_Krisoutdial", nil)
	group := uint64(found["items"].([]any)[0].(map[string]any)["id"].(float64))
	status, _ = w.h.call(http.MethodDelete, fmt.Sprintf("/api/v1/campaign-groups/%d", group), nil)
	require.Equal(t, http.StatusNoContent, status)
	for _, id := range ids {
		require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, workflowStatus(t, w.tc, contract.ContactWorkflowID(campaign, id)), "contact %d sleeps", id)
	}
	var calls int64
	require.NoError(t, w.db.Model(&models.Attempt{}).Where("campaign_id = ?", campaign).Count(&calls).Error)

	status, raw = w.h.raw(http.MethodDelete, path, nil)
	require.Equal(t, http.StatusNoContent, status, "%s", raw)
	require.NotEqual(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, workflowStatus(t, w.tc, contract.CampaignWorkflowID(campaign)))
	for _, id := range ids {
		require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, workflowStatus(t, w.tc, contract.ContactWorkflowID(campaign, id)), "contact %d", id)
	}
	for _, table := range []string{"contact_lists", "contacts"} {
		var left int64
		require.NoError(t, w.db.Table(table).Where("campaign_id = ?", campaign).Count(&left).Error)
		require.Zero(t, left, "the campaign's %s are erased", table)
	}
	var kept int64
	require.NoError(t, w.db.Model(&models.Attempt{}).Where("campaign_id = ?", campaign).Count(&kept).Error)
	require.Equal(t, calls, kept, "the calls made stay: the frequency caps of other campaigns count them")
	status, _ = w.h.call(http.MethodGet, path, nil)
	require.Equal(t, http.StatusNotFound, status)
}

// TestWorkflowsOfDeletedRowsEnd: a workflow that outlived its rows (one
// started after the delete looked for it) ends instead of retrying for
// ever: a campaign's pacer finds no campaign and stops, a contact's
// activities find no contact and are not retried.
func TestWorkflowsOfDeletedRowsEnd(t *testing.T) {
	w := newCampaignWorld(t, map[string]float64{"no-answer": 1}, nil)
	ctx := context.Background()
	const gone = 987654321
	_, err := w.tc.SignalWithStartWorkflow(ctx, contract.CampaignWorkflowID(gone), contract.SignalResume, nil,
		client.StartWorkflowOptions{ID: contract.CampaignWorkflowID(gone), TaskQueue: w.queue}, contract.CampaignWorkflow, contract.CampaignParams{CampaignID: gone})
	require.NoError(t, err)
	_, err = w.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: contract.ContactWorkflowID(gone, gone), TaskQueue: w.queue},
		contract.ContactWorkflow, contract.ContactParams{CampaignID: gone, ContactID: gone})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return workflowStatus(t, w.tc, contract.CampaignWorkflowID(gone)) == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	}, 30*time.Second, 50*time.Millisecond, "the pacer of a deleted campaign ends")
	require.Eventually(t, func() bool {
		return workflowStatus(t, w.tc, contract.ContactWorkflowID(gone, gone)) == enumspb.WORKFLOW_EXECUTION_STATUS_FAILED
	}, 30*time.Second, 50*time.Millisecond, "the workflow of a deleted contact ends")
}
