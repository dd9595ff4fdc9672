package listimport

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"gorm.io/gorm"

	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/window"
)

// The package's SQL, but for an import's batches: the sinks look those up
// and write them (by COPY) in the batch's transaction.

// saveHeader records the file's columns and its data rows, when known.
func saveHeader(ctx context.Context, db *models.DB, list *models.ContactList, header []string, rowsTotal int64) error {
	err := db.WithContext(ctx).Model(list).Updates(map[string]any{"columns": models.JSONList[string](header), "rows_total": rowsTotal}).Error
	if err != nil {
		return fmt.Errorf("save header: %w", err)
	}
	return nil
}

// finishImport marks a list imported, and active unless it was stopped
// meanwhile.
func finishImport(ctx context.Context, db *models.DB, listID uint64) error {
	now := time.Now()
	err := db.WithContext(ctx).Exec(`UPDATE contact_lists SET imported_at = ?, updated_at = ?,
		status = CASE WHEN status = 'importing' THEN 'active' ELSE status END WHERE id = ?`, now, now, listID).Error
	if err != nil {
		return fmt.Errorf("finish: %w", err)
	}
	return nil
}

// failList marks a list failed, with why.
func failList(ctx context.Context, db *models.DB, listID uint64, reason string) error {
	return db.WithContext(ctx).Model(&models.ContactList{}).Where("id = ?", listID).
		Updates(map[string]any{"status": models.ListFailed, "error": storable(reason, MaxErrorBytes), "updated_at": time.Now()}).Error
}

// loadCampaignContext reads a campaign, its zone, its DNC lists and the modes.
func loadCampaignContext(ctx context.Context, db *models.DB, campaignID uint64) (*campaignContext, error) {
	cc := &campaignContext{Modes: map[string]models.Mode{}}
	if err := db.WithContext(ctx).First(&cc.Campaign, campaignID).Error; err != nil {
		return nil, fmt.Errorf("load campaign %d: %w", campaignID, err)
	}
	var tz models.TimeZone
	if err := db.WithContext(ctx).First(&tz, cc.Campaign.TimeZoneID).Error; err != nil {
		return nil, fmt.Errorf("load zone of campaign %d: %w", campaignID, err)
	}
	cc.Zone = tz.IANAZone
	if z, err := window.Canonical(tz.IANAZone); err == nil {
		cc.Zone = z // rows stored before names were canonical
	}
	links, err := models.CampaignDNCLists.Load(db.WithContext(ctx), []uint64{campaignID})
	if err != nil {
		return nil, err
	}
	cc.Campaign.DNCListIDs = links[campaignID]
	modes, err := loadModes(ctx, db)
	if err != nil {
		return nil, err
	}
	for _, m := range modes {
		cc.Modes[m.Name] = m
	}
	return cc, nil
}

// loadModes reads the configured modes.
func loadModes(ctx context.Context, db *models.DB) ([]models.Mode, error) {
	var modes []models.Mode
	if err := db.WithContext(ctx).Find(&modes).Error; err != nil {
		return nil, fmt.Errorf("load modes: %w", err)
	}
	return modes, nil
}

// findAPIList reads an API list of a campaign.
func findAPIList(ctx context.Context, db *models.DB, campaignID, listID uint64) (*models.ContactList, error) {
	var list models.ContactList
	err := db.WithContext(ctx).Where("id = ? AND campaign_id = ? AND type = 'API'", listID, campaignID).First(&list).Error
	if err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, fault.NotFoundf("API list", listID)
		}
		return nil, fmt.Errorf("read list %d: %w", listID, err)
	}
	return &list, nil
}

// createList stores a new list.
func createList(ctx context.Context, db *models.DB, list *models.ContactList) error {
	return db.WithContext(ctx).Create(list).Error
}

// setFilePath records where a list's file waits for its import.
func setFilePath(ctx context.Context, db *models.DB, list *models.ContactList, path string) error {
	return db.WithContext(ctx).Model(list).Update("file_path", path).Error
}

// setListStatus sets a list's status.
func setListStatus(ctx context.Context, db *models.DB, list *models.ContactList, status string) error {
	return db.WithContext(ctx).Model(list).Updates(map[string]any{"status": status, "updated_at": time.Now()}).Error
}

// hasGlobalList reports whether a campaign has lists under a global list ID.
func hasGlobalList(ctx context.Context, db *models.DB, campaignID uint64, global string) (bool, error) {
	var n int64
	err := db.WithContext(ctx).Model(&models.ContactList{}).Where("campaign_id = ? AND global_list_id = ?", campaignID, global).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("find list %q of campaign %d: %w", global, campaignID, err)
	}
	return n > 0, nil
}

// countContacts counts a list's contacts that may still be dialed, and
// those never dialed.
func countContacts(ctx context.Context, db *models.DB, listID uint64) (available, pending int64, err error) {
	var counts struct{ Available, Pending int64 }
	err = db.WithContext(ctx).Raw(`SELECT count(*) FILTER (WHERE status NOT IN ('closed', 'expired')) AS available,
		count(*) FILTER (WHERE status = 'new') AS pending FROM contacts WHERE list_id = ?`, listID).Scan(&counts).Error
	if err != nil {
		return 0, 0, fmt.Errorf("count contacts of list %d: %w", listID, err)
	}
	return counts.Available, counts.Pending, nil
}

// campaignLists reads a page of a campaign's lists, newest first.
func campaignLists(ctx context.Context, db *models.DB, campaignID uint64, p models.PageRequest) (models.Page[models.ContactList], error) {
	q := db.Model(&models.ContactList{}).Where("campaign_id = ?", campaignID)
	return models.FindPage[models.ContactList](ctx, q, "id DESC", p, fmt.Sprintf("lists of campaign %d", campaignID))
}

// listContacts reads a page of a list's contacts, in row order.
// MaxContactPageBytes bounds a page of contacts by size as well as by
// count: a contact carries its row's attributes, and a thousand big ones
// once made a page of 1 GB. A page holds at least one contact, however big.
const MaxContactPageBytes = 4 << 20

// ContactPage is a page of a list's contacts, cut short of its count when
// its contacts would pass MaxContactPageBytes.
type ContactPage struct {
	models.Page[models.Contact]
	// Truncated is set when the page stops short of per_page for its size.
	Truncated bool
	// More is set when contacts follow the page's last one.
	More bool
}

// listContacts reads a page of the list's contacts in row order: page p,
// or the first p.PerPage after row afterRow when it is positive. Their
// sizes are read first, so that no more is loaded than the page can hold.
// contactPick is a ContactFilter as the query reads it: key is matched to
// the external key and, when it reads as one, number to the numbers, each
// through its campaign's index.
type contactPick struct {
	status     string
	key        string
	campaignID uint64
	number     int64
}

func listContacts(ctx context.Context, db *models.DB, listID uint64, pick contactPick, p models.PageRequest, afterRow int64) (ContactPage, error) {
	what := fmt.Sprintf("contacts of list %d", listID)
	out := ContactPage{Page: models.Page[models.Contact]{Page: p.Page, PerPage: p.PerPage, Items: []models.Contact{}}}
	ofList := func() *gorm.DB {
		q := db.WithContext(ctx).Model(&models.Contact{}).Where("list_id = ?", listID)
		if pick.status != "" {
			q = q.Where("status = ?", pick.status)
		}
		if pick.key != "" {
			q = q.Where(`((campaign_id = ? AND external_key = ?) OR id IN (SELECT contact_id FROM contact_numbers WHERE campaign_id = ? AND number = ?))`,
				pick.campaignID, pick.key, pick.campaignID, pick.number)
		}
		return q
	}
	if err := ofList().Count(&out.Total).Error; err != nil {
		return out, fmt.Errorf("count %s: %w", what, err)
	}
	q := ofList().Order("row_number")
	switch {
	case afterRow > 0:
		q = q.Where("row_number > ?", afterRow)
	case int64(p.Page-1) > out.Total/int64(p.PerPage):
		return out, nil // past the end; the division keeps the offset from overflowing
	default:
		q = q.Offset((p.Page - 1) * p.PerPage)
	}
	var sizes []struct {
		ID   uint64
		Size int64
	}
	// One more than the page, to know whether more follow.
	err := q.Select("id, octet_length(attributes::text) + octet_length(numbers::text) AS size").Limit(p.PerPage + 1).Scan(&sizes).Error
	if err != nil {
		return out, fmt.Errorf("size %s: %w", what, err)
	}
	out.More = len(sizes) > p.PerPage
	var ids []uint64
	var bytes int64
	for i, s := range sizes[:min(len(sizes), p.PerPage)] {
		if i > 0 && bytes+s.Size > MaxContactPageBytes {
			out.Truncated, out.More = true, true
			break
		}
		bytes += s.Size
		ids = append(ids, s.ID)
	}
	if len(ids) == 0 {
		return out, nil
	}
	if err := db.WithContext(ctx).Where("id IN ?", ids).Order("row_number").Find(&out.Items).Error; err != nil {
		return out, fmt.Errorf("list %s: %w", what, err)
	}
	return out, nil
}

// rejectionRows reads a list's rejected rows in row order. The query runs
// at once, so that its failure comes before anything is shown; the rows
// are read as the caller ranges over them, until it calls done.
func rejectionRows(ctx context.Context, db *models.DB, listID uint64) (rows iter.Seq2[*models.Rejection, error], done func(), err error) {
	cursor, err := db.WithContext(ctx).Model(&models.Rejection{}).Where("list_id = ?", listID).Order("row_number").Rows()
	if err != nil {
		return nil, nil, fmt.Errorf("failed rows of list %d: %w", listID, err)
	}
	rows = func(yield func(*models.Rejection, error) bool) {
		for cursor.Next() {
			var r models.Rejection
			if err := db.ScanRows(cursor, &r); err != nil {
				yield(nil, fmt.Errorf("failed rows of list %d: %w", listID, err))
				return
			}
			if !yield(&r, nil) {
				return
			}
		}
		if err := cursor.Err(); err != nil {
			yield(nil, fmt.Errorf("failed rows of list %d: %w", listID, err))
		}
	}
	return rows, func() { _ = cursor.Close() }, nil
}

// rowsBetween reads what became of a list's rows first..last: the rows
// rejected, and the IDs of the contacts stored.
func rowsBetween(ctx context.Context, db *models.DB, listID uint64, first, last int64) ([]models.Rejection, []models.Contact, error) {
	var rejections []models.Rejection
	if err := db.WithContext(ctx).Where("list_id = ? AND row_number BETWEEN ? AND ?", listID, first, last).Find(&rejections).Error; err != nil {
		return nil, nil, fmt.Errorf("read rejections of list %d: %w", listID, err)
	}
	var contacts []models.Contact
	if err := db.WithContext(ctx).Select("id", "row_number").Where("list_id = ? AND row_number BETWEEN ? AND ?", listID, first, last).Find(&contacts).Error; err != nil {
		return nil, nil, fmt.Errorf("read contacts of list %d: %w", listID, err)
	}
	return rejections, contacts, nil
}
