// Package contact is a contact's life between the pacer and the dialer:
// whether it can be dialed now (Check, over facts loaded once), preparing,
// dialing and finishing an attempt, its status between attempts, the
// reports of how attempts end, and releasing and closing contacts. It is
// the one place that starts and signals contacts' workflows.
package contact

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/internal/observe"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/strategy"
	"github.com/outdial/outdial/window"
)

// Pacers are woken when a call ends unanswered: its line is free.
type Pacers interface {
	Wake(ctx context.Context, campaignID uint64)
}

// Agents free an agent reserved for a call that was not placed.
type Agents interface {
	Free(ctx context.Context, agent, reason string) error
}

// Service is the contact domain over PostgreSQL and Temporal.
type Service struct {
	DB       *models.DB
	Temporal client.Client
	// TaskQueue is where contacts' workflows run.
	TaskQueue string
	// Dialers are the dialer adapters by name; DefaultDialer serves
	// campaigns without an entry point. Only workers dial.
	Dialers       dialer.Registry
	DefaultDialer string
	// FrequencyCap protects every number, across campaigns; zero is off.
	FrequencyCap FrequencyCap
	Agents       Agents
	// Pacers, when set, are woken by a call that ends unanswered.
	Pacers Pacers
	// Now is the clock; tests on Temporal's test environment give it theirs.
	Now func() time.Time
	// Worker names the worker process this service dials from; each
	// attempt records it, so a restarted simulator takes up its own calls.
	Worker string
	// DialEvery spaces the dial requests sent through each entry point,
	// across all workers; zero: no spacing.
	DialEvery time.Duration
	// Spread leaves a new contact workflow's first task to the task queue,
	// where any worker takes it, instead of eager start on this one.
	Spread bool

	policies policies
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// facts loads everything the check of a contact reads, and its policy.
// With counted, it reads the number's earlier attempts for the frequency
// caps; attempt except, when set, is the one being dialed, not an earlier
// one. Preparing an attempt counts them again under the number's lock.
func (s *Service) facts(ctx context.Context, contactID uint64, counted bool, except string) (*contactRows, Facts, Policy, error) {
	r, err := s.loadRows(ctx, contactID)
	if err != nil {
		return nil, Facts{}, Policy{}, err
	}
	policy, err := s.policy(ctx, &r.campaign)
	if err != nil {
		return nil, Facts{}, Policy{}, err
	}
	policy.Modes = OrderModes(policy.Modes, r.contact.Numbers)
	f := Facts{Contact: r.contact, CampaignName: r.campaign.Name, CampaignStatus: r.campaign.Status,
		ListID: r.list.ID, ListStatus: r.list.Status, ListEnd: r.list.EndTime,
		Counters: r.counters, Modes: policy.Modes}
	if len(r.contact.Numbers) == 0 {
		return r, f, policy, nil
	}
	var numbers, zones []string
	for _, n := range r.contact.Numbers {
		numbers = append(numbers, n.Number)
		for _, z := range numberZones(n) {
			if !slices.Contains(zones, z) {
				zones = append(zones, z)
			}
		}
	}
	f.Retry = policy.Caps
	if f.DNC, f.DNCLists, err = s.dncHits(ctx, r.campaign.ID, numbers); err != nil {
		return nil, f, policy, err
	}
	if f.Windows, err = Windows(ctx, s.DB, &r.campaign, zones); err != nil {
		return nil, f, policy, err
	}
	if f.Caps, err = s.caps(&r.campaign); err != nil {
		return nil, f, policy, err
	}
	if longest := longestPeriod(f.Caps); counted && longest > 0 {
		if f.Starts, err = s.attemptStarts(ctx, numbers, s.now().Add(-longest), except); err != nil {
			return nil, f, policy, err
		}
	}
	return r, f, policy, nil
}

// CampaignDates is a campaign's date range.
func CampaignDates(c *models.Campaign) window.Dates {
	var d window.Dates
	if c.StartDate != nil {
		d.From = window.Date{Year: c.StartDate.Year, Month: c.StartDate.Month, Day: c.StartDate.Day}
	}
	if c.EndDate != nil {
		d.To = window.Date{Year: c.EndDate.Year, Month: c.EndDate.Month, Day: c.EndDate.Day}
	}
	return d
}

// CampaignWindow is a campaign's own calling window in loc: its date range
// and daily hours.
func CampaignWindow(c *models.Campaign, loc *time.Location) (window.Spec, error) {
	spec := window.Spec{Loc: loc, Dates: CampaignDates(c)}
	daily, err := window.ParseDaily(c.DailyStartTime, c.DailyEndTime)
	if err != nil {
		return spec, fmt.Errorf("campaign %d daily window: %w", c.ID, err)
	}
	spec.Daily = []window.Daily{daily}
	return spec, nil
}

// Windows are the calling windows of a campaign's numbers in zones, by
// zone as given: the campaign's date range and daily hours, and the
// enabled hours of the configured time zone that governs the zone, and
// those the campaign's group sets for that time zone; all in the zone's
// local time. A zone is read as its canonical name, and a configured time
// zone governs it when it is the time zone's own zone or, failing one,
// when the time zone covers it (its Windows zone, per CLDR: "Eastern Time
// (US and Canada)" governs America/Toronto); see window.Governing. A zone
// that is not a place, or cannot be loaded, is closed.
func Windows(ctx context.Context, db *models.DB, c *models.Campaign, zones []string) (map[string]Window, error) {
	hours, err := loadZoneHours(ctx, db, c.ID)
	if err != nil {
		return nil, err
	}
	return ZoneWindows(c, zones, hours)
}

// ZoneWindows are Windows from the time zones' hours as loaded: pure, so
// that the compliance suite drives the very rules that assemble a window.
func ZoneWindows(c *models.Campaign, zones []string, hours []ZoneHours) (map[string]Window, error) {
	// Each configured time zone's own zone, canonical; "" for one stored
	// before names were checked that is no place, which covers nothing.
	var ids []uint64
	var primaries []string
	for _, h := range hours {
		if h.GroupName == "" {
			p, _ := window.Canonical(h.IANAZone)
			ids, primaries = append(ids, h.TimeZoneID), append(primaries, p)
		}
	}
	out := map[string]Window{}
	for _, zone := range zones {
		canonical, err := window.Canonical(zone)
		if err != nil {
			out[zone] = Window{Zone: zone, Closed: fmt.Sprintf("the number's zone cannot be used: %v", err)}
			continue
		}
		loc, err := loadZone(canonical)
		if err != nil {
			out[zone] = Window{Zone: canonical, Closed: fmt.Sprintf("zone %q cannot be loaded: %v", canonical, err)}
			continue
		}
		spec, err := CampaignWindow(c, loc)
		if err != nil {
			return nil, err
		}
		w := Window{Spec: spec, Zone: canonical, Parts: []WindowPart{{Name: "campaign " + c.Name, Spec: spec}}}
		var governing []uint64
		for _, i := range window.Governing(canonical, primaries) {
			governing = append(governing, ids[i])
		}
		for _, z := range hours {
			if !slices.Contains(governing, z.TimeZoneID) {
				continue
			}
			row := ZoneRow{TimeZoneID: z.TimeZoneID, DisplayName: z.DisplayName, IANAZone: z.IANAZone, CampaignGroup: z.GroupName,
				Enabled: z.Enabled, StartTime: z.StartTime, EndTime: z.EndTime}
			w.Rows = append(w.Rows, row)
			if w.Closed != "" {
				continue
			}
			if !z.Enabled {
				w.Closed = fmt.Sprintf("zone %s (%s) is not enabled for calling", z.DisplayName, canonical)
				if z.GroupName != "" {
					w.Closed += " in campaign group " + z.GroupName
				}
				continue
			}
			d, err := window.ParseDaily(z.StartTime, z.EndTime)
			if err != nil {
				return nil, fmt.Errorf("zone %s hours: %w", z.DisplayName, err)
			}
			w.Spec.Daily = append(w.Spec.Daily, d)
			name := "time zone " + z.DisplayName
			if z.GroupName != "" {
				name = "campaign group " + z.GroupName + ", " + name
			}
			w.Parts = append(w.Parts, WindowPart{Name: name, Spec: window.Spec{Loc: loc, Daily: []window.Daily{d}}})
		}
		out[zone] = w
	}
	return out, nil
}

// caps are the frequency caps in force for a campaign's numbers: the
// deployment's and the campaign's own.
func (s *Service) caps(c *models.Campaign) ([]FrequencyCap, error) {
	var caps []FrequencyCap
	if s.FrequencyCap.Attempts > 0 {
		caps = append(caps, s.FrequencyCap)
	}
	if c.FrequencyCapAttempts != nil {
		period, err := strategy.ParseDelay(c.FrequencyCapPeriod)
		if err != nil {
			return nil, fmt.Errorf("campaign %d frequency cap period: %w", c.ID, err)
		}
		caps = append(caps, FrequencyCap{Attempts: *c.FrequencyCapAttempts, Period: period.Duration()})
	}
	return caps, nil
}

// Eligibility says whether a contact can be dialed now and when it next
// can be.
func (s *Service) Eligibility(ctx context.Context, contactID uint64) (Verdict, error) {
	_, f, _, err := s.facts(ctx, contactID, true, "")
	if err != nil {
		return Verdict{}, err
	}
	now := s.now()
	return Due(f, Check(f, now), now), nil
}

// Detail is a contact with every attempt.
type Detail struct {
	Contact  *models.Contact
	Attempts []models.Attempt
}

// Get reads a contact with its attempts.
func (s *Service) Get(ctx context.Context, id uint64) (Detail, error) {
	c, err := models.Find[models.Contact](ctx, s.DB.DB, "contact", id)
	if err != nil {
		return Detail{}, err
	}
	attempts, err := models.ContactAttempts(ctx, s.DB.DB, id)
	return Detail{Contact: c, Attempts: attempts}, err
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
	// attempt was prepared, in histories from before days were counted in
	// the zone's real rules; their replay still decides with it.
	ContactZoneOffset *int   `json:"contact_zone_offset,omitempty"`
	Policy            Policy `json:"policy"`
}

// AttemptID is the ID of a contact's attempt seq: the dialer's idempotency key.
func AttemptID(contactID uint64, seq int) string { return fmt.Sprintf("%d-%d", contactID, seq) }

// Prepare checks the contact is still dialable now and, if it is, records
// the attempt. A retry finds the attempt already recorded.
func (s *Service) Prepare(ctx context.Context, req PrepareRequest) (PrepareResult, error) {
	id := AttemptID(req.ContactID, req.Seq)
	existing, found, err := s.attempt(ctx, id)
	if err != nil {
		return PrepareResult{}, fmt.Errorf("prepare attempt %s: %w", id, err)
	}
	// The caps are judged by recordAttempt, under the number's lock.
	r, f, policy, err := s.facts(ctx, req.ContactID, false, "")
	if err != nil {
		return PrepareResult{}, err
	}
	now := s.now()
	res := PrepareResult{CampaignID: r.campaign.ID, ListID: r.list.ID, ContactZone: r.contact.TimeZone, Policy: policy}
	if found {
		res.Verdict = Verdict{Action: ActionDial, Mode: existing.Mode, Number: existing.Number}
		res.AttemptID = id
		return res, nil
	}
	res.Verdict = Check(f, now)
	if res.Action != ActionDial {
		return res, nil
	}
	refused, err := s.recordAttempt(ctx, &models.Attempt{ID: id, ContactID: r.contact.ID, CampaignID: r.campaign.ID, Seq: req.Seq,
		Mode: res.Mode, Number: res.Number, Agent: req.Agent, StartedAt: now}, f.Caps)
	if err != nil {
		return PrepareResult{}, err
	}
	if refused != nil {
		// Another campaign or worker took the number's last slot, or rings
		// it, since the check.
		res.Action, res.Reason, res.Until = ActionWait, refused.why, refused.until
		return res, nil
	}
	res.AttemptID = id
	return res, nil
}

// ErrDialRefused is Outdial refusing to send a prepared attempt's call:
// its number would now break a rule.
var ErrDialRefused = errors.New("not dialed")

// ErrDialRejected is a dialer refusing a call request itself: asking
// again cannot help.
var ErrDialRejected = errors.New("the dialer rejected the call request")

// Dial asks the campaign's dialer for the attempt's call and returns what
// the checks before it saw, which the attempt keeps as its evidence.
func (s *Service) Dial(ctx context.Context, attemptID string) (*Evidence, error) {
	at, found, err := s.attempt(ctx, attemptID)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", attemptID, err)
	}
	if !found {
		return nil, fmt.Errorf("dial %s: the attempt does not exist", attemptID)
	}
	if at.DialAcceptedAt != nil {
		// The dialer took the request already: this is a retry of a dial
		// whose success was lost (a worker died, a timeout). Sending it
		// again could place a second call; the outcome will come back.
		var e Evidence
		if err := json.Unmarshal(at.Evidence, &e); err != nil {
			return nil, fmt.Errorf("dial %s: read its evidence: %w", attemptID, err)
		}
		return &e, nil
	}
	if err := s.awaitDialSlot(ctx, at.CampaignID); err != nil {
		return nil, fmt.Errorf("dial %s: %w", attemptID, err)
	}
	// The checks run again at the moment the request leaves, on every try:
	// a retry, or an attempt prepared before its worker died, may find a
	// number now on a DNC list, a window closed or a cap reached.
	r, f, _, err := s.facts(ctx, at.ContactID, true, at.ID)
	if err != nil {
		return nil, err
	}
	ctx = observe.With(ctx, observe.CampaignID, at.CampaignID, observe.ListID, r.list.ID, observe.ContactID, at.ContactID, observe.AttemptID, at.ID)
	now := s.now()
	v := AtDial(f, at.Mode, now)
	if late := now.Sub(at.StartedAt); v.Action == ActionDial && late > models.RingingAtMost {
		// The pacer counts an attempt as a call in flight for so long only:
		// its line may be another call's now.
		v.Action, v.Reason = ActionWait, fmt.Sprintf("its request would leave %s after the attempt started, when the pacer has given its line back (after %s)",
			late.Round(time.Second), models.RingingAtMost)
	}
	if v.Action != ActionDial || v.Number != at.Number {
		if err := s.recordEvidence(ctx, at.ID, v.Evidence, at.StartedAt); err != nil {
			return nil, err
		}
		return v.Evidence, fmt.Errorf("dial %s: %w: %s", attemptID, ErrDialRefused, v.Reason)
	}
	if err := s.recordEvidence(ctx, at.ID, v.Evidence, now); err != nil {
		return nil, err
	}
	if err := s.send(ctx, at, r); err != nil {
		return v.Evidence, err
	}
	if err := s.DB.WithContext(ctx).Exec(`UPDATE attempts SET dial_accepted_at = ?, dialed_by = ? WHERE id = ?`, s.now(), s.Worker, at.ID).Error; err != nil {
		// The call is placed: failing now would retry the dial and send
		// its request again. Without the mark only a retry that should not
		// happen resends, and the dialer deduplicates that by attempt ID.
		slog.WarnContext(ctx, "the dialer accepted an attempt's call; recording that failed", "error", err)
	}
	return v.Evidence, nil
}

// awaitDialSlot waits for the campaign's entry point's next free moment
// under DialEvery. It comes before the checks, which must see the moment
// the request leaves; an attempt that waits too long is refused by them
// as late.
func (s *Service) awaitDialSlot(ctx context.Context, campaignID uint64) error {
	if s.DialEvery <= 0 {
		return nil
	}
	wait, err := models.TakeDialSlot(ctx, s.DB.DB, campaignID, s.DialEvery)
	if err != nil || wait <= 0 {
		return err
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("wait %s for the entry point's dial slot: %w", wait, ctx.Err())
	case <-t.C:
		return nil
	}
}

// send sends the attempt's call request to its campaign's dialer.
func (s *Service) send(ctx context.Context, at models.Attempt, r *contactRows) error {
	attemptID := at.ID
	c := &r.campaign
	req := dialer.CallRequest{AttemptID: at.ID, CampaignID: c.ID, Campaign: c.Name, CampaignType: titleCase(c.PacingMode),
		ListID: r.list.ID, ContactID: r.contact.ID, Mode: at.Mode, Number: at.Number, ExternalID: r.contact.ExternalKey,
		Agent: at.Agent, CallMeNow: true, TimeZone: r.contact.TimeZone, AbandonMessage: c.AbandonMessage, MinRingSeconds: c.MinRingSeconds}
	if n, ok := number(&r.contact, at.Mode); ok {
		req.TimeZone = n.TimeZone
	}
	if len(at.Number) == 12 && strings.HasPrefix(at.Number, "+1") {
		req.AreaCode = at.Number[2:5]
	}
	ep, group, err := s.dialTarget(ctx, c)
	if err != nil {
		return fmt.Errorf("dial %s: %w", attemptID, err)
	}
	req.CampaignGroup = group
	name := s.DefaultDialer
	if ep != nil {
		name, req.EntryPoint, req.EntryPointID, req.PrimaryURL, req.BackupURL, req.Secret = ep.Dialer, ep.Name, ep.ID, ep.PrimaryURL, ep.BackupURL, ep.Secret
	}
	d, err := s.Dialers.Get(name)
	if err != nil {
		return fmt.Errorf("dial %s: %w", attemptID, err)
	}
	start := time.Now()
	err = d.Dial(ctx, req)
	switch {
	case err == nil:
		observe.DialRequested(name, "accepted", time.Since(start))
		return nil
	case errors.Is(err, dialer.ErrRejected) || errors.Is(err, dialer.ErrInvalidRequest):
		observe.DialRequested(name, "rejected", time.Since(start))
		return fmt.Errorf("dial %s with %s: %w: %w", attemptID, name, ErrDialRejected, err)
	default:
		observe.DialRequested(name, "error", time.Since(start))
		slog.WarnContext(ctx, "dial request failed", "dialer", name, "error", err)
		return fmt.Errorf("dial %s with %s: %w", attemptID, name, err)
	}
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

// Finish records the attempt's outcome and the contact's next state. The
// decision's due time moves to the next opening of the calling window of
// the number it will dial; a contact whose time to live ends first closes.
func (s *Service) Finish(ctx context.Context, req FinishRequest) (FinishResult, error) {
	r, err := s.loadRows(ctx, req.ContactID)
	if err != nil {
		return FinishResult{}, err
	}
	now := s.now()
	d := req.Decision
	res := FinishResult{Closed: d.Close, Reason: d.Reason, NextDueAt: d.DueAt}
	if !d.Close {
		if n, ok := number(&r.contact, d.Mode); ok {
			windows, err := Windows(ctx, s.DB, &r.campaign, []string{n.TimeZone})
			if err != nil {
				return FinishResult{}, err
			}
			// A zone closed for calling still has the campaign's hours: the
			// check before the next attempt waits for the zone to reopen.
			if spec := windows[n.TimeZone].Spec; spec.Loc != nil && !spec.Open(d.DueAt) {
				next, ok := spec.Next(d.DueAt)
				if !ok {
					res.Closed, res.Reason = true, d.Reason+"; no calling window opens again: "+spec.Explain(d.DueAt)
				} else {
					res.Reason = d.Reason + "; " + spec.Explain(d.DueAt)
					res.NextDueAt = next
				}
			}
		}
		if !res.Closed && res.NextDueAt.After(r.list.EndTime) {
			res.Closed, res.Reason = true, d.Reason+fmt.Sprintf("; time to live ends (list %d expires %s) before the next attempt", r.list.ID, r.list.EndTime.UTC().Format(time.RFC3339))
		}
	}
	counters, err := json.Marshal(d.Counters)
	if err != nil {
		return FinishResult{}, fmt.Errorf("encode counters of contact %d: %w", req.ContactID, err)
	}
	if err := s.finish(ctx, req, res, counters, now); err != nil {
		return res, err
	}
	observe.AttemptEnded(r.campaign.ID, req.Telephony)
	slog.DebugContext(observe.With(ctx, observe.CampaignID, r.campaign.ID, observe.ListID, r.list.ID, observe.ContactID, req.ContactID, observe.AttemptID, req.AttemptID),
		"attempt ended", "outcome", req.Telephony, "business", req.Business, "closed", res.Closed, "reason", res.Reason)
	return res, nil
}

// StatusRequest moves a contact to a status between attempts.
type StatusRequest struct {
	ContactID uint64    `json:"contact_id"`
	Status    string    `json:"status"`
	Reason    string    `json:"reason"`
	Until     time.Time `json:"until,omitzero"`
}

// SetStatus records that a contact waits (until a time, for a reason), is
// ready for the pacer, or closed. A closed contact stays closed.
func (s *Service) SetStatus(ctx context.Context, req StatusRequest) error {
	_, err := s.setStatus(ctx, req, s.now())
	return err
}

// Start is what a contact's workflow starts from: the attempts and
// counters a previous workflow of the contact left. An attempt left open
// (a worker died in its dial) is not counted, so the workflow prepares it
// again under its own ID: the dialer places one call per attempt ID.
type Start struct {
	ListID   uint64            `json:"list_id"`
	Attempts int               `json:"attempts"`
	Counters strategy.Counters `json:"counters"`
}

// StartOf reads where a contact's workflow starts from.
func (s *Service) StartOf(ctx context.Context, contactID uint64) (Start, error) {
	c, err := models.Find[models.Contact](ctx, s.DB.DB, "contact", contactID)
	if err != nil {
		return Start{}, fmt.Errorf("start contact %d: %w", contactID, err)
	}
	start := Start{ListID: c.ListID}
	if start.Attempts, err = s.attemptsMade(ctx, contactID); err != nil {
		return Start{}, fmt.Errorf("start contact %d: %w", contactID, err)
	}
	if len(c.Counters) > 0 {
		if err := json.Unmarshal(c.Counters, &start.Counters); err != nil {
			return Start{}, fmt.Errorf("start contact %d: counters: %w", contactID, err)
		}
	}
	return start, nil
}

// FreeAgent returns an agent reserved for a call that was not placed (the
// contact had to wait or closed) to idle.
func (s *Service) FreeAgent(ctx context.Context, agent string) error {
	return s.Agents.Free(ctx, agent, "the reserved call was not placed")
}
