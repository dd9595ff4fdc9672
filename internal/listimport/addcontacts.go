package listimport

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/models"
)

// ContactRecord is one contact sent as JSON.
type ContactRecord struct {
	ExternalKey string
	Numbers     map[string]string // mode name → number
	TimeZone    string
	Attributes  map[string]string
}

// ContactResult says what became of one contact of a JSON batch.
type ContactResult struct {
	Index     int    `json:"index"`
	Status    string `json:"status"` // uploaded, failed, duplicate or dnc
	Reason    string `json:"reason,omitempty"`
	ContactID uint64 `json:"contact_id,omitempty"`
}

// AddContacts is the API path of an import: the same checks, DNC scrub and
// de-duplication as a file, for a batch sent as JSON, in one transaction.
// listID 0 starts a new API list; otherwise the batch appends to that list.
// It runs in the request, not in a workflow: the API reaches it through
// Lists.AddContacts, which also answers its problems as faults.
func AddContacts(ctx context.Context, db *models.DB, campaignID, listID uint64, recs []ContactRecord) (*models.ContactList, []ContactResult, error) {
	cc, err := loadCampaignContext(ctx, db, campaignID)
	if err != nil {
		return nil, nil, err
	}
	header, mapping, err := recordHeader(recs, cc.Modes)
	if err != nil {
		return nil, nil, err
	}
	list, err := apiList(ctx, db, cc, listID)
	if err != nil {
		return nil, nil, err
	}
	s, err := cc.sink(list, header, mapping)
	if err != nil {
		return nil, nil, err
	}
	first := list.RowsRead + 1
	batch := preparedBatch{candidates: make([]candidate, len(recs)), from: list.RowsRead, rowsRead: list.RowsRead + int64(len(recs)), progress: 1, known: true}
	for i, r := range recs {
		c := s.prepare(first+int64(i), recordCells(header, r))
		raw, err := json.Marshal(r)
		if err != nil {
			return nil, nil, fmt.Errorf("encode contact %d: %w", i, err)
		}
		c.cells = []string{string(raw)} // a failed row is shown as it was sent
		batch.candidates[i] = c
	}
	if err := s.prefetch(ctx, db.Pool, &batch); err != nil {
		return nil, nil, err
	}
	if _, err := (&Importer{DB: db}).commitBatch(ctx, list, s, batch); err != nil {
		return nil, nil, err
	}
	results, err := batchResults(ctx, db, list.ID, first, len(recs))
	if err != nil {
		return nil, nil, err
	}
	if list, err = models.Find[models.ContactList](ctx, db.DB, "list", list.ID); err != nil {
		return nil, nil, fmt.Errorf("reload list: %w", err)
	}
	return list, results, nil
}

// recordHeader lays JSON contacts out as a file would be: a header of
// external_key, time_zone, one column per mode and one per attribute.
func recordHeader(recs []ContactRecord, modes map[string]models.Mode) ([]string, models.ListMapping, error) {
	mapping := models.ListMapping{Modes: map[string]string{}, TimeZone: "time_zone", ExternalKey: "external_key"}
	var modeCols, attrCols []string
	for i, r := range recs {
		for m := range r.Numbers {
			if _, ok := modes[m]; !ok {
				return nil, mapping, fileErrorf("contacts[%d].numbers: mode %q is not configured", i, m)
			}
			if !slices.Contains(modeCols, m) {
				modeCols = append(modeCols, m)
			}
		}
		for k := range r.Attributes {
			if !slices.Contains(attrCols, k) {
				attrCols = append(attrCols, k)
			}
		}
	}
	slices.Sort(modeCols)
	slices.Sort(attrCols)
	for _, m := range modeCols {
		mapping.Modes[m] = "mode:" + m
	}
	header := []string{"external_key", "time_zone"}
	for _, m := range modeCols {
		header = append(header, "mode:"+m)
	}
	return append(header, attrCols...), mapping, nil
}

func recordCells(header []string, r ContactRecord) []string {
	cells := make([]string, len(header))
	cells[0], cells[1] = r.ExternalKey, r.TimeZone
	for i := 2; i < len(header); i++ {
		if m, ok := strings.CutPrefix(header[i], "mode:"); ok {
			cells[i] = r.Numbers[m]
		} else {
			cells[i] = r.Attributes[header[i]]
		}
	}
	return cells
}

// apiList returns the API list to append to, or a new one.
func apiList(ctx context.Context, db *models.DB, cc *campaignContext, listID uint64) (*models.ContactList, error) {
	if listID != 0 {
		list, err := findAPIList(ctx, db, cc.Campaign.ID, listID)
		if fault.Is(err, fault.NotFound) {
			return nil, fileErrorf("list_id %d is not an API list of campaign %d", listID, cc.Campaign.ID)
		}
		return list, err
	}
	now := time.Now()
	list := &models.ContactList{CampaignID: &cc.Campaign.ID, Type: "API", SubType: "NEW", Status: models.ListActive,
		Columns: models.JSONList[string]{"contact"}, StartTime: now, EndTime: now.AddDate(0, 0, cc.Campaign.TimeToLiveDays), ImportedAt: &now}
	if err := createList(ctx, db, list); err != nil {
		return nil, fmt.Errorf("create API list for campaign %d: %w", cc.Campaign.ID, err)
	}
	return list, nil
}

// batchResults reads back what became of rows first..first+n-1.
func batchResults(ctx context.Context, db *models.DB, listID uint64, first int64, n int) ([]ContactResult, error) {
	results := make([]ContactResult, n)
	for i := range results {
		results[i] = ContactResult{Index: i, Status: "uploaded"}
	}
	rejections, contacts, err := rowsBetween(ctx, db, listID, first, first+int64(n)-1)
	if err != nil {
		return nil, err
	}
	for _, r := range rejections {
		results[r.RowNumber-first].Status, results[r.RowNumber-first].Reason = r.Kind, r.Reason
	}
	for _, c := range contacts {
		results[c.RowNumber-first].ContactID = c.ID
	}
	return results, nil
}
