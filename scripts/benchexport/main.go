// Command benchexport measures exports (make bench-export): it stores a
// list of --rows contacts, half of them with an attempt and its evidence,
// and a list of a tenth as many, then has a real `outdial api` process
// export each, as CSV (contacts and attempts) and as xlsx, and prints each
// export's rows a second and the API's peak RSS. Memory is flat when the
// big list's peak RSS stays within the small list's, measured in the same
// run, plus a margin.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/outdial/outdial/models"
)

// margin is how much more the big list's export may take than the small
// one's and still count as flat.
const margin = 64 << 20

func main() {
	rows := flag.Int("rows", 1_000_000, "contacts in the big list")
	bin := flag.String("outdial", ".bin/outdial", "the outdial binary")
	listen := flag.String("listen", "127.0.0.1:8295", "where the API process listens")
	flag.Parse()
	if err := run(*rows, *bin, *listen); err != nil {
		log.Fatal(err)
	}
}

func run(rows int, bin, listen string) error {
	ctx := context.Background()
	dsn := os.Getenv("OUTDIAL_DATABASE_URL")
	db, err := models.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	small, big, err := seed(ctx, db, rows/10, rows)
	if err != nil {
		return err
	}
	key, err := exec.Command(bin, "keys", "create", "--role", "admin", "--name", "bench-export", "--database-url", dsn).Output()
	if err != nil {
		return fmt.Errorf("make a key: %w", err)
	}
	fmt.Printf("%-34s %10s %10s %10s %12s\n", "export", "rows", "seconds", "rows/s", "API peak RSS")
	type run struct {
		name, path string
		rows       int
		rss        int64
	}
	var runs []run
	for _, l := range []struct {
		id   uint64
		rows int
	}{{small, rows / 10}, {big, rows}} {
		for _, e := range []struct{ name, query string }{{"csv contacts", "?format=csv"}, {"csv attempts", "?format=csv&sheet=attempts"}, {"xlsx (both sheets)", "?format=xlsx"}} {
			path := fmt.Sprintf("/api/v1/lists/%d/export%s", l.id, e.query)
			took, size, rss, err := export(bin, dsn, listen, strings.TrimSpace(string(key)), path)
			if err != nil {
				return err
			}
			n := l.rows
			if strings.Contains(e.query, "attempts") {
				n = l.rows / 2
			}
			name := fmt.Sprintf("%d contacts, %s", l.rows, e.name)
			fmt.Printf("%-34s %10d %10.1f %10.0f %12s   (%s)\n", name, n, took.Seconds(), float64(n)/took.Seconds(), mib(rss), mib(size))
			runs = append(runs, run{e.name, path, l.rows, rss})
		}
	}
	fmt.Printf("\n%-22s %14s %14s %16s %6s\n", "export", "small list RSS", "big list RSS", "limit", "flat")
	for i := range 3 {
		s, b := runs[i], runs[i+3]
		limit := s.rss + margin
		fmt.Printf("%-22s %14s %14s %16s %6v\n", s.name, mib(s.rss), mib(b.rss), "<= "+mib(limit), b.rss <= limit)
	}
	return nil
}

// export starts an API process, fetches path with key, and returns how
// long the answer took, its size, and the process's peak RSS.
func export(bin, dsn, listen, key, path string) (time.Duration, int64, int64, error) {
	api := exec.Command(bin, "api", "--database-url", dsn, "--listen", listen, "--log-level", "warn", "--key-rate", "0")
	api.Stderr = os.Stderr
	if err := api.Start(); err != nil {
		return 0, 0, 0, err
	}
	defer func() { _ = api.Process.Kill() }()
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get("http://" + listen + "/healthz")
		if err == nil {
			_ = resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			return 0, 0, 0, fmt.Errorf("the API did not start: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	req, err := http.NewRequest(http.MethodGet, "http://"+listen+path, nil)
	if err != nil {
		return 0, 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, 0, err
	}
	size, err := io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	took := time.Since(start)
	if err != nil {
		return 0, 0, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, 0, 0, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	_ = api.Process.Signal(syscall.SIGTERM)
	_ = api.Wait()
	var rss int64
	if ru, ok := api.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss * 1024
	}
	return took, size, rss, nil
}

// seed stores a campaign with two lists of small and big contacts, each
// with two numbers and three attributes, every other one with an attempt
// and its evidence, and returns the lists' IDs.
func seed(ctx context.Context, db *models.DB, small, big int) (uint64, uint64, error) {
	var zone, campaign uint64
	if err := db.Pool.QueryRow(ctx, `INSERT INTO time_zones (display_name, iana_zone) VALUES ('(UTC-06:00) Central Time (US and Canada)', 'America/Chicago') RETURNING id`).Scan(&zone); err != nil {
		return 0, 0, fmt.Errorf("seed time zone: %w", err)
	}
	if err := db.Pool.QueryRow(ctx, `INSERT INTO campaigns (name, pacing_mode, time_zone_id) VALUES ('bench-export', 'preview', $1) RETURNING id`, zone).Scan(&campaign); err != nil {
		return 0, 0, fmt.Errorf("seed campaign: %w", err)
	}
	evidence, err := json.Marshal(map[string]any{"mode": "Mobile", "zones": []any{map[string]any{"zone": "America/Chicago", "of": "number",
		"windows": []any{map[string]any{"what": "campaign hours", "open": true}}}}, "dnc": map[string]any{"lists": []string{"National"}}})
	if err != nil {
		return 0, 0, err
	}
	var ids []uint64
	for _, n := range []int{small, big} {
		var list uint64
		if err := db.Pool.QueryRow(ctx, `INSERT INTO contact_lists (campaign_id, file_name, status, end_time) VALUES ($1, 'bench.csv', 'active', now() + interval '1 year') RETURNING id`, campaign).Scan(&list); err != nil {
			return 0, 0, fmt.Errorf("seed list: %w", err)
		}
		start := time.Now()
		_, err := db.Pool.CopyFrom(ctx, pgx.Identifier{"contacts"}, []string{"campaign_id", "list_id", "row_number", "external_key", "attributes", "numbers", "time_zone", "status", "attempt_count"},
			pgx.CopyFromSlice(n, func(i int) ([]any, error) {
				numbers := fmt.Sprintf(`[{"mode":"Mobile","number":"+1469%07d","time_zone":"America/Chicago"},{"mode":"Home","number":"+1214%07d","time_zone":"America/Chicago"}]`, i, i)
				attrs := fmt.Sprintf(`{"Name":"Contact %d","City":"Dallas","Note":"=note %d"}`, i, i)
				return []any{campaign, list, int64(i + 1), fmt.Sprintf("ACC%d-%d", list, i), attrs, numbers, "America/Chicago", "closed", i % 2}, nil
			}))
		if err != nil {
			return 0, 0, fmt.Errorf("seed contacts: %w", err)
		}
		if _, err := db.Pool.Exec(ctx, `INSERT INTO attempts (id, contact_id, campaign_id, seq, mode, number, agent, started_at, ended_at,
			telephony_outcome, business_outcome, decision, evidence)
			SELECT c.id || '-1', c.id, c.campaign_id, 1, 'Mobile', '+1469' || lpad(c.row_number::text, 7, '0'), '7', now() - interval '1 hour',
				now() - interval '58 minutes', 'voice', 'Sale', 'close: Sale', $2::jsonb
			FROM contacts c WHERE c.list_id = $1 AND c.attempt_count = 1`, list, evidence); err != nil {
			return 0, 0, fmt.Errorf("seed attempts: %w", err)
		}
		fmt.Printf("stored list %d: %d contacts and %d attempts in %s\n", list, n, n/2, time.Since(start).Round(time.Second))
		ids = append(ids, list)
	}
	if _, err := db.Pool.Exec(ctx, `VACUUM (ANALYZE) contacts, attempts`); err != nil {
		return 0, 0, fmt.Errorf("vacuum: %w", err)
	}
	return ids[0], ids[1], nil
}

func mib(b int64) string { return fmt.Sprintf("%d MiB", b>>20) }
