package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
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
}

// env returns the environment variable's value, or def when it is unset.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func (c *config) register(fs *flag.FlagSet, withHTTP bool) {
	fs.StringVar(&c.DatabaseURL, "database-url", env("OUTDIAL_DATABASE_URL", "postgres://outdial@127.0.0.1:55432/outdial?sslmode=disable"), "PostgreSQL URL (OUTDIAL_DATABASE_URL)")
	fs.StringVar(&c.TemporalAddress, "temporal-address", env("OUTDIAL_TEMPORAL_ADDRESS", "127.0.0.1:7233"), "Temporal frontend host:port (OUTDIAL_TEMPORAL_ADDRESS)")
	fs.StringVar(&c.TemporalNamespace, "temporal-namespace", env("OUTDIAL_TEMPORAL_NAMESPACE", "default"), "Temporal namespace (OUTDIAL_TEMPORAL_NAMESPACE)")
	fs.StringVar(&c.TaskQueue, "task-queue", env("OUTDIAL_TASK_QUEUE", "outdial"), "Temporal task queue of Outdial's workers (OUTDIAL_TASK_QUEUE)")
	fs.StringVar(&c.LogLevel, "log-level", env("OUTDIAL_LOG_LEVEL", "info"), "debug, info, warn or error (OUTDIAL_LOG_LEVEL)")
	if withHTTP {
		fs.StringVar(&c.Listen, "listen", env("OUTDIAL_LISTEN", ":8080"), "HTTP API address (OUTDIAL_LISTEN)")
	}
}

func (c *config) logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.ToUpper(c.LogLevel))); err != nil {
		return nil, fmt.Errorf("log level %q is not debug, info, warn or error", c.LogLevel)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})), nil
}
