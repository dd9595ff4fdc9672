package listimport

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/models"
)

// The lists' reads and writes of one row at a time; the import's batches
// write through the sinks, by COPY.

// findList reads a list; a missing one is a NotFound fault.
func findList(ctx context.Context, db *models.DB, id uint64) (*models.ContactList, error) {
	var list models.ContactList
	if err := db.WithContext(ctx).First(&list, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, fault.NotFoundf("list", id)
		}
		return nil, fmt.Errorf("read list %d: %w", id, err)
	}
	return &list, nil
}

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
		Updates(map[string]any{"status": models.ListFailed, "error": reason, "updated_at": time.Now()}).Error
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
