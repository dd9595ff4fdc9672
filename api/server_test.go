package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/api"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
)

// TestOpenAPIMatchesRoutes checks that every route gin serves is in the
// OpenAPI document and every documented operation is served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	h := newHarness(t)
	status, raw := h.raw(http.MethodGet, "/openapi.json", nil)
	require.Equal(t, http.StatusOK, status)
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))

	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	s := &api.Server{Keyless: &models.APIKey{Name: "test", Role: models.RoleAdmin}, Services: services.New(h.db, nil, ""), Log: slog.New(slog.DiscardHandler)}
	var served []string
	for _, r := range s.Handler().(*gin.Engine).Routes() {
		if r.Path == "/" || strings.HasPrefix(r.Path, "/console/") {
			continue // the console's pages, not the API's
		}
		p := r.Path
		for _, seg := range strings.Split(p, "/") {
			if strings.HasPrefix(seg, ":") {
				p = strings.Replace(p, seg, "{"+seg[1:]+"}", 1)
			}
		}
		served = append(served, r.Method+" "+p)
	}
	slices.Sort(documented)
	slices.Sort(served)
	require.Equal(t, served, documented)
	require.Contains(t, served, "POST /api/v1/campaigns")
}

func TestHealth(t *testing.T) {
	db := testenv.DB(t)
	log := slog.New(slog.DiscardHandler)

	up := httptest.NewServer((&api.Server{Keyless: &models.APIKey{Name: "test", Role: models.RoleAdmin}, Services: services.New(db, testenv.Temporal(t), ""), Log: log}).Handler())
	t.Cleanup(up.Close)
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(up.URL + path)
		require.NoError(t, err)
		var body map[string]string
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %v", path, body)
	}

	down := httptest.NewServer((&api.Server{Keyless: &models.APIKey{Name: "test", Role: models.RoleAdmin}, Services: services.New(db, nil, ""), Log: log}).Handler())
	t.Cleanup(down.Close)
	resp, err := http.Get(down.URL + "/readyz")
	require.NoError(t, err)
	var body map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.Equal(t, "ok", body["postgres"])
	require.Equal(t, "not connected", body["temporal"])
}

// TestLoadDemo loads the seed's configuration twice (the second run reuses
// every object) and checks the seed's numbers arrived.
func TestLoadDemo(t *testing.T) {
	h := newHarness(t)
	require.NoError(t, api.LoadDemo(context.Background(), h.srv.URL))
	require.NoError(t, api.LoadDemo(context.Background(), h.srv.URL))

	_, list := h.call(http.MethodGet, "/api/v1/campaigns", nil)
	require.Equal(t, 2.0, list["total"])
	_, groups := h.call(http.MethodGet, "/api/v1/outcome-groups?q=Wrapup", nil)
	group := groups["items"].([]any)[0].(map[string]any)
	outcomes := group["outcomes"].([]any)
	require.Len(t, outcomes, 7)
	cb := outcomes[2].(map[string]any)
	require.Equal(t, "Callback Requested", cb["name"])
	require.Equal(t, "failure", cb["type"])
	require.Equal(t, "0:0:5", cb["reschedule"])
	require.Equal(t, 3.0, cb["max_retry"])

	_, strategies := h.call(http.MethodGet, "/api/v1/contact-strategies?q=kris_CS", nil)
	rules := strategies["items"].([]any)[0].(map[string]any)["rules"].([]any)
	require.Len(t, rules, 4)
	require.Equal(t, "error", rules[3].(map[string]any)["telephony_outcome"])

	_, campaigns := h.call(http.MethodGet, "/api/v1/campaigns?q=kris_progressive", nil)
	c := campaigns["items"].([]any)[0].(map[string]any)
	require.Equal(t, "progressive", c["pacing_mode"])
	require.Equal(t, 365.0, c["time_to_live_days"])
	_, zone := h.call(http.MethodGet, "/api/v1/timezones/"+jsonID(c["time_zone_id"]), nil)
	require.Equal(t, "America/Chicago", zone["iana_zone"])
}

func jsonID(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
