package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// OfferPreview records a preview card and reserves its agent, in one
// transaction, and returns the card's contact.
func OfferPreview(ctx context.Context, db *gorm.DB, p *Preview) (*Contact, error) {
	var c Contact
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(p).Error; err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE agents SET `+AgentStateSet+` WHERE id = @id`,
			map[string]any{"state": AgentReserved, "reason": "preview card", "id": p.AgentID}).Error; err != nil {
			return err
		}
		return tx.First(&c, p.ContactID).Error
	})
	if err != nil {
		return nil, fmt.Errorf("offer contact %d to agent %d: %w", p.ContactID, p.AgentID, err)
	}
	return &c, nil
}

// AnswerPreview marks an offered card that has not expired answered (state
// accepted or skipped); found is false when no such card is offered.
func AnswerPreview(ctx context.Context, db *gorm.DB, id uint64, state string) (Preview, bool, error) {
	var p Preview
	err := db.WithContext(ctx).Raw(`UPDATE previews SET state = ?, answered_at = now() WHERE id = ? AND state = 'offered' AND expires_at >= now() RETURNING *`, state, id).Scan(&p).Error
	if err != nil {
		return p, false, fmt.Errorf("answer preview %d: %w", id, err)
	}
	return p, p.ID != 0, nil
}

// ContactAttempts reads a contact's attempts in order.
func ContactAttempts(ctx context.Context, db *gorm.DB, contactID uint64) ([]Attempt, error) {
	out := []Attempt{}
	if err := withAgentName(db.WithContext(ctx), "attempts.*").Where("contact_id = ?", contactID).Order("seq").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("attempts of contact %d: %w", contactID, err)
	}
	return out, nil
}

// withAgentName reads attempts with their agent's name beside its ID.
func withAgentName(q *gorm.DB, columns string) *gorm.DB {
	return q.Model(&Attempt{}).Select(columns + ", agents.name AS agent_name").
		Joins("LEFT JOIN agents ON attempts.agent <> '' AND CAST(agents.id AS text) = attempts.agent")
}

// AttemptFilter picks attempts; a zero field picks any.
type AttemptFilter struct {
	CampaignID uint64
	Agent      string // an agent's ID
	From, To   *time.Time
	// Outcome matches the telephony or the business outcome.
	Outcome string
	// CampaignsOf limits the attempts to these campaigns' when not nil (a
	// supervisor's or a dialer's reach).
	CampaignsOf *gorm.DB
}

// FindAttempts reads a page of the attempts f picks, the latest first,
// without their evidence: a page stays small at any per_page, and a
// contact's detail has the evidence.
func FindAttempts(ctx context.Context, db *gorm.DB, f AttemptFilter, p PageRequest) (Page[Attempt], error) {
	q := db.WithContext(ctx).Model(&Attempt{})
	if f.CampaignID != 0 {
		q = q.Where("attempts.campaign_id = ?", f.CampaignID)
	}
	if f.Agent != "" {
		q = q.Where("attempts.agent = ?", f.Agent)
	}
	if f.From != nil {
		q = q.Where("attempts.started_at >= ?", *f.From)
	}
	if f.To != nil {
		q = q.Where("attempts.started_at < ?", *f.To)
	}
	if f.Outcome != "" {
		q = q.Where("(attempts.telephony_outcome = ? OR lower(attempts.business_outcome) = lower(?))", f.Outcome, f.Outcome)
	}
	if f.CampaignsOf != nil {
		q = q.Where("attempts.campaign_id IN (?)", f.CampaignsOf)
	}
	out := Page[Attempt]{Page: p.Page, PerPage: p.PerPage, Items: []Attempt{}}
	if err := q.Count(&out.Total).Error; err != nil {
		return out, fmt.Errorf("count attempts: %w", err)
	}
	if int64(p.Page-1) > out.Total/int64(p.PerPage) {
		return out, nil // past the end; the division keeps the offset from overflowing
	}
	const columns = `attempts.id, attempts.contact_id, attempts.campaign_id, attempts.seq, attempts.mode, attempts.number, attempts.agent,
		attempts.started_at, attempts.answered_at, attempts.ended_at, attempts.telephony_outcome, attempts.business_outcome,
		attempts.decision, attempts.dial_accepted_at`
	err := withAgentName(q, columns).Order("attempts.started_at DESC, attempts.id").Offset((p.Page - 1) * p.PerPage).Limit(p.PerPage).Find(&out.Items).Error
	if err != nil {
		return out, fmt.Errorf("list attempts: %w", err)
	}
	return out, nil
}
