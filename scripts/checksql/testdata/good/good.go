package good

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

const table = "contacts"

// open is a shared fragment of SQL, built from constants.
func open(alias string) string { return alias + ".status <> 'closed'" }

func byID(ctx context.Context, db *gorm.DB, id uint64) {
	db.WithContext(ctx).Raw("SELECT * FROM "+table+" c WHERE c.id = ? AND "+open("c"), id)
}

func sorted(db *gorm.DB, column string) {
	db.Order(column)
}

func caller(db *gorm.DB, zones []string) {
	sorted(db, "id")
	sorted(db, "name DESC")
	extra := ""
	if zones != nil {
		extra = " AND time_zone IN ?"
	}
	db.Where("campaign_id = ?"+extra, 1, zones)
	db.Where(&struct{ ID uint64 }{ID: 1})
	_ = fmt.Sprintf("campaign %d is %s", 1, "active") // a message, not SQL
}
