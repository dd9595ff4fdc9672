package models

import (
	"context"
	"fmt"

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
	if err := db.WithContext(ctx).Where("contact_id = ?", contactID).Order("seq").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("attempts of contact %d: %w", contactID, err)
	}
	return out, nil
}
