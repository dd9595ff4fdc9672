package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
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

// TestListContactsFilter: a list's contacts filter by status and by a
// number in any form or an external key; an unknown status is refused.
func TestListContactsFilter(t *testing.T) {
	w := newWorld(t, false)
	list := w.id["lists"]
	count := func(query string) int {
		t.Helper()
		status, raw := w.call(models.RoleAdmin, http.MethodGet, "/api/v1/lists/"+list+"/contacts?"+query, nil)
		require.Equal(t, http.StatusOK, status, "%s: %s", query, raw)
		var page struct {
			Items []map[string]any `json:"items"`
			Total int              `json:"total"`
		}
		require.NoError(t, json.Unmarshal(raw, &page))
		require.Len(t, page.Items, page.Total)
		return page.Total
	}
	require.Equal(t, 1, count(""))
	require.Equal(t, 1, count("status=new"))
	require.Equal(t, 0, count("status=closed"))
	require.Equal(t, 1, count("q="+url.QueryEscape("(212) 555-0123")))
	require.Equal(t, 1, count("q="+url.QueryEscape("+12125550123")+"&status=new"))
	require.Equal(t, 0, count("q="+url.QueryEscape("+12125550199")))
	require.NoError(t, w.db.Exec("UPDATE contacts SET external_key = 'CUST-7' WHERE id = ?", w.id["contacts"]).Error)
	require.Equal(t, 1, count("q=CUST-7"))
	require.Equal(t, 0, count("q=CUST-8"))

	status, raw := w.call(models.RoleAdmin, http.MethodGet, "/api/v1/lists/"+list+"/contacts?status=gone", nil)
	require.Equal(t, http.StatusUnprocessableEntity, status, "%s", raw)
	require.Contains(t, string(raw), `"status"`)
	require.Contains(t, string(raw), "gone")
}

// TestAttemptsList: attempts list by campaign, agent, time and outcome,
// each with its agent's ID and name; an agent's key sees its own only.
func TestAttemptsList(t *testing.T) {
	w := newWorld(t, false)
	agent, campaign := w.id["agents"], w.id["campaigns"]
	list := func(role, query string) []map[string]any {
		t.Helper()
		status, raw := w.call(role, http.MethodGet, "/api/v1/attempts?"+query, nil)
		require.Equal(t, http.StatusOK, status, "%s %s: %s", role, query, raw)
		var page struct {
			Items []map[string]any `json:"items"`
		}
		require.NoError(t, json.Unmarshal(raw, &page))
		return page.Items
	}
	found := list(models.RoleAdmin, "agent_id="+agent)
	require.Len(t, found, 1)
	require.Equal(t, w.id["attempts"], found[0]["id"])
	require.Equal(t, agent, found[0]["agent"])
	require.Equal(t, "Kristest Agent2", found[0]["agent_name"])
	require.NotContains(t, found[0], "evidence")

	require.Len(t, list(models.RoleAdmin, "campaign_id="+campaign), 1)
	require.Empty(t, list(models.RoleAdmin, "campaign_id=999999"))
	hourAgo, inHour := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	require.Len(t, list(models.RoleAdmin, "from="+hourAgo+"&to="+inHour), 1)
	require.Empty(t, list(models.RoleAdmin, "from="+inHour))
	require.Empty(t, list(models.RoleAdmin, "outcome=voice"))
	require.Len(t, list(models.RoleSupervisor, ""), 1)
	require.Len(t, list(models.RoleDialer, ""), 1)

	// The agent's key: its own attempts, asked for or not.
	require.Len(t, list(models.RoleAgent, ""), 1)
	require.Len(t, list(models.RoleAgent, "agent_id="+agent), 1)
	status, raw := w.call(models.RoleAgent, http.MethodGet, "/api/v1/attempts?agent_id=1", nil)
	require.Equal(t, http.StatusForbidden, status, "%s", raw)

	for query, field := range map[string]string{"campaign_id=x": "campaign_id", "agent_id=0": "agent_id", "from=yesterday": "from", "per_page=0": "per_page"} {
		status, raw := w.call(models.RoleAdmin, http.MethodGet, "/api/v1/attempts?"+query, nil)
		require.Equal(t, http.StatusUnprocessableEntity, status, "%s: %s", query, raw)
		require.Contains(t, string(raw), `"`+field+`"`, query)
	}
}

// TestReportsNameAgentsByID: a report naming its agent by name records the
// agent's ID, as the simulator's reports do; an unknown agent is refused.
func TestReportsNameAgentsByID(t *testing.T) {
	w := newWorld(t, false)
	attempt := w.id["attempts"]
	require.NoError(t, w.db.Exec("UPDATE attempts SET agent = '' WHERE id = ?", attempt).Error)
	status, raw := w.call(models.RoleAdmin, http.MethodPost, "/api/v1/attempts/"+attempt+"/telephony-outcome", map[string]any{"outcome": "voice", "agent": "Nobody Here"})
	require.Equal(t, http.StatusUnprocessableEntity, status, "%s", raw)
	require.Contains(t, string(raw), `"agent"`)
	require.Contains(t, string(raw), "Nobody Here")

	// Without Temporal the workflow is not told, but the attempt is recorded.
	_, _ = w.call(models.RoleAdmin, http.MethodPost, "/api/v1/attempts/"+attempt+"/telephony-outcome", map[string]any{"outcome": "voice", "agent": "Kristest Agent2"})
	var recorded string
	require.NoError(t, w.db.Raw("SELECT agent FROM attempts WHERE id = ?", attempt).Row().Scan(&recorded))
	require.Equal(t, w.id["agents"], recorded)
}

// TestUnknownQueryRefused: every route refuses a query parameter it does
// not read, with 422 naming it, before it does anything.
func TestUnknownQueryRefused(t *testing.T) {
	w := newWorld(t, false)
	for _, r := range w.engine.Routes() {
		if r.Path == "/" || strings.HasPrefix(r.Path, "/console/") {
			continue // the console's static files, which read no query
		}
		status, raw := w.call(models.RoleAdmin, r.Method, w.path(r.Path)+"?per_pgae=5", nil)
		require.Equal(t, http.StatusUnprocessableEntity, status, "%s %s: %s", r.Method, r.Path, raw)
		require.Contains(t, string(raw), `"field":"per_pgae"`, "%s %s", r.Method, r.Path)
	}
	// Nothing was deleted on the way.
	status, raw := w.call(models.RoleAdmin, http.MethodGet, "/api/v1/campaigns/"+w.id["campaigns"], nil)
	require.Equal(t, http.StatusOK, status, "%s", raw)
	// Known ones still pass.
	status, raw = w.call(models.RoleAdmin, http.MethodGet, "/api/v1/agents?q=Kristest&per_page=5", nil)
	require.Equal(t, http.StatusOK, status, "%s", raw)
}

// TestReadOnlyFieldsRefused: a body that sends a field Outdial sets (id,
// created_at, a campaign's status, an agent's state) is refused with 422
// naming it, rather than the field being dropped without a word.
func TestReadOnlyFieldsRefused(t *testing.T) {
	w := newWorld(t, false)
	campaign, agent := w.id["campaigns"], w.id["agents"]
	_, raw := w.call(models.RoleAdmin, http.MethodGet, "/api/v1/campaigns/"+campaign, nil)
	var stored map[string]any
	require.NoError(t, json.Unmarshal(raw, &stored))
	for _, tc := range []struct {
		method, path string
		body         map[string]any
		field        string
	}{
		{http.MethodPost, "/api/v1/agents", map[string]any{"name": "New Agent", "id": 7}, "id"},
		{http.MethodPost, "/api/v1/agents", map[string]any{"name": "New Agent", "state": "available"}, "state"},
		{http.MethodPut, "/api/v1/agents/" + agent, map[string]any{"name": "Kristest Agent2", "created_at": "2026-01-01T00:00:00Z"}, "created_at"},
		{http.MethodPut, "/api/v1/campaigns/" + campaign, stored, "status"},
		{http.MethodPost, "/api/v1/modes", map[string]any{"name": "Fax", "updated_at": "2026-01-01T00:00:00Z"}, "updated_at"},
	} {
		status, raw := w.call(models.RoleAdmin, tc.method, tc.path, tc.body)
		require.Equal(t, http.StatusUnprocessableEntity, status, "%s %s: %s", tc.method, tc.path, raw)
		require.Contains(t, string(raw), `"field":"`+tc.field+`"`, "%s %s", tc.method, tc.path)
		require.Contains(t, string(raw), "read-only")
	}
	// Without them the same replace passes.
	for _, f := range []string{"id", "created_at", "updated_at", "status"} {
		delete(stored, f)
	}
	status, raw := w.call(models.RoleAdmin, http.MethodPut, "/api/v1/campaigns/"+campaign, stored)
	require.Equal(t, http.StatusOK, status, "%s", raw)
}

// TestOpenAPIForClients: the document validates; request bodies leave out
// what Outdial sets, responses mark it readOnly; uploads describe their
// form; summaries read as English.
func TestOpenAPIForClients(t *testing.T) {
	w := newWorld(t, false)
	status, raw := w.call("", http.MethodGet, "/openapi.json", nil)
	require.Equal(t, http.StatusOK, status)
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))

	agents := doc.Paths.Value("/api/v1/agents").Post
	request := agents.RequestBody.Value.Content.Get("application/json").Schema.Value
	require.Contains(t, request.Properties, "name")
	for _, f := range []string{"id", "created_at", "updated_at", "state", "state_reason", "state_changed_at"} {
		require.NotContains(t, request.Properties, f, "POST /agents request")
	}
	response := agents.Responses.Status(http.StatusCreated).Value.Content.Get("application/json").Schema.Value
	require.True(t, response.Properties["id"].Value.ReadOnly)
	require.True(t, response.Properties["state"].Value.ReadOnly)
	require.NotEmpty(t, response.Properties["id"].Value.Description)
	campaign := doc.Paths.Value("/api/v1/campaigns/{id}").Put.RequestBody.Value.Content.Get("application/json").Schema.Value
	require.NotContains(t, campaign.Properties, "status")

	upload := doc.Paths.Value("/api/v1/campaigns/{id}/lists").Post.RequestBody.Value.Content.Get("multipart/form-data")
	require.NotNil(t, upload)
	require.Equal(t, "binary", upload.Schema.Value.Properties["file"].Value.Format)
	require.ElementsMatch(t, []string{"file", "mapping"}, upload.Schema.Value.Required)
	for name, p := range upload.Schema.Value.Properties {
		require.NotEmpty(t, p.Value.Description, "upload field %s", name)
	}

	bad := regexp.MustCompile(`\ba [aeiou]|[^aeiou]ys\b|^[a-z]`)
	for path, item := range doc.Paths.Map() {
		for method, o := range item.Operations() {
			require.NotRegexp(t, bad, o.Summary, "%s %s", method, path)
		}
	}
	require.Equal(t, []string{"name"}, request.Required)
	require.Contains(t, response.Required, "id")
	state := doc.Paths.Value("/api/v1/agents/{id}/state").Put.RequestBody.Value.Content.Get("application/json").Schema.Value
	require.Equal(t, []string{"state"}, state.Required)
	require.ElementsMatch(t, []any{"idle", "not_ready", "available", "wrap_up"}, state.Properties["state"].Value.Enum)
	report := doc.Paths.Value("/api/v1/attempts/{id}/telephony-outcome").Post.RequestBody.Value.Content.Get("application/json").Schema.Value
	require.Contains(t, report.Properties["outcome"].Value.Enum, "voice")

	// Every field and parameter the document names is described.
	var undescribed []string
	var walk func(where string, s *openapi3.SchemaRef)
	walk = func(where string, s *openapi3.SchemaRef) {
		if s == nil || s.Value == nil {
			return
		}
		for name, p := range s.Value.Properties {
			if p.Value.Description == "" {
				undescribed = append(undescribed, where+"."+name)
			}
			walk(where+"."+name, p)
		}
		walk(where+"[]", s.Value.Items)
		walk(where+"{}", s.Value.AdditionalProperties.Schema)
	}
	for path, item := range doc.Paths.Map() {
		for method, o := range item.Operations() {
			where := method + " " + path
			for _, p := range o.Parameters {
				if p.Value.Description == "" {
					undescribed = append(undescribed, where+" parameter "+p.Value.Name)
				}
			}
			if o.RequestBody != nil {
				for _, c := range o.RequestBody.Value.Content {
					walk(where+" request", c.Schema)
				}
			}
			for status, r := range o.Responses.Map() {
				for _, c := range r.Value.Content {
					walk(where+" "+status, c.Schema)
				}
			}
		}
	}
	require.Empty(t, undescribed, "fields without a description (a doc tag, or fieldDocs in api/fielddocs.go)")

	require.Equal(t, "Create an agent", agents.Summary)
	require.Equal(t, "List contact strategies", doc.Paths.Value("/api/v1/contact-strategies").Get.Summary)
}
