package stats

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
)

// TestLedgerCountsAsTheStatisticsDo: a pacer's counts, kept for the
// attempts of over an hour ago and read for the newer ones, are the
// statistics' counts over the period and today, as new calls come in, as
// the kept part is read again, and across midnight.
func TestLedgerCountsAsTheStatisticsDo(t *testing.T) {
	db := testenv.DB(t)
	zone := models.TimeZone{DisplayName: "Ledger's day", IANAZone: "Europe/London", StartTime: "00:00", EndTime: "23:59"}
	require.NoError(t, db.Create(&zone).Error)
	c := models.Campaign{Name: "ledger", TimeZoneID: zone.ID, PacingMode: models.PacingPredictive, Status: models.CampaignActive,
		Channel: "voice", ListSharing: "dedicated", DailyStartTime: "00:00", DailyEndTime: "23:59", TimeToLiveDays: 30,
		CycleRetryInterval: "0:0:0", DefaultDelay: "0:0:15", FrequencyCapPeriod: "1:0:0", DefaultRegion: "US", LinesPerAgent: 1, PreviewTimeoutSeconds: 120,
		AbandonTargetPercent: 3, MaxLinesPerAgent: 3, SmallTeamAgents: 5, AbandonMessage: "Kris Outdial", AbandonedRetryDelay: "0:0:0"}
	require.NoError(t, db.Create(&c).Error)
	loc, err := time.LoadLocation("Europe/London")
	require.NoError(t, err)
	// 23:30 in London, three days after the first dial.
	now := time.Date(2026, 12, 3, 23, 30, 0, 0, loc)
	seq := 0
	call := func(started time.Time, outcome string, wait time.Duration) string {
		seq++
		answered, ended := started.Add(5*time.Second), started.Add(time.Minute)
		a := models.Attempt{ID: fmt.Sprintf("ledger-%d", seq), ContactID: uint64(seq), CampaignID: c.ID, Seq: 1, Mode: "Mobile",
			Number: fmt.Sprintf("+1972555%04d", seq), StartedAt: started, DialAcceptedAt: &started, TelephonyOutcome: outcome, EndedAt: &ended}
		if outcome == "" {
			a.EndedAt = nil // still open, its outcome to come
		}
		if outcome == "voice" || outcome == "abandoned" {
			a.AnsweredAt = &answered
		}
		if outcome == "voice" {
			connected := answered.Add(wait)
			a.ConnectedAt = &connected
		}
		require.NoError(t, db.Create(&a).Error)
		return a.ID
	}
	first := now.Add(-72 * time.Hour)
	for i := range 300 {
		at := first.Add(time.Duration(i) * 15 * time.Minute)
		switch i % 10 {
		case 0:
			call(at, "abandoned", 0)
		case 1:
			call(at, "voice", 3*time.Second) // connected after the grace: abandoned
		case 2:
			call(at, "no-answer", 0)
		default:
			call(at, "voice", time.Second)
		}
	}
	// An attempt of two hours ago still open, as after an outage: its
	// outcome comes later and must count then.
	late := call(now.Add(-2*time.Hour), "", 0)
	s := &Service{DB: db}
	ledger := &Ledger{Stats: s}
	same := func(at time.Time) {
		t.Helper()
		want, err := s.abandon(t.Context(), scope{campaign: &c}, at)
		require.NoError(t, err)
		got, err := ledger.Rates(t.Context(), &c, at)
		require.NoError(t, err)
		require.NotNil(t, got.Period)
		require.Equal(t, *want.Period, *got.Period, "the period at %s", at)
		require.Equal(t, want.Today, got.Today, "today at %s", at)
		require.Positive(t, got.Today.Answered, "today at %s", at)
	}
	same(now)
	kept := ledger.kept[c.ID]
	require.Equal(t, []string{late}, kept.open)
	// New calls count at once, and so does the late outcome; the kept
	// part is not read again.
	call(now.Add(-time.Minute), "abandoned", 0)
	call(now.Add(-30*time.Second), "voice", time.Second)
	answered := now.Add(-2*time.Hour + 5*time.Second)
	require.NoError(t, db.Model(&models.Attempt{}).Where("id = ?", late).
		Updates(map[string]any{"telephony_outcome": "abandoned", "answered_at": answered, "ended_at": now.Add(-time.Minute)}).Error)
	same(now)
	require.Equal(t, kept.until, ledger.kept[c.ID].until, "the kept part was read again")
	require.Equal(t, kept.rates, ledger.kept[c.ID].rates, "the kept part was read again")
	// 20 minutes on, the calls that settled since are added to the kept
	// part, and the late one, ended; then past midnight today starts again.
	same(now.Add(20 * time.Minute))
	require.Equal(t, now.Add(20*time.Minute-Settled), ledger.kept[c.ID].until)
	require.Empty(t, ledger.kept[c.ID].open, "the late attempt has ended")
	same(now.Add(3 * time.Hour))
	require.Len(t, ledger.kept, 1)
	require.Equal(t, now.Add(3*time.Hour).Add(-Settled), ledger.kept[c.ID].until)
}
