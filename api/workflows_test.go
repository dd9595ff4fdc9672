package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/internal/testenv"
)

// workflowOf is the workflow ID a Temporal Web UI link (of the test
// harness's defaults: the dev server's UI, namespace default) points at.
func workflowOf(t *testing.T, link any) string {
	t.Helper()
	s, _ := link.(string)
	rest, ok := strings.CutPrefix(s, "http://localhost:8233/namespaces/default/workflows/")
	require.True(t, ok, "workflow_url %q", link)
	id, err := url.PathUnescape(rest)
	require.NoError(t, err)
	require.NotContains(t, rest, "/", "the workflow ID is one path segment: %q", s)
	return id
}

// TestWorkflowLinks: a list, as uploaded, read, stopped and in its
// campaign's page, links to its import workflow in the Temporal Web UI,
// and a contact, read alone or in its list's page, to its own workflow.
func TestWorkflowLinks(t *testing.T) {
	h := newImportHarness(t)
	campaign := h.importCampaign()
	status, accepted := h.upload(fmt.Sprintf("/api/v1/campaigns/%d/lists", campaign), "l.csv", csvFile(t, false), map[string]string{"mapping": listMapping})
	require.Equal(t, http.StatusAccepted, status, "%v", accepted)
	id := uint64(accepted["id"].(float64))
	importID := contract.ImportListWorkflowID(id)
	require.Equal(t, importID, workflowOf(t, accepted["workflow_url"]))
	require.Equal(t, importID, workflowOf(t, h.waitList(id)["workflow_url"]))
	_, stopped := h.call(http.MethodPost, fmt.Sprintf("/api/v1/lists/%d/stop", id), nil)
	require.Equal(t, importID, workflowOf(t, stopped["workflow_url"]))
	_, page := h.call(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/lists", campaign), nil)
	require.Equal(t, importID, workflowOf(t, page["items"].([]any)[0].(map[string]any)["workflow_url"]))
	// The link names a workflow that is there.
	_, err := testenv.Temporal(t).DescribeWorkflow(context.Background(), importID, "")
	require.NoError(t, err)

	_, contacts := h.call(http.MethodGet, fmt.Sprintf("/api/v1/lists/%d/contacts", id), nil)
	first := contacts["items"].([]any)[0].(map[string]any)
	contactID := uint64(first["id"].(float64))
	require.Equal(t, contract.ContactWorkflowID(campaign, contactID), workflowOf(t, first["workflow_url"]))
	_, detail := h.call(http.MethodGet, fmt.Sprintf("/api/v1/contacts/%d", contactID), nil)
	require.Equal(t, contract.ContactWorkflowID(campaign, contactID), workflowOf(t, detail["workflow_url"]))
}
