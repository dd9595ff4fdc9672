package api

import (
	"cmp"
	"net/url"
	"strings"

	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/internal/listimport"
	"github.com/outdial/outdial/models"
)

// DefaultTemporalUI is the Temporal Web UI of `outdial dev`.
const DefaultTemporalUI = "http://localhost:8233"

// WorkflowLinks makes links to workflows in the Temporal Web UI, where an
// operator reads what a contact's or a list's workflow did and waits on.
type WorkflowLinks struct {
	// UI is the Web UI's base URL (DefaultTemporalUI when empty).
	UI string
	// Namespace is Outdial's Temporal namespace ("default" when empty).
	Namespace string
}

// url is the Web UI's page of the workflow with ID workflowID.
func (w WorkflowLinks) url(workflowID string) string {
	return strings.TrimSuffix(cmp.Or(w.UI, DefaultTemporalUI), "/") + "/namespaces/" + url.PathEscape(cmp.Or(w.Namespace, "default")) +
		"/workflows/" + url.PathEscape(workflowID)
}

// contact is the link to a contact's workflow in its campaign.
func (w WorkflowLinks) contact(c *models.Contact) string {
	return w.url(contract.ContactWorkflowID(c.CampaignID, c.ID))
}

// ListBody is a contact or DNC list as the API shows it: with the link to
// its import's workflow.
type ListBody struct {
	listimport.ListView
	// WorkflowURL is the list's import workflow in the Temporal Web UI.
	WorkflowURL string `json:"workflow_url"`
}

func (w WorkflowLinks) list(v listimport.ListView) ListBody {
	return ListBody{ListView: v, WorkflowURL: w.url(contract.ImportListWorkflowID(v.ID))}
}
