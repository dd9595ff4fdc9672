package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"

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
	// resumed: rows of this list were committed before this sink; they are
	// looked up in PostgreSQL, like other lists' rows.
	resumed bool
	// ownNumbers are the numbers this sink stored, and ownKeys the 64-bit
	// hashes of its external keys: most lists are their campaign's only
	// active one, and then a batch looks up in PostgreSQL only the numbers
	// and keys that it repeats, for the row they repeat (and, for keys, to
	// tell a repeat from a hash collision). Sets of integers keep a
	// million rows' worth in a few tens of MiB.
	ownNumbers map[int64]struct{}
	ownKeys    map[uint64]struct{}
	seed       maphash.Seed
	// dnc are the DNC entries in force for the campaign when the import
	// began, by number, as bits of dncCategories, when there are few enough
	// to hold; nil: each batch looks its numbers up in PostgreSQL.
	dnc map[int64]uint8
}

// CampaignContext is what a campaign's imports are checked against.
type CampaignContext struct {
	Campaign models.Campaign
	Zone     string // IANA zone of the campaign
	Modes    map[string]models.Mode
}

// LoadCampaignContext reads a campaign, its zone, its DNC lists and the modes.
func LoadCampaignContext(ctx context.Context, db *models.DB, campaignID uint64) (*CampaignContext, error) {
	cc := &CampaignContext{Modes: map[string]models.Mode{}}
	if err := db.WithContext(ctx).First(&cc.Campaign, campaignID).Error; err != nil {
		return nil, fmt.Errorf("load campaign %d: %w", campaignID, err)
	}
	var tz models.TimeZone
	if err := db.WithContext(ctx).First(&tz, cc.Campaign.TimeZoneID).Error; err != nil {
		return nil, fmt.Errorf("load zone of campaign %d: %w", campaignID, err)
	}
	cc.Zone = tz.IANAZone
	links, err := models.CampaignDNCLists.Load(db.WithContext(ctx), []uint64{campaignID})
	if err != nil {
		return nil, err
	}
	cc.Campaign.DNCListIDs = links[campaignID]
	var modes []models.Mode
	if err := db.WithContext(ctx).Find(&modes).Error; err != nil {
		return nil, fmt.Errorf("load modes: %w", err)
	}
	for _, m := range modes {
		cc.Modes[m.Name] = m
	}
	return cc, nil
}

func (a *Activities) newContactSink(ctx context.Context, list *models.ContactList, header []string) (*contactSink, error) {
	cc, err := LoadCampaignContext(ctx, a.DB, *list.CampaignID)
	if err != nil {
		return nil, err
	}
	s, err := cc.sink(list, header, list.Mapping.V)
	if err != nil {
		return nil, err
	}
	s.dnc, err = loadDNC(ctx, a.DB.Pool, s.dncLists, a.DNCInMemory)
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

func (cc *CampaignContext) sink(list *models.ContactList, header []string, mapping models.ListMapping) (*contactSink, error) {
	l, err := newLayout(header, mapping, cc.Modes, cc.Campaign.DefaultRegion, cc.Zone)
	if err != nil {
		return nil, err
	}
	dncLists := cc.Campaign.DNCListIDs
	if dncLists == nil {
		dncLists = []uint64{} // "= ANY(NULL)" would match nothing, but says so less plainly
	}
	return &contactSink{campaignID: cc.Campaign.ID, listID: list.ID, layout: l, dncLists: dncLists,
		resumed: list.RowsRead > 0, ownNumbers: map[int64]struct{}{}, ownKeys: map[uint64]struct{}{}, seed: maphash.MakeSeed()}, nil
}

func (s *contactSink) prepare(row int64, cells []string) candidate {
	return s.layout.classify(row, cells)
}

// importLockKey namespaces the advisory locks imports take per campaign.
const importLockKey = 7301

// prefetch finds, outside the batch's transaction, which numbers of the
// batch are on a DNC list in force: while the batch before commits.
func (s *contactSink) prefetch(ctx context.Context, q querier, b *preparedBatch) error {
	var numbers []string
	for i := range b.candidates {
		if b.candidates[i].fail == "" {
			for _, n := range b.candidates[i].numbers {
				numbers = append(numbers, n.Number)
			}
		}
	}
	if s.dnc == nil {
		dnc, err := lookupDNC(ctx, q, numbers, s.dncLists)
		b.dnc = dnc
		return err
	}
	b.dnc = map[string][]string{}
	for _, n := range numbers {
		if bits := s.dnc[e164Digits(n)]; bits != 0 {
			b.dnc[n] = categorySets[bits]
		}
	}
	return nil
}

func (s *contactSink) commit(ctx context.Context, tx pgx.Tx, b *preparedBatch) (models.ListStats, []models.Rejection, error) {
	batch := b.candidates
	var stats models.ListStats
	var rejections []models.Rejection
	reject := func(c *candidate, kind, reason string) {
		rejections = append(rejections, models.Rejection{RowNumber: c.row, Kind: kind, Reason: reason, Cells: c.cells})
	}
	// One import at a time per campaign, so two lists cannot both take a
	// number.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, importLockKey, int32(s.campaignID)); err != nil {
		return stats, nil, fmt.Errorf("lock campaign %d: %w", s.campaignID, err)
	}
	// Custom plans: a generic plan for "= ANY($n)" can scan the table.
	if _, err := tx.Exec(ctx, `SET LOCAL plan_cache_mode = force_custom_plan`); err != nil {
		return stats, nil, fmt.Errorf("set plan cache mode: %w", err)
	}
	var others bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM contact_lists WHERE campaign_id = $1 AND id <> $2 AND status IN ('importing', 'active'))`,
		s.campaignID, s.listID).Scan(&others); err != nil {
		return stats, nil, fmt.Errorf("look up the campaign's other lists: %w", err)
	}
	// PostgreSQL holds rows this sink did not see: look everything up.
	all := others || s.resumed
	var digits []int64
	var keys []string
	for i := range batch {
		c := &batch[i]
		if c.fail != "" {
			continue
		}
		for _, n := range c.numbers {
			d := e164Digits(n.Number)
			if _, seen := s.ownNumbers[d]; all || seen {
				digits = append(digits, d)
			}
		}
		if c.externalKey == "" {
			continue
		}
		if _, seen := s.ownKeys[maphash.String(s.seed, c.externalKey)]; all || seen {
			keys = append(keys, c.externalKey)
		}
	}
	taken, err := s.lookupTaken(ctx, tx, digits, keys)
	if err != nil {
		return stats, nil, err
	}

	var keep []*candidate
	for i := range batch {
		c := &batch[i]
		stats.Processed++
		if c.fail != "" {
			stats.Failed++
			reject(c, "failed", c.fail)
			continue
		}
		if hits := scrubDNC(c, b.dnc, &stats); len(c.numbers) == 0 {
			stats.DNCSuppressed++
			reject(c, "dnc", "every number is on a DNC list: "+strings.Join(hits, ", "))
			continue
		}
		if why := taken.duplicateOf(c); why != "" {
			stats.Duplicate++
			reject(c, "duplicate", why)
			continue
		}
		s.remember(taken, c)
		stats.Uploaded++
		stats.ModeFailed += int64(len(c.modeFailed))
		keep = append(keep, c)
	}
	if len(keep) == 0 {
		return stats, rejections, nil
	}
	ids, err := nextIDs(ctx, tx, len(keep))
	if err != nil {
		return stats, nil, err
	}
	var nums [][]any
	contacts := make([][]any, len(keep))
	for i, c := range keep {
		contacts[i] = []any{ids[i], s.campaignID, s.listID, c.row, c.externalKey, json.RawMessage(c.attributes), json.RawMessage(numbersJSON(c.numbers)), c.timeZone, "new"}
		for _, n := range c.numbers {
			nums = append(nums, []any{s.campaignID, e164Digits(n.Number), ids[i]})
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"contacts"},
		[]string{"id", "campaign_id", "list_id", "row_number", "external_key", "attributes", "numbers", "time_zone", "status"},
		pgx.CopyFromRows(contacts)); err != nil {
		return stats, nil, fmt.Errorf("copy contacts: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"contact_numbers"}, []string{"campaign_id", "number", "contact_id"},
		pgx.CopyFromRows(nums)); err != nil {
		return stats, nil, fmt.Errorf("copy contact numbers: %w", err)
	}
	return stats, rejections, nil
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

// e164Digits is an E.164 number as the integer contact_numbers stores.
func e164Digits(e164 string) int64 {
	n, _ := strconv.ParseInt(strings.TrimPrefix(e164, "+"), 10, 64) // Normalize made it digits
	return n
}

func (s *contactSink) lookupTaken(ctx context.Context, tx pgx.Tx, numbers []int64, keys []string) (*takenSet, error) {
	t := &takenSet{numbers: map[string]string{}, keys: map[string]string{}, batchKeys: map[string]int64{}, batchNumbers: map[int64]int64{}}
	if len(numbers) > 0 {
		// The matches first, by the number index alone: contacts is rarely
		// analysed while an import fills it, and the planner would rather
		// scan the whole list by its list_id index.
		rows, err := tx.Query(ctx, `WITH m AS MATERIALIZED (SELECT number, contact_id FROM contact_numbers WHERE campaign_id = $1 AND number = ANY($2))
			SELECT m.number, m.contact_id, c.list_id, c.row_number FROM m
			JOIN contacts c ON c.id = m.contact_id JOIN contact_lists l ON l.id = c.list_id
			WHERE l.status IN ('importing', 'active')`, s.campaignID, numbers)
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
		// As above; "<> ''" lets the partial index serve.
		rows, err := tx.Query(ctx, `WITH m AS MATERIALIZED (SELECT external_key, id, list_id, row_number FROM contacts
			  WHERE campaign_id = $1 AND external_key <> '' AND external_key = ANY($2))
			SELECT m.external_key, m.id, m.list_id, m.row_number FROM m JOIN contact_lists l ON l.id = m.list_id
			WHERE l.status IN ('importing', 'active')`, s.campaignID, keys)
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

// remember keeps c's numbers and key for the rows after it: with its row
// for the batch, and in the sink's sets for the whole import (later
// batches find the row in PostgreSQL). A batch that fails to commit ends
// the attempt, so nothing uncommitted outlives it.
func (s *contactSink) remember(t *takenSet, c *candidate) {
	if c.externalKey != "" {
		t.batchKeys[c.externalKey] = c.row
		s.ownKeys[maphash.String(s.seed, c.externalKey)] = struct{}{}
	}
	for _, n := range c.numbers {
		d := e164Digits(n.Number)
		t.batchNumbers[d] = c.row
		s.ownNumbers[d] = struct{}{}
	}
}

// nextIDs takes n contact IDs from the sequence, so COPY can write contacts
// and their numbers together.
func nextIDs(ctx context.Context, tx pgx.Tx, n int) ([]uint64, error) {
	rows, err := tx.Query(ctx, `SELECT nextval('contacts_id_seq') FROM generate_series(1, $1)`, n)
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
