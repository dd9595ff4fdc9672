package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/api"
	"github.com/outdial/outdial/internal/observe"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
)

// scrape reads /metrics into its samples: each series as it is written
// (name{labels}) to its value.
func (h *harness) scrape() map[string]float64 {
	h.t.Helper()
	status, raw := h.raw(http.MethodGet, "/metrics", nil)
	require.Equal(h.t, http.StatusOK, status, "%s", raw)
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		require.NoError(h.t, err, "sample %q", line)
		out[line[:i]] = v
	}
	require.NoError(h.t, sc.Err())
	return out
}

// sample is the value of the series name with exactly labels (in the
// order Prometheus writes them: sorted by name), and whether it is there.
func sample(samples map[string]float64, name string, labels ...string) (float64, bool) {
	series := name
	if len(labels) > 0 {
		var l []string
		for i := 0; i < len(labels); i += 2 {
			l = append(l, fmt.Sprintf("%s=%q", labels[i], labels[i+1]))
		}
		series += "{" + strings.Join(l, ",") + "}"
	}
	v, ok := samples[series]
	return v, ok
}

// requireSeries fails unless some series of name has all labels.
func requireSeries(t *testing.T, samples map[string]float64, name string, labels ...string) {
	t.Helper()
	for series := range samples {
		if !strings.HasPrefix(series, name+"{") {
			continue
		}
		all := true
		for i := 0; i < len(labels); i += 2 {
			all = all && strings.Contains(series, fmt.Sprintf("%s=%q", labels[i], labels[i+1]))
		}
		if all {
			return
		}
	}
	require.Failf(t, "no such series", "%s with %v", name, labels)
}

// TestMetricsAfterACampaign runs kris_progressive on the simulator and
// scrapes /metrics: attempts by campaign and outcome, dial requests and
// their latency by dialer, pacing passes and their duration, the campaign
// group's buffer, import rows, calls ringing and agents by state (read
// from the database at the scrape), and API requests by route template,
// never by raw path. The counters are the process's, shared by the tests
// that run beside it, so they are held to at least what this test did.
func TestMetricsAfterACampaign(t *testing.T) {
	w := newCampaignWorld(t, map[string]float64{"voice": 1}, map[string]float64{"Sale": 1})
	campaign := w.campaign("kris_progressive")
	ids := w.dialAll(campaign, 4)
	id := strconv.FormatUint(campaign, 10)
	m := w.h.scrape()

	attempts, _ := sample(m, "outdial_attempts_total", "campaign_id", id, "outcome", "voice")
	require.GreaterOrEqual(t, attempts, float64(len(ids)), "attempts of campaign %s", id)
	dials, _ := sample(m, "outdial_dial_requests_total", "dialer", "simulator", "result", "accepted")
	require.GreaterOrEqual(t, dials, float64(len(ids)))
	timed, _ := sample(m, "outdial_dial_request_duration_seconds_count", "dialer", "simulator")
	require.GreaterOrEqual(t, timed, float64(len(ids)))
	passes, _ := sample(m, "outdial_pacing_passes_total", "campaign_id", id, "result", "ok")
	require.Positive(t, passes)
	paced, _ := sample(m, "outdial_pacing_pass_duration_seconds_count", "campaign_id", id)
	require.Positive(t, paced)
	requireSeries(t, m, "outdial_campaign_group_buffer_size")
	rows, _ := sample(m, "outdial_import_rows_total", "result", "uploaded")
	require.GreaterOrEqual(t, rows, float64(len(ids)))

	up, _ := sample(m, "outdial_database_gauges_up")
	require.Equal(t, 1.0, up)
	ringing, ok := sample(m, "outdial_calls_ringing", "campaign_id", id)
	require.True(t, ok, "an active campaign shows its calls ringing, even none")
	require.Zero(t, ringing, "every contact has closed")
	var agents int64
	require.NoError(t, w.db.Model(&models.Agent{}).Count(&agents).Error)
	var byState float64
	for _, state := range models.AgentStates {
		n, ok := sample(m, "outdial_agents", "state", state)
		require.True(t, ok, "agents %s", state)
		byState += n
	}
	require.EqualValues(t, agents, byState)

	started, _ := sample(m, "outdial_api_requests_total", "method", "POST", "route", "/api/v1/campaigns/:id/start", "status", "200")
	require.Positive(t, started)
	requireSeries(t, m, "outdial_api_request_duration_seconds_bucket", "route", "/api/v1/campaigns/:id/start", "le", "0.005")
	raw := regexp.MustCompile(`route="[^"]*/[0-9]+`)
	for series := range m {
		require.False(t, raw.MatchString(series), "a raw path as a route: %s", series)
	}
	_, ok = sample(m, "go_goroutines")
	require.True(t, ok, "the Go runtime's metrics")
}

// lockedBuffer is a log's output that the server writes while the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestRequestLogNamesItsObject: the line a request logs names its route
// template and the object its :id is, under the name every log line
// gives it.
func TestRequestLogNamesItsObject(t *testing.T) {
	var out lockedBuffer
	s := &api.Server{Keyless: &models.APIKey{Name: "test", Role: models.RoleAdmin}, Services: services.New(testenv.DB(t), nil, ""),
		Log: observe.NewLogger(&out, slog.LevelDebug)}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	for _, path := range []string{"/api/v1/contacts/999", "/api/v1/attempts/999-1/wrapup", "/api/v1/lists/5", "/api/v1/campaigns/6/lists"} {
		method := http.MethodGet
		if strings.HasPrefix(path, "/api/v1/attempts/") {
			method = http.MethodPost
		}
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader("{}"))
		require.NoError(t, err)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
	}
	want := map[string][2]string{"/api/v1/contacts/:id": {"contact_id", "999"}, "/api/v1/attempts/:id/wrapup": {"attempt_id", "999-1"},
		"/api/v1/lists/:id": {"list_id", "5"}, "/api/v1/campaigns/:id/lists": {"campaign_id", "6"}}
	seen := map[string]bool{}
	for _, raw := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var line map[string]any
		require.NoError(t, json.Unmarshal([]byte(raw), &line), "%s", raw)
		route, _ := line["route"].(string)
		if w, ok := want[route]; ok && line["msg"] == "request" {
			require.Equal(t, w[1], line[w[0]], "%s", raw)
			seen[route] = true
		}
	}
	require.Len(t, seen, len(want), "request lines:\n%s", out.String())
}
