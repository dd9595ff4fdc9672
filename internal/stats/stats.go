// Package stats reads a campaign's or a list's statistics from PostgreSQL:
// its contacts by status, penetration, attempts by outcome, contact and
// success rates, attempts per time bucket, what is happening now, and the
// abandon rate on the regulator's terms. Every figure is counted from rows
// the rest of Outdial writes; nothing here writes.
package stats

import (
	"context"
	"fmt"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/models"
)

// Service reads statistics.
type Service struct {
	DB *models.DB
	// Pacers, when set, show a predictive campaign's pacer.
	Pacers Pacers
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

// Range is the attempts-per-bucket series asked for: [From, To) in
// buckets of Bucket.
type Range struct {
	From, To time.Time
	Bucket   time.Duration
}

// Limits of a series: a bucket under a minute or more than MaxBuckets of
// them is refused.
const (
	MinBucket  = time.Minute
	MaxBuckets = 1000
)

// DefaultRange is the last 24 hours by the hour.
func DefaultRange(now time.Time) Range {
	to := now.Truncate(time.Hour).Add(time.Hour)
	return Range{From: to.Add(-24 * time.Hour), To: to, Bucket: time.Hour}
}

// Validate says what is wrong with a range, by query parameter.
func (r Range) Validate() error {
	var f fault.Fields
	switch {
	case r.Bucket < MinBucket:
		f.Add("bucket", "is %s; it must be at least %s", r.Bucket, MinBucket)
	case !r.To.After(r.From):
		f.Add("to", "is %s, not after from %s", r.To.Format(time.RFC3339), r.From.Format(time.RFC3339))
	case r.To.Sub(r.From)/r.Bucket >= MaxBuckets:
		f.Add("bucket", "%s makes more than %d buckets from %s to %s", r.Bucket, MaxBuckets, r.From.Format(time.RFC3339), r.To.Format(time.RFC3339))
	}
	return f.Err("statistics range")
}

// Stats are a campaign's or a list's figures.
type Stats struct {
	CampaignID uint64  `json:"campaign_id"`
	Campaign   string  `json:"campaign"`
	ListID     *uint64 `json:"list_id,omitempty"`
	// At is when the figures were read.
	At       time.Time `json:"at"`
	Contacts Contacts  `json:"contacts"`
	// Penetration is the contacts attempted at least once ÷ all contacts.
	Penetration float64  `json:"penetration"`
	Attempts    Attempts `json:"attempts"`
	// ContactRate is voice ÷ attempts that have a telephony outcome.
	ContactRate float64 `json:"contact_rate"`
	// SuccessRate is the contacts with a Success wrap-up ÷ the contacts
	// reached (a voice attempt).
	SuccessRate float64 `json:"success_rate"`
	// Reached and Succeeded are those contacts.
	Reached   int64        `json:"reached"`
	Succeeded int64        `json:"succeeded"`
	Series    []Bucket     `json:"series"`
	Now       Now          `json:"now"`
	Abandon   AbandonRates `json:"abandon_rate"`
	// Pacer is a predictive campaign's pacer; absent for other modes.
	Pacer *Pacer `json:"pacer,omitempty" doc:"A predictive campaign's pacer as a pass would see it now; absent for other modes."`
}

// Contacts are contacts by status.
type Contacts struct {
	Total int64 `json:"total"`
	// New: never dialed, no workflow yet.
	New int64 `json:"new"`
	// Ready: due, waiting for the pacer.
	Ready int64 `json:"ready"`
	// Waiting: scheduled for later; WaitingReasons says why, by kind.
	Waiting        int64    `json:"waiting"`
	WaitingReasons []Reason `json:"waiting_reasons"`
	// Released: handed over by the pacer, the attempt not started.
	Released int64 `json:"released"`
	Dialing  int64 `json:"dialing"`
	Closed   int64 `json:"closed"`
	// ClosedReasons are the most common closing reasons, as recorded.
	ClosedReasons []Reason `json:"closed_reasons"`
	// Expired: closed as their list's time to live ended, or not closed on
	// a list that has expired.
	Expired   int64 `json:"expired"`
	Attempted int64 `json:"attempted"`
}

// Reason is a count of contacts with a reason: a kind and an example of
// it for waiting contacts, the recorded text for closed ones.
type Reason struct {
	Reason  string `json:"reason"`
	Example string `json:"example,omitempty"`
	Count   int64  `json:"count"`
}

// Attempts are attempts by outcome.
type Attempts struct {
	Total int64 `json:"total"`
	// InProgress have no telephony outcome yet.
	InProgress int64            `json:"in_progress"`
	Telephony  map[string]int64 `json:"by_telephony_outcome"`
	Business   map[string]int64 `json:"by_business_outcome"`
}

// Bucket is the attempts started in [From, From+bucket).
type Bucket struct {
	From     time.Time `json:"from"`
	Attempts int64     `json:"attempts"`
	Voice    int64     `json:"voice"`
}

// Now is what is happening as the figures are read.
type Now struct {
	// Ringing: calls the dialer accepted that have no outcome yet.
	Ringing int64 `json:"calls_ringing"`
	// ReleasedUndialed: contacts released whose attempt has not started.
	ReleasedUndialed int64 `json:"released_undialed"`
	// Agents counts the agents of the campaign's teams by state.
	Agents map[string]int64 `json:"agents"`
	// BufferSize is the campaign group's buffer as its pacer last sized
	// it (0: not sized yet, InitialContacts applies); nil without a group.
	CampaignGroup   string     `json:"campaign_group,omitempty"`
	BufferSize      *int       `json:"buffer_size,omitempty"`
	InitialContacts *int       `json:"initial_contacts,omitempty"`
	BufferAdaptedAt *time.Time `json:"buffer_adapted_at,omitempty"`
	// PassRequested: an agent became available and the campaign's next
	// pacing pass has not begun. Pacing passes themselves are not
	// recorded in PostgreSQL, so they are not counted here.
	PassRequested bool `json:"pass_requested"`
	// AttemptsLastMinute are the attempts started in the last minute.
	AttemptsLastMinute int64 `json:"attempts_last_minute"`
}

// scope is whose figures are read: a campaign's, or one of its lists'.
type scope struct {
	campaign *models.Campaign
	list     *uint64
}

// contacts is the condition on contacts c; attempts the FROM clause of
// attempts a. Both take the named arguments campaign and list.
func (s scope) contacts() string {
	if s.list != nil {
		return "c.list_id = @list"
	}
	// Through the lists' index: contacts have no index on campaign_id
	// alone, which would slow every import.
	return "c.list_id IN (SELECT id FROM contact_lists WHERE campaign_id = @campaign)"
}

func (s scope) attempts() string {
	if s.list != nil {
		return "attempts a JOIN contacts c ON c.id = a.contact_id AND c.list_id = @list WHERE a.campaign_id = @campaign"
	}
	return "attempts a WHERE a.campaign_id = @campaign"
}

func (s scope) args(extra map[string]any) map[string]any {
	args := map[string]any{"campaign": s.campaign.ID, "list": s.list}
	for k, v := range extra {
		args[k] = v
	}
	return args
}

// Campaign reads a campaign's statistics.
func (s *Service) Campaign(ctx context.Context, id uint64, r Range) (*Stats, error) {
	c, err := models.Find[models.Campaign](ctx, s.DB.DB, "campaign", id)
	if err != nil {
		return nil, err
	}
	return s.read(ctx, scope{campaign: c}, r)
}

// List reads a list's statistics; the figures that are the campaign's
// (agents, buffer, abandon rate's period) are its campaign's.
func (s *Service) List(ctx context.Context, id uint64, r Range) (*Stats, error) {
	l, err := models.Find[models.ContactList](ctx, s.DB.DB, "list", id)
	if err != nil {
		return nil, err
	}
	if l.CampaignID == nil {
		return nil, fault.Invalidf("list", "list %d is a DNC upload: it has no contacts to count", id)
	}
	c, err := models.Find[models.Campaign](ctx, s.DB.DB, "campaign", *l.CampaignID)
	if err != nil {
		return nil, err
	}
	return s.read(ctx, scope{campaign: c, list: &l.ID}, r)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) read(ctx context.Context, sc scope, r Range) (*Stats, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	now := s.now()
	out := &Stats{CampaignID: sc.campaign.ID, Campaign: sc.campaign.Name, ListID: sc.list, At: now}
	// Each read fills its own fields; at a million contacts each takes a
	// scan, so they run side by side on the pool's connections.
	g, gctx := errgroup.WithContext(ctx)
	for _, read := range []func(context.Context, scope, *Stats) error{s.contacts, s.reasons, s.attempts, s.reach, s.current} {
		g.Go(func() error { return read(gctx, sc, out) })
	}
	g.Go(func() (err error) {
		out.Series, err = s.series(gctx, sc, r)
		return err
	})
	g.Go(func() (err error) {
		out.Abandon, err = s.abandon(gctx, sc, now)
		return err
	})
	if sc.campaign.PacingMode == models.PacingPredictive && s.Pacers != nil {
		g.Go(func() (err error) {
			out.Pacer, err = s.Pacers.Pacer(gctx, sc.campaign)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out.Now.ReleasedUndialed = out.Contacts.Released
	if out.Contacts.Total > 0 {
		out.Penetration = float64(out.Contacts.Attempted) / float64(out.Contacts.Total)
	}
	if finished := out.Attempts.Total - out.Attempts.InProgress; finished > 0 {
		out.ContactRate = float64(out.Attempts.Telephony[outcomeVoice]) / float64(finished)
	}
	if out.Reached > 0 {
		out.SuccessRate = float64(out.Succeeded) / float64(out.Reached)
	}
	return out, nil
}

func (s *Service) contacts(ctx context.Context, sc scope, out *Stats) error {
	var c struct{ Total, New, Ready, Waiting, Released, Dialing, Closed, Expired, Attempted int64 }
	err := s.DB.WithContext(ctx).Raw(`SELECT count(*) AS total,
			count(*) FILTER (WHERE c.status = 'new') AS new,
			count(*) FILTER (WHERE c.status = 'ready') AS ready,
			count(*) FILTER (WHERE c.status = 'scheduled') AS waiting,
			count(*) FILTER (WHERE c.status = 'released') AS released,
			count(*) FILTER (WHERE c.status = 'dialing') AS dialing,
			count(*) FILTER (WHERE c.status = 'closed') AS closed,
			count(*) FILTER (WHERE c.closed_reason LIKE 'time to live%' OR (c.status <> 'closed' AND l.status = 'expired')) AS expired,
			count(*) FILTER (WHERE c.attempt_count > 0) AS attempted
		FROM contacts c JOIN contact_lists l ON l.id = c.list_id WHERE `+sc.contacts(), sc.args(nil)).Scan(&c).Error
	if err != nil {
		return fmt.Errorf("count contacts of campaign %d: %w", sc.campaign.ID, err)
	}
	o := &out.Contacts // its reasons are another read's
	o.Total, o.New, o.Ready, o.Waiting, o.Released, o.Dialing, o.Closed, o.Expired, o.Attempted =
		c.Total, c.New, c.Ready, c.Waiting, c.Released, c.Dialing, c.Closed, c.Expired, c.Attempted
	return nil
}

// waitingKind sorts the reasons contacts wait for, as eligibility and the
// strategy word them, into kinds: the first pattern that matches wins, so
// a refused dial ("frequency cap reached...; retried...") counts as what
// refused it.
const waitingKind = `CASE
	WHEN c.waiting_reason LIKE 'campaign % is %' THEN 'campaign not active'
	WHEN c.waiting_reason LIKE 'list % is %' THEN 'list not dialed'
	WHEN c.waiting_reason LIKE '%DNC list%' THEN 'DNC'
	WHEN c.waiting_reason LIKE '%date range%' OR c.waiting_reason LIKE '%daily window%'
		OR c.waiting_reason LIKE '%calling window%' OR c.waiting_reason LIKE '%windows of its zones%' THEN 'calling window'
	WHEN c.waiting_reason LIKE '%frequency cap%' THEN 'frequency cap'
	WHEN c.waiting_reason LIKE '%retry cap%' THEN 'retry cap'
	WHEN c.waiting_reason LIKE '%is in the call of attempt%' THEN 'number on another call'
	WHEN c.waiting_reason LIKE '%due in%' THEN 'rescheduled by the strategy'
	ELSE 'other' END`

// topClosedReasons is how many closing reasons are listed.
const topClosedReasons = 10

func (s *Service) reasons(ctx context.Context, sc scope, out *Stats) error {
	db := s.DB.WithContext(ctx)
	err := db.Raw(`SELECT `+waitingKind+` AS reason, min(c.waiting_reason) AS example, count(*) AS count
		FROM contacts c WHERE c.status = 'scheduled' AND `+sc.contacts()+` GROUP BY 1 ORDER BY 3 DESC, 1`, sc.args(nil)).Scan(&out.Contacts.WaitingReasons).Error
	if err != nil {
		return fmt.Errorf("waiting reasons of campaign %d: %w", sc.campaign.ID, err)
	}
	err = db.Raw(`SELECT c.closed_reason AS reason, count(*) AS count FROM contacts c
		WHERE c.status = 'closed' AND `+sc.contacts()+` GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT @top`, sc.args(map[string]any{"top": topClosedReasons})).Scan(&out.Contacts.ClosedReasons).Error
	if err != nil {
		return fmt.Errorf("closing reasons of campaign %d: %w", sc.campaign.ID, err)
	}
	return nil
}

func (s *Service) attempts(ctx context.Context, sc scope, out *Stats) error {
	db := s.DB.WithContext(ctx)
	var rows []struct {
		Telephony, Business string
		Count               int64
	}
	if err := db.Raw(`SELECT a.telephony_outcome AS telephony, a.business_outcome AS business, count(*) AS count FROM `+sc.attempts()+`
		GROUP BY 1, 2`, sc.args(nil)).Scan(&rows).Error; err != nil {
		return fmt.Errorf("attempts of campaign %d by outcome: %w", sc.campaign.ID, err)
	}
	a := &out.Attempts
	a.Telephony, a.Business = map[string]int64{}, map[string]int64{}
	for _, r := range rows {
		a.Total += r.Count
		if r.Telephony == "" {
			a.InProgress += r.Count
		} else {
			a.Telephony[r.Telephony] += r.Count
		}
		if r.Business != "" {
			a.Business[r.Business] += r.Count
		}
	}
	return nil
}

// reach counts the contacts reached (a voice attempt) and those of them
// with a Success wrap-up.
func (s *Service) reach(ctx context.Context, sc scope, out *Stats) error {
	db := s.DB.WithContext(ctx)
	// Success is the campaign's outcome group's word on a wrap-up code,
	// which agents may send in any case.
	var success []string
	if g := sc.campaign.OutcomeGroupID; g != nil {
		if err := db.Model(&models.BusinessOutcome{}).Where("outcome_group_id = ? AND type = 'success'", *g).Pluck("lower(name)", &success).Error; err != nil {
			return fmt.Errorf("success outcomes of campaign %d: %w", sc.campaign.ID, err)
		}
	}
	var reach struct{ Reached, Succeeded int64 }
	if err := db.Raw(`SELECT count(DISTINCT a.contact_id) FILTER (WHERE a.telephony_outcome = 'voice') AS reached,
			count(DISTINCT a.contact_id) FILTER (WHERE a.telephony_outcome = 'voice' AND lower(a.business_outcome) IN @success) AS succeeded
		FROM `+sc.attempts(), sc.args(map[string]any{"success": success})).Scan(&reach).Error; err != nil {
		return fmt.Errorf("contacts reached in campaign %d: %w", sc.campaign.ID, err)
	}
	out.Reached, out.Succeeded = reach.Reached, reach.Succeeded
	return nil
}

func (s *Service) series(ctx context.Context, sc scope, r Range) ([]Bucket, error) {
	var rows []Bucket
	err := s.DB.WithContext(ctx).Raw(`SELECT date_bin(make_interval(secs => @bucket), a.started_at, @from) AS "from",
			count(*) AS attempts, count(*) FILTER (WHERE a.telephony_outcome = 'voice') AS voice
		FROM `+sc.attempts()+` AND a.started_at >= @from AND a.started_at < @to GROUP BY 1`,
		sc.args(map[string]any{"bucket": r.Bucket.Seconds(), "from": r.From, "to": r.To})).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("attempts of campaign %d by time: %w", sc.campaign.ID, err)
	}
	byStart := map[int64]Bucket{}
	for _, b := range rows {
		byStart[b.From.Unix()] = b
	}
	// Every bucket, the empty ones too, so that a chart has its zeros.
	var out []Bucket
	for from := r.From; from.Before(r.To); from = from.Add(r.Bucket) {
		b := byStart[from.Unix()]
		b.From = from
		out = append(out, b)
	}
	return out, nil
}

// current reads what is happening now.
func (s *Service) current(ctx context.Context, sc scope, out *Stats) error {
	db := s.DB.WithContext(ctx)
	n := &out.Now
	if err := db.Raw(`SELECT count(*) FROM `+sc.attempts()+` AND a.ended_at IS NULL AND a.telephony_outcome = '' AND a.dial_accepted_at IS NOT NULL`,
		sc.args(nil)).Scan(&n.Ringing).Error; err != nil {
		return fmt.Errorf("calls ringing for campaign %d: %w", sc.campaign.ID, err)
	}
	if err := db.Raw(`SELECT count(*) FROM `+sc.attempts()+` AND a.started_at >= now() - interval '1 minute'`,
		sc.args(nil)).Scan(&n.AttemptsLastMinute).Error; err != nil {
		return fmt.Errorf("attempts of the last minute for campaign %d: %w", sc.campaign.ID, err)
	}
	var agents []struct {
		State string
		Count int64
	}
	if err := db.Raw(`SELECT g.state, count(*) AS count FROM agents g
		WHERE g.team_id IN (SELECT team_id FROM campaign_serving_teams WHERE campaign_id = ?) GROUP BY 1`, sc.campaign.ID).Scan(&agents).Error; err != nil {
		return fmt.Errorf("agents of campaign %d: %w", sc.campaign.ID, err)
	}
	n.Agents = map[string]int64{}
	for _, a := range agents {
		n.Agents[a.State] = a.Count
	}
	var groups []models.CampaignGroup
	if err := db.Joins("JOIN campaign_group_campaigns g ON g.campaign_group_id = campaign_groups.id").
		Where("g.campaign_id = ?", sc.campaign.ID).Limit(1).Find(&groups).Error; err != nil {
		return fmt.Errorf("campaign group of campaign %d: %w", sc.campaign.ID, err)
	}
	if len(groups) > 0 {
		g := groups[0]
		n.CampaignGroup, n.BufferSize, n.InitialContacts, n.BufferAdaptedAt = g.Name, &g.BufferSize, &g.InitialContacts, g.BufferAdaptedAt
	}
	if err := db.Raw(`SELECT pass_requested FROM campaigns WHERE id = ?`, sc.campaign.ID).Scan(&n.PassRequested).Error; err != nil {
		return fmt.Errorf("pass request of campaign %d: %w", sc.campaign.ID, err)
	}
	return nil
}

// abandon counts the abandon rates of the scope's answered calls; the
// period runs from the campaign's first dial.
func (s *Service) abandon(ctx context.Context, sc scope, now time.Time) (AbandonRates, error) {
	rates, since, err := s.windows(ctx, sc.campaign, now)
	if err != nil {
		return rates, err
	}
	return rates, s.countAnswered(ctx, sc, &rates, since, latestEnd(&rates), which{})
}

// windows are the campaign's abandon-rate windows now, and the earliest
// start among them.
func (s *Service) windows(ctx context.Context, c *models.Campaign, now time.Time) (AbandonRates, time.Time, error) {
	var first []time.Time
	if err := s.DB.WithContext(ctx).Raw(`SELECT started_at FROM attempts WHERE campaign_id = ? AND dial_accepted_at IS NOT NULL ORDER BY started_at LIMIT 1`,
		c.ID).Scan(&first).Error; err != nil {
		return AbandonRates{}, time.Time{}, fmt.Errorf("first dial of campaign %d: %w", c.ID, err)
	}
	var firstDial *time.Time
	if len(first) > 0 {
		firstDial = &first[0]
	}
	loc, err := s.zone(ctx, c)
	if err != nil {
		return AbandonRates{}, time.Time{}, err
	}
	rates, since := Windows(firstDial, now, loc)
	return rates, since, nil
}

// latestEnd is the latest end among the windows: no attempt they count
// started after it.
func latestEnd(r *AbandonRates) time.Time {
	end := r.Today.To
	for _, w := range r.windows() {
		if w.To.After(end) {
			end = w.To
		}
	}
	return end
}

// which narrows the attempts countAnswered counts: those ended, or (byID)
// those of ids; the zero which counts them all.
type which struct {
	ended bool
	byID  bool
	ids   []string
}

// countAnswered adds to rates' windows the scope's answered calls that
// started in [from, to), of which.
func (s *Service) countAnswered(ctx context.Context, sc scope, rates *AbandonRates, from, to time.Time, of which) error {
	if of.byID && len(of.ids) == 0 {
		return nil
	}
	period := AbandonRate{}
	if rates.Period != nil {
		period = *rates.Period
	}
	// Answered calls grouped by the windows that hold them and by their
	// wait, in whole milliseconds rounded up (exact at the 2-second line)
	// and clipped just past it: a busy period's calls come back as a few
	// thousand groups at most, each classified by the formula.
	var groups []struct {
		InPeriod, InDay, InToday bool
		Outcome                  string
		Answered, Connected      bool
		WaitMS                   int64
		N                        int64
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT COALESCE(a.started_at >= @period_from AND a.started_at < @period_to, false) AS in_period,
			COALESCE(a.started_at >= @day_from AND a.started_at < @day_to, false) AS in_day,
			COALESCE(a.started_at >= @today_from AND a.started_at < @today_to, false) AS in_today,
			a.telephony_outcome AS outcome, a.answered_at IS NOT NULL AS answered, a.connected_at IS NOT NULL AS connected,
			COALESCE(LEAST(ceil(extract(epoch FROM a.connected_at - a.answered_at) * 1000), @clip), 0)::bigint AS wait_ms,
			count(*) AS n
		FROM `+sc.attempts()+` AND a.started_at >= @from AND a.started_at < @to AND a.telephony_outcome IN ('voice', 'abandoned')
			AND (NOT @ended OR a.ended_at IS NOT NULL) AND (NOT @by_id OR a.id IN @ids)
		GROUP BY 1, 2, 3, 4, 5, 6, 7`, sc.args(map[string]any{"from": from, "to": to, "clip": ConnectWithin.Milliseconds() + 1,
		"ended": of.ended, "by_id": of.byID, "ids": slices.Concat(of.ids, []string{""}),
		"period_from": orNull(period.From), "period_to": orNull(period.To), "day_from": orNull(rates.Last24h.From), "day_to": orNull(rates.Last24h.To),
		"today_from": orNull(rates.Today.From), "today_to": orNull(rates.Today.To)})).Scan(&groups).Error
	if err != nil {
		return fmt.Errorf("answered calls of campaign %d: %w", sc.campaign.ID, err)
	}
	var epoch time.Time
	for _, g := range groups {
		c := Call{Outcome: g.Outcome}
		if g.Answered {
			c.AnsweredAt = epoch.Add(time.Hour)
		}
		if g.Connected {
			c.ConnectedAt = c.AnsweredAt.Add(time.Duration(g.WaitMS) * time.Millisecond)
		}
		var in []*AbandonRate
		for _, w := range []struct {
			in   bool
			rate *AbandonRate
		}{{g.InPeriod, rates.Period}, {g.InDay, &rates.Last24h}, {g.InToday, &rates.Today}} {
			if w.in {
				in = append(in, w.rate)
			}
		}
		count(c, g.N, in...)
	}
	return nil
}

// orNull is nil for the zero time: no such bound.
func orNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// zone is the campaign's time zone, where its "today" is.
func (s *Service) zone(ctx context.Context, c *models.Campaign) (*time.Location, error) {
	z, err := models.Find[models.TimeZone](ctx, s.DB.DB, "time zone", c.TimeZoneID)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(z.IANAZone)
	if err != nil {
		return nil, fmt.Errorf("time zone %s of campaign %s: %w", z.IANAZone, c.Name, err)
	}
	return loc, nil
}
