package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"go.temporal.io/sdk/client"

	"github.com/outdial/outdial/api"
	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/internal/apikey"
	"github.com/outdial/outdial/internal/configuration"
	"github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/internal/listimport"
	"github.com/outdial/outdial/internal/observe"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/worker"
)

// config is every setting, each from a flag whose default comes from an
// environment variable, whose default is documented in README.md.
type config struct {
	DatabaseURL       string
	TemporalAddress   string
	TemporalNamespace string
	TaskQueue         string
	Listen            string
	LogLevel          string
	UploadDir         string
	MaxUploadMB       int64
	FrequencyCap      string
	AbandonCap        float64
	DebugListen       string
	KeySecret         string
	PrivateDocs       bool
	KeyRate           float64
	WebhookAllow      string
	TemporalUIURL     string
}

// env returns the environment variable's value, or def when it is unset.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// envInt is env for a number; a value that is not one is reported by flag
// parsing, since it becomes the flag's default text.
func envInt(name string, def int64) int64 {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
		fmt.Fprintf(os.Stderr, "outdial: %s=%q is not a whole number; using %d\n", name, v, def)
	}
	return def
}

// workerFlags are the flags of a worker process: `outdial worker`, and
// `outdial dev` but for --metrics-listen (dev serves the worker's metrics
// on the API's /metrics).
type workerFlags struct {
	MetricsListen string
	// Worker is its name, pollers and concurrency; the task queue is the
	// process's --task-queue.
	Worker    worker.Config
	DialRate  float64
	Simulator string
	Spread    bool
}

func (w *workerFlags) register(fs *flag.FlagSet, withMetrics bool) {
	if withMetrics {
		fs.StringVar(&w.MetricsListen, "metrics-listen", env("OUTDIAL_METRICS_LISTEN", ":9464"), "address of the worker's Prometheus /metrics; empty: off (OUTDIAL_METRICS_LISTEN)")
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "worker"
	}
	fs.StringVar(&w.Worker.Name, "worker-name", env("OUTDIAL_WORKER_NAME", host), "this worker's name, one per worker process in the cluster: attempts record it and a worker that restarts takes up its own simulated calls; default: the host name (OUTDIAL_WORKER_NAME)")
	fs.IntVar(&w.Worker.WorkflowPollers, "workflow-pollers", int(envInt("OUTDIAL_WORKFLOW_POLLERS", worker.DefaultWorkflowPollers)), "workflow task pollers; -1: the SDK's autoscaling pollers (OUTDIAL_WORKFLOW_POLLERS)")
	fs.IntVar(&w.Worker.ActivityPollers, "activity-pollers", int(envInt("OUTDIAL_ACTIVITY_POLLERS", worker.DefaultActivityPollers)), "activity task pollers; -1: the SDK's autoscaling pollers (OUTDIAL_ACTIVITY_POLLERS)")
	fs.IntVar(&w.Worker.MaxActivities, "max-activities", int(envInt("OUTDIAL_MAX_ACTIVITIES", worker.DefaultMaxActivities)), "activities this worker runs at once (OUTDIAL_MAX_ACTIVITIES)")
	fs.IntVar(&w.Worker.MaxLocalActivities, "max-local-activities", int(envInt("OUTDIAL_MAX_LOCAL_ACTIVITIES", worker.DefaultMaxLocalActivities)), "local activities this worker runs at once (OUTDIAL_MAX_LOCAL_ACTIVITIES)")
	fs.BoolVar(&w.Spread, "spread-contacts", os.Getenv("OUTDIAL_SPREAD_CONTACTS") == "1", "start contact workflows through the task queue so that every worker takes a share of each campaign's contacts; off: eager start on the worker whose pacer released them, quicker to the first dial and right for one worker (OUTDIAL_SPREAD_CONTACTS=1)")
	fs.StringVar(&w.Simulator, "simulator", env("OUTDIAL_SIMULATOR", ""), `the built-in simulator dialer's world as JSON, replacing the demo's whole: {"outcomes": {"voice": 0.5, "busy": 0.5}, "ring": {"min": "5s", "max": "25s"}, "talk": {...}, "wrapup": {...}, "speed": 10}; empty: the demo's (OUTDIAL_SIMULATOR)`)
	fs.Float64Var(&w.DialRate, "dial-rate", envFloat("OUTDIAL_DIAL_RATE", 0), "dial requests a second each entry point receives at most, across all workers (campaigns without an entry point share one budget); 0: no limit (OUTDIAL_DIAL_RATE)")
}

// envFloat is envInt for a decimal number.
func envFloat(name string, def float64) float64 {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
		fmt.Fprintf(os.Stderr, "outdial: %s=%q is not a number; using %v\n", name, v, def)
	}
	return def
}

// services are the process's domain services, with the deployment's
// frequency cap (the API's eligibility answers apply it as the worker
// does) and the addresses its webhooks may reach.
func (c *config) services(ctx context.Context, db *models.DB, tc client.Client) (*services.Services, error) {
	svc := services.New(db, tc, c.TaskQueue)
	var err error
	if svc.Contacts.FrequencyCap, err = c.frequencyCap(); err != nil {
		return nil, err
	}
	if svc.Campaigns.AbandonCap, err = c.abandonCap(); err != nil {
		return nil, err
	}
	svc.Webhooks, err = c.webhookTargets(ctx)
	return svc, err
}

// webhookTargets are the addresses webhooks may not reach without
// --webhook-allow: besides loopback and link-local ones, those of
// PostgreSQL, Temporal and the API (its --listen host; this machine's
// addresses for a worker, which has none, and for a listen address
// without a host). Names are resolved once, now.
func (c *config) webhookTargets(ctx context.Context) (*dialer.Targets, error) {
	allow, err := dialer.ParseAllow(c.WebhookAllow)
	if err != nil {
		return nil, err
	}
	var hosts []string
	if pg, err := pgconn.ParseConfig(c.DatabaseURL); err == nil {
		hosts = append(hosts, pg.Host)
		for _, f := range pg.Fallbacks {
			hosts = append(hosts, f.Host)
		}
	}
	if h, _, err := net.SplitHostPort(c.TemporalAddress); err == nil {
		hosts = append(hosts, h)
	}
	listen, _, err := net.SplitHostPort(c.Listen)
	if err != nil {
		listen = "" // a worker: this machine
	}
	hosts = append(hosts, listen)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	own, err := dialer.OwnAddresses(ctx, hosts...)
	if err != nil {
		return nil, fmt.Errorf("addresses of Outdial's own services: %w", err)
	}
	var names []string
	for _, h := range hosts {
		if _, err := netip.ParseAddr(h); err != nil && h != "" && !strings.HasPrefix(h, "/") {
			names = append(names, h)
		}
	}
	return &dialer.Targets{Allow: allow, Own: own, OwnHosts: names}, nil
}

// frequencyCap reads --frequency-cap: "N/period" such as "3/24h", or "off".
func (c *config) frequencyCap() (contact.FrequencyCap, error) {
	if c.FrequencyCap == "off" || c.FrequencyCap == "" {
		return contact.FrequencyCap{}, nil
	}
	n, period, ok := strings.Cut(c.FrequencyCap, "/")
	attempts, err := strconv.Atoi(n)
	d, derr := time.ParseDuration(period)
	if !ok || err != nil || derr != nil || attempts < 1 || d <= 0 {
		return contact.FrequencyCap{}, fmt.Errorf("frequency cap %q is not N/period such as 3/24h, or off", c.FrequencyCap)
	}
	return contact.FrequencyCap{Attempts: attempts, Period: d}, nil
}

// abandonCap reads --abandon-cap: a percentage above 0, at most the legal
// cap.
func (c *config) abandonCap() (float64, error) {
	if !(c.AbandonCap > 0 && c.AbandonCap <= configuration.MaxAbandonTargetPercent) {
		return 0, fmt.Errorf("abandon cap %v%% must be more than 0 and at most %v%%, the legal cap", c.AbandonCap, configuration.MaxAbandonTargetPercent)
	}
	return c.AbandonCap, nil
}

// limits are the upload limits from the configuration.
func (c *config) limits() listimport.Limits {
	l := listimport.DefaultLimits
	l.MaxFileBytes = c.MaxUploadMB << 20
	return l
}

func (c *config) register(fs *flag.FlagSet, withHTTP bool) {
	fs.StringVar(&c.DatabaseURL, "database-url", env("OUTDIAL_DATABASE_URL", "postgres://outdial@127.0.0.1:55432/outdial?sslmode=disable"), "PostgreSQL URL (OUTDIAL_DATABASE_URL)")
	fs.StringVar(&c.TemporalAddress, "temporal-address", env("OUTDIAL_TEMPORAL_ADDRESS", "127.0.0.1:7233"), "Temporal frontend host:port (OUTDIAL_TEMPORAL_ADDRESS)")
	fs.StringVar(&c.TemporalNamespace, "temporal-namespace", env("OUTDIAL_TEMPORAL_NAMESPACE", "default"), "Temporal namespace (OUTDIAL_TEMPORAL_NAMESPACE)")
	fs.StringVar(&c.TaskQueue, "task-queue", env("OUTDIAL_TASK_QUEUE", "outdial"), "Temporal task queue of Outdial's workers (OUTDIAL_TASK_QUEUE)")
	fs.StringVar(&c.LogLevel, "log-level", env("OUTDIAL_LOG_LEVEL", "info"), "debug, info, warn or error (OUTDIAL_LOG_LEVEL)")
	fs.StringVar(&c.UploadDir, "upload-dir", env("OUTDIAL_UPLOAD_DIR", ".data/uploads"), "where uploaded lists wait for import; the API and workers must share it (OUTDIAL_UPLOAD_DIR)")
	fs.Int64Var(&c.MaxUploadMB, "max-upload-mb", envInt("OUTDIAL_MAX_UPLOAD_MB", 250), "largest list upload accepted, in MB (OUTDIAL_MAX_UPLOAD_MB)")
	fs.StringVar(&c.FrequencyCap, "frequency-cap", env("OUTDIAL_FREQUENCY_CAP", "3/24h"), "at most N attempts to one number per period across all campaigns, as N/period (3/24h); off to disable (OUTDIAL_FREQUENCY_CAP)")
	fs.Float64Var(&c.AbandonCap, "abandon-cap", envFloat("OUTDIAL_ABANDON_CAP", configuration.MaxAbandonTargetPercent), "the most abandoned calls, in percent of the calls a person answered, that any predictive campaign's pacer aims at, whatever the campaign's own abandon_target_percent; at most 3, the legal cap (OUTDIAL_ABANDON_CAP)")
	fs.StringVar(&c.DebugListen, "debug-listen", env("OUTDIAL_DEBUG_LISTEN", ""), "address serving Go's runtime profiles at /debug/pprof/, for operators; empty: off (OUTDIAL_DEBUG_LISTEN)")
	fs.StringVar(&c.WebhookAllow, "webhook-allow", env("OUTDIAL_WEBHOOK_ALLOW", ""), "IP addresses or CIDR prefixes webhook dialers may reach although loopback, link-local or Outdial's own (127.0.0.1,10.0.0.0/8); empty: none (OUTDIAL_WEBHOOK_ALLOW)")
	fs.StringVar(&c.KeySecret, "key-secret", env("OUTDIAL_KEY_SECRET", apikey.DevSecret), "HMAC secret API keys are stored under; set your own outside development (OUTDIAL_KEY_SECRET)")
	if withHTTP {
		fs.StringVar(&c.Listen, "listen", env("OUTDIAL_LISTEN", ":8080"), "HTTP API address (OUTDIAL_LISTEN)")
		fs.Float64Var(&c.KeyRate, "key-rate", float64(envInt("OUTDIAL_KEY_RATE", api.DefaultKeyRate)), "requests a second each API key may make, bursting to twice that; 0: no limit (OUTDIAL_KEY_RATE)")
		fs.StringVar(&c.TemporalUIURL, "temporal-ui-url", env("OUTDIAL_TEMPORAL_UI_URL", api.DefaultTemporalUI), "the Temporal Web UI that contacts' and lists' workflow_url links point into (OUTDIAL_TEMPORAL_UI_URL)")
		fs.BoolVar(&c.PrivateDocs, "private-docs", os.Getenv("OUTDIAL_PRIVATE_DOCS") == "1", "ask for an API key on /openapi.json and /metrics too (OUTDIAL_PRIVATE_DOCS=1)")
	}
}

func (c *config) logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.ToUpper(c.LogLevel))); err != nil {
		return nil, fmt.Errorf("log level %q is not debug, info, warn or error", c.LogLevel)
	}
	return observe.NewLogger(os.Stderr, level), nil
}
