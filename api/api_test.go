package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/api"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
)

// harness is an API over a fresh database.
type harness struct {
	t       *testing.T
	srv     *httptest.Server
	db      *models.DB
	uploads string // the upload directory, when the harness takes uploads
}

func newHarness(t *testing.T) *harness {
	db := testenv.DB(t)
	s := &api.Server{Keyless: &models.APIKey{Name: "test", Role: models.RoleAdmin}, Services: services.New(db, nil, ""), Log: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &harness{t: t, srv: srv, db: db}
}

// call sends body as JSON and decodes the answer into a map (or a list).
func (h *harness) call(method, path string, body any) (int, map[string]any) {
	h.t.Helper()
	status, raw := h.raw(method, path, body)
	var out map[string]any
	if len(bytes.TrimSpace(raw)) > 0 {
		require.NoError(h.t, json.Unmarshal(raw, &out), "answer of %s %s: %s", method, path, raw)
	}
	return status, out
}

func (h *harness) raw(method, path string, body any) (int, []byte) {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		enc, err := json.Marshal(b)
		require.NoError(h.t, err)
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	require.NoError(h.t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.srv.Client().Do(req)
	require.NoError(h.t, err)
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	return resp.StatusCode, raw
}

// create posts body and returns the new object's id.
func (h *harness) create(path string, body map[string]any) uint64 {
	h.t.Helper()
	status, out := h.call(http.MethodPost, path, body)
	require.Equal(h.t, http.StatusCreated, status, "POST %s: %v", path, out)
	return uint64(out["id"].(float64))
}

// requireProblem checks a problem answer names field.
func requireProblem(t *testing.T, status int, out map[string]any, wantStatus int, field string) {
	t.Helper()
	require.Equal(t, wantStatus, status, "answer: %v", out)
	require.Equal(t, float64(wantStatus), out["status"])
	require.NotEmpty(t, out["title"])
	if field == "" {
		return
	}
	errs, _ := out["errors"].([]any)
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.(map[string]any)["field"].(string))
	}
	require.Contains(t, fields, field, "problem: %v", out)
}

// waitForAttempt waits until the attempt is recorded.
func waitForAttempt(t *testing.T, db *models.DB, attempt string) {
	t.Helper()
	require.Eventually(t, func() bool {
		var n int64
		require.NoError(t, db.Model(&models.Attempt{}).Where("id = ?", attempt).Count(&n).Error)
		return n == 1
	}, 30*time.Second, 50*time.Millisecond, "attempt %s was never recorded", attempt)
}
