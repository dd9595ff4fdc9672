package listimport

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/phone"
)

// dncSink stores an upload's numbers as entries of a DNC list.
type dncSink struct {
	dncListID     uint64
	numberColumn  int
	expiresColumn int
	region        string
}

// DNCRegion is the region national numbers on DNC uploads are read in.
const DNCRegion = "US"

func newDNCSink(dncListID uint64, header []string, mapping models.ListMapping) (*dncSink, error) {
	s := &dncSink{dncListID: dncListID, numberColumn: -1, expiresColumn: -1, region: DNCRegion}
	find := func(col string) int {
		for i, h := range header {
			if strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(col)) {
				return i
			}
		}
		return -1
	}
	col := mapping.Number
	if col == "" {
		col = "Number"
	}
	if s.numberColumn = find(col); s.numberColumn < 0 {
		return nil, fileErrorf("the number column %q is not in the file's header (columns: %s)", col, strings.Join(header, ", "))
	}
	if mapping.ExpiresAt != "" {
		if s.expiresColumn = find(mapping.ExpiresAt); s.expiresColumn < 0 {
			return nil, fileErrorf("the expiry column %q is not in the file's header (columns: %s)", mapping.ExpiresAt, strings.Join(header, ", "))
		}
	}
	return s, nil
}

func (s *dncSink) prepare(row int64, cells []string) candidate {
	c := candidate{row: row, cells: cells}
	raw := cell(cells, s.numberColumn)
	if raw == "" {
		c.fail = "no number"
		return c
	}
	n, err := phone.Normalize(raw, s.region)
	if err != nil {
		c.fail = err.Error()
		return c
	}
	c.numbers = []models.ContactNumber{{Number: n}}
	if exp := cell(cells, s.expiresColumn); exp != "" {
		t, err := parseExpiry(exp)
		if err != nil {
			c.fail = err.Error()
			return c
		}
		c.expiresAt = &t
	}
	return c
}

// parseExpiry reads an RFC 3339 time or a date (the end of that day, UTC).
func parseExpiry(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Add(24*time.Hour - time.Second), nil
	}
	return time.Time{}, fmt.Errorf("expiry %q is not a date (2006-01-02) or time (RFC 3339)", s)
}

// prefetch has nothing to do: a DNC list's own entries are looked up in
// the batch's transaction, under the list's lock.
func (s *dncSink) prefetch(context.Context, querier, *preparedBatch) error { return nil }

// writers: one, since each batch looks the list's entries up under its lock.
func (s *dncSink) writers() int { return 1 }

func (s *dncSink) stage(context.Context, pgx.Tx, *preparedBatch) error { return nil }

func (s *dncSink) commit(ctx context.Context, tx pgx.Tx, b *preparedBatch) (models.ListStats, []models.Rejection, error) {
	batch := b.candidates
	var stats models.ListStats
	var rejections []models.Rejection
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, importLockKey+1, int32(s.dncListID)); err != nil {
		return stats, nil, fmt.Errorf("lock DNC list %d: %w", s.dncListID, err)
	}
	var numbers []string
	for _, c := range batch {
		if c.fail == "" {
			numbers = append(numbers, c.numbers[0].Number)
		}
	}
	rows, err := tx.Query(ctx, `SELECT number FROM dnc_entries WHERE dnc_list_id = $1 AND number = ANY($2)`, s.dncListID, numbers)
	if err != nil {
		return stats, nil, fmt.Errorf("look up DNC entries: %w", err)
	}
	existing, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return stats, nil, fmt.Errorf("look up DNC entries: %w", err)
	}
	seen := make(map[string]bool, len(existing)+len(batch))
	for _, n := range existing {
		seen[n] = true
	}
	var entries [][]any
	for _, c := range batch {
		stats.Processed++
		switch {
		case c.fail != "":
			stats.Failed++
			rejections = append(rejections, models.Rejection{RowNumber: c.row, Kind: "failed", Reason: c.fail, Cells: c.cells})
		case seen[c.numbers[0].Number]:
			stats.Duplicate++
			rejections = append(rejections, models.Rejection{RowNumber: c.row, Kind: "duplicate", Reason: c.numbers[0].Number + " is already on the list", Cells: c.cells})
		default:
			seen[c.numbers[0].Number] = true
			stats.Uploaded++
			entries = append(entries, []any{s.dncListID, c.numbers[0].Number, c.expiresAt})
		}
	}
	// In index order, as contact numbers: neighbouring index pages.
	slices.SortFunc(entries, func(a, b []any) int { return strings.Compare(a[1].(string), b[1].(string)) })
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"dnc_entries"}, []string{"dnc_list_id", "number", "expires_at"}, pgx.CopyFromRows(entries)); err != nil {
		return stats, nil, fmt.Errorf("copy DNC entries: %w", err)
	}
	return stats, rejections, nil
}
