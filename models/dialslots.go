package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/outdial/outdial/internal/fault"
)

// TakeDialSlot reserves the next moment a dial request of the campaign may
// leave through its entry point (0 stands for campaigns without one) when
// each entry point's requests are spaced by every, and returns how long
// until it comes. The row and the clock are PostgreSQL's, so the spacing
// holds across every worker whatever their own clocks say; a slot is never
// given twice.
func TakeDialSlot(ctx context.Context, db *gorm.DB, campaignID uint64, every time.Duration) (time.Duration, error) {
	var wait []int64
	err := db.WithContext(ctx).Raw(`INSERT INTO dial_slots AS s (entry_point_id, next_at)
		SELECT COALESCE(entry_point_id, 0), clock_timestamp() + @every * interval '1 microsecond' FROM campaigns WHERE id = @campaign
		ON CONFLICT (entry_point_id) DO UPDATE SET next_at = greatest(s.next_at, clock_timestamp()) + @every * interval '1 microsecond'
		RETURNING greatest(0, (extract(epoch FROM s.next_at - clock_timestamp()) * 1e6)::bigint - @every)`,
		map[string]any{"campaign": campaignID, "every": every.Microseconds()}).Scan(&wait).Error
	if err != nil {
		return 0, fmt.Errorf("take a dial slot for campaign %d: %w", campaignID, err)
	}
	if len(wait) == 0 {
		return 0, fault.NotFoundf("campaign", campaignID)
	}
	return time.Duration(wait[0]) * time.Microsecond, nil
}
