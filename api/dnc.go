package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/phone"
)

// registerDNCEntries adds the entries of a DNC list as a sub-resource, since
// a list can hold millions of numbers and is never sent whole.
func registerDNCEntries(r *routes, db *gorm.DB) {
	r.handle(http.MethodGet, "/dnc-lists/:id/entries", op{summary: "List a DNC list's numbers", tag: "Configuration", response: page[models.DNCEntry]{}, query: []string{"q", "page", "per_page"}}, func(c *gin.Context) {
		id, err := dncListID(c, db)
		if err != nil {
			fail(c, err)
			return
		}
		q := db.WithContext(c.Request.Context()).Model(&models.DNCEntry{}).Where("dnc_list_id = ?", id)
		if s := strings.TrimSpace(c.Query("q")); s != "" {
			q = q.Where("number LIKE ?", "%"+strings.Trim(s, "%_")+"%")
		}
		listPage(c, q, "number", fmt.Sprintf("entries of DNC list %d", id), func(e *models.DNCEntry) (models.DNCEntry, error) { return *e, nil })
	})
	r.handle(http.MethodPost, "/dnc-lists/:id/entries", op{summary: "Add numbers to a DNC list (a number already there gets the new expiry)", tag: "Configuration", request: []models.DNCEntry{}, response: map[string]int{}}, func(c *gin.Context) {
		id, err := dncListID(c, db)
		if err != nil {
			fail(c, err)
			return
		}
		var entries []models.DNCEntry
		if err := decodeJSON(c.Request.Body, &entries); err != nil {
			fail(c, err)
			return
		}
		var e fieldErrors
		e.dncEntries("", entries)
		if p := e.problem("DNC entries"); p != nil {
			fail(c, p)
			return
		}
		for i := range entries {
			entries[i].DNCListID = id
		}
		if len(entries) > 0 {
			err := db.WithContext(c.Request.Context()).Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "dnc_list_id"}, {Name: "number"}},
				DoUpdates: clause.AssignmentColumns([]string{"expires_at"}),
			}).CreateInBatches(&entries, 1000).Error
			if err != nil {
				fail(c, fmt.Errorf("add dnc entries to %d: %w", id, err))
				return
			}
		}
		c.JSON(http.StatusOK, gin.H{"added": len(entries)})
	})
	r.handle(http.MethodDelete, "/dnc-lists/:id/entries/:number", op{summary: "Remove a number from a DNC list", tag: "Configuration", status: http.StatusNoContent}, func(c *gin.Context) {
		id, err := dncListID(c, db)
		if err != nil {
			fail(c, err)
			return
		}
		n, err := phone.Normalize(c.Param("number"), "US")
		if err != nil {
			fail(c, fieldErrors{{Field: "number", Detail: err.Error()}}.problem("number"))
			return
		}
		r := db.WithContext(c.Request.Context()).Where("dnc_list_id = ? AND number = ?", id, n).Delete(&models.DNCEntry{})
		if r.Error != nil {
			fail(c, fmt.Errorf("remove %s from dnc list %d: %w", n, id, r.Error))
			return
		}
		if r.RowsAffected == 0 {
			fail(c, notFound("DNC entry", n))
			return
		}
		c.Status(http.StatusNoContent)
	})
}

func dncListID(c *gin.Context, db *gorm.DB) (uint64, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return 0, err
	}
	var l models.DNCList
	if err := db.WithContext(c.Request.Context()).Select("id").First(&l, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return 0, notFound("DNC list", id)
		}
		return 0, fmt.Errorf("read dnc list %d: %w", id, err)
	}
	return id, nil
}
