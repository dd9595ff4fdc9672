package models

import (
	"fmt"

	"gorm.io/gorm"
)

// Link is a join table that an object exposes as a list of IDs, such as a
// campaign's team_ids; the list's order is kept in its position column.
type Link struct {
	Table    string // "campaign_teams"
	OwnerCol string // "campaign_id"
	RefCol   string // "team_id"
}

// Links of the configuration objects.
var (
	StrategyModes      = Link{"contact_strategy_modes", "contact_strategy_id", "mode_id"}
	CampaignTeams      = Link{"campaign_teams", "campaign_id", "team_id"}
	CampaignDNCLists   = Link{"campaign_dnc_lists", "campaign_id", "dnc_list_id"}
	TeamCampaignGroups = Link{"team_campaign_groups", "team_id", "campaign_group_id"}
	TeamCampaigns      = Link{"campaign_teams", "team_id", "campaign_id"}
)

// Replace makes owner's links exactly ids, in that order.
func (l Link) Replace(tx *gorm.DB, owner uint64, ids []uint64) error {
	if err := tx.Exec(fmt.Sprintf("DELETE FROM %s WHERE %s = ?", l.Table, l.OwnerCol), owner).Error; err != nil {
		return fmt.Errorf("clear %s of %d: %w", l.Table, owner, err)
	}
	for i, id := range ids {
		q := fmt.Sprintf("INSERT INTO %s (%s, %s, position) VALUES (?, ?, ?)", l.Table, l.OwnerCol, l.RefCol)
		if err := tx.Exec(q, owner, id, i).Error; err != nil {
			return fmt.Errorf("link %s %d to %d: %w", l.Table, owner, id, err)
		}
	}
	return nil
}

// Load returns each owner's linked IDs in order.
func (l Link) Load(tx *gorm.DB, owners []uint64) (map[uint64][]uint64, error) {
	out := make(map[uint64][]uint64, len(owners))
	if len(owners) == 0 {
		return out, nil
	}
	var rows []struct{ Owner, Ref uint64 }
	q := fmt.Sprintf("SELECT %s AS owner, %s AS ref FROM %s WHERE %s IN ? ORDER BY %s, position, %s",
		l.OwnerCol, l.RefCol, l.Table, l.OwnerCol, l.OwnerCol, l.RefCol)
	if err := tx.Raw(q, owners).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("load %s: %w", l.Table, err)
	}
	for _, r := range rows {
		out[r.Owner] = append(out[r.Owner], r.Ref)
	}
	return out, nil
}
