// Package listimport is the contact list: uploads of campaign and DNC
// lists, their import into PostgreSQL, contacts sent as JSON, and each
// list's view, status, contacts and rejected rows.
//
// Lists serves the API; an accepted upload starts the list's ImportList
// workflow by its name in contract. Importer is the import engine, which
// the workflow's activity runs: it reads a file in batches, classifies its
// rows, screens them against the DNC lists in force and the campaign's
// other contacts, and commits each batch with its statistics and
// checkpoint, so a retry resumes after the last committed row. The engine
// knows nothing of Temporal: its caller turns progress into heartbeats and
// a FileError into a failure that is not retried.
package listimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/internal/observe"
	"github.com/outdial/outdial/models"
)

// DefaultBatchRows is an import's batch: fewer, larger commits were
// faster, and besides its batches in flight an import keeps only Bloom
// filters of the numbers and keys it met.
const DefaultBatchRows = 10000

// maxBatchBytes ends a batch early when its cells' text reaches it: rows
// of wide or long cells would otherwise make a batch of BatchRows hold
// gigabytes.
const maxBatchBytes = 16 << 20

// DefaultDNCInMemory is Importer.DNCInMemory unless set: a million
// entries take about 26 MiB.
const DefaultDNCInMemory = 1_000_000

// Importer imports uploaded lists into PostgreSQL, within its settings.
type Importer struct {
	DB     *models.DB
	Limits Limits
	// BatchRows is how many rows an import commits at a time
	// (DefaultBatchRows when 0).
	BatchRows int
	// DNCInMemory is how many DNC entries in force an import of a
	// campaign's list holds in memory at most; with more, or 0, it looks
	// each batch's numbers up in PostgreSQL.
	DNCInMemory int
}

// New returns an importer over db with the default settings.
func New(db *models.DB) *Importer {
	return &Importer{DB: db, Limits: DefaultLimits, BatchRows: DefaultBatchRows, DNCInMemory: DefaultDNCInMemory}
}

// Result is what an import ends with.
type Result struct {
	Stats    models.ListStats
	RowsRead int64
}

// sink is where a list's rows go: contacts of a campaign, or entries of a
// DNC list. prepare runs on many goroutines; prefetch looks up what a batch
// needs outside its transaction, while earlier batches commit. Each batch
// has a transaction, of which up to writers() run at once: stage writes
// what it can before the batch's turn, commit the rest, in file order.
type sink interface {
	prepare(row int64, cells []string) candidate
	prefetch(ctx context.Context, q querier, b *preparedBatch) error
	writers() int
	stage(ctx context.Context, tx pgx.Tx, b *preparedBatch) error
	commit(ctx context.Context, tx pgx.Tx, b *preparedBatch) (models.ListStats, []models.Rejection, error)
}

// Import reads the list's file into PostgreSQL in batches. Each batch,
// its statistics and the list's checkpoint (rows_read) commit together, so a
// retry after a crash resumes after the last committed row: no row is lost
// or stored twice. Problems with the file are a *FileError, which retrying
// cannot help. progress is called with the rows read so far once the
// committed rows are skipped, then after each batch commits; its calls
// never overlap. Its error is bounded: see boundError.
func (im *Importer) Import(ctx context.Context, listID uint64, progress func(rowsRead int64)) (_ Result, err error) {
	defer func() { err = boundError(err) }()
	list, err := models.Find[models.ContactList](ctx, im.DB.DB, "list", listID)
	if err != nil {
		return Result{}, fmt.Errorf("import list %d: %w", listID, err)
	}
	ctx = observe.With(ctx, observe.ListID, listID)
	if list.CampaignID != nil {
		ctx = observe.With(ctx, observe.CampaignID, *list.CampaignID)
	}
	if list.ImportedAt != nil {
		removeUpload(ctx, list) // in case the last attempt ended before it could
		return Result{Stats: list.ListStats, RowsRead: list.RowsRead}, nil
	}
	delim, _ := utf8.DecodeRuneInString(list.Delimiter)
	src, total, err := openSource(list.FilePath, list.FileName, delim, list.Sheet, im.Limits)
	if err != nil {
		return Result{}, err
	}
	defer func() { _ = src.Close() }()
	header, err := src.Next()
	if errors.Is(err, io.EOF) {
		return Result{}, fileErrorf("the file %s is empty: it has no header row", list.FileName)
	}
	if err != nil {
		return Result{}, err
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	s, err := im.sinkFor(ctx, list, header)
	if err != nil {
		return Result{}, err
	}
	if err := saveHeader(ctx, im.DB, list, header, max(total-1, 0)); err != nil {
		return Result{}, fmt.Errorf("import list %d: %w", listID, err)
	}
	for i := int64(0); i < list.RowsRead; i++ {
		if _, err := src.Next(); err != nil {
			return Result{}, fmt.Errorf("import list %d: skip %d committed rows: %w", listID, list.RowsRead, err)
		}
	}
	res := Result{Stats: list.ListStats, RowsRead: list.RowsRead}
	progress(res.RowsRead)
	// Stages, so that reading, classifying, the look-ups and decisions
	// before the transaction, and the writers of consecutive batches
	// overlap; no more batches wait, so that memory stays flat.
	read, classified, fetched := make(chan preparedBatch), make(chan preparedBatch), make(chan preparedBatch)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return im.readBatches(gctx, src, list.RowsRead, read) })
	g.Go(func() error {
		return stage(gctx, read, classified, func(b *preparedBatch) error {
			start := time.Now()
			classify(s, b)
			slog.DebugContext(ctx, "batch classified", observe.ListID, listID, "rows_read", b.rowsRead, "took", time.Since(start))
			return nil
		})
	})
	g.Go(func() error {
		return stage(gctx, classified, fetched, func(b *preparedBatch) error {
			start := time.Now()
			if err := s.prefetch(gctx, im.DB.Pool, b); err != nil {
				return fmt.Errorf("import list %d: rows to %d: %w", listID, b.rowsRead, err)
			}
			slog.DebugContext(ctx, "batch planned", observe.ListID, listID, "rows_read", b.rowsRead, "took", time.Since(start))
			return nil
		})
	})
	g.Go(func() error {
		// Batches write at once but commit in file order, so that each
		// checkpoint follows the one before.
		var mu sync.Mutex
		turn := make(chan struct{})
		close(turn)
		writers := make(chan struct{}, s.writers())
		for b := range fetched {
			select {
			case writers <- struct{}{}:
			case <-gctx.Done():
				return gctx.Err()
			}
			done := make(chan struct{})
			b.turn, turn = turn, done
			g.Go(func() error {
				defer func() { <-writers }()
				start := time.Now()
				stats, err := im.commitBatch(gctx, list, s, b)
				slog.DebugContext(ctx, "batch committed", observe.ListID, listID, "rows_read", b.rowsRead, "took", time.Since(start))
				if err != nil {
					return err
				}
				mu.Lock()
				res.Stats.Add(stats)
				res.RowsRead = b.rowsRead
				progress(res.RowsRead)
				mu.Unlock()
				close(done)
				return nil
			})
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return res, err
	}
	if res.RowsRead == 0 {
		return res, fileErrorf("the file %s has a header but no data rows", list.FileName)
	}
	if err := finishImport(ctx, im.DB, listID); err != nil {
		return res, fmt.Errorf("import list %d: %w", listID, err)
	}
	removeUpload(ctx, list)
	slog.InfoContext(ctx, "list imported", observe.ListID, listID, "rows", res.RowsRead, "uploaded", res.Stats.Uploaded, "failed", res.Stats.Failed, "duplicate", res.Stats.Duplicate)
	return res, nil
}

// countRows counts a committed batch's rows by what became of them.
func countRows(stats models.ListStats) {
	observe.ImportRows("uploaded", stats.Uploaded)
	observe.ImportRows("failed", stats.Failed)
	observe.ImportRows("duplicate", stats.Duplicate)
	observe.ImportRows("dnc_suppressed", stats.DNCSuppressed)
}

// preparedBatch is a batch of rows as it goes through the stages: read,
// classified, its DNC hits found, committed.
type preparedBatch struct {
	rows       []rawRow // as read; classifying turns them into candidates
	candidates []candidate
	from       int64 // the checkpoint before this batch
	rowsRead   int64 // the checkpoint after this batch
	progress   float64
	known      bool
	screened   screening // a contact sink's work before the transaction
	// turn is closed once the batch before has committed; afterCommit,
	// if set, runs once this one has.
	turn        <-chan struct{}
	afterCommit func()
}

// rawRow is a non-blank row as read, with its row number in the file.
type rawRow struct {
	row   int64
	cells []string
}

// readBatches reads the file in batches and hands them over in order.
func (im *Importer) readBatches(ctx context.Context, src rowSource, rowsRead int64, out chan<- preparedBatch) error {
	defer close(out)
	size := im.BatchRows
	if size <= 0 {
		size = DefaultBatchRows
	}
	for {
		start := time.Now()
		b := preparedBatch{rows: make([]rawRow, 0, size), from: rowsRead}
		eof := false
		held := 0 // bytes of cell text
		for len(b.rows) < size && held < maxBatchBytes {
			cells, err := src.Next()
			if errors.Is(err, io.EOF) {
				eof = true
				break
			}
			if err != nil {
				return err
			}
			rowsRead++
			if blank(cells) {
				continue
			}
			b.rows = append(b.rows, rawRow{row: rowsRead + 1, cells: cells}) // +1: the header is row 1
			for _, c := range cells {
				held += len(c)
			}
		}
		b.rowsRead = rowsRead
		b.progress, b.known = src.Progress()
		slog.DebugContext(ctx, "batch read", "rows_read", rowsRead, "took", time.Since(start))
		if len(b.rows) > 0 || eof {
			select {
			case out <- b:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if eof {
			return nil
		}
	}
}

// classify prepares a batch's rows on every core.
func classify(s sink, b *preparedBatch) {
	b.candidates = make([]candidate, len(b.rows))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(b.rows); i += workers {
				b.candidates[i] = s.prepare(b.rows[i].row, b.rows[i].cells)
			}
		})
	}
	wg.Wait()
	b.rows = nil
}

// stage runs step on each batch from in, in order, and hands it on to out.
func stage(ctx context.Context, in <-chan preparedBatch, out chan<- preparedBatch, step func(*preparedBatch) error) error {
	defer close(out)
	for b := range in {
		if err := step(&b); err != nil {
			return err
		}
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// commitBatch writes one batch, its statistics and the checkpoint at once,
// committing when its turn comes. If another attempt of the import (one
// Temporal gave up on, still running) moved the checkpoint, nothing is
// written.
func (im *Importer) commitBatch(ctx context.Context, list *models.ContactList, s sink, b preparedBatch) (models.ListStats, error) {
	// Waiting for each batch's WAL flush is not needed: a batch lost in a
	// database crash loses its checkpoint with it, and the retry redoes it.
	tx, err := im.DB.Pool.BeginTx(ctx, pgx.TxOptions{BeginQuery: "BEGIN; SET LOCAL synchronous_commit = off"})
	if err != nil {
		return models.ListStats{}, fmt.Errorf("import list %d: begin: %w", list.ID, err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := s.stage(ctx, tx, &b); err != nil {
		return models.ListStats{}, fmt.Errorf("import list %d: rows to %d: %w", list.ID, b.rowsRead, err)
	}
	staged := time.Now()
	if b.turn != nil {
		select {
		case <-b.turn:
		case <-ctx.Done():
			return models.ListStats{}, ctx.Err()
		}
	}
	slog.DebugContext(ctx, "batch staged", observe.ListID, list.ID, "rows_read", b.rowsRead, "waited", time.Since(staged))
	stats, rejections, err := s.commit(ctx, tx, &b)
	if err != nil {
		return models.ListStats{}, fmt.Errorf("import list %d: rows to %d: %w", list.ID, b.rowsRead, err)
	}
	if err := copyRejections(ctx, tx, list.ID, rejections); err != nil {
		return models.ListStats{}, fmt.Errorf("import list %d: %w", list.ID, err)
	}
	if err := models.AddListStats(ctx, tx, list.ID, stats, b.from, b.rowsRead, percentDone(b)); err != nil {
		return models.ListStats{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return models.ListStats{}, fmt.Errorf("import list %d: commit: %w", list.ID, err)
	}
	countRows(stats)
	if b.afterCommit != nil {
		b.afterCommit()
	}
	return stats, nil
}

// copyRejections writes rows that were not stored as they came, with why.
func copyRejections(ctx context.Context, tx pgx.Tx, listID uint64, rejections []models.Rejection) error {
	if len(rejections) == 0 {
		return nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"list_rejections"}, []string{"list_id", "row_number", "kind", "reason", "cells"},
		pgx.CopyFromSlice(len(rejections), func(i int) ([]any, error) {
			r := rejections[i]
			return []any{listID, r.RowNumber, r.Kind, storable(r.Reason, MaxErrorBytes), storableCells(r.Cells)}, nil
		}))
	if err != nil {
		return fmt.Errorf("copy rejections: %w", err)
	}
	return nil
}

// Fail records why a list's import stopped for good, and removes its file.
func (im *Importer) Fail(ctx context.Context, listID uint64, reason string) error {
	list, err := models.Find[models.ContactList](ctx, im.DB.DB, "list", listID)
	if fault.Is(err, fault.NotFound) {
		return nil // deleted meanwhile: nothing is left to fail
	}
	if err != nil {
		return fmt.Errorf("fail list %d: %w", listID, err)
	}
	if err := failList(ctx, im.DB, listID, reason); err != nil {
		return fmt.Errorf("fail list %d: %w", listID, err)
	}
	removeUpload(ctx, list)
	return nil
}

// removeUpload deletes a list's file once its import has ended: what it
// held is in PostgreSQL now (contacts and rejected rows), and a file of
// people's numbers should not outlive its use. Failing to is logged, not
// an import error.
func removeUpload(ctx context.Context, list *models.ContactList) {
	if list.FilePath == "" {
		return
	}
	if err := os.Remove(list.FilePath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		slog.WarnContext(ctx, "the list's upload was not removed", "list", list.ID, "error", err)
	}
}

// sinkFor loads what the list's rows are checked against.
func (im *Importer) sinkFor(ctx context.Context, list *models.ContactList, header []string) (sink, error) {
	if list.DNCListID != nil {
		return newDNCSink(*list.DNCListID, header, list.Mapping.V)
	}
	return im.newContactSink(ctx, list, header)
}

// percentDone is the list's percentage done after batch b; 99 at most
// until the import has finished.
func percentDone(b preparedBatch) float64 {
	if !b.known {
		return 0
	}
	return min(99, 100*b.progress)
}
