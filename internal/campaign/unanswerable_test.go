package campaign

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/models"
)

// TestUnanswerableSaysNoFutureTime: a card answered too late is described
// by times that have passed, whatever its state and the clocks say.
func TestUnanswerableSaysNoFutureTime(t *testing.T) {
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	offered := now.Add(-2 * time.Minute)
	past := now.Add(-time.Minute)
	for _, tc := range []struct {
		name string
		p    models.Preview
		want string
	}{
		{"expired by the sweep", models.Preview{ID: 1, State: "expired", OfferedAt: offered, ExpiresAt: now.Add(time.Hour), AnsweredAt: &past},
			"preview 1 expired at 2026-12-03T08:59:00Z, unanswered"},
		{"skipped before", models.Preview{ID: 2, State: "skipped", OfferedAt: offered, ExpiresAt: now.Add(time.Hour), AnsweredAt: &past},
			"preview 2 was skipped at 2026-12-03T08:59:00Z already"},
		{"offered, its time past", models.Preview{ID: 3, State: models.PreviewOffered, OfferedAt: offered, ExpiresAt: past},
			"preview 3 expired at 2026-12-03T08:59:00Z, unanswered"},
		{"offered, the database's clock ahead", models.Preview{ID: 4, State: models.PreviewOffered, OfferedAt: offered, ExpiresAt: now.Add(time.Second)},
			"preview 4 has expired: its 2m1s to answer are over"},
	} {
		got := unanswerable(tc.p, now)
		require.Equal(t, tc.want, got, tc.name)
		if tc.p.ExpiresAt.After(now) {
			require.NotContains(t, got, tc.p.ExpiresAt.Format(time.RFC3339)[:16], "%s: no time to come", tc.name)
		}
	}
}
