package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/outdial/outdial/activities"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/workflows"
)

// running serves what makes campaigns dial: their lifecycle, preview cards
// and the wake-ups agents' state changes send to pacers.
type running struct {
	db        *models.DB
	temporal  client.Client
	taskQueue string
}

// PreviewCard is a contact offered to a preview agent: its fields and the
// history of earlier attempts.
type PreviewCard struct {
	Preview  *models.Preview  `json:"preview"`
	Campaign string           `json:"campaign,omitempty"`
	Contact  *ContactView     `json:"contact,omitempty"`
	Attempts []models.Attempt `json:"attempts,omitempty"`
	Reason   string           `json:"reason,omitempty"`
}

func registerRunning(r *routes, h *running) {
	for _, action := range []string{"start", "pause", "resume", "stop"} {
		r.handle(http.MethodPost, "/campaigns/:id/"+action, op{summary: action + " a campaign", tag: "Campaigns", response: models.Campaign{}}, h.lifecycle(action))
	}
	r.handle(http.MethodPost, "/agents/:id/preview", op{summary: "A preview agent asks for the next contact card of its campaigns", tag: "Agents", response: PreviewCard{}}, h.preview)
	r.handle(http.MethodPost, "/previews/:id/accept", op{summary: "Accept a preview card: the call is placed", tag: "Agents", response: models.Preview{}}, h.answer(true))
	r.handle(http.MethodPost, "/previews/:id/skip", op{summary: "Skip a preview card: it counts as the outcome skipped", tag: "Agents", response: models.Preview{}}, h.answer(false))
}

// lifecycle moves a campaign to a status and tells its workflow.
func (h *running) lifecycle(action string) gin.HandlerFunc {
	next := map[string]string{"start": models.CampaignActive, "pause": models.CampaignPaused, "resume": models.CampaignActive, "stop": models.CampaignStopped}[action]
	from := map[string][]string{
		"start":  {models.CampaignDraft, models.CampaignStopped, models.CampaignCompleted, models.CampaignActive},
		"pause":  {models.CampaignActive, models.CampaignPaused},
		"resume": {models.CampaignPaused, models.CampaignActive},
		"stop":   {models.CampaignActive, models.CampaignPaused, models.CampaignStopped},
	}[action]
	return func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			fail(c, err)
			return
		}
		var campaign models.Campaign
		if err := h.db.WithContext(c.Request.Context()).First(&campaign, id).Error; err != nil {
			fail(c, notFound("campaign", id))
			return
		}
		if !slices.Contains(from, campaign.Status) {
			fail(c, conflict("status", "campaign %s is %s; it cannot %s", campaign.Name, campaign.Status, action))
			return
		}
		if action == "start" && campaign.PacingMode == models.PacingProgressive && campaign.EntryPointID == nil {
			fail(c, conflict("entry_point_id", "campaign %s has no entry point to place its calls", campaign.Name))
			return
		}
		if err := h.db.WithContext(c.Request.Context()).Model(&campaign).Updates(map[string]any{"status": next, "updated_at": time.Now()}).Error; err != nil {
			fail(c, fmt.Errorf("set campaign %d %s: %w", id, next, err))
			return
		}
		wid := workflows.CampaignWorkflowID(id)
		switch action {
		case "start", "resume":
			_, err = h.temporal.SignalWithStartWorkflow(c.Request.Context(), wid, workflows.SignalResume, nil,
				client.StartWorkflowOptions{ID: wid, TaskQueue: h.taskQueue}, workflows.Campaign, workflows.CampaignParams{CampaignID: id})
		case "pause":
			err = h.signal(c.Request.Context(), wid, workflows.SignalPause)
		case "stop":
			err = h.signal(c.Request.Context(), wid, workflows.SignalStop)
		}
		if err != nil {
			fail(c, fmt.Errorf("%s campaign %d: %w", action, id, err))
			return
		}
		campaign.Status = next
		c.JSON(http.StatusOK, campaign)
	}
}

// signal signals a workflow; one that is not running has nothing to hear.
func (h *running) signal(ctx context.Context, workflowID, name string) error {
	err := h.temporal.SignalWorkflow(ctx, workflowID, "", name, nil)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return nil
	}
	return err
}

// wake asks the pacers of the agent's campaigns for a pass now.
func (h *running) wake(ctx context.Context, agentID uint64) {
	wakeCampaigns(ctx, h.db, h.temporal, agentID)
}

// wakeCampaigns asks the pacers of an agent's active campaigns for a pass:
// the agent became available. Only a pacer with no request waiting is
// signalled.
func wakeCampaigns(ctx context.Context, db *models.DB, tc client.Client, agentID uint64) {
	ids, err := models.RequestPassesForAgent(ctx, db.DB, agentID)
	if err != nil {
		slog.WarnContext(ctx, "wake pacers", "agent", agentID, "error", err)
		return
	}
	signalWakes(ctx, tc, ids...)
}

// signalWakes signals the pacers of campaigns whose pass requests are new.
// A pacer that misses its signal passes on its tick anyway.
func signalWakes(ctx context.Context, tc client.Client, campaignIDs ...uint64) {
	for _, id := range campaignIDs {
		if err := tc.SignalWorkflow(ctx, workflows.CampaignWorkflowID(id), "", workflows.SignalWake, nil); err != nil {
			slog.DebugContext(ctx, "wake pacer", "campaign", id, "error", err)
		}
	}
}

// preview reserves the next due contact of the agent's active preview
// campaigns for the agent, for the campaign's preview timeout.
func (h *running) preview(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	var agent models.Agent
	if err := h.db.WithContext(c.Request.Context()).First(&agent, id).Error; err != nil {
		fail(c, notFound("agent", id))
		return
	}
	if agent.State != models.AgentIdle && agent.State != models.AgentAvailable {
		fail(c, conflict("state", "agent %d is %s; preview cards go to idle or available agents", id, agent.State))
		return
	}
	if err := activities.ExpirePreviews(c.Request.Context(), h.db); err != nil {
		fail(c, err)
		return
	}
	campaigns, err := models.PreviewCampaigns(c.Request.Context(), h.db.DB, agent.TeamID)
	if err != nil {
		fail(c, fmt.Errorf("campaigns of agent %d: %w", id, err))
		return
	}
	var due []models.Contact
	for _, cp := range campaigns {
		if due, err = models.ReleaseDue(c.Request.Context(), h.db.DB, []uint64{cp.ID}, 1); err != nil {
			fail(c, err)
			return
		}
		if len(due) > 0 {
			break
		}
	}
	if len(due) == 0 {
		c.JSON(http.StatusOK, PreviewCard{Reason: fmt.Sprintf("no contact is due in the agent's %d active preview campaign(s)", len(campaigns))})
		return
	}
	campaign := campaigns[slices.IndexFunc(campaigns, func(cp models.Campaign) bool { return cp.ID == due[0].CampaignID })]
	p := models.Preview{AgentID: id, ContactID: due[0].ID, CampaignID: campaign.ID, State: "offered", OfferedAt: time.Now(),
		ExpiresAt: time.Now().Add(time.Duration(campaign.PreviewTimeoutSeconds) * time.Second)}
	var contact models.Contact
	err = h.db.WithContext(c.Request.Context()).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&p).Error; err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE agents SET state = 'reserved', state_reason = 'preview card', state_changed_at = now() WHERE id = ?`, id).Error; err != nil {
			return err
		}
		return tx.First(&contact, p.ContactID).Error
	})
	if err != nil {
		fail(c, errors.Join(fmt.Errorf("offer contact %d to agent %d: %w", p.ContactID, id, err), models.Unrelease(c.Request.Context(), h.db, p.ContactID)))
		return
	}
	card := PreviewCard{Preview: &p, Campaign: campaign.Name, Attempts: []models.Attempt{}}
	view := viewContact(&contact)
	card.Contact = &view
	if err := h.db.WithContext(c.Request.Context()).Where("contact_id = ?", contact.ID).Order("seq").Find(&card.Attempts).Error; err != nil {
		fail(c, fmt.Errorf("attempts of contact %d: %w", contact.ID, err))
		return
	}
	c.JSON(http.StatusOK, card)
}

// answer accepts (the call is placed for the agent) or skips a card.
func (h *running) answer(accept bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			fail(c, err)
			return
		}
		state, agentState := "skipped", models.AgentIdle
		if accept {
			state, agentState = "accepted", models.AgentConnected
		}
		var p models.Preview
		err = h.db.WithContext(c.Request.Context()).Raw(`UPDATE previews SET state = ?, answered_at = now() WHERE id = ? AND state = 'offered' AND expires_at >= now() RETURNING *`, state, id).Scan(&p).Error
		if err != nil {
			fail(c, fmt.Errorf("answer preview %d: %w", id, err))
			return
		}
		if p.ID == 0 {
			var old models.Preview
			if err := h.db.WithContext(c.Request.Context()).First(&old, id).Error; err != nil {
				fail(c, notFound("preview", id))
				return
			}
			fail(c, conflict("state", "preview %d is %s (it expired at %s)", id, old.State, old.ExpiresAt.UTC().Format(time.RFC3339)))
			return
		}
		agent := strconv.FormatUint(p.AgentID, 10)
		if err := h.db.WithContext(c.Request.Context()).Exec(`UPDATE agents SET state = ?, state_reason = ?, state_changed_at = now() WHERE id = ?`, agentState, "preview "+state, p.AgentID).Error; err != nil {
			fail(c, fmt.Errorf("agent %d: %w", p.AgentID, err))
			return
		}
		if _, err := Release(c.Request.Context(), h.temporal, h.taskQueue, p.CampaignID, p.ContactID, agent, !accept, false); err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, p)
	}
}
