package api

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/models"
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
	PCBUntil      *time.Time       `json:"pcb_until"`
	WaitingReason string           `json:"waiting_reason"`
	ClosedReason  string           `json:"closed_reason"`
	ClosedAt      *time.Time       `json:"closed_at"`
	WorkflowID    string           `json:"workflow_id"`
	Attempts      []models.Attempt `json:"attempts"`
}

// ReleaseRequest hands a contact to be dialed now.
type ReleaseRequest struct {
	Agent string `json:"agent"`
}

// OutcomeReport is a dialer's report of how a call ended. AttemptID, when
// given, must be the path's; a signed report must give it, so that its
// signature covers which attempt it is about.
type OutcomeReport struct {
	AttemptID string `json:"attempt_id,omitempty"`
	Outcome   string `json:"outcome" required:"true"`
	Agent     string `json:"agent"`
	// AnsweredAt and ConnectedAt, when the dialer knows them, say when a
	// person answered and when an agent was connected (voice only): what
	// the abandon rate measures. Without them a voice report's time is
	// its answer.
	AnsweredAt  *time.Time `json:"answered_at,omitempty"`
	ConnectedAt *time.Time `json:"connected_at,omitempty"`
	// AbandonMessageAt is when the campaign's abandon message was played
	// to the person (abandoned only).
	AbandonMessageAt *time.Time `json:"abandon_message_at,omitempty"`
}

// WrapupReport is an agent's wrap-up code.
type WrapupReport struct {
	Business string `json:"business" required:"true"`
	Agent    string `json:"agent"`
}

// CloseRequest closes contacts; for a campaign, by number or external key.
type CloseRequest struct {
	Reason      string `json:"reason"`
	Number      string `json:"number,omitempty"`
	ExternalKey string `json:"external_key,omitempty"`
}

// contacts serves contacts, attempts and the reports that end attempts.
type contacts struct {
	contacts *contact.Service
	links    WorkflowLinks
}

func registerContacts(r *routes, h *contacts) {
	const tag = "Contacts"
	r.handle(http.MethodGet, "/contacts/:id", op{summary: "A contact: fields, numbers, status, counters and attempts", tag: tag, response: ContactDetail{}}, h.get)
	r.handle(http.MethodGet, "/contacts/:id/eligibility", op{summary: "Whether the contact can be dialed now, and if not why and until when", tag: tag, response: contact.Verdict{}}, h.eligibility)
	r.handle(http.MethodPost, "/contacts/:id/release", op{summary: "Release the contact to be dialed now (what the pacer does); starts its workflow on first release", tag: tag, request: ReleaseRequest{}, response: map[string]string{}, status: http.StatusAccepted}, h.release)
	r.handle(http.MethodPost, "/contacts/:id/close", op{summary: "Close a contact: no more attempts", tag: tag, request: CloseRequest{}, response: map[string]any{}}, h.closeOne)
	r.handle(http.MethodPost, "/campaigns/:id/contacts/close", op{summary: "Close a campaign's contacts by number or external key, across its lists", tag: tag, request: CloseRequest{}, response: contact.Closed{}}, h.closeByKey)
	r.handle(http.MethodGet, "/attempts", op{summary: "List attempts, the latest first (without their evidence, which a contact's detail has); an agent's key sees its own", tag: tag, response: models.Page[models.Attempt]{},
		query: []string{"campaign_id", "agent_id", "from", "to", "outcome", "page", "per_page"}}, h.attempts)
	r.handle(http.MethodPost, "/attempts/:id/telephony-outcome", op{summary: "The dialer reports how a call ended (idempotent)", tag: tag, request: OutcomeReport{}, response: map[string]any{}}, h.telephonyOutcome)
	r.handle(http.MethodGet, "/attempts/:id/wrapup-codes", op{summary: "The wrap-up codes the attempt's agent may send: its campaign's outcome group's", tag: tag, response: WrapupCodes{}}, h.wrapupCodes)
	r.handle(http.MethodPost, "/attempts/:id/wrapup", op{summary: "The agent reports the wrap-up code (idempotent)", tag: tag, request: WrapupReport{}, response: map[string]any{}}, h.wrapup)
}

// WrapupCodes are an attempt's wrap-up codes, as an agent's desktop shows them.
type WrapupCodes struct {
	Codes []WrapupCode `json:"codes" doc:"The campaign's codes, in its outcome group's order; none when it has no group."`
}

// WrapupCode is one wrap-up code.
type WrapupCode struct {
	Name string `json:"name" doc:"The code, as the agent sends it."`
	Kind string `json:"kind" enum:"success,callback,failure" doc:"What the code does to the contact: success, callback (it is called again) or failure."`
}

func (h *contacts) wrapupCodes(c *gin.Context) {
	codes, err := h.contacts.WrapupCodes(c.Request.Context(), c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	out := WrapupCodes{Codes: make([]WrapupCode, 0, len(codes))}
	for _, code := range codes {
		out.Codes = append(out.Codes, WrapupCode{Name: code.Name, Kind: code.Kind})
	}
	c.JSON(http.StatusOK, out)
}

func (h *contacts) get(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	d, err := h.contacts.Get(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	ct := d.Contact
	out := ContactDetail{ContactView: viewContact(ct, h.links), Priority: ct.Priority, NextDueAt: ct.NextDueAt, AttemptCount: ct.AttemptCount,
		Counters: ct.Counters, Mode: ct.Mode, PCBAgent: ct.PCBAgent, PCBUntil: ct.PCBUntil, WaitingReason: ct.WaitingReason,
		ClosedReason: ct.ClosedReason, ClosedAt: ct.ClosedAt, WorkflowID: contract.ContactWorkflowID(ct.CampaignID, ct.ID), Attempts: d.Attempts}
	if len(out.Counters) == 0 {
		out.Counters = json.RawMessage("{}")
	}
	c.JSON(http.StatusOK, out)
}

func (h *contacts) eligibility(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	v, err := h.contacts.Eligibility(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// optionalJSON decodes a body that may be left out.
func optionalJSON(c *gin.Context, v any) error {
	if c.Request.ContentLength == 0 {
		return nil
	}
	return decodeJSON(c.Request.Body, v)
}

func (h *contacts) release(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	var req ReleaseRequest
	if err := optionalJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	wid, err := h.contacts.ReleaseNow(c.Request.Context(), id, req.Agent)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"workflow_id": wid})
}

func (h *contacts) closeOne(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	var req CloseRequest
	if err := optionalJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	changed, err := h.contacts.Close(c.Request.Context(), id, req.Reason)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"contact_id": id, "changed": changed})
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
	closed, err := h.contacts.CloseByKey(c.Request.Context(), campaignID, req.Number, req.ExternalKey, req.Reason)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, closed)
}

// reported answers a report of an attempt.
func reported(c *gin.Context, changed bool, err error) {
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"attempt_id": c.Param("id"), "changed": changed})
}

func (h *contacts) telephonyOutcome(c *gin.Context) {
	attempt, err := pathText(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	var req OutcomeReport
	if err := decodeJSON(c.Request.Body, &req); err != nil {
		fail(c, err)
		return
	}
	if req.AttemptID != "" && req.AttemptID != attempt {
		fail(c, fieldErrors{{Field: "attempt_id", Detail: "is " + strconv.Quote(req.AttemptID) + ", not the path's attempt " + strconv.Quote(attempt)}}.problem("report"))
		return
	}
	var times contact.CallTimes
	if req.AnsweredAt != nil {
		times.AnsweredAt = *req.AnsweredAt
	}
	if req.ConnectedAt != nil {
		times.ConnectedAt = *req.ConnectedAt
	}
	if req.AbandonMessageAt != nil {
		times.AbandonMessageAt = *req.AbandonMessageAt
	}
	changed, err := h.contacts.TelephonyOutcome(c.Request.Context(), attempt, req.Outcome, req.Agent, times)
	reported(c, changed, err)
}

func (h *contacts) wrapup(c *gin.Context) {
	attempt, err := pathText(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	var req WrapupReport
	if err := decodeJSON(c.Request.Body, &req); err != nil {
		fail(c, err)
		return
	}
	changed, err := h.contacts.Wrapup(c.Request.Context(), attempt, req.Business, req.Agent)
	reported(c, changed, err)
}

// attempts lists attempts by campaign, agent, start time and outcome,
// within what the key reaches.
func (h *contacts) attempts(c *gin.Context) {
	p, err := paging(c)
	if err != nil {
		fail(c, err)
		return
	}
	var q contact.AttemptQuery
	var e fieldErrors
	q.CampaignID = queryID(c, "campaign_id", &e)
	agent := queryID(c, "agent_id", &e)
	if t, ok := queryTime(c, &e, "from"); ok {
		q.From = &t
	}
	if t, ok := queryTime(c, &e, "to"); ok {
		q.To = &t
	}
	if q.Outcome, err = queryText(c, "outcome"); err != nil {
		fail(c, err)
		return
	}
	if err := e.problem("query"); err != nil {
		fail(c, err)
		return
	}
	key := requestKey(c)
	if key != nil && key.Role == models.RoleAgent && key.AgentID != nil {
		if agent != 0 && agent != *key.AgentID {
			fail(c, forbidden("an agent's key sees its own attempts only: agent_id "+strconv.FormatUint(*key.AgentID, 10)))
			return
		}
		agent = *key.AgentID
	}
	if key != nil && key.Role == models.RoleDialer {
		q.EntryPoint = key.EntryPointID
	}
	if agent != 0 {
		q.Agent = strconv.FormatUint(agent, 10)
	}
	q.Teams = keyTeams(c)
	out, err := h.contacts.Attempts(c.Request.Context(), q, p)
	reply(c, http.StatusOK, out, err)
}

// queryID reads an optional ID of the query; 0 when left out.
func queryID(c *gin.Context, name string, e *fieldErrors) uint64 {
	s := c.Query(name)
	if s == "" {
		return 0
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		e.add(name, "must be an ID, a whole number from 1 to %d, not %q", int64(math.MaxInt64), s)
		return 0
	}
	return uint64(id)
}
