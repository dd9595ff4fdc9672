package api_test

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/outdial/outdial/activities"
	"github.com/outdial/outdial/dialer"
	contactpkg "github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/internal/listimport"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/worker"
)

var record = flag.Bool("record", false, "write the contact workflow's history to workflows/testdata for its replay test")

type nopDialer struct{}

func (nopDialer) Dial(context.Context, dialer.CallRequest) error { return nil }

// startWorker runs a worker on queue over services of its own, whose
// simulator dialer is what dial makes of them, and returns the services.
func startWorker(t *testing.T, db *models.DB, tc client.Client, queue string, dial func(*services.Services) dialer.Dialer) *services.Services {
	svc := services.New(db, tc, queue)
	svc.Contacts.Dialers = dialer.Registry{"simulator": dial(svc)}
	w := worker.New(tc, worker.Config{TaskQueue: queue}, worker.NewActivities(svc, &activities.Import{Lists: listimport.New(db)}))
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	return svc
}

// seedWithWorker runs a worker whose simulator dialer is d and an API on
// db, loads the seed's configuration, and returns kris_progressive's ID.
// The campaign is active, as if started, but without its pacer: these
// tests release its contacts themselves.
func seedWithWorker(t *testing.T, db *models.DB, tc client.Client, dial func(*services.Services) dialer.Dialer) (*harness, uint64) {
	h, campaign := seedDraftWithWorker(t, db, tc, dial)
	require.NoError(t, db.Exec("UPDATE campaigns SET status = 'active' WHERE id = ?", campaign).Error)
	return h, campaign
}

// seedDraftWithWorker is seedWithWorker with kris_progressive left a draft.
func seedDraftWithWorker(t *testing.T, db *models.DB, tc client.Client, dial func(*services.Services) dialer.Dialer) (*harness, uint64) {
	queue := testenv.TaskQueue(t)
	startWorker(t, db, tc, queue, dial)
	h := newHarnessWith(t, db, tc, queue)
	require.NoError(t, loadDemo(h))
	_, found := h.call(http.MethodGet, "/api/v1/campaigns?q=kris_progressive", nil)
	return h, uint64(found["items"].([]any)[0].(map[string]any)["id"].(float64))
}

// TestContactLifecycle drives one contact through the API on the real
// Temporal server: release, reports from the dialer and the agent (each
// sent twice: a repeat changes nothing), the contact's story, eligibility
// while it waits, and close.
func TestContactLifecycle(t *testing.T) {
	db := testenv.DB(t)
	tc := testenv.Temporal(t)
	h, campaign := seedWithWorker(t, db, tc, func(*services.Services) dialer.Dialer { return nopDialer{} })
	status, out := h.call(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/contacts", campaign), map[string]any{"contacts": []any{
		map[string]any{"external_key": "48", "numbers": map[string]any{"Mobile": "469-562-2405"}},
		map[string]any{"external_key": "49", "numbers": map[string]any{"Mobile": "469-562-2406"}},
	}})
	require.Equal(t, http.StatusOK, status, "%v", out)
	contact := uint64(out["contacts"].([]any)[0].(map[string]any)["contact_id"].(float64))
	other := uint64(out["contacts"].([]any)[1].(map[string]any)["contact_id"].(float64))
	path := fmt.Sprintf("/api/v1/contacts/%d", contact)

	_, elig := h.call(http.MethodGet, path+"/eligibility", nil)
	require.Equal(t, "dial", elig["action"], "%v", elig)
	require.Contains(t, elig["reason"], "waiting for the pacer")

	status, out = h.call(http.MethodPost, path+"/release", map[string]any{})
	require.Equal(t, http.StatusAccepted, status, "%v", out)
	require.Equal(t, fmt.Sprintf("contact/%d/%d", campaign, contact), out["workflow_id"])
	attempt := contactpkg.AttemptID(contact, 1)
	waitForAttempt(t, db, attempt)

	report := "/api/v1/attempts/" + attempt + "/telephony-outcome"
	status, out = h.call(http.MethodPost, report, map[string]any{"outcome": "Answer-Machine"})
	require.Equal(t, http.StatusOK, status, "%v", out)
	require.Equal(t, true, out["changed"])
	status, out = h.call(http.MethodPost, report, map[string]any{"outcome": "answer-machine"})
	require.Equal(t, http.StatusOK, status, "%v", out)
	require.Equal(t, false, out["changed"])
	status, out = h.call(http.MethodPost, report, map[string]any{"outcome": "busy"})
	requireProblem(t, status, out, http.StatusConflict, "telephony")
	status, out = h.call(http.MethodPost, report, map[string]any{"outcome": "hung-up"})
	requireProblem(t, status, out, http.StatusUnprocessableEntity, "outcome")
	status, out = h.call(http.MethodPost, "/api/v1/attempts/nope-1/telephony-outcome", map[string]any{"outcome": "busy"})
	requireProblem(t, status, out, http.StatusNotFound, "")

	var detail map[string]any
	require.Eventually(t, func() bool {
		_, detail = h.call(http.MethodGet, path, nil)
		return detail["status"] == "scheduled"
	}, 30*time.Second, 50*time.Millisecond)
	require.Equal(t, 1.0, detail["attempt_count"])
	attempts := detail["attempts"].([]any)
	require.Len(t, attempts, 1)
	first := attempts[0].(map[string]any)
	require.Equal(t, "answer-machine", first["telephony_outcome"])
	require.Contains(t, first["decision"], "answer-machine retried 1 of 1")
	require.Equal(t, "+14695622405", first["number"])
	require.NotNil(t, detail["next_due_at"])
	// The attempt keeps what its checks saw as the request left.
	evidence := first["evidence"].(map[string]any)
	require.Equal(t, "+14695622405", evidence["number"])
	zone := evidence["zones"].([]any)[0].(map[string]any)
	require.Equal(t, "America/Chicago", zone["zone"])
	require.NotEmpty(t, zone["local_time"])
	require.NotEmpty(t, zone["windows"])
	require.NotEmpty(t, zone["zone_rows"], "the configured time zone that applied")
	for _, w := range zone["windows"].([]any) {
		require.Equal(t, true, w.(map[string]any)["open"], "%v", w)
	}
	require.Empty(t, evidence["dnc"].(map[string]any)["held_by"])

	_, elig = h.call(http.MethodGet, path+"/eligibility", nil)
	require.Equal(t, "wait", elig["action"])
	require.Contains(t, elig["reason"], "rescheduled")
	require.NotEmpty(t, elig["until"])

	// On a DNC list, the other contact is explained as such.
	h.create("/api/v1/dnc-lists", map[string]any{"name": "Litigators", "category": "litigation", "entries": []any{map[string]any{"number": "469-562-2406"}}})
	_, elig = h.call(http.MethodGet, fmt.Sprintf("/api/v1/contacts/%d/eligibility", other), nil)
	require.Equal(t, "close", elig["action"])
	require.Contains(t, elig["reason"], "on DNC list Litigators")

	status, out = h.call(http.MethodPost, path+"/close", map[string]any{"reason": "asked not to be called"})
	require.Equal(t, http.StatusOK, status, "%v", out)
	require.Eventually(t, func() bool {
		_, detail = h.call(http.MethodGet, path, nil)
		return detail["status"] == "closed"
	}, 30*time.Second, 50*time.Millisecond)
	require.Equal(t, "asked not to be called", detail["closed_reason"])
	run := tc.GetWorkflow(context.Background(), detail["workflow_id"].(string), "")
	require.NoError(t, run.Get(context.Background(), nil))

	// Closing by external key across the campaign's lists; a never-dialed
	// contact closes without a workflow.
	status, out = h.call(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/contacts/close", campaign), map[string]any{"external_key": "49"})
	require.Equal(t, http.StatusOK, status, "%v", out)
	require.Equal(t, []any{float64(other)}, out["closed"])
	status, out = h.call(http.MethodPost, fmt.Sprintf("/api/v1/contacts/%d/release", other), map[string]any{})
	requireProblem(t, status, out, http.StatusConflict, "")

	if *record {
		testenv.WriteHistory(t, tc, detail["workflow_id"].(string), "", "../workflows/testdata/contact.json")
	}
}

// simulatedCall releases a contact of kris_progressive with the built-in
// simulator as its dialer, whose every call a person answers and an agent
// wraps up with business after talk; Agent3 is available to take it. It
// returns the API, the contact and the agent.
func simulatedCall(t *testing.T, business string, talk time.Duration) (*harness, uint64, uint64) {
	db := testenv.DB(t)
	tc := testenv.Temporal(t)
	h, campaign := seedWithWorker(t, db, tc, func(svc *services.Services) dialer.Dialer {
		sim := &dialer.Simulator{Agents: svc.Agents, Reports: contactpkg.Reports{Service: svc.Contacts},
			Config: dialer.SimulatorConfig{Outcomes: map[string]float64{"voice": 1}, Business: map[string]float64{business: 1},
				Ring: dialer.Span{Min: time.Second, Max: time.Second}, Talk: dialer.Span{Min: talk, Max: talk}, WrapUp: dialer.Span{Min: time.Second, Max: time.Second}, Speed: 100}}
		sim.Start(t.Context())
		return sim
	})
	_, agents := h.call(http.MethodGet, "/api/v1/agents?q=Agent3", nil)
	agent := uint64(agents["items"].([]any)[0].(map[string]any)["id"].(float64))
	status, out := h.call(http.MethodPut, fmt.Sprintf("/api/v1/agents/%d/state", agent), map[string]any{"state": "available"})
	require.Equal(t, http.StatusOK, status, "%v", out)
	_, out = h.call(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/contacts", campaign), map[string]any{"contacts": []any{
		map[string]any{"numbers": map[string]any{"Mobile": "469-562-2405"}}}})
	contact := uint64(out["contacts"].([]any)[0].(map[string]any)["contact_id"].(float64))
	status, out = h.call(http.MethodPost, fmt.Sprintf("/api/v1/contacts/%d/release", contact), map[string]any{})
	require.Equal(t, http.StatusAccepted, status, "%v", out)
	return h, contact, agent
}

// TestSimulatedCall: a person answers, a free agent of the campaign's
// team takes the call, talks, wraps up with Sale, and the contact closes;
// the agent is available again.
func TestSimulatedCall(t *testing.T) {
	h, contact, agent := simulatedCall(t, "Sale", time.Minute)
	var detail map[string]any
	require.Eventually(t, func() bool {
		_, detail = h.call(http.MethodGet, fmt.Sprintf("/api/v1/contacts/%d", contact), nil)
		return detail["status"] == "closed"
	}, 30*time.Second, 50*time.Millisecond)
	attempt := detail["attempts"].([]any)[0].(map[string]any)
	require.Equal(t, "voice", attempt["telephony_outcome"])
	require.Equal(t, "Sale", attempt["business_outcome"])
	require.Equal(t, fmt.Sprint(agent), attempt["agent"])
	require.Eventually(t, func() bool {
		_, a := h.call(http.MethodGet, fmt.Sprintf("/api/v1/agents/%d", agent), nil)
		return a["state"] == "available"
	}, 10*time.Second, 50*time.Millisecond)
}

// countingDialer counts the calls it is asked for.
type countingDialer struct{ calls atomic.Int64 }

func (d *countingDialer) Dial(context.Context, dialer.CallRequest) error {
	d.calls.Add(1)
	return nil
}

// TestReleaseOfAnInactiveCampaignsContact: a release, whoever sends it,
// dials only an active campaign's contacts. The draft campaign's contact
// waits, saying why, and no call is asked of the dialer; once the campaign
// is active, the next release dials it.
func TestReleaseOfAnInactiveCampaignsContact(t *testing.T) {
	db := testenv.DB(t)
	tc := testenv.Temporal(t)
	d := &countingDialer{}
	h, campaign := seedDraftWithWorker(t, db, tc, func(*services.Services) dialer.Dialer { return d })
	_, out := h.call(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/contacts", campaign), map[string]any{"contacts": []any{
		map[string]any{"numbers": map[string]any{"Mobile": "469-562-2405"}}}})
	contact := uint64(out["contacts"].([]any)[0].(map[string]any)["contact_id"].(float64))
	path := fmt.Sprintf("/api/v1/contacts/%d", contact)
	status, out := h.call(http.MethodPost, path+"/release", map[string]any{})
	require.Equal(t, http.StatusAccepted, status, "%v", out)
	// The contact's workflow checked it and went back to waiting for the
	// pacer, which releases only an active campaign's contacts.
	var detail map[string]any
	require.Eventually(t, func() bool {
		_, detail = h.call(http.MethodGet, path, nil)
		return detail["status"] == "ready"
	}, 30*time.Second, 50*time.Millisecond)
	require.Empty(t, detail["attempts"])
	require.Zero(t, d.calls.Load())
	_, elig := h.call(http.MethodGet, path+"/eligibility", nil)
	require.Equal(t, "wait", elig["action"], "%v", elig)
	require.Contains(t, elig["reason"], "campaign kris_progressive is draft")

	require.NoError(t, db.Exec("UPDATE campaigns SET status = 'active' WHERE id = ?", campaign).Error)
	status, out = h.call(http.MethodPost, path+"/release", map[string]any{})
	require.Equal(t, http.StatusAccepted, status, "%v", out)
	require.Eventually(t, func() bool { return d.calls.Load() == 1 }, 30*time.Second, 50*time.Millisecond)
}
