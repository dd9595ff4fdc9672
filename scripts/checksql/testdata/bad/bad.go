package bad

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

func byID(db *gorm.DB, id string) {
	db.Raw(fmt.Sprintf("SELECT * FROM contacts WHERE id = %s", id))
}

func byName(ctx context.Context, db *gorm.DB, name string) {
	q := "SELECT * FROM contacts WHERE name = '" + name + "'"
	db.WithContext(ctx).Raw(q)
}

func where(db *gorm.DB, name string) {
	db.Where("name = " + name)
}

func sorted(db *gorm.DB, column string) {
	db.Order(column)
}

func caller(db *gorm.DB, fromRequest string) {
	sorted(db, fromRequest)
}

func clause(v string) string {
	return "SELECT id FROM contacts WHERE status = '" + v + "'"
}

func useClause(db *gorm.DB, v string) {
	db.Exec("DELETE FROM contacts WHERE id IN (" + clause(v) + ")")
}
