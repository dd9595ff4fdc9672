package models_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/window"
)

const canonicalZones = "migrations/00009_canonical_zones.sql"

// migrationUp is a migration's Up statements.
func migrationUp(t *testing.T, path string) []string {
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	up, _, ok := strings.Cut(string(raw), "-- +goose Down")
	require.True(t, ok)
	var out []string
	for s := range strings.SplitSeq(up, ";\n") {
		var code []string
		for line := range strings.Lines(s) {
			if !strings.HasPrefix(strings.TrimSpace(line), "--") {
				code = append(code, line)
			}
		}
		if c := strings.TrimSpace(strings.Join(code, "")); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// The migration's aliases are those window.Canonical resolves, as it
// resolved them when the migration was written: each names its canonical
// zone. (Aliases a later tzdata adds need a migration of their own; zones
// are canonicalised again wherever they are read meanwhile.)
func TestMigrationAliasesAreWindows(t *testing.T) {
	raw, err := os.ReadFile(canonicalZones)
	require.NoError(t, err)
	pairs := regexp.MustCompile(`\('([^']+)', '([^']+)'\)`).FindAllStringSubmatch(string(raw), -1)
	require.Len(t, pairs, len(window.Aliases()))
	for _, p := range pairs {
		require.Equal(t, window.Aliases()[p[1]], p[2], p[1])
	}
}

// TestCanonicalZonesMigration: rows stored with aliases, in a configured
// time zone, a contact's zone and its numbers' zones, come out canonical;
// other names are left as they are.
func TestCanonicalZonesMigration(t *testing.T) {
	db := testenv.DB(t)
	campaign, list := newList(t, db)
	india := models.TimeZone{DisplayName: "India", IANAZone: "Asia/Calcutta", StartTime: "08:00", EndTime: "21:00"}
	require.NoError(t, db.Create(&india).Error)
	contact := models.Contact{CampaignID: campaign.ID, ListID: list.ID, RowNumber: 2, TimeZone: "America/Montreal", Status: models.ContactNew,
		Counters: []byte("{}"), Numbers: models.JSONList[models.ContactNumber]{
			{Mode: "Home", Number: "+14165550123", TimeZone: "America/Montreal"},
			{Mode: "Work", Number: "+919876543210", TimeZone: "Asia/Calcutta"},
			{Mode: "Mobile", Number: "+14695622405", TimeZone: "America/Chicago"},
			{Mode: "Other", Number: "+12125550123", TimeZone: "EST5EDT"}}}
	require.NoError(t, db.Create(&contact).Error)

	require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
		for _, s := range migrationUp(t, canonicalZones) {
			if err := tx.Exec(s).Error; err != nil {
				return err
			}
		}
		return nil
	}))

	require.NoError(t, db.First(&india, india.ID).Error)
	require.Equal(t, "Asia/Kolkata", india.IANAZone)
	var central models.TimeZone
	require.NoError(t, db.First(&central, campaign.TimeZoneID).Error)
	require.Equal(t, "America/Chicago", central.IANAZone)
	var got models.Contact
	require.NoError(t, db.First(&got, contact.ID).Error)
	require.Equal(t, "America/Toronto", got.TimeZone)
	var zones []string
	for _, n := range got.Numbers {
		zones = append(zones, n.TimeZone)
	}
	require.Equal(t, []string{"America/Toronto", "Asia/Kolkata", "America/Chicago", "EST5EDT"}, zones, "in order, numbers and modes kept")
	require.Equal(t, "+919876543210", got.Numbers[1].Number)
}
