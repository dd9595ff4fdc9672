package api_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/activities"
	"github.com/outdial/outdial/api"
	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/internal/apikey"
	"github.com/outdial/outdial/internal/listimport"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/worker"
)

// A webhook entry point may not point Outdial at its own host, its link-
// local metadata or its own services: 422 naming the field and why, unless
// the deployment allows the address. A simulator entry point's URLs are
// never connected to (the demo's name localhost).
func TestEntryPointURLsMayNotPointAtOutdial(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct{ field, url, why string }{
		{"primary_url", "http://127.0.0.1:55432/", "loopback"},
		{"primary_url", "http://localhost:8080/api/v1/api-keys", "loopback"},
		{"primary_url", "http://[::1]:7233/", "loopback"},
		{"primary_url", "http://169.254.169.254/latest/meta-data/", "link-local"},
		{"primary_url", "http://0.0.0.0:8080/", "unspecified"},
		{"backup_url", "http://[fe80::1]/", "link-local"},
	} {
		ep := map[string]any{"name": "EP", "dialer": "webhook", "primary_url": "https://dialer.example/calls"}
		ep[tc.field] = tc.url
		status, out := h.call(http.MethodPost, "/api/v1/entry-points", ep)
		requireProblem(t, status, out, http.StatusUnprocessableEntity, tc.field)
		require.Contains(t, fmt.Sprint(out["errors"]), tc.why, tc.url)
		require.Contains(t, fmt.Sprint(out["errors"]), "--webhook-allow")
	}
	sim := h.create("/api/v1/entry-points", map[string]any{"name": "Sim", "primary_url": "http://localhost:8000/a.xml"})
	// Turning it into a webhook judges its URLs.
	status, out := h.call(http.MethodPut, fmt.Sprintf("/api/v1/entry-points/%d", sim), map[string]any{"name": "Sim", "dialer": "webhook", "primary_url": "http://localhost:8000/a.xml"})
	requireProblem(t, status, out, http.StatusUnprocessableEntity, "primary_url")
	h.create("/api/v1/entry-points", map[string]any{"name": "LAN", "dialer": "webhook", "primary_url": "http://10.20.0.7:9000/calls"})

	// A deployment that allows its loopback dialer may name it.
	svc := services.New(testenv.DB(t), nil, "")
	svc.Webhooks = &dialer.Targets{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	srv := httptest.NewServer((&api.Server{Keyless: &models.APIKey{Name: "test", Role: models.RoleAdmin}, Services: svc, Log: slog.New(slog.DiscardHandler)}).Handler())
	t.Cleanup(srv.Close)
	allowed := &harness{t: t, srv: srv}
	allowed.create("/api/v1/entry-points", map[string]any{"name": "Local", "dialer": "webhook", "primary_url": "http://127.0.0.1:9000/calls"})
	status, out = allowed.call(http.MethodPost, "/api/v1/entry-points", map[string]any{"name": "Meta", "dialer": "webhook", "primary_url": "http://169.254.169.254/"})
	requireProblem(t, status, out, http.StatusUnprocessableEntity, "primary_url")
}

// dialerEndpoint is a webhook dialer: it checks each call request's
// signature with the entry point's secret, places one call per
// Idempotency-Key, and keeps what it was sent.
type dialerEndpoint struct {
	*httptest.Server
	mu       sync.Mutex
	requests []dialer.CallRequest
	keys     []string
	badSigs  int
}

func newDialerEndpoint(t *testing.T, secret string) *dialerEndpoint {
	d := &dialerEndpoint{}
	d.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		d.mu.Lock()
		defer d.mu.Unlock()
		if dialer.VerifySignature(secret, r.Header.Get(dialer.TimestampHeader), body, r.Header.Get(dialer.SignatureHeader), 5*time.Minute, time.Now()) != nil {
			d.badSigs++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var req dialer.CallRequest
		require.NoError(t, json.Unmarshal(body, &req))
		d.requests = append(d.requests, req)
		d.keys = append(d.keys, r.Header.Get(dialer.IdempotencyKeyHeader))
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(d.Close)
	return d
}

func (d *dialerEndpoint) received() []dialer.CallRequest {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.requests)
}

// signedReport posts body to an attempt's telephony-outcome route signed
// as a webhook dialer signs it: HMAC-SHA256 of the timestamp, ".", and
// the body, under the entry point's secret; sent is what goes on the wire
// (a changed body after signing when it differs).
func signedReport(t *testing.T, base, attempt string, entryPoint uint64, secret string, ts time.Time, body, sent string) (int, map[string]any) {
	t.Helper()
	stamp := strconv.FormatInt(ts.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(stamp + "." + body))
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/attempts/"+attempt+"/telephony-outcome", strings.NewReader(sent))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Outdial-Entry-Point", strconv.FormatUint(entryPoint, 10))
	req.Header.Set("X-Outdial-Timestamp", stamp)
	req.Header.Set("X-Outdial-Signature", "sha256="+hex.EncodeToString(m.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

// TestWebhookDialerRoundTrip: a campaign's calls go to a webhook dialer,
// signed with its entry point's secret; the dialer reports the outcome
// back signed with the same secret, not with a key. A wrong, stale or
// future signature, or a body changed after signing, is 401; another
// entry point's signature is 403; the same report sent ten times at once
// is applied once, and the call was requested once.
func TestWebhookDialerRoundTrip(t *testing.T) {
	db := testenv.DB(t)
	tc := testenv.Temporal(t)
	queue := testenv.TaskQueue(t)
	local := &dialer.Targets{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	svc := services.New(db, tc, queue)
	svc.Webhooks = local
	svc.Contacts.Dialers = dialer.Registry{"webhook": &dialer.Webhook{Targets: local}}
	w := worker.New(tc, worker.Config{TaskQueue: queue}, worker.NewActivities(svc, &activities.Import{Lists: listimport.New(db)}))
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	srv := httptest.NewServer((&api.Server{Services: svc, Log: slog.New(slog.DiscardHandler), KeySecret: "test-secret"}).Handler())
	t.Cleanup(srv.Close)
	keys := apikey.New(db, "test-secret")
	_, admin, err := keys.Create(context.Background(), apikey.NewKey{Name: "admin", Role: models.RoleAdmin})
	require.NoError(t, err)
	ctx := api.WithKey(context.Background(), admin)
	require.NoError(t, api.LoadDemo(ctx, srv.URL))
	find := func(path, name string) uint64 {
		var found struct {
			Items []struct {
				ID uint64 `json:"id"`
			} `json:"items"`
		}
		require.NoError(t, api.Call(ctx, http.MethodGet, srv.URL+"/api/v1/"+path+"?q="+name, nil, &found))
		require.Len(t, found.Items, 1)
		return found.Items[0].ID
	}
	campaign, ep := find("campaigns", "kris_progressive"), find("entry-points", "EP_Krisoutdial")
	require.NoError(t, db.Exec("UPDATE campaigns SET status = 'active' WHERE id = ?", campaign).Error)

	const secret = "ep-secret-0123456789"
	endpoint := newDialerEndpoint(t, secret)
	require.NoError(t, api.Call(ctx, http.MethodPut, fmt.Sprintf("%s/api/v1/entry-points/%d", srv.URL, ep),
		map[string]any{"name": "EP_Krisoutdial", "dialer": "webhook", "primary_url": endpoint.URL + "/calls", "secret": secret}, nil))
	var other struct {
		ID uint64 `json:"id"`
	}
	require.NoError(t, api.Call(ctx, http.MethodPost, srv.URL+"/api/v1/entry-points",
		map[string]any{"name": "EP_other", "dialer": "webhook", "primary_url": endpoint.URL + "/other", "secret": "other-secret"}, &other))

	var added struct {
		Contacts []struct {
			ContactID uint64 `json:"contact_id"`
		} `json:"contacts"`
	}
	require.NoError(t, api.Call(ctx, http.MethodPost, fmt.Sprintf("%s/api/v1/campaigns/%d/contacts", srv.URL, campaign),
		map[string]any{"contacts": []any{map[string]any{"numbers": map[string]any{"Mobile": "469-562-2405"}}}}, &added))
	contact := added.Contacts[0].ContactID
	require.NoError(t, api.Call(ctx, http.MethodPost, fmt.Sprintf("%s/api/v1/contacts/%d/release", srv.URL, contact), map[string]any{}, nil))
	require.Eventually(t, func() bool { return len(endpoint.received()) == 1 }, 30*time.Second, 20*time.Millisecond)
	call := endpoint.received()[0]
	attempt := call.AttemptID
	require.Equal(t, ep, call.EntryPointID, "the call request names its entry point for the report's header")
	require.Equal(t, attempt, endpoint.keys[0])

	body := fmt.Sprintf(`{"attempt_id":%q,"outcome":"busy"}`, attempt)
	now := time.Now()
	for _, tc := range []struct {
		name           string
		entryPoint     uint64
		secret         string
		ts             time.Time
		signed, sent   string
		status         int
		problem, cause string
	}{
		{"wrong secret", ep, "not-the-secret", now, body, body, 401, "unauthorized", "MAC does not match"},
		{"stale", ep, secret, now.Add(-6 * time.Minute), body, body, 401, "unauthorized", "away from now"},
		{"future", ep, secret, now.Add(6 * time.Minute), body, body, 401, "unauthorized", "away from now"},
		{"body changed after signing", ep, secret, now, body, strings.Replace(body, "busy", "voice", 1), 401, "unauthorized", "MAC does not match"},
		{"no attempt in the body", ep, secret, now, `{"outcome":"busy"}`, `{"outcome":"busy"}`, 401, "unauthorized", "attempt_id"},
		{"another attempt in the body", ep, secret, now, `{"attempt_id":"1-1","outcome":"busy"}`, `{"attempt_id":"1-1","outcome":"busy"}`, 401, "unauthorized", "attempt_id"},
		{"unknown entry point", 999999, secret, now, body, body, 401, "unauthorized", "no secret"},
		{"another entry point's", other.ID, "other-secret", now, body, body, 403, "forbidden", "not bound"},
	} {
		status, out := signedReport(t, srv.URL, attempt, tc.entryPoint, tc.secret, tc.ts, tc.signed, tc.sent)
		require.Equal(t, tc.status, status, "%s: %v", tc.name, out)
		require.Equal(t, "/problems/"+tc.problem, out["type"], tc.name)
		require.Contains(t, out["detail"], tc.cause, tc.name)
	}

	// A dialer that retries sends the same report again while the first
	// is in flight: one applies it, the others are repeats.
	changed := make([]bool, 10)
	var wg sync.WaitGroup
	for i := range changed {
		wg.Go(func() {
			status, out := signedReport(t, srv.URL, attempt, ep, secret, time.Now(), body, body)
			require.Equal(t, http.StatusOK, status, "%v", out)
			changed[i] = out["changed"] == true
		})
	}
	wg.Wait()
	require.Len(t, slices.DeleteFunc(slices.Clone(changed), func(c bool) bool { return !c }), 1, "one applied it: %v", changed)

	require.Eventually(t, func() bool {
		var at models.Attempt
		require.NoError(t, db.First(&at, "id = ?", attempt).Error)
		return at.EndedAt != nil
	}, 30*time.Second, 20*time.Millisecond)
	var attempts []models.Attempt
	require.NoError(t, db.Where("contact_id = ?", contact).Find(&attempts).Error)
	require.Len(t, attempts, 1)
	require.Equal(t, "busy", attempts[0].TelephonyOutcome)
	require.NotNil(t, attempts[0].DialAcceptedAt)
	require.Len(t, endpoint.received(), 1, "the call was requested once")
	require.Zero(t, endpoint.badSigs)

	// The OpenAPI document says the route takes either.
	resp, err := http.Get(srv.URL + "/openapi.json")
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	var doc struct {
		Paths map[string]map[string]struct {
			Security []map[string]any `json:"security"`
		} `json:"paths"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&doc))
	require.Equal(t, []map[string]any{{"apiKey": []any{}}, {"webhookSignature": []any{}}}, doc.Paths["/api/v1/attempts/{id}/telephony-outcome"]["post"].Security)

	// The audit log names who reported.
	var entry models.AuditEntry
	require.NoError(t, db.Where("route = ? AND status = 200", "/api/v1/attempts/:id/telephony-outcome").First(&entry).Error)
	require.Equal(t, "entry point EP_Krisoutdial (signed)", entry.KeyName)
	require.Equal(t, models.RoleDialer, entry.Role)
}
