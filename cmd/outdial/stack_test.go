//go:build faults || cluster

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/models"
)

// The suites that run the real stack as separate processes share this:
// make test-faults (faults_test.go) and make test-cluster
// (cluster_test.go).

// stack is PostgreSQL, Temporal, `outdial api` and `outdial worker`
// processes, and an admin key: the fault suite's (a dev server, one API,
// one worker) or the cluster suite's (a Temporal server on PostgreSQL, two
// of each).
type stack struct {
	t              *testing.T
	root, bin, dir string
	dsn, key       string
	// temporalAddress is the frontend every process connects to.
	temporalAddress string
	// apis are the APIs' base URLs; requests take turns among them.
	apis    []string
	turn    atomic.Uint64
	db      *models.DB
	workers []*process
	dialer  *reportingDialer
}

// newStackOn creates the database name afresh on the PostgreSQL at pgPort,
// migrates it, makes an admin key, and opens it.
func newStackOn(t *testing.T, pgPort int, name, temporalAddress string) *stack {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	s := &stack{t: t, root: root, bin: buildOutdial(t), dir: t.TempDir(), temporalAddress: temporalAddress}
	base := fmt.Sprintf("postgres://outdial@127.0.0.1:%d/", pgPort)
	admin, err := pgx.Connect(context.Background(), base+"postgres?sslmode=disable")
	require.NoError(t, err)
	for _, q := range []string{"DROP DATABASE IF EXISTS " + name, "CREATE DATABASE " + name} {
		_, err := admin.Exec(context.Background(), q)
		require.NoError(t, err, q)
	}
	require.NoError(t, admin.Close(context.Background()))
	s.dsn = base + name + "?sslmode=disable"
	s.run("migrate", "--database-url", s.dsn)
	s.key = strings.TrimSpace(s.run("keys", "create", "--database-url", s.dsn, "--role", "admin", "--name", "suite"))
	s.db, err = models.Open(context.Background(), s.dsn)
	require.NoError(t, err)
	t.Cleanup(s.db.Close)
	return s
}

// startAPI starts `outdial api` on the port and waits until it answers;
// a port already among the stack's APIs is the same API started again.
func (s *stack) startAPI(port int) *process {
	p := s.serve("api", fmt.Sprintf("api-%d", port), "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--key-rate", "0")
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	require.Eventually(s.t, func() bool {
		resp, err := http.Get(url + "/healthz")
		if err == nil {
			_ = resp.Body.Close()
		}
		return err == nil
	}, time.Minute, 100*time.Millisecond, "outdial api on %d did not answer", port)
	if !slices.Contains(s.apis, url) {
		s.apis = append(s.apis, url)
	}
	return p
}

// run runs an outdial command to its end and returns what it printed.
func (s *stack) run(args ...string) string {
	cmd := exec.Command(s.bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(s.t, err, "outdial %s: %s", args[0], stderr.String())
	return string(out)
}

// serve starts a long-running outdial command on the stack, its log in
// the suite's directory under logName.
func (s *stack) serve(command, logName string, args ...string) *process {
	args = append([]string{command, "--database-url", s.dsn, "--temporal-address", s.temporalAddress,
		"--upload-dir", filepath.Join(s.dir, "uploads"), "--log-level", "warn", "--webhook-allow", testDialers}, args...)
	cmd := exec.Command(s.bin, args...)
	cmd.Stdout, cmd.Stderr = s.logFile(logName), s.logFile(logName)
	return startProcess(s.t, cmd)
}

// startWorker starts `outdial worker` under its name, with more flags.
func (s *stack) startWorker(name string, flags ...string) *process {
	return s.serve("worker", name, append([]string{"--worker-name", name, "--metrics-listen", ""}, flags...)...)
}

// logFile is where a process's output goes: the suite's log directory
// when OUTDIAL_FAULTS_LOGS names one (the script keeps it), else the
// test's.
func (s *stack) logFile(name string) *os.File {
	dir := os.Getenv("OUTDIAL_FAULTS_LOGS")
	if dir == "" {
		dir = s.dir
	}
	require.NoError(s.t, os.MkdirAll(dir, 0o755))
	f, err := os.OpenFile(filepath.Join(dir, name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(s.t, err)
	s.t.Cleanup(func() { _ = f.Close() })
	return f
}

// call sends a request with the admin key. err is a transport failure,
// such as the API not answering in time.
func (s *stack) call(method, path string, body any) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(s.t, err)
		rd = bytes.NewReader(b)
	}
	return s.send(method, path, "application/json", rd)
}

func (s *stack) send(method, path, contentType string, body io.Reader) (int, http.Header, []byte, error) {
	api := s.apis[s.turn.Add(1)%uint64(len(s.apis))]
	req, err := http.NewRequest(method, api+path, body)
	require.NoError(s.t, err)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+s.key)
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, raw, err
}

// must sends a request that has to succeed with want, and returns its JSON.
func (s *stack) must(want int, method, path string, body any) map[string]any {
	s.t.Helper()
	status, _, raw, err := s.call(method, path, body)
	require.NoError(s.t, err)
	require.Equal(s.t, want, status, "%s %s: %s", method, path, raw)
	var out map[string]any
	if len(raw) > 0 {
		require.NoError(s.t, json.Unmarshal(raw, &out))
	}
	return out
}

func (s *stack) create(path string, body any) uint64 {
	s.t.Helper()
	return uint64(s.must(http.StatusCreated, http.MethodPost, path, body)["id"].(float64))
}

func (s *stack) start(campaign uint64) {
	s.must(http.StatusOK, http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/start", campaign), nil)
}

// count runs a counting query on the suite's database.
func (s *stack) count(query string, args ...any) int64 {
	var n int64
	require.NoError(s.t, s.db.Raw(query, args...).Row().Scan(&n), query)
	return n
}

// reportingDialer is a webhook dialer as a real one behaves: it places one
// call per idempotency key, and reports each call's outcome to the API a
// moment later, sending it again until the API takes it or refuses it.
type reportingDialer struct {
	srv *httptest.Server
	s   *stack

	mu       sync.Mutex
	requests map[string][]dialer.CallRequest // by idempotency key
	placed   map[string]bool                 // the keys whose call is placed
	reported map[string]string               // attempt to the outcome the API took
	retries  int
	// answered500 and timedOut count the first requests answered so.
	answered500, timedOut int
}

func (d *reportingDialer) misbehaved(timeout bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if timeout {
		d.timedOut++
	} else {
		d.answered500++
	}
}

// contactOf is the contact ID of an attempt ID ("contact-seq").
func contactOf(attempt string) int {
	n, _ := strconv.Atoi(strings.SplitN(attempt, "-", 2)[0])
	return n
}

func newReportingDialer(t *testing.T, s *stack) *reportingDialer {
	d := &reportingDialer{s: s, requests: map[string][]dialer.CallRequest{}, placed: map[string]bool{}, reported: map[string]string{}}
	ctx, cancel := context.WithCancel(context.Background())
	var calls sync.WaitGroup
	d.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var req dialer.CallRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(rw, err.Error(), http.StatusBadRequest)
			return
		}
		key := r.Header.Get(dialer.IdempotencyKeyHeader)
		d.mu.Lock()
		d.requests[key] = append(d.requests[key], req)
		tries := len(d.requests[key])
		d.mu.Unlock()
		// A dialer misbehaves as real ones do: the first request of one
		// attempt in five is answered 500, of another in five only after
		// Outdial's webhook has given up waiting; Outdial sends it again
		// under the same key, and the call is placed once.
		switch seq := contactOf(req.AttemptID) % 5; {
		case tries == 1 && seq == 1:
			d.misbehaved(false)
			http.Error(rw, "dialer busy", http.StatusInternalServerError)
			return
		case tries == 1 && seq == 2:
			d.misbehaved(true)
			select {
			case <-time.After(dialer.DefaultTimeout + time.Second):
			case <-ctx.Done():
			}
		}
		// The call is placed once, by the first request the dialer takes.
		d.mu.Lock()
		first := !d.placed[key]
		d.placed[key] = true
		d.mu.Unlock()
		if first {
			calls.Add(1)
			go func() {
				defer calls.Done()
				d.play(ctx, req.AttemptID)
			}()
		}
		rw.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(func() { cancel(); d.srv.Close(); calls.Wait() })
	return d
}

// play rings for a moment and reports no answer or busy until the API
// answers other than 503 or a transport failure.
func (d *reportingDialer) play(ctx context.Context, attempt string) {
	outcome := "no-answer"
	if rand.IntN(2) == 0 {
		outcome = "busy"
	}
	wait := time.Duration(200+rand.IntN(800)) * time.Millisecond
	for tries := 0; ; tries++ {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		status, _, _, err := d.s.call(http.MethodPost, "/api/v1/attempts/"+attempt+"/telephony-outcome", map[string]any{"outcome": outcome})
		if err == nil && status < 500 {
			d.mu.Lock()
			if status == http.StatusOK {
				d.reported[attempt] = outcome
			}
			d.retries += tries
			d.mu.Unlock()
			return
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// placedTwice counts keys whose requests named different attempts or
// numbers: one key is one call.
func (d *reportingDialer) placedTwice() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	var n int64
	for key, reqs := range d.requests {
		for _, r := range reqs {
			if r.AttemptID != key || r.Number != reqs[0].Number {
				n++
				break
			}
		}
	}
	return n
}

// misapplied counts placed calls whose attempt does not carry the outcome
// the API took for it, or was taken for none.
func (d *reportingDialer) misapplied(s *stack) int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	var n int64
	for key := range d.requests {
		var got string
		err := s.db.Raw("SELECT telephony_outcome FROM attempts WHERE id = ?", key).Row().Scan(&got)
		if want, ok := d.reported[key]; err != nil || !ok || got != want {
			n++
		}
	}
	return n
}
