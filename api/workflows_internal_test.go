package api

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWorkflowLinkOfADeployment: --temporal-ui-url and the namespace make
// the link; the workflow ID, slashes and all, is one escaped segment.
func TestWorkflowLinkOfADeployment(t *testing.T) {
	w := WorkflowLinks{UI: "https://temporal.example.com/", Namespace: "outdial-prod"}
	require.Equal(t, "https://temporal.example.com/namespaces/outdial-prod/workflows/contact%2F7%2F42", w.url("contact/7/42"))
	require.Equal(t, "http://localhost:8233/namespaces/default/workflows/list-import%2F3", WorkflowLinks{}.url("list-import/3"))
}
