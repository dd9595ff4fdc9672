package models

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// PageRequest asks for one page of a listing: page counts from 1.
type PageRequest struct {
	Page, PerPage int
}

// Page is one page of a listing and the listing's total.
type Page[T any] struct {
	Items   []T   `json:"items"`
	Total   int64 `json:"total"`
	Page    int   `json:"page"`
	PerPage int   `json:"per_page"`
}

// FindPage reads one page of q's rows in order; what names them in errors.
func FindPage[M any](ctx context.Context, q *gorm.DB, order string, p PageRequest, what string) (Page[M], error) {
	out := Page[M]{Page: p.Page, PerPage: p.PerPage, Items: []M{}}
	q = q.WithContext(ctx)
	if err := q.Count(&out.Total).Error; err != nil {
		return out, fmt.Errorf("count %s: %w", what, err)
	}
	// A page past the end is empty; the division keeps a huge page number
	// from overflowing the offset.
	if int64(p.Page-1) > out.Total/int64(p.PerPage) {
		return out, nil
	}
	if err := q.Order(order).Offset((p.Page - 1) * p.PerPage).Limit(p.PerPage).Find(&out.Items).Error; err != nil {
		return out, fmt.Errorf("list %s: %w", what, err)
	}
	return out, nil
}

// MapPage shows each item of p by view.
func MapPage[M, V any](p Page[M], view func(*M) (V, error)) (Page[V], error) {
	out := Page[V]{Total: p.Total, Page: p.Page, PerPage: p.PerPage, Items: make([]V, 0, len(p.Items))}
	for i := range p.Items {
		v, err := view(&p.Items[i])
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, v)
	}
	return out, nil
}
