package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"github.com/outdial/outdial/api"
	"github.com/outdial/outdial/internal/agent"
	"github.com/outdial/outdial/internal/apikey"
	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/models"
)

// devOptions are the flags `outdial dev` adds to the common ones.
type devOptions struct {
	TemporalBin string
	DataDir     string
	UIPort      int
	Demo        bool
}

// runDev runs the whole product in one process: a Temporal dev server as a
// child process, the migrations, the worker and the API. Ctrl-C stops all.
func runDev(ctx context.Context, args []string) error {
	var o devOptions
	var wf workerFlags
	c, log, err := parse("dev", args, true, func(fs *flag.FlagSet) {
		wf.register(fs, false)
		fs.StringVar(&o.TemporalBin, "temporal-bin", env("OUTDIAL_TEMPORAL_BIN", ".bin/temporal"), "the temporal CLI that runs the dev server (OUTDIAL_TEMPORAL_BIN)")
		fs.StringVar(&o.DataDir, "data-dir", env("OUTDIAL_DATA_DIR", ".data"), "where the dev server keeps its SQLite file (OUTDIAL_DATA_DIR)")
		fs.IntVar(&o.UIPort, "ui-port", 8233, "Temporal Web UI port")
		fs.BoolVar(&o.Demo, "demo", os.Getenv("OUTDIAL_DEMO") == "1", "load the seed's example configuration (OUTDIAL_DEMO=1)")
	})
	if err != nil {
		return err
	}
	if err := checkPorts(c, o); err != nil {
		return err
	}
	if err := models.Migrate(ctx, c.DatabaseURL); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	server, err := startTemporal(ctx, c, o, log)
	if err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- server.Wait() }()
	defer stopChild(server, exited, log)

	return withServices(ctx, c, log, func(ctx context.Context, db *models.DB, tc client.Client) error {
		keys := apikey.New(db, c.KeySecret)
		if err := firstAdminKey(ctx, keys, log); err != nil {
			return err
		}
		g, ctx := errgroup.WithContext(ctx)
		g.Go(func() error { return runTemporalWorker(ctx, c, wf, db, tc) })
		g.Go(func() error { return serveAPI(ctx, c, log, db, tc) })
		g.Go(func() error {
			select {
			case <-ctx.Done():
				return nil
			case err := <-exited:
				exited <- err // for stopChild
				return fmt.Errorf("temporal dev server exited: %v", err)
			}
		})
		if o.Demo {
			g.Go(func() error { return loadDemo(ctx, c.Listen, log, keys, db) })
		}
		log.Info("outdial is running",
			"api", "http://"+hostPort(c.Listen)+"/api/v1",
			"openapi", "http://"+hostPort(c.Listen)+"/openapi.json",
			"metrics", "http://"+hostPort(c.Listen)+"/metrics",
			"temporal_ui", "http://localhost:"+strconv.Itoa(o.UIPort),
			"temporal", c.TemporalAddress)
		return g.Wait()
	})
}

// checkPorts makes sure the addresses dev listens on are free before it
// starts anything, and names the setting that moves each one that is not:
// found later, a busy port is a bind error after "outdial is running".
func checkPorts(c *config, o devOptions) error {
	host, _, err := net.SplitHostPort(c.TemporalAddress)
	if err != nil {
		return fmt.Errorf("temporal address %q: %w", c.TemporalAddress, err)
	}
	var busy []error
	for _, p := range []struct{ what, addr, setting string }{
		{"the API", c.Listen, "--listen or OUTDIAL_LISTEN"},
		{"Temporal's dev server", c.TemporalAddress, "--temporal-address or OUTDIAL_TEMPORAL_ADDRESS"},
		{"Temporal's Web UI", net.JoinHostPort(host, strconv.Itoa(o.UIPort)), "--ui-port"},
	} {
		l, err := net.Listen("tcp", p.addr)
		if err != nil {
			busy = append(busy, fmt.Errorf("%s cannot listen on %s (%w): stop what uses it, or move it with %s", p.what, p.addr, err, p.setting))
			continue
		}
		_ = l.Close()
	}
	return errors.Join(busy...)
}

// startTemporal starts `temporal server start-dev` on the configured address
// and waits until it answers.
func startTemporal(ctx context.Context, c *config, o devOptions, log *slog.Logger) (*exec.Cmd, error) {
	host, port, err := net.SplitHostPort(c.TemporalAddress)
	if err != nil {
		return nil, fmt.Errorf("temporal address %q: %w", c.TemporalAddress, err)
	}
	if _, err := os.Stat(o.TemporalBin); err != nil {
		return nil, fmt.Errorf("temporal CLI not found at %s (make run builds it): %w", o.TemporalBin, err)
	}
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	args := []string{"server", "start-dev",
		"--ip", host, "--port", port, "--ui-port", strconv.Itoa(o.UIPort),
		"--namespace", c.TemporalNamespace,
		"--db-filename", filepath.Join(o.DataDir, "temporal.db"),
		"--sqlite-pragma", "journal_mode=WAL", "--sqlite-pragma", "synchronous=NORMAL",
		"--log-level", "error",
	}
	for _, sa := range contract.SearchAttributes {
		args = append(args, "--search-attribute", sa.Name+"="+sa.Type.String())
	}
	cmd := exec.Command(o.TemporalBin, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start temporal dev server: %w", err)
	}
	log.Info("temporal dev server starting", "address", c.TemporalAddress, "pid", cmd.Process.Pid)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		conn, err := net.DialTimeout("tcp", c.TemporalAddress, time.Second)
		if err == nil {
			_ = conn.Close()
			return cmd, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return nil, errors.Join(fmt.Errorf("temporal dev server did not answer on %s", c.TemporalAddress), err, ctx.Err())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stopChild asks the dev server to stop and kills it if it has not within
// ten seconds; exited delivers the result of its Wait.
func stopChild(cmd *exec.Cmd, exited <-chan error, log *slog.Logger) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	var err error
	select {
	case err = <-exited:
	case <-time.After(10 * time.Second):
		log.Warn("temporal dev server did not stop; killing it")
		_ = cmd.Process.Kill()
		err = <-exited
	}
	if err != nil {
		log.Debug("temporal dev server exited", "error", err) // a signalled process exits with an error
	}
}

func hostPort(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil || host == "" {
		return "localhost:" + port
	}
	return listen
}

// loadDemo posts the seed's example configuration through the API once it
// answers, so the demo passes the same validation as any administrator.
func loadDemo(ctx context.Context, listen string, log *slog.Logger, keys *apikey.Store, db *models.DB) error {
	base := "http://" + hostPort(listen)
	loader, err := demoKey(ctx, keys, apikey.NewKey{Name: "loader", Role: models.RoleAdmin})
	if err != nil {
		return err
	}
	ctx = api.WithKey(ctx, loader)
	if err := api.LoadDemo(ctx, base); err != nil {
		return fmt.Errorf("load demo configuration: %w", err)
	}
	if err := printDemoKeys(ctx, keys, db); err != nil {
		return err
	}
	log.Info("demo configuration loaded", "campaigns", base+"/api/v1/campaigns")
	if err := api.StartDemo(ctx, base, 40); err != nil {
		return fmt.Errorf("start demo campaigns: %w", err)
	}
	log.Info("demo campaigns started on the simulator: Kristest Agent2 and Agent3 take kris_progressive's calls, Agent1 works krisDemoPreview's cards",
		"campaigns", base+"/api/v1/campaigns", "temporal_ui", "http://localhost:8233")
	desks := &agent.Store{DB: db}
	return api.RunPreviewAgent(ctx, base, "Kristest Agent1", log, desks.AtDesk)
}
