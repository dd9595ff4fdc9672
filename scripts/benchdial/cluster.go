package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"go.temporal.io/sdk/client"

	"github.com/outdial/outdial/api"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/models"
)

// clusterOptions are `make bench-cluster`'s: the outdial binary whose
// `worker` processes dial, and the processes whose CPU time it reads.
type clusterOptions struct {
	outdial                string
	workers                []int
	serverPID, postgresPID int
	contacts, agents       int
}

// simulatedAtOnce is bench-dial's world for `outdial worker --simulator`:
// every call answered and wrapped up with a closing code at once.
const simulatedAtOnce = `{"outcomes": {"voice": 1}, "business": {"Sale": 1}, "speed": 1}`

// runCluster is `make bench-cluster`: bench-dial's campaign dialed by one
// `outdial worker` process, then by two, against a Temporal server on
// PostgreSQL, with the bare-workflow limit measured on the same server
// before and after, and the CPU time of each process per 1,000 attempts.
func runCluster(ctx context.Context, o clusterOptions) error {
	db, tc, done, err := connect(ctx, "bench-cluster")
	if err != nil {
		return err
	}
	defer done()

	before, err := bareRun(ctx, tc, o.contacts/2, o.agents)
	if err != nil {
		return err
	}
	fmt.Printf("bare workflows before: %.1f attempts/s\n", float64(o.contacts/2)/before.Seconds())
	var runs []clusterRun
	for _, n := range o.workers {
		r, err := o.dial(ctx, db, tc, n)
		if err != nil {
			return err
		}
		runs = append(runs, r)
	}
	after, err := bareRun(ctx, tc, o.contacts-o.contacts/2, o.agents)
	if err != nil {
		return err
	}
	fmt.Printf("bare workflows after: %.1f attempts/s\n", float64(o.contacts-o.contacts/2)/after.Seconds())
	bare := float64(o.contacts) / (before + after).Seconds()

	fmt.Printf("\nmake bench-cluster: %d contacts, %d agents, lines per agent 1, outcomes at once; Temporal server on PostgreSQL\n",
		o.contacts, o.agents)
	fmt.Printf("%-8s %10s %8s %7s   %-44s\n", "workers", "attempts/s", "limit", "share", "CPU seconds per 1,000 attempts")
	fmt.Printf("%-8s %10s %8s %7s   %9s %9s %11s %9s\n", "", "", "", "", "server", "workers", "PostgreSQL", "total")
	for _, r := range runs {
		per := func(s float64) float64 { return 1000 * s / float64(o.contacts) }
		fmt.Printf("%-8d %10.1f %8.1f %6.0f%%   %9.1f %9.1f %11.1f %9.1f\n", r.workers, r.rate, bare, 100*r.rate/bare,
			per(r.cpu.server), per(r.cpu.workers), per(r.cpu.postgres), per(r.cpu.server+r.cpu.workers+r.cpu.postgres))
	}
	if len(runs) >= 2 {
		fmt.Printf("scaling, %d workers against %d: %.2f\n", runs[len(runs)-1].workers, runs[0].workers, runs[len(runs)-1].rate/runs[0].rate)
	}
	fmt.Printf("this machine: %d cores, shared by the server, the workers and PostgreSQL\n", runtime.NumCPU())
	return nil
}

type clusterRun struct {
	workers int
	rate    float64
	cpu     cpuSeconds
}

// cpuSeconds is CPU time (user and system) spent by each kind of process.
type cpuSeconds struct{ server, workers, postgres float64 }

// dial runs the campaign with n worker processes and measures it.
func (o clusterOptions) dial(ctx context.Context, db *models.DB, tc client.Client, n int) (clusterRun, error) {
	name := fmt.Sprintf("cluster-%d", n)
	queue := "bench-" + name
	var procs []*exec.Cmd
	defer func() {
		for _, p := range procs {
			_ = p.Process.Signal(syscall.SIGTERM)
			_ = p.Wait()
		}
	}()
	for i := range n {
		cmd := exec.Command(o.outdial, "worker", "--worker-name", fmt.Sprintf("%s-%d", name, i+1), "--task-queue", queue,
			"--metrics-listen", "", "--simulator", simulatedAtOnce, "--spread-contacts", "--log-level", "warn")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			return clusterRun{}, fmt.Errorf("start worker %d: %w", i+1, err)
		}
		procs = append(procs, cmd)
	}
	// The API runs here, on the workers' task queue; it only sets up and
	// starts the campaign: the pacer and the dials are the workers'.
	srv := httptest.NewServer((&api.Server{Keyless: &models.APIKey{Name: "bench", Role: models.RoleAdmin}, Log: slog.New(slog.DiscardHandler),
		Services: services.New(db, tc, queue)}).Handler())
	defer srv.Close()
	c, err := setUpCampaign(ctx, srv.URL, name, o.contacts, o.agents)
	if err != nil {
		return clusterRun{}, err
	}
	cpuAt := func() (cpuSeconds, error) {
		var s cpuSeconds
		var err error
		if s.server, err = cpuOf(o.serverPID, false); err != nil {
			return s, err
		}
		if s.postgres, err = cpuOf(o.postgresPID, true); err != nil {
			return s, err
		}
		for _, p := range procs {
			w, err := cpuOf(p.Process.Pid, false)
			if err != nil {
				return s, err
			}
			s.workers += w
		}
		return s, nil
	}
	startCPU, err := cpuAt()
	if err != nil {
		return clusterRun{}, err
	}
	took, err := c.runToEnd(ctx, db, name, o.contacts)
	if err != nil {
		return clusterRun{}, err
	}
	endCPU, err := cpuAt()
	if err != nil {
		return clusterRun{}, err
	}
	return clusterRun{workers: n, rate: float64(o.contacts) / took.Seconds(), cpu: cpuSeconds{
		server: endCPU.server - startCPU.server, workers: endCPU.workers - startCPU.workers, postgres: endCPU.postgres - startCPU.postgres}}, nil
}

// cpuOf reads a process's CPU seconds from /proc; with children, those of
// its children too, live (PostgreSQL's backends) and ended.
func cpuOf(pid int, children bool) (float64, error) {
	const ticks = 100 // USER_HZ on Linux
	fields := func(pid int) ([]string, error) {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return nil, err
		}
		s := string(raw)
		return strings.Fields(s[strings.LastIndexByte(s, ')')+2:]), nil // from field 3, state
	}
	sum := func(f []string, from, to int) float64 {
		var t float64
		for i := from; i <= to; i++ {
			v, _ := strconv.ParseFloat(f[i-3], 64)
			t += v
		}
		return t / ticks
	}
	f, err := fields(pid)
	if err != nil {
		return 0, fmt.Errorf("read the CPU time of process %d: %w", pid, err)
	}
	if !children {
		return sum(f, 14, 15), nil // utime, stime
	}
	total := sum(f, 14, 17) // and cutime, cstime: children it has waited for
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if cf, err := fields(child); err == nil && cf[1] == strconv.Itoa(pid) {
			total += sum(cf, 14, 15)
		}
	}
	return total, nil
}
