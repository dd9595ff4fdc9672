package configuration

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/phone"
)

// checkDNCList answers a NotFound fault unless DNC list id exists.
func checkDNCList(ctx context.Context, db *models.DB, id uint64) error {
	var l models.DNCList
	err := db.WithContext(ctx).Select("id").First(&l, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fault.NotFoundf("DNC list", id)
	}
	if err != nil {
		return fmt.Errorf("read dnc list %d: %w", id, err)
	}
	return nil
}

// DNCEntries is one page of DNC list listID's numbers, in order; q, when
// not blank, keeps the numbers that contain it. A list's entries are read
// and changed apart from the list (DNCLists), since a list can hold
// millions of numbers and is never sent whole.
func DNCEntries(ctx context.Context, db *models.DB, listID uint64, q string, p models.PageRequest) (models.Page[models.DNCEntry], error) {
	if err := checkDNCList(ctx, db, listID); err != nil {
		return models.Page[models.DNCEntry]{}, err
	}
	tx := db.WithContext(ctx).Model(&models.DNCEntry{}).Where("dnc_list_id = ?", listID)
	if s := strings.TrimSpace(q); s != "" {
		tx = tx.Where("number LIKE ?", "%"+strings.Trim(s, "%_")+"%")
	}
	return models.FindPage[models.DNCEntry](ctx, tx, "number", p, fmt.Sprintf("entries of DNC list %d", listID))
}

// AddDNCEntries puts entries on DNC list listID, each number normalised to
// E.164 (US numbers may be national); a number already there gets the new
// expiry. It returns how many entries it stored.
func AddDNCEntries(ctx context.Context, db *models.DB, listID uint64, entries []models.DNCEntry) (int, error) {
	if err := checkDNCList(ctx, db, listID); err != nil {
		return 0, err
	}
	var c checks
	c.dncEntries("", entries)
	if err := c.Err("DNC entries"); err != nil {
		return 0, err
	}
	if len(entries) == 0 {
		return 0, nil
	}
	for i := range entries {
		entries[i].DNCListID = listID
	}
	err := db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "dnc_list_id"}, {Name: "number"}},
		DoUpdates: clause.AssignmentColumns([]string{"expires_at"}),
	}).CreateInBatches(&entries, 1000).Error
	if err != nil {
		return 0, fmt.Errorf("add dnc entries to %d: %w", listID, err)
	}
	return len(entries), nil
}

// RemoveDNCEntry takes number off DNC list listID.
func RemoveDNCEntry(ctx context.Context, db *models.DB, listID uint64, number string) error {
	if err := checkDNCList(ctx, db, listID); err != nil {
		return err
	}
	n, err := phone.Normalize(number, "US")
	if err != nil {
		return fault.Fields{{Field: "number", Detail: err.Error()}}.Err("number")
	}
	r := db.WithContext(ctx).Where("dnc_list_id = ? AND number = ?", listID, n).Delete(&models.DNCEntry{})
	if r.Error != nil {
		return fmt.Errorf("remove %s from dnc list %d: %w", n, listID, r.Error)
	}
	if r.RowsAffected == 0 {
		return fault.NotFoundf("DNC entry", n)
	}
	return nil
}
