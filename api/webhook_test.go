package api_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/api"
	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
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
