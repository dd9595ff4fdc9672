package contact

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/strategy"
)

// The contact's SQL: this package is its only user.

// contactRows are a contact and the rows its checks read.
type contactRows struct {
	contact  models.Contact
	list     models.ContactList
	campaign models.Campaign
	counters strategy.Counters
}

func (s *Service) loadRows(ctx context.Context, contactID uint64) (*contactRows, error) {
	db := s.DB.WithContext(ctx)
	r := &contactRows{}
	if err := db.First(&r.contact, contactID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, fault.NotFoundf("contact", contactID)
		}
		return nil, fmt.Errorf("load contact %d: %w", contactID, err)
	}
	if err := db.First(&r.list, r.contact.ListID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, fault.NotFoundf("list", r.contact.ListID)
		}
		return nil, fmt.Errorf("load list of contact %d: %w", contactID, err)
	}
	if err := db.First(&r.campaign, r.contact.CampaignID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, fault.NotFoundf("campaign", r.contact.CampaignID)
		}
		return nil, fmt.Errorf("load campaign of contact %d: %w", contactID, err)
	}
	if len(r.contact.Counters) > 0 {
		if err := json.Unmarshal(r.contact.Counters, &r.counters); err != nil {
			return nil, fmt.Errorf("read counters of contact %d: %w", contactID, err)
		}
	}
	return r, nil
}

// dncHits returns, for each of numbers on a DNC list in force for the
// campaign now, the names of those lists; and every list in force.
func (s *Service) dncHits(ctx context.Context, campaignID uint64, numbers []string) (map[string][]string, []string, error) {
	// One row per list in force, and one more per entry holding a number.
	var rows []struct {
		Name   string
		Number *string
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT l.name, e.number FROM dnc_lists l
		LEFT JOIN dnc_entries e ON e.dnc_list_id = l.id AND e.number IN ? AND (e.expires_at IS NULL OR e.expires_at > now())
		WHERE l.scope = 'global' OR l.id IN (SELECT dnc_list_id FROM campaign_dnc_lists WHERE campaign_id = ?)
		ORDER BY l.name`, numbers, campaignID).Scan(&rows).Error
	if err != nil {
		return nil, nil, fmt.Errorf("check DNC for campaign %d: %w", campaignID, err)
	}
	hits := map[string][]string{}
	var lists []string
	for _, r := range rows {
		if !slices.Contains(lists, r.Name) {
			lists = append(lists, r.Name)
		}
		if r.Number != nil {
			hits[*r.Number] = append(hits[*r.Number], r.Name)
		}
	}
	return hits, lists, nil
}

// ZoneHours are a configured time zone's hours, or those a campaign group
// sets for it (GroupName names the group).
type ZoneHours struct {
	TimeZoneID                                           uint64
	IANAZone, DisplayName, StartTime, EndTime, GroupName string
	Enabled                                              bool
}

// loadZoneHours reads every configured time zone's hours, and those the
// campaign's groups set for them, time zones first. Which apply to a zone
// depends on the zones each covers, so all are read: there are tens.
func loadZoneHours(ctx context.Context, db *models.DB, campaignID uint64) ([]ZoneHours, error) {
	var out []ZoneHours
	err := db.WithContext(ctx).Raw(`SELECT * FROM (
		SELECT id AS time_zone_id, iana_zone, display_name, enabled, start_time, end_time, '' AS group_name FROM time_zones
		UNION ALL
		SELECT z.id, z.iana_zone, z.display_name, gz.enabled, gz.start_time, gz.end_time, g.name FROM campaign_group_time_zones gz
		JOIN time_zones z ON z.id = gz.time_zone_id JOIN campaign_groups g ON g.id = gz.campaign_group_id
		JOIN campaign_group_campaigns gc ON gc.campaign_group_id = g.id
		WHERE gc.campaign_id = ?) h ORDER BY group_name, time_zone_id`, campaignID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("load the time zones of campaign %d: %w", campaignID, err)
	}
	return out, nil
}

// attemptStarts returns, for each of numbers, the start times of its
// attempts since since, across campaigns, in order; attempt except (an
// attempt about to be dialed) is not among them.
func (s *Service) attemptStarts(ctx context.Context, numbers []string, since time.Time, except string) (map[string][]time.Time, error) {
	var rows []struct {
		Number    string
		StartedAt time.Time
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT number, started_at FROM attempts WHERE number IN ? AND started_at > ? AND id <> ? ORDER BY started_at`,
		numbers, since, except).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count attempts to %v: %w", numbers, err)
	}
	out := map[string][]time.Time{}
	for _, r := range rows {
		out[r.Number] = append(out[r.Number], r.StartedAt)
	}
	return out, nil
}

// recordEvidence keeps what the checks before attempt id's dial request
// saw, at, and starts the attempt then: the frequency caps count a call
// from when its request leaves, not from when it was recorded (a retried
// request, or one a restarted worker sends, leaves later). A later try of
// the same request replaces both with its own.
func (s *Service) recordEvidence(ctx context.Context, id string, e *Evidence, at time.Time) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode evidence of attempt %s: %w", id, err)
	}
	if err := s.DB.WithContext(ctx).Exec(`UPDATE attempts SET evidence = ?, started_at = ? WHERE id = ?`, b, at, id).Error; err != nil {
		return fmt.Errorf("record evidence of attempt %s: %w", id, err)
	}
	return nil
}

// attempt reads an attempt; found is false when it does not exist.
func (s *Service) attempt(ctx context.Context, id string) (models.Attempt, bool, error) {
	var at models.Attempt
	err := s.DB.WithContext(ctx).First(&at, "id = ?", id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return at, false, nil
	}
	if err != nil {
		return at, false, fmt.Errorf("read attempt %s: %w", id, err)
	}
	return at, true, nil
}

// numberBusy is how long a contact waits when its number is in another
// attempt's call: about a call's ring and talk.
const numberBusy = 5 * time.Minute

// openCall bounds how long an attempt with no end counts as a call in
// progress: one whose end was lost (a crashed worker) must not hold its
// number for good.
const openCall = time.Hour

// refusal is why recordAttempt did not record: the number cannot be
// dialed until until.
type refusal struct {
	until time.Time
	why   string
}

func (r *refusal) Error() string { return r.why }

// recordAttempt stores a new attempt and marks its contact dialing, in one
// step with counting the number's attempts across every campaign and
// worker: a per-number lock makes the count and the record atomic, so two
// campaigns waking together can neither both take a frequency cap's last
// slot nor ring one number at once. It returns the refusal when the number
// is at a cap or in a call.
func (s *Service) recordAttempt(ctx context.Context, at *models.Attempt, caps []FrequencyCap) (*refusal, error) {
	longest := longestPeriod(caps)
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtextextended(?, 0))`, at.Number).Error; err != nil {
			return err
		}
		// A call is on while its attempt is open, and also after a person
		// answered and no wrap-up came (the workflow's wait for it ended)
		// while its agent has stayed connected or in wrap-up since.
		var busy []string
		if err := tx.Raw(`SELECT a.id FROM attempts a WHERE a.number = ? AND (
				(a.ended_at IS NULL AND a.telephony_outcome IN ('', 'voice') AND a.started_at > ?)
				OR (a.telephony_outcome = 'voice' AND a.business_outcome = '' AND a.started_at > ? AND EXISTS (
					SELECT 1 FROM agents g WHERE g.id::text = a.agent AND g.state IN (?, ?) AND g.state_changed_at <= a.ended_at)))
			LIMIT 1`, at.Number, at.StartedAt.Add(-openCall), at.StartedAt.Add(-models.TalkAtMost), models.AgentConnected, models.AgentWrapUp).Scan(&busy).Error; err != nil {
			return err
		}
		if len(busy) > 0 {
			return &refusal{at.StartedAt.Add(numberBusy), fmt.Sprintf("%s is in the call of attempt %s", at.Number, busy[0])}
		}
		if longest > 0 {
			var starts []time.Time
			if err := tx.Raw(`SELECT started_at FROM attempts WHERE number = ? AND started_at > ? ORDER BY started_at`,
				at.Number, at.StartedAt.Add(-longest)).Scan(&starts).Error; err != nil {
				return err
			}
			if until, why := capped(caps, starts, at.Number, at.StartedAt); why != "" {
				return &refusal{until, why}
			}
		}
		if err := tx.Create(at).Error; err != nil {
			return err
		}
		return tx.Model(&models.Contact{}).Where("id = ?", at.ContactID).Updates(map[string]any{
			"status": models.ContactDialing, "attempt_count": at.Seq, "mode": at.Mode, "waiting_reason": "", "updated_at": at.StartedAt}).Error
	})
	var r *refusal
	if errors.As(err, &r) {
		return r, nil
	}
	if err != nil {
		return nil, fmt.Errorf("record attempt %s: %w", at.ID, err)
	}
	return nil, nil
}

// dialTarget is where a campaign's calls go: its entry point (nil for the
// default dialer) and its campaign group's name.
func (s *Service) dialTarget(ctx context.Context, c *models.Campaign) (*models.EntryPoint, string, error) {
	db := s.DB.WithContext(ctx)
	var ep *models.EntryPoint
	if c.EntryPointID != nil {
		ep = &models.EntryPoint{}
		if err := db.First(ep, *c.EntryPointID).Error; err != nil {
			return nil, "", fmt.Errorf("entry point of campaign %d: %w", c.ID, err)
		}
	}
	var names []string
	if err := db.Model(&models.CampaignGroup{}).Joins("JOIN campaign_group_campaigns g ON g.campaign_group_id = campaign_groups.id").
		Where("g.campaign_id = ?", c.ID).Limit(1).Pluck("campaign_groups.name", &names).Error; err != nil {
		return nil, "", fmt.Errorf("campaign group of campaign %d: %w", c.ID, err)
	}
	if len(names) == 0 {
		return ep, "", nil
	}
	return ep, names[0], nil
}

// finish records an attempt's end and its contact's next state in one
// transaction. The reported outcomes stay as reported; a timeout fills
// what is missing.
func (s *Service) finish(ctx context.Context, req FinishRequest, res FinishResult, counters []byte, now time.Time) error {
	d := req.Decision
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE attempts SET ended_at = COALESCE(ended_at, ?), decision = ?,
			telephony_outcome = CASE WHEN telephony_outcome = '' THEN ? ELSE telephony_outcome END,
			business_outcome = CASE WHEN business_outcome = '' THEN ? ELSE business_outcome END,
			agent = CASE WHEN agent = '' THEN ? ELSE agent END WHERE id = ?`,
			now, res.Reason, req.Telephony, req.Business, req.Agent, req.AttemptID).Error; err != nil {
			return err
		}
		var pcbUntil *time.Time
		if !d.PCBUntil.IsZero() {
			pcbUntil = &d.PCBUntil
		}
		update := map[string]any{"counters": string(counters), "updated_at": now, "priority": d.Priority, "pcb_agent": d.PCBAgent, "pcb_until": pcbUntil, "mode": d.Mode}
		if res.Closed {
			update["status"], update["closed_reason"], update["closed_at"], update["next_due_at"], update["waiting_reason"] = models.ContactClosed, res.Reason, now, nil, ""
		} else {
			update["status"], update["next_due_at"], update["waiting_reason"] = models.ContactScheduled, res.NextDueAt, res.Reason
		}
		return tx.Model(&models.Contact{}).Where("id = ?", req.ContactID).Updates(update).Error
	})
	if err != nil {
		return fmt.Errorf("finish attempt %s: %w", req.AttemptID, err)
	}
	return nil
}

// setStatus records a contact's status between attempts; a closed contact
// stays closed. It reports whether the contact changed.
func (s *Service) setStatus(ctx context.Context, req StatusRequest, now time.Time) (bool, error) {
	update := map[string]any{"status": req.Status, "waiting_reason": req.Reason, "updated_at": now}
	switch req.Status {
	case models.ContactClosed:
		update["closed_reason"], update["closed_at"], update["next_due_at"], update["waiting_reason"] = req.Reason, now, nil, ""
	case models.ContactScheduled:
		update["next_due_at"] = req.Until
	}
	res := s.DB.WithContext(ctx).Model(&models.Contact{}).Where("id = ? AND status <> ?", req.ContactID, models.ContactClosed).Updates(update)
	if res.Error != nil {
		return false, fmt.Errorf("set contact %d %s: %w", req.ContactID, req.Status, res.Error)
	}
	return res.RowsAffected > 0, nil
}

// attemptsMade is how many of a contact's attempts have ended: its last
// attempt's number, less one when that attempt is still open (its workflow
// was lost before the attempt ended), so that the attempt is taken up again
// under its own ID rather than made anew.
func (s *Service) attemptsMade(ctx context.Context, contactID uint64) (int, error) {
	var last []struct {
		Seq  int
		Open bool
	}
	if err := s.DB.WithContext(ctx).Raw(`SELECT seq, ended_at IS NULL AS open FROM attempts WHERE contact_id = ? ORDER BY seq DESC LIMIT 1`,
		contactID).Scan(&last).Error; err != nil {
		return 0, fmt.Errorf("last attempt of contact %d: %w", contactID, err)
	}
	switch {
	case len(last) == 0:
		return 0, nil
	case last[0].Open:
		return last[0].Seq - 1, nil
	}
	return last[0].Seq, nil
}

// byKey finds a campaign's contacts with an E.164 number or an external key.
func (s *Service) byKey(ctx context.Context, campaignID uint64, number, externalKey string) ([]models.Contact, error) {
	q := s.DB.WithContext(ctx).Where("campaign_id = ?", campaignID)
	if number != "" {
		q = q.Where("numbers @> ?", fmt.Sprintf(`[{"number":%q}]`, number))
	} else {
		q = q.Where("external_key = ?", externalKey)
	}
	var found []models.Contact
	if err := q.Find(&found).Error; err != nil {
		return nil, fmt.Errorf("find contacts of campaign %d to close: %w", campaignID, err)
	}
	return found, nil
}

// isWrapupCode reports whether business is a wrap-up code of outcome group
// group, ignoring case.
func (s *Service) isWrapupCode(ctx context.Context, group uint64, business string) (bool, error) {
	var n int64
	if err := s.DB.WithContext(ctx).Model(&models.BusinessOutcome{}).Where("outcome_group_id = ? AND lower(name) = lower(?)", group, business).Count(&n).Error; err != nil {
		return false, fmt.Errorf("wrap-up codes of outcome group %d: %w", group, err)
	}
	return n > 0, nil
}

// orNull is nil for the zero time, which a report leaves out.
func orNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// recordReport stores a report of an attempt once: it changes nothing
// unless the column is still empty and the attempt has not ended.
func (s *Service) recordReport(ctx context.Context, id, column, value, agent string, times dialer.CallTimes) (bool, error) {
	// A voice report without times was answered when it came.
	res := s.DB.WithContext(ctx).Exec("UPDATE attempts SET "+column+" = @value, agent = CASE WHEN @agent <> '' THEN @agent ELSE agent END, "+
		"answered_at = COALESCE(@answered, CASE WHEN @voice THEN now() END, answered_at), connected_at = COALESCE(@connected, connected_at), "+
		"abandon_message_at = COALESCE(@message, abandon_message_at) "+
		"WHERE id = @id AND "+column+" = '' AND ended_at IS NULL",
		map[string]any{"value": value, "agent": agent, "answered": orNull(times.AnsweredAt), "connected": orNull(times.ConnectedAt), "message": orNull(times.AbandonMessageAt),
			"voice": column == "telephony_outcome" && value == strategy.Voice, "id": id})
	if res.Error != nil {
		return false, fmt.Errorf("record %s of attempt %s: %w", column, id, res.Error)
	}
	return res.RowsAffected > 0, nil
}
