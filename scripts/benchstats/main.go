// Command benchstats measures how long a campaign's and a list's
// statistics take at a million contacts: it fills an empty, migrated
// database with one campaign, one list of --rows contacts in every status
// and about 1.5 attempts per attempted contact, then reads the statistics
// as the API does and prints the times. make bench-stats runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/outdial/outdial/internal/stats"
	"github.com/outdial/outdial/models"
)

func main() {
	url := flag.String("database-url", os.Getenv("OUTDIAL_DATABASE_URL"), "an empty, migrated database")
	rows := flag.Int("rows", 1_000_000, "contacts in the list")
	runs := flag.Int("runs", 5, "reads of each statistics")
	flag.Parse()
	if err := run(context.Background(), *url, *rows, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "benchstats:", err)
		os.Exit(1)
	}
}

// fill is the campaign and its list: contacts spread over the statuses,
// three of every four attempted, and their attempts over the last 20 days.
const (
	fillZone     = `INSERT INTO time_zones (display_name, iana_zone) VALUES ('(UTC-06:00) Central Time (US and Canada)', 'America/Chicago')`
	fillCampaign = `INSERT INTO campaigns (name, time_zone_id, pacing_mode, status) VALUES ('bench', 1, 'progressive', 'active')`
	fillList     = `INSERT INTO contact_lists (campaign_id, status, end_time) VALUES (1, 'active', now() + interval '30 days')`
	fillContacts = `INSERT INTO contacts (campaign_id, list_id, row_number, time_zone, status, attempt_count, waiting_reason, closed_reason, closed_at)
SELECT 1, 1, i, 'America/Chicago',
       (ARRAY['new', 'scheduled', 'scheduled', 'closed', 'closed', 'ready', 'closed', 'closed'])[1 + i % 8],
       CASE WHEN i % 8 IN (0, 5) THEN 0 ELSE 1 + i % 2 END,
       CASE WHEN i % 8 IN (1, 2) THEN (ARRAY['answer-machine retried 1 of 1 time(s); due in 15m0s',
            'outside daily window 08:00–21:00 (America/Chicago)', 'frequency cap reached: 3 attempts to +1469' || i || ' in 24h0m0s, across campaigns'])[1 + i % 3] ELSE '' END,
       CASE WHEN i % 8 IN (3, 4, 6, 7) THEN (ARRAY['Sale closes the contact', 'voice has no retry left (max retry 1); the rule closes the contact'])[1 + i % 2] ELSE '' END,
       CASE WHEN i % 8 IN (3, 4, 6, 7) THEN now() END
FROM generate_series(1, CAST(@rows AS bigint)) i`
	fillAttempts = `INSERT INTO attempts (id, contact_id, campaign_id, seq, mode, number, started_at, dial_accepted_at, ended_at, answered_at, connected_at, telephony_outcome, business_outcome)
SELECT c.id || '-' || s, c.id, 1, s, 'Mobile', '+1469' || c.id, t, t, t + interval '1 minute',
       CASE WHEN o IN ('voice', 'abandoned') THEN t + interval '10 seconds' END,
       CASE WHEN o = 'voice' THEN t + interval '10 seconds' + (c.id % 3) * interval '1 second' END,
       o, CASE WHEN o = 'voice' THEN (ARRAY['Sale', 'Callback Requested'])[1 + c.id % 2] ELSE '' END
FROM contacts c, generate_series(1, c.attempt_count) s,
     LATERAL (SELECT now() - ((c.id * 7 + s) % 28800) * interval '1 minute' AS t,
                     (ARRAY['voice', 'answer-machine', 'no-answer', 'busy', 'voice', 'abandoned', 'voice'])[1 + (c.id + s) % 7] AS o) x`
)

func run(ctx context.Context, url string, rows, runs int) error {
	db, err := models.Open(ctx, url)
	if err != nil {
		return err
	}
	start := time.Now()
	tx := db.WithContext(ctx)
	steps := []func() error{
		func() error { return tx.Exec(fillZone).Error },
		func() error { return tx.Exec(fillCampaign).Error },
		func() error { return tx.Exec(fillList).Error },
		func() error { return tx.Exec(fillContacts, map[string]any{"rows": rows}).Error },
		func() error { return tx.Exec(fillAttempts).Error },
		func() error { return tx.Exec(`ANALYZE`).Error },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("fill: %w", err)
		}
	}
	var attempts int64
	if err := db.WithContext(ctx).Raw(`SELECT count(*) FROM attempts`).Scan(&attempts).Error; err != nil {
		return err
	}
	fmt.Printf("filled %d contacts and %d attempts in %s\n", rows, attempts, time.Since(start).Round(time.Millisecond))
	s := &stats.Service{DB: db}
	r := stats.DefaultRange(time.Now())
	for _, read := range []struct {
		name string
		read func(context.Context, uint64, stats.Range) (*stats.Stats, error)
	}{{"campaign", s.Campaign}, {"list", s.List}} {
		var took []time.Duration
		var last *stats.Stats
		for range runs {
			t := time.Now()
			if last, err = read.read(ctx, 1, r); err != nil {
				return fmt.Errorf("%s statistics: %w", read.name, err)
			}
			took = append(took, time.Since(t))
		}
		slices.Sort(took)
		fmt.Printf("%s statistics of %d contacts, %d attempts: median %s, fastest %s, slowest %s (%d reads; abandon rate %.1f%% of %d answered in the period)\n",
			read.name, last.Contacts.Total, last.Attempts.Total, took[len(took)/2].Round(time.Millisecond), took[0].Round(time.Millisecond),
			took[len(took)-1].Round(time.Millisecond), runs, 100*last.Abandon.Period.Rate, last.Abandon.Period.Answered)
	}
	return pacerCounts(ctx, db, s, runs)
}

// pacerCounts times a predictive pass's abandon counts: the first read
// counts the period whole, as every pass did before the ledger kept it;
// the passes after it read the last hour.
func pacerCounts(ctx context.Context, db *models.DB, s *stats.Service, runs int) error {
	c, err := models.Find[models.Campaign](ctx, db.DB, "campaign", 1)
	if err != nil {
		return err
	}
	ledger := &stats.Ledger{Stats: s}
	t := time.Now()
	if _, err := ledger.Rates(ctx, c, time.Now()); err != nil {
		return fmt.Errorf("pacer's abandon counts: %w", err)
	}
	first := time.Since(t)
	var took []time.Duration
	var rates stats.AbandonRates
	for range runs {
		t := time.Now()
		if rates, err = ledger.Rates(ctx, c, time.Now()); err != nil {
			return fmt.Errorf("pacer's abandon counts: %w", err)
		}
		took = append(took, time.Since(t))
	}
	slices.Sort(took)
	fmt.Printf("a predictive pass's abandon counts: first %s (the period read whole, as every pass did before stats.Ledger), then median %s, slowest %s (%d passes; %d answered in the period)\n",
		first.Round(time.Millisecond), took[len(took)/2].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond), runs, rates.Period.Answered)
	return nil
}
