package strategy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRetryCaps(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	at := time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC) // 01:30 EDT on the fall-back day
	two, zero := 2, 0
	for _, c := range []struct {
		name     string
		counters Counters
		caps     Caps
		until    time.Time
		closed   bool
	}{
		{name: "no caps", counters: Counters{Global: 9, Daily: 9, DailyDate: "2026-11-01"}},
		{name: "under both", counters: Counters{Global: 1, Daily: 1, DailyDate: "2026-11-01"}, caps: Caps{GlobalRetry: &two, DailyRetry: &two}},
		{name: "global spent", counters: Counters{Global: 2}, caps: Caps{GlobalRetry: &two}, closed: true},
		{name: "daily spent today", counters: Counters{Global: 2, Daily: 2, DailyDate: "2026-11-01"}, caps: Caps{DailyRetry: &two},
			until: time.Date(2026, 11, 2, 5, 0, 0, 0, time.UTC)},
		{name: "daily spent on another day", counters: Counters{Daily: 2, DailyDate: "2026-10-31"}, caps: Caps{DailyRetry: &two}},
		{name: "daily cap of zero", caps: Caps{DailyRetry: &zero}, closed: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			until, closed, why := RetryCaps(c.counters, c.caps, at, ny)
			require.Equal(t, c.closed, closed, why)
			require.True(t, c.until.Equal(until), "until %v, want %v (%s)", until, c.until, why)
			require.Equal(t, closed || !until.IsZero(), why != "", why)
		})
	}
}
