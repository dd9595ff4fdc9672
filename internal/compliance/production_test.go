package compliance

// The simulator's coupling to production code is in this file alone: each
// function either calls a production decision function, or mirrors in
// plain Go what production does in SQL or in a Temporal workflow (said so
// in its comment). When those change, this file changes.

import (
	"cmp"
	"fmt"
	"math"
	"time"

	"github.com/outdial/outdial/dialer"
	campaignsvc "github.com/outdial/outdial/internal/campaign"
	"github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/internal/stats"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/pacing"
	"github.com/outdial/outdial/strategy"
)

// campaignRow is the campaigns row a campaign's configuration makes, as
// the admin API stores it.
func campaignRow(c *campaignSpec) models.Campaign {
	row := models.Campaign{Name: c.name, Status: models.CampaignActive, PacingMode: models.PacingProgressive,
		DailyStartTime: c.dailyStart, DailyEndTime: c.dailyEnd, GlobalRetry: c.globalRetry, DailyRetry: c.dailyRetry,
		CycleRetry: &c.cycleRetry, CycleRetryInterval: dhm(c.cycleInterval), ResetDailyAndGlobalRetries: c.resetOnCallback,
		DefaultDelay: dhm(c.defaultDelay), LinesPerAgent: c.lines, TimeToLiveDays: c.ttlDays}
	row.ID = c.id
	if !c.from.IsZero() {
		row.StartDate = &models.Date{Year: c.from.Year, Month: c.from.Month, Day: c.from.Day}
	}
	if !c.to.IsZero() {
		row.EndDate = &models.Date{Year: c.to.Year, Month: c.to.Month, Day: c.to.Day}
	}
	if c.frequencyCap != nil {
		row.FrequencyCapAttempts, row.FrequencyCapPeriod = &c.frequencyCap.Attempts, dhm(c.frequencyCap.Period)
	}
	row.AbandonMessage = c.abandonMessage
	if p := c.predictive; p != nil {
		row.PacingMode, row.AbandonTargetPercent, row.MaxLinesPerAgent, row.SmallTeamAgents = models.PacingPredictive, p.targetPercent, p.maxLines, p.smallTeam
	}
	return row
}

// dhm writes a duration as the API takes it, "D:H:M".
func dhm(d time.Duration) string {
	m := int(d / time.Minute)
	return fmt.Sprintf("%d:%d:%d", m/(24*60), m/60%24, m%60)
}

// campaignPolicy mirrors contact.Service.loadPolicy, which reads the same
// from SQL: the campaign's caps, its callback strategy, its contact
// strategy's rules and modes, and its business outcomes.
func campaignPolicy(c *campaignSpec, row *models.Campaign) (contact.Policy, error) {
	var errs []error
	parse := func(s string) strategy.Delay {
		d, err := strategy.ParseDelay(s)
		errs = append(errs, err)
		return d
	}
	caps := strategy.Caps{GlobalRetry: row.GlobalRetry, DailyRetry: row.DailyRetry, CycleRetry: *row.CycleRetry,
		CycleInterval: parse(row.CycleRetryInterval), ResetOnCallback: row.ResetDailyAndGlobalRetries}
	def := parse(row.DefaultDelay)
	caps.DefaultDelay = &def
	cb := c.callback
	caps.PCBToNCB, caps.AttemptsToReachAgent, caps.PCBToNCBAfter = cb.reset, cb.attemptsToReachAgent, parse(dhm(cb.duration))
	caps.ResetOnCallback = caps.ResetOnCallback || cb.resetDailyAndGlobal
	p := contact.Policy{Caps: caps, Modes: c.modes}
	for _, r := range c.rules {
		p.Rules = append(p.Rules, strategy.Rule{Outcome: r.outcome, Reschedule: parse(dhm(r.delay)), MaxRetry: r.maxRetry, Priority: r.priority,
			BranchMode: r.branch, RetainPCB: r.retainPCB, CloseContact: r.close, RemoveMode: r.removeMode})
	}
	for _, b := range c.business {
		p.Business = append(p.Business, strategy.BusinessRule{Name: b.name, Success: b.success, Reschedule: parse(dhm(b.delay)),
			MaxRetry: b.maxRetry, Priority: b.priority, CloseContact: b.close, RetainPCB: b.retainPCB})
	}
	for _, err := range errs {
		if err != nil {
			return p, err
		}
	}
	return p, nil
}

// frequencyCaps mirrors contact.Service.caps: the deployment's cap and the
// campaign's own.
func frequencyCaps(deployment contact.FrequencyCap, row *models.Campaign) ([]contact.FrequencyCap, error) {
	caps := []contact.FrequencyCap{deployment}
	if row.FrequencyCapAttempts != nil {
		period, err := strategy.ParseDelay(row.FrequencyCapPeriod)
		if err != nil {
			return nil, err
		}
		caps = append(caps, contact.FrequencyCap{Attempts: *row.FrequencyCapAttempts, Period: period.Duration()})
	}
	return caps, nil
}

// longestPeriod mirrors contact's helper of the same name: how far back the
// facts loader reads a number's attempts.
func longestPeriod(caps []contact.FrequencyCap) time.Duration {
	var longest time.Duration
	for _, c := range caps {
		longest = max(longest, c.Period)
	}
	return longest
}

// zoneHours mirrors contact.loadZoneHours (SQL there): the rows of every
// configured time zone, then those of the campaign's group for them, each
// naming its time zone's row by ID; production's window assembly decides
// which govern a number's zone (its own, else the one covering it).
func (s *sim) zoneHours(c *campaignSpec) []contact.ZoneHours {
	var out []contact.ZoneHours
	ids := map[string]uint64{}
	for i, z := range s.sc.zones {
		ids[z.iana] = uint64(i + 1)
		out = append(out, contact.ZoneHours{TimeZoneID: uint64(i + 1), IANAZone: z.iana, DisplayName: z.display, StartTime: z.start, EndTime: z.end, Enabled: z.enabled})
	}
	for _, z := range c.groupZones {
		out = append(out, contact.ZoneHours{TimeZoneID: ids[z.iana], IANAZone: z.iana, DisplayName: z.display, StartTime: z.start, EndTime: z.end, Enabled: z.enabled, GroupName: c.group})
	}
	return out
}

// zoneWindows are the calling windows of a campaign's numbers in zones:
// production's own assembly (contact.ZoneWindows), from the rows that
// contact.loadZoneHours would read: every configured zone's, and those of
// the campaign's group.
func zoneWindows(row *models.Campaign, zones []string, rows []contact.ZoneHours) (map[string]contact.Window, error) {
	return contact.ZoneWindows(row, zones, rows)
}

// windowOpen is the pacer's test of a zone (campaign.Service.openZones).
func windowOpen(w contact.Window, now time.Time) bool { return w.Closed == "" && w.Spec.Open(now) }

// campaignEnded is the pacer's test for completing a campaign.
func campaignEnded(row *models.Campaign, now time.Time) bool {
	return contact.CampaignDates(row).Ended(now)
}

// check is the check before an attempt is recorded (contact.Service.Prepare).
func check(f contact.Facts, now time.Time) contact.Verdict { return contact.Check(f, now) }

// atDial is the check as each dial request leaves (contact.Service.Dial),
// also the frequency caps' judgement that recordAttempt makes under the
// number's lock for the mode chosen.
func atDial(f contact.Facts, mode string, now time.Time) contact.Verdict {
	return contact.AtDial(f, mode, now)
}

// decisionZone mirrors workflows.contactZone: the decision after a call
// counts days in the contact's own zone, with its daylight-saving rules, as
// time.LoadLocation loads it there (loc, nil when it cannot be loaded: UTC
// then).
func decisionZone(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// decide is the strategy's decision after an attempt, as workflows.Contact
// makes it: the dialed mode, the outcome, the wrap-up, the agent the
// wrap-up names or else the outcome's (the one connected, or the one the
// call was reserved for).
func decide(p contact.Policy, counters strategy.Counters, mode, outcome, business, wrapupAgent, outcomeAgent string, at time.Time, loc *time.Location) strategy.Decision {
	return strategy.Decide(strategy.Input{
		Attempt:  strategy.Attempt{Mode: mode, Outcome: outcome, Business: business, Agent: cmp.Or(wrapupAgent, outcomeAgent), At: at},
		Counters: counters, Rules: p.Rules, Business: p.Business, Caps: p.Caps, Modes: p.Modes, Loc: loc,
	})
}

// nextDue mirrors the pure part of contact.Service.Finish: a decision's due
// time moves to the next opening of the window of the number it will dial;
// the contact closes when none opens again or its time to live ends first.
func nextDue(d strategy.Decision, w contact.Window, hasNumber bool, listEnd time.Time) (closed bool, due time.Time) {
	if d.Close {
		return true, time.Time{}
	}
	due = d.DueAt
	if spec := w.Spec; hasNumber && spec.Loc != nil && !spec.Open(d.DueAt) {
		next, ok := spec.Next(d.DueAt)
		if !ok {
			return true, time.Time{}
		}
		due = next
	}
	return due.After(listEnd), due
}

// progressiveWant is how many contacts a progressive pass would release
// before the agents it shares have their say (campaign.Service
// releaseProgressive and groupWant): lines per agent for each free agent
// of its teams, and in a campaign group its share of the agents mapped to
// the group (pacing.Split by the deliverable percentages of weights, its
// own at index), less its calls in flight. The group's buffer is left
// out: it only lowers the count.
func progressiveWant(free, shared int, weights []int, index, lines, inFlight int) int {
	if index >= 0 {
		free += pacing.Split(shared, weights)[index]
	}
	return pacing.Progressive(free, lines, inFlight, -1)
}

// poolAllows is how many of want calls the campaign at me may release, one
// budget with the campaigns whose agents it shares (pacing.Pool.Release).
func poolAllows(budget pacing.Pool, me, want int) int {
	budget.Campaigns[me].Want = want
	return budget.Release()[me]
}

// reservable is whether a free agent of team may be taken whole for a
// personal callback (pacing.Pool.Reservable).
func reservable(budget pacing.Pool, team int) bool { return budget.Reservable(team) }

// poolLines are a campaign's lines per agent in its agent pool, as
// models.LockAgentPool reads them in SQL: a predictive campaign's most
// lines per agent, rounded up.
func poolLines(row *models.Campaign) int {
	if row.PacingMode == models.PacingPredictive {
		return int(math.Ceil(row.MaxLinesPerAgent))
	}
	return row.LinesPerAgent
}

// predictivePacing is whether a pass paces the campaign predictively
// (campaign.Service.releaseProgressive): predictive and in no campaign
// group.
func predictivePacing(row *models.Campaign, inGroup bool) bool {
	return row.PacingMode == models.PacingPredictive && !inGroup
}

// predictiveDecision is what a predictive pass decides
// (campaign.Service.predictive): the estimates from the attempts that
// ended within campaign.EstimateWindow, and pacing.Predictive's decision with the
// campaign's settings.
func predictiveDecision(row *models.Campaign, recent []models.Traffic, sit pacing.Situation, now time.Time) pacing.Decision {
	est := pacing.Estimate(campaignsvc.TrafficOf(recent), now, campaignsvc.EstimateWindow, pacing.DefaultPrior())
	return campaignsvc.PredictiveSettings(row, 0).Decide(est, sit)
}

// abandonWindows are the start of the campaign's 30-day period and of the
// day (in its zone) holding t, for the abandon counts
// (stats.Service.abandon, by stats.Windows); period is zero before the
// first dial.
func abandonWindows(firstDial, t time.Time, loc *time.Location) (period, today time.Time) {
	var first *time.Time
	if !firstDial.IsZero() {
		first = &firstDial
	}
	rates, _ := stats.Windows(first, t, loc)
	if rates.Period != nil {
		period = rates.Period.From
	}
	return period, rates.Today.From
}

// abandonedCall is stats' classification of a call a person answered:
// abandoned, or connected to an agent more than stats.ConnectWithin after
// the answer.
func abandonedCall(outcome string, answered, connected time.Time) bool {
	return outcome == strategy.Abandoned || !connected.IsZero() && connected.Sub(answered) > stats.ConnectWithin
}

// ringOf is how long the dialer lets a call ring before its outcome
// (dialer.Simulator.plan): nobody answers a no-answer for dialer.MinRing at
// least.
func ringOf(outcome string, drawn time.Duration) time.Duration {
	if outcome == strategy.NoAnswer {
		return max(drawn, dialer.MinRing)
	}
	return drawn
}

// reserveWithin mirrors dialer.Simulator.reserveWithin: a person who
// answers waits for an agent three quarters of the grace at most.
const reserveWithin = dialer.Grace * 3 / 4
