// Command benchimport is `make bench-import`: it generates a million-row
// contact list as CSV and as xlsx, imports each through the real pipeline
// (API, workflow, worker process, PostgreSQL), and prints rows/s and the
// worker's peak RSS beside limits measured in the same run on the same data:
// (a) COPY of the already-clean rows into the contacts table, (b) normalising
// every number of the file on all cores, (c) a bare excelize read of the xlsx;
// and the CPU time each import took in the worker and in PostgreSQL.
//
// It expects OUTDIAL_DATABASE_URL (an empty, migrated database) and
// OUTDIAL_TEMPORAL_ADDRESS, as scripts/bench-import.sh sets them.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"

	"github.com/outdial/outdial/internal/listgen"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/phone"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "bare-xlsx" {
		if err := bareXLSX(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	rows := flag.Int("rows", 1_000_000, "rows in the generated files")
	bin := flag.String("outdial", ".bin/outdial", "the outdial binary")
	dir := flag.String("dir", ".data/bench", "where the generated files go")
	flag.Parse()
	if err := run(context.Background(), *rows, *bin, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "bench-import:", err)
		os.Exit(1)
	}
}

type result struct {
	rowsPerSec float64
	peakRSS    int64 // bytes
	// CPU time the import took in the worker and in PostgreSQL: steadier
	// than rows/s on a shared machine, for comparing changes.
	workerCPU, postgresCPU time.Duration
}

func run(ctx context.Context, rows int, bin, dir string) error {
	dsn := os.Getenv("OUTDIAL_DATABASE_URL")
	temporal := os.Getenv("OUTDIAL_TEMPORAL_ADDRESS")
	if dsn == "" || temporal == "" {
		return fmt.Errorf("OUTDIAL_DATABASE_URL and OUTDIAL_TEMPORAL_ADDRESS must be set (make bench-import sets them)")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	csvPath, xlsxPath := filepath.Join(dir, "contacts.csv"), filepath.Join(dir, "contacts.xlsx")
	fmt.Printf("generating %d rows as CSV and xlsx in %s\n", rows, dir)
	if err := writeFile(csvPath, func(w io.Writer) error { return listgen.WriteCSV(w, rows) }); err != nil {
		return err
	}
	if err := writeFile(xlsxPath, func(w io.Writer) error { return listgen.WriteXLSX(w, rows) }); err != nil {
		return err
	}
	db, err := models.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()

	port, err := freePort()
	if err != nil {
		return err
	}
	apiURL := fmt.Sprintf("http://127.0.0.1:%d", port)
	env := append(os.Environ(), "OUTDIAL_DATABASE_URL="+dsn, "OUTDIAL_TEMPORAL_ADDRESS="+temporal,
		"OUTDIAL_TASK_QUEUE=bench-import", "OUTDIAL_UPLOAD_DIR="+filepath.Join(dir, "uploads"), "OUTDIAL_LOG_LEVEL="+envOr("BENCH_LOG_LEVEL", "warn"),
		fmt.Sprintf("OUTDIAL_LISTEN=127.0.0.1:%d", port), "OUTDIAL_MAX_UPLOAD_MB=2000")
	apiProc := exec.Command(bin, "api")
	apiProc.Env, apiProc.Stdout, apiProc.Stderr = env, os.Stderr, os.Stderr
	if err := apiProc.Start(); err != nil {
		return fmt.Errorf("start api: %w", err)
	}
	defer func() { _ = apiProc.Process.Kill(); _ = apiProc.Wait() }()
	c := &client{base: apiURL + "/api/v1"}
	if err := c.waitReady(ctx, apiURL+"/readyz"); err != nil {
		return err
	}
	if err := setUp(ctx, c, db, rows); err != nil {
		return err
	}

	// Each import is measured next to the limit that bounds it, since this
	// machine's speed drifts over minutes.
	csvRes, err := importOnce(ctx, c, db, bin, env, 1, csvPath, rows)
	if err != nil {
		return fmt.Errorf("import csv: %w", err)
	}
	if err := settle(ctx, db); err != nil {
		return err
	}
	copyRate, err := copyLimit(ctx, db)
	if err != nil {
		return err
	}
	if err := settle(ctx, db); err != nil {
		return err
	}
	xlsxRes, err := importOnce(ctx, c, db, bin, env, 2, xlsxPath, rows)
	if err != nil {
		return fmt.Errorf("import xlsx: %w", err)
	}
	bare, err := bareLimit(xlsxPath)
	if err != nil {
		return err
	}
	normRate := normaliseLimit(rows)

	csvLimit := min(copyRate, normRate)
	xlsxLimit := min(copyRate, normRate, bare.rowsPerSec)
	fmt.Printf("\nmake bench-import: %d rows, 3 number columns (10%% duplicates, 5%% DNC, 2%% invalid), %d cores\n", rows, runtime.NumCPU())
	fmt.Printf("%-44s %12s\n", "limit", "rows/s")
	fmt.Printf("%-44s %12.0f\n", "(a) COPY of the clean rows into contacts", copyRate)
	fmt.Printf("%-44s %12.0f\n", "(b) normalise every number, all cores", normRate)
	fmt.Printf("%-44s %12.0f   peak RSS %s\n", "(c) bare excelize read of the xlsx", bare.rowsPerSec, mib(bare.peakRSS))
	fmt.Printf("\n%-6s %12s %12s %8s %8s %14s %16s %6s\n", "import", "rows/s", "limit", "share", "target", "worker RSS", "RSS target", "met")
	report := func(name string, r result, limit float64, rssTarget int64) {
		share := r.rowsPerSec / limit
		met := share >= 0.6 && r.peakRSS <= rssTarget
		fmt.Printf("%-6s %12.0f %12.0f %7.0f%% %8s %14s %16s %6v\n", name, r.rowsPerSec, limit, 100*share, ">=60%", mib(r.peakRSS), "<= "+mib(rssTarget), met)
	}
	report("csv", csvRes, csvLimit, 300<<20)
	report("xlsx", xlsxRes, xlsxLimit, bare.peakRSS+100<<20)
	fmt.Printf("\n%-6s %14s %16s\n", "import", "worker CPU", "PostgreSQL CPU")
	for _, r := range []struct {
		name string
		res  result
	}{{"csv", csvRes}, {"xlsx", xlsxRes}} {
		fmt.Printf("%-6s %14s %16s\n", r.name, r.res.workerCPU.Round(100*time.Millisecond), r.res.postgresCPU.Round(100*time.Millisecond))
	}
	return nil
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// setUp creates three modes, a zone, two campaigns and the DNC list holding
// the generated DNC numbers.
func setUp(ctx context.Context, c *client, db *models.DB, rows int) error {
	for _, m := range []string{"Mobile", "Home", "Office"} {
		if err := c.post(ctx, "/modes", map[string]any{"name": m, "min_length": 8, "max_length": 16}, nil); err != nil {
			return err
		}
	}
	if err := c.post(ctx, "/timezones", map[string]any{"display_name": "(UTC-06:00) Central Time (US and Canada)"}, nil); err != nil {
		return err
	}
	for _, name := range []string{"bench-csv", "bench-xlsx"} {
		if err := c.post(ctx, "/campaigns", map[string]any{"name": name, "pacing_mode": "preview", "time_zone_id": 1}, nil); err != nil {
			return err
		}
	}
	if err := c.post(ctx, "/dnc-lists", map[string]any{"name": "National", "category": "ndnc"}, nil); err != nil {
		return err
	}
	var entries [][]any
	for _, n := range listgen.DNCNumbers(rows) {
		e164, err := phone.Normalize(n, "US")
		if err != nil {
			return err
		}
		entries = append(entries, []any{1, e164})
	}
	_, err := db.Pool.CopyFrom(ctx, pgx.Identifier{"dnc_entries"}, []string{"dnc_list_id", "number"}, pgx.CopyFromRows(entries))
	return err
}

// importOnce runs a fresh worker process, uploads the file and waits for
// the list; the rate counts from the upload's start to the import's end.
func importOnce(ctx context.Context, c *client, db *models.DB, bin string, env []string, campaign int, path string, rows int) (result, error) {
	pgBefore, err := postgresCPU(ctx, db)
	if err != nil {
		return result{}, err
	}
	worker := exec.Command(bin, "worker")
	worker.Env, worker.Stdout, worker.Stderr = env, os.Stderr, os.Stderr
	if err := worker.Start(); err != nil {
		return result{}, fmt.Errorf("start worker: %w", err)
	}
	start := time.Now()
	list, err := c.upload(ctx, campaign, path)
	if err != nil {
		_ = worker.Process.Kill()
		return result{}, err
	}
	for list.Status == "importing" {
		time.Sleep(200 * time.Millisecond)
		if err := c.get(ctx, fmt.Sprintf("/lists/%d", list.ID), &list); err != nil {
			return result{}, err
		}
	}
	took := time.Since(start)
	_ = worker.Process.Signal(syscall.SIGTERM)
	_ = worker.Wait()
	if list.Status != "active" {
		return result{}, fmt.Errorf("list %d ended %s: %s", list.ID, list.Status, list.Error)
	}
	fmt.Printf("%s: %d rows in %s; processed %d uploaded %d failed %d duplicate %d dnc %d\n", filepath.Base(path), rows, took.Round(time.Millisecond),
		list.Stats.Processed, list.Stats.Uploaded, list.Stats.Failed, list.Stats.Duplicate, list.Stats.DNCSuppressed)
	want := listgen.Expect(rows)
	if list.Stats.Uploaded != want.Uploaded || list.Stats.Duplicate != want.Duplicate || list.Stats.Failed != want.Failed || list.Stats.DNCSuppressed != want.DNCSuppressed {
		return result{}, fmt.Errorf("statistics %+v differ from the expected %+v", list.Stats, want)
	}
	pgAfter, err := postgresCPU(ctx, db)
	if err != nil {
		return result{}, err
	}
	return result{rowsPerSec: float64(rows) / took.Seconds(), peakRSS: maxRSS(worker.ProcessState),
		workerCPU: worker.ProcessState.UserTime() + worker.ProcessState.SystemTime(), postgresCPU: pgAfter - pgBefore}, nil
}

// settle vacuums and analyses the tables a million rows just went into,
// which autovacuum would otherwise do in the middle of the next measurement.
func settle(ctx context.Context, db *models.DB) error {
	if _, err := db.Pool.Exec(ctx, `VACUUM (ANALYZE) contacts, contact_numbers, list_rejections`); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	return nil
}

// postgresCPU is the CPU time the PostgreSQL cluster has used: its
// postmaster's, that of the children it reaped, and that of those running.
func postgresCPU(ctx context.Context, db *models.DB) (time.Duration, error) {
	var backend int
	if err := db.Pool.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		return 0, fmt.Errorf("postgres pid: %w", err)
	}
	self, err := procStat(backend)
	if err != nil {
		return 0, err
	}
	postmaster := self.ppid
	total := time.Duration(0)
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := procStat(pid)
		switch {
		case err != nil: // gone meanwhile
		case pid == postmaster:
			total += st.cpu + st.childrenCPU
		case st.ppid == postmaster:
			total += st.cpu
		}
	}
	return total, nil
}

type procStatus struct {
	ppid             int
	cpu, childrenCPU time.Duration
}

// procStat reads a process's parent and CPU times from /proc/PID/stat;
// the kernel counts them in ticks of 1/100 s.
func procStat(pid int) (procStatus, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStatus{}, err
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 15 {
		return procStatus{}, fmt.Errorf("/proc/%d/stat has %d fields", pid, len(f))
	}
	num := func(i int) int64 { n, _ := strconv.ParseInt(f[i], 10, 64); return n }
	tick := func(n int64) time.Duration { return time.Duration(n) * 10 * time.Millisecond }
	// f[0] is the state; ppid, utime, stime, cutime, cstime are fields 4, 14-17 of stat.
	return procStatus{ppid: int(num(1)), cpu: tick(num(11) + num(12)), childrenCPU: tick(num(13) + num(14))}, nil
}

func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss * 1024
	}
	return 0
}

// copyLimit copies the clean rows the CSV import stored into the same table
// again, as a new list, and times the COPY alone.
func copyLimit(ctx context.Context, db *models.DB) (float64, error) {
	rows, err := db.Pool.Query(ctx, `SELECT campaign_id, row_number, external_key, attributes::text, numbers::text, time_zone FROM contacts WHERE list_id = 1`)
	if err != nil {
		return 0, err
	}
	var clean [][]any
	for rows.Next() {
		var campaign, row int64
		var key, attrs, numbers, zone string
		if err := rows.Scan(&campaign, &row, &key, &attrs, &numbers, &zone); err != nil {
			return 0, err
		}
		clean = append(clean, []any{campaign, row, key, json.RawMessage(attrs), json.RawMessage(numbers), zone, "new"})
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var listID int64
	if err := db.Pool.QueryRow(ctx, `INSERT INTO contact_lists (campaign_id, status, end_time) VALUES (1, 'stopped', now()) RETURNING id`).Scan(&listID); err != nil {
		return 0, err
	}
	withList := make([][]any, len(clean))
	for i, r := range clean {
		withList[i] = append([]any{r[0], listID}, r[1:]...)
	}
	start := time.Now()
	n, err := db.Pool.CopyFrom(ctx, pgx.Identifier{"contacts"}, []string{"campaign_id", "list_id", "row_number", "external_key", "attributes", "numbers", "time_zone", "status"}, pgx.CopyFromRows(withList))
	if err != nil {
		return 0, err
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// normaliseLimit normalises every number cell of the file on all cores.
func normaliseLimit(rows int) float64 {
	cells := make([]string, 0, rows*3)
	for i := range rows {
		r := listgen.Row(i)
		cells = append(cells, r[1], r[2], r[3])
	}
	workers := runtime.GOMAXPROCS(0)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(cells); i += workers {
				_, _ = phone.Normalize(cells[i], "US")
			}
		})
	}
	wg.Wait()
	return float64(rows) / time.Since(start).Seconds()
}

// bareLimit runs the bare xlsx read in a process of its own, for its RSS.
func bareLimit(path string) (result, error) {
	self, err := os.Executable()
	if err != nil {
		return result{}, err
	}
	cmd := exec.Command(self, "bare-xlsx", path)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return result{}, fmt.Errorf("bare xlsx read: %w", err)
	}
	var rate float64
	if _, err := fmt.Sscan(out.String(), &rate); err != nil {
		return result{}, fmt.Errorf("bare xlsx read printed %q", out.String())
	}
	return result{rowsPerSec: rate, peakRSS: maxRSS(cmd.ProcessState)}, nil
}

// bareXLSX reads every row with excelize's streaming iterator and does
// nothing with it; it prints rows/s.
func bareXLSX(path string) error {
	start := time.Now()
	f, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	rows, err := f.Rows(f.GetSheetName(0))
	if err != nil {
		return err
	}
	n := 0
	for rows.Next() {
		if _, err := rows.Columns(); err != nil {
			return err
		}
		n++
	}
	if err := rows.Close(); err != nil {
		return err
	}
	fmt.Println(float64(n-1) / time.Since(start).Seconds())
	return nil
}

// client is the few API calls the benchmark makes.
type client struct{ base string }

func (c *client) waitReady(ctx context.Context, url string) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("the API at %s did not become ready", url)
}

func (c *client) post(ctx context.Context, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	return do(req, out)
}

func (c *client) get(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	return do(req, out)
}

type listView struct {
	ID     uint64 `json:"id"`
	Status string `json:"status"`
	Error  string `json:"error"`
	Stats  struct {
		Processed, Uploaded, Failed, Duplicate int64
		DNCSuppressed                          int64 `json:"dnc_suppressed"`
	} `json:"stats"`
}

func (c *client) upload(ctx context.Context, campaign int, path string) (listView, error) {
	f, err := os.Open(path)
	if err != nil {
		return listView{}, err
	}
	defer func() { _ = f.Close() }()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := mw.WriteField("mapping", listgen.Mapping)
		if err == nil {
			var fw io.Writer
			if fw, err = mw.CreateFormFile("file", filepath.Base(path)); err == nil {
				if _, err = io.Copy(fw, f); err == nil {
					err = mw.Close()
				}
			}
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("%s/campaigns/%d/lists", c.base, campaign), pr)
	if err != nil {
		return listView{}, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var v listView
	return v, do(req, &v)
}

func do(req *http.Request, out any) error {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, resp.Status, b)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
