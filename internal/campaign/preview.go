package campaign

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/models"
)

// Card is a contact offered to a preview agent: the card, its contact and
// the history of earlier attempts; or, when no contact is due, why.
type Card struct {
	Preview  *models.Preview
	Campaign string
	Contact  *models.Contact
	Attempts []models.Attempt
	Reason   string
}

// Offer reserves the next due contact of the agent's active preview
// campaigns for the agent, for the campaign's preview timeout: the agent's
// own personal callbacks first, then the campaigns' other contacts. A
// personal callback of another agent is never offered.
func (s *Service) Offer(ctx context.Context, agentID uint64) (Card, error) {
	agent, err := models.Find[models.Agent](ctx, s.DB.DB, "agent", agentID)
	if err != nil {
		return Card{}, err
	}
	if agent.State != models.AgentIdle && agent.State != models.AgentAvailable {
		return Card{}, fault.Conflictf("state", "agent %d is %s; preview cards go to idle or available agents", agentID, agent.State)
	}
	if err := models.ExpirePreviews(ctx, s.DB.DB); err != nil {
		return Card{}, err
	}
	campaigns, err := models.PreviewCampaigns(ctx, s.DB.DB, agent.TeamID)
	if err != nil {
		return Card{}, fmt.Errorf("campaigns of agent %d: %w", agentID, err)
	}
	ids := make([]uint64, len(campaigns))
	for i, cp := range campaigns {
		ids[i] = cp.ID
	}
	due, err := models.ReleaseCallbacks(ctx, s.DB.DB, ids, agentID, 1, nil)
	if err != nil {
		return Card{}, err
	}
	for _, id := range ids {
		if len(due) > 0 {
			break
		}
		if due, err = models.ReleaseDue(ctx, s.DB.DB, []uint64{id}, 1, nil); err != nil {
			return Card{}, err
		}
	}
	if len(due) == 0 {
		return Card{Reason: fmt.Sprintf("no contact is due in the agent's %d active preview campaign(s)", len(campaigns))}, nil
	}
	campaign := campaigns[slices.IndexFunc(campaigns, func(cp models.Campaign) bool { return cp.ID == due[0].CampaignID })]
	now := s.now()
	p := models.Preview{AgentID: agentID, ContactID: due[0].ID, CampaignID: campaign.ID, State: models.PreviewOffered, OfferedAt: now,
		ExpiresAt: now.Add(time.Duration(campaign.PreviewTimeoutSeconds) * time.Second)}
	contact, err := models.OfferPreview(ctx, s.DB.DB, &p)
	if err != nil {
		return Card{}, errors.Join(err, models.Unrelease(ctx, s.DB, p.ContactID))
	}
	attempts, err := models.ContactAttempts(ctx, s.DB.DB, contact.ID)
	if err != nil {
		return Card{}, err
	}
	return Card{Preview: &p, Campaign: campaign.Name, Contact: contact, Attempts: attempts}, nil
}

// unanswerable says why card p can no longer be answered, with times that
// have passed: when it was answered or expired, never an expiry to come
// (the database's clock, which expires cards, may run ahead of ours).
func unanswerable(p models.Preview, now time.Time) string {
	at := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	switch {
	case p.State == models.PreviewOffered && p.ExpiresAt.After(now):
		return fmt.Sprintf("preview %d has expired: its %s to answer are over", p.ID, p.ExpiresAt.Sub(p.OfferedAt).Round(time.Second))
	case p.State == models.PreviewOffered:
		return fmt.Sprintf("preview %d expired at %s, unanswered", p.ID, at(p.ExpiresAt))
	case p.AnsweredAt == nil:
		return fmt.Sprintf("preview %d is %s", p.ID, p.State)
	case p.State == "expired":
		return fmt.Sprintf("preview %d expired at %s, unanswered", p.ID, at(*p.AnsweredAt))
	}
	return fmt.Sprintf("preview %d was %s at %s already", p.ID, p.State, at(*p.AnsweredAt))
}

// Answer accepts a card (the call is placed for its agent, who is
// connected) or skips it (the attempt ends as skipped, and the agent is
// idle again).
func (s *Service) Answer(ctx context.Context, previewID uint64, accept bool) (models.Preview, error) {
	state, agentState := "skipped", models.AgentIdle
	if accept {
		state, agentState = "accepted", models.AgentConnected
	}
	p, found, err := models.AnswerPreview(ctx, s.DB.DB, previewID, state)
	if err != nil {
		return p, err
	}
	if !found {
		old, err := models.Find[models.Preview](ctx, s.DB.DB, "preview", previewID)
		if err != nil {
			return p, err
		}
		return p, fault.Conflictf("state", "%s", unanswerable(*old, s.now()))
	}
	agent := strconv.FormatUint(p.AgentID, 10)
	if err := models.SetAgentState(ctx, s.DB.DB, agent, agentState, "preview "+state, nil); err != nil {
		return p, err
	}
	if _, err := s.Contacts.Release(ctx, p.CampaignID, p.ContactID, agent, !accept, false); err != nil {
		return p, err
	}
	return p, nil
}
