// Package observe is what an operator sees of a running Outdial: its
// Prometheus metrics (all named outdial_…) and the attributes that put
// campaign_id, list_id, contact_id and attempt_id on its log lines. It
// imports nothing of Outdial's, so every layer that does work may count it.
package observe

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Registry holds the process's metrics: Outdial's own, Go's runtime and
// the process's, and the Temporal SDK's (cmd/outdial reports them here).
// `outdial dev` runs the API and the worker in one process, so its one
// /metrics serves both.
var Registry = func() *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}()

var factory = promauto.With(Registry)

// Namespace prefixes every metric of Outdial's.
const Namespace = "outdial"

// Latency buckets from a few milliseconds to half a minute: dial
// requests, pacing passes and API requests all fit.
var latencyBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

var (
	attempts = factory.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "attempts_total",
		Help: "Attempts ended, by campaign and telephony outcome (timeout when no report came)."}, []string{"campaign_id", "outcome"})
	dialRequests = factory.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "dial_requests_total",
		Help: "Call requests sent to a dialer, by dialer and result (accepted, rejected, error)."}, []string{"dialer", "result"})
	dialLatency = factory.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "dial_request_duration_seconds",
		Help: "How long a dialer took to answer a call request.", Buckets: latencyBuckets}, []string{"dialer"})
	pacingPasses = factory.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "pacing_passes_total",
		Help: "Pacing passes, by campaign and result (ok, error)."}, []string{"campaign_id", "result"})
	pacingDuration = factory.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "pacing_pass_duration_seconds",
		Help: "How long a pacing pass took, by campaign.", Buckets: latencyBuckets}, []string{"campaign_id"})
	released = factory.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "pacing_released_contacts_total",
		Help: "Contacts released to be dialed by pacing passes, by campaign."}, []string{"campaign_id"})
	bufferSize = factory.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: "campaign_group_buffer_size",
		Help: "A campaign group's buffer size (contacts), as its last pacing pass sized it."}, []string{"campaign_group"})
	importRows = factory.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "import_rows_total",
		Help: "Rows of list and DNC uploads imported, by result (uploaded, failed, duplicate, dnc_suppressed, mode_failed)."}, []string{"result"})
	apiRequests = factory.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "api_requests_total",
		Help: "HTTP requests, by method, route template and status."}, []string{"method", "route", "status"})
	apiLatency = factory.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "api_request_duration_seconds",
		Help: "How long the API took to answer, by method, route template and status.", Buckets: latencyBuckets}, []string{"method", "route", "status"})
)

func id(n uint64) string { return strconv.FormatUint(n, 10) }

// AttemptEnded counts an attempt ended with its telephony outcome.
func AttemptEnded(campaignID uint64, outcome string) {
	if outcome == "" {
		outcome = "timeout"
	}
	attempts.WithLabelValues(id(campaignID), outcome).Inc()
}

// DialRequested counts a call request to dialer and how long it took;
// result is accepted, rejected or error.
func DialRequested(dialer, result string, took time.Duration) {
	dialRequests.WithLabelValues(dialer, result).Inc()
	dialLatency.WithLabelValues(dialer).Observe(took.Seconds())
}

// Paced counts a campaign's pacing pass, how long it took and how many
// contacts it released.
func Paced(campaignID uint64, err error, took time.Duration, releasedContacts int) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	pacingPasses.WithLabelValues(id(campaignID), result).Inc()
	pacingDuration.WithLabelValues(id(campaignID)).Observe(took.Seconds())
	released.WithLabelValues(id(campaignID)).Add(float64(releasedContacts))
}

// BufferSized records a campaign group's buffer size.
func BufferSized(group string, size int) { bufferSize.WithLabelValues(group).Set(float64(size)) }

// ImportRows counts rows of an upload batch by result.
func ImportRows(result string, n int64) {
	if n > 0 {
		importRows.WithLabelValues(result).Add(float64(n))
	}
}

// APIRequest counts an HTTP request by its route template (never the raw
// path, whose IDs would make a series per object).
func APIRequest(method, route string, status int, took time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	s := strconv.Itoa(status)
	apiRequests.WithLabelValues(method, route, s).Inc()
	apiLatency.WithLabelValues(method, route, s).Observe(took.Seconds())
}

// Gauges are the figures read from the database at scrape time.
type Gauges struct {
	// Ringing are the calls ringing (attempts without an outcome), by campaign ID.
	Ringing map[uint64]int
	// Agents are the agents by state.
	Agents map[string]int
}

// ReadGauges reads Gauges; it is bounded by the scrape's timeout.
type ReadGauges func(ctx context.Context) (Gauges, error)

var (
	ringingDesc = prometheus.NewDesc(Namespace+"_calls_ringing", "Calls ringing now (attempts dialed without an outcome yet), by campaign.", []string{"campaign_id"}, nil)
	agentsDesc  = prometheus.NewDesc(Namespace+"_agents", "Agents by state now.", []string{"state"}, nil)
	scrapeDesc  = prometheus.NewDesc(Namespace+"_database_gauges_up", "1 when the last scrape read the database's gauges, 0 when it failed.", nil, nil)
)

// databaseGauges collects Gauges at scrape time.
type databaseGauges struct {
	read    ReadGauges
	timeout time.Duration
}

// NewDatabaseGauges is a collector of the gauges read reads, each scrape
// waiting at most timeout for them.
func NewDatabaseGauges(read ReadGauges, timeout time.Duration) prometheus.Collector {
	return &databaseGauges{read: read, timeout: timeout}
}

func (d *databaseGauges) Describe(ch chan<- *prometheus.Desc) {
	ch <- ringingDesc
	ch <- agentsDesc
	ch <- scrapeDesc
}

func (d *databaseGauges) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), d.timeout)
	defer cancel()
	g, err := d.read(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(scrapeDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(scrapeDesc, prometheus.GaugeValue, 1)
	for c, n := range g.Ringing {
		ch <- prometheus.MustNewConstMetric(ringingDesc, prometheus.GaugeValue, float64(n), id(c))
	}
	for state, n := range g.Agents {
		ch <- prometheus.MustNewConstMetric(agentsDesc, prometheus.GaugeValue, float64(n), state)
	}
}
