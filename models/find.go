package models

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/outdial/outdial/internal/fault"
)

// Find reads the row of T with ID id; a missing one is a NotFound fault
// that names it as subject.
func Find[T any](ctx context.Context, db *gorm.DB, subject string, id uint64) (*T, error) {
	var row T
	err := db.WithContext(ctx).First(&row, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fault.NotFoundf(subject, id)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s %d: %w", subject, id, err)
	}
	return &row, nil
}

// DeleteLocked deletes row id of T under a row lock once check, run again
// on the locked row, finds nothing in the way: a change since the
// caller's own check wins. A fault from check is returned as it is.
func DeleteLocked[T any](ctx context.Context, db *gorm.DB, subject string, id uint64, check func(tx *gorm.DB, row *T) error) error {
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var locked T
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&locked, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fault.NotFoundf(subject, id)
			}
			return err
		}
		if err := check(tx, &locked); err != nil {
			return err
		}
		return tx.Delete(new(T), id).Error
	})
	if _, ok := fault.As(err); ok {
		return err
	}
	if err != nil {
		return fmt.Errorf("delete %s %d: %w", subject, id, err)
	}
	return nil
}
