package campaign

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"go.temporal.io/api/serviceerror"
	"gorm.io/gorm"

	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/internal/observe"
	"github.com/outdial/outdial/models"
)

// ContactWorkflows ends contacts' workflows before their rows go.
type ContactWorkflows interface {
	// EndWorkflows terminates the running workflows of a campaign's
	// contacts (of one of its lists when listID is not 0).
	EndWorkflows(ctx context.Context, campaignID, listID uint64, reason string) (int, error)
}

// deletable are the statuses a campaign may be deleted in: nothing
// dials it. An active or paused one must be stopped first.
var deletable = []string{models.CampaignDraft, models.CampaignStopped, models.CampaignCompleted}

// Delete erases a campaign nothing runs in, with its lists and contacts:
// first its workflow and every contact's workflow end, so none wakes to
// rows that are gone; its attempts stay, as the calls that were made.
// Whatever stands in the way (its status, a list importing, contacts on
// a call, open preview cards, its campaign group) is a conflict naming it.
func (s *Service) Delete(ctx context.Context, id uint64) error {
	c, err := models.Find[models.Campaign](ctx, s.DB.DB, "campaign", id)
	if err != nil {
		return err
	}
	if err := inTheWay(ctx, s.DB.DB, c); err != nil {
		return err
	}
	if s.Temporal == nil || s.ContactWorkflows == nil {
		return errors.New("delete a campaign: no Temporal client to end its workflows")
	}
	reason := fmt.Sprintf("campaign %s was deleted", c.Name)
	err = s.Temporal.TerminateWorkflow(ctx, contract.CampaignWorkflowID(id), "", reason)
	var nf *serviceerror.NotFound
	if err != nil && !errors.As(err, &nf) {
		return contract.CallError(err, "end the workflow of campaign %d", id)
	}
	ended, err := s.ContactWorkflows.EndWorkflows(ctx, id, 0, reason)
	if err != nil {
		return err
	}
	err = models.DeleteLocked(ctx, s.DB.DB, "campaign", id, func(tx *gorm.DB, locked *models.Campaign) error {
		return inTheWay(ctx, tx, locked)
	})
	if err != nil {
		return err
	}
	slog.InfoContext(ctx, "campaign deleted", observe.CampaignID, id, "contact_workflows_ended", ended)
	return nil
}

// inTheWay is the conflict naming what keeps campaign c from being
// deleted now, or nil.
func inTheWay(ctx context.Context, db *gorm.DB, c *models.Campaign) error {
	db = db.WithContext(ctx)
	var f fault.Fields
	if !slices.Contains(deletable, c.Status) {
		f.Add("status", "campaign %s is %s: stop it first", c.Name, c.Status)
	}
	busy, err := models.BusyIn(ctx, db, c.ID, 0)
	if err != nil {
		return err
	}
	busy.AddTo(&f)
	var groups []string
	if err := db.Model(&models.CampaignGroup{}).Joins("JOIN campaign_group_campaigns g ON g.campaign_group_id = campaign_groups.id").
		Where("g.campaign_id = ?", c.ID).Order("campaign_groups.name").Pluck("campaign_groups.name", &groups).Error; err != nil {
		return fmt.Errorf("find campaign %d's campaign group: %w", c.ID, err)
	}
	if len(groups) > 0 {
		f.Add("campaign_groups", "campaign %s is in campaign group %s: take it out of the group first", c.Name, strings.Join(groups, ", "))
	}
	return f.Conflict("campaign")
}
