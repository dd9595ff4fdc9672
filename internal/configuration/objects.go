package configuration

import (
	"fmt"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/strategy"
)

// Modes are the kinds of number a contact can have.
// DefaultStart and DefaultEnd are the calling hours of a campaign, a time
// zone or a campaign group's zone created without them: the US federal
// window (TCPA, 8 AM to 9 PM local), never the whole night.
const (
	DefaultStart = "08:00"
	DefaultEnd   = "21:00"
)

var Modes = &Objects[models.Mode, *models.Mode]{
	name: "mode", search: []string{"name", "description"},
	check: func(c *checks, v, _ *models.Mode) {
		c.name("name", &v.Name)
		c.between("min_length", v.MinLength, 1, 20)
		c.between("max_length", v.MaxLength, 1, 20)
		if v.MinLength > v.MaxLength {
			c.Add("min_length", "%d is greater than max_length %d", v.MinLength, v.MaxLength)
		}
	},
	usedBy: []usage{{field: "contact_strategies", is: "is used by contact strategies", then: "change or delete them first",
		query: `SELECT DISTINCT s.name FROM contact_strategy_modes m JOIN contact_strategies s ON s.id = m.contact_strategy_id
			WHERE m.mode_id = ? ORDER BY s.name LIMIT 10`}},
}

// TimeZones are the zones calls are placed in, with their hours.
var TimeZones = &Objects[models.TimeZone, *models.TimeZone]{
	name: "time zone", search: []string{"display_name", "iana_zone"},
	defaults: func(v *models.TimeZone) { v.Enabled, v.StartTime, v.EndTime = true, DefaultStart, DefaultEnd },
	check: func(c *checks, v, _ *models.TimeZone) {
		c.name("display_name", &v.DisplayName)
		c.zone(v)
		c.clock("start_time", &v.StartTime)
		c.clock("end_time", &v.EndTime)
	},
	usedBy: []usage{usedByCampaigns("time_zone_id"), {field: "campaign_groups", is: "is used by campaign groups", then: "change them first",
		query: `SELECT DISTINCT g.name FROM campaign_group_time_zones z JOIN campaign_groups g ON g.id = z.campaign_group_id
			WHERE z.time_zone_id = ? ORDER BY g.name LIMIT 10`}},
}

// OutcomeGroups are the agents' wrap-up codes, with what each does.
var OutcomeGroups = &Objects[models.OutcomeGroup, *models.OutcomeGroup]{
	name: "outcome group", search: []string{"name", "description"},
	preload:     []string{"Outcomes"},
	check:       checkOutcomeGroup,
	saveRelated: saveOutcomes,
	usedBy:      []usage{usedByCampaigns("outcome_group_id")},
}

func checkOutcomeGroup(c *checks, v, _ *models.OutcomeGroup) {
	c.name("name", &v.Name)
	parents := map[string]bool{}
	for i := range v.ParentOutcomes {
		f := fmt.Sprintf("parent_outcomes[%d]", i)
		c.name(f, &v.ParentOutcomes[i])
		if parents[v.ParentOutcomes[i]] {
			c.Add(f, "%q is listed twice", v.ParentOutcomes[i])
		}
		parents[v.ParentOutcomes[i]] = true
	}
	names := map[string]bool{}
	for i := range v.Outcomes {
		o := &v.Outcomes[i]
		f := fmt.Sprintf("outcomes[%d].", i)
		c.name(f+"name", &o.Name)
		if names[strings.ToLower(o.Name)] {
			c.Add(f+"name", "%q is listed twice", o.Name)
		}
		names[strings.ToLower(o.Name)] = true
		o.Parent = strings.TrimSpace(o.Parent)
		if o.Parent != "" && !parents[o.Parent] {
			c.Add(f+"parent", "%q is not one of parent_outcomes", o.Parent)
		}
		c.oneOf(f+"type", &o.Type, models.OutcomeSuccess, models.OutcomeFailure)
		if o.Reschedule == "" {
			o.Reschedule = "0:0:0"
		}
		c.delay(f+"reschedule", &o.Reschedule)
		c.atLeast(f+"max_retry", o.MaxRetry, 0)
	}
}

// ContactStrategies hold one rule per telephony outcome and the mode order.
var ContactStrategies = &Objects[models.ContactStrategy, *models.ContactStrategy]{
	name: "contact strategy", search: []string{"name", "description"},
	preload:  []string{"Rules"},
	defaults: func(v *models.ContactStrategy) { v.Type = "simple" },
	check:    checkContactStrategy,
	links: []link[*models.ContactStrategy]{
		{models.StrategyModes, func(v *models.ContactStrategy) *[]uint64 { return &v.ModeIDs }},
	},
	saveRelated: saveRules,
	usedBy:      []usage{usedByCampaigns("contact_strategy_id")},
}

func checkContactStrategy(c *checks, v, _ *models.ContactStrategy) {
	c.name("name", &v.Name)
	c.oneOf("type", &v.Type, "simple", "advanced", "callback")
	c.ids("mode_ids", "modes", v.ModeIDs)
	seen := map[string]bool{}
	for i := range v.Rules {
		r := &v.Rules[i]
		f := fmt.Sprintf("rules[%d].", i)
		o, ok := strategy.ParseTelephonyOutcome(r.TelephonyOutcome)
		if !ok {
			c.Add(f+"telephony_outcome", "must be one of %s, not %q", strings.Join(strategy.TelephonyOutcomes, ", "), r.TelephonyOutcome)
		} else if seen[o] {
			c.Add(f+"telephony_outcome", "%q has a rule already", o)
		}
		r.TelephonyOutcome, seen[o] = o, true
		if r.Reschedule == "" {
			r.Reschedule = "0:0:0"
		}
		c.delay(f+"reschedule", &r.Reschedule)
		c.atLeast(f+"max_retry", r.MaxRetry, 0)
		if r.BranchMode == "" {
			r.BranchMode = models.BranchDefault
		}
		r.BranchMode = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(r.BranchMode)), "-", "_")
		c.oneOf(f+"branch_mode", &r.BranchMode, models.BranchDefault, models.BranchNextMode)
	}
}

// CallbackStrategies decide when a personal callback becomes a normal one.
var CallbackStrategies = &Objects[models.CallbackStrategy, *models.CallbackStrategy]{
	name: "callback strategy", search: []string{"name", "description"},
	defaults: func(v *models.CallbackStrategy) {
		v.PCBToNCBReset, v.AttemptsToReachAgent, v.PCBToNCBDuration = "retries", 1, "0:0:0"
	},
	check: func(c *checks, v, _ *models.CallbackStrategy) {
		c.name("name", &v.Name)
		c.oneOf("pcb_to_ncb_reset", &v.PCBToNCBReset, "retries", "duration")
		c.atLeast("attempts_to_reach_agent", v.AttemptsToReachAgent, 1)
		c.delay("pcb_to_ncb_duration", &v.PCBToNCBDuration)
		if v.PCBToNCBReset == "duration" && v.PCBToNCBDuration == "0:0:0" {
			c.Add("pcb_to_ncb_duration", "must be more than 0:0:0 when pcb_to_ncb_reset is duration")
		}
	},
	usedBy: []usage{usedByCampaigns("callback_strategy_id")},
}

// EntryPoints are where the dialer places a campaign's calls; their
// secret is never shown back. A webhook entry point's URLs may not name an
// address the default webhook refuses (EntryPointsReaching).
var EntryPoints = EntryPointsReaching(nil)

// EntryPointsReaching are the entry points whose webhook URLs are held to
// targets: an IP address it refuses (loopback, link-local, Outdial's own
// services, unless allowed), localhost, or an own service's host name is
// refused when the entry point is saved. A name is judged on the addresses
// it resolves to when the webhook connects (dialer.Webhook). A simulator
// entry point's URLs are never connected to, and not judged.
func EntryPointsReaching(targets *dialer.Targets) *Objects[models.EntryPoint, *models.EntryPoint] {
	return &Objects[models.EntryPoint, *models.EntryPoint]{
		name: "entry point", search: []string{"name", "description"},
		defaults: func(v *models.EntryPoint) {
			v.Type, v.Channel, v.Status, v.Dialer = "outdial", "telephony", "active", "simulator"
		},
		check: func(c *checks, v, old *models.EntryPoint) {
			c.name("name", &v.Name)
			c.oneOf("type", &v.Type, "outdial")
			c.oneOf("channel", &v.Channel, "telephony")
			c.oneOf("status", &v.Status, "active", "inactive")
			c.oneOf("dialer", &v.Dialer, "simulator", "webhook")
			c.url("primary_url", v.PrimaryURL, v.Dialer == "webhook")
			c.url("backup_url", v.BackupURL, false)
			if v.Dialer == "webhook" {
				c.reachable("primary_url", v.PrimaryURL, targets)
				c.reachable("backup_url", v.BackupURL, targets)
			}
			if v.Secret == "" && old != nil {
				// The secret is never shown, so a replace that leaves it out keeps it.
				v.Secret = old.Secret
			}
		},
		present: func(v *models.EntryPoint) { v.HasSecret, v.Secret = v.Secret != "", "" },
		usedBy: []usage{usedByCampaigns("entry_point_id"), {field: "api_keys", is: "has dialer keys", then: "revoke them first",
			query: `SELECT name FROM api_keys WHERE entry_point_id = ? AND revoked_at IS NULL ORDER BY name LIMIT 10`}},
	}
}

// DNCLists are do-not-call lists; they show their entries' count, and
// their entries are read and changed on their own (DNCEntries).
var DNCLists = &Objects[models.DNCList, *models.DNCList]{
	name: "DNC list", search: []string{"name", "description"},
	defaults: func(v *models.DNCList) { v.Scope = "global" },
	check: func(c *checks, v, _ *models.DNCList) {
		c.name("name", &v.Name)
		c.oneOf("category", &v.Category, models.DNCCategories...)
		c.oneOf("scope", &v.Scope, "global", "campaign")
		c.dncEntries("entries", v.Entries)
	},
	saveRelated: saveDNCListEntries,
	loadRelated: countDNCListEntries,
	usedBy: []usage{{field: "campaigns", is: "is used by campaigns", then: "change or delete them first",
		query: `SELECT c.name FROM campaign_dnc_lists d JOIN campaigns c ON c.id = d.campaign_id WHERE d.dnc_list_id = ? ORDER BY c.name LIMIT 10`},
		{field: "lists", is: "is importing", then: "wait until they end",
			query: `SELECT 'upload ' || id FROM contact_lists WHERE dnc_list_id = ? AND imported_at IS NULL AND status <> 'failed' ORDER BY id LIMIT 10`}},
}

// CampaignGroups size the buffer of contacts handed to the dialer and
// split it between their campaigns.
var CampaignGroups = &Objects[models.CampaignGroup, *models.CampaignGroup]{
	name: "campaign group", search: []string{"name", "description"},
	preload: []string{"Campaigns", "TimeZones"},
	defaults: func(v *models.CampaignGroup) {
		v.Enabled, v.InitialContacts, v.IncrementPercent, v.DecrementPercent, v.UpperThresholdPercent = true, 85, 30, 60, 200
	},
	check:       checkCampaignGroup,
	saveRelated: saveGroupShares,
	usedBy: []usage{{field: "campaigns", is: "paces running campaigns", then: "stop them first",
		query: `SELECT c.name FROM campaign_group_campaigns g JOIN campaigns c ON c.id = g.campaign_id
			WHERE g.campaign_group_id = ? AND c.status IN ('active', 'paused') ORDER BY c.name LIMIT 10`}},
}

func checkCampaignGroup(c *checks, v, _ *models.CampaignGroup) {
	c.name("name", &v.Name)
	c.atLeast("initial_contacts", v.InitialContacts, 1)
	c.between("increment_percent", v.IncrementPercent, 0, 1000)
	c.between("decrement_percent", v.DecrementPercent, 0, 100)
	c.between("upper_threshold_percent", v.UpperThresholdPercent, 100, 10000)
	sum, seen := 0, map[uint64]bool{}
	for i, cp := range v.Campaigns {
		f := fmt.Sprintf("campaigns[%d].", i)
		if seen[cp.CampaignID] {
			c.Add(f+"campaign_id", "campaign %d is listed twice", cp.CampaignID)
		}
		seen[cp.CampaignID] = true
		c.exists(f+"campaign_id", "campaigns", cp.CampaignID)
		c.between(f+"deliverable_percentage", cp.DeliverablePercentage, 0, 100)
		sum += cp.DeliverablePercentage
	}
	if sum > 100 {
		c.Add("campaigns", "deliverable percentages add up to %d, more than 100", sum)
	}
	zones := map[uint64]bool{}
	for i := range v.TimeZones {
		z := &v.TimeZones[i]
		f := fmt.Sprintf("time_zones[%d].", i)
		if zones[z.TimeZoneID] {
			c.Add(f+"time_zone_id", "time zone %d is listed twice", z.TimeZoneID)
		}
		zones[z.TimeZoneID] = true
		c.exists(f+"time_zone_id", "time_zones", z.TimeZoneID)
		if z.StartTime == "" {
			z.StartTime = DefaultStart
		}
		if z.EndTime == "" {
			z.EndTime = DefaultEnd
		}
		c.clock(f+"start_time", &z.StartTime)
		c.clock(f+"end_time", &z.EndTime)
	}
}

// Teams are groups of agents; only mapped teams get a campaign's contacts.
var Teams = &Objects[models.Team, *models.Team]{
	name: "team", search: []string{"name", "site"},
	check: func(c *checks, v, _ *models.Team) {
		c.name("name", &v.Name)
		v.Site = strings.TrimSpace(v.Site)
		c.ids("campaign_ids", "campaigns", v.CampaignIDs)
		c.ids("campaign_group_ids", "campaign_groups", v.CampaignGroupIDs)
	},
	links: []link[*models.Team]{
		{models.TeamCampaigns, func(v *models.Team) *[]uint64 { return &v.CampaignIDs }},
		{models.TeamCampaignGroups, func(v *models.Team) *[]uint64 { return &v.CampaignGroupIDs }},
	},
	usedBy: []usage{{field: "agents", is: "has agents", then: "move or delete them first",
		query: `SELECT name FROM agents WHERE team_id = ? ORDER BY name LIMIT 10`},
		{field: "campaigns", is: "serves running campaigns", then: "stop them or give them another team first",
			query: `SELECT c.name FROM campaign_serving_teams t JOIN campaigns c ON c.id = t.campaign_id
				WHERE t.team_id = ? AND c.status IN ('active', 'paused') ORDER BY c.name LIMIT 10`},
		{field: "api_keys", is: "has supervisor keys", then: "revoke them first",
			query: `SELECT name FROM api_keys WHERE team_ids @> jsonb_build_array(CAST(? AS bigint)) AND revoked_at IS NULL ORDER BY name LIMIT 10`}},
}

// MaxAbandonTargetPercent is the legal cap on a predictive campaign's
// abandon rate: 3% of the calls a person answered, per campaign over each
// 30-day period (FTC/FCC safe harbour) and over 24 hours (Ofcom).
const MaxAbandonTargetPercent = 3.0

// MinRingSeconds is the least a call nobody answers rings before it is
// given up (FTC/FCC: 15 s or four rings).
const MinRingSeconds = 15

// Campaigns are outbound campaigns and every setting their dialing
// follows; their status changes only as they are started, paused and
// stopped.
var Campaigns = &Objects[models.Campaign, *models.Campaign]{
	name: "campaign", search: []string{"name", "description"},
	defaults: func(v *models.Campaign) {
		v.DailyStartTime, v.DailyEndTime, v.TimeToLiveDays = DefaultStart, DefaultEnd, 30
		v.Channel, v.ListSharing, v.CycleRetryInterval, v.DefaultDelay = "voice", "dedicated", "0:0:0", "0:0:15"
		v.LinesPerAgent, v.PreviewTimeoutSeconds, v.FrequencyCapPeriod, v.DefaultRegion = 1, 120, "1:0:0", "US"
		v.AbandonTargetPercent, v.MaxLinesPerAgent, v.SmallTeamAgents, v.AbandonedRetryDelay = MaxAbandonTargetPercent, 3, 5, "0:0:0"
		v.MinRingSeconds = MinRingSeconds
	},
	check: checkCampaign,
	// A campaign's own teams, as a supervisor's reach to one campaign.
	ofTeams: "id IN (SELECT campaign_id FROM campaign_teams WHERE team_id IN ?)",
	links: []link[*models.Campaign]{
		{models.CampaignTeams, func(v *models.Campaign) *[]uint64 { return &v.TeamIDs }},
		{models.CampaignDNCLists, func(v *models.Campaign) *[]uint64 { return &v.DNCListIDs }},
	},
}

func checkCampaign(c *checks, v, old *models.Campaign) {
	c.name("name", &v.Name)
	if old == nil {
		v.Status = models.CampaignDraft
	}
	if v.StartDate != nil && v.EndDate != nil && v.StartDate.String() > v.EndDate.String() {
		c.Add("end_date", "%s is before start_date %s", v.EndDate, v.StartDate)
	}
	c.clock("daily_start_time", &v.DailyStartTime)
	c.clock("daily_end_time", &v.DailyEndTime)
	if v.TimeZoneID == 0 {
		c.Add("time_zone_id", "is required")
	} else {
		c.exists("time_zone_id", "time_zones", v.TimeZoneID)
	}
	c.optionalRef("outcome_group_id", "outcome_groups", v.OutcomeGroupID)
	c.optionalRef("entry_point_id", "entry_points", v.EntryPointID)
	c.optionalRef("contact_strategy_id", "contact_strategies", v.ContactStrategyID)
	c.optionalRef("callback_strategy_id", "callback_strategies", v.CallbackStrategyID)
	c.between("time_to_live_days", v.TimeToLiveDays, 1, 3650)
	c.oneOf("channel", &v.Channel, "voice")
	c.oneOf("list_sharing", &v.ListSharing, "dedicated", "shared")
	c.oneOf("pacing_mode", &v.PacingMode, models.PacingPreview, models.PacingProgressive, models.PacingPredictive)
	if v.PlacesCalls() && v.EntryPointID == nil {
		c.Add("entry_point_id", "is required for a %s campaign: it is where calls are placed", v.PacingMode)
	}
	if v.AbandonTargetPercent <= 0 || v.AbandonTargetPercent > MaxAbandonTargetPercent {
		c.Add("abandon_target_percent", "must be more than 0 and at most %v (the legal cap: 3%% of calls answered by a person, FTC/FCC and Ofcom), not %v",
			MaxAbandonTargetPercent, v.AbandonTargetPercent)
	}
	if v.MaxLinesPerAgent < 1 || v.MaxLinesPerAgent > 10 {
		c.Add("max_lines_per_agent", "must be between 1 and 10, not %v", v.MaxLinesPerAgent)
	}
	c.between("small_team_agents", v.SmallTeamAgents, 1, 1000)
	if v.MinRingSeconds < MinRingSeconds || v.MinRingSeconds > 120 {
		c.Add("min_ring_seconds", "must be between %d (the legal least: 15 s or four rings) and 120, not %d", MinRingSeconds, v.MinRingSeconds)
	}
	v.AbandonMessage = strings.TrimSpace(v.AbandonMessage)
	if v.PacingMode == models.PacingPredictive && v.AbandonMessage == "" {
		c.Add("abandon_message", "is required for a predictive campaign: a person no agent takes within 2 s must hear who called and a number to call back")
	}
	for _, r := range []struct {
		field string
		n     *int
	}{{"global_retry", v.GlobalRetry}, {"daily_retry", v.DailyRetry}, {"cycle_retry", v.CycleRetry}} {
		if r.n != nil {
			c.atLeast(r.field, *r.n, 0)
		}
	}
	c.delay("cycle_retry_interval", &v.CycleRetryInterval)
	c.delay("default_delay", &v.DefaultDelay)
	c.delay("abandoned_retry_delay", &v.AbandonedRetryDelay)
	c.delay("frequency_cap_period", &v.FrequencyCapPeriod)
	if v.FrequencyCapAttempts != nil && v.FrequencyCapPeriod == "0:0:0" {
		// A cap over no time counts no attempt, so it would never cap.
		c.Add("frequency_cap_period", "must be longer than 0:0:0 when frequency_cap_attempts is set: a cap over no time never caps")
	}
	if v.PCBToNCBReset != nil {
		c.oneOf("pcb_to_ncb_reset", v.PCBToNCBReset, "retries", "duration")
	}
	if v.AttemptsToReachAgent != nil {
		c.atLeast("attempts_to_reach_agent", *v.AttemptsToReachAgent, 1)
	}
	if v.FrequencyCapAttempts != nil {
		c.atLeast("frequency_cap_attempts", *v.FrequencyCapAttempts, 1)
	}
	c.between("lines_per_agent", v.LinesPerAgent, 1, 10)
	c.between("preview_timeout_seconds", v.PreviewTimeoutSeconds, 5, 3600)
	v.DefaultRegion = strings.ToUpper(strings.TrimSpace(v.DefaultRegion))
	if phonenumbers.GetCountryCodeForRegion(v.DefaultRegion) == 0 {
		c.Add("default_region", "%q is not a region code such as US, GB or IN", v.DefaultRegion)
	}
	c.ids("team_ids", "teams", v.TeamIDs)
	c.ids("dnc_list_ids", "dnc_lists", v.DNCListIDs)
	for i, id := range v.DNCListIDs {
		f := fmt.Sprintf("dnc_list_ids[%d]", i)
		if c.dncScope(f, id) == "global" {
			c.Add(f, "DNC list %d is global: it applies to every campaign already", id)
		}
	}
}

// Agents are the people who take the campaigns' calls; their state changes
// only as they report it and as calls are offered.
var Agents = &Objects[models.Agent, *models.Agent]{
	name: "agent", search: []string{"name"},
	ofTeams: "team_id IN ?",
	check: func(c *checks, v, old *models.Agent) {
		c.name("name", &v.Name)
		c.optionalRef("team_id", "teams", v.TeamID)
		if old == nil {
			v.State, v.StateReason, v.StateChangedAt = models.AgentNotReady, "", time.Now()
		}
	},
	// An agent on a call, or holding a card, would leave its attempt or
	// its contact waiting for a report that never comes.
	usedBy: []usage{
		{field: "state", is: "is", then: "wait until its call ends",
			query: `SELECT state FROM agents WHERE id = ? AND state IN ('reserved', 'connected')`},
		{field: "attempts", is: "is on the calls of attempts", then: "wait for their outcomes and wrap-ups",
			query: `SELECT id FROM attempts WHERE agent = CAST(CAST(? AS bigint) AS text) AND ended_at IS NULL ORDER BY id LIMIT 10`},
		{field: "previews", is: "holds preview cards", then: "wait until they are answered or expire",
			query: `SELECT CAST(id AS text) FROM previews WHERE agent_id = ? AND state = 'offered' AND expires_at > now() ORDER BY id LIMIT 10`},
	},
}
