package api

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
	"gorm.io/gorm"

	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/phone"
	"github.com/outdial/outdial/strategy"
	"github.com/outdial/outdial/window"
)

// registerConfiguration adds the CRUD routes of every configuration object.
func registerConfiguration(r *routes, db *gorm.DB) {
	register(r, db, modes)
	register(r, db, timeZones)
	register(r, db, outcomeGroups)
	register(r, db, contactStrategies)
	register(r, db, callbackStrategies)
	register(r, db, entryPoints)
	register(r, db, dncLists)
	register(r, db, campaignGroups)
	register(r, db, teams)
	register(r, db, campaigns)
	register(r, db, agents)
}

var modes = resource[models.Mode, *models.Mode]{
	path: "modes", kind: "mode", tag: "Configuration", search: []string{"name", "description"},
	check: func(_ context.Context, _ *gorm.DB, v *models.Mode, _ uint64) (e fieldErrors) {
		e.name("name", &v.Name)
		e.between("min_length", v.MinLength, 1, 20)
		e.between("max_length", v.MaxLength, 1, 20)
		if v.MinLength > v.MaxLength {
			e.add("min_length", "%d is greater than max_length %d", v.MinLength, v.MaxLength)
		}
		return e
	},
}

var timeZones = resource[models.TimeZone, *models.TimeZone]{
	path: "timezones", kind: "time zone", tag: "Configuration", search: []string{"display_name", "iana_zone"},
	defaults: func(v *models.TimeZone) { v.Enabled, v.StartTime, v.EndTime = true, "00:00", "23:59" },
	check: func(_ context.Context, _ *gorm.DB, v *models.TimeZone, _ uint64) (e fieldErrors) {
		e.name("display_name", &v.DisplayName)
		v.IANAZone = strings.TrimSpace(v.IANAZone)
		if v.IANAZone == "" {
			if loc, err := window.ZoneForDisplayName(v.DisplayName); err != nil {
				e.add("iana_zone", "is required when display_name is not a known zone: %v", err)
			} else {
				v.IANAZone = loc.String()
			}
		} else if _, err := time.LoadLocation(v.IANAZone); err != nil {
			e.add("iana_zone", "%q is not an IANA time zone", v.IANAZone)
		}
		e.clock("start_time", &v.StartTime)
		e.clock("end_time", &v.EndTime)
		return e
	},
}

var outcomeGroups = resource[models.OutcomeGroup, *models.OutcomeGroup]{
	path: "outcome-groups", kind: "outcome group", tag: "Configuration", search: []string{"name", "description"},
	preload: []string{"Outcomes"},
	check: func(_ context.Context, _ *gorm.DB, v *models.OutcomeGroup, _ uint64) (e fieldErrors) {
		e.name("name", &v.Name)
		parents := map[string]bool{}
		for i := range v.ParentOutcomes {
			f := fmt.Sprintf("parent_outcomes[%d]", i)
			e.name(f, &v.ParentOutcomes[i])
			if parents[v.ParentOutcomes[i]] {
				e.add(f, "%q is listed twice", v.ParentOutcomes[i])
			}
			parents[v.ParentOutcomes[i]] = true
		}
		names := map[string]bool{}
		for i := range v.Outcomes {
			o := &v.Outcomes[i]
			f := fmt.Sprintf("outcomes[%d].", i)
			e.name(f+"name", &o.Name)
			if names[strings.ToLower(o.Name)] {
				e.add(f+"name", "%q is listed twice", o.Name)
			}
			names[strings.ToLower(o.Name)] = true
			o.Parent = strings.TrimSpace(o.Parent)
			if o.Parent != "" && !parents[o.Parent] {
				e.add(f+"parent", "%q is not one of parent_outcomes", o.Parent)
			}
			e.oneOf(f+"type", &o.Type, models.OutcomeSuccess, models.OutcomeFailure)
			if o.Reschedule == "" {
				o.Reschedule = "0:0:0"
			}
			e.delay(f+"reschedule", &o.Reschedule)
			e.atLeast(f+"max_retry", o.MaxRetry, 0)
		}
		return e
	},
	saveRelated: func(tx *gorm.DB, v *models.OutcomeGroup) error {
		return replaceChildren(tx, "outcome_group_id", v.ID, v.Outcomes, func(o *models.BusinessOutcome, i int) {
			o.ID, o.OutcomeGroupID, o.Position = 0, v.ID, i
		})
	},
}

var contactStrategies = resource[models.ContactStrategy, *models.ContactStrategy]{
	path: "contact-strategies", kind: "contact strategy", tag: "Configuration", search: []string{"name", "description"},
	preload:  []string{"Rules"},
	defaults: func(v *models.ContactStrategy) { v.Type = "simple" },
	check: func(_ context.Context, db *gorm.DB, v *models.ContactStrategy, _ uint64) (e fieldErrors) {
		e.name("name", &v.Name)
		e.oneOf("type", &v.Type, "simple", "advanced", "callback")
		e.ids(db, "mode_ids", "modes", v.ModeIDs)
		seen := map[string]bool{}
		for i := range v.Rules {
			r := &v.Rules[i]
			f := fmt.Sprintf("rules[%d].", i)
			o, ok := strategy.ParseTelephonyOutcome(r.TelephonyOutcome)
			if !ok {
				e.add(f+"telephony_outcome", "must be one of %s, not %q", strings.Join(strategy.TelephonyOutcomes, ", "), r.TelephonyOutcome)
			} else if seen[o] {
				e.add(f+"telephony_outcome", "%q has a rule already", o)
			}
			r.TelephonyOutcome, seen[o] = o, true
			if r.Reschedule == "" {
				r.Reschedule = "0:0:0"
			}
			e.delay(f+"reschedule", &r.Reschedule)
			e.atLeast(f+"max_retry", r.MaxRetry, 0)
			if r.BranchMode == "" {
				r.BranchMode = models.BranchDefault
			}
			r.BranchMode = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(r.BranchMode)), "-", "_")
			e.oneOf(f+"branch_mode", &r.BranchMode, models.BranchDefault, models.BranchNextMode)
		}
		return e
	},
	saveRelated: func(tx *gorm.DB, v *models.ContactStrategy) error {
		if err := models.StrategyModes.Replace(tx, v.ID, v.ModeIDs); err != nil {
			return err
		}
		return replaceChildren(tx, "contact_strategy_id", v.ID, v.Rules, func(r *models.StrategyRule, i int) {
			r.ID, r.ContactStrategyID, r.Position = 0, v.ID, i
		})
	},
	loadRelated: func(db *gorm.DB, items []*models.ContactStrategy) error {
		return loadLinks(db, items, models.StrategyModes, func(v *models.ContactStrategy, ids []uint64) { v.ModeIDs = ids })
	},
}

var callbackStrategies = resource[models.CallbackStrategy, *models.CallbackStrategy]{
	path: "callback-strategies", kind: "callback strategy", tag: "Configuration", search: []string{"name", "description"},
	defaults: func(v *models.CallbackStrategy) {
		v.PCBToNCBReset, v.AttemptsToReachAgent, v.PCBToNCBDuration = "retries", 1, "0:0:0"
	},
	check: func(_ context.Context, _ *gorm.DB, v *models.CallbackStrategy, _ uint64) (e fieldErrors) {
		e.name("name", &v.Name)
		e.oneOf("pcb_to_ncb_reset", &v.PCBToNCBReset, "retries", "duration")
		e.atLeast("attempts_to_reach_agent", v.AttemptsToReachAgent, 1)
		e.delay("pcb_to_ncb_duration", &v.PCBToNCBDuration)
		if v.PCBToNCBReset == "duration" && v.PCBToNCBDuration == "0:0:0" {
			e.add("pcb_to_ncb_duration", "must be more than 0:0:0 when pcb_to_ncb_reset is duration")
		}
		return e
	},
}

var entryPoints = resource[models.EntryPoint, *models.EntryPoint]{
	path: "entry-points", kind: "entry point", tag: "Configuration", search: []string{"name", "description"},
	defaults: func(v *models.EntryPoint) {
		v.Type, v.Channel, v.Status, v.Dialer = "outdial", "telephony", "active", "simulator"
	},
	check: func(_ context.Context, db *gorm.DB, v *models.EntryPoint, id uint64) (e fieldErrors) {
		e.name("name", &v.Name)
		e.oneOf("type", &v.Type, "outdial")
		e.oneOf("channel", &v.Channel, "telephony")
		e.oneOf("status", &v.Status, "active", "inactive")
		e.oneOf("dialer", &v.Dialer, "simulator", "webhook")
		e.url("primary_url", v.PrimaryURL, v.Dialer == "webhook")
		e.url("backup_url", v.BackupURL, false)
		if v.Secret == "" && id != 0 {
			// The secret is never shown, so a replace that leaves it out keeps it.
			var old models.EntryPoint
			if err := db.Select("secret").First(&old, id).Error; err != nil {
				e.add("secret", "the current secret could not be kept: %v", err)
			}
			v.Secret = old.Secret
		}
		return e
	},
	present: func(v *models.EntryPoint) { v.HasSecret, v.Secret = v.Secret != "", "" },
}

var dncLists = resource[models.DNCList, *models.DNCList]{
	path: "dnc-lists", kind: "DNC list", tag: "Configuration", search: []string{"name", "description"},
	defaults: func(v *models.DNCList) { v.Scope = "global" },
	check: func(_ context.Context, _ *gorm.DB, v *models.DNCList, _ uint64) (e fieldErrors) {
		e.name("name", &v.Name)
		e.oneOf("category", &v.Category, models.DNCCategories...)
		e.oneOf("scope", &v.Scope, "global", "campaign")
		e.dncEntries("entries", v.Entries)
		return e
	},
	saveRelated: func(tx *gorm.DB, v *models.DNCList) error {
		if v.Entries == nil {
			return nil // a replace without entries keeps them: big lists are uploaded
		}
		return replaceChildren(tx, "dnc_list_id", v.ID, v.Entries, func(d *models.DNCEntry, _ int) { d.DNCListID = v.ID })
	},
	loadRelated: func(db *gorm.DB, items []*models.DNCList) error {
		for _, v := range items {
			if err := db.Model(&models.DNCEntry{}).Where("dnc_list_id = ?", v.ID).Count(&v.EntryCount).Error; err != nil {
				return err
			}
		}
		return nil
	},
}

// dncEntries normalises each number to E.164 (US numbers may be national)
// and refuses repeats.
func (e *fieldErrors) dncEntries(field string, entries []models.DNCEntry) {
	seen := map[string]bool{}
	for i := range entries {
		f := fmt.Sprintf("%s[%d].number", field, i)
		n, err := phone.Normalize(entries[i].Number, "US")
		if err != nil {
			e.add(f, "%v", err)
			continue
		}
		if seen[n] {
			e.add(f, "%s is listed twice", n)
		}
		seen[n], entries[i].Number = true, n
	}
}

var campaignGroups = resource[models.CampaignGroup, *models.CampaignGroup]{
	path: "campaign-groups", kind: "campaign group", tag: "Configuration", search: []string{"name", "description"},
	preload: []string{"Campaigns", "TimeZones"},
	defaults: func(v *models.CampaignGroup) {
		v.Enabled, v.InitialContacts, v.IncrementPercent, v.DecrementPercent, v.UpperThresholdPercent = true, 85, 30, 60, 200
	},
	check: func(_ context.Context, db *gorm.DB, v *models.CampaignGroup, _ uint64) (e fieldErrors) {
		e.name("name", &v.Name)
		e.atLeast("initial_contacts", v.InitialContacts, 1)
		e.between("increment_percent", v.IncrementPercent, 0, 1000)
		e.between("decrement_percent", v.DecrementPercent, 0, 100)
		e.between("upper_threshold_percent", v.UpperThresholdPercent, 100, 10000)
		sum, seen := 0, map[uint64]bool{}
		for i, c := range v.Campaigns {
			f := fmt.Sprintf("campaigns[%d].", i)
			if seen[c.CampaignID] {
				e.add(f+"campaign_id", "campaign %d is listed twice", c.CampaignID)
			}
			seen[c.CampaignID] = true
			e.exists(db, f+"campaign_id", "campaigns", c.CampaignID)
			e.between(f+"deliverable_percentage", c.DeliverablePercentage, 0, 100)
			sum += c.DeliverablePercentage
		}
		if sum > 100 {
			e.add("campaigns", "deliverable percentages add up to %d, more than 100", sum)
		}
		zones := map[uint64]bool{}
		for i := range v.TimeZones {
			z := &v.TimeZones[i]
			f := fmt.Sprintf("time_zones[%d].", i)
			if zones[z.TimeZoneID] {
				e.add(f+"time_zone_id", "time zone %d is listed twice", z.TimeZoneID)
			}
			zones[z.TimeZoneID] = true
			e.exists(db, f+"time_zone_id", "time_zones", z.TimeZoneID)
			if z.StartTime == "" {
				z.StartTime = "00:00"
			}
			if z.EndTime == "" {
				z.EndTime = "23:59"
			}
			e.clock(f+"start_time", &z.StartTime)
			e.clock(f+"end_time", &z.EndTime)
		}
		return e
	},
	saveRelated: func(tx *gorm.DB, v *models.CampaignGroup) error {
		if err := replaceChildren(tx, "campaign_group_id", v.ID, v.Campaigns, func(c *models.CampaignGroupCampaign, i int) {
			c.CampaignGroupID, c.Position = v.ID, i
		}); err != nil {
			return err
		}
		return replaceChildren(tx, "campaign_group_id", v.ID, v.TimeZones, func(z *models.CampaignGroupTimeZone, i int) {
			z.CampaignGroupID, z.Position = v.ID, i
		})
	},
}

var teams = resource[models.Team, *models.Team]{
	path: "teams", kind: "team", tag: "Configuration", search: []string{"name", "site"},
	check: func(_ context.Context, db *gorm.DB, v *models.Team, _ uint64) (e fieldErrors) {
		e.name("name", &v.Name)
		v.Site = strings.TrimSpace(v.Site)
		e.ids(db, "campaign_ids", "campaigns", v.CampaignIDs)
		e.ids(db, "campaign_group_ids", "campaign_groups", v.CampaignGroupIDs)
		return e
	},
	saveRelated: func(tx *gorm.DB, v *models.Team) error {
		if err := models.TeamCampaigns.Replace(tx, v.ID, v.CampaignIDs); err != nil {
			return err
		}
		return models.TeamCampaignGroups.Replace(tx, v.ID, v.CampaignGroupIDs)
	},
	loadRelated: func(db *gorm.DB, items []*models.Team) error {
		if err := loadLinks(db, items, models.TeamCampaigns, func(v *models.Team, ids []uint64) { v.CampaignIDs = ids }); err != nil {
			return err
		}
		return loadLinks(db, items, models.TeamCampaignGroups, func(v *models.Team, ids []uint64) { v.CampaignGroupIDs = ids })
	},
}

var campaigns = resource[models.Campaign, *models.Campaign]{
	path: "campaigns", kind: "campaign", tag: "Configuration", search: []string{"name", "description"},
	readOnly: []string{"status"},
	defaults: func(v *models.Campaign) {
		v.DailyStartTime, v.DailyEndTime, v.TimeToLiveDays = "00:00", "23:59", 30
		v.Channel, v.ListSharing, v.CycleRetryInterval, v.DefaultDelay = "voice", "dedicated", "0:0:0", "0:0:15"
		v.LinesPerAgent, v.PreviewTimeoutSeconds, v.FrequencyCapPeriod, v.DefaultRegion = 1, 120, "1:0:0", "US"
	},
	check: checkCampaign,
	saveRelated: func(tx *gorm.DB, v *models.Campaign) error {
		if err := models.CampaignTeams.Replace(tx, v.ID, v.TeamIDs); err != nil {
			return err
		}
		return models.CampaignDNCLists.Replace(tx, v.ID, v.DNCListIDs)
	},
	loadRelated: func(db *gorm.DB, items []*models.Campaign) error {
		if err := loadLinks(db, items, models.CampaignTeams, func(v *models.Campaign, ids []uint64) { v.TeamIDs = ids }); err != nil {
			return err
		}
		return loadLinks(db, items, models.CampaignDNCLists, func(v *models.Campaign, ids []uint64) { v.DNCListIDs = ids })
	},
}

func checkCampaign(_ context.Context, db *gorm.DB, v *models.Campaign, id uint64) (e fieldErrors) {
	e.name("name", &v.Name)
	if id == 0 {
		v.Status = models.CampaignDraft
	}
	if v.StartDate != nil && v.EndDate != nil && v.StartDate.String() > v.EndDate.String() {
		e.add("end_date", "%s is before start_date %s", v.EndDate, v.StartDate)
	}
	e.clock("daily_start_time", &v.DailyStartTime)
	e.clock("daily_end_time", &v.DailyEndTime)
	if v.TimeZoneID == 0 {
		e.add("time_zone_id", "is required")
	} else {
		e.exists(db, "time_zone_id", "time_zones", v.TimeZoneID)
	}
	e.optionalRef(db, "outcome_group_id", "outcome_groups", v.OutcomeGroupID)
	e.optionalRef(db, "entry_point_id", "entry_points", v.EntryPointID)
	e.optionalRef(db, "contact_strategy_id", "contact_strategies", v.ContactStrategyID)
	e.optionalRef(db, "callback_strategy_id", "callback_strategies", v.CallbackStrategyID)
	e.between("time_to_live_days", v.TimeToLiveDays, 1, 3650)
	e.oneOf("channel", &v.Channel, "voice")
	e.oneOf("list_sharing", &v.ListSharing, "dedicated", "shared")
	e.oneOf("pacing_mode", &v.PacingMode, models.PacingPreview, models.PacingProgressive)
	if v.PacingMode == models.PacingProgressive && v.EntryPointID == nil {
		e.add("entry_point_id", "is required for a progressive campaign: it is where calls are placed")
	}
	for _, c := range []struct {
		field string
		n     *int
	}{{"global_retry", v.GlobalRetry}, {"daily_retry", v.DailyRetry}, {"cycle_retry", v.CycleRetry}} {
		if c.n != nil {
			e.atLeast(c.field, *c.n, 0)
		}
	}
	e.delay("cycle_retry_interval", &v.CycleRetryInterval)
	e.delay("default_delay", &v.DefaultDelay)
	e.delay("frequency_cap_period", &v.FrequencyCapPeriod)
	if v.PCBToNCBReset != nil {
		e.oneOf("pcb_to_ncb_reset", v.PCBToNCBReset, "retries", "duration")
	}
	if v.AttemptsToReachAgent != nil {
		e.atLeast("attempts_to_reach_agent", *v.AttemptsToReachAgent, 1)
	}
	if v.FrequencyCapAttempts != nil {
		e.atLeast("frequency_cap_attempts", *v.FrequencyCapAttempts, 1)
	}
	e.between("lines_per_agent", v.LinesPerAgent, 1, 10)
	e.between("preview_timeout_seconds", v.PreviewTimeoutSeconds, 5, 3600)
	v.DefaultRegion = strings.ToUpper(strings.TrimSpace(v.DefaultRegion))
	if phonenumbers.GetCountryCodeForRegion(v.DefaultRegion) == 0 {
		e.add("default_region", "%q is not a region code such as US, GB or IN", v.DefaultRegion)
	}
	e.ids(db, "team_ids", "teams", v.TeamIDs)
	e.ids(db, "dnc_list_ids", "dnc_lists", v.DNCListIDs)
	for i, id := range v.DNCListIDs {
		var scopes []string
		if err := db.Model(&models.DNCList{}).Where("id = ?", id).Pluck("scope", &scopes).Error; err == nil && slices.Contains(scopes, "global") {
			e.add(fmt.Sprintf("dnc_list_ids[%d]", i), "DNC list %d is global: it applies to every campaign already", id)
		}
	}
	return e
}

var agents = resource[models.Agent, *models.Agent]{
	path: "agents", kind: "agent", tag: "Configuration", search: []string{"name"},
	readOnly: []string{"state", "state_reason", "state_changed_at"},
	check: func(_ context.Context, db *gorm.DB, v *models.Agent, id uint64) (e fieldErrors) {
		e.name("name", &v.Name)
		e.optionalRef(db, "team_id", "teams", v.TeamID)
		if id == 0 {
			v.State, v.StateReason, v.StateChangedAt = models.AgentNotReady, "", time.Now()
		}
		return e
	},
}

// loadLinks fills each item's ID list from a join table.
func loadLinks[P interface{ Key() uint64 }](db *gorm.DB, items []P, l models.Link, set func(P, []uint64)) error {
	owners := make([]uint64, len(items))
	for i, v := range items {
		owners[i] = v.Key()
	}
	byOwner, err := l.Load(db, owners)
	if err != nil {
		return err
	}
	for _, v := range items {
		ids := byOwner[v.Key()]
		if ids == nil {
			ids = []uint64{}
		}
		set(v, ids)
	}
	return nil
}
