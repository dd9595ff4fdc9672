package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/outdial/outdial/api"
	"github.com/outdial/outdial/internal/apikey"
	"github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/internal/listimport"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/models"
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
	DebugListen       string
	KeySecret         string
	PrivateDocs       bool
	KeyRate           float64
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

// services are the process's domain services, with the deployment's
// frequency cap: the API's eligibility answers apply it as the worker does.
func (c *config) services(db *models.DB, tc client.Client) (*services.Services, error) {
	svc := services.New(db, tc, c.TaskQueue)
	var err error
	svc.Contacts.FrequencyCap, err = c.frequencyCap()
	return svc, err
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
	fs.StringVar(&c.DebugListen, "debug-listen", env("OUTDIAL_DEBUG_LISTEN", ""), "address serving Go's runtime profiles at /debug/pprof/, for operators; empty: off (OUTDIAL_DEBUG_LISTEN)")
	fs.StringVar(&c.KeySecret, "key-secret", env("OUTDIAL_KEY_SECRET", apikey.DevSecret), "HMAC secret API keys are stored under; set your own outside development (OUTDIAL_KEY_SECRET)")
	if withHTTP {
		fs.StringVar(&c.Listen, "listen", env("OUTDIAL_LISTEN", ":8080"), "HTTP API address (OUTDIAL_LISTEN)")
		fs.Float64Var(&c.KeyRate, "key-rate", float64(envInt("OUTDIAL_KEY_RATE", api.DefaultKeyRate)), "requests a second each API key may make, bursting to twice that; 0: no limit (OUTDIAL_KEY_RATE)")
		fs.BoolVar(&c.PrivateDocs, "private-docs", os.Getenv("OUTDIAL_PRIVATE_DOCS") == "1", "ask for an API key on /openapi.json and /metrics too (OUTDIAL_PRIVATE_DOCS=1)")
	}
}

func (c *config) logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.ToUpper(c.LogLevel))); err != nil {
		return nil, fmt.Errorf("log level %q is not debug, info, warn or error", c.LogLevel)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})), nil
}
