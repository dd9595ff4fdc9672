package api_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/internal/stats"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/strategy"
)

// watchedAgents wraps the agent pool and fails the test if an agent is
// given a call while it is on one.
type watchedAgents struct {
	t    *testing.T
	pool dialer.Agents
	mu   sync.Mutex
	busy map[string]bool
}

func (w *watchedAgents) Reserve(ctx context.Context, campaignID uint64, preferred string) (string, bool, error) {
	agent, ok, err := w.pool.Reserve(ctx, campaignID, preferred)
	if ok {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.busy[agent] {
			w.t.Errorf("agent %s was offered a call while on one", agent)
		}
		w.busy[agent] = true
	}
	return agent, ok, err
}

func (w *watchedAgents) AtDesk(ctx context.Context, agent string) (bool, error) {
	return w.pool.AtDesk(ctx, agent)
}

func (w *watchedAgents) SetState(ctx context.Context, agent, state string) error {
	if state == models.AgentAvailable {
		w.mu.Lock()
		w.busy[agent] = false
		w.mu.Unlock()
	}
	return w.pool.SetState(ctx, agent, state)
}

// watchedDialer records every call request before the simulator plays it.
type watchedDialer struct {
	inner dialer.Dialer
	mu    sync.Mutex
	calls []dialer.CallRequest
}

func (d *watchedDialer) Dial(ctx context.Context, req dialer.CallRequest) error {
	d.mu.Lock()
	d.calls = append(d.calls, req)
	d.mu.Unlock()
	return d.inner.Dial(ctx, req)
}

func (d *watchedDialer) numbers() map[string]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string]int{}
	for _, c := range d.calls {
		out[c.Number]++
	}
	return out
}

type campaignWorld struct {
	tc     client.Client
	queue  string
	h      *harness
	db     *models.DB
	dialer *watchedDialer
}

// newCampaignWorld runs a worker whose dialer is the simulator on a fast
// clock, with the given outcomes, and loads the seed's configuration; edits
// change the simulated world.
func newCampaignWorld(t *testing.T, outcomes, business map[string]float64, edits ...func(*dialer.SimulatorConfig)) *campaignWorld {
	db := testenv.DB(t)
	tc := testenv.Temporal(t)
	queue := testenv.TaskQueue(t)
	var d *watchedDialer
	startWorker(t, db, tc, queue, func(svc *services.Services) dialer.Dialer {
		agents := &watchedAgents{t: t, pool: svc.Agents, busy: map[string]bool{}}
		sim := &dialer.Simulator{Agents: agents, Reports: contact.Reports{Service: svc.Contacts}, Config: dialer.SimulatorConfig{
			Outcomes: outcomes, Business: business, Ring: dialer.Span{Min: time.Second, Max: 5 * time.Second},
			Talk: dialer.Span{Min: 10 * time.Second, Max: 30 * time.Second}, WrapUp: dialer.Span{Min: time.Second, Max: 3 * time.Second}, Speed: 200, Seed: 3}}
		for _, edit := range edits {
			edit(&sim.Config)
		}
		sim.Start(t.Context())
		d = &watchedDialer{inner: sim}
		return d
	})
	h := newHarnessWith(t, db, tc, queue)
	require.NoError(t, loadDemo(h))
	// Retries come at once, so the campaign finishes within the test.
	require.NoError(t, db.Exec("UPDATE strategy_rules SET reschedule = '0:0:0'").Error)
	require.NoError(t, db.Exec("UPDATE business_outcomes SET reschedule = '0:0:0'").Error)
	return &campaignWorld{tc: tc, queue: queue, h: h, db: db, dialer: d}
}

func (w *campaignWorld) campaign(name string) uint64 {
	_, found := w.h.call(http.MethodGet, "/api/v1/campaigns?q="+name, nil)
	return uint64(found["items"].([]any)[0].(map[string]any)["id"].(float64))
}

func (w *campaignWorld) addContacts(campaign uint64, numbers ...string) []uint64 {
	var contacts []any
	for _, n := range numbers {
		contacts = append(contacts, map[string]any{"numbers": map[string]any{"Mobile": n}})
	}
	status, out := w.h.call(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/contacts", campaign), map[string]any{"contacts": contacts})
	require.Equal(w.h.t, http.StatusOK, status, "%v", out)
	var ids []uint64
	for _, r := range out["contacts"].([]any) {
		m := r.(map[string]any)
		require.Equal(w.h.t, "uploaded", m["status"], "%v", m)
		ids = append(ids, uint64(m["contact_id"].(float64)))
	}
	return ids
}

func (w *campaignWorld) agentsAvailable(names ...string) {
	for _, n := range names {
		_, found := w.h.call(http.MethodGet, "/api/v1/agents?q="+n, nil)
		id := uint64(found["items"].([]any)[0].(map[string]any)["id"].(float64))
		status, out := w.h.call(http.MethodPut, fmt.Sprintf("/api/v1/agents/%d/state", id), map[string]any{"state": "available"})
		require.Equal(w.h.t, http.StatusOK, status, "%v", out)
	}
}

// dialAll adds n contacts to campaign, makes Agent2 and Agent3 available,
// starts the campaign and waits until every contact has closed; it
// returns the contacts.
func (w *campaignWorld) dialAll(campaign uint64, n int) []uint64 {
	return w.dialAllWith(campaign, "469-335", n, []string{"Agent2", "Agent3"}, 2*time.Minute)
}

// dialAllWith is dialAll with numbers of the exchange, the agents named,
// and within for the campaign to finish.
func (w *campaignWorld) dialAllWith(campaign uint64, exchange string, n int, agents []string, within time.Duration) []uint64 {
	t := w.h.t
	var numbers []string
	for i := range n {
		numbers = append(numbers, fmt.Sprintf("%s-%04d", exchange, i+1))
	}
	ids := w.addContacts(campaign, numbers...)
	w.agentsAvailable(agents...)
	status, out := w.h.call(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/start", campaign), nil)
	require.Equal(t, http.StatusOK, status, "%v", out)
	require.Eventually(t, func() bool {
		var open int64
		require.NoError(t, w.db.Model(&models.Contact{}).Where("id IN ? AND status <> 'closed'", ids).Count(&open).Error)
		return open == 0
	}, within, 50*time.Millisecond, "the campaign did not finish")
	return ids
}

func (w *campaignWorld) attemptCount() int64 {
	var n int64
	require.NoError(w.h.t, w.db.Model(&models.Attempt{}).Count(&n).Error)
	return n
}

// checkNoOverlap: no contact was dialed twice at once.
func (w *campaignWorld) checkNoOverlap(t *testing.T) {
	var attempts []models.Attempt
	require.NoError(t, w.db.Order("contact_id, seq").Find(&attempts).Error)
	for i := 1; i < len(attempts); i++ {
		prev, cur := attempts[i-1], attempts[i]
		if prev.ContactID != cur.ContactID {
			continue
		}
		require.NotNil(t, prev.EndedAt)
		require.False(t, cur.StartedAt.Before(*prev.EndedAt), "contact %d: attempt %d began before attempt %d ended", cur.ContactID, cur.Seq, prev.Seq)
	}
}

// TestProgressiveCampaignEndToEnd runs the seed's kris_progressive on the
// simulator: every call reaches a person who asks for a callback until the
// Callback Requested rule (max retry 3) closes the contact, so each contact
// takes exactly four attempts. A DNC number and a contact outside its
// calling window are never dialed; a paused campaign releases nothing.
func TestProgressiveCampaignEndToEnd(t *testing.T) {
	w := newCampaignWorld(t, map[string]float64{"voice": 1}, map[string]float64{"Callback Requested": 1})
	campaign := w.campaign("kris_progressive")
	var numbers []string
	for i := range 12 {
		numbers = append(numbers, fmt.Sprintf("469-334-%04d", i+1))
	}
	ids := w.addContacts(campaign, numbers...)
	dnc := w.addContacts(campaign, "469-334-9999")[0]
	w.h.create("/api/v1/dnc-lists", map[string]any{"name": "Litigators", "category": "litigation", "entries": []any{map[string]any{"number": "469-334-9999"}}})
	// A Singapore contact whose zone's calling hours are closed right now.
	singapore, err := time.LoadLocation("Asia/Singapore")
	require.NoError(t, err)
	opens := time.Now().In(singapore).Add(3 * time.Hour)
	// The seed's "(UTC+08:00) Kuala Lumpur Singapore" governs Asia/Singapore:
	// enable it, with hours that open later.
	_, found := w.h.call(http.MethodGet, "/api/v1/timezones?q=Singapore", nil)
	sg := found["items"].([]any)[0].(map[string]any)
	zoneStatus, zone := w.h.call(http.MethodPut, fmt.Sprintf("/api/v1/timezones/%d", uint64(sg["id"].(float64))), map[string]any{
		"display_name": sg["display_name"], "enabled": true, "start_time": opens.Format("15:04"), "end_time": opens.Add(time.Hour).Format("15:04")})
	require.Equal(t, http.StatusOK, zoneStatus, "%v", zone)
	closed := w.addContacts(campaign, "+65 6123 4567")[0]

	w.agentsAvailable("Agent2", "Agent3")
	status, out := w.h.call(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/start", campaign), nil)
	require.Equal(t, http.StatusOK, status, "%v", out)
	require.Equal(t, "active", out["status"])

	// Pause once some calls have gone out: nothing new starts.
	require.Eventually(t, func() bool { return w.attemptCount() >= 8 }, time.Minute, 20*time.Millisecond)
	status, out = w.h.call(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/pause", campaign), nil)
	require.Equal(t, http.StatusOK, status, "%v", out)
	var released int64
	require.NoError(t, w.db.Model(&models.Contact{}).Where("status = 'released'").Count(&released).Error)
	atPause := w.attemptCount() + released
	require.Never(t, func() bool { return w.attemptCount() > atPause }, 2*time.Second, 50*time.Millisecond, "a paused campaign released contacts")
	status, out = w.h.call(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/resume", campaign), nil)
	require.Equal(t, http.StatusOK, status, "%v", out)

	require.Eventually(t, func() bool {
		var open int64
		require.NoError(t, w.db.Model(&models.Contact{}).Where("id IN ? AND status <> 'closed'", append(ids, dnc)).Count(&open).Error)
		return open == 0
	}, 2*time.Minute, 50*time.Millisecond, "the campaign did not finish")

	for _, id := range ids {
		var n int64
		require.NoError(t, w.db.Model(&models.Attempt{}).Where("contact_id = ? AND telephony_outcome = 'voice' AND business_outcome = 'Callback Requested'", id).Count(&n).Error)
		require.EqualValues(t, 4, n, "contact %d", id)
	}
	// An attempt prepared as the campaign paused is refused at its dial:
	// it ends as error, never sent, and the strategy decides what is next.
	var refused []models.Attempt
	require.NoError(t, w.db.Where("telephony_outcome = 'error'").Find(&refused).Error)
	for _, a := range refused {
		require.Contains(t, a.Decision, "is paused", "attempt %s", a.ID)
	}
	require.EqualValues(t, 4*len(ids)+len(refused), w.attemptCount())
	w.dialer.mu.Lock()
	require.Len(t, w.dialer.calls, 4*len(ids), "one call per dialed attempt")
	w.dialer.mu.Unlock()
	w.checkNoOverlap(t)
	calls := w.dialer.numbers()
	require.Zero(t, calls["+14693349999"], "a DNC number was dialed")
	require.Zero(t, calls["+6561234567"], "a contact outside its window was dialed")
	var c models.Contact
	require.NoError(t, w.db.First(&c, dnc).Error)
	require.Contains(t, c.ClosedReason, "on DNC list Litigators")
	// Outside its window the contact stays a row: the pacer releases only
	// contacts whose window is open in their own zone.
	var waiting models.Contact
	require.NoError(t, w.db.First(&waiting, closed).Error)
	require.Equal(t, models.ContactNew, waiting.Status)
	_, elig := w.h.call(http.MethodGet, fmt.Sprintf("/api/v1/contacts/%d/eligibility", closed), nil)
	require.Equal(t, "wait", elig["action"], "%v", elig)
	require.Contains(t, elig["reason"], "Asia/Singapore")
	require.Equal(t, "Asia/Singapore", elig["time_zone"])
	require.Equal(t, sg["id"], elig["zone_rows"].([]any)[0].(map[string]any)["time_zone_id"])

	status, out = w.h.call(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/stop", campaign), nil)
	require.Equal(t, http.StatusOK, status, "%v", out)
	require.Equal(t, "stopped", out["status"])
	run := w.tc.GetWorkflow(context.Background(), contract.CampaignWorkflowID(campaign), "")
	require.NoError(t, run.Get(context.Background(), nil), "the campaign workflow ends when stopped")
	if *record {
		testenv.WriteHistory(t, w.tc, contract.CampaignWorkflowID(campaign), "", "../workflows/testdata/campaign.json")
	}
}

// TestSimulatedCampaignWrapsUpWithItsOwnCodes: kris_progressive given an
// outcome group of its own gets only that group's wrap-up codes from the
// simulator, though the simulator's configuration names the seed's, and
// its contacts follow those codes' rules to the end. An agent's desktop is
// held to the same codes.
func TestSimulatedCampaignWrapsUpWithItsOwnCodes(t *testing.T) {
	w := newCampaignWorld(t, map[string]float64{"voice": 1}, map[string]float64{"Sale": 0.3, "Callback Requested": 0.4, "Follow-Up": 0.2, "Closed": 0.1})
	campaign := w.campaign("kris_progressive")
	outcome := func(name, typ string, maxRetry int, closes bool) map[string]any {
		return map[string]any{"name": name, "type": typ, "reschedule": "0:0:0", "max_retry": maxRetry, "priority": 0, "close_contact": closes}
	}
	group := w.h.create("/api/v1/outcome-groups", map[string]any{"name": "Renewals", "outcomes": []any{
		outcome("Renewed", "success", 0, true), outcome("Ring Back", "failure", 1, false), outcome("Wrong Person", "failure", 0, true),
	}})
	require.NoError(t, w.db.Exec("UPDATE campaigns SET outcome_group_id = ?, updated_at = now() WHERE id = ?", group, campaign).Error)
	ids := w.dialAll(campaign, 10)

	var attempts []models.Attempt
	require.NoError(t, w.db.Where("contact_id IN ?", ids).Find(&attempts).Error)
	codes := map[string]int{}
	for _, a := range attempts {
		require.Equal(t, "voice", a.TelephonyOutcome, "attempt %s", a.ID)
		require.Contains(t, []string{"Renewed", "Ring Back", "Wrong Person"}, a.BusinessOutcome, "attempt %s", a.ID)
		codes[a.BusinessOutcome]++
	}
	require.Greater(t, len(codes), 1, "a mix of the group's codes: %v", codes)
	w.checkNoOverlap(t)

	status, out := w.h.call(http.MethodPost, "/api/v1/attempts/"+attempts[0].ID+"/wrapup", map[string]any{"business": "Sale"})
	requireProblem(t, status, out, http.StatusUnprocessableEntity, "business")
}

// TestPreviewCampaignEndToEnd: an agent of krisSalesTeam works through
// krisDemoPreview's cards, skipping every third; a skipped contact comes
// back (skip is an outcome like any other) and is accepted the next time.
// Every accepted call reaches the person and ends with Sale.
func TestPreviewCampaignEndToEnd(t *testing.T) {
	w := newCampaignWorld(t, map[string]float64{"voice": 1}, map[string]float64{"Sale": 1})
	campaign := w.campaign("krisDemoPreview")
	require.NoError(t, w.db.Exec("UPDATE campaigns SET default_delay = '0:0:0' WHERE id = ?", campaign).Error)
	var numbers []string
	for i := range 6 {
		numbers = append(numbers, fmt.Sprintf("212-334-%04d", i+1))
	}
	ids := w.addContacts(campaign, numbers...)
	status, out := w.h.call(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/start", campaign), nil)
	require.Equal(t, http.StatusOK, status, "%v", out)
	_, found := w.h.call(http.MethodGet, "/api/v1/agents?q=Agent1", nil)
	agent := uint64(found["items"].([]any)[0].(map[string]any)["id"].(float64))
	w.agentsAvailable("Agent1")

	// A disabled campaign group offers no cards.
	require.NoError(t, w.db.Exec("UPDATE campaign_groups SET enabled = false WHERE name = 'PREV_krisDemoPreview'").Error)
	status, out = w.h.call(http.MethodPost, fmt.Sprintf("/api/v1/agents/%d/preview", agent), nil)
	require.Equal(t, http.StatusOK, status, "%v", out)
	require.Nil(t, out["preview"])
	require.Contains(t, out["reason"], "0 active preview campaign(s)")
	require.NoError(t, w.db.Exec("UPDATE campaign_groups SET enabled = true WHERE name = 'PREV_krisDemoPreview'").Error)

	skips, cards := 0, 0
	for {
		require.Eventually(t, func() bool {
			_, a := w.h.call(http.MethodGet, fmt.Sprintf("/api/v1/agents/%d", agent), nil)
			return a["state"] == "available" || a["state"] == "idle"
		}, 30*time.Second, 20*time.Millisecond)
		var card map[string]any
		require.Eventually(t, func() bool {
			status, card = w.h.call(http.MethodPost, fmt.Sprintf("/api/v1/agents/%d/preview", agent), nil)
			require.Equal(t, http.StatusOK, status, "%v", card)
			if card["preview"] != nil {
				return true
			}
			// Nothing due: done once every contact is closed.
			var open int64
			require.NoError(t, w.db.Model(&models.Contact{}).Where("id IN ? AND status <> 'closed'", ids).Count(&open).Error)
			return open == 0
		}, 30*time.Second, 20*time.Millisecond)
		if card["preview"] == nil {
			break
		}
		cards++
		require.NotEmpty(t, card["contact"].(map[string]any)["numbers"])
		preview := uint64(card["preview"].(map[string]any)["id"].(float64))
		action := "accept"
		if cards%3 == 0 {
			action, skips = "skip", skips+1
		}
		status, out = w.h.call(http.MethodPost, fmt.Sprintf("/api/v1/previews/%d/%s", preview, action), nil)
		require.Equal(t, http.StatusOK, status, "%v", out)
		status, out = w.h.call(http.MethodPost, fmt.Sprintf("/api/v1/previews/%d/accept", preview), nil)
		requireProblem(t, status, out, http.StatusConflict, "state")
		if action == "skip" {
			// The skipped attempt is recorded before the next card.
			contact := uint64(card["contact"].(map[string]any)["id"].(float64))
			require.Eventually(t, func() bool {
				var n int64
				require.NoError(t, w.db.Model(&models.Attempt{}).Where("contact_id = ? AND telephony_outcome = 'skipped' AND ended_at IS NOT NULL", contact).Count(&n).Error)
				return n > 0
			}, 30*time.Second, 20*time.Millisecond)
		}
		require.Less(t, cards, 30, "the agent keeps getting cards")
	}
	require.Equal(t, len(ids)+skips, cards)
	require.EqualValues(t, len(ids)+skips, w.attemptCount())
	var sales int64
	require.NoError(t, w.db.Model(&models.Attempt{}).Where("business_outcome = 'Sale' AND agent = ?", fmt.Sprint(agent)).Count(&sales).Error)
	require.EqualValues(t, len(ids), sales)
	w.checkNoOverlap(t)
}

// TestCampaignCompletes: once its date range is over everywhere, a
// campaign is completed and every open contact closes with the reason,
// those waiting on a timer through their workflows and those never dialed
// in PostgreSQL; the campaign's workflow ends.
func TestCampaignCompletes(t *testing.T) {
	w := newCampaignWorld(t, map[string]float64{"answer-machine": 1}, map[string]float64{"Sale": 1})
	campaign := w.campaign("kris_progressive")
	// An answer-machine comes back tomorrow: dialed contacts wait on a timer.
	require.NoError(t, w.db.Exec("UPDATE strategy_rules SET reschedule = '1:0:0'").Error)
	var numbers []string
	for i := range 6 {
		numbers = append(numbers, fmt.Sprintf("469-334-%04d", i+1))
	}
	ids := w.addContacts(campaign, numbers...)
	w.agentsAvailable("Agent2")
	status, out := w.h.call(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/start", campaign), nil)
	require.Equal(t, http.StatusOK, status, "%v", out)
	require.Eventually(t, func() bool {
		var scheduled int64
		require.NoError(t, w.db.Model(&models.Contact{}).Where("id IN ? AND status = 'scheduled'", ids).Count(&scheduled).Error)
		return scheduled >= 2
	}, time.Minute, 20*time.Millisecond)

	require.NoError(t, w.db.Exec("UPDATE campaigns SET start_date = '2020-01-01', end_date = '2020-12-31' WHERE id = ?", campaign).Error)
	run := w.tc.GetWorkflow(context.Background(), contract.CampaignWorkflowID(campaign), "")
	require.NoError(t, run.Get(context.Background(), nil), "the campaign workflow ends")
	status, out = w.h.call(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d", campaign), nil)
	require.Equal(t, http.StatusOK, status, "%v", out)
	require.Equal(t, "completed", out["status"])
	require.Eventually(t, func() bool {
		var open int64
		require.NoError(t, w.db.Model(&models.Contact{}).Where("id IN ? AND status <> 'closed'", ids).Count(&open).Error)
		return open == 0
	}, 30*time.Second, 20*time.Millisecond)
	var contacts []models.Contact
	require.NoError(t, w.db.Where("id IN ?", ids).Find(&contacts).Error)
	dialed := 0
	for _, c := range contacts {
		// A contact released just before the change closes on its own check.
		require.Contains(t, c.ClosedReason, "date range 2020-01-01..2020-12-31", "contact %d", c.ID)
		if c.AttemptCount > 0 {
			dialed++
		}
	}
	require.Positive(t, dialed, "some closed through their workflows")
	require.Less(t, dialed, len(ids), "some were never dialed")
}

// TestProgressivePersonalCallbacksEndToEnd: every call reaches a person
// who asks the agent to call back (Callback Requested, retaining the
// personal callback), so every later attempt of a contact is placed for
// the agent who took its first call, whichever other agent is free (issue
// 13, finding 8); the watched agents are never given two calls at once.
func TestProgressivePersonalCallbacksEndToEnd(t *testing.T) {
	w := newCampaignWorld(t, map[string]float64{"voice": 1}, map[string]float64{"Callback Requested": 1})
	require.NoError(t, w.db.Exec("UPDATE business_outcomes SET retain_pcb = true WHERE name = 'Callback Requested'").Error)
	campaign := w.campaign("kris_progressive")
	ids := w.dialAll(campaign, 8)

	for _, id := range ids {
		var attempts []models.Attempt
		require.NoError(t, w.db.Where("contact_id = ?", id).Order("seq").Find(&attempts).Error)
		require.Len(t, attempts, 4, "contact %d", id)
		for _, at := range attempts {
			require.NotEmpty(t, at.Agent)
			require.Equal(t, attempts[0].Agent, at.Agent, "contact %d, attempt %d: its personal callback went to another agent", id, at.Seq)
		}
	}
	calls := map[string]string{}
	w.dialer.mu.Lock()
	for _, c := range w.dialer.calls {
		calls[c.AttemptID] = c.Agent
	}
	w.dialer.mu.Unlock()
	var callbacks []models.Attempt
	require.NoError(t, w.db.Where("contact_id IN ? AND seq > 1", ids).Find(&callbacks).Error)
	for _, at := range callbacks {
		require.Equal(t, at.Agent, calls[at.ID], "attempt %s was requested for its agent", at.ID)
	}
	w.checkNoOverlap(t)
}

// TestPredictiveCampaignEndToEnd runs a predictive campaign on the
// simulator: ten agents, half the calls answered by a person, every outcome
// closing its contact, talks log-normal as the campaign's own world says.
// The campaign called earlier today (2,000 calls answered by a person, none
// abandoned, more than an hour ago), so its budget lets the pacer place
// more calls than there are free agents, and some are abandoned. Its
// statistics show the pacer and a 30-day abandon rate under target; every
// abandoned call had the campaign's message played within the 2-s grace of
// the answer; no unanswered call was given up before the campaign's
// min_ring_seconds (20; 15 is the legal least) of ringing;
// every talk's end is recorded apart from its wrap-up; no contact was
// dialed twice at once. The world runs 20 times faster than real time, so
// its 2 s are 100 ms here and its 20 s are 1 s.
func TestPredictiveCampaignEndToEnd(t *testing.T) {
	const speed = 20
	w := newCampaignWorld(t, map[string]float64{"busy": 1}, map[string]float64{"Sale": 1}, func(c *dialer.SimulatorConfig) {
		c.Speed = speed
		c.Campaigns = map[string]dialer.CampaignWorld{"kris_predictive": {Outcomes: map[string]float64{"voice": 0.5, "answer-machine": 0.2, "no-answer": 0.3},
			Talk: dialer.Span{Mean: 20 * time.Second, Sigma: 0.5}, WrapUp: dialer.Span{Min: 2 * time.Second, Max: 6 * time.Second}}}
	})
	var rules []any
	for _, o := range strategy.TelephonyOutcomes {
		rules = append(rules, map[string]any{"telephony_outcome": o, "reschedule": "0:0:0", "max_retry": 0, "close_contact": true})
	}
	strategyID := w.h.create("/api/v1/contact-strategies", map[string]any{"name": "one call each", "rules": rules})
	team := w.h.create("/api/v1/teams", map[string]any{"name": "predictive"})
	var agents []string
	for i := range 10 {
		name := fmt.Sprintf("PredictiveAgent%02d", i+1)
		w.h.create("/api/v1/agents", map[string]any{"name": name, "team_id": team})
		agents = append(agents, name)
	}
	// The campaign's "today" is in its own zone: one where the calls of
	// more than an hour ago were made today, whatever the hour.
	zone := ""
	for _, z := range []string{"Europe/London", "Asia/Tokyo"} {
		loc, err := time.LoadLocation(z)
		require.NoError(t, err)
		if h := time.Now().In(loc).Hour(); h >= 2 && h < 22 {
			zone = z
			break
		}
	}
	zoneID := w.h.create("/api/v1/timezones", map[string]any{"display_name": "Predictive's day", "iana_zone": zone})
	_, progressive := w.h.call(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d", w.campaign("kris_progressive")), nil)
	body := map[string]any{"name": "kris_predictive", "pacing_mode": "predictive", "time_zone_id": zoneID,
		"daily_start_time": "00:00", "daily_end_time": "23:59", "entry_point_id": progressive["entry_point_id"],
		"contact_strategy_id": strategyID, "outcome_group_id": progressive["outcome_group_id"], "team_ids": []any{team}}
	status, out := w.h.call(http.MethodPost, "/api/v1/campaigns", body)
	require.Equal(t, http.StatusUnprocessableEntity, status, "a predictive campaign without an abandon message: %v", out)
	require.Contains(t, fmt.Sprint(out), "abandon_message")
	body["abandon_message"] = "This was Kris Outdial, 469 555 0100, with an offer; we will call again."
	body["min_ring_seconds"] = 10
	status, out = w.h.call(http.MethodPost, "/api/v1/campaigns", body)
	require.Equal(t, http.StatusUnprocessableEntity, status, "a campaign that gives up unanswered calls after 10 s: %v", out)
	require.Contains(t, fmt.Sprint(out), "min_ring_seconds")
	body["min_ring_seconds"] = 20
	campaign := w.h.create("/api/v1/campaigns", body)
	testenv.AnsweredEarlier(t, w.db, campaign, 2000, time.Now().Add(-70*time.Minute))
	ids := w.dialAllWith(campaign, "469-336", 300, agents, 4*time.Minute)
	w.checkNoOverlap(t)

	_, figures := w.h.call(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/stats", campaign), nil)
	pacer, ok := figures["pacer"].(map[string]any)
	require.True(t, ok, "a predictive campaign's statistics show its pacer: %v", figures)
	require.Contains(t, pacer, "period_budget")
	require.Equal(t, 3.0, pacer["target_percent"])
	require.Positive(t, pacer["estimated_from"], "the estimates read the campaign's attempts")
	period := figures["abandon_rate"].(map[string]any)["period"].(map[string]any)
	require.LessOrEqual(t, period["rate"].(float64), 0.03, "the abandon rate is over the campaign's target")

	var run []models.Attempt
	require.NoError(t, w.db.Where("contact_id IN ?", ids).Find(&run).Error)
	answered, abandoned, talks := 0, 0, 0
	for _, a := range run {
		switch a.TelephonyOutcome {
		case "abandoned":
			abandoned++
			answered++
			require.NotNil(t, a.AnsweredAt, "attempt %s", a.ID)
			require.NotNil(t, a.AbandonMessageAt, "attempt %s: abandoned without its message", a.ID)
			require.LessOrEqual(t, a.AbandonMessageAt.Sub(*a.AnsweredAt), stats.ConnectWithin/speed, "attempt %s: the message came too late", a.ID)
		case "voice":
			answered++
			require.NotNil(t, a.ConnectedAt, "attempt %s", a.ID)
			require.LessOrEqual(t, a.ConnectedAt.Sub(*a.AnsweredAt), stats.ConnectWithin/speed, "attempt %s: connected after the grace", a.ID)
			if a.TalkEndedAt != nil {
				talks++
				require.False(t, a.TalkEndedAt.Before(*a.ConnectedAt) || a.TalkEndedAt.After(*a.EndedAt), "attempt %s: the talk ended outside the call", a.ID)
			}
		case "no-answer":
			require.GreaterOrEqual(t, a.EndedAt.Sub(*a.DialAcceptedAt), 20*time.Second/speed, "attempt %s: given up before the campaign's 20 s of ringing", a.ID)
		}
	}
	t.Logf("this run: %d attempts, %d answered by a person, %d abandoned; 30-day period: %v answered, %v abandoned, rate %.4f; pacer %v",
		len(run), answered, abandoned, period["answered"], period["abandoned"], period["rate"], pacer)
	require.Positive(t, abandoned, "the pacer placed no more calls than its agents could take, so nothing above was put to the test")
	require.Greater(t, talks, answered/2, "the talks' ends were not recorded apart from their wrap-ups")
}
