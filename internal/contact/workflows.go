package contact

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/phone"
)

// Release hands a contact to be dialed now: it signals the contact's
// workflow, starting it on the contact's first release. It is what the
// pacer does for each contact it selects.
//
// A contact never attempted (first) most likely has no workflow yet: it is
// started with the release in its input and eager start, so that a worker
// of this process takes the first task from the start's response instead
// of the task queue, where a busy campaign's new contacts waited hundreds
// of milliseconds. With Spread it goes through the task queue all the same,
// so that several workers share a campaign's contacts instead of the one
// its pacer runs on. If it has a workflow after all, it is signalled.
func (s *Service) Release(ctx context.Context, campaignID, contactID uint64, agent string, skip, first bool) (string, error) {
	id := contract.ContactWorkflowID(campaignID, contactID)
	release := contract.Release{Agent: agent, Skip: skip}
	opts := client.StartWorkflowOptions{ID: id, TaskQueue: s.TaskQueue, TypedSearchAttributes: contract.StartSearchAttributes(campaignID)}
	params := contract.ContactParams{CampaignID: campaignID, ContactID: contactID}
	if first {
		eager, withRelease := opts, params
		eager.EnableEagerStart, eager.WorkflowExecutionErrorWhenAlreadyStarted = !s.Spread, true
		withRelease.State.Released = &release
		_, err := s.Temporal.ExecuteWorkflow(ctx, eager, contract.ContactWorkflow, withRelease)
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if !errors.As(err, &started) {
			if err != nil {
				return "", contract.CallError(err, "release contact %d", contactID)
			}
			return id, nil
		}
	}
	if _, err := s.Temporal.SignalWithStartWorkflow(ctx, id, contract.SignalRelease, release, opts, contract.ContactWorkflow, params); err != nil {
		return "", contract.CallError(err, "release contact %d", contactID)
	}
	return id, nil
}

// ReleaseNow releases a contact on request (what the pacer would do) and
// returns its workflow's ID; a closed contact is not released.
func (s *Service) ReleaseNow(ctx context.Context, contactID uint64, agent string) (string, error) {
	c, err := models.Find[models.Contact](ctx, s.DB.DB, "contact", contactID)
	if err != nil {
		return "", err
	}
	if c.Status == models.ContactClosed {
		return "", fault.Conflictf("", "contact %d is closed: %s", c.ID, c.ClosedReason)
	}
	// A personal callback is placed for its own agent, whoever releases it.
	if pcb := c.PCBAgent; pcb != "" && (c.PCBUntil == nil || c.PCBUntil.After(s.now())) {
		if agent != "" && agent != pcb {
			return "", fault.Conflictf("agent", "contact %d is a personal callback for agent %s, not %s", c.ID, pcb, agent)
		}
		agent = pcb
	}
	return s.Release(ctx, c.CampaignID, c.ID, agent, false, c.AttemptCount == 0)
}

// signalClose asks a contact's workflow to close; false when the contact
// has no running workflow.
func (s *Service) signalClose(ctx context.Context, campaignID, contactID uint64, reason string) (bool, error) {
	err := s.Temporal.SignalWorkflow(ctx, contract.ContactWorkflowID(campaignID, contactID), "", contract.SignalClose, contract.Close{Reason: reason})
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return false, nil
	}
	if err != nil {
		return false, contract.CallError(err, "close contact %d", contactID)
	}
	return true, nil
}

// closeContact closes a contact: through its workflow when it has one, else
// its row. It reports whether the contact changed.
func (s *Service) closeContact(ctx context.Context, c *models.Contact, reason string) (bool, error) {
	if c.Status == models.ContactClosed {
		return false, nil
	}
	if c.Status != models.ContactNew {
		found, err := s.signalClose(ctx, c.CampaignID, c.ID, reason)
		if err != nil || found {
			return found, err
		}
	}
	return s.setStatus(ctx, StatusRequest{ContactID: c.ID, Status: models.ContactClosed, Reason: reason}, s.now())
}

// Close closes one contact; it reports whether the contact changed.
func (s *Service) Close(ctx context.Context, contactID uint64, reason string) (bool, error) {
	c, err := models.Find[models.Contact](ctx, s.DB.DB, "contact", contactID)
	if err != nil {
		return false, err
	}
	return s.closeContact(ctx, c, cmp.Or(reason, contract.CloseReason))
}

// Closed is what closing a campaign's contacts by key matched and closed.
type Closed struct {
	Matched int      `json:"matched"`
	Closed  []uint64 `json:"closed"`
}

// CloseByKey closes a campaign's contacts, across its lists, that have a
// number (normalised in the campaign's region) or an external key.
func (s *Service) CloseByKey(ctx context.Context, campaignID uint64, number, externalKey, reason string) (Closed, error) {
	out := Closed{Closed: []uint64{}}
	switch {
	case number != "":
		campaign, err := models.Find[models.Campaign](ctx, s.DB.DB, "campaign", campaignID)
		if err != nil {
			return out, err
		}
		if number, err = phone.Normalize(number, campaign.DefaultRegion); err != nil {
			var f fault.Fields
			f.Add("number", "%v", err)
			return out, f.Err("request")
		}
	case externalKey == "":
		var f fault.Fields
		f.Add("number", "give a number or an external_key")
		return out, f.Err("request")
	}
	found, err := s.byKey(ctx, campaignID, number, externalKey)
	if err != nil {
		return out, err
	}
	out.Matched = len(found)
	for i := range found {
		changed, err := s.closeContact(ctx, &found[i], cmp.Or(reason, contract.CloseReason))
		if err != nil {
			return out, err
		}
		if changed {
			out.Closed = append(out.Closed, found[i].ID)
		}
	}
	return out, nil
}

// CloseOpen closes the given open contacts of a campaign, through their
// workflows when they have one, concurrently; it returns how many closed.
func (s *Service) CloseOpen(ctx context.Context, campaignID uint64, ids []uint64, reason string) (int, error) {
	return eachAtOnce(ids, func(id uint64) error {
		found, err := s.signalClose(ctx, campaignID, id, reason)
		if err == nil && !found {
			_, err = s.setStatus(ctx, StatusRequest{ContactID: id, Status: models.ContactClosed, Reason: reason}, s.now())
		}
		if err != nil {
			return fmt.Errorf("close contact %d: %w", id, err)
		}
		return nil
	})
}
