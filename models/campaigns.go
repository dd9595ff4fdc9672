package models

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// CampaignPolicy is the configuration a campaign's contacts are decided by.
type CampaignPolicy struct {
	Callback *CallbackStrategy
	// Rules are the contact strategy's rules in order; Modes its mode names
	// in priority order.
	Rules    []StrategyRule
	Modes    []string
	Outcomes []BusinessOutcome
}

// LoadCampaignPolicy reads c's callback strategy, contact strategy with its
// rules and modes, and the outcomes of its business outcome group.
func LoadCampaignPolicy(ctx context.Context, db *gorm.DB, c *Campaign) (CampaignPolicy, error) {
	db = db.WithContext(ctx)
	var p CampaignPolicy
	if c.CallbackStrategyID != nil {
		p.Callback = &CallbackStrategy{}
		if err := db.First(p.Callback, *c.CallbackStrategyID).Error; err != nil {
			return p, fmt.Errorf("load callback strategy of campaign %d: %w", c.ID, err)
		}
	}
	if c.ContactStrategyID != nil {
		var cs ContactStrategy
		if err := db.Preload("Rules", func(tx *gorm.DB) *gorm.DB { return tx.Order("position") }).First(&cs, *c.ContactStrategyID).Error; err != nil {
			return p, fmt.Errorf("load contact strategy of campaign %d: %w", c.ID, err)
		}
		p.Rules = cs.Rules
		links, err := StrategyModes.Load(db, []uint64{cs.ID})
		if err != nil {
			return p, err
		}
		var modes []Mode
		if err := db.Where("id IN ?", links[cs.ID]).Find(&modes).Error; err != nil {
			return p, fmt.Errorf("load modes of contact strategy %d: %w", cs.ID, err)
		}
		for _, id := range links[cs.ID] { // in the strategy's priority order
			if i := slices.IndexFunc(modes, func(m Mode) bool { return m.ID == id }); i >= 0 {
				p.Modes = append(p.Modes, modes[i].Name)
			}
		}
	}
	if c.OutcomeGroupID != nil {
		if err := db.Where("outcome_group_id = ?", *c.OutcomeGroupID).Order("position").Find(&p.Outcomes).Error; err != nil {
			return p, fmt.Errorf("load business outcomes of campaign %d: %w", c.ID, err)
		}
	}
	return p, nil
}

// SetCampaignStatus moves a campaign to status at at; with from, only when
// it is in one of those statuses.
func SetCampaignStatus(ctx context.Context, db *gorm.DB, id uint64, status string, from []string, at time.Time) error {
	q := db.WithContext(ctx).Model(&Campaign{}).Where("id = ?", id)
	if len(from) > 0 {
		q = q.Where("status IN ?", from)
	}
	if err := q.Updates(map[string]any{"status": status, "updated_at": at}).Error; err != nil {
		return fmt.Errorf("set campaign %d %s: %w", id, status, err)
	}
	return nil
}

// CloseNewContacts closes a campaign's contacts that were never dialed:
// they have no workflow. It returns how many it closed.
func CloseNewContacts(ctx context.Context, db *gorm.DB, campaignID uint64, reason string) (int, error) {
	res := db.WithContext(ctx).Exec(`UPDATE contacts SET status = 'closed', closed_reason = ?, closed_at = now(), updated_at = now()
		WHERE campaign_id = ? AND status = 'new' AND attempt_count = 0`, reason, campaignID)
	if res.Error != nil {
		return 0, fmt.Errorf("close new contacts of campaign %d: %w", campaignID, res.Error)
	}
	return int(res.RowsAffected), nil
}

// OpenContactIDs are up to limit IDs of a campaign's open contacts after
// contact after, in order.
func OpenContactIDs(ctx context.Context, db *gorm.DB, campaignID, after uint64, limit int) ([]uint64, error) {
	var ids []uint64
	if err := db.WithContext(ctx).Raw(`SELECT id FROM contacts WHERE campaign_id = ? AND status <> 'closed' AND id > ? ORDER BY id LIMIT ?`,
		campaignID, after, limit).Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("open contacts of campaign %d: %w", campaignID, err)
	}
	return ids, nil
}

// ServingTeams counts the teams whose agents take a campaign's calls: its
// own and those of its campaign groups.
func ServingTeams(ctx context.Context, db *gorm.DB, campaignID uint64) (int64, error) {
	var n int64
	if err := db.WithContext(ctx).Table("campaign_serving_teams").Where("campaign_id = ?", campaignID).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("teams of campaign %d: %w", campaignID, err)
	}
	return n, nil
}
