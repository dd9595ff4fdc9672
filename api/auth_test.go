package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/api"
	"github.com/outdial/outdial/internal/apikey"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
)

// Roles by their initial in the access table below.
var roleOf = map[rune]string{'A': models.RoleAdmin, 'S': models.RoleSupervisor, 'G': models.RoleAgent, 'D': models.RoleDialer}

// configKinds are the configuration objects supervisors may only read.
var configKinds = []string{"modes", "timezones", "outcome-groups", "contact-strategies", "callback-strategies", "entry-points", "dnc-lists", "campaign-groups", "teams"}

// mayUse is, for every route, the roles whose keys may use it ("-": none
// needs a key). A route missing here fails TestEveryRouteHasAnAccessRow.
func mayUse() map[string]string {
	m := map[string]string{
		"GET /healthz": "-", "GET /readyz": "-", "GET /openapi.json": "-",

		"GET /api/v1/campaigns": "AS", "POST /api/v1/campaigns": "AS", "GET /api/v1/campaigns/:id": "AS",
		"PUT /api/v1/campaigns/:id": "AS", "DELETE /api/v1/campaigns/:id": "AS",
		"POST /api/v1/campaigns/:id/start": "AS", "POST /api/v1/campaigns/:id/pause": "AS",
		"POST /api/v1/campaigns/:id/resume": "AS", "POST /api/v1/campaigns/:id/stop": "AS",
		"GET /api/v1/agents": "AS", "POST /api/v1/agents": "AS", "GET /api/v1/agents/:id": "ASG",
		"PUT /api/v1/agents/:id": "AS", "DELETE /api/v1/agents/:id": "AS",
		"PUT /api/v1/agents/:id/state": "ASG", "POST /api/v1/agents/:id/preview": "AG",
		"POST /api/v1/previews/:id/accept": "AG", "POST /api/v1/previews/:id/skip": "AG",

		"GET /api/v1/dnc-lists/:id/entries": "AS", "POST /api/v1/dnc-lists/:id/entries": "A",
		"DELETE /api/v1/dnc-lists/:id/entries/:number": "A", "POST /api/v1/dnc-lists/:id/upload": "A",

		"GET /api/v1/contacts/:id": "ASG", "GET /api/v1/contacts/:id/eligibility": "AS",
		"POST /api/v1/contacts/:id/release": "AS", "POST /api/v1/contacts/:id/close": "AS",
		"POST /api/v1/campaigns/:id/contacts/close":   "AS",
		"POST /api/v1/attempts/:id/telephony-outcome": "AD", "POST /api/v1/attempts/:id/wrapup": "AG",

		"POST /api/v1/campaigns/:id/lists": "AS", "GET /api/v1/campaigns/:id/lists": "AS",
		"POST /api/v1/campaigns/:id/contacts": "AS", "GET /api/v1/lists/:id": "AS",
		"POST /api/v1/lists/:id/stop": "AS", "POST /api/v1/lists/:id/start": "AS",
		"GET /api/v1/lists/:id/contacts": "AS", "GET /api/v1/lists/:id/failed-rows": "AS",

		"POST /api/v1/api-keys": "A", "GET /api/v1/api-keys": "A", "DELETE /api/v1/api-keys/:id": "A",
		"GET /api/v1/audit": "A",
	}
	for _, k := range configKinds {
		base := "/api/v1/" + k
		m["GET "+base], m["GET "+base+"/:id"] = "AS", "AS"
		m["POST "+base], m["PUT "+base+"/:id"], m["DELETE "+base+"/:id"] = "A", "A", "A"
	}
	return m
}

// world is an API with production's access rules over the demo's
// configuration, a key per role bound to what it owns, and the objects
// those keys own.
type world struct {
	t      *testing.T
	srv    *httptest.Server
	engine *gin.Engine
	db     *models.DB
	keys   *apikey.Store
	key    map[string]string // role → key
	id     map[string]string // path segment before :id → an id the bound keys own
}

func newWorld(t *testing.T, private bool) *world {
	db := testenv.DB(t)
	s := &api.Server{Services: services.New(db, nil, ""), Log: slog.New(slog.DiscardHandler), PrivateDocs: private, KeySecret: "test-secret"}
	engine := s.Handler().(*gin.Engine)
	srv := httptest.NewServer(engine)
	t.Cleanup(srv.Close)
	w := &world{t: t, srv: srv, engine: engine, db: db, keys: apikey.New(db, "test-secret"), key: map[string]string{}, id: map[string]string{}}
	w.key[models.RoleAdmin] = w.newKey(apikey.NewKey{Name: "admin", Role: models.RoleAdmin})
	ctx := api.WithKey(context.Background(), w.key[models.RoleAdmin])
	require.NoError(t, api.LoadDemo(ctx, srv.URL))

	campaign := w.find("campaigns", "kris_progressive")
	team := w.find("teams", "krisServiceTeam")
	agent := w.find("agents", "Kristest Agent2")
	entryPoint := w.find("entry-points", "EP_Krisoutdial")
	w.key[models.RoleSupervisor] = w.newKey(apikey.NewKey{Name: "sup", Role: models.RoleSupervisor, TeamIDs: []uint64{team}})
	w.key[models.RoleAgent] = w.newKey(apikey.NewKey{Name: "agent2", Role: models.RoleAgent, AgentID: &agent})
	w.key[models.RoleDialer] = w.newKey(apikey.NewKey{Name: "dialer", Role: models.RoleDialer, EntryPointID: &entryPoint})

	status, out := w.call(models.RoleAdmin, http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/contacts", campaign),
		map[string]any{"contacts": []any{map[string]any{"numbers": map[string]any{"Mobile": "+1 212 555 0123"}}}})
	require.Equal(t, http.StatusOK, status, "%s", out)
	var contact, list uint64
	require.NoError(t, db.Raw("SELECT id, list_id FROM contacts WHERE campaign_id = ?", campaign).Row().Scan(&contact, &list))
	require.NoError(t, db.Exec(`INSERT INTO attempts (id, contact_id, campaign_id, seq, mode, number, agent, started_at)
		VALUES (?, ?, ?, 1, 'Mobile', '+12125550123', ?, now())`, fmt.Sprintf("%d-1", contact), contact, campaign, fmt.Sprint(agent)).Error)
	var preview uint64
	require.NoError(t, db.Raw(`INSERT INTO previews (agent_id, contact_id, campaign_id, expires_at) VALUES (?, ?, ?, now() + interval '1 hour') RETURNING id`,
		agent, contact, campaign).Row().Scan(&preview))
	spare, _, err := w.keys.Create(context.Background(), apikey.NewKey{Name: "spare", Role: models.RoleAdmin})
	require.NoError(t, err)
	for seg, v := range map[string]uint64{"campaigns": campaign, "agents": agent, "lists": list, "contacts": contact, "previews": preview,
		"teams": team, "entry-points": entryPoint, "api-keys": spare.ID} {
		w.id[seg] = fmt.Sprint(v)
	}
	w.id["attempts"] = fmt.Sprintf("%d-1", contact)
	return w
}

func (w *world) newKey(n apikey.NewKey) string {
	_, secret, err := w.keys.Create(context.Background(), n)
	require.NoError(w.t, err)
	return secret
}

func (w *world) find(path, name string) uint64 {
	var found struct {
		Items []struct {
			ID uint64 `json:"id"`
		} `json:"items"`
	}
	ctx := api.WithKey(context.Background(), w.key[models.RoleAdmin])
	require.NoError(w.t, api.Call(ctx, http.MethodGet, w.srv.URL+"/api/v1/"+path+"?q="+url.QueryEscape(name), nil, &found))
	require.NotEmpty(w.t, found.Items, "%s %s", path, name)
	return found.Items[0].ID
}

// call sends body with the role's key ("" for none, or a key itself when
// role is not one) and returns the status and the answer.
func (w *world) call(role, method, path string, body any) (int, []byte) {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(w.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, w.srv.URL+path, rd)
	require.NoError(w.t, err)
	req.Header.Set("Content-Type", "application/json")
	key, isRole := w.key[role]
	if !isRole {
		key = role
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := w.srv.Client().Do(req)
	require.NoError(w.t, err)
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(w.t, err)
	return resp.StatusCode, raw
}

// path fills a route's parameters with ids the bound keys own.
func (w *world) path(route string) string {
	segs := strings.Split(route, "/")
	for i, s := range segs {
		switch s {
		case ":id":
			id, ok := w.id[segs[i-1]]
			if !ok {
				id = "1"
			}
			segs[i] = id
		case ":number":
			segs[i] = "12125550123"
		}
	}
	return strings.Join(segs, "/")
}

// TestEveryRouteHasAnAccessRow holds every registered route to one row of
// who may use it, and tries every role on it: a role that may is not
// refused (it may still get 404 or 422 for the test's stand-in ids), one
// that may not gets 403 with a problem body.
func TestEveryRouteHasAnAccessRow(t *testing.T) {
	w := newWorld(t, false)
	table := mayUse()
	type try struct{ method, route, role string }
	var denied, allowed []try
	for _, r := range w.engine.Routes() {
		row, ok := table[r.Method+" "+r.Path]
		require.True(t, ok, "route %s %s has no row in mayUse: say which roles may use it", r.Method, r.Path)
		if row == "-" {
			status, _ := w.call("", r.Method, r.Path, nil)
			require.NotContains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, status, "%s %s is open", r.Method, r.Path)
			continue
		}
		for initial, role := range roleOf {
			tr := try{r.Method, r.Path, role}
			if strings.ContainsRune(row, initial) {
				allowed = append(allowed, tr)
			} else {
				denied = append(denied, tr)
			}
		}
	}
	// Refusals change nothing, so they go first; then deletions last, and
	// the admin last of all, so the objects the bound keys own are there.
	for _, d := range denied {
		status, raw := w.call(d.role, d.method, w.path(d.route), nil)
		require.Equal(t, http.StatusForbidden, status, "a %s key on %s %s: %s", d.role, d.method, d.route, raw)
		require.Contains(t, string(raw), `"/problems/forbidden"`)
	}
	slices.SortStableFunc(allowed, func(a, b try) int {
		rank := func(x try) int {
			r := 0
			if x.method == http.MethodDelete {
				r += 2
			}
			if x.role == models.RoleAdmin {
				r++
			}
			return r
		}
		return rank(a) - rank(b)
	})
	for _, a := range allowed {
		status, raw := w.call(a.role, a.method, w.path(a.route), map[string]any{})
		require.NotContains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, status, "a %s key on %s %s: %s", a.role, a.method, a.route, raw)
	}
}

// TestKeysAreRequired: every route but the open ones answers 401 with a
// problem body without a key, with a key that is unknown, revoked or
// expired; /openapi.json closes with PrivateDocs.
func TestKeysAreRequired(t *testing.T) {
	w := newWorld(t, false)
	k, secret, err := w.keys.Create(context.Background(), apikey.NewKey{Name: "revoked", Role: models.RoleAdmin})
	require.NoError(t, err)
	status, raw := w.call(models.RoleAdmin, http.MethodDelete, fmt.Sprintf("/api/v1/api-keys/%d", k.ID), nil)
	require.Equal(t, http.StatusNoContent, status, "%s", raw)
	soon := time.Now().Add(time.Second)
	_, expiring, err := w.keys.Create(context.Background(), apikey.NewKey{Name: "expiring", Role: models.RoleAdmin, ExpiresAt: &soon})
	require.NoError(t, err)
	require.NoError(t, w.db.Exec("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE name = 'expiring'").Error)

	for _, r := range w.engine.Routes() {
		if mayUse()[r.Method+" "+r.Path] == "-" {
			continue
		}
		for _, key := range []string{"", "odk_unknown", secret, expiring} {
			status, raw := w.call(key, r.Method, w.path(r.Path), nil)
			require.Equal(t, http.StatusUnauthorized, status, "%s %s with key %q: %s", r.Method, r.Path, key, raw)
			require.Contains(t, string(raw), `"/problems/unauthorized"`)
		}
	}
	status, _ = w.call("", http.MethodGet, "/api/v1/no-such-route", nil)
	require.Equal(t, http.StatusUnauthorized, status, "an unknown route is not disclosed without a key")

	closed := newWorld(t, true)
	status, _ = closed.call("", http.MethodGet, "/openapi.json", nil)
	require.Equal(t, http.StatusUnauthorized, status)
	status, _ = closed.call(models.RoleAgent, http.MethodGet, "/openapi.json", nil)
	require.Equal(t, http.StatusOK, status, "any valid key reads the document")
	status, _ = closed.call("", http.MethodGet, "/healthz", nil)
	require.Equal(t, http.StatusOK, status)
}
