package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/outdial/outdial/activities"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/phone"
	"github.com/outdial/outdial/strategy"
	"github.com/outdial/outdial/workflows"
)

// ContactDetail is a contact with its state and every attempt.
type ContactDetail struct {
	ContactView
	Priority      int              `json:"priority"`
	NextDueAt     *time.Time       `json:"next_due_at"`
	AttemptCount  int              `json:"attempt_count"`
	Counters      json.RawMessage  `json:"counters"`
	Mode          string           `json:"mode"`
	PCBAgent      string           `json:"pcb_agent"`
	WaitingReason string           `json:"waiting_reason"`
	ClosedReason  string           `json:"closed_reason"`
	ClosedAt      *time.Time       `json:"closed_at"`
	WorkflowID    string           `json:"workflow_id"`
	Attempts      []models.Attempt `json:"attempts"`
}

// contacts serves contacts, attempts and the reports that end attempts.
type contacts struct {
	db        *models.DB
	temporal  client.Client
	taskQueue string
	acts      *activities.Activities
	reporter  *Reporter
}

// ReleaseRequest hands a contact to be dialed now.
type ReleaseRequest struct {
	Agent string `json:"agent"`
}

// OutcomeReport is a dialer's report of how a call ended.
type OutcomeReport struct {
	Outcome string `json:"outcome"`
	Agent   string `json:"agent"`
}

// WrapupReport is an agent's wrap-up code.
type WrapupReport struct {
	Business string `json:"business"`
	Agent    string `json:"agent"`
}

// CloseRequest closes contacts; for a campaign, by number or external key.
type CloseRequest struct {
	Reason      string `json:"reason"`
	Number      string `json:"number,omitempty"`
	ExternalKey string `json:"external_key,omitempty"`
}

func registerContacts(r *routes, h *contacts) {
	const tag = "Contacts"
	r.handle(http.MethodGet, "/contacts/:id", op{summary: "A contact: fields, numbers, status, counters and attempts", tag: tag, response: ContactDetail{}}, h.get)
	r.handle(http.MethodGet, "/contacts/:id/eligibility", op{summary: "Whether the contact can be dialed now, and if not why and until when", tag: tag, response: activities.Verdict{}}, h.eligibility)
	r.handle(http.MethodPost, "/contacts/:id/release", op{summary: "Release the contact to be dialed now (what the pacer does); starts its workflow on first release", tag: tag, request: ReleaseRequest{}, response: map[string]string{}, status: http.StatusAccepted}, h.release)
	r.handle(http.MethodPost, "/contacts/:id/close", op{summary: "Close a contact: no more attempts", tag: tag, request: CloseRequest{}, response: map[string]any{}}, h.closeOne)
	r.handle(http.MethodPost, "/campaigns/:id/contacts/close", op{summary: "Close a campaign's contacts by number or external key, across its lists", tag: tag, request: CloseRequest{}, response: map[string]any{}}, h.closeByKey)
	r.handle(http.MethodPost, "/attempts/:id/telephony-outcome", op{summary: "The dialer reports how a call ended (idempotent)", tag: tag, request: OutcomeReport{}, response: map[string]any{}}, h.telephonyOutcome)
	r.handle(http.MethodPost, "/attempts/:id/wrapup", op{summary: "The agent reports the wrap-up code (idempotent)", tag: tag, request: WrapupReport{}, response: map[string]any{}}, h.wrapup)
}

func (h *contacts) find(c *gin.Context) (*models.Contact, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	var contact models.Contact
	if err := h.db.WithContext(c.Request.Context()).First(&contact, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, notFound("contact", id)
		}
		return nil, fmt.Errorf("read contact %d: %w", id, err)
	}
	return &contact, nil
}

func (h *contacts) get(c *gin.Context) {
	contact, err := h.find(c)
	if err != nil {
		fail(c, err)
		return
	}
	d := ContactDetail{ContactView: viewContact(contact), Priority: contact.Priority, NextDueAt: contact.NextDueAt, AttemptCount: contact.AttemptCount,
		Counters: contact.Counters, Mode: contact.Mode, PCBAgent: contact.PCBAgent, WaitingReason: contact.WaitingReason,
		ClosedReason: contact.ClosedReason, ClosedAt: contact.ClosedAt, WorkflowID: workflows.ContactWorkflowID(contact.CampaignID, contact.ID), Attempts: []models.Attempt{}}
	if len(d.Counters) == 0 {
		d.Counters = json.RawMessage("{}")
	}
	if err := h.db.WithContext(c.Request.Context()).Where("contact_id = ?", contact.ID).Order("seq").Find(&d.Attempts).Error; err != nil {
		fail(c, fmt.Errorf("attempts of contact %d: %w", contact.ID, err))
		return
	}
	c.JSON(http.StatusOK, d)
}

func (h *contacts) eligibility(c *gin.Context) {
	contact, err := h.find(c)
	if err != nil {
		fail(c, err)
		return
	}
	v, err := activities.Eligibility(c.Request.Context(), h.acts, contact.ID, time.Now())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (h *contacts) release(c *gin.Context) {
	contact, err := h.find(c)
	if err != nil {
		fail(c, err)
		return
	}
	var req ReleaseRequest
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c.Request.Body, &req); err != nil {
			fail(c, err)
			return
		}
	}
	if contact.Status == models.ContactClosed {
		fail(c, conflict("", "contact %d is closed: %s", contact.ID, contact.ClosedReason))
		return
	}
	id, err := Release(c.Request.Context(), h.temporal, h.taskQueue, contact.CampaignID, contact.ID, req.Agent, false, contact.AttemptCount == 0)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"workflow_id": id})
}

func (h *contacts) closeOne(c *gin.Context) {
	contact, err := h.find(c)
	if err != nil {
		fail(c, err)
		return
	}
	var req CloseRequest
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c.Request.Body, &req); err != nil {
			fail(c, err)
			return
		}
	}
	changed, err := h.close(c, contact, firstNonEmpty(req.Reason, "closed by request"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"contact_id": contact.ID, "changed": changed})
}

// close closes a contact: its workflow when it has one, else the row.
func (h *contacts) close(c *gin.Context, contact *models.Contact, reason string) (bool, error) {
	if contact.Status == models.ContactClosed {
		return false, nil
	}
	if contact.Status != models.ContactNew {
		found, err := SignalClose(c.Request.Context(), h.temporal, contact.CampaignID, contact.ID, reason)
		if err != nil || found {
			return found, err
		}
	}
	err := h.acts.SetContactStatus(c.Request.Context(), activities.StatusRequest{ContactID: contact.ID, Status: models.ContactClosed, Reason: reason})
	return err == nil, err
}

func (h *contacts) closeByKey(c *gin.Context) {
	campaignID, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	var req CloseRequest
	if err := decodeJSON(c.Request.Body, &req); err != nil {
		fail(c, err)
		return
	}
	var found []models.Contact
	q := h.db.WithContext(c.Request.Context()).Where("campaign_id = ?", campaignID)
	switch {
	case req.Number != "":
		var campaign models.Campaign
		if err := h.db.WithContext(c.Request.Context()).First(&campaign, campaignID).Error; err != nil {
			fail(c, notFound("campaign", campaignID))
			return
		}
		n, err := phone.Normalize(req.Number, campaign.DefaultRegion)
		if err != nil {
			fail(c, fieldErrors{{Field: "number", Detail: err.Error()}}.problem("request"))
			return
		}
		q = q.Where("numbers @> ?", fmt.Sprintf(`[{"number":%q}]`, n))
	case req.ExternalKey != "":
		q = q.Where("external_key = ?", req.ExternalKey)
	default:
		fail(c, fieldErrors{{Field: "number", Detail: "give a number or an external_key"}}.problem("request"))
		return
	}
	if err := q.Find(&found).Error; err != nil {
		fail(c, fmt.Errorf("find contacts to close: %w", err))
		return
	}
	closed := []uint64{}
	for i := range found {
		changed, err := h.close(c, &found[i], firstNonEmpty(req.Reason, "closed by request"))
		if err != nil {
			fail(c, err)
			return
		}
		if changed {
			closed = append(closed, found[i].ID)
		}
	}
	c.JSON(http.StatusOK, gin.H{"matched": len(found), "closed": closed})
}

// report answers a report of an attempt through the Reporter.
func (h *contacts) report(c *gin.Context, kind reportKind, value, agent string) {
	id := c.Param("id")
	changed, err := h.reporter.report(c.Request.Context(), id, kind, value, agent)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"attempt_id": id, "changed": changed})
}

func (h *contacts) telephonyOutcome(c *gin.Context) {
	var req OutcomeReport
	if err := decodeJSON(c.Request.Body, &req); err != nil {
		fail(c, err)
		return
	}
	outcome, ok := strategy.ParseTelephonyOutcome(req.Outcome)
	if !ok {
		fail(c, fieldErrors{{Field: "outcome", Detail: fmt.Sprintf("must be one of %s, not %q", strings.Join(strategy.TelephonyOutcomes, ", "), req.Outcome)}}.problem("report"))
		return
	}
	h.report(c, telephonyReport, outcome, req.Agent)
}

func (h *contacts) wrapup(c *gin.Context) {
	var req WrapupReport
	if err := decodeJSON(c.Request.Body, &req); err != nil {
		fail(c, err)
		return
	}
	req.Business = strings.TrimSpace(req.Business)
	var at models.Attempt
	if err := h.db.WithContext(c.Request.Context()).First(&at, "id = ?", c.Param("id")).Error; err == nil {
		var campaign models.Campaign
		if err := h.db.WithContext(c.Request.Context()).First(&campaign, at.CampaignID).Error; err == nil && campaign.OutcomeGroupID != nil {
			var n int64
			h.db.WithContext(c.Request.Context()).Model(&models.BusinessOutcome{}).Where("outcome_group_id = ? AND lower(name) = lower(?)", *campaign.OutcomeGroupID, req.Business).Count(&n)
			if n == 0 {
				fail(c, fieldErrors{{Field: "business", Detail: fmt.Sprintf("%q is not a wrap-up code of campaign %s", req.Business, campaign.Name)}}.problem("wrap-up"))
				return
			}
		}
	}
	if req.Business == "" {
		fail(c, fieldErrors{{Field: "business", Detail: "is required"}}.problem("wrap-up"))
		return
	}
	h.report(c, wrapupReport, req.Business, req.Agent)
}

// Release hands a contact to be dialed now: it signals the contact's
// workflow, starting it on the contact's first release. It is what the
// pacer does for each contact it selects.
//
// A contact never attempted (first) most likely has no workflow yet: it is
// started with the release in its input and eager start, so that a worker
// of this process takes the first task from the start's response instead
// of the task queue, where a busy campaign's new contacts waited hundreds
// of milliseconds. If it has a workflow after all, it is signalled.
func Release(ctx context.Context, c client.Client, taskQueue string, campaignID, contactID uint64, agent string, skip, first bool) (string, error) {
	id := workflows.ContactWorkflowID(campaignID, contactID)
	release := workflows.Release{Agent: agent, Skip: skip}
	opts := client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue, TypedSearchAttributes: workflows.StartSearchAttributes(campaignID)}
	params := workflows.NewContactParams(campaignID, contactID)
	if first {
		eager, withRelease := opts, params
		eager.EnableEagerStart, eager.WorkflowExecutionErrorWhenAlreadyStarted = true, true
		withRelease.State.Released = &release
		_, err := c.ExecuteWorkflow(ctx, eager, workflows.Contact, withRelease)
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if !errors.As(err, &started) {
			if err != nil {
				return "", fmt.Errorf("release contact %d: %w", contactID, err)
			}
			return id, nil
		}
	}
	if _, err := c.SignalWithStartWorkflow(ctx, id, workflows.SignalRelease, release, opts, workflows.Contact, params); err != nil {
		return "", fmt.Errorf("release contact %d: %w", contactID, err)
	}
	return id, nil
}

// SignalClose asks a contact's workflow to close; false when the contact
// has no running workflow.
func SignalClose(ctx context.Context, c client.Client, campaignID, contactID uint64, reason string) (bool, error) {
	err := c.SignalWorkflow(ctx, workflows.ContactWorkflowID(campaignID, contactID), "", workflows.SignalClose, workflows.Close{Reason: reason})
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("close contact %d: %w", contactID, err)
	}
	return true, nil
}

// ConnectActivities gives the activities what they signal contact
// workflows with: the pacer's releases and a completed campaign's closes.
func ConnectActivities(acts *activities.Activities, c client.Client, taskQueue string) {
	acts.Release = func(ctx context.Context, campaignID, contactID uint64, agent string, skip, first bool) error {
		_, err := Release(ctx, c, taskQueue, campaignID, contactID, agent, skip, first)
		return err
	}
	acts.Close = func(ctx context.Context, campaignID, contactID uint64, reason string) (bool, error) {
		return SignalClose(ctx, c, campaignID, contactID, reason)
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
