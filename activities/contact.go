package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"

	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/strategy"
	"github.com/outdial/outdial/window"
)

// FrequencyCap is at most Attempts calls to one number in any Period,
// counted across every campaign.
type FrequencyCap struct {
	Attempts int
	Period   time.Duration
}

// Policy is what the strategy decision reads for a contact: its campaign's
// rules, caps and the contact's modes in priority order.
type Policy struct {
	Rules    []strategy.Rule         `json:"rules"`
	Business []strategy.BusinessRule `json:"business"`
	Caps     strategy.Caps           `json:"caps"`
	Modes    []string                `json:"modes"`
}

// Actions a check can end in.
const (
	ActionDial  = "dial"
	ActionWait  = "wait"
	ActionClose = "close"
)

// Verdict says whether a contact can be dialed now and, if not, until when
// it waits or why it closes.
type Verdict struct {
	Action string    `json:"action"`
	Reason string    `json:"reason"`
	Until  time.Time `json:"until,omitzero"`
	Mode   string    `json:"mode,omitempty"`
	Number string    `json:"number,omitempty"`
	Zone   string    `json:"time_zone,omitempty"`
}

// contactView is a contact with everything its checks read.
type contactView struct {
	contact  models.Contact
	list     models.ContactList
	campaign models.Campaign
	counters strategy.Counters
	policy   Policy
}

func (a *Activities) loadContact(ctx context.Context, contactID uint64) (*contactView, error) {
	db := a.DB.WithContext(ctx)
	v := &contactView{}
	if err := db.First(&v.contact, contactID).Error; err != nil {
		return nil, fmt.Errorf("load contact %d: %w", contactID, err)
	}
	if err := db.First(&v.list, v.contact.ListID).Error; err != nil {
		return nil, fmt.Errorf("load list of contact %d: %w", contactID, err)
	}
	if err := db.First(&v.campaign, v.contact.CampaignID).Error; err != nil {
		return nil, fmt.Errorf("load campaign of contact %d: %w", contactID, err)
	}
	if len(v.contact.Counters) > 0 {
		if err := json.Unmarshal(v.contact.Counters, &v.counters); err != nil {
			return nil, fmt.Errorf("read counters of contact %d: %w", contactID, err)
		}
	}
	policy, err := a.policy(ctx, &v.campaign)
	if err != nil {
		return nil, err
	}
	v.policy = policy
	v.policy.Modes = contactModes(policy.Modes, v.contact.Numbers)
	return v, nil
}

// contactModes orders the contact's modes by the strategy's mode priority;
// modes the strategy does not list follow in the contact's own order.
func contactModes(priority []string, numbers []models.ContactNumber) []string {
	var out []string
	for _, m := range priority {
		if slices.ContainsFunc(numbers, func(n models.ContactNumber) bool { return n.Mode == m }) {
			out = append(out, m)
		}
	}
	for _, n := range numbers {
		if !slices.Contains(out, n.Mode) {
			out = append(out, n.Mode)
		}
	}
	return out
}

func (a *Activities) loadPolicy(ctx context.Context, c *models.Campaign) (Policy, error) {
	db := a.DB.WithContext(ctx)
	var p Policy
	caps := strategy.Caps{GlobalRetry: c.GlobalRetry, DailyRetry: c.DailyRetry, ResetOnCallback: c.ResetDailyAndGlobalRetries}
	if c.CycleRetry != nil {
		caps.CycleRetry = *c.CycleRetry
	}
	var err error
	parse := func(s string) strategy.Delay {
		d, perr := strategy.ParseDelay(s)
		err = errors.Join(err, perr)
		return d
	}
	caps.CycleInterval = parse(c.CycleRetryInterval)
	def := parse(c.DefaultDelay)
	caps.DefaultDelay = &def
	if c.CallbackStrategyID != nil {
		var cb models.CallbackStrategy
		if err := db.First(&cb, *c.CallbackStrategyID).Error; err != nil {
			return p, fmt.Errorf("load callback strategy of campaign %d: %w", c.ID, err)
		}
		caps.PCBToNCB, caps.AttemptsToReachAgent, caps.PCBToNCBAfter = cb.PCBToNCBReset, cb.AttemptsToReachAgent, parse(cb.PCBToNCBDuration)
		caps.ResetOnCallback = caps.ResetOnCallback || cb.ResetDailyAndGlobalRetries
	}
	if c.PCBToNCBReset != nil {
		caps.PCBToNCB = *c.PCBToNCBReset
	}
	if c.AttemptsToReachAgent != nil {
		caps.AttemptsToReachAgent = *c.AttemptsToReachAgent
	}
	p.Caps = caps
	if c.ContactStrategyID != nil {
		var cs models.ContactStrategy
		if err := db.Preload("Rules", func(tx *gorm.DB) *gorm.DB { return tx.Order("position") }).First(&cs, *c.ContactStrategyID).Error; err != nil {
			return p, fmt.Errorf("load contact strategy of campaign %d: %w", c.ID, err)
		}
		for _, r := range cs.Rules {
			p.Rules = append(p.Rules, strategy.Rule{Outcome: r.TelephonyOutcome, Reschedule: parse(r.Reschedule), MaxRetry: r.MaxRetry,
				Priority: r.Priority, BranchMode: r.BranchMode, RetainPCB: r.RetainPCB, CloseContact: r.CloseContact, RemoveMode: r.RemoveMode})
		}
		links, lerr := models.StrategyModes.Load(db, []uint64{cs.ID})
		if lerr != nil {
			return p, lerr
		}
		var modes []models.Mode
		if err := db.Where("id IN ?", links[cs.ID]).Find(&modes).Error; err != nil {
			return p, fmt.Errorf("load modes of contact strategy %d: %w", cs.ID, err)
		}
		for _, id := range links[cs.ID] { // in the strategy's priority order
			if i := slices.IndexFunc(modes, func(m models.Mode) bool { return m.ID == id }); i >= 0 {
				p.Modes = append(p.Modes, modes[i].Name)
			}
		}
	}
	if c.OutcomeGroupID != nil {
		var outcomes []models.BusinessOutcome
		if err := db.Where("outcome_group_id = ?", *c.OutcomeGroupID).Order("position").Find(&outcomes).Error; err != nil {
			return p, fmt.Errorf("load business outcomes of campaign %d: %w", c.ID, err)
		}
		for _, o := range outcomes {
			p.Business = append(p.Business, strategy.BusinessRule{Name: o.Name, Success: o.Type == models.OutcomeSuccess, Reschedule: parse(o.Reschedule),
				MaxRetry: o.MaxRetry, Priority: o.Priority, CloseContact: o.CloseContact, RetainPCB: o.RetainPCB})
		}
	}
	if err != nil {
		return p, fmt.Errorf("campaign %d has a bad delay: %w", c.ID, err)
	}
	return p, nil
}

// windowFor is the calling window of a number in zone: the campaign's date
// range and daily hours, the zone's own enabled hours when the zone is
// configured, and the hours the campaign's group sets for the zone when it
// lists it; all in the number's local time.
func (a *Activities) windowFor(ctx context.Context, c *models.Campaign, zone string) (window.Spec, string, error) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return window.Spec{}, "", fmt.Errorf("zone %q: %w", zone, err)
	}
	spec := window.Spec{Loc: loc, Dates: campaignDates(c)}
	daily, err := window.ParseDaily(c.DailyStartTime, c.DailyEndTime)
	if err != nil {
		return spec, "", fmt.Errorf("campaign %d daily window: %w", c.ID, err)
	}
	spec.Daily = append(spec.Daily, daily)
	// The zone's own hours, and those the campaign's group sets for it.
	var zones []struct {
		DisplayName, StartTime, EndTime, GroupName string
		Enabled                                    bool
	}
	err = a.DB.WithContext(ctx).Raw(`SELECT display_name, enabled, start_time, end_time, '' AS group_name FROM time_zones WHERE iana_zone = @zone
		UNION ALL
		SELECT z.display_name, gz.enabled, gz.start_time, gz.end_time, g.name FROM campaign_group_time_zones gz
		JOIN time_zones z ON z.id = gz.time_zone_id JOIN campaign_groups g ON g.id = gz.campaign_group_id
		JOIN campaign_group_campaigns gc ON gc.campaign_group_id = g.id
		WHERE gc.campaign_id = @campaign AND z.iana_zone = @zone`, map[string]any{"zone": zone, "campaign": c.ID}).Scan(&zones).Error
	if err != nil {
		return spec, "", fmt.Errorf("load zone %s: %w", zone, err)
	}
	for _, z := range zones {
		if !z.Enabled {
			why := fmt.Sprintf("zone %s (%s) is not enabled for calling", z.DisplayName, zone)
			if z.GroupName != "" {
				why += " in campaign group " + z.GroupName
			}
			return spec, why, nil
		}
		d, err := window.ParseDaily(z.StartTime, z.EndTime)
		if err != nil {
			return spec, "", fmt.Errorf("zone %s hours: %w", zone, err)
		}
		spec.Daily = append(spec.Daily, d)
	}
	return spec, "", nil
}

// campaignDates is the campaign's date range.
func campaignDates(c *models.Campaign) window.Dates {
	var d window.Dates
	if c.StartDate != nil {
		d.From = window.Date{Year: c.StartDate.Year, Month: c.StartDate.Month, Day: c.StartDate.Day}
	}
	if c.EndDate != nil {
		d.To = window.Date{Year: c.EndDate.Year, Month: c.EndDate.Month, Day: c.EndDate.Day}
	}
	return d
}

// recheck is how long a contact waits for a condition no timer can predict
// (a stopped list, a disabled zone) before it is checked again.
const recheck = time.Hour

// check decides whether v can be dialed at now and on which number: list
// and time to live, DNC lists in force, the number's calling window, and the
// frequency caps.
func (a *Activities) check(ctx context.Context, v *contactView, now time.Time) (Verdict, error) {
	switch {
	case v.contact.Status == models.ContactClosed:
		return Verdict{Action: ActionClose, Reason: "the contact is closed: " + v.contact.ClosedReason}, nil
	case now.After(v.list.EndTime):
		return Verdict{Action: ActionClose, Reason: fmt.Sprintf("time to live ended: list %d expired at %s", v.list.ID, v.list.EndTime.UTC().Format(time.RFC3339))}, nil
	case v.list.Status == models.ListStopped:
		return Verdict{Action: ActionWait, Reason: fmt.Sprintf("list %d is stopped", v.list.ID), Until: now.Add(recheck)}, nil
	case v.list.Status != models.ListActive:
		return Verdict{Action: ActionWait, Reason: fmt.Sprintf("list %d is %s", v.list.ID, v.list.Status), Until: now.Add(recheck)}, nil
	}
	dnc, err := a.dncHits(ctx, v)
	if err != nil {
		return Verdict{}, err
	}
	var blocked []string
	for _, mode := range v.modeOrder() {
		n, ok := v.number(mode)
		if !ok {
			continue
		}
		if lists := dnc[n.Number]; len(lists) > 0 {
			blocked = append(blocked, fmt.Sprintf("%s %s is on DNC list %s", mode, n.Number, strings.Join(lists, ", ")))
			continue
		}
		verdict := Verdict{Action: ActionDial, Mode: mode, Number: n.Number, Zone: n.TimeZone}
		spec, disabled, err := a.windowFor(ctx, &v.campaign, n.TimeZone)
		if err != nil {
			return Verdict{}, err
		}
		if disabled != "" {
			verdict.Action, verdict.Reason, verdict.Until = ActionWait, disabled, now.Add(recheck)
			return verdict, nil
		}
		if !spec.Open(now) {
			next, ok := spec.Next(now)
			if !ok {
				return Verdict{Action: ActionClose, Reason: "no calling window opens again: " + spec.Explain(now)}, nil
			}
			if next.After(v.list.EndTime) {
				return Verdict{Action: ActionClose, Reason: "time to live ends before the calling window opens: " + spec.Explain(now)}, nil
			}
			verdict.Action, verdict.Reason, verdict.Until = ActionWait, spec.Explain(now), next
			return verdict, nil
		}
		if until, why, err := a.capped(ctx, &v.campaign, n.Number, now); err != nil {
			return Verdict{}, err
		} else if why != "" {
			verdict.Action, verdict.Reason, verdict.Until = ActionWait, why, until
			return verdict, nil
		}
		if len(blocked) > 0 {
			verdict.Reason = strings.Join(blocked, "; ")
		}
		return verdict, nil
	}
	if len(blocked) > 0 {
		return Verdict{Action: ActionClose, Reason: "no number can be dialed: " + strings.Join(blocked, "; ")}, nil
	}
	return Verdict{Action: ActionClose, Reason: "no dialable number left"}, nil
}

// modeOrder is the current mode first, then the others by priority,
// leaving out the modes removed for good.
func (v *contactView) modeOrder() []string {
	var out []string
	if m := v.counters.Mode; m != "" && slices.Contains(v.policy.Modes, m) {
		out = append(out, m)
	}
	for _, m := range v.policy.Modes {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return slices.DeleteFunc(out, func(m string) bool { return slices.Contains(v.counters.Removed, m) })
}

func (v *contactView) number(mode string) (models.ContactNumber, bool) {
	i := slices.IndexFunc(v.contact.Numbers, func(n models.ContactNumber) bool { return n.Mode == mode })
	if i < 0 {
		return models.ContactNumber{}, false
	}
	return v.contact.Numbers[i], true
}

// dncHits returns, for each of the contact's numbers on a DNC list in force
// for the campaign now, the names of those lists.
func (a *Activities) dncHits(ctx context.Context, v *contactView) (map[string][]string, error) {
	numbers := make([]string, len(v.contact.Numbers))
	for i, n := range v.contact.Numbers {
		numbers[i] = n.Number
	}
	var rows []struct{ Number, Name string }
	err := a.DB.WithContext(ctx).Raw(`SELECT e.number, l.name FROM dnc_entries e JOIN dnc_lists l ON l.id = e.dnc_list_id
		WHERE e.number IN ? AND (e.expires_at IS NULL OR e.expires_at > now())
		  AND (l.scope = 'global' OR l.id IN (SELECT dnc_list_id FROM campaign_dnc_lists WHERE campaign_id = ?))
		ORDER BY l.name`, numbers, v.campaign.ID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("check DNC for contact %d: %w", v.contact.ID, err)
	}
	out := map[string][]string{}
	for _, r := range rows {
		out[r.Number] = append(out[r.Number], r.Name)
	}
	return out, nil
}

// capped reports whether number has had as many attempts as a frequency
// cap allows, across every campaign, and when the oldest of them leaves
// the period.
func (a *Activities) capped(ctx context.Context, c *models.Campaign, number string, now time.Time) (time.Time, string, error) {
	caps := []FrequencyCap{}
	if a.FrequencyCap.Attempts > 0 {
		caps = append(caps, a.FrequencyCap)
	}
	if c.FrequencyCapAttempts != nil {
		period, err := strategy.ParseDelay(c.FrequencyCapPeriod)
		if err != nil {
			return time.Time{}, "", fmt.Errorf("campaign %d frequency cap period: %w", c.ID, err)
		}
		caps = append(caps, FrequencyCap{Attempts: *c.FrequencyCapAttempts, Period: period.Duration()})
	}
	var until time.Time
	var why string
	for _, fc := range caps {
		var starts []time.Time
		err := a.DB.WithContext(ctx).Raw(`SELECT started_at FROM attempts WHERE number = ? AND started_at > ? ORDER BY started_at`,
			number, now.Add(-fc.Period)).Scan(&starts).Error
		if err != nil {
			return time.Time{}, "", fmt.Errorf("count attempts to %s: %w", number, err)
		}
		if len(starts) < fc.Attempts {
			continue
		}
		// The cap frees a slot when enough of the oldest attempts leave the period.
		free := starts[len(starts)-fc.Attempts].Add(fc.Period)
		if free.After(until) {
			until = free
			why = fmt.Sprintf("frequency cap reached: %d attempts to %s in %s, across campaigns", len(starts), number, fc.Period)
		}
	}
	return until, why, nil
}

// PrepareRequest asks to start attempt Seq of a contact.
type PrepareRequest struct {
	ContactID uint64 `json:"contact_id"`
	Seq       int    `json:"seq"`
	Agent     string `json:"agent,omitempty"`
}

// PrepareResult is the verdict and, when it is to dial, the attempt.
type PrepareResult struct {
	Verdict
	AttemptID  string `json:"attempt_id,omitempty"`
	CampaignID uint64 `json:"campaign_id"`
	ListID     uint64 `json:"list_id"`
	// ContactZone is the contact's own zone, for its daily count.
	ContactZone string `json:"contact_zone"`
	// ContactZoneOffset is the zone's UTC offset in seconds when the
	// attempt was prepared: the workflow's zone for the decision after the
	// call, so its replay never depends on a machine's zone files. Nil in
	// histories from before it.
	ContactZoneOffset *int   `json:"contact_zone_offset,omitempty"`
	Policy            Policy `json:"policy"`
}

// AttemptID is the ID of a contact's attempt seq: the dialer's idempotency key.
func AttemptID(contactID uint64, seq int) string { return fmt.Sprintf("%d-%d", contactID, seq) }

// PrepareAttempt checks the contact is still dialable now and, if it is,
// records the attempt. A retry finds the attempt already recorded.
func (a *Activities) PrepareAttempt(ctx context.Context, req PrepareRequest) (PrepareResult, error) {
	id := AttemptID(req.ContactID, req.Seq)
	var existing models.Attempt
	err := a.DB.WithContext(ctx).First(&existing, "id = ?", id).Error
	v, lerr := a.loadContact(ctx, req.ContactID)
	if lerr != nil {
		return PrepareResult{}, lerr
	}
	res := PrepareResult{CampaignID: v.campaign.ID, ListID: v.list.ID, ContactZone: v.contact.TimeZone, Policy: v.policy}
	if loc, err := time.LoadLocation(v.contact.TimeZone); err == nil {
		_, offset := a.now().In(loc).Zone()
		res.ContactZoneOffset = &offset
	}
	if err == nil {
		res.Verdict = Verdict{Action: ActionDial, Mode: existing.Mode, Number: existing.Number}
		res.AttemptID = id
		return res, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return PrepareResult{}, fmt.Errorf("prepare attempt %s: %w", id, err)
	}
	now := a.now()
	verdict, err := a.check(ctx, v, now)
	if err != nil {
		return PrepareResult{}, err
	}
	res.Verdict = verdict
	if verdict.Action != ActionDial {
		return res, nil
	}
	res.AttemptID = id
	err = a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&models.Attempt{ID: id, ContactID: v.contact.ID, CampaignID: v.campaign.ID, Seq: req.Seq,
			Mode: verdict.Mode, Number: verdict.Number, Agent: req.Agent, StartedAt: now}).Error; err != nil {
			return err
		}
		return tx.Model(&models.Contact{}).Where("id = ?", v.contact.ID).Updates(map[string]any{
			"status": models.ContactDialing, "attempt_count": req.Seq, "mode": verdict.Mode, "waiting_reason": "", "updated_at": now}).Error
	})
	if err != nil {
		return PrepareResult{}, fmt.Errorf("record attempt %s: %w", id, err)
	}
	return res, nil
}

// Dial asks the campaign's dialer for the attempt's call.
func (a *Activities) Dial(ctx context.Context, attemptID string) error {
	var at models.Attempt
	if err := a.DB.WithContext(ctx).First(&at, "id = ?", attemptID).Error; err != nil {
		return fmt.Errorf("dial %s: %w", attemptID, err)
	}
	v, err := a.loadContact(ctx, at.ContactID)
	if err != nil {
		return err
	}
	req := dialer.CallRequest{AttemptID: at.ID, CampaignID: v.campaign.ID, Campaign: v.campaign.Name, CampaignType: titleCase(v.campaign.PacingMode),
		ListID: v.list.ID, ContactID: v.contact.ID, Mode: at.Mode, Number: at.Number, ExternalID: v.contact.ExternalKey,
		Agent: at.Agent, CallMeNow: true, TimeZone: v.contact.TimeZone}
	if n, ok := v.number(at.Mode); ok {
		req.TimeZone = n.TimeZone
	}
	if len(at.Number) == 12 && strings.HasPrefix(at.Number, "+1") {
		req.AreaCode = at.Number[2:5]
	}
	name := a.DefaultDialer
	if v.campaign.EntryPointID != nil {
		var ep models.EntryPoint
		if err := a.DB.WithContext(ctx).First(&ep, *v.campaign.EntryPointID).Error; err != nil {
			return fmt.Errorf("dial %s: entry point: %w", attemptID, err)
		}
		name, req.EntryPoint, req.PrimaryURL, req.BackupURL, req.Secret = ep.Dialer, ep.Name, ep.PrimaryURL, ep.BackupURL, ep.Secret
	}
	var group models.CampaignGroup
	if err := a.DB.WithContext(ctx).Joins("JOIN campaign_group_campaigns g ON g.campaign_group_id = campaign_groups.id").
		Where("g.campaign_id = ?", v.campaign.ID).Limit(1).Find(&group).Error; err == nil {
		req.CampaignGroup = group.Name
	}
	d, err := a.Dialers.Get(name)
	if err != nil {
		return fmt.Errorf("dial %s: %w", attemptID, err)
	}
	if err := d.Dial(ctx, req); err != nil {
		if errors.Is(err, dialer.ErrRejected) || errors.Is(err, dialer.ErrInvalidRequest) {
			// The dialer refused the request itself: asking again cannot help.
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("dial %s with %s: %v", attemptID, name, err), "DialRejected", err)
		}
		return fmt.Errorf("dial %s with %s: %w", attemptID, name, err)
	}
	return nil
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// FinishRequest is an attempt's outcome and the strategy's decision.
type FinishRequest struct {
	AttemptID string            `json:"attempt_id"`
	ContactID uint64            `json:"contact_id"`
	Telephony string            `json:"telephony"`
	Business  string            `json:"business,omitempty"`
	Agent     string            `json:"agent,omitempty"`
	Decision  strategy.Decision `json:"decision"`
}

// FinishResult is when the contact is next due, inside its calling window,
// or that it closed.
type FinishResult struct {
	Closed    bool      `json:"closed"`
	Reason    string    `json:"reason"`
	NextDueAt time.Time `json:"next_due_at,omitzero"`
}

// FinishAttempt records the attempt's outcome and the contact's next state.
// The decision's due time moves to the next opening of the calling window
// of the number it will dial; a contact whose time to live ends first closes.
func (a *Activities) FinishAttempt(ctx context.Context, req FinishRequest) (FinishResult, error) {
	v, err := a.loadContact(ctx, req.ContactID)
	if err != nil {
		return FinishResult{}, err
	}
	now := a.now()
	d := req.Decision
	res := FinishResult{Closed: d.Close, Reason: d.Reason, NextDueAt: d.DueAt}
	if !d.Close {
		v.counters = d.Counters
		mode := d.Mode
		if n, ok := v.number(mode); ok {
			spec, _, err := a.windowFor(ctx, &v.campaign, n.TimeZone)
			if err != nil {
				return FinishResult{}, err
			}
			if !spec.Open(d.DueAt) {
				next, ok := spec.Next(d.DueAt)
				if !ok {
					res.Closed, res.Reason = true, d.Reason+"; no calling window opens again: "+spec.Explain(d.DueAt)
				} else {
					res.Reason = d.Reason + "; " + spec.Explain(d.DueAt)
					res.NextDueAt = next
				}
			}
		}
		if !res.Closed && res.NextDueAt.After(v.list.EndTime) {
			res.Closed, res.Reason = true, d.Reason+fmt.Sprintf("; time to live ends (list %d expires %s) before the next attempt", v.list.ID, v.list.EndTime.UTC().Format(time.RFC3339))
		}
	}
	counters, err := json.Marshal(d.Counters)
	if err != nil {
		return FinishResult{}, fmt.Errorf("encode counters of contact %d: %w", req.ContactID, err)
	}
	err = a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The reported outcomes stay as reported; a timeout fills what is missing.
		if err := tx.Exec(`UPDATE attempts SET ended_at = COALESCE(ended_at, ?), decision = ?,
			telephony_outcome = CASE WHEN telephony_outcome = '' THEN ? ELSE telephony_outcome END,
			business_outcome = CASE WHEN business_outcome = '' THEN ? ELSE business_outcome END,
			agent = CASE WHEN agent = '' THEN ? ELSE agent END WHERE id = ?`,
			now, res.Reason, req.Telephony, req.Business, req.Agent, req.AttemptID).Error; err != nil {
			return err
		}
		update := map[string]any{"counters": string(counters), "updated_at": now, "priority": d.Priority, "pcb_agent": d.PCBAgent, "mode": d.Mode}
		if res.Closed {
			update["status"], update["closed_reason"], update["closed_at"], update["next_due_at"], update["waiting_reason"] = models.ContactClosed, res.Reason, now, nil, ""
		} else {
			update["status"], update["next_due_at"], update["waiting_reason"] = models.ContactScheduled, res.NextDueAt, res.Reason
		}
		return tx.Model(&models.Contact{}).Where("id = ?", req.ContactID).Updates(update).Error
	})
	if err != nil {
		return FinishResult{}, fmt.Errorf("finish attempt %s: %w", req.AttemptID, err)
	}
	return res, nil
}

// StatusRequest moves a contact to a status between attempts.
type StatusRequest struct {
	ContactID uint64    `json:"contact_id"`
	Status    string    `json:"status"`
	Reason    string    `json:"reason"`
	Until     time.Time `json:"until,omitzero"`
}

// SetContactStatus records that a contact waits (until a time, for a
// reason), is ready for the pacer, or closed.
func (a *Activities) SetContactStatus(ctx context.Context, req StatusRequest) error {
	now := a.now()
	update := map[string]any{"status": req.Status, "waiting_reason": req.Reason, "updated_at": now}
	switch req.Status {
	case models.ContactClosed:
		update["closed_reason"], update["closed_at"], update["next_due_at"], update["waiting_reason"] = req.Reason, now, nil, ""
	case models.ContactScheduled:
		update["next_due_at"] = req.Until
	}
	// A closed contact stays closed.
	err := a.DB.WithContext(ctx).Model(&models.Contact{}).Where("id = ? AND status <> ?", req.ContactID, models.ContactClosed).Updates(update).Error
	if err != nil {
		return fmt.Errorf("set contact %d %s: %w", req.ContactID, req.Status, err)
	}
	return nil
}

// Eligibility says whether a contact can be dialed now and when it next
// can be. It is not an activity: the API calls it.
func Eligibility(ctx context.Context, a *Activities, contactID uint64, now time.Time) (Verdict, error) {
	v, err := a.loadContact(ctx, contactID)
	if err != nil {
		return Verdict{}, err
	}
	verdict, err := a.check(ctx, v, now)
	if err != nil || verdict.Action != ActionDial {
		return verdict, err
	}
	switch v.contact.Status {
	case models.ContactScheduled:
		if v.contact.NextDueAt != nil && v.contact.NextDueAt.After(now) {
			verdict.Action, verdict.Until = ActionWait, *v.contact.NextDueAt
			verdict.Reason = "rescheduled: " + v.contact.WaitingReason
		}
	case models.ContactDialing:
		verdict.Action, verdict.Reason = ActionWait, "an attempt is in progress"
	case models.ContactReady, models.ContactNew:
		verdict.Reason = strings.TrimPrefix(verdict.Reason+"; due: waiting for the pacer to release it (an agent)", "; ")
		if v.contact.PCBAgent != "" {
			verdict.Reason += " — a personal callback for agent " + v.contact.PCBAgent
		}
	}
	return verdict, nil
}

// ContactStart is what a contact's workflow starts from: the attempts and
// counters a previous workflow of the contact left.
type ContactStart struct {
	ListID   uint64            `json:"list_id"`
	Attempts int               `json:"attempts"`
	Counters strategy.Counters `json:"counters"`
}

// StartContact reads where a contact's workflow starts from.
func (a *Activities) StartContact(ctx context.Context, contactID uint64) (ContactStart, error) {
	var c models.Contact
	if err := a.DB.WithContext(ctx).First(&c, contactID).Error; err != nil {
		return ContactStart{}, fmt.Errorf("start contact %d: %w", contactID, err)
	}
	start := ContactStart{ListID: c.ListID}
	if err := a.DB.WithContext(ctx).Model(&models.Attempt{}).Where("contact_id = ?", contactID).Select("COALESCE(max(seq), 0)").Scan(&start.Attempts).Error; err != nil {
		return ContactStart{}, fmt.Errorf("start contact %d: %w", contactID, err)
	}
	if len(c.Counters) > 0 {
		if err := json.Unmarshal(c.Counters, &start.Counters); err != nil {
			return ContactStart{}, fmt.Errorf("start contact %d: counters: %w", contactID, err)
		}
	}
	return start, nil
}

// FreeAgent returns an agent reserved for a call that was not placed (the
// contact had to wait or closed) to idle.
func (a *Activities) FreeAgent(ctx context.Context, agent string) error {
	err := a.DB.WithContext(ctx).Exec(`UPDATE agents SET state = 'idle', state_reason = 'the reserved call was not placed', state_changed_at = now()
		WHERE id::text = ? AND state IN ('connected', 'reserved')`, agent).Error
	if err != nil {
		return fmt.Errorf("free agent %s: %w", agent, err)
	}
	return nil
}
