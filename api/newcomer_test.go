package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/models"
)

// TestIndex: GET /api/v1 answers, without a key, the resources with their
// paths, the OpenAPI document and the console.
func TestIndex(t *testing.T) {
	w := newWorld(t, false)
	status, raw := w.call("", http.MethodGet, "/api/v1", nil)
	require.Equal(t, http.StatusOK, status, "%s", raw)
	var index struct {
		OpenAPI   string            `json:"openapi"`
		Console   string            `json:"console"`
		Resources map[string]string `json:"resources"`
	}
	require.NoError(t, json.Unmarshal(raw, &index))
	require.Equal(t, "/openapi.json", index.OpenAPI)
	require.Equal(t, "/", index.Console)
	for _, name := range []string{"campaigns", "agents", "contact-strategies", "api-keys", "attempts"} {
		require.Equal(t, "/api/v1/"+name, index.Resources[name], "%s in %v", name, index.Resources)
	}
	for _, path := range index.Resources {
		status, raw := w.call(models.RoleAdmin, http.MethodGet, path, nil)
		require.Equal(t, http.StatusOK, status, "%s: %s", path, raw)
	}
}
