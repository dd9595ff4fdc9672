package listimport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"gorm.io/gorm"

	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/internal/observe"
	"github.com/outdial/outdial/models"
)

// ContactWorkflows ends contacts' workflows before their rows go.
type ContactWorkflows interface {
	// EndWorkflows terminates the running workflows of the contacts of a
	// campaign's list.
	EndWorkflows(ctx context.Context, campaignID, listID uint64, reason string) (int, error)
}

// Delete erases a list that nothing runs in, with its contacts and
// rejected rows: a failed, stopped or expired list, or a DNC upload whose
// import has ended. Its contacts' workflows end first, so none wakes to a
// row that is gone; their attempts stay, as the calls that were made.
// Whatever stands in the way (its status, its import, contacts on a call,
// open preview cards) is a conflict naming it.
func (l *Lists) Delete(ctx context.Context, id uint64) error {
	list, err := models.Find[models.ContactList](ctx, l.DB.DB, "list", id)
	if err != nil {
		return err
	}
	if err := listInTheWay(ctx, l.DB.DB, list); err != nil {
		return err
	}
	ended := 0
	if list.CampaignID != nil {
		if l.ContactWorkflows == nil {
			return errors.New("delete a list: no Temporal client to end its contacts' workflows")
		}
		if ended, err = l.ContactWorkflows.EndWorkflows(ctx, *list.CampaignID, id, fmt.Sprintf("list %d was deleted", id)); err != nil {
			return err
		}
	}
	err = models.DeleteLocked(ctx, l.DB.DB, "list", id, func(tx *gorm.DB, locked *models.ContactList) error {
		return listInTheWay(ctx, tx, locked)
	})
	if err != nil {
		return err
	}
	slog.InfoContext(ctx, "list deleted", observe.ListID, id, "contact_workflows_ended", ended)
	return nil
}

// listInTheWay is the conflict naming what keeps a list from being
// deleted now, or nil. An active list dials: it is stopped first.
func listInTheWay(ctx context.Context, db *gorm.DB, list *models.ContactList) error {
	var f fault.Fields
	if list.CampaignID == nil {
		if list.ImportedAt == nil && list.Status != models.ListFailed {
			f.Add("lists", "DNC upload %d (%s) is still importing: wait until the import ends", list.ID, list.FileName)
		}
		return f.Conflict("list")
	}
	if list.Status == models.ListActive {
		f.Add("status", "list %d is active: stop it first", list.ID)
	}
	busy, err := models.BusyIn(ctx, db, *list.CampaignID, list.ID)
	if err != nil {
		return err
	}
	busy.AddTo(&f)
	return f.Conflict("list")
}
