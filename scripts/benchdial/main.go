// Command benchdial is `make bench-dial` and, with --cluster, `make
// bench-cluster` (cluster.go). `make bench-dial`: a progressive campaign of many
// contacts on the simulator, with outcomes that arrive at once, measured in
// completed attempts per second and in the delay from an agent becoming
// available to its next dial request; beside it, on the same Temporal
// server, the limit: a bare workflow with the same activities and signals
// per attempt and no Outdial logic, as many as the campaign has contacts,
// half before the campaign and half after. A second run of a tenth of the
// contacts offers half the measured maximum, with talk times set for that
// rate, and measures the delays again.
//
// It expects OUTDIAL_DATABASE_URL (an empty, migrated database) and
// OUTDIAL_TEMPORAL_ADDRESS, as scripts/bench-dial.sh sets them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/outdial/outdial/activities"
	"github.com/outdial/outdial/api"
	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/internal/agent"
	"github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/internal/listimport"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/worker"
)

func main() {
	contacts := flag.Int("contacts", 20000, "contacts in the campaign")
	agents := flag.Int("agents", 20, "simulated agents")
	cluster := flag.Bool("cluster", false, "make bench-cluster: dial with `outdial worker` processes (--outdial) on a Temporal cluster")
	outdial := flag.String("outdial", ".bin/outdial", "with --cluster: the outdial binary")
	workers := flag.String("workers", "1,2", "with --cluster: how many worker processes each run has")
	serverPID := flag.Int("server-pid", 0, "with --cluster: the Temporal server's process, whose CPU time is read")
	postgresPID := flag.Int("postgres-pid", 0, "with --cluster: PostgreSQL's postmaster, whose CPU time and its backends' is read")
	flag.Parse()
	var err error
	if *cluster {
		o := clusterOptions{outdial: *outdial, serverPID: *serverPID, postgresPID: *postgresPID, contacts: *contacts, agents: *agents}
		for _, n := range strings.Split(*workers, ",") {
			w, perr := strconv.Atoi(strings.TrimSpace(n))
			if perr != nil || w < 1 {
				fmt.Fprintf(os.Stderr, "bench-cluster: --workers %q: a list of worker counts, such as 1,2\n", *workers)
				os.Exit(2)
			}
			o.workers = append(o.workers, w)
		}
		err = runCluster(context.Background(), o)
	} else {
		err = run(context.Background(), *contacts, *agents)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-dial:", err)
		os.Exit(1)
	}
}

// quiet is the Temporal client's logger: the figures are the output.
func quiet() log.Logger { return log.NewStructuredLogger(slog.New(slog.DiscardHandler)) }

// timeline records when agents became available and when calls were asked
// for, and per contact when the pacer released it and when its call was
// asked for.
type timeline struct {
	mu        sync.Mutex
	available []time.Time
	dials     []time.Time
	released  map[uint64]time.Time
	toDial    []time.Duration // from a contact's release to its dial request
}

func (t *timeline) add(list *[]time.Time) {
	t.mu.Lock()
	*list = append(*list, time.Now())
	t.mu.Unlock()
}

func (t *timeline) release(contactID uint64) {
	t.mu.Lock()
	t.released[contactID] = time.Now()
	t.mu.Unlock()
}

func (t *timeline) dial(contactID uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	t.dials = append(t.dials, now)
	if at, ok := t.released[contactID]; ok {
		t.toDial = append(t.toDial, now.Sub(at))
	}
}

// delays matches each dial request to the earliest agent-available moment
// before it not yet matched: the time a free agent waited for its call.
func (t *timeline) delays() []time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	av, di := slices.Clone(t.available), slices.Clone(t.dials)
	slices.SortFunc(av, func(a, b time.Time) int { return a.Compare(b) })
	slices.SortFunc(di, func(a, b time.Time) int { return a.Compare(b) })
	var out []time.Duration
	i := 0
	for _, d := range di {
		if i < len(av) && !av[i].After(d) {
			out = append(out, d.Sub(av[i]))
			i++
		}
	}
	return out
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

type timedAgents struct {
	pool *agent.Store
	tl   *timeline
}

// timedContacts records when the pacer releases each contact.
type timedContacts struct {
	*contact.Service
	tl *timeline
}

func (c timedContacts) ReleaseAll(ctx context.Context, campaignID uint64, due []models.Contact) error {
	for _, d := range due {
		c.tl.release(d.ID)
	}
	return c.Service.ReleaseAll(ctx, campaignID, due)
}

func (a *timedAgents) Reserve(ctx context.Context, campaignID uint64, preferred string) (string, bool, error) {
	return a.pool.Reserve(ctx, campaignID, preferred)
}

func (a *timedAgents) AtDesk(ctx context.Context, agent string) (bool, error) {
	return a.pool.AtDesk(ctx, agent)
}

func (a *timedAgents) SetState(ctx context.Context, agent, state string) error {
	// The agent is available from its report on. Recorded after the
	// report returned, a dial quicker than the report's wake signal found
	// no earlier moment to match and shifted every later match by one
	// agent: at half load, hundreds of milliseconds.
	if state == models.AgentAvailable {
		a.tl.add(&a.tl.available)
	}
	return a.pool.SetState(ctx, agent, state)
}

type timedDialer struct {
	inner dialer.Dialer
	tl    *timeline
}

func (d *timedDialer) Dial(ctx context.Context, req dialer.CallRequest) error {
	d.tl.dial(req.ContactID)
	return d.inner.Dial(ctx, req)
}

// connect opens the database and the Temporal client the make target
// (named in the error) set up; done closes both.
func connect(ctx context.Context, target string) (db *models.DB, tc client.Client, done func(), err error) {
	dsn, addr := os.Getenv("OUTDIAL_DATABASE_URL"), os.Getenv("OUTDIAL_TEMPORAL_ADDRESS")
	if dsn == "" || addr == "" {
		return nil, nil, nil, fmt.Errorf("OUTDIAL_DATABASE_URL and OUTDIAL_TEMPORAL_ADDRESS must be set (make %s sets them)", target)
	}
	if db, err = models.Open(ctx, dsn); err != nil {
		return nil, nil, nil, err
	}
	if tc, err = client.Dial(client.Options{HostPort: addr, Logger: quiet()}); err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	return db, tc, func() { tc.Close(); db.Close() }, nil
}

func run(ctx context.Context, contacts, agents int) error {
	db, tc, done, err := connect(ctx, "bench-dial")
	if err != nil {
		return err
	}
	defer done()

	// The limit runs as many bare workflows as the campaign has contacts,
	// half before the campaign and half after it, so that a server slower
	// with more histories, or a machine busier for a while, weighs on both
	// measurements alike.
	before, err := bareRun(ctx, tc, contacts/2, agents)
	if err != nil {
		return err
	}
	fmt.Printf("bare workflows before: %.1f attempts/s\n", float64(contacts/2)/before.Seconds())
	full, err := dialRun(ctx, db, tc, "full", contacts, agents, 0)
	if err != nil {
		return err
	}
	after, err := bareRun(ctx, tc, contacts-contacts/2, agents)
	if err != nil {
		return err
	}
	fmt.Printf("bare workflows after: %.1f attempts/s\n", float64(contacts-contacts/2)/after.Seconds())
	bare := float64(contacts) / (before + after).Seconds()
	// Half the measured maximum: each agent talks long enough that the
	// team completes calls at half the rate.
	talk := time.Duration(float64(agents) / (full.rate / 2) * float64(time.Second))
	half, err := dialRun(ctx, db, tc, "half", max(contacts/10, agents*10), agents, talk)
	if err != nil {
		return err
	}
	fmt.Printf("\nmake bench-dial: %d contacts, %d agents, lines per agent 1, outcomes at once\n", contacts, agents)
	fmt.Printf("%-26s %10s %8s %7s %8s %20s %20s\n", "run", "attempts/s", "limit", "share", "target", "available→dial", "release→dial")
	fmt.Printf("%-26s %10.1f %8.1f %6.0f%% %8s %20v %20v\n", "full load", full.rate, bare, 100*full.rate/bare, ">=70%", full.delay, full.toDial)
	fmt.Printf("%-26s %10.1f %8s %7s %8s %20v %20v\n", fmt.Sprintf("half load (talk %s)", talk.Round(time.Millisecond)), half.rate, "", "", "",
		half.delay, half.toDial)
	fmt.Println("delays are p50 / p99; target at half load: available→dial p99 < 250ms")
	return nil
}

type dialResult struct {
	rate float64
	// delay is from an agent becoming available to its dial request;
	// toDial is the contact workflow's part of it, from release to dial.
	delay, toDial spread
}

// spread is the median and the 99th percentile of delays.
type spread struct{ p50, p99 time.Duration }

func spreadOf(ds []time.Duration) spread {
	return spread{percentile(ds, 0.5).Round(time.Millisecond), percentile(ds, 0.99).Round(time.Millisecond)}
}

func (s spread) String() string { return fmt.Sprintf("%v / %v", s.p50, s.p99) }

// dialRun runs one progressive campaign to the end through the real API,
// worker, workflows and PostgreSQL.
func dialRun(ctx context.Context, db *models.DB, tc client.Client, name string, contacts, agents int, talk time.Duration) (dialResult, error) {
	queue := "bench-dial-" + name
	tl := &timeline{released: map[uint64]time.Time{}}
	svc := services.New(db, tc, queue)
	sim := &dialer.Simulator{Agents: &timedAgents{pool: svc.Agents, tl: tl}, Reports: contact.Reports{Service: svc.Contacts},
		Config: dialer.SimulatorConfig{Outcomes: map[string]float64{"voice": 1}, Business: map[string]float64{"Sale": 1}, Talk: dialer.Span{Min: talk, Max: talk}, Speed: 1}}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sim.Start(sctx)
	svc.Contacts.Dialers = dialer.Registry{"simulator": &timedDialer{inner: sim, tl: tl}}
	svc.Campaigns.Contacts = timedContacts{Service: svc.Contacts, tl: tl}
	w := worker.New(tc, worker.Config{TaskQueue: queue}, worker.NewActivities(svc, &activities.Import{Lists: listimport.New(db)}))
	if err := w.Start(); err != nil {
		return dialResult{}, err
	}
	defer w.Stop()
	srv := httptest.NewServer((&api.Server{Keyless: &models.APIKey{Name: "test", Role: models.RoleAdmin}, Log: slog.New(slog.DiscardHandler), Services: svc}).Handler())
	defer srv.Close()
	c, err := setUpCampaign(ctx, srv.URL, name, contacts, agents)
	if err != nil {
		return dialResult{}, err
	}
	took, err := c.runToEnd(ctx, db, name, contacts)
	if err != nil {
		return dialResult{}, err
	}
	res := dialResult{rate: float64(contacts) / took.Seconds()}
	res.delay = spreadOf(tl.delays())
	tl.mu.Lock()
	res.toDial = spreadOf(tl.toDial)
	tl.mu.Unlock()
	return res, nil
}

// The bare limit: per attempt, a contact's first attempt as Outdial runs
// it, started eagerly with the release in its input, with its signals
// (outcome, wrap-up) and local activities (start, prepare, dial, finish),
// and nothing else.

const (
	bareOutcome = "outcome"
	bareWrapup  = "wrapup"
)

// bareWorkflow runs its activities as local activities, as the contact
// workflow does.
func bareWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: time.Minute})
	for _, name := range []string{"BareStart", "BarePrepare"} {
		if err := workflow.ExecuteLocalActivity(ctx, name).Get(ctx, nil); err != nil {
			return err
		}
	}
	if err := workflow.ExecuteLocalActivity(ctx, "BareDial", workflow.GetInfo(ctx).WorkflowExecution.ID).Get(ctx, nil); err != nil {
		return err
	}
	workflow.GetSignalChannel(ctx, bareOutcome).Receive(ctx, nil)
	workflow.GetSignalChannel(ctx, bareWrapup).Receive(ctx, nil)
	return workflow.ExecuteLocalActivity(ctx, "BareFinish").Get(ctx, nil)
}

// bareRun runs n bare workflows, inFlight at a time, and returns how long
// they took.
func bareRun(ctx context.Context, tc client.Client, n, inFlight int) (time.Duration, error) {
	const queue = "bench-dial-bare"
	w := sdkworker.New(tc, queue, worker.Config{}.Options()) // as Outdial's
	w.RegisterWorkflowWithOptions(bareWorkflow, workflow.RegisterOptions{Name: "BareAttempt"})
	noop := func(context.Context) error { return nil }
	for _, name := range []string{"BareStart", "BarePrepare", "BareFinish"} {
		w.RegisterActivityWithOptions(noop, activity.RegisterOptions{Name: name})
	}
	// The dial reports the outcome and the wrap-up at once, as the simulator does.
	w.RegisterActivityWithOptions(func(ctx context.Context, id string) error {
		go func() {
			_ = tc.SignalWorkflow(context.Background(), id, "", bareOutcome, nil)
			_ = tc.SignalWorkflow(context.Background(), id, "", bareWrapup, nil)
		}()
		return nil
	}, activity.RegisterOptions{Name: "BareDial"})
	if err := w.Start(); err != nil {
		return 0, err
	}
	defer w.Stop()
	run := time.Now().UnixNano()
	sem := make(chan struct{}, inFlight)
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	start := time.Now()
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			id := fmt.Sprintf("bare/%d/%d", run, i)
			r, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue, EnableEagerStart: true}, "BareAttempt")
			if err == nil {
				err = r.Get(ctx, nil)
			}
			if err != nil {
				mu.Lock()
				firstErr = errors.Join(firstErr, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	return time.Since(start), nil
}

// runToEnd starts the campaign, waits until every contact is closed, stops
// it, and returns how long its contacts took.
func (c *benchCampaign) runToEnd(ctx context.Context, db *models.DB, name string, contacts int) (time.Duration, error) {
	start := time.Now()
	if err := c.post(ctx, fmt.Sprintf("campaigns/%d/start", c.campaign), nil); err != nil {
		return 0, err
	}
	for {
		var open int64
		if err := db.WithContext(ctx).Model(&models.Contact{}).Where("campaign_id = ? AND status <> 'closed'", c.campaign).Count(&open).Error; err != nil {
			return 0, err
		}
		if open == 0 {
			break
		}
		fmt.Printf("\r%s: %d of %d contacts open", name, open, contacts)
		time.Sleep(time.Second)
	}
	took := time.Since(start)
	fmt.Printf("\r%s: %d attempts in %s\n", name, contacts, took.Round(time.Millisecond))
	_ = c.post(ctx, fmt.Sprintf("campaigns/%d/stop", c.campaign), nil)
	return took, nil
}

// benchCampaign is the campaign a run dials, through the API at base.
type benchCampaign struct {
	base     string
	campaign uint64
}

func (c *benchCampaign) post(ctx context.Context, path string, body any) error {
	return api.Call(ctx, http.MethodPost, c.base+"/api/v1/"+path, body, nil)
}

// setUpCampaign loads the seed's configuration, then a progressive
// campaign with its own team of available agents and its contacts.
func setUpCampaign(ctx context.Context, base, name string, contacts, agents int) (*benchCampaign, error) {
	if err := api.LoadDemo(ctx, base); err != nil {
		return nil, err
	}
	call := func(method, path string, body, out any) error {
		return api.Call(ctx, method, base+"/api/v1/"+path, body, out)
	}
	var ids struct {
		Items []struct {
			ID uint64 `json:"id"`
		} `json:"items"`
	}
	var created struct {
		ID uint64 `json:"id"`
	}
	if err := call(http.MethodGet, "entry-points?q=EP_Krisoutdial", nil, &ids); err != nil || len(ids.Items) == 0 {
		return nil, fmt.Errorf("find entry point: %w", err)
	}
	ep := ids.Items[0].ID
	if err := call(http.MethodGet, "contact-strategies?q=kris_CS", nil, &ids); err != nil || len(ids.Items) == 0 {
		return nil, fmt.Errorf("find strategy: %w", err)
	}
	strategy := ids.Items[0].ID
	if err := call(http.MethodGet, "outcome-groups?q=Wrapup", nil, &ids); err != nil || len(ids.Items) == 0 {
		return nil, fmt.Errorf("find outcome group: %w", err)
	}
	group := ids.Items[0].ID
	if err := call(http.MethodGet, "timezones?q=Central", nil, &ids); err != nil || len(ids.Items) == 0 {
		return nil, fmt.Errorf("find zone: %w", err)
	}
	zone := ids.Items[0].ID
	if err := call(http.MethodPost, "teams", map[string]any{"name": "bench-" + name}, &created); err != nil {
		return nil, err
	}
	team := created.ID
	if err := call(http.MethodPost, "campaigns", map[string]any{"name": "bench-" + name, "pacing_mode": "progressive", "time_zone_id": zone,
		"entry_point_id": ep, "contact_strategy_id": strategy, "outcome_group_id": group, "team_ids": []uint64{team}, "time_to_live_days": 30,
		// Open around the clock, so that the figures do not depend on the
		// hour the benchmark runs at (campaigns default to 08:00–21:00).
		"daily_start_time": "00:00", "daily_end_time": "23:59"}, &created); err != nil {
		return nil, err
	}
	c := &benchCampaign{base: base, campaign: created.ID}
	for from := 0; from < contacts; from += 10000 {
		var batch []map[string]any
		for i := from; i < min(contacts, from+10000); i++ {
			batch = append(batch, map[string]any{"numbers": map[string]any{"Mobile": fmt.Sprintf("+1%d%07d", []int{212, 312, 469, 713}[i%4], 2000000+i/4)}})
		}
		if err := call(http.MethodPost, fmt.Sprintf("campaigns/%d/contacts", c.campaign), map[string]any{"contacts": batch}, nil); err != nil {
			return nil, err
		}
	}
	for i := range agents {
		if err := call(http.MethodPost, "agents", map[string]any{"name": fmt.Sprintf("bench-%s-agent-%d", name, i), "team_id": team}, &created); err != nil {
			return nil, err
		}
		if err := call(http.MethodPut, fmt.Sprintf("agents/%d/state", created.ID), map[string]any{"state": "available"}, nil); err != nil {
			return nil, err
		}
	}
	return c, nil
}
