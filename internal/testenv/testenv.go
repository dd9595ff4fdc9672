// Package testenv gives integration tests a database of their own, copied
// from the migrated template that `make test` prepares, and a client of the
// Temporal dev server it starts.
package testenv

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/outdial/outdial/models"
)

var counter atomic.Int64

// need returns the environment variable an integration test needs. Without
// it the test is skipped, saying what to start: `go test ./...` alone runs
// the pure and mocked tests.
func need(t testing.TB, name string) string {
	v := os.Getenv(name)
	if v == "" {
		t.Skipf("%s is not set: this integration test needs PostgreSQL and a Temporal server; run `make test`, which starts both", name)
	}
	return v
}

// DatabaseURL creates a fresh migrated database for the test and returns
// its URL; the database is dropped when the test ends.
func DatabaseURL(t testing.TB) string {
	template := need(t, "OUTDIAL_TEST_DATABASE_URL")
	u, err := url.Parse(template)
	require.NoError(t, err)
	name := fmt.Sprintf("t_%s_%d_%d", sanitize(t.Name()), os.Getpid(), counter.Add(1))
	if len(name) > 60 {
		name = name[len(name)-60:]
	}
	tmplName := strings.TrimPrefix(u.Path, "/")
	admin := *u
	admin.Path = "/postgres"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin.String())
	require.NoError(t, err, "connect to the test PostgreSQL")
	defer func() { _ = conn.Close(context.Background()) }()
	// Two packages copying the template at once collide; retry briefly.
	require.Eventually(t, func() bool {
		_, err = conn.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %q TEMPLATE %q`, name, tmplName))
		return err == nil
	}, 30*time.Second, 100*time.Millisecond, "create test database")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := pgx.Connect(ctx, admin.String())
		if err != nil {
			t.Logf("drop test database %s: %v", name, err)
			return
		}
		defer func() { _ = c.Close(context.Background()) }()
		if _, err := c.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, name)); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	db := *u
	db.Path = "/" + name
	// IDs name workflows (list-import/{id}) on the Temporal server that every
	// test shares, so each test database starts its IDs somewhere else.
	c, err := pgx.Connect(ctx, db.String())
	require.NoError(t, err)
	defer func() { _ = c.Close(context.Background()) }()
	start := (rand.Int64N(1<<20) + 1) * 1000 // ID 1 never exists; every sequence fits int4
	_, err = c.Exec(ctx, `SELECT setval(oid, $1) FROM pg_class WHERE relkind = 'S'`, start)
	require.NoError(t, err)
	return db.String()
}

// DB opens a fresh migrated database for the test.
func DB(t testing.TB) *models.DB {
	db, err := models.Open(context.Background(), DatabaseURL(t))
	require.NoError(t, err)
	t.Cleanup(db.Close)
	return db
}

// Unreachable is a database whose server never answers, for tests of an
// outage: every query fails to connect. It needs no PostgreSQL.
func Unreachable(t testing.TB) *models.DB {
	// Nothing listens on port 1; the pool connects only when queried.
	pool, err := pgxpool.New(context.Background(), "postgres://outdial@127.0.0.1:1/unreachable?sslmode=disable")
	require.NoError(t, err)
	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: stdlib.OpenDBFromPool(pool)}),
		&gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true, DisableAutomaticPing: true})
	require.NoError(t, err)
	db := &models.DB{DB: gdb, Pool: pool}
	t.Cleanup(db.Close)
	return db
}

// TemporalAddress is the test Temporal dev server's host:port.
func TemporalAddress(t testing.TB) string { return need(t, "OUTDIAL_TEST_TEMPORAL_ADDRESS") }

// Temporal connects to the test Temporal dev server.
func Temporal(t testing.TB) client.Client {
	c, err := client.Dial(client.Options{HostPort: TemporalAddress(t), Logger: log.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	require.NoError(t, err, "connect to the test Temporal server")
	t.Cleanup(c.Close)
	return c
}

// TaskQueue is a task queue no other test uses.
func TaskQueue(t testing.TB) string {
	return fmt.Sprintf("test-%s-%d-%d", sanitize(t.Name()), os.Getpid(), counter.Add(1))
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return '_'
	}, s)
}

// WriteHistory writes a workflow run's history as JSON, in the format
// worker.WorkflowReplayer reads, for replay tests.
func WriteHistory(t testing.TB, c client.Client, workflowID, runID, file string) {
	iter := c.GetWorkflowHistory(context.Background(), workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		h.Events = append(h.Events, ev)
	}
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(h)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, b, 0o644))
}

// AnsweredEarlier stores n calls of campaign that a person answered and an
// agent took at once, a millisecond apart from from, each over within a
// minute: a predictive campaign's earlier day, whose answers give its
// pacer an abandon budget to spend.
func AnsweredEarlier(t testing.TB, db *models.DB, campaign uint64, n int, from time.Time) {
	var calls []models.Attempt
	for i := range n {
		started := from.Add(time.Duration(i) * time.Millisecond)
		answered, connected, ended := started.Add(5*time.Second), started.Add(5500*time.Millisecond), started.Add(time.Minute)
		calls = append(calls, models.Attempt{ID: fmt.Sprintf("earlier-%d", i), ContactID: 9_000_000_000 + uint64(i), CampaignID: campaign, Seq: 1,
			Mode: "Mobile", Number: fmt.Sprintf("+1972555%04d", i), StartedAt: started, DialAcceptedAt: &started, AnsweredAt: &answered,
			ConnectedAt: &connected, EndedAt: &ended, TelephonyOutcome: "voice", BusinessOutcome: "Sale", Decision: "an earlier call"})
	}
	require.NoError(t, db.CreateInBatches(calls, 500).Error)
}
