package configuration

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/models"
)

// fields lists the fields c blames, in order.
func fields(c *checks) []string {
	var out []string
	for _, f := range c.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestFieldRulesNormalise(t *testing.T) {
	var c checks
	name, mode, delay, clock := "  Mobile ", " Success", "0:1:5", "8:00 PM"
	c.name("name", &name)
	c.oneOf("type", &mode, "success", "failure")
	c.delay("reschedule", &delay)
	c.clock("start_time", &clock)
	c.between("percent", 100, 0, 100)
	c.atLeast("retries", 0, 0)
	c.url("primary_url", "https://dialer.example/calls", true)
	c.url("backup_url", "", false)
	require.Empty(t, c.Fields)
	require.Equal(t, []string{"Mobile", "success", "0:1:5", "20:00"}, []string{name, mode, delay, clock})
}

func TestFieldRulesRefuse(t *testing.T) {
	var c checks
	blank, long, mode, delay, clock := " ", strings.Repeat("x", 201), "maybe", "15 minutes", "25:00"
	c.name("name", &blank)
	c.name("description", &long)
	c.oneOf("type", &mode, "success", "failure")
	c.delay("reschedule", &delay)
	c.clock("start_time", &clock)
	c.between("percent", 101, 0, 100)
	c.atLeast("retries", -1, 0)
	c.url("primary_url", "", true)
	c.url("backup_url", "ftp://dialer.example", false)
	require.Equal(t, []string{"name", "description", "type", "reschedule", "start_time", "percent", "retries", "primary_url", "backup_url"}, fields(&c))
	require.Equal(t, `must be one of success, failure, not "maybe"`, c.Fields[2].Detail)

	err := c.Err("mode")
	require.True(t, fault.Is(err, fault.Invalid))
	f, _ := fault.As(err)
	require.Equal(t, "mode", f.Subject)
}

func TestDNCEntriesAreE164AndOnce(t *testing.T) {
	var c checks
	entries := []models.DNCEntry{{Number: "(469) 562-2405"}, {Number: "+44 20 7946 0958"}, {Number: "call me"}, {Number: "+1 469 562 2405"}}
	c.dncEntries("entries", entries)
	require.Equal(t, []string{"entries[2].number", "entries[3].number"}, fields(&c))
	require.Equal(t, "+14695622405", entries[0].Number)
	require.Equal(t, "+442079460958", entries[1].Number)

	c = checks{}
	c.dncEntries("", []models.DNCEntry{{Number: "214-555-0199x"}})
	require.Equal(t, []string{"[0].number"}, fields(&c))
}

// fakeLookup answers from maps, or fails with err.
type fakeLookup struct {
	rows   map[string][]uint64
	scopes map[uint64]string
	zones  []models.TimeZone
	err    error
	asked  int
}

func (l *fakeLookup) exists(table string, id uint64) (bool, error) {
	l.asked++
	if l.err != nil {
		return false, l.err
	}
	for _, r := range l.rows[table] {
		if r == id {
			return true, nil
		}
	}
	return false, nil
}

func (l *fakeLookup) dncScope(id uint64) (string, error) {
	l.asked++
	return l.scopes[id], l.err
}

func (l *fakeLookup) timeZones() ([]models.TimeZone, error) {
	l.asked++
	return l.zones, l.err
}

func TestReferences(t *testing.T) {
	c := checks{look: &fakeLookup{rows: map[string][]uint64{"teams": {7}}}}
	missing := uint64(9)
	c.ids("team_ids", "teams", []uint64{7, 8, 7})
	c.optionalRef("team_id", "teams", &missing)
	c.optionalRef("team_id", "teams", nil)
	require.NoError(t, c.dbErr)
	require.Equal(t, []string{"team_ids[1]", "team_ids[2]", "team_id"}, fields(&c))
	require.Equal(t, "team 8 does not exist", c.Fields[0].Detail)
	require.Equal(t, "7 is listed twice", c.Fields[1].Detail)
}

// A database that fails while references are checked is the server's
// failure, not a field of the request; the checks after it do not ask.
func TestReferenceCheckFailureIsNotAFieldError(t *testing.T) {
	down := errors.New("connection refused")
	look := &fakeLookup{err: down}
	c := checks{look: look}
	c.ids("team_ids", "teams", []uint64{1, 2})
	c.exists("time_zone_id", "time_zones", 3)
	require.Equal(t, "", c.dncScope("dnc_list_ids[0]", 4))
	require.Empty(t, c.Fields)
	require.ErrorIs(t, c.dbErr, down)
	require.Equal(t, 1, look.asked)
}

func TestCampaignCheck(t *testing.T) {
	look := &fakeLookup{
		rows:   map[string][]uint64{"time_zones": {1}, "dnc_lists": {2, 3}},
		scopes: map[uint64]string{2: "global", 3: "campaign"},
	}
	v := Campaigns.New()
	v.Name, v.TimeZoneID, v.PacingMode, v.Status, v.DNCListIDs = "c", 1, "Progressive", models.CampaignActive, []uint64{3, 2}
	c := checks{look: look}
	checkCampaign(&c, v, nil)
	require.NoError(t, c.dbErr)
	require.Equal(t, []string{"entry_point_id", "dnc_list_ids[1]"}, fields(&c))
	require.Equal(t, models.CampaignDraft, v.Status, "a new campaign starts as a draft")
	require.Equal(t, "progressive", v.PacingMode)

	// The scope's read failing is the server's failure; it was ignored.
	c = checks{look: scopeFails{look}}
	checkCampaign(&c, v, v)
	require.Error(t, c.dbErr)
	require.NotContains(t, fields(&c), "dnc_list_ids[0]")
}

// A frequency cap over no time would never cap: it is refused, naming the
// period; without a cap the period is not checked.
func TestFrequencyCapPeriodOfNoTime(t *testing.T) {
	look := &fakeLookup{rows: map[string][]uint64{"time_zones": {1}}}
	v := Campaigns.New()
	three := 3
	v.Name, v.TimeZoneID, v.PacingMode, v.FrequencyCapAttempts, v.FrequencyCapPeriod = "c", 1, "preview", &three, "0:0:0"
	c := checks{look: look}
	checkCampaign(&c, v, nil)
	require.Equal(t, []string{"frequency_cap_period"}, fields(&c))

	v.FrequencyCapPeriod = "1:0:0"
	c = checks{look: look}
	checkCampaign(&c, v, nil)
	require.Empty(t, fields(&c))

	v.FrequencyCapAttempts, v.FrequencyCapPeriod = nil, "0:0:0"
	c = checks{look: look}
	checkCampaign(&c, v, nil)
	require.Empty(t, fields(&c))
}

// scopeFails is a lookup whose DNC scopes cannot be read.
type scopeFails struct{ *fakeLookup }

func (scopeFails) dncScope(id uint64) (string, error) {
	return "", fmt.Errorf("read the scope of DNC list %d: connection reset", id)
}

func TestObjectChecksWithoutTheDatabase(t *testing.T) {
	cases := []struct {
		name  string
		check func(c *checks)
		want  []string
	}{
		{"mode min above max", func(c *checks) {
			Modes.check(c, &models.Mode{Name: "Home", MinLength: 12, MaxLength: 8}, nil)
		}, []string{"min_length"}},
		{"unknown zone", func(c *checks) {
			z := TimeZones.New()
			z.DisplayName = "(UTC+13:00) Atlantis"
			TimeZones.check(c, z, nil)
		}, []string{"iana_zone"}},
		{"outcome group", func(c *checks) {
			checkOutcomeGroup(c, &models.OutcomeGroup{Name: "g", ParentOutcomes: models.JSONList[string]{"Contacted", "Contacted"}, Outcomes: []models.BusinessOutcome{
				{Name: "Sale", Type: "success", Parent: "Nope"}, {Name: "sale", Type: "maybe", Reschedule: "1:2"},
			}}, nil)
		}, []string{"parent_outcomes[1]", "outcomes[0].parent", "outcomes[1].name", "outcomes[1].type", "outcomes[1].reschedule"}},
		{"callback duration", func(c *checks) {
			cb := CallbackStrategies.New()
			cb.Name, cb.PCBToNCBReset = "cb", "duration"
			CallbackStrategies.check(c, cb, nil)
		}, []string{"pcb_to_ncb_duration"}},
		{"webhook without url", func(c *checks) {
			ep := EntryPoints.New()
			ep.Name, ep.Dialer = "e", "webhook"
			EntryPoints.check(c, ep, nil)
		}, []string{"primary_url"}},
		{"dnc list", func(c *checks) {
			l := DNCLists.New()
			l.Name, l.Category, l.Entries = "d", "state", []models.DNCEntry{{Number: "call me"}}
			DNCLists.check(c, l, nil)
		}, []string{"category", "entries[0].number"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c checks
			tc.check(&c)
			require.Equal(t, tc.want, fields(&c))
		})
	}
}

func TestTimeZoneFromDisplayName(t *testing.T) {
	c := checks{look: &fakeLookup{}}
	z := TimeZones.New()
	z.DisplayName, z.StartTime = "(UTC-06:00) Central Time (US and Canada)", "8:00 AM"
	TimeZones.check(&c, z, nil)
	require.Empty(t, c.Fields)
	require.Equal(t, "America/Chicago", z.IANAZone)
	require.Equal(t, "08:00", z.StartTime)
	require.Equal(t, "21:00", z.EndTime, "the default hours")
}

// A time zone's zone is the canonical place its names stand for; names
// that are not places, labels that contradict their zone, and a zone that
// another time zone governs too are refused, naming the value.
func TestTimeZoneNames(t *testing.T) {
	eastern := models.TimeZone{DisplayName: "(UTC-05:00) Eastern Time (US and Canada)", IANAZone: "America/New_York"}
	eastern.ID = 1
	legacy := models.TimeZone{DisplayName: "old", IANAZone: "EST5EDT"} // stored before names were checked
	legacy.ID = 2
	stored := []models.TimeZone{eastern, legacy}
	for _, tc := range []struct {
		name, display, iana string
		id                  uint64 // the time zone replaced, 0 for a new one
		want                string // its zone, or the field refused
		says                string
	}{
		{"derived", "(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi", "", 0, "Asia/Kolkata", ""},
		{"alias given", "India", "Asia/Calcutta", 0, "Asia/Kolkata", ""},
		{"US alias", "Central office", "US/Central", 0, "America/Chicago", ""},
		{"within the display's zone", "(UTC-06:00) Central Time (US and Canada)", "America/Winnipeg", 0, "America/Winnipeg", ""},
		{"replacing itself", "Eastern Time", "America/New_York", 1, "America/New_York", ""},
		{"every zone its own", "(UTC-05:00) Indiana (East)", "", 0, "America/Indiana/Indianapolis", ""},
		{"legacy rule shown", "EST", "", 0, "display_name", `time zone "EST" is not a place`},
		{"legacy rule given", "Home", "CST6CDT", 0, "iana_zone", `time zone "CST6CDT" is not a place`},
		{"fixed offset", "Home", "Etc/GMT+5", 0, "iana_zone", `time zone "Etc/GMT+5" is not a place`},
		{"offset contradicts", "(UTC+05:00) Central Time (US and Canada)", "", 0, "display_name", "never at UTC+05:00"},
		{"outside the display's zone", "(UTC-06:00) Central Time (US and Canada)", "America/New_York", 0, "iana_zone", "America/New_York is not in the zone"},
		{"same zone again", "New York", "US/Eastern", 0, "iana_zone", `America/New_York is already the zone of time zone 1`},
		{"covered twice", "Toronto", "America/Toronto", 0, "iana_zone", "would both cover America/Detroit (Windows zone \"Eastern Standard Time\")"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := checks{look: &fakeLookup{zones: stored}}
			z := TimeZones.New()
			z.ID, z.DisplayName, z.IANAZone = tc.id, tc.display, tc.iana
			TimeZones.check(&c, z, nil)
			if tc.says == "" {
				require.Empty(t, c.Fields)
				require.Equal(t, tc.want, z.IANAZone)
				return
			}
			require.Equal(t, []string{tc.want}, fields(&c))
			require.Contains(t, c.Fields[0].Detail, tc.says)
		})
	}
}

// Hours left out are 08:00–21:00, never the whole night.
func TestDefaultHoursAreTheDay(t *testing.T) {
	c := Campaigns.New()
	require.Equal(t, []string{"08:00", "21:00"}, []string{c.DailyStartTime, c.DailyEndTime})
	z := TimeZones.New()
	require.Equal(t, []string{"08:00", "21:00"}, []string{z.StartTime, z.EndTime})
	g := CampaignGroups.New()
	g.Name, g.TimeZones = "g", []models.CampaignGroupTimeZone{{TimeZoneID: 1}}
	var ch checks
	ch.look = &fakeLookup{rows: map[string][]uint64{"time_zones": {1}}}
	CampaignGroups.check(&ch, g, nil)
	require.Empty(t, ch.Fields)
	require.Equal(t, []string{"08:00", "21:00"}, []string{g.TimeZones[0].StartTime, g.TimeZones[0].EndTime})
}

func TestEntryPointSecret(t *testing.T) {
	var c checks
	v := EntryPoints.New()
	v.Name = "EP"
	EntryPoints.check(&c, v, &models.EntryPoint{Secret: "s3cret"})
	require.Equal(t, "s3cret", v.Secret, "a replace that leaves the secret out keeps it")
	EntryPoints.present(v)
	require.Empty(t, v.Secret)
	require.True(t, v.HasSecret)
}
