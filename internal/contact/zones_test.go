package contact_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/internal/configuration"
	"github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/internal/listimport"
	"github.com/outdial/outdial/models"
)

// add gives the fixture's campaign a contact with number, which the
// fixture's eligibility then asks about.
func (f *fixture) add(t *testing.T, number string) {
	_, results, err := listimport.AddContacts(context.Background(), f.db, f.campaign.ID, 0, []listimport.ContactRecord{
		{Numbers: map[string]string{"Mobile": number}}})
	require.NoError(t, err)
	require.Empty(t, results[0].Reason)
	f.contact = results[0].ContactID
}

// A Toronto number (416) is in America/Toronto, which the configured
// "Eastern Time (US and Canada)" covers: its hours and enabled flag apply,
// and so do the hours the campaign's group sets for it. (The number's
// zone and the time zone's own, America/New_York, used to be compared as
// strings, so none of them applied.)
func TestTorontoNumberTakesEasternHours(t *testing.T) {
	f := newFixture(t)
	f.add(t, "(416) 595-1234")
	toronto, err := time.LoadLocation("America/Toronto")
	require.NoError(t, err)
	var eastern models.TimeZone
	require.NoError(t, f.db.Where("display_name = ?", "(UTC-05:00) Eastern Time (US and Canada)").First(&eastern).Error)
	require.Equal(t, "America/New_York", eastern.IANAZone)
	evening := time.Date(2026, 11, 25, 18, 0, 0, 0, toronto)
	v := f.eligibility(t, evening)
	require.Equal(t, contact.ActionDial, v.Action, "%+v", v)
	require.Equal(t, "America/Toronto", v.Zone)
	require.Equal(t, []contact.ZoneRow{{TimeZoneID: eastern.ID, DisplayName: eastern.DisplayName, IANAZone: "America/New_York",
		Enabled: true, StartTime: "00:00", EndTime: "23:59"}}, v.ZoneRows)

	require.NoError(t, f.db.Model(&eastern).Updates(map[string]any{"start_time": "09:00", "end_time": "17:00"}).Error)
	v = f.eligibility(t, evening)
	require.Equal(t, contact.ActionWait, v.Action)
	require.Contains(t, v.Reason, "outside daily window 09:00–17:00 (America/Toronto)")
	require.Equal(t, time.Date(2026, 11, 26, 9, 0, 0, 0, toronto), v.Until.In(toronto))

	require.NoError(t, f.db.Model(&eastern).Update("enabled", false).Error)
	v = f.eligibility(t, time.Date(2026, 11, 25, 10, 0, 0, 0, toronto))
	require.Equal(t, contact.ActionWait, v.Action)
	require.Contains(t, v.Reason, "zone (UTC-05:00) Eastern Time (US and Canada) (America/Toronto) is not enabled for calling")
	require.NoError(t, f.db.Model(&eastern).Updates(map[string]any{"enabled": true, "start_time": "00:00", "end_time": "23:59"}).Error)

	// The campaign group's row for Eastern applies to Toronto too.
	require.NoError(t, f.db.Exec(`INSERT INTO campaign_group_time_zones (campaign_group_id, time_zone_id, enabled, start_time, end_time)
		SELECT campaign_group_id, ?, true, '10:00', '12:00' FROM campaign_group_campaigns WHERE campaign_id = ?`, eastern.ID, f.campaign.ID).Error)
	v = f.eligibility(t, time.Date(2026, 11, 25, 13, 0, 0, 0, toronto))
	require.Equal(t, contact.ActionWait, v.Action)
	require.Contains(t, v.Reason, "outside daily window 10:00–12:00 (America/Toronto)")
	require.Len(t, v.ZoneRows, 2)
	require.Equal(t, "EP_Krisoutdial", v.ZoneRows[1].CampaignGroup)
	require.Equal(t, eastern.ID, v.ZoneRows[1].TimeZoneID)
}

// An Indian number, in phonenumbers' Asia/Calcutta, is in Asia/Kolkata and
// takes the row configured for it.
func TestIndianNumberTakesKolkatasRow(t *testing.T) {
	f := newFixture(t)
	india := configuration.TimeZones.New()
	india.DisplayName, india.StartTime, india.EndTime = "(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi", "10:00", "18:00"
	india, err := configuration.TimeZones.Create(context.Background(), f.db, india)
	require.NoError(t, err)
	require.Equal(t, "Asia/Kolkata", india.IANAZone)
	f.add(t, "+91 98765 43210")
	var c models.Contact
	require.NoError(t, f.db.First(&c, f.contact).Error)
	require.Equal(t, "Asia/Kolkata", c.TimeZone, "stored canonical")
	require.Equal(t, "Asia/Kolkata", c.Numbers[0].TimeZone)

	kolkata, err := time.LoadLocation("Asia/Kolkata")
	require.NoError(t, err)
	v := f.eligibility(t, time.Date(2026, 11, 25, 19, 0, 0, 0, kolkata))
	require.Equal(t, contact.ActionWait, v.Action)
	require.Contains(t, v.Reason, "outside daily window 10:00–18:00 (Asia/Kolkata)")
	require.Equal(t, "Asia/Kolkata", v.Zone)
	require.Len(t, v.ZoneRows, 1)
	require.Equal(t, india.ID, v.ZoneRows[0].TimeZoneID)
	require.Equal(t, time.Date(2026, 11, 26, 10, 0, 0, 0, kolkata), v.Until.In(kolkata))
}

// A zone stored before names were canonical (an alias) still finds its
// row, and one that is no place is never dialed: it waits, naming why.
func TestStoredZonesAreReadCanonical(t *testing.T) {
	f := newFixture(t)
	f.add(t, "(416) 595-1234")
	require.NoError(t, f.db.Exec(`UPDATE contacts SET numbers = jsonb_set(numbers, '{0,time_zone}', '"America/Montreal"') WHERE id = ?`, f.contact).Error)
	require.NoError(t, f.db.Exec(`UPDATE time_zones SET enabled = false WHERE iana_zone = 'America/New_York'`).Error)
	v := f.eligibility(t, time.Now())
	require.Equal(t, contact.ActionWait, v.Action)
	require.Equal(t, "America/Toronto", v.Zone)
	require.Contains(t, v.Reason, "is not enabled for calling")

	require.NoError(t, f.db.Exec(`UPDATE contacts SET numbers = jsonb_set(numbers, '{0,time_zone}', '"EST5EDT"') WHERE id = ?`, f.contact).Error)
	v = f.eligibility(t, time.Now())
	require.Equal(t, contact.ActionWait, v.Action)
	require.Contains(t, v.Reason, `time zone "EST5EDT" is not a place`)
}
