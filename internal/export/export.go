// Package export gives a campaign's or a list's results back as rows for a
// spreadsheet: one per contact, with its fields and where it ended, and one
// per attempt, with the evidence of the checks it passed. Rows are read from
// PostgreSQL as they are written, list by list in row order, so an export of
// a million contacts holds one row at a time.
package export

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/models"
)

// Scope is what an export covers: a campaign's lists, or one list.
type Scope struct {
	CampaignID uint64
	ListID     uint64
}

// Sheet is one table of an export: its name, its header and its rows, read
// as they are ranged over. A row the database fails to give ends the
// rows with the error.
type Sheet struct {
	Name   string
	Header []string
	Rows   iter.Seq2[[]string, error]
}

// Exporter reads exports from the database.
type Exporter struct{ DB *models.DB }

// lists are the IDs of the scope's lists, in the order they were made;
// a scope that does not exist is NotFound.
func (e *Exporter) lists(ctx context.Context, s Scope) ([]uint64, error) {
	if s.ListID != 0 {
		if _, err := models.Find[models.ContactList](ctx, e.DB.DB, "list", s.ListID); err != nil {
			return nil, err
		}
		return []uint64{s.ListID}, nil
	}
	if _, err := models.Find[models.Campaign](ctx, e.DB.DB, "campaign", s.CampaignID); err != nil {
		return nil, err
	}
	var ids []uint64
	if err := e.DB.WithContext(ctx).Model(&models.ContactList{}).Where("campaign_id = ?", s.CampaignID).Order("id").Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("export campaign %d: read its lists: %w", s.CampaignID, err)
	}
	return ids, nil
}

// fixedContactColumns come first in the contacts sheet; each mode's number
// and each attribute found in the scope follow them.
var fixedContactColumns = []string{"contact_id", "list_id", "row_number", "external_key", "time_zone", "status",
	"closed_reason", "attempt_count", "last_attempt_at", "last_telephony_outcome", "last_business_outcome"}

// Contacts is the scope's contacts sheet: a row per contact, in list and
// row order.
func (e *Exporter) Contacts(ctx context.Context, s Scope) (Sheet, error) {
	lists, err := e.lists(ctx, s)
	if err != nil {
		return Sheet{}, err
	}
	// The columns a contact may fill: the modes its numbers have and its
	// attributes' keys, as found in the scope's contacts.
	var modes, keys []string
	if err := e.DB.WithContext(ctx).Raw(`SELECT DISTINCT n->>'mode' FROM contacts, jsonb_array_elements(numbers) n
		WHERE list_id IN ? ORDER BY 1`, lists).Scan(&modes).Error; err != nil {
		return Sheet{}, fmt.Errorf("export: read the modes of the contacts: %w", err)
	}
	if err := e.DB.WithContext(ctx).Raw(`SELECT DISTINCT jsonb_object_keys(attributes) FROM contacts
		WHERE list_id IN ? AND jsonb_typeof(attributes) = 'object' ORDER BY 1`, lists).Scan(&keys).Error; err != nil {
		return Sheet{}, fmt.Errorf("export: read the attributes of the contacts: %w", err)
	}
	header := append([]string{}, fixedContactColumns...)
	for _, m := range modes {
		header = append(header, "number "+m)
	}
	header = append(header, keys...)

	rows := e.rowsOf(ctx, lists, "contacts", `SELECT c.id, c.list_id, c.row_number, c.external_key, c.time_zone, c.status, c.closed_reason,
		c.attempt_count, c.numbers, c.attributes, l.started_at, l.telephony_outcome, l.business_outcome
		FROM contacts c LEFT JOIN LATERAL (SELECT started_at, telephony_outcome, business_outcome FROM attempts a
			WHERE a.contact_id = c.id ORDER BY a.seq DESC LIMIT 1) l ON true
		WHERE c.list_id = $1 ORDER BY c.row_number`, func(rows pgx.Rows) ([]string, error) {
		var (
			c                   models.Contact
			numbers, attributes []byte
			lastAt              *time.Time
			telephony, business *string
		)
		if err := rows.Scan(&c.ID, &c.ListID, &c.RowNumber, &c.ExternalKey, &c.TimeZone, &c.Status, &c.ClosedReason,
			&c.AttemptCount, &numbers, &attributes, &lastAt, &telephony, &business); err != nil {
			return nil, err
		}
		return contactRow(c, numbers, attributes, lastAt, telephony, business, modes, keys)
	})
	return Sheet{Name: "Contacts", Header: header, Rows: rows}, nil
}

func contactRow(c models.Contact, numbers, attributes []byte, lastAt *time.Time, telephony, business *string, modes, keys []string) ([]string, error) {
	var nums []models.ContactNumber
	if len(numbers) > 0 {
		if err := json.Unmarshal(numbers, &nums); err != nil {
			return nil, fmt.Errorf("export contact %d: its numbers: %w", c.ID, err)
		}
	}
	attrs := map[string]string{}
	if len(attributes) > 0 && string(attributes) != "null" {
		if err := json.Unmarshal(attributes, &attrs); err != nil {
			return nil, fmt.Errorf("export contact %d: its attributes: %w", c.ID, err)
		}
	}
	row := []string{strconv.FormatUint(c.ID, 10), strconv.FormatUint(c.ListID, 10), strconv.FormatInt(c.RowNumber, 10), c.ExternalKey,
		c.TimeZone, c.Status, c.ClosedReason, strconv.Itoa(c.AttemptCount), timeCell(lastAt), deref(telephony), deref(business)}
	for _, m := range modes {
		var ns []string
		for _, n := range nums {
			if n.Mode == m {
				ns = append(ns, n.Number)
			}
		}
		row = append(row, strings.Join(ns, " "))
	}
	for _, k := range keys {
		row = append(row, attrs[k])
	}
	return row, nil
}

// attemptColumns are the attempts sheet's.
var attemptColumns = []string{"attempt_id", "contact_id", "list_id", "seq", "mode", "number", "agent", "started_at", "dial_accepted_at",
	"answered_at", "ended_at", "telephony_outcome", "business_outcome", "decision", "evidence"}

// Attempts is the scope's attempts sheet: a row per attempt, by contact in
// list and row order, then by attempt.
func (e *Exporter) Attempts(ctx context.Context, s Scope) (Sheet, error) {
	lists, err := e.lists(ctx, s)
	if err != nil {
		return Sheet{}, err
	}
	rows := e.rowsOf(ctx, lists, "attempts", `SELECT a.id, a.contact_id, c.list_id, a.seq, a.mode, a.number, a.agent, a.started_at,
		a.dial_accepted_at, a.answered_at, a.ended_at, a.telephony_outcome, a.business_outcome, a.decision, COALESCE(a.evidence::text, '')
		FROM contacts c JOIN attempts a ON a.contact_id = c.id WHERE c.list_id = $1 ORDER BY c.row_number, a.seq`, func(rows pgx.Rows) ([]string, error) {
		var (
			a                         models.Attempt
			listID                    uint64
			evidence                  string
			accepted, answered, ended *time.Time
		)
		if err := rows.Scan(&a.ID, &a.ContactID, &listID, &a.Seq, &a.Mode, &a.Number, &a.Agent, &a.StartedAt,
			&accepted, &answered, &ended, &a.TelephonyOutcome, &a.BusinessOutcome, &a.Decision, &evidence); err != nil {
			return nil, err
		}
		return []string{a.ID, strconv.FormatUint(a.ContactID, 10), strconv.FormatUint(listID, 10), strconv.Itoa(a.Seq), a.Mode, a.Number,
			a.Agent, timeCell(&a.StartedAt), timeCell(accepted), timeCell(answered), timeCell(ended), a.TelephonyOutcome,
			a.BusinessOutcome, a.Decision, evidence}, nil
	})
	return Sheet{Name: "Attempts", Header: append([]string{}, attemptColumns...), Rows: rows}, nil
}

// rowsOf ranges over query's rows list by list (the query takes the list's
// ID as $1), each made a row of cells by cells, holding one at a time.
func (e *Exporter) rowsOf(ctx context.Context, lists []uint64, what, query string, cells func(pgx.Rows) ([]string, error)) iter.Seq2[[]string, error] {
	return func(yield func([]string, error) bool) {
		for _, list := range lists {
			more, err := e.listRows(ctx, list, query, cells, yield)
			if err != nil {
				yield(nil, fmt.Errorf("export the %s of list %d: %w", what, list, err))
				return
			}
			if !more {
				return
			}
		}
	}
}

// listRows yields one list's rows; more is false when the consumer
// stopped taking them.
func (e *Exporter) listRows(ctx context.Context, list uint64, query string, cells func(pgx.Rows) ([]string, error), yield func([]string, error) bool) (more bool, err error) {
	rows, err := e.DB.Pool.Query(ctx, query, list)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		row, err := cells(rows)
		if err != nil {
			return false, err
		}
		if !yield(row, nil) {
			return false, nil
		}
	}
	return true, rows.Err()
}

// Both are the contacts sheet, then the attempts sheet.
func (e *Exporter) Both(ctx context.Context, s Scope) ([]Sheet, error) {
	contacts, err := e.Contacts(ctx, s)
	if err != nil {
		return nil, err
	}
	attempts, err := e.Attempts(ctx, s)
	if err != nil {
		return nil, err
	}
	return []Sheet{contacts, attempts}, nil
}

// Sheet names the ?sheet= values of a CSV export.
func (e *Exporter) Sheet(ctx context.Context, s Scope, name string) (Sheet, error) {
	switch name {
	case "", "contacts":
		return e.Contacts(ctx, s)
	case "attempts":
		return e.Attempts(ctx, s)
	}
	var f fault.Fields
	f.Add("sheet", "must be contacts or attempts, not %q", name)
	return Sheet{}, f.Err("query")
}

func timeCell(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
