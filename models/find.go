package models

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

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
