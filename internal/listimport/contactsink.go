package listimport

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"github.com/outdial/outdial/models"
)

// contactSink stores a campaign list's rows as contacts, after the DNC
// lists in force and de-duplication against the campaign's active lists.
type contactSink struct {
	campaignID uint64
	listID     uint64
	layout     *layout
	dncLists   []uint64 // the campaign's own DNC lists; global ones always apply
	// shared: rows that the sink did not see count, another list's or an
	// earlier attempt's; each batch then looks all its numbers and keys up
	// in PostgreSQL under the campaign's lock. Once set, it stays.
	shared atomic.Bool
	// inFlight are the batches planned and not committed yet, by their
	// checkpoint: two write at once, and the next batch is planned
	// meanwhile.
	mu       sync.Mutex
	inFlight map[int64]*takenSet
	// ownNumbers are the numbers this sink met, and ownKeys its external
	// keys: most lists are their campaign's only active one, and
	// then a batch looks up in PostgreSQL only the numbers and keys that
	// these sets may hold, to name the row they repeat.
	ownNumbers, ownKeys seenSet
	// dnc are the DNC entries in force for the campaign when the import
	// began, by number, as bits of dncCategories, when there are few enough
	// to hold; nil: each batch looks its numbers up in PostgreSQL.
	dnc map[int64]uint8
}

// campaignContext is what a campaign's imports are checked against.
type campaignContext struct {
	Campaign models.Campaign
	Zone     string // IANA zone of the campaign
	Modes    map[string]models.Mode
}

func (im *Importer) newContactSink(ctx context.Context, list *models.ContactList, header []string) (*contactSink, error) {
	cc, err := loadCampaignContext(ctx, im.DB, *list.CampaignID)
	if err != nil {
		return nil, err
	}
	s, err := cc.sink(list, header, list.Mapping.V)
	if err != nil {
		return nil, err
	}
	s.dnc, err = loadDNC(ctx, im.DB.Pool, s.dncLists, im.DNCInMemory)
	return s, err
}

// dncCategories are the DNC categories in the order their names sort, as
// the look-up in PostgreSQL gives them; categorySets[bits] lists those of
// a set of bits.
var (
	dncCategories = slices.Sorted(slices.Values(models.DNCCategories))
	categorySets  = func() [][]string {
		sets := make([][]string, 1<<len(dncCategories))
		for bits := range sets {
			for i, c := range dncCategories {
				if bits&(1<<i) != 0 {
					sets[bits] = append(sets[bits], c)
				}
			}
		}
		return sets
	}()
)

// loadDNC reads the DNC entries in force for a campaign, unless there are
// more than limit of them (a national list): then it returns nil. Matching
// numbers in memory spares PostgreSQL a look-up per number of the file;
// an entry added or lapsing during the import counts as it was when the
// import began (each dial checks DNC again).
func loadDNC(ctx context.Context, q querier, campaignLists []uint64, limit int) (map[int64]uint8, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := q.Query(ctx, `SELECT e.number, l.category FROM dnc_entries e JOIN dnc_lists l ON l.id = e.dnc_list_id
		WHERE (e.expires_at IS NULL OR e.expires_at > now()) AND (l.scope = 'global' OR l.id = ANY($1)) LIMIT $2`, campaignLists, limit+1)
	if err != nil {
		return nil, fmt.Errorf("load DNC entries: %w", err)
	}
	out := map[int64]uint8{}
	var number, category string
	rowsRead, held := 0, true
	_, err = pgx.ForEachRow(rows, []any{&number, &category}, func() error {
		rowsRead++
		digits, err := strconv.ParseInt(strings.TrimPrefix(number, "+"), 10, 64)
		bit := slices.Index(dncCategories, category)
		// Too many, or not as an import writes them: look them up instead.
		held = held && rowsRead <= limit && err == nil && strings.HasPrefix(number, "+") && bit >= 0
		if held {
			out[digits] |= 1 << bit
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load DNC entries: %w", err)
	}
	if !held {
		return nil, nil
	}
	return out, nil
}

func (cc *campaignContext) sink(list *models.ContactList, header []string, mapping models.ListMapping) (*contactSink, error) {
	l, err := newLayout(header, mapping, cc.Modes, cc.Campaign.DefaultRegion, cc.Zone)
	if err != nil {
		return nil, err
	}
	dncLists := cc.Campaign.DNCListIDs
	if dncLists == nil {
		dncLists = []uint64{} // "= ANY(NULL)" would match nothing, but says so less plainly
	}
	s := &contactSink{campaignID: cc.Campaign.ID, listID: list.ID, layout: l, dncLists: dncLists, inFlight: map[int64]*takenSet{}}
	s.shared.Store(list.RowsRead > 0)
	return s, nil
}

func (s *contactSink) prepare(row int64, cells []string) candidate {
	return s.layout.classify(row, cells)
}

// importLockKey namespaces the advisory locks imports take per campaign.
const importLockKey = 7301

// screening is what a contact sink's prefetch found for a batch before its
// transaction: the rows set aside as failed or DNC-suppressed, the rest
// (in order) for de-duplication, and, when the sink could decide them
// alone, the batch's writes.
type screening struct {
	stats      models.ListStats
	rejections []models.Rejection
	survivors  []*candidate
	plan       *batchPlan
	staged     bool // the plan is written, after the savepoint "planned"
}

// batchPlan is a batch's de-duplication decided, so that its writer only
// lays out and writes the rows to keep.
type batchPlan struct {
	stats      models.ListStats
	rejections []models.Rejection
	keep       []*candidate
}

// prefetch does, outside the batch's transaction and while the batch
// before commits, what needs no lock: matching the numbers against the DNC
// lists in force and setting aside failed and DNC-suppressed rows; then,
// while the list is its campaign's only one as far as the sink knows, the
// de-duplication against its own rows, which commit confirms under the
// campaign's lock.
func (s *contactSink) prefetch(ctx context.Context, q querier, b *preparedBatch) error {
	var numbers []string
	for i := range b.candidates {
		if b.candidates[i].fail == "" {
			for _, n := range b.candidates[i].numbers {
				numbers = append(numbers, n.Number)
			}
		}
	}
	var dnc map[string][]string
	if s.dnc == nil {
		var err error
		if dnc, err = lookupDNC(ctx, q, numbers, s.dncLists); err != nil {
			return err
		}
	} else {
		dnc = map[string][]string{}
		for _, n := range numbers {
			if bits := s.dnc[e164Digits(n)]; bits != 0 {
				dnc[n] = categorySets[bits]
			}
		}
	}
	sc := &b.screened
	for i := range b.candidates {
		c := &b.candidates[i]
		sc.stats.Processed++
		if c.fail != "" {
			sc.stats.Failed++
			sc.rejections = append(sc.rejections, rejection(c, "failed", c.fail))
			continue
		}
		if hits := scrubDNC(c, dnc, &sc.stats); len(c.numbers) == 0 {
			sc.stats.DNCSuppressed++
			sc.rejections = append(sc.rejections, rejection(c, "dnc", "every number is on a DNC list: "+strings.Join(hits, ", ")))
			continue
		}
		sc.survivors = append(sc.survivors, c)
	}
	if s.shared.Load() {
		return nil
	}
	plan, err := s.plan(ctx, q, b)
	if err != nil {
		return err
	}
	sc.plan = plan
	return nil
}

func rejection(c *candidate, kind, reason string) models.Rejection {
	return models.Rejection{RowNumber: c.row, Kind: kind, Reason: reason, Cells: c.cells}
}

// plan de-duplicates a batch's rows against the list's own: the sink's sets
// say which numbers and keys an earlier row took, PostgreSQL or the batches
// still in flight which row.
func (s *contactSink) plan(ctx context.Context, q querier, b *preparedBatch) (*batchPlan, error) {
	survivors := b.screened.survivors
	digits, keys := s.lookups(survivors, false)
	// In flight is read before PostgreSQL: a batch that leaves it has
	// committed, so the look-up sees its rows.
	s.mu.Lock()
	inFlight := make([]*takenSet, 0, len(s.inFlight))
	for _, t := range s.inFlight {
		inFlight = append(inFlight, t)
	}
	s.mu.Unlock()
	taken, err := s.lookupTaken(ctx, q, digits, keys)
	if err != nil {
		return nil, err
	}
	for _, t := range inFlight {
		for _, d := range digits {
			if row, ok := t.batchNumbers[d]; ok {
				taken.numbers["+"+strconv.FormatInt(d, 10)] = fmt.Sprintf("row %d", row)
			}
		}
		for _, k := range keys {
			if row, ok := t.batchKeys[k]; ok {
				taken.keys[k] = fmt.Sprintf("row %d", row)
			}
		}
	}
	p, keep := s.deduplicate(survivors, taken)
	s.mu.Lock()
	s.inFlight[b.rowsRead] = taken
	s.mu.Unlock()
	b.afterCommit = func() {
		s.mu.Lock()
		delete(s.inFlight, b.rowsRead)
		s.mu.Unlock()
	}
	p.keep = keep
	return p, nil
}

// lookups are the numbers and keys of the rows whose duplicates
// PostgreSQL may hold: all of them, or those the sink met before, which it
// remembers for its later batches. A number or key repeated within the
// batch is decided with its first occurrence, so it is asked for once.
func (s *contactSink) lookups(survivors []*candidate, all bool) ([]int64, []string) {
	var digits []int64
	var keys []string
	batchNumbers := make(map[int64]struct{}, 3*len(survivors))
	batchKeys := make(map[string]struct{}, len(survivors))
	for _, c := range survivors {
		for _, n := range c.numbers {
			d := e164Digits(n.Number)
			if _, again := batchNumbers[d]; again {
				continue
			}
			batchNumbers[d] = struct{}{}
			if all || s.ownNumbers.testOrAddNumber(d) {
				digits = append(digits, d)
			}
		}
		if c.externalKey == "" {
			continue
		}
		if _, again := batchKeys[c.externalKey]; again {
			continue
		}
		batchKeys[c.externalKey] = struct{}{}
		if all || s.ownKeys.testOrAdd([]byte(c.externalKey)) {
			keys = append(keys, c.externalKey)
		}
	}
	return digits, keys
}

// deduplicate keeps the rows that repeat no contact taken, counting and
// rejecting the others.
func (s *contactSink) deduplicate(survivors []*candidate, taken *takenSet) (*batchPlan, []*candidate) {
	p := &batchPlan{}
	var keep []*candidate
	for _, c := range survivors {
		if why := taken.duplicateOf(c); why != "" {
			p.stats.Duplicate++
			p.rejections = append(p.rejections, rejection(c, "duplicate", why))
			continue
		}
		taken.remember(c)
		p.stats.Uploaded++
		p.stats.ModeFailed += int64(len(c.modeFailed))
		keep = append(keep, c)
	}
	return p, keep
}

// rows lays the kept contacts and their numbers out for COPY.
func (s *contactSink) rows(ctx context.Context, q querier, keep []*candidate) (contacts, numbers [][]any, err error) {
	if len(keep) == 0 {
		return nil, nil, nil
	}
	ids, err := nextIDs(ctx, q, len(keep))
	if err != nil {
		return nil, nil, err
	}
	type entry struct {
		number  int64
		contact uint64
	}
	var entries []entry
	contacts = make([][]any, len(keep))
	for i, c := range keep {
		contacts[i] = []any{ids[i], s.campaignID, s.listID, c.row, c.externalKey, json.RawMessage(c.attributes), json.RawMessage(numbersJSON(c.numbers)), c.timeZone, "new"}
		for _, n := range c.numbers {
			entries = append(entries, entry{e164Digits(n.Number), ids[i]})
		}
	}
	// In index order, a batch's entries land on neighbouring pages of the
	// number index: COPY took 40% less time than in file order.
	slices.SortFunc(entries, func(a, b entry) int { return cmp.Compare(a.number, b.number) })
	numbers = make([][]any, len(entries))
	for i, e := range entries {
		numbers[i] = []any{s.campaignID, e.number, e.contact}
	}
	return contacts, numbers, nil
}

// writers: a list's batches write their rows on two connections at once,
// and commit in turn.
func (s *contactSink) writers() int { return 2 }

// stage writes a planned batch's rows, before its turn to commit and
// without the campaign's lock, after a savepoint that commit rolls back
// to if another list turns out to count.
func (s *contactSink) stage(ctx context.Context, tx pgx.Tx, b *preparedBatch) error {
	sc := &b.screened
	if sc.plan == nil {
		return nil
	}
	if _, err := tx.Exec(ctx, "SAVEPOINT planned"); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	if err := s.copyRows(ctx, tx, sc.plan.keep); err != nil {
		return err
	}
	if err := copyRejections(ctx, tx, s.listID, append(sc.rejections, sc.plan.rejections...)); err != nil {
		return err
	}
	sc.staged = true
	return nil
}

func (s *contactSink) commit(ctx context.Context, tx pgx.Tx, b *preparedBatch) (models.ListStats, []models.Rejection, error) {
	sc := &b.screened
	// One import at a time per campaign, so two lists cannot both take a
	// number; in the same round trip, whether other lists count.
	var others bool
	batch := &pgx.Batch{}
	batch.Queue(`SELECT pg_advisory_xact_lock($1, $2)`, importLockKey, int32(s.campaignID))
	batch.Queue(`SELECT EXISTS (SELECT 1 FROM contact_lists WHERE campaign_id = $1 AND id <> $2 AND status IN ('importing', 'active'))`,
		s.campaignID, s.listID).QueryRow(func(r pgx.Row) error { return r.Scan(&others) })
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return models.ListStats{}, nil, fmt.Errorf("lock campaign %d: %w", s.campaignID, err)
	}
	stats := sc.stats
	if sc.staged && !others && !s.shared.Load() {
		stats.Add(sc.plan.stats)
		return stats, nil, nil
	}
	if sc.staged {
		if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT planned"); err != nil {
			return models.ListStats{}, nil, fmt.Errorf("roll the planned rows back: %w", err)
		}
	}
	// Another list's rows count, or an earlier attempt's: every number is
	// looked up, under the lock. The sink's sets no longer tell, so later
	// batches do the same.
	s.shared.Store(true)
	digits, keys := s.lookups(sc.survivors, true)
	taken, err := s.lookupTaken(ctx, tx, digits, keys)
	if err != nil {
		return models.ListStats{}, nil, err
	}
	p, keep := s.deduplicate(sc.survivors, taken)
	if err := s.copyRows(ctx, tx, keep); err != nil {
		return models.ListStats{}, nil, err
	}
	stats.Add(p.stats)
	return stats, append(sc.rejections, p.rejections...), nil
}

// copyRows writes the contacts to keep and their numbers. It allocates
// their IDs, whose gaps on a failed commit are harmless. Writers lay the
// rows out, two at a time, rather than the planner, which takes the
// batches one by one.
func (s *contactSink) copyRows(ctx context.Context, tx pgx.Tx, keep []*candidate) error {
	contacts, numbers, err := s.rows(ctx, tx, keep)
	if err != nil || len(contacts) == 0 {
		return err
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"contacts"},
		[]string{"id", "campaign_id", "list_id", "row_number", "external_key", "attributes", "numbers", "time_zone", "status"},
		pgx.CopyFromRows(contacts)); err != nil {
		return fmt.Errorf("copy contacts: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"contact_numbers"}, []string{"campaign_id", "number", "contact_id"},
		pgx.CopyFromRows(numbers)); err != nil {
		return fmt.Errorf("copy contact numbers: %w", err)
	}
	return nil
}

// numbersJSON is numbers as json.Marshal writes them, without reflection.
func numbersJSON(numbers []models.ContactNumber) []byte {
	b := make([]byte, 0, 80*len(numbers))
	b = append(b, '[')
	for i, n := range numbers {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"mode":`...)
		b = appendJSONString(b, n.Mode)
		b = append(b, `,"number":`...)
		b = appendJSONString(b, n.Number)
		b = append(b, `,"time_zone":`...)
		b = appendJSONString(b, n.TimeZone)
		if n.DeclaredZone != "" {
			b = append(b, `,"declared_zone":`...)
			b = appendJSONString(b, n.DeclaredZone)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// querier runs a query in a transaction or on the pool.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// scrubDNC removes c's numbers that a DNC list holds, counting the hits
// per category per mode and per contact; it returns the hits, described.
func scrubDNC(c *candidate, dnc map[string][]string, stats *models.ListStats) []string {
	var hits []string
	hitCategories := map[string]bool{}
	kept := c.numbers[:0]
	for _, n := range c.numbers {
		cats := dnc[n.Number]
		if len(cats) == 0 {
			kept = append(kept, n)
			continue
		}
		for _, cat := range cats {
			_, modes := stats.DNCCounts(cat)
			*modes++
			hitCategories[cat] = true
		}
		hits = append(hits, fmt.Sprintf("%s %s (%s)", n.Mode, n.Number, strings.Join(cats, ", ")))
	}
	c.numbers = kept
	for _, cat := range models.DNCCategories {
		if hitCategories[cat] {
			contacts, _ := stats.DNCCounts(cat)
			*contacts++
		}
	}
	return hits
}

// lookupDNC returns, for each number on a DNC list in force for the
// campaign, the categories of those lists.
func lookupDNC(ctx context.Context, q querier, numbers []string, campaignLists []uint64) (map[string][]string, error) {
	out := map[string][]string{}
	if len(numbers) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, `SELECT DISTINCT e.number, l.category FROM dnc_entries e JOIN dnc_lists l ON l.id = e.dnc_list_id
		WHERE e.number = ANY($1) AND (e.expires_at IS NULL OR e.expires_at > now())
		  AND (l.scope = 'global' OR l.id = ANY($2)) ORDER BY 1, 2`, numbers, campaignLists)
	if err != nil {
		return nil, fmt.Errorf("look up DNC: %w", err)
	}
	var number, category string
	_, err = pgx.ForEachRow(rows, []any{&number, &category}, func() error {
		out[number] = append(out[number], category)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up DNC: %w", err)
	}
	return out, nil
}

// takenSet is what a batch's rows must not repeat: numbers and external
// keys of the campaign's active lists in PostgreSQL, and those of the
// batch's earlier rows.
type takenSet struct {
	numbers map[string]string // number → who has it
	keys    map[string]string
	// The batch's rows kept so far: key or number → row.
	batchKeys    map[string]int64
	batchNumbers map[int64]int64
}

func newTakenSet() *takenSet {
	return &takenSet{numbers: map[string]string{}, keys: map[string]string{}, batchKeys: map[string]int64{}, batchNumbers: map[int64]int64{}}
}

// e164Digits is an E.164 number as the integer contact_numbers stores.
func e164Digits(e164 string) int64 {
	n, _ := strconv.ParseInt(strings.TrimPrefix(e164, "+"), 10, 64) // Normalize made it digits
	return n
}

// The duplicate look-ups: the matches first, by the number or key index
// alone (contacts is rarely analysed while an import fills it, and the
// planner would rather scan the whole list by its list_id index); "<> ”"
// lets the partial index of keys serve.
const (
	takenNumbersSQL = `WITH m AS MATERIALIZED (SELECT number, contact_id FROM contact_numbers WHERE campaign_id = $1 AND number = ANY($2))
		SELECT m.number, m.contact_id, c.list_id, c.row_number FROM m
		JOIN contacts c ON c.id = m.contact_id JOIN contact_lists l ON l.id = c.list_id
		WHERE l.status IN ('importing', 'active')`
	takenKeysSQL = `WITH m AS MATERIALIZED (SELECT external_key, id, list_id, row_number FROM contacts
		  WHERE campaign_id = $1 AND external_key <> '' AND external_key = ANY($2))
		SELECT m.external_key, m.id, m.list_id, m.row_number FROM m JOIN contact_lists l ON l.id = m.list_id
		WHERE l.status IN ('importing', 'active')`
)

// lookupTaken finds who holds the numbers and keys in the campaign's active
// lists. The queries run as unnamed statements: each is planned for its
// own arguments, since a cached generic plan for "= ANY($n)" can scan the
// table.
func (s *contactSink) lookupTaken(ctx context.Context, q querier, numbers []int64, keys []string) (*takenSet, error) {
	t := newTakenSet()
	if len(numbers) > 0 {
		rows, err := q.Query(ctx, takenNumbersSQL, pgx.QueryExecModeExec, s.campaignID, numbers)
		if err != nil {
			return nil, fmt.Errorf("look up duplicate numbers: %w", err)
		}
		var number int64
		var contact, list uint64
		var row int64
		if _, err := pgx.ForEachRow(rows, []any{&number, &contact, &list, &row}, func() error {
			t.numbers["+"+strconv.FormatInt(number, 10)] = s.who(contact, list, row)
			return nil
		}); err != nil {
			return nil, fmt.Errorf("look up duplicate numbers: %w", err)
		}
	}
	if len(keys) > 0 {
		rows, err := q.Query(ctx, takenKeysSQL, pgx.QueryExecModeExec, s.campaignID, keys)
		if err != nil {
			return nil, fmt.Errorf("look up duplicate external keys: %w", err)
		}
		var key string
		var contact, list uint64
		var row int64
		if _, err := pgx.ForEachRow(rows, []any{&key, &contact, &list, &row}, func() error {
			t.keys[key] = s.who(contact, list, row)
			return nil
		}); err != nil {
			return nil, fmt.Errorf("look up duplicate external keys: %w", err)
		}
	}
	return t, nil
}

// who names an earlier contact as a list owner finds it: by row in the
// same list, else by contact and list.
func (s *contactSink) who(contact, list uint64, row int64) string {
	if list == s.listID {
		return fmt.Sprintf("row %d", row)
	}
	return fmt.Sprintf("contact %d of list %d", contact, list)
}

// duplicateOf says why c repeats a contact already taken, in PostgreSQL or
// by an earlier row of this import, or "" when it does not.
func (t *takenSet) duplicateOf(c *candidate) string {
	if c.externalKey != "" {
		if who, ok := t.keys[c.externalKey]; ok {
			return fmt.Sprintf("external key %s is already %s", c.externalKey, who)
		}
		if row, ok := t.batchKeys[c.externalKey]; ok {
			return fmt.Sprintf("external key %s is already row %d", c.externalKey, row)
		}
	}
	for _, n := range c.numbers {
		if who, ok := t.numbers[n.Number]; ok {
			return fmt.Sprintf("number %s is already %s", n.Number, who)
		}
		if row, ok := t.batchNumbers[e164Digits(n.Number)]; ok {
			return fmt.Sprintf("number %s is already row %d", n.Number, row)
		}
	}
	return ""
}

// remember keeps c's numbers and key for the batch's later rows.
func (t *takenSet) remember(c *candidate) {
	if c.externalKey != "" {
		t.batchKeys[c.externalKey] = c.row
	}
	for _, n := range c.numbers {
		t.batchNumbers[e164Digits(n.Number)] = c.row
	}
}

// nextIDs takes n contact IDs from the sequence, so COPY can write contacts
// and their numbers together.
func nextIDs(ctx context.Context, q querier, n int) ([]uint64, error) {
	rows, err := q.Query(ctx, `SELECT nextval('contacts_id_seq') FROM generate_series(1, $1)`, n)
	if err != nil {
		return nil, fmt.Errorf("allocate contact ids: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uint64])
	if err != nil {
		return nil, fmt.Errorf("allocate contact ids: %w", err)
	}
	slices.Sort(ids)
	return ids, nil
}
