package observe

import (
	"context"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
)

// TestDashboardQueriesWhatIsExported: every series of Outdial's and Go's
// that the Grafana dashboard queries is one a process exports (the
// Temporal SDK's, outdial_temporal_…, are its own to name).
func TestDashboardQueriesWhatIsExported(t *testing.T) {
	AttemptEnded(1, "voice")
	DialRequested("simulator", "accepted", time.Millisecond)
	Paced(1, nil, time.Millisecond, 1)
	BufferSized("group", 10)
	ImportRows("uploaded", 1)
	APIRequest("GET", "/healthz", 200, time.Millisecond)
	db := prometheus.NewRegistry()
	db.MustRegister(NewDatabaseGauges(func(context.Context) (Gauges, error) {
		return Gauges{Ringing: map[uint64]int{1: 0}, Agents: map[string]int{"idle": 1}}, nil
	}, time.Second))
	families, err := prometheus.Gatherers{Registry, db}.Gather()
	require.NoError(t, err)
	exported := map[string]bool{}
	for _, f := range families {
		exported[f.GetName()] = true
		if f.GetType() == dto.MetricType_HISTOGRAM {
			for _, suffix := range []string{"_bucket", "_count", "_sum"} {
				exported[f.GetName()+suffix] = true
			}
		}
	}
	raw, err := os.ReadFile("../../docs/grafana/outdial.json")
	require.NoError(t, err)
	queried := regexp.MustCompile(`\b(?:outdial|go)_[a-z_]+\b`).FindAllString(string(raw), -1)
	require.NotEmpty(t, queried)
	for _, name := range queried {
		if regexp.MustCompile(`^outdial_temporal_`).MatchString(name) {
			continue
		}
		require.True(t, exported[name], "the dashboard queries %s, which Outdial does not export", name)
	}
}

// TestAPIRequestsWithoutARoute: a request no route matched is counted
// under "unmatched", never under its raw path.
func TestAPIRequestsWithoutARoute(t *testing.T) {
	APIRequest("GET", "", 404, time.Millisecond)
	families, err := Registry.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != "outdial_api_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "route" && l.GetValue() == "unmatched" {
					return
				}
			}
		}
	}
	require.Fail(t, "no unmatched route counted")
}
