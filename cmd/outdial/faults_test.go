//go:build faults

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/internal/listgen"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/phone"
)

// The fault suite (make test-faults) runs the real stack as separate
// processes, breaks it the ways production breaks, and checks that nothing
// was lost, doubled or dialed that should not have been. Its ports, each
// overridable from the environment.
var (
	faultsPGPort       = int(envInt("OUTDIAL_FAULTS_PG_PORT", 55521))
	faultsTemporalPort = int(envInt("OUTDIAL_FAULTS_TEMPORAL_PORT", 7321))
	faultsAPIPort      = int(envInt("OUTDIAL_FAULTS_API_PORT", 8321))
	faultsDevPort      = int(envInt("OUTDIAL_FAULTS_DEV_PORT", 7331)) // outdial dev's Temporal; its API and UI take the next two
)

const (
	importRows = 200_000
	outage     = 20 * time.Second
	// simContacts and hookContacts are more than the campaigns can dial
	// while the suite runs, so both dial until they are paused.
	simAgents, simContacts   = 6, 3000
	hookAgents, hookContacts = 3, 3000
)

// TestFaults: while a campaign dials on the simulator, another on a webhook
// dialer (this test, reporting as a real dialer does: again until taken),
// and a 200,000-row list imports, the worker is killed, PostgreSQL is
// stopped for 20 s, and the Temporal server is stopped for 20 s. Then the
// campaigns are paused and the end state is checked.
func TestFaults(t *testing.T) {
	s := newStack(t)
	w := s.world()

	s.start(w.sim)
	s.start(w.hook)
	before := s.rate(t, w.sim, "before the faults")

	list := s.upload(w.imports, importRows)
	require.Eventually(t, func() bool { return s.list(list).RowsRead >= 5000 }, 2*time.Minute, 100*time.Millisecond, "the import never got going")

	t.Log("fault: the worker is killed with SIGKILL and started again")
	openAtKill := s.openAttempts()
	s.workers[0].kill(t)
	require.Less(t, s.list(list).RowsRead, int64(importRows), "the import ended before the worker was killed: the test proves nothing of it")
	s.workers[0] = s.startWorker("worker")
	s.recovered(t, w, before)

	t.Log("fault: PostgreSQL is stopped for ", outage)
	s.pg("stop")
	s.unavailableFor(t, outage, http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d", w.sim))
	s.pg("start")
	s.recovered(t, w, before)

	t.Log("fault: the Temporal server is stopped for ", outage)
	s.stopTemporal(t)
	s.unavailableFor(t, outage, http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/lists", w.imports))
	s.startTemporal(t)
	s.recovered(t, w, before)

	require.Eventually(t, func() bool { return s.list(list).Status != models.ListImporting }, 15*time.Minute, time.Second, "the import did not end")
	s.pause(w.sim)
	s.pause(w.hook)
	s.settled(t)
	s.checkEndState(t, list, openAtKill)
}

// faultStack is the fault suite's stack: its own PostgreSQL and Temporal
// dev server, one API and one worker.
type faultStack struct {
	*stack
	temporal *process
}

func newStack(t *testing.T) *faultStack {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	pg := &stack{t: t, root: root}
	pg.pg("start")
	t.Cleanup(func() { pg.pg("stop") })
	s := &faultStack{stack: newStackOn(t, faultsPGPort, "outdial_faults", fmt.Sprintf("127.0.0.1:%d", faultsTemporalPort))}
	s.startTemporal(t)
	s.startAPI(faultsAPIPort)
	s.workers = []*process{s.startWorker("worker")}
	s.dialer = newReportingDialer(t, s.stack)
	return s
}

// pg starts or stops the suite's PostgreSQL cluster.
func (s *stack) pg(action string) {
	cmd := exec.Command(filepath.Join(s.root, "scripts/postgres.sh"), action, "faults", strconv.Itoa(faultsPGPort))
	cmd.Env = append(os.Environ(), "PG_SHARED_BUFFERS=128MB")
	out, err := cmd.CombinedOutput()
	require.NoError(s.t, err, "postgres %s: %s", action, out)
}

// startTemporal starts the Temporal dev server on a SQLite file that
// outlives it, as `make run` keeps it, so a restart finds its state.
func (s *faultStack) startTemporal(t *testing.T) {
	bin := env("OUTDIAL_TEMPORAL_BIN", filepath.Join(s.root, ".bin/temporal"))
	args := []string{"server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", strconv.Itoa(faultsTemporalPort),
		"--db-filename", filepath.Join(s.dir, "temporal.db"), "--sqlite-pragma", "journal_mode=WAL", "--log-level", "error"}
	for _, sa := range contract.SearchAttributes {
		args = append(args, "--search-attribute", sa.Name+"="+sa.Type.String())
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = s.logFile("temporal"), s.logFile("temporal")
	s.temporal = startProcess(t, cmd)
	require.Eventually(t, func() bool { return answers(faultsTemporalPort) }, 2*time.Minute, 200*time.Millisecond, "Temporal did not start")
}

// stopTemporal stops the Temporal server as an operator would, with SIGTERM.
func (s *faultStack) stopTemporal(t *testing.T) {
	require.NoError(t, s.temporal.cmd.Process.Signal(syscall.SIGTERM))
	s.temporal.wait(t, time.Minute)
}

// faultCampaigns are the suite's campaigns.
type faultCampaigns struct{ sim, hook, imports uint64 }

// world configures three campaigns open all day: one progressive on the
// simulator, one progressive on the webhook dialer, and a preview campaign
// the big list is imported into, with a national DNC list.
func (s *stack) world() faultCampaigns {
	for _, m := range []string{"Mobile", "Home", "Office"} {
		s.create("/api/v1/modes", map[string]any{"name": m, "min_length": 8, "max_length": 16})
	}
	zone := s.create("/api/v1/timezones", map[string]any{"display_name": centralTime, "start_time": "12:00 AM", "end_time": "11:59 PM"})
	allDay := map[string]any{"time_zone_id": zone, "daily_start_time": "12:00 AM", "daily_end_time": "11:59 PM"}
	campaign := func(name, mode string, more map[string]any) uint64 {
		body := map[string]any{"name": name, "pacing_mode": mode}
		for k, v := range allDay {
			body[k] = v
		}
		for k, v := range more {
			body[k] = v
		}
		return s.create("/api/v1/campaigns", body)
	}
	team := func(name string, agents int) uint64 {
		id := s.create("/api/v1/teams", map[string]any{"name": name})
		for i := range agents {
			agent := s.create("/api/v1/agents", map[string]any{"name": fmt.Sprintf("%s agent %d", name, i+1), "team_id": id})
			s.must(http.StatusOK, http.MethodPut, fmt.Sprintf("/api/v1/agents/%d/state", agent), map[string]any{"state": "available"})
		}
		return id
	}
	var w faultCampaigns
	simEP := s.create("/api/v1/entry-points", map[string]any{"name": "Simulator", "dialer": "simulator"})
	// Codes for the simulated agents' wrap-ups: without any, an answered
	// call waits the whole wrap-up timeout for one.
	codes := s.create("/api/v1/outcome-groups", map[string]any{"name": "Wrapup Code", "outcomes": []any{
		map[string]any{"name": "Sale", "type": "success", "close_contact": true},
		map[string]any{"name": "Not Interested", "type": "failure", "close_contact": true},
		map[string]any{"name": "Callback Requested", "type": "failure", "reschedule": "0:0:5", "max_retry": 3},
	}})
	w.sim = campaign("on the simulator", "progressive", map[string]any{"entry_point_id": simEP, "team_ids": []any{team("Simulated", simAgents)},
		"lines_per_agent": 1, "outcome_group_id": codes})
	hookEP := s.create("/api/v1/entry-points", map[string]any{"name": "Webhook", "dialer": "webhook", "primary_url": s.dialer.srv.URL})
	w.hook = campaign("on a webhook dialer", "progressive", map[string]any{"entry_point_id": hookEP, "team_ids": []any{team("Webhook", hookAgents)}, "lines_per_agent": 2})
	dnc := s.create("/api/v1/dnc-lists", map[string]any{"name": "National", "category": "ndnc"})
	w.imports = campaign("the big list", "preview", nil)

	var entries [][]any
	for _, n := range listgen.DNCNumbers(importRows) {
		e164, err := phone.Normalize(n, "US")
		require.NoError(s.t, err)
		entries = append(entries, []any{dnc, e164})
	}
	_, err := s.db.Pool.CopyFrom(context.Background(), pgx.Identifier{"dnc_entries"}, []string{"dnc_list_id", "number"}, pgx.CopyFromRows(entries))
	require.NoError(s.t, err)

	// Numbers of their own for the two dialing campaigns: Dallas exchanges
	// the big list does not use.
	add := func(campaign uint64, exchange, n int) {
		contacts := make([]any, n)
		for i := range contacts {
			contacts[i] = map[string]any{"numbers": map[string]any{"Mobile": fmt.Sprintf("+1469%03d%04d", exchange, i)}}
		}
		s.must(http.StatusOK, http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/contacts", campaign), map[string]any{"contacts": contacts})
	}
	add(w.sim, 562, simContacts)
	add(w.hook, 563, hookContacts)
	return w
}

// upload sends a generated list of rows to a campaign and returns its ID.
func (s *stack) upload(campaign uint64, rows int) uint64 {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	require.NoError(s.t, mw.WriteField("mapping", listgen.Mapping))
	fw, err := mw.CreateFormFile("file", "big.csv")
	require.NoError(s.t, err)
	require.NoError(s.t, listgen.WriteCSV(fw, rows))
	require.NoError(s.t, mw.Close())
	status, _, raw, err := s.send(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/lists", campaign), mw.FormDataContentType(), &body)
	require.NoError(s.t, err)
	require.Equal(s.t, http.StatusAccepted, status, "%s", raw)
	var accepted struct{ ID uint64 }
	require.NoError(s.t, json.Unmarshal(raw, &accepted))
	return accepted.ID
}

func (s *stack) list(id uint64) models.ContactList {
	var l models.ContactList
	require.NoError(s.t, s.db.First(&l, id).Error)
	return l
}

// rate is the attempts a campaign starts a minute, measured over 45 s.
func (s *stack) rate(t *testing.T, campaign uint64, when string) float64 {
	const over = 45 * time.Second
	since := time.Now()
	deadline := time.NewTimer(over)
	defer deadline.Stop()
	<-deadline.C // a measurement, not a wait for a condition
	n := s.count("SELECT count(*) FROM attempts WHERE campaign_id = ? AND started_at >= ?", campaign, since)
	perMinute := float64(n) * float64(time.Minute) / float64(over)
	t.Logf("simulator campaign %s: %.0f attempts a minute", when, perMinute)
	return perMinute
}

// unavailableFor sends a request every two seconds for d while a service
// is down: each must be answered, in under 15 s, with 503 and a problem
// body, and /readyz with 503.
func (s *stack) unavailableFor(t *testing.T, d time.Duration, method, path string) {
	end := time.Now().Add(d)
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for probes := 0; time.Now().Before(end) || probes == 0; probes++ {
		start := time.Now()
		var status int
		var header http.Header
		var raw []byte
		var err error
		if method == http.MethodPost {
			// An upload: nothing of it may stay behind when it is refused.
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			require.NoError(t, mw.WriteField("mapping", listgen.Mapping))
			fw, ferr := mw.CreateFormFile("file", "small.csv")
			require.NoError(t, ferr)
			require.NoError(t, listgen.WriteCSV(fw, 10))
			require.NoError(t, mw.Close())
			status, header, raw, err = s.send(method, path, mw.FormDataContentType(), &body)
		} else {
			status, header, raw, err = s.call(method, path, nil)
		}
		took := time.Since(start)
		require.NoError(t, err, "%s %s during the outage did not answer", method, path)
		require.Less(t, took, 15*time.Second, "%s %s during the outage took %s", method, path, took)
		require.Equal(t, http.StatusServiceUnavailable, status, "%s %s during the outage: %s", method, path, raw)
		require.Equal(t, "application/problem+json", header.Get("Content-Type"))
		var p struct{ Type, Detail string }
		require.NoError(t, json.Unmarshal(raw, &p), "%s", raw)
		require.Equal(t, "/problems/unavailable", p.Type)
		resp, err := http.Get(s.api() + "/readyz")
		require.NoError(t, err)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "/readyz during the outage")
		<-tick.C
	}
}

// recovered waits until the stack is whole again and both campaigns dial:
// the simulator campaign at 40% of the rate it had before the faults at
// least (the machine is shared and noisy, and the import competes for it
// after an outage), printing the rate. Lines held by lost reports would
// stop it.
func (s *stack) recovered(t *testing.T, w faultCampaigns, before float64) {
	require.Eventually(t, func() bool {
		resp, err := http.Get(s.api() + "/readyz")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 2*time.Minute, 200*time.Millisecond, "the API did not become ready again")
	since := time.Now()
	require.Eventually(t, func() bool {
		return s.count("SELECT count(*) FROM attempts WHERE campaign_id = ? AND ended_at >= ?", w.hook, since) > 0
	}, 2*time.Minute, 200*time.Millisecond, "the webhook campaign did not dial again")
	after := s.rate(t, w.sim, "after recovery")
	require.GreaterOrEqual(t, after, 0.4*before, "the simulator campaign did not get back to its rate")
}

// settled waits until no attempt is open and no contact is released or
// dialing: reports held up by the faults have arrived, and calls the
// killed worker's simulator took with it have reached their outcome
// timeout.
func (s *stack) settled(t *testing.T) {
	require.Eventually(t, func() bool {
		return s.openAttempts() == 0 &&
			s.count("SELECT count(*) FROM contacts WHERE status IN (?, ?)", models.ContactReleased, models.ContactDialing) == 0
	}, contract.DefaultTimeouts.Outcome+2*time.Minute, time.Second, "the campaigns did not settle after they were paused")
}

// checkEndState counts what must be zero and prints every count.
func (s *stack) checkEndState(t *testing.T, list uint64, openAtKill int64) {
	l := s.list(list)
	want := listgen.Expect(importRows)
	rejections := s.count("SELECT count(*) FROM list_rejections WHERE list_id = ?", list)
	contacts := s.count("SELECT count(*) FROM contacts WHERE list_id = ?", list)
	distinctRows := s.count("SELECT count(DISTINCT row_number) FROM contacts WHERE list_id = ?", list)
	counts := []struct {
		what      string
		got, want int64
	}{
		{"import rows read", l.RowsRead, importRows},
		{"import rows processed", l.Processed, want.Processed},
		{"processed - (uploaded + failed + duplicate + dnc)", l.Processed - (l.Uploaded + l.Failed + l.Duplicate + l.DNCSuppressed), 0},
		{"contacts stored - uploaded", contacts - l.Uploaded, 0},
		{"rows stored twice", contacts - distinctRows, 0},
		{"rejections - (failed + duplicate + dnc)", rejections - (l.Failed + l.Duplicate + l.DNCSuppressed), 0},
		{"contacts released or dialing", s.count("SELECT count(*) FROM contacts WHERE status IN (?, ?)", models.ContactReleased, models.ContactDialing), 0},
		{"attempts without an outcome", s.count("SELECT count(*) FROM attempts WHERE ended_at IS NULL OR telephony_outcome = ''"), 0},
		{"contacts with overlapping attempts", s.count(`SELECT count(DISTINCT a.contact_id) FROM attempts a JOIN attempts b
			ON a.contact_id = b.contact_id AND a.id < b.id AND a.started_at < b.ended_at AND b.started_at < a.ended_at`), 0},
		{"agents reserved or connected without a call", s.count(`SELECT count(*) FROM agents g WHERE g.state IN (?, ?)
			AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.agent = g.id::text AND a.ended_at IS NULL)`, models.AgentReserved, models.AgentConnected), 0},
		{"webhook calls placed twice for one attempt", s.dialer.placedTwice(), 0},
		{"webhook outcomes not applied as reported", s.dialer.misapplied(s), 0},
	}
	// An attempt ends in error without its dial failing only when its
	// outcome never came: every report must have come through, those of
	// the calls the killed worker's simulator had in flight included.
	// A dial the checks refused as it left (the campaign paused at that
	// moment, say) ends in error too, but its decision says "not dialed"
	// (contact.ErrDialRefused): it was never sent.
	timedOut := s.count(`SELECT count(*) FROM attempts WHERE telephony_outcome = 'error' AND evidence IS NOT NULL AND decision NOT LIKE '%not dialed%'`)
	attempts := s.count("SELECT count(*) FROM attempts")
	t.Logf("%-55s %10s %10s", "end state", "count", "want")
	for _, c := range counts {
		t.Logf("%-55s %10d %10d", c.what, c.got, c.want)
	}
	t.Logf("%-55s %10d %10s", "attempts", attempts, "")
	t.Logf("%-55s %10d %10s", "webhook dial requests sent again under their key", s.dialer.resent(), "")
	t.Logf("%-55s %10d %10d", "attempts whose outcome timed out", timedOut, 0)
	t.Logf("%-55s %10d %10s", "attempts open when the worker was killed", openAtKill, "")
	t.Logf("%-55s %10d %10s", "webhook reports retried", s.dialer.retried(), "")
	t.Logf("%-55s %10d %10s", "webhook dial requests answered 500 first", int64(s.dialer.answered500), "")
	t.Logf("%-55s %10d %10s", "webhook dial requests answered too late first", int64(s.dialer.timedOut), "")
	require.Positive(t, s.dialer.answered500, "no dial request was answered 500: the test proves nothing of it")
	require.Positive(t, s.dialer.timedOut, "no dial request timed out: the test proves nothing of it")
	require.GreaterOrEqual(t, s.dialer.resent(), int64(s.dialer.answered500+s.dialer.timedOut), "a request answered 500 or too late was not sent again")
	for _, c := range counts {
		require.Equal(t, c.want, c.got, c.what)
	}
	require.Zero(t, timedOut, "outcomes timed out: reports were lost")
}

// TestDevLeavesNoTemporalBehind kills `outdial dev` with SIGKILL: the
// Temporal dev server it started must stop with it, freeing its port for
// the next `make run`.
func TestDevLeavesNoTemporalBehind(t *testing.T) {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	s := &stack{t: t, root: root, bin: buildOutdial(t), dir: t.TempDir()}
	s.pg("start")
	t.Cleanup(func() { s.pg("stop") })
	dsn := fmt.Sprintf("postgres://outdial@127.0.0.1:%d/outdial?sslmode=disable", faultsPGPort)
	cmd := exec.Command(s.bin, "dev", "--database-url", dsn, "--temporal-address", fmt.Sprintf("127.0.0.1:%d", faultsDevPort),
		"--listen", fmt.Sprintf("127.0.0.1:%d", faultsDevPort+1), "--ui-port", strconv.Itoa(faultsDevPort+2),
		"--data-dir", t.TempDir(), "--upload-dir", t.TempDir(), "--log-level", "warn",
		"--temporal-bin", env("OUTDIAL_TEMPORAL_BIN", filepath.Join(s.root, ".bin/temporal")))
	cmd.Stdout, cmd.Stderr = s.logFile("dev"), s.logFile("dev")
	dev := startProcess(t, cmd)
	require.Eventually(t, func() bool { return answers(faultsDevPort + 1) }, 2*time.Minute, 200*time.Millisecond, "outdial dev did not start")
	require.True(t, answers(faultsDevPort), "outdial dev's Temporal server is not up: the test proves nothing")
	dev.kill(t)
	require.Eventually(t, func() bool { return !answers(faultsDevPort) }, 30*time.Second, 100*time.Millisecond,
		"the Temporal dev server outlived outdial dev, holding its port")
}

// api is the first API's base URL.
func (s *stack) api() string { return s.apis[0] }

// answers reports whether something listens on the port of 127.0.0.1.
func answers(port int) bool {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
	if err == nil {
		_ = c.Close()
	}
	return err == nil
}

func (s *stack) pause(campaign uint64) {
	s.must(http.StatusOK, http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/pause", campaign), nil)
}

func (s *stack) openAttempts() int64 {
	return s.count("SELECT count(*) FROM attempts WHERE ended_at IS NULL")
}

// resent counts requests sent again under a key already placed.
func (d *reportingDialer) resent() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	var n int64
	for _, reqs := range d.requests {
		n += int64(len(reqs) - 1)
	}
	return n
}

func (d *reportingDialer) retried() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return int64(d.retries)
}
