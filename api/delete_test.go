package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/internal/testenv"
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

// idOf finds an object's ID by its name.
func idOf(h *harness, path, name string) uint64 {
	h.t.Helper()
	_, found := h.call(http.MethodGet, "/api/v1/"+path+"?q="+url.QueryEscape(name), nil)
	items, _ := found["items"].([]any)
	require.NotEmpty(h.t, items, "%s %s", path, name)
	return uint64(items[0].(map[string]any)["id"].(float64))
}

// startUnworked starts a contact's workflow on a task queue no worker
// serves: it stays running, as a sleeping contact's does.
func startUnworked(t *testing.T, tc client.Client, campaign, contact uint64) string {
	id := contract.ContactWorkflowID(campaign, contact)
	_, err := tc.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: id, TaskQueue: testenv.TaskQueue(t),
		TypedSearchAttributes: contract.StartSearchAttributes(campaign)}, contract.ContactWorkflow, contract.ContactParams{CampaignID: campaign, ContactID: contact})
	require.NoError(t, err)
	return id
}

// TestDeleteConflictsNameWhatIsInTheWay: deleting what is in use, or busy,
// is a 409 naming in Outdial's words what stands in the way, and leaves
// it; once nothing is, the delete goes, ending the workflows that the
// rows had.
func TestDeleteConflictsNameWhatIsInTheWay(t *testing.T) {
	db, tc := testenv.DB(t), testenv.Temporal(t)
	h := newHarnessWith(t, db, tc, testenv.TaskQueue(t))
	require.NoError(t, loadDemo(h))
	progressive := idOf(h, "campaigns", "kris_progressive")
	for _, c := range []struct{ path, name, field, want string }{
		{"contact-strategies", "kris_CS", "campaigns", "is used by campaigns krisDemoPreview, kris_progressive"},
		{"callback-strategies", "Default_Callback_Strategy", "campaigns", "is used by campaigns"},
		{"outcome-groups", "Wrapup Code", "campaigns", "is used by campaigns krisDemoPreview, kris_progressive"},
		{"entry-points", "EP_Krisoutdial", "campaigns", "is used by campaigns kris_progressive"},
		{"modes", "Mobile", "contact_strategies", "is used by contact strategies kris_CS"},
		{"timezones", "Central Time", "campaigns", "is used by campaigns kris_progressive"},
		{"teams", "krisServiceTeam", "agents", "has agents Kristest Agent2, Kristest Agent3"},
		{"campaigns", "kris_progressive", "campaign_groups", "campaign kris_progressive is in campaign group EP_Krisoutdial: take it out of the group first"},
	} {
		path := fmt.Sprintf("/api/v1/%s/%d", c.path, idOf(h, c.path, c.name))
		status, raw := h.raw(http.MethodDelete, path, nil)
		requireConflict(t, status, raw, c.field, c.want)
		status, _ = h.call(http.MethodGet, path, nil)
		require.Equal(t, http.StatusOK, status, "%s is still there", path)
	}

	// A team a supervisor key is bound to, or that serves a running
	// campaign, stays; so does the campaign group of a running campaign.
	team := idOf(h, "teams", "krisSalesTeam")
	h.create("/api/v1/api-keys", map[string]any{"name": "sales floor", "role": "supervisor", "team_ids": []uint64{team}})
	require.NoError(t, db.Exec("UPDATE campaigns SET status = 'active' WHERE name = 'krisDemoPreview'").Error)
	status, raw := h.raw(http.MethodDelete, fmt.Sprintf("/api/v1/teams/%d", team), nil)
	requireConflict(t, status, raw, "api_keys", "has supervisor keys sales floor: revoke them first")
	requireConflict(t, status, raw, "campaigns", "serves running campaigns krisDemoPreview")
	status, raw = h.raw(http.MethodDelete, fmt.Sprintf("/api/v1/campaign-groups/%d", idOf(h, "campaign-groups", "PREV_krisDemoPreview")), nil)
	requireConflict(t, status, raw, "campaigns", "paces running campaigns krisDemoPreview: stop them first")

	// An agent on a call, or with an attempt open, stays.
	agent := idOf(h, "agents", "Kristest Agent2")
	agentPath := fmt.Sprintf("/api/v1/agents/%d", agent)
	require.NoError(t, db.Exec("UPDATE agents SET state = 'connected' WHERE id = ?", agent).Error)
	status, raw = h.raw(http.MethodDelete, agentPath, nil)
	requireConflict(t, status, raw, "state", fmt.Sprintf("agent %d is connected: wait until its call ends", agent))
	contacts := addContacts(h, progressive, "+1 469 555 0101", "+1 469 555 0102")
	require.NoError(t, db.Exec(`INSERT INTO attempts (id, contact_id, campaign_id, seq, mode, number, agent, started_at)
		VALUES (?, ?, ?, 1, 'Mobile', '+14695550101', ?, now())`, fmt.Sprintf("%d-1", contacts[0]), contacts[0], progressive, fmt.Sprint(agent)).Error)
	require.NoError(t, db.Exec("UPDATE agents SET state = 'available' WHERE id = ?", agent).Error)
	status, raw = h.raw(http.MethodDelete, agentPath, nil)
	requireConflict(t, status, raw, "attempts", fmt.Sprintf("is on the calls of attempts %d-1", contacts[0]))
	require.NoError(t, db.Exec("UPDATE attempts SET ended_at = now(), telephony_outcome = 'busy'").Error)
	status, raw = h.raw(http.MethodDelete, agentPath, nil)
	require.Equal(t, http.StatusNoContent, status, "%s", raw)

	// A list: active, it is stopped first; stopped while importing, or with
	// a contact on a call, it waits; failed, it goes with its contacts,
	// whose workflows end.
	var list uint64
	require.NoError(t, db.Raw("SELECT list_id FROM contacts WHERE id = ?", contacts[0]).Row().Scan(&list))
	listPath := fmt.Sprintf("/api/v1/lists/%d", list)
	status, raw = h.raw(http.MethodDelete, listPath, nil)
	requireConflict(t, status, raw, "status", fmt.Sprintf("list %d is active: stop it first", list))
	require.NoError(t, db.Exec("UPDATE contact_lists SET status = 'stopped', imported_at = NULL WHERE id = ?", list).Error)
	status, raw = h.raw(http.MethodDelete, listPath, nil)
	requireConflict(t, status, raw, "lists", fmt.Sprintf("list %d (", list))
	require.NoError(t, db.Exec("UPDATE contact_lists SET imported_at = now() WHERE id = ?", list).Error)
	require.NoError(t, db.Exec("UPDATE contacts SET status = 'dialing' WHERE id = ?", contacts[1]).Error)
	status, raw = h.raw(http.MethodDelete, listPath, nil)
	requireConflict(t, status, raw, "contacts", fmt.Sprintf("contacts %d are on a call", contacts[1]))
	require.NoError(t, db.Exec("UPDATE contacts SET status = 'scheduled'").Error)
	require.NoError(t, db.Exec("UPDATE contact_lists SET status = 'failed' WHERE id = ?", list).Error)
	sleeping := startUnworked(t, tc, progressive, contacts[1])
	status, raw = h.raw(http.MethodDelete, listPath, nil)
	require.Equal(t, http.StatusNoContent, status, "%s", raw)
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, workflowStatus(t, tc, sleeping))
	var left int64
	require.NoError(t, db.Model(&models.Contact{}).Where("list_id = ?", list).Count(&left).Error)
	require.Zero(t, left)

	// A draft campaign out of its group goes; the workflow of a contact
	// that is new again (given back to the pacer) is found on Temporal.
	status, _ = h.call(http.MethodDelete, fmt.Sprintf("/api/v1/campaign-groups/%d", idOf(h, "campaign-groups", "EP_Krisoutdial")), nil)
	require.Equal(t, http.StatusNoContent, status)
	fresh := addContacts(h, progressive, "+1 469 555 0103")[0]
	given := startUnworked(t, tc, progressive, fresh)
	require.Eventually(t, func() bool {
		resp, err := tc.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("OutdialCampaignId = %d AND ExecutionStatus = 'Running'", progressive)})
		require.NoError(t, err)
		return len(resp.GetExecutions()) == 1
	}, 10*time.Second, 50*time.Millisecond, "Temporal lists the workflow")
	status, raw = h.raw(http.MethodDelete, fmt.Sprintf("/api/v1/campaigns/%d", progressive), nil)
	require.Equal(t, http.StatusNoContent, status, "%s", raw)
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, workflowStatus(t, tc, given))
}

// addContacts adds contacts with these numbers to a campaign as JSON.
func addContacts(h *harness, campaign uint64, numbers ...string) []uint64 {
	h.t.Helper()
	var contacts []any
	for _, n := range numbers {
		contacts = append(contacts, map[string]any{"numbers": map[string]any{"Mobile": n}})
	}
	status, out := h.call(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/contacts", campaign), map[string]any{"contacts": contacts})
	require.Equal(h.t, http.StatusOK, status, "%v", out)
	var ids []uint64
	for _, r := range out["contacts"].([]any) {
		ids = append(ids, uint64(r.(map[string]any)["contact_id"].(float64)))
	}
	return ids
}
