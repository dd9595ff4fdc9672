package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/outdial/outdial/api"
	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/internal/listimport"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
)

// buildOutdial builds this command for tests that run it as a process of
// its own, to kill it as an operator would.
func buildOutdial(t *testing.T) string {
	bin := filepath.Join(t.TempDir(), "outdial")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	return bin
}

// testDialers is where the tests' webhook dialers listen: loopback, which
// webhooks may reach only when allowed.
const testDialers = "127.0.0.1"

// process is a command the test runs, as `outdial worker` or a server.
type process struct {
	cmd *exec.Cmd
	// exited is closed once the process is gone; state is then how it ended.
	exited chan struct{}
	state  *os.ProcessState
}

// startWorkerProcess runs `outdial worker` from bin on the test's database
// dsn and Temporal server, polling queue, with env added to the test's
// environment. The end of the test kills it.
func startWorkerProcess(t *testing.T, bin, dsn, queue, uploads string, env ...string) *process {
	cmd := workerCommand(t, bin, dsn, queue, uploads)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return startProcess(t, cmd)
}

// workerCommand is `outdial worker` from bin on the test's database dsn and
// Temporal server, polling queue, logging warnings, with args added.
func workerCommand(t *testing.T, bin, dsn, queue, uploads string, args ...string) *exec.Cmd {
	return exec.Command(bin, append([]string{"worker", "--database-url", dsn, "--temporal-address", testenv.TemporalAddress(t),
		"--task-queue", queue, "--log-level", "warn", "--upload-dir", uploads, "--webhook-allow", testDialers, "--metrics-listen", ""}, args...)...)
}

// startProcess starts cmd; the end of the test kills it, and so does the
// test process's death where the platform allows (a timed-out test runs
// no cleanup).
func startProcess(t *testing.T, cmd *exec.Cmd) *process {
	cmd.SysProcAttr = childAttr()
	require.NoError(t, cmd.Start(), "start %s", cmd.Path)
	w := &process{cmd: cmd, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait() // a killed process's error says only that
		w.state = cmd.ProcessState
		close(w.exited)
	}()
	t.Cleanup(func() { w.kill(t) })
	return w
}

// kill sends SIGKILL, which leaves the process no chance to clean up, and
// waits for it to be gone.
func (w *process) kill(t *testing.T) {
	if err := w.cmd.Process.Kill(); err != nil {
		select {
		case <-w.exited: // it was gone already
		default:
			require.NoError(t, err)
		}
	}
	w.wait(t, time.Minute)
}

// wait waits at most within for the process to end, and returns how it did.
func (w *process) wait(t *testing.T, within time.Duration) *os.ProcessState {
	select {
	case <-w.exited:
		return w.state
	case <-time.After(within):
		require.FailNow(t, "the process did not exit", "%s, within %s", w.cmd.Path, within)
		return nil
	}
}

// testAPI is the API in the test's own process, over the test's database
// and Temporal, starting workflows on a worker's queue.
type testAPI struct {
	t   *testing.T
	url string
}

func newTestAPI(t *testing.T, db *models.DB, tc client.Client, queue, uploads string) *testAPI {
	svc := services.New(db, tc, queue)
	allow, err := dialer.ParseAllow(testDialers)
	require.NoError(t, err)
	svc.Webhooks = &dialer.Targets{Allow: allow}
	s := &api.Server{Keyless: &models.APIKey{Name: "test", Role: models.RoleAdmin}, Services: svc, Log: slog.New(slog.DiscardHandler),
		Uploads: api.Uploads{Dir: uploads, Limits: listimport.DefaultLimits}}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &testAPI{t: t, url: srv.URL}
}

// call sends body as JSON and returns the answer's status and JSON object.
func (a *testAPI) call(method, path string, body any) (int, map[string]any) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(a.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.url+path, rd)
	require.NoError(a.t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(a.t, err)
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(a.t, err)
	var out map[string]any
	if len(bytes.TrimSpace(raw)) > 0 {
		require.NoError(a.t, json.Unmarshal(raw, &out), "answer of %s %s: %s", method, path, raw)
	}
	return resp.StatusCode, out
}

// create posts an object and returns its ID.
func (a *testAPI) create(path string, body any) uint64 {
	a.t.Helper()
	status, out := a.call(http.MethodPost, path, body)
	require.Equal(a.t, http.StatusCreated, status, "POST %s: %v", path, out)
	return uint64(out["id"].(float64))
}
