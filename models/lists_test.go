package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
)

func newList(t *testing.T, db *models.DB) (models.Campaign, models.ContactList) {
	zone := models.TimeZone{DisplayName: "Central", IANAZone: "America/Chicago", StartTime: "00:00", EndTime: "23:59"}
	require.NoError(t, db.Create(&zone).Error)
	campaign := models.Campaign{Name: "c", Status: "draft", PacingMode: "preview", TimeZoneID: zone.ID, DailyStartTime: "00:00", DailyEndTime: "23:59",
		TimeToLiveDays: 30, Channel: "voice", ListSharing: "dedicated", CycleRetryInterval: "0:0:0", DefaultDelay: "0:0:15",
		LinesPerAgent: 1, PreviewTimeoutSeconds: 120, FrequencyCapPeriod: "1:0:0", DefaultRegion: "US"}
	require.NoError(t, db.Create(&campaign).Error)
	list := models.ContactList{CampaignID: &campaign.ID, Status: models.ListImporting, Type: "API", SubType: "NEW", Delimiter: ",", StartTime: time.Now(), EndTime: time.Now()}
	require.NoError(t, db.Create(&list).Error)
	return campaign, list
}

// TestDeletingACampaignDeletesItsContacts: the bulk tables have no foreign
// keys, so a trigger removes a list's rows with it.
func TestDeletingACampaignDeletesItsContacts(t *testing.T) {
	db := testenv.DB(t)
	campaign, list := newList(t, db)
	contact := models.Contact{CampaignID: campaign.ID, ListID: list.ID, RowNumber: 2, TimeZone: "America/Chicago", Status: models.ContactNew, Counters: []byte("{}")}
	require.NoError(t, db.Create(&contact).Error)
	require.NoError(t, db.Exec("INSERT INTO contact_numbers (campaign_id, number, contact_id) VALUES (?, 14695622405, ?)", campaign.ID, contact.ID).Error)
	require.NoError(t, db.Create(&models.Rejection{ListID: list.ID, RowNumber: 3, Kind: "failed", Reason: "no number", Cells: models.JSONList[string]{"x"}}).Error)
	require.NoError(t, db.Delete(&campaign).Error)
	for _, table := range []string{"contact_lists", "contacts", "contact_numbers", "list_rejections"} {
		var n int64
		require.NoError(t, db.Table(table).Count(&n).Error)
		require.Zero(t, n, table)
	}
}

// TestCheckpointRefusesAStaleAttempt: an import attempt that Temporal gave
// up on but that still runs must not commit over the attempt that replaced it.
func TestCheckpointRefusesAStaleAttempt(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	_, list := newList(t, db)

	commit := func(from, to int64) error {
		tx, err := db.Pool.Begin(ctx)
		require.NoError(t, err)
		defer func() { _ = tx.Rollback(ctx) }()
		if err := models.AddListStats(ctx, tx, list.ID, models.ListStats{Processed: to - from, Uploaded: to - from}, from, to, 50); err != nil {
			return err
		}
		return tx.Commit(ctx)
	}
	require.NoError(t, commit(0, 10))
	require.ErrorIs(t, commit(0, 10), models.ErrCheckpointMoved)
	require.NoError(t, commit(10, 25))
	require.NoError(t, db.First(&list, list.ID).Error)
	require.EqualValues(t, 25, list.RowsRead)
	require.EqualValues(t, 25, list.Processed)
	require.EqualValues(t, 25, list.Uploaded)
}
