package listimport

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
)

// sinkFixture is a contact sink over lists of a bare campaign, whose
// configuration the test gives in memory.
type sinkFixture struct {
	t   *testing.T
	db  *models.DB
	cc  *campaignContext
	row int64
}

func newSinkFixture(t *testing.T) *sinkFixture {
	db := testenv.DB(t)
	cc := &campaignContext{Campaign: models.Campaign{DefaultRegion: "US"}, Zone: "America/Chicago",
		Modes: map[string]models.Mode{"Mobile": {Name: "Mobile", MinLength: 8, MaxLength: 15}}}
	require.NoError(t, db.Pool.QueryRow(context.Background(), `WITH z AS (INSERT INTO time_zones (display_name, iana_zone) VALUES ('Central', 'America/Chicago') RETURNING id)
		INSERT INTO campaigns (name, time_zone_id, pacing_mode) SELECT 'sink test', id, 'progressive' FROM z RETURNING id`).Scan(&cc.Campaign.ID))
	return &sinkFixture{t: t, db: db, cc: cc, row: 1}
}

func (f *sinkFixture) list() *models.ContactList {
	var id uint64
	require.NoError(f.t, f.db.Pool.QueryRow(context.Background(),
		`INSERT INTO contact_lists (campaign_id, status, end_time) VALUES ($1, 'importing', now() + interval '1 day') RETURNING id`, f.cc.Campaign.ID).Scan(&id))
	return &models.ContactList{ID: id, CampaignID: new(f.cc.Campaign.ID)}
}

func (f *sinkFixture) sink(list *models.ContactList) *contactSink {
	s, err := f.cc.sink(list, []string{"Number", "AccountId"}, models.ListMapping{Modes: map[string]string{"Mobile": "Number"}, ExternalKey: "AccountId"})
	require.NoError(f.t, err)
	return s
}

// batch prepares rows of (number, key) and runs the sink's prefetch.
func (f *sinkFixture) batch(s *contactSink, rows ...[2]string) *preparedBatch {
	b := &preparedBatch{}
	for _, r := range rows {
		f.row++
		b.candidates = append(b.candidates, s.prepare(f.row, r[:]))
	}
	b.rowsRead = f.row - 1
	require.NoError(f.t, s.prefetch(context.Background(), f.db.Pool, b))
	return b
}

// commit stages and commits a batch, as commitBatch does, and returns the
// reasons of its rows' rejections by row.
func (f *sinkFixture) commit(s *contactSink, list *models.ContactList, b *preparedBatch) map[int64]string {
	ctx := context.Background()
	tx, err := f.db.Pool.Begin(ctx)
	require.NoError(f.t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	require.NoError(f.t, s.stage(ctx, tx, b))
	_, rejections, err := s.commit(ctx, tx, b)
	require.NoError(f.t, err)
	require.NoError(f.t, copyRejections(ctx, tx, list.ID, rejections))
	require.NoError(f.t, tx.Commit(ctx))
	if b.afterCommit != nil {
		b.afterCommit()
	}
	rows, err := f.db.Pool.Query(ctx, `SELECT row_number, kind || ': ' || reason FROM list_rejections
		WHERE list_id = $1 AND row_number BETWEEN $2 AND $3`, list.ID, b.candidates[0].row, b.candidates[len(b.candidates)-1].row)
	require.NoError(f.t, err)
	reasons := map[int64]string{}
	var row int64
	var reason string
	_, err = pgx.ForEachRow(rows, []any{&row, &reason}, func() error {
		reasons[row] = reason
		return nil
	})
	require.NoError(f.t, err)
	return reasons
}

func (f *sinkFixture) contacts(list *models.ContactList) []string {
	rows, err := f.db.Pool.Query(context.Background(),
		`SELECT row_number || ' ' || external_key || ' ' || n.number FROM contacts c JOIN contact_numbers n ON n.contact_id = c.id
		WHERE c.list_id = $1 ORDER BY row_number`, list.ID)
	require.NoError(f.t, err)
	var out []string
	for rows.Next() {
		var s string
		require.NoError(f.t, rows.Scan(&s))
		out = append(out, s)
	}
	require.NoError(f.t, rows.Err())
	return out
}

// TestPlanNamesRowsOfTheBatchInFlight plans batches while those before
// have not committed, as the import's stages and writers do: repeats of
// their rows are named from memory, later ones from PostgreSQL.
func TestPlanNamesRowsOfTheBatchInFlight(t *testing.T) {
	f := newSinkFixture(t)
	list := f.list()
	s := f.sink(list)
	first := f.batch(s, [2]string{"(469) 562-2405", "A1"}, [2]string{"(469) 562-2406", "A2"})   // rows 2, 3
	second := f.batch(s, [2]string{"+1 469 562 2405", "B1"}, [2]string{"(469) 562-2407", "A2"}) // rows 4, 5
	third := f.batch(s, [2]string{"(469) 562-2406", "C1"}, [2]string{"(469) 562-2407", "C2"})   // rows 6, 7
	require.NotNil(t, second.screened.plan, "a list alone in its campaign is planned before its transaction")
	require.Empty(t, f.commit(s, list, first))
	require.Equal(t, map[int64]string{
		4: "duplicate: number +14695622405 is already row 2",
		5: "duplicate: external key A2 is already row 3",
	}, f.commit(s, list, second))
	// Row 5 was not stored, so its number is free for row 7.
	require.Equal(t, map[int64]string{6: "duplicate: number +14695622406 is already row 3"}, f.commit(s, list, third))
	fourth := f.batch(s, [2]string{"(469) 562-2405", "D1"}, [2]string{"(469) 562-2408", "D2"}) // rows 8, 9
	require.Equal(t, map[int64]string{8: "duplicate: number +14695622405 is already row 2"}, f.commit(s, list, fourth))
	require.Equal(t, []string{"2 A1 14695622405", "3 A2 14695622406", "7 C2 14695622407", "9 D2 14695622408"}, f.contacts(list))
	require.False(t, s.shared.Load())
	require.Empty(t, s.inFlight, "committed batches leave the sink's memory")
}

// TestPlanGivesWayToAnotherList: once another list of the campaign counts,
// the batch is decided again in its transaction, and so are the later ones.
func TestPlanGivesWayToAnotherList(t *testing.T) {
	f := newSinkFixture(t)
	list := f.list()
	s := f.sink(list)
	require.Empty(t, f.commit(s, list, f.batch(s, [2]string{"(469) 562-2405", "A1"}))) // row 2
	planned := f.batch(s, [2]string{"(469) 562-2409", "B1"})                           // row 3, planned alone

	other := f.list()
	o := f.sink(other)
	require.Equal(t, map[int64]string{4: fmt.Sprintf("duplicate: number +14695622405 is already contact %d of list %d", f.contactID(list, 2), list.ID)},
		f.commit(o, other, f.batch(o, [2]string{"(469) 562-2405", "X1"}, [2]string{"(469) 562-2409", "X2"}))) // rows 4, 5
	require.True(t, o.shared.Load(), "the second list found the first")

	require.Equal(t, map[int64]string{3: fmt.Sprintf("duplicate: number +14695622409 is already contact %d of list %d", f.contactID(other, 5), other.ID)},
		f.commit(s, list, planned))
	require.True(t, s.shared.Load())
	later := f.batch(s, [2]string{"(469) 562-2405", "D1"}) // row 6
	require.Nil(t, later.screened.plan, "a shared sink plans nothing")
	require.Equal(t, map[int64]string{6: "duplicate: number +14695622405 is already row 2"}, f.commit(s, list, later))
}

func (f *sinkFixture) contactID(list *models.ContactList, row int64) uint64 {
	var id uint64
	require.NoError(f.t, f.db.Pool.QueryRow(context.Background(), `SELECT id FROM contacts WHERE list_id = $1 AND row_number = $2`, list.ID, row).Scan(&id))
	return id
}

// TestDuplicateLookUpsSeekEachNumber: for a campaign the statistics do not
// know yet, the look-ups still seek each number and key of the batch, not
// every entry of the campaign (a plan that took seconds per batch).
func TestDuplicateLookUpsSeekEachNumber(t *testing.T) {
	f := newSinkFixture(t)
	ctx := context.Background()
	db := f.db.Pool
	other := f.list()
	_, err := db.Exec(ctx, `INSERT INTO contacts (id, campaign_id, list_id, row_number, external_key, time_zone)
		SELECT 1000000 + i, $1, $2, i, 'K' || i, 'America/Chicago' FROM generate_series(1, 20000) i`, f.cc.Campaign.ID, other.ID)
	require.NoError(t, err)
	_, err = db.Exec(ctx, `INSERT INTO contact_numbers SELECT $1, 14690000000 + i, 1000000 + i FROM generate_series(1, 20000) i`, f.cc.Campaign.ID)
	require.NoError(t, err)
	_, err = db.Exec(ctx, `ANALYZE contacts; ANALYZE contact_numbers`)
	require.NoError(t, err)
	for _, c := range []struct {
		sql  string
		args []any
		seek string
	}{
		{takenNumbersSQL, []any{f.cc.Campaign.ID + 1, []int64{14690000001, 14690000002}}, "number = ANY"},
		{takenKeysSQL, []any{f.cc.Campaign.ID + 1, []string{"K1", "K2"}}, "external_key = ANY"},
	} {
		rows, err := db.Query(ctx, "EXPLAIN "+c.sql, append([]any{pgx.QueryExecModeExec}, c.args...)...)
		require.NoError(t, err)
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		plan := strings.Join(lines, "\n")
		require.Regexp(t, `Index Cond: \(\(?`+regexp.QuoteMeta(c.seek), plan)
	}
}
