//go:build cluster

package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/strategy"
)

// The cluster suite (make test-cluster, scripts/test-cluster.sh): the
// script starts PostgreSQL and a Temporal server stored in it; the suite
// runs two `outdial worker` and two `outdial api` processes against them,
// which share nothing else. Its ports, each overridable from the
// environment.
var (
	clusterPGPort   = int(envInt("OUTDIAL_CLUSTER_PG_PORT", 55561))
	clusterTemporal = env("OUTDIAL_CLUSTER_TEMPORAL_ADDRESS", "127.0.0.1:7371")
	clusterAPIPort  = int(envInt("OUTDIAL_CLUSTER_API_PORT", 8371)) // and the next
)

const (
	// Contacts of each run's simulator and webhook campaigns.
	clusterSimContacts, clusterHookContacts = 150, 300
	clusterSimAgents, clusterHookAgents     = 6, 3
)

// TestCluster runs the same two campaigns twice on the cluster, one on
// the simulator and one on a webhook dialer: undisturbed, then with one
// worker and one API killed with SIGKILL a third of the way through and
// started again (the webhook dialer reports through both APIs in turn,
// again until one takes it).
// Every outcome closes its contact, so both runs must end the same way:
// every contact closed, each dialed once, every attempt with one outcome,
// no two attempts of a contact overlapping, no call placed twice, no agent
// left on a call that is over.
func TestCluster(t *testing.T) {
	s := newStackOn(t, clusterPGPort, "outdial_cluster", clusterTemporal)
	s.startAPI(clusterAPIPort)
	secondAPI := s.startAPI(clusterAPIPort + 1)
	s.workers = []*process{s.startWorker("cluster-1", "--spread-contacts"), s.startWorker("cluster-2", "--spread-contacts")}
	s.dialer = newReportingDialer(t, s)
	w := s.clusterWorld()

	undisturbed := s.clusterRun(t, w, 0, nil)
	killed := s.clusterRun(t, w, 1, func() {
		open := s.count("SELECT count(*) FROM attempts WHERE ended_at IS NULL AND dial_accepted_at IS NOT NULL AND dialed_by = 'cluster-1'")
		t.Logf("fault: worker cluster-1 and the second API are killed with SIGKILL, with %d calls open on the worker, and started again", open)
		require.Positive(t, open, "cluster-1 had no call open: the kill proves nothing of taking calls up again")
		s.workers[0].kill(t)
		secondAPI.kill(t)
		s.workers[0] = s.startWorker("cluster-1", "--spread-contacts")
		s.startAPI(clusterAPIPort + 1)
	})

	t.Logf("%-52s %12s %12s %6s", "end state", "undisturbed", "killed", "want")
	for i, c := range undisturbed {
		want := "="
		if c.zero {
			want = "0"
		}
		t.Logf("%-52s %12d %12d %6s", c.what, c.got, killed[i].got, want)
	}
	t.Logf("%-52s %12d", "webhook calls placed twice for one attempt", s.dialer.placedTwice())
	t.Logf("%-52s %12d", "webhook outcomes not applied as reported", s.dialer.misapplied(s))
	for i, c := range undisturbed {
		require.Equal(t, c.got, killed[i].got, "%s: the run with a worker killed ended otherwise", c.what)
		if c.zero {
			require.Zero(t, c.got, c.what)
		}
	}
	require.Zero(t, s.dialer.placedTwice(), "webhook calls placed twice for one attempt")
	require.Zero(t, s.dialer.misapplied(s), "webhook outcomes not applied as reported")
}

// clusterWorld is the configuration both runs share: a zone open all day,
// a strategy that closes the contact on every outcome, wrap-up codes that
// close it too, and the two entry points.
type clusterWorld struct {
	zone, strategy, codes, simEP, hookEP uint64
}

func (s *stack) clusterWorld() clusterWorld {
	s.create("/api/v1/modes", map[string]any{"name": "Mobile", "min_length": 8, "max_length": 16})
	var w clusterWorld
	w.zone = s.create("/api/v1/timezones", map[string]any{"display_name": centralTime, "start_time": "12:00 AM", "end_time": "11:59 PM"})
	var rules []any
	for _, o := range strategy.TelephonyOutcomes {
		if o != strategy.Skipped {
			rules = append(rules, map[string]any{"telephony_outcome": o, "reschedule": "0:0:0", "max_retry": 0, "close_contact": true})
		}
	}
	w.strategy = s.create("/api/v1/contact-strategies", map[string]any{"name": "one call each", "rules": rules})
	w.codes = s.create("/api/v1/outcome-groups", map[string]any{"name": "Wrapup Code", "outcomes": []any{
		map[string]any{"name": "Sale", "type": "success", "close_contact": true},
		map[string]any{"name": "Not Interested", "type": "failure", "close_contact": true},
	}})
	w.simEP = s.create("/api/v1/entry-points", map[string]any{"name": "Simulator", "dialer": "simulator"})
	w.hookEP = s.create("/api/v1/entry-points", map[string]any{"name": "Webhook", "dialer": "webhook", "primary_url": s.dialer.srv.URL})
	return w
}

// endCount is one figure of a run's end state; zero ones must be zero.
type endCount struct {
	what string
	got  int64
	zero bool
}

// clusterRun creates run's two campaigns with teams and numbers of their
// own, starts them, calls fault (when not nil) once a third of their
// contacts have been attempted, waits until every contact is closed, and
// returns the run's end state.
func (s *stack) clusterRun(t *testing.T, w clusterWorld, run int, fault func()) []endCount {
	campaign := func(kind string, entryPoint uint64, agents, lines int) uint64 {
		team := s.create("/api/v1/teams", map[string]any{"name": fmt.Sprintf("%s %d", kind, run)})
		for i := range agents {
			agent := s.create("/api/v1/agents", map[string]any{"name": fmt.Sprintf("%s %d agent %d", kind, run, i+1), "team_id": team})
			s.must(http.StatusOK, http.MethodPut, fmt.Sprintf("/api/v1/agents/%d/state", agent), map[string]any{"state": "available"})
		}
		return s.create("/api/v1/campaigns", map[string]any{"name": fmt.Sprintf("%s %d", kind, run), "pacing_mode": "progressive",
			"time_zone_id": w.zone, "daily_start_time": "12:00 AM", "daily_end_time": "11:59 PM", "entry_point_id": entryPoint,
			"contact_strategy_id": w.strategy, "outcome_group_id": w.codes, "team_ids": []any{team}, "lines_per_agent": lines})
	}
	sim := campaign("simulated", w.simEP, clusterSimAgents, 1)
	hook := campaign("webhook", w.hookEP, clusterHookAgents, 2)
	add := func(campaign uint64, exchange, n int) {
		contacts := make([]any, n)
		for i := range contacts {
			contacts[i] = map[string]any{"numbers": map[string]any{"Mobile": fmt.Sprintf("+1469%03d%04d", exchange, i)}}
		}
		s.must(http.StatusOK, http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/contacts", campaign), map[string]any{"contacts": contacts})
	}
	add(sim, 562+10*run, clusterSimContacts)
	add(hook, 563+10*run, clusterHookContacts)
	s.start(sim)
	s.start(hook)

	const total = clusterSimContacts + clusterHookContacts
	in := "campaign_id IN (?, ?)"
	if fault != nil {
		require.Eventually(t, func() bool {
			return s.count("SELECT count(DISTINCT contact_id) FROM attempts WHERE "+in, sim, hook) >= total/3
		}, 5*time.Minute, 200*time.Millisecond, "run %d: the campaigns did not get a third of the way", run)
		attempted := s.count("SELECT count(DISTINCT contact_id) FROM attempts WHERE "+in, sim, hook)
		fault()
		require.Less(t, s.count("SELECT count(*) FROM contacts WHERE status = ? AND "+in, models.ContactClosed, sim, hook), int64(total),
			"run %d: every contact was closed before the fault: the test proves nothing (%d attempted at the fault)", run, attempted)
	}
	// Calls a killed worker's simulator had in flight come back when it
	// starts again under its name; lost ones end at the outcome timeout.
	require.Eventually(t, func() bool {
		return s.count("SELECT count(*) FROM contacts WHERE status <> ? AND "+in, models.ContactClosed, sim, hook) == 0
	}, contract.DefaultTimeouts.Outcome+10*time.Minute, time.Second, "run %d: not every contact was closed", run)

	for _, name := range []string{"cluster-1", "cluster-2"} {
		n := s.count("SELECT count(*) FROM attempts WHERE dialed_by = ? AND "+in, name, sim, hook)
		t.Logf("run %d: %d calls dialed by worker %s", run, n, name)
		require.Positive(t, n, "run %d: worker %s dialed no call: the campaigns ran on one worker", run, name)
	}
	return []endCount{
		{what: "contacts", got: s.count("SELECT count(*) FROM contacts WHERE "+in, sim, hook)},
		{what: "contacts closed", got: s.count("SELECT count(*) FROM contacts WHERE status = ? AND "+in, models.ContactClosed, sim, hook)},
		{what: "contacts dialed", got: s.count("SELECT count(DISTINCT contact_id) FROM attempts WHERE dial_accepted_at IS NOT NULL AND "+in, sim, hook)},
		{what: "contacts dialed more than once", zero: true, got: s.count(`SELECT count(*) FROM (SELECT contact_id FROM attempts
			WHERE dial_accepted_at IS NOT NULL AND `+in+` GROUP BY contact_id HAVING count(*) > 1) twice`, sim, hook)},
		{what: "attempts without an outcome", zero: true, got: s.count("SELECT count(*) FROM attempts WHERE (ended_at IS NULL OR telephony_outcome = '') AND "+in, sim, hook)},
		{what: "contacts with overlapping attempts", zero: true, got: s.count(`SELECT count(DISTINCT a.contact_id) FROM attempts a JOIN attempts b
			ON a.contact_id = b.contact_id AND a.id < b.id AND a.started_at < b.ended_at AND b.started_at < a.ended_at WHERE a.`+in, sim, hook)},
		{what: "agents reserved or connected without a call", zero: true, got: s.count(`SELECT count(*) FROM agents g WHERE g.state IN (?, ?)
			AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.agent = g.id::text AND a.ended_at IS NULL)`, models.AgentReserved, models.AgentConnected)},
		// An outcome that never came ends its attempt in error at the
		// outcome timeout: a call the killed worker's simulator lost.
		{what: "attempts whose outcome timed out", zero: true, got: s.count(`SELECT count(*) FROM attempts WHERE telephony_outcome = 'error'
			AND dial_accepted_at IS NOT NULL AND `+in, sim, hook)},
		{what: "calls dialed by a worker that was not the one named", zero: true, got: s.count(`SELECT count(*) FROM attempts
			WHERE dial_accepted_at IS NOT NULL AND dialed_by NOT IN ('cluster-1', 'cluster-2') AND `+in, sim, hook)},
	}
}
