// Command outdial runs Outdial: the API, the Temporal worker, migrations, and
// `dev`, which runs all of them with a Temporal dev server in one process.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // contacts' zones must load on machines without a zoneinfo database

	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"github.com/outdial/outdial/activities"
	"github.com/outdial/outdial/api"
	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/internal/apikey"
	"github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/internal/listimport"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/worker"
)

const usage = `usage: outdial COMMAND [flags]

commands:
  api      serve the HTTP API
  worker   run the Temporal worker
  migrate  apply database migrations
  dev      run a Temporal dev server, migrations, the API and the worker together
  import   upload a contact list file to a campaign and show its progress
  keys     make an API key: keys create --role ROLE --name NAME
  report   print a campaign's statistics: report --campaign NAME [--watch]

Run "outdial COMMAND -h" for a command's flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "api":
		err = runAPI(ctx, args)
	case "worker":
		err = runWorker(ctx, args)
	case "migrate":
		err = runMigrate(ctx, args)
	case "dev":
		err = runDev(ctx, args)
	case "import":
		err = runImport(ctx, args)
	case "keys":
		err = runKeys(ctx, args)
	case "report":
		err = runReport(ctx, args, os.Stdout)
	case "-h", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "outdial: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "outdial %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func parse(name string, args []string, withHTTP bool, extra func(*flag.FlagSet)) (*config, *slog.Logger, error) {
	fs := flag.NewFlagSet("outdial "+name, flag.ContinueOnError)
	var c config
	c.register(fs, withHTTP)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	log, err := c.logger()
	if err != nil {
		return nil, nil, err
	}
	slog.SetDefault(log)
	return &c, log, nil
}

func runMigrate(ctx context.Context, args []string) error {
	c, _, err := parse("migrate", args, false, nil)
	if err != nil {
		return err
	}
	return models.Migrate(ctx, c.DatabaseURL)
}

func runAPI(ctx context.Context, args []string) error {
	c, log, err := parse("api", args, true, nil)
	if err != nil {
		return err
	}
	return withServices(ctx, c, log, func(ctx context.Context, db *models.DB, tc client.Client) error {
		return serveAPI(ctx, c, log, db, tc)
	})
}

func runWorker(ctx context.Context, args []string) error {
	var wf workerFlags
	c, log, err := parse("worker", args, false, func(fs *flag.FlagSet) { wf.register(fs, true) })
	if err != nil {
		return err
	}
	if wf.MetricsListen != "" {
		if err := serveMetrics(ctx, wf.MetricsListen, log); err != nil {
			return err
		}
	}
	return withServices(ctx, c, log, func(ctx context.Context, db *models.DB, tc client.Client) error {
		return runTemporalWorker(ctx, c, wf, db, tc)
	})
}

// withServices connects to PostgreSQL and Temporal, runs fn, and closes both.
func withServices(ctx context.Context, c *config, log *slog.Logger, fn func(context.Context, *models.DB, client.Client) error) error {
	if c.DebugListen != "" {
		if err := serveDebug(ctx, c.DebugListen, log); err != nil {
			return err
		}
	}
	db, err := models.Open(ctx, c.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	tc, err := client.DialContext(ctx, client.Options{
		HostPort:  c.TemporalAddress,
		Namespace: c.TemporalNamespace,
		Logger:    log.With("component", "temporal"),
		// The SDK's own metrics (task latencies, polls, failures) beside
		// Outdial's on /metrics.
		MetricsHandler: temporalMetrics(),
	})
	if err != nil {
		return fmt.Errorf("connect to temporal at %s: %w", c.TemporalAddress, err)
	}
	defer tc.Close()
	return fn(ctx, db, tc)
}

func serveAPI(ctx context.Context, c *config, log *slog.Logger, db *models.DB, tc client.Client) error {
	svc, err := c.services(ctx, db, tc)
	if err != nil {
		return err
	}
	if c.KeySecret == apikey.DevSecret {
		log.Warn("API keys are stored under the development secret: set OUTDIAL_KEY_SECRET outside development")
	}
	s := &api.Server{Services: svc, Log: log, Uploads: api.Uploads{Dir: c.UploadDir, Limits: c.limits()}, KeySecret: c.KeySecret, PrivateDocs: c.PrivateDocs, KeyRate: c.KeyRate,
		Workflows: api.WorkflowLinks{UI: c.TemporalUIURL, Namespace: c.TemporalNamespace}}
	if c.KeyRate == 0 {
		s.KeyRate = -1
	}
	srv := &http.Server{Addr: c.Listen, Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		log.Info("api listening", "address", c.Listen)
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve api on %s: %w", c.Listen, err)
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	})
	return g.Wait()
}

func runTemporalWorker(ctx context.Context, c *config, wf workerFlags, db *models.DB, tc client.Client) error {
	release, err := models.HoldWorkerName(ctx, db, wf.Worker.Name, 30*time.Second)
	if err != nil {
		return err
	}
	defer release()
	if err := worker.Setup(ctx, tc, c.TemporalNamespace); err != nil {
		return err
	}
	svc, err := c.services(ctx, db, tc)
	if err != nil {
		return err
	}
	svc.Contacts.Worker, svc.Contacts.Spread = wf.Worker.Name, wf.Spread
	if wf.DialRate < 0 {
		return fmt.Errorf("--dial-rate %v: must be 0 (no limit) or more", wf.DialRate)
	}
	if wf.DialRate > 0 {
		svc.Contacts.DialEvery = time.Duration(float64(time.Second) / wf.DialRate)
	}
	sim := &dialer.Simulator{Config: dialer.DefaultSimulatorConfig, Agents: svc.Agents, Reports: contact.Reports{Service: svc.Contacts}, Log: slog.Default(), Final: fault.Refused}
	if wf.Simulator != "" {
		if sim.Config, err = dialer.ParseSimulatorConfig(wf.Simulator); err != nil {
			return fmt.Errorf("--simulator: %w", err)
		}
	}
	sim.Start(ctx)
	open, err := svc.Contacts.OpenCalls(ctx, "simulator")
	if err != nil {
		return err
	}
	if len(open) > 0 {
		slog.Info("the simulator takes up the calls left open", "calls", len(open))
		sim.Resume(open)
	}
	svc.Contacts.Dialers = dialer.Registry{"simulator": sim, "webhook": &dialer.Webhook{Targets: svc.Webhooks}}
	imports := listimport.New(db)
	imports.Limits = c.limits()
	acts := worker.NewActivities(svc, &activities.Import{Lists: imports})
	if err := injectFault(acts.Contact); err != nil {
		return err
	}
	cfg := wf.Worker
	cfg.TaskQueue = c.TaskQueue
	w := worker.New(tc, cfg, acts)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker on %s: %w", c.TaskQueue, err)
	}
	<-ctx.Done()
	w.Stop()
	return nil
}
