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
	"strconv"
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
		"GET /healthz": "-", "GET /readyz": "-", "GET /openapi.json": "-", "GET /metrics": "-", "GET /": "-", "GET /console/*file": "-", "GET /api/v1": "-",
		"GET /api/v1/key": "ASGD",

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
		"POST /api/v1/attempts/:id/telephony-outcome": "AD", "GET /api/v1/attempts": "ASGD", "POST /api/v1/attempts/:id/wrapup": "AG",
		"GET /api/v1/attempts/:id/wrapup-codes": "AG",

		"POST /api/v1/campaigns/:id/lists": "AS", "GET /api/v1/campaigns/:id/lists": "AS",
		"POST /api/v1/campaigns/:id/contacts": "AS", "GET /api/v1/lists/:id": "AS", "DELETE /api/v1/lists/:id": "AS",
		"POST /api/v1/lists/:id/stop": "AS", "POST /api/v1/lists/:id/start": "AS",
		"GET /api/v1/lists/:id/contacts": "AS", "GET /api/v1/lists/:id/failed-rows": "AS",
		"GET /api/v1/campaigns/:id/export": "AS", "GET /api/v1/lists/:id/export": "AS",
		"GET /api/v1/campaigns/:id/stats": "AS", "GET /api/v1/lists/:id/stats": "AS",

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
	return newWorldWith(t, &api.Server{PrivateDocs: private, KeyRate: -1})
}

// newWorldWith is newWorld on a server with s's settings.
func newWorldWith(t *testing.T, s *api.Server) *world {
	db := testenv.DB(t)
	s.Services, s.Log, s.KeySecret = services.New(db, nil, ""), slog.New(slog.DiscardHandler), "test-secret"

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
	team, err := strconv.ParseUint(w.id["teams"], 10, 64)
	require.NoError(t, err)
	body := map[string]any{"team_ids": []uint64{team}, "team_id": team} // a supervisor's campaign or agent names its teams
	for _, a := range allowed {
		status, raw := w.call(a.role, a.method, w.path(a.route), body)
		require.NotContains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, status, "a %s key on %s %s: %s", a.role, a.method, a.route, raw)
	}
}

// TestKeysAreRequired: every route but the open ones answers 401 with a
// problem body without a key, with a key that is unknown, revoked or
// expired; /openapi.json and /metrics close with PrivateDocs.
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
	for _, path := range []string{"/openapi.json", "/metrics"} {
		status, _ = w.call("", http.MethodGet, path, nil)
		require.Equal(t, http.StatusOK, status, path)
		status, _ = closed.call("", http.MethodGet, path, nil)
		require.Equal(t, http.StatusUnauthorized, status, path)
		status, _ = closed.call(models.RoleAgent, http.MethodGet, path, nil)
		require.Equal(t, http.StatusOK, status, "any valid key reads %s", path)
	}
	status, _ = closed.call("", http.MethodGet, "/healthz", nil)
	require.Equal(t, http.StatusOK, status)

	status, raw = w.call("", http.MethodGet, "/openapi.json", nil)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, string(raw), `"securitySchemes":{"apiKey":{"description":"an Outdial API key (README, Security)","scheme":"bearer","type":"http"},`)
}

// TestBoundKeysReachOnlyTheirOwn: a supervisor reaches its teams'
// campaigns, lists, contacts and agents only; an agent its own state, cards,
// attempts and contacts; a dialer the attempts of its entry point's
// campaigns.
func TestBoundKeysReachOnlyTheirOwn(t *testing.T) {
	w := newWorld(t, false)
	otherCampaign := w.find("campaigns", "krisDemoPreview")
	otherAgent := w.find("agents", "Kristest Agent1")
	otherTeam := w.find("teams", "krisSalesTeam")
	otherEntryPoint := w.create("entry-points", map[string]any{"name": "EP_other", "type": "outdial", "channel": "telephony", "status": "active", "dialer": "simulator",
		"primary_url": "http://localhost:8000/a.xml", "backup_url": "http://localhost:8000/a.xml"})
	status, out := w.call(models.RoleAdmin, http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/contacts", otherCampaign),
		map[string]any{"contacts": []any{map[string]any{"numbers": map[string]any{"Mobile": "+1 212 555 0199"}}}})
	require.Equal(t, http.StatusOK, status, "%s", out)
	var otherContact, otherList uint64
	require.NoError(t, w.db.Raw("SELECT id, list_id FROM contacts WHERE campaign_id = ?", otherCampaign).Row().Scan(&otherContact, &otherList))
	require.NoError(t, w.db.Exec(`INSERT INTO attempts (id, contact_id, campaign_id, seq, mode, number, agent, started_at)
		VALUES (?, ?, ?, 1, 'Mobile', '+12125550199', ?, now())`, fmt.Sprintf("%d-1", otherContact), otherContact, otherCampaign, fmt.Sprint(otherAgent)).Error)
	var otherPreview uint64
	require.NoError(t, w.db.Raw(`INSERT INTO previews (agent_id, contact_id, campaign_id, expires_at) VALUES (?, ?, ?, now() + interval '1 hour') RETURNING id`,
		otherAgent, otherContact, otherCampaign).Row().Scan(&otherPreview))
	otherDialer := w.newKey(apikey.NewKey{Name: "other dialer", Role: models.RoleDialer, EntryPointID: &otherEntryPoint})
	anyDialer := w.newKey(apikey.NewKey{Name: "any dialer", Role: models.RoleDialer})
	otherSupervisor := w.newKey(apikey.NewKey{Name: "other sup", Role: models.RoleSupervisor, TeamIDs: []uint64{otherTeam}})

	own, other := w.id, map[string]string{"campaigns": fmt.Sprint(otherCampaign), "agents": fmt.Sprint(otherAgent), "lists": fmt.Sprint(otherList),
		"contacts": fmt.Sprint(otherContact), "previews": fmt.Sprint(otherPreview), "attempts": fmt.Sprintf("%d-1", otherContact)}
	for _, c := range []struct {
		key, method, path, seg string
		body                   any
	}{
		{models.RoleSupervisor, http.MethodGet, "/api/v1/campaigns/%s", "campaigns", nil},
		{models.RoleSupervisor, http.MethodGet, "/api/v1/campaigns/%s/lists", "campaigns", nil},
		{models.RoleSupervisor, http.MethodGet, "/api/v1/lists/%s", "lists", nil},
		{models.RoleSupervisor, http.MethodGet, "/api/v1/campaigns/%s/stats", "campaigns", nil},
		{models.RoleSupervisor, http.MethodGet, "/api/v1/lists/%s/stats", "lists", nil},
		{models.RoleSupervisor, http.MethodGet, "/api/v1/contacts/%s", "contacts", nil},
		{models.RoleSupervisor, http.MethodGet, "/api/v1/agents/%s", "agents", nil},
		{models.RoleAgent, http.MethodGet, "/api/v1/agents/%s", "agents", nil},
		{models.RoleAgent, http.MethodPut, "/api/v1/agents/%s/state", "agents", map[string]any{"state": "idle"}},
		{models.RoleAgent, http.MethodGet, "/api/v1/contacts/%s", "contacts", nil},
		{models.RoleAgent, http.MethodPost, "/api/v1/previews/%s/skip", "previews", nil},
		{models.RoleAgent, http.MethodPost, "/api/v1/attempts/%s/wrapup", "attempts", map[string]any{"business": "Sale"}},
		{models.RoleDialer, http.MethodPost, "/api/v1/attempts/%s/telephony-outcome", "attempts", map[string]any{"outcome": "voice"}},
	} {
		status, raw := w.call(c.key, c.method, fmt.Sprintf(c.path, own[c.seg]), c.body)
		require.NotContains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, status, "a %s key on its own %s: %s", c.key, c.path, raw)
		status, raw = w.call(c.key, c.method, fmt.Sprintf(c.path, other[c.seg]), c.body)
		require.Equal(t, http.StatusForbidden, status, "a %s key on another's %s: %s", c.key, c.path, raw)
	}
	// A supervisor gives a campaign or an agent its own teams only.
	var campaign map[string]any
	status, raw := w.call(models.RoleAdmin, http.MethodGet, "/api/v1/campaigns/"+own["campaigns"], nil)
	require.Equal(t, http.StatusOK, status)
	require.NoError(t, json.Unmarshal(raw, &campaign))
	ownTeam := campaign["team_ids"]
	for _, readOnly := range []string{"id", "created_at", "updated_at", "status"} {
		delete(campaign, readOnly)
	}
	for _, teams := range []any{[]uint64{otherTeam}, []any{}} {
		campaign["team_ids"], campaign["name"] = teams, "moved"
		status, raw = w.call(models.RoleSupervisor, http.MethodPut, "/api/v1/campaigns/"+own["campaigns"], campaign)
		require.Equal(t, http.StatusForbidden, status, "%v: %s", teams, raw)
		status, raw = w.call(models.RoleSupervisor, http.MethodPost, "/api/v1/campaigns", campaign)
		require.Equal(t, http.StatusForbidden, status, "%v: %s", teams, raw)
	}
	status, raw = w.call(models.RoleSupervisor, http.MethodPost, "/api/v1/agents", map[string]any{"name": "new", "team_id": otherTeam})
	require.Equal(t, http.StatusForbidden, status, "%s", raw)
	campaign["team_ids"], campaign["name"] = ownTeam, "kris_progressive"
	status, raw = w.call(models.RoleSupervisor, http.MethodPut, "/api/v1/campaigns/"+own["campaigns"], campaign)
	require.Equal(t, http.StatusOK, status, "%s", raw)
	status, raw = w.call(models.RoleSupervisor, http.MethodPost, "/api/v1/agents", map[string]any{"name": "new", "team_id": w.find("teams", "krisServiceTeam")})
	require.Equal(t, http.StatusCreated, status, "%s", raw)

	// A supervisor of the other team reaches that campaign, not this one.
	status, _ = w.call(otherSupervisor, http.MethodGet, "/api/v1/campaigns/"+other["campaigns"], nil)
	require.Equal(t, http.StatusOK, status)
	status, _ = w.call(otherSupervisor, http.MethodGet, "/api/v1/campaigns/"+own["campaigns"], nil)
	require.Equal(t, http.StatusForbidden, status)
	// A dialer bound to another entry point may not report this campaign's
	// attempts; one bound to none may report any.
	status, _ = w.call(otherDialer, http.MethodPost, "/api/v1/attempts/"+own["attempts"]+"/telephony-outcome", map[string]any{"outcome": "voice"})
	require.Equal(t, http.StatusForbidden, status)
	status, _ = w.call(anyDialer, http.MethodPost, "/api/v1/attempts/"+other["attempts"]+"/telephony-outcome", map[string]any{"outcome": "voice"})
	require.NotContains(t, []int{http.StatusUnauthorized, http.StatusForbidden}, status)
}

func (w *world) create(path string, body map[string]any) uint64 {
	var made struct {
		ID uint64 `json:"id"`
	}
	ctx := api.WithKey(context.Background(), w.key[models.RoleAdmin])
	require.NoError(w.t, api.Call(ctx, http.MethodPost, w.srv.URL+"/api/v1/"+path, body, &made))
	return made.ID
}

// TestAPIKeys: a key is shown once, stored as an HMAC (never itself),
// listed without secrets, works at once, and stops working when revoked;
// every write made with a key is in the audit log, which only admins read.
func TestAPIKeys(t *testing.T) {
	w := newWorld(t, false)
	status, raw := w.call(models.RoleAdmin, http.MethodPost, "/api/v1/api-keys", map[string]any{"name": "ops", "role": "supervisor", "team_ids": []uint64{w.find("teams", "krisSalesTeam")}})
	require.Equal(t, http.StatusCreated, status, "%s", raw)
	var made struct {
		ID  uint64 `json:"id"`
		Key string `json:"key"`
	}
	require.NoError(t, json.Unmarshal(raw, &made))
	require.True(t, strings.HasPrefix(made.Key, "odk_"), made.Key)
	var stored string
	require.NoError(t, w.db.Raw("SELECT hash FROM api_keys WHERE id = ?", made.ID).Row().Scan(&stored))
	require.NotContains(t, stored, made.Key[4:])
	require.Len(t, stored, 64, "an HMAC-SHA256 in hex")

	status, raw = w.call(models.RoleAdmin, http.MethodGet, "/api/v1/api-keys", nil)
	require.Equal(t, http.StatusOK, status)
	require.NotContains(t, string(raw), made.Key)
	require.NotContains(t, string(raw), stored)
	require.NotContains(t, string(raw), `"key"`)

	status, _ = w.call(made.Key, http.MethodGet, "/api/v1/campaigns", nil)
	require.Equal(t, http.StatusOK, status)
	status, _ = w.call(made.Key, http.MethodGet, "/api/v1/api-keys", nil)
	require.Equal(t, http.StatusForbidden, status, "a supervisor may not see keys")
	var used *time.Time
	require.NoError(t, w.db.Raw("SELECT last_used_at FROM api_keys WHERE id = ?", made.ID).Row().Scan(&used))
	require.NotNil(t, used, "last used time")

	for _, bad := range []map[string]any{
		{"name": "", "role": "admin"}, {"name": "x", "role": "root"}, {"name": "x", "role": "agent"},
		{"name": "x", "role": "admin", "expires_at": "2001-01-01T00:00:00Z"},
	} {
		status, raw = w.call(models.RoleAdmin, http.MethodPost, "/api/v1/api-keys", bad)
		require.Equal(t, http.StatusUnprocessableEntity, status, "%v: %s", bad, raw)
	}

	status, _ = w.call(models.RoleAdmin, http.MethodDelete, fmt.Sprintf("/api/v1/api-keys/%d", made.ID), nil)
	require.Equal(t, http.StatusNoContent, status)
	status, _ = w.call(made.Key, http.MethodGet, "/api/v1/campaigns", nil)
	require.Equal(t, http.StatusUnauthorized, status)

	status, _ = w.call(models.RoleAgent, http.MethodPut, "/api/v1/agents/"+w.id["agents"]+"/state", map[string]any{"state": "idle"})
	require.Equal(t, http.StatusOK, status)
	status, _ = w.call(models.RoleAgent, http.MethodPut, "/api/v1/agents/1/state", map[string]any{"state": "idle"})
	require.Equal(t, http.StatusForbidden, status)
	status, raw = w.call(models.RoleAdmin, http.MethodGet, "/api/v1/audit?per_page=100", nil)
	require.Equal(t, http.StatusOK, status)
	var audit models.Page[models.AuditEntry]
	require.NoError(t, json.Unmarshal(raw, &audit))
	require.GreaterOrEqual(t, len(audit.Items), 4)
	require.Equal(t, models.AuditEntry{ID: audit.Items[0].ID, At: audit.Items[0].At, KeyID: audit.Items[0].KeyID, KeyName: "agent2", Role: "agent",
		Method: "PUT", Route: "/api/v1/agents/:id/state", Object: "1", Status: http.StatusForbidden}, audit.Items[0])
	require.Equal(t, "PUT", audit.Items[1].Method)
	require.Equal(t, http.StatusOK, audit.Items[1].Status)
	require.Equal(t, w.id["agents"], audit.Items[1].Object)
	require.Equal(t, "DELETE", audit.Items[2].Method)
	require.Equal(t, "admin", audit.Items[2].KeyName)
	require.Equal(t, "/api/v1/api-keys/:id", audit.Items[2].Route)
	status, _ = w.call(models.RoleSupervisor, http.MethodGet, "/api/v1/audit", nil)
	require.Equal(t, http.StatusForbidden, status)
}

// TestKeyRateLimit: a key past its rate is answered 429 with Retry-After,
// and the other keys are not slowed by it.
func TestKeyRateLimit(t *testing.T) {
	w := newWorldWith(t, &api.Server{KeyRate: 100})
	var limited int
	for range 400 {
		status, raw := w.call(models.RoleSupervisor, http.MethodGet, "/api/v1/teams", nil)
		if status == http.StatusTooManyRequests {
			require.Contains(t, string(raw), `"/problems/rate-limited"`)
			limited++
		}
	}
	require.Positive(t, limited, "400 requests at once exceed 100 a second with a burst of 200")
	status, _ := w.call(models.RoleAgent, http.MethodGet, "/api/v1/agents/"+w.id["agents"], nil)
	require.Equal(t, http.StatusOK, status, "another key keeps its own budget")
}

// TestSupervisorListingsKeepTheirTeams: a supervisor's listings of
// campaigns and agents hold its teams' only, their totals too; an admin's
// hold every one.
func TestSupervisorListingsKeepTheirTeams(t *testing.T) {
	w := newWorld(t, false)
	team, err := strconv.ParseUint(w.id["teams"], 10, 64)
	require.NoError(t, err)
	otherTeam := w.find("teams", "krisSalesTeam")
	both := w.newKey(apikey.NewKey{Name: "both", Role: models.RoleSupervisor, TeamIDs: []uint64{team, otherTeam}})
	type listing struct {
		Items []struct {
			Name    string   `json:"name"`
			TeamIDs []uint64 `json:"team_ids"`
			TeamID  *uint64  `json:"team_id"`
		} `json:"items"`
		Total int `json:"total"`
	}
	list := func(key, path string) listing {
		status, raw := w.call(key, http.MethodGet, path, nil)
		require.Equal(t, http.StatusOK, status, "%s", raw)
		var l listing
		require.NoError(t, json.Unmarshal(raw, &l))
		require.Len(t, l.Items, l.Total, "%s: the total counts what the key sees", path)
		return l
	}
	for _, path := range []string{"/api/v1/campaigns", "/api/v1/agents", "/api/v1/campaigns?q=kris", "/api/v1/agents?q=Agent"} {
		all := list(models.RoleAdmin, path)
		own := list(models.RoleSupervisor, path)
		require.NotEmpty(t, own.Items, path)
		require.Less(t, own.Total, all.Total, "%s: the supervisor sees fewer than the admin", path)
		for _, it := range own.Items {
			if it.TeamID != nil {
				require.Equal(t, team, *it.TeamID, "%s: agent %s", path, it.Name)
			} else {
				require.Contains(t, it.TeamIDs, team, "%s: campaign %s", path, it.Name)
			}
		}
		require.Equal(t, all.Total, list(both, path).Total, "%s: a supervisor of every team sees every one", path)
	}
	require.Equal(t, []string{"kris_progressive"}, func() (names []string) {
		for _, it := range list(models.RoleSupervisor, "/api/v1/campaigns").Items {
			names = append(names, it.Name)
		}
		return names
	}())
}
