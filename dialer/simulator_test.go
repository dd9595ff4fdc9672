package dialer

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// world is a fake agent pool and report sink that keeps what happened.
type world struct {
	mu      sync.Mutex
	free    []string
	events  []string
	outcome map[string]string
	times   map[string]CallTimes
	wrapups map[string]string
	codes   map[uint64][]WrapupCode // per campaign
	// down fails this many outcome reports before one is taken, as an
	// Outdial whose database is down does; sent counts every one sent.
	down int
	sent int
	// refuse makes every outcome report fail with errRefused.
	refuse bool
	// codesDown fails this many reads of the wrap-up codes.
	codesDown int
	// desks are the agents a person plays.
	desks map[string]bool
	// misses are asks for an agent answered with none before the pool
	// answers as it is.
	misses int
	// slow is how long each ask for an agent takes, as over a slow
	// database.
	slow time.Duration
}

var errOutage, errRefused = errors.New("database does not answer"), errors.New("attempt already has an outcome")

// seedCodes is the seed's outcome group "Wrapup Code", by kind.
var seedCodes = []WrapupCode{{"Follow-Up", WrapupSuccess}, {"Campaign-WrapUp", WrapupSuccess}, {"Callback Requested", WrapupCallback},
	{"Sale", WrapupSuccess}, {"Transferred", WrapupSuccess}, {"Pending Case", WrapupSuccess}, {"Closed", WrapupSuccess}}

func newWorld(free ...string) *world {
	return &world{free: free, outcome: map[string]string{}, times: map[string]CallTimes{}, wrapups: map[string]string{}, codes: map[uint64][]WrapupCode{2: seedCodes}}
}

func (w *world) Reserve(_ context.Context, _ uint64, preferred string) (string, bool, error) {
	if w.slow > 0 {
		<-time.After(w.slow)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.misses > 0 {
		w.misses--
		return "", false, nil
	}
	if len(w.free) == 0 {
		return "", false, nil
	}
	a := w.free[0]
	w.free = w.free[1:]
	w.events = append(w.events, "reserve "+a)
	return a, true, nil
}

func (w *world) SetState(_ context.Context, agent, state string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.events = append(w.events, agent+" "+state)
	if state == "available" {
		w.free = append(w.free, agent)
	}
	return nil
}

func (w *world) AtDesk(_ context.Context, agent string) (bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.desks[agent], nil
}

func (w *world) TelephonyOutcome(_ context.Context, id, outcome, agent string, times CallTimes) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sent++
	switch {
	case w.refuse:
		return errRefused
	case w.down > 0:
		w.down--
		return errOutage
	}
	w.outcome[id], w.times[id] = outcome, times
	return nil
}

func (w *world) Wrapup(_ context.Context, id, business, agent string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.wrapups[id] = business
	return nil
}

func (w *world) WrapupCodes(_ context.Context, campaignID uint64) ([]WrapupCode, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.codesDown > 0 {
		w.codesDown--
		return nil, errOutage
	}
	return w.codes[campaignID], nil
}

func (w *world) counts() (int, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.outcome), len(w.wrapups)
}

func fastConfig(outcomes map[string]float64) SimulatorConfig {
	return SimulatorConfig{Outcomes: outcomes, Business: map[string]float64{"Sale": 1},
		Ring: Span{Min: time.Second, Max: 2 * time.Second}, Talk: Span{Min: time.Second, Max: time.Second}, WrapUp: Span{Min: time.Second, Max: time.Second}, Speed: 200, Seed: 7}
}

func TestSimulatorPlaysCallsOut(t *testing.T) {
	w := newWorld("agent-1")
	s := &Simulator{Config: fastConfig(map[string]float64{"voice": 1}), Agents: w, Reports: w}
	require.NoError(t, s.Config.Validate())
	s.Start(t.Context())
	require.NoError(t, s.Dial(t.Context(), CallRequest{AttemptID: "1-1", CampaignID: 2}))
	require.NoError(t, s.Dial(t.Context(), CallRequest{AttemptID: "1-1", CampaignID: 2})) // the same attempt again: ignored
	require.Eventually(t, func() bool { _, wrapped := w.counts(); return wrapped == 1 }, 5*time.Second, time.Millisecond)
	require.Equal(t, "voice", w.outcome["1-1"])
	require.Equal(t, "Sale", w.wrapups["1-1"])
	require.Eventually(t, func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return len(w.events) == 3
	}, 5*time.Second, time.Millisecond)
	require.Equal(t, []string{"reserve agent-1", "agent-1 wrap_up", "agent-1 available"}, w.events)
}

// TestSimulatorLeavesAPersonsCallsToThem: an agent a person plays at the
// console is connected and its call reported answered, but the talk and
// the wrap-up are the person's: the simulator sends no state and no code.
func TestSimulatorLeavesAPersonsCallsToThem(t *testing.T) {
	w := newWorld("agent-1", "agent-2")
	w.desks = map[string]bool{"agent-1": true}
	s := &Simulator{Config: fastConfig(map[string]float64{"voice": 1}), Agents: w, Reports: w}
	s.Start(t.Context())
	require.NoError(t, s.Dial(t.Context(), CallRequest{AttemptID: "1-1", CampaignID: 2}))
	require.NoError(t, s.Dial(t.Context(), CallRequest{AttemptID: "1-2", CampaignID: 2}))
	require.Eventually(t, func() bool { _, wrapped := w.counts(); return wrapped == 1 }, 5*time.Second, time.Millisecond)
	require.Eventually(t, func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return slices.Contains(w.events, "agent-2 available")
	}, 5*time.Second, time.Millisecond)
	w.mu.Lock()
	defer w.mu.Unlock()
	require.Equal(t, "voice", w.outcome["1-1"])
	require.Equal(t, "voice", w.outcome["1-2"])
	require.Len(t, w.wrapups, 1, "only the simulated agent's call is wrapped up")
	for _, e := range w.events {
		require.NotContains(t, []string{"agent-1 wrap_up", "agent-1 available"}, e, "the simulator moved the person's agent")
	}
}

// TestSimulatorReportsCallTimes: an answered call says when it was
// answered and when its agent was connected; an abandoned one only when
// it was answered; an unanswered one neither.
func TestSimulatorReportsCallTimes(t *testing.T) {
	timesOf := func(outcome string, agents ...string) (string, CallTimes) {
		w := newWorld(agents...)
		s := &Simulator{Config: fastConfig(map[string]float64{outcome: 1}), Agents: w, Reports: w}
		require.NoError(t, s.Dial(t.Context(), CallRequest{AttemptID: "6-1", CampaignID: 2}))
		require.Eventually(t, func() bool { n, _ := w.counts(); return n == 1 }, 5*time.Second, time.Millisecond)
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.outcome["6-1"], w.times["6-1"]
	}
	before := time.Now()
	outcome, answered := timesOf("voice", "agent-1")
	require.Equal(t, "voice", outcome)
	require.True(t, answered.AnsweredAt.After(before), "%v", answered)
	require.False(t, answered.ConnectedAt.Before(answered.AnsweredAt), "%v", answered)
	outcome, abandoned := timesOf("voice") // no agent free
	require.Equal(t, "abandoned", outcome)
	require.False(t, abandoned.AnsweredAt.IsZero())
	require.True(t, abandoned.ConnectedAt.IsZero())
	outcome, drawn := timesOf("abandoned", "agent-1")
	require.Equal(t, "abandoned", outcome)
	require.False(t, drawn.AnsweredAt.IsZero())
	require.True(t, drawn.ConnectedAt.IsZero())
	outcome, unanswered := timesOf("no-answer", "agent-1")
	require.Equal(t, "no-answer", outcome)
	require.Equal(t, CallTimes{}, unanswered)
}

// TestSimulatorRetriesReportsThroughAnOutage: a report that fails on the
// way is sent again until it is taken, once; one Outdial refuses is not.
func TestSimulatorRetriesReportsThroughAnOutage(t *testing.T) {
	final := func(err error) bool { return errors.Is(err, errRefused) }
	config := fastConfig(map[string]float64{"busy": 1})
	config.RetryFirst = time.Millisecond

	w := newWorld()
	w.down = 3
	s := &Simulator{Config: config, Agents: w, Reports: w, Final: final}
	require.NoError(t, s.Dial(t.Context(), CallRequest{AttemptID: "4-1"}))
	require.Eventually(t, func() bool { n, _ := w.counts(); return n == 1 }, 5*time.Second, time.Millisecond, "the report was lost in the outage")
	w.mu.Lock()
	require.Equal(t, 4, w.sent)
	require.Equal(t, "busy", w.outcome["4-1"])
	w.mu.Unlock()

	// The desktop reads the codes again: an answered call gets its wrap-up.
	w = newWorld("agent-1")
	w.codesDown = 2
	config.Outcomes = map[string]float64{"voice": 1}
	s = &Simulator{Config: config, Agents: w, Reports: w, Final: final}
	require.NoError(t, s.Dial(t.Context(), CallRequest{AttemptID: "4-3", CampaignID: 2}))
	require.Eventually(t, func() bool { _, wrapped := w.counts(); return wrapped == 1 }, 5*time.Second, time.Millisecond, "no wrap-up after the outage")

	w = newWorld()
	w.refuse = true
	s = &Simulator{Config: config, Agents: w, Reports: w, Final: final}
	require.NoError(t, s.Dial(t.Context(), CallRequest{AttemptID: "4-2"}))
	require.Eventually(t, func() bool { w.mu.Lock(); defer w.mu.Unlock(); return w.sent == 1 }, 5*time.Second, time.Millisecond)
	require.Never(t, func() bool { w.mu.Lock(); defer w.mu.Unlock(); return w.sent > 1 }, 100*time.Millisecond, time.Millisecond, "a refused report was sent again")
}

// TestSimulatorResumesOpenCalls: calls a dead simulator left open are
// played out from where they were; a call that has its outcome is not
// placed again.
func TestSimulatorResumesOpenCalls(t *testing.T) {
	w := newWorld()
	s := &Simulator{Config: fastConfig(map[string]float64{"busy": 1}), Agents: w, Reports: w}
	s.Resume([]OpenCall{
		{Request: CallRequest{AttemptID: "5-1"}},
		{Request: CallRequest{AttemptID: "5-2", CampaignID: 2}, Outcome: "voice", Agent: "agent-3"},
		{Request: CallRequest{AttemptID: "5-3"}, Outcome: "busy"},
	})
	require.NoError(t, s.Dial(t.Context(), CallRequest{AttemptID: "5-1"})) // its retried dial request: the same call
	require.Eventually(t, func() bool { n, wrapped := w.counts(); return n == 1 && wrapped == 1 }, 5*time.Second, time.Millisecond)
	require.Eventually(t, func() bool { w.mu.Lock(); defer w.mu.Unlock(); return len(w.events) == 2 }, 5*time.Second, time.Millisecond)
	w.mu.Lock()
	defer w.mu.Unlock()
	require.Equal(t, map[string]string{"5-1": "busy"}, w.outcome)
	require.Equal(t, "Sale", w.wrapups["5-2"])
	require.Equal(t, []string{"agent-3 wrap_up", "agent-3 available"}, w.events)
	require.Equal(t, 1, w.sent, "a call was played twice")
}

// TestSimulatorAbandonsWithoutAFreeAgent: a person answers, no agent is
// free within the grace: the call is abandoned, and the campaign's abandon
// message, when it has one, is played within the grace of the answer.
func TestSimulatorAbandonsWithoutAFreeAgent(t *testing.T) {
	w := newWorld()
	config := fastConfig(map[string]float64{"voice": 1})
	s := &Simulator{Config: config, Agents: w, Reports: w}
	require.NoError(t, s.Dial(t.Context(), CallRequest{AttemptID: "2-1"}))
	require.NoError(t, s.Dial(t.Context(), CallRequest{AttemptID: "2-2", AbandonMessage: "This was Kris Outdial, 469 555 0100."}))
	require.Eventually(t, func() bool { n, _ := w.counts(); return n == 2 }, 5*time.Second, time.Millisecond)
	w.mu.Lock()
	defer w.mu.Unlock()
	require.Equal(t, "abandoned", w.outcome["2-1"])
	require.True(t, w.times["2-1"].AbandonMessageAt.IsZero(), "no message to play")
	require.Equal(t, "abandoned", w.outcome["2-2"])
	played := w.times["2-2"]
	require.False(t, played.AbandonMessageAt.IsZero(), "the campaign's message was not played")
	require.LessOrEqual(t, played.AbandonMessageAt.Sub(played.AnsweredAt), s.grace(), "the message came after the grace")
}

// TestSimulatorTakesNoAgentAfterTheGrace: an agent found only after the
// grace (the pool answers slowly) does not take the call: the message
// played when the grace ran out, the call is abandoned and the agent is
// free again.
func TestSimulatorTakesNoAgentAfterTheGrace(t *testing.T) {
	w := newWorld("agent-1")
	config := fastConfig(map[string]float64{"voice": 1})
	s := &Simulator{Config: config, Agents: w, Reports: w}
	w.slow = 3 * s.grace()
	require.NoError(t, s.Dial(t.Context(), CallRequest{AttemptID: "2-3", CampaignType: "Predictive", AbandonMessage: "This was Kris Outdial."}))
	require.Eventually(t, func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return slices.Contains(w.events, "agent-1 available") && w.outcome["2-3"] != ""
	}, 5*time.Second, time.Millisecond)
	w.mu.Lock()
	defer w.mu.Unlock()
	require.Equal(t, "abandoned", w.outcome["2-3"])
	played := w.times["2-3"]
	require.True(t, played.ConnectedAt.IsZero())
	require.LessOrEqual(t, played.AbandonMessageAt.Sub(played.AnsweredAt), s.grace(), "the message came after the grace")
	require.Equal(t, []string{"reserve agent-1", "agent-1 available"}, w.events)
}

// TestSimulatorCampaignsHaveTheirOwnWorld: a campaign named in Campaigns
// draws its own outcomes and times; the others the simulator's.
func TestSimulatorCampaignsHaveTheirOwnWorld(t *testing.T) {
	config := fastConfig(map[string]float64{"busy": 1})
	config.Campaigns = map[string]CampaignWorld{"kris_predictive": {Outcomes: map[string]float64{"voice": 1},
		Talk: Span{Min: 7 * time.Minute, Max: 7 * time.Minute}}}
	s := &Simulator{Config: config}
	s.init()
	own := s.plan(CallRequest{AttemptID: "1", Campaign: "kris_predictive"})
	require.Equal(t, "voice", own.outcome)
	require.Equal(t, 7*time.Minute, own.talk)
	require.Equal(t, time.Second, own.wrap, "what the campaign leaves out is the simulator's")
	other := s.plan(CallRequest{AttemptID: "2", Campaign: "kris_progressive"})
	require.Equal(t, "busy", other.outcome)
	require.Equal(t, time.Second, other.talk)
}

// TestSpanDrawsALogNormal: a span with a mean draws positive, right-skewed
// durations of that mean.
func TestSpanDrawsALogNormal(t *testing.T) {
	span := Span{Mean: 2 * time.Minute, Sigma: 0.6}
	r := rand.New(rand.NewPCG(1, 2))
	const n = 20000
	var sum time.Duration
	var draws []time.Duration
	for range n {
		d := span.draw(r)
		require.Positive(t, d)
		sum += d
		draws = append(draws, d)
	}
	require.InDelta(t, span.Mean.Seconds(), (sum / n).Seconds(), 0.03*span.Mean.Seconds())
	slices.Sort(draws)
	require.Less(t, draws[n/2], span.Mean, "the median of a log-normal is below its mean")
}

// TestSimulatorAgentsTakeBreaks: with breaks, an agent whose break is due
// when a wrap-up ends goes not ready for the break, then available.
func TestSimulatorAgentsTakeBreaks(t *testing.T) {
	w := newWorld("agent-1")
	config := fastConfig(map[string]float64{"voice": 1})
	config.Breaks = Breaks{Every: Span{Min: time.Second, Max: time.Second}, Length: Span{Min: time.Minute, Max: time.Minute}}
	s := &Simulator{Config: config, Agents: w, Reports: w}
	for i := range 2 {
		id := fmt.Sprintf("4-%d", i+1)
		require.NoError(t, s.Dial(t.Context(), CallRequest{AttemptID: id, CampaignID: 2}))
		require.Eventually(t, func() bool {
			w.mu.Lock()
			defer w.mu.Unlock()
			return len(w.free) == 1 && w.wrapups[id] != ""
		}, 5*time.Second, time.Millisecond)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	require.Equal(t, []string{"reserve agent-1", "agent-1 wrap_up", "agent-1 available",
		"reserve agent-1", "agent-1 wrap_up", "agent-1 not_ready", "agent-1 available"}, w.events,
		"the first call sets when the break is due; it is due by the end of the second")
}

// TestSimulatorTakesAnAgentFreedWithinTheGrace: an agent who becomes free
// within the grace after the answer takes the call: the pool has none for
// the first two asks.
func TestSimulatorTakesAnAgentFreedWithinTheGrace(t *testing.T) {
	w := newWorld("agent-1")
	w.misses = 2
	s := &Simulator{Config: fastConfig(map[string]float64{"voice": 1}), Agents: w, Reports: w}
	require.NoError(t, s.Dial(t.Context(), CallRequest{AttemptID: "3-1", CampaignID: 2}))
	require.Eventually(t, func() bool { _, wrapped := w.counts(); return wrapped == 1 }, 5*time.Second, time.Millisecond)
	w.mu.Lock()
	defer w.mu.Unlock()
	require.Equal(t, "voice", w.outcome["3-1"])
	require.Zero(t, w.misses)
	require.LessOrEqual(t, w.times["3-1"].ConnectedAt.Sub(w.times["3-1"].AnsweredAt), Grace)
}

// TestSimulatorRingsUnansweredCallsTheirLeast: a call nobody answers rings
// 15 s (simulated) at least before it is given up, whatever the ring span.
func TestSimulatorRingsUnansweredCallsTheirLeast(t *testing.T) {
	s := &Simulator{Config: fastConfig(map[string]float64{"no-answer": 1, "busy": 1})}
	s.init()
	for i := range 50 {
		c := s.plan(CallRequest{AttemptID: fmt.Sprint(i)})
		if c.outcome == "no-answer" {
			require.GreaterOrEqual(t, c.ring, MinRing)
		} else {
			require.Less(t, c.ring, MinRing, "a busy line is not made to ring")
		}
	}
}

func TestSimulatorFollowsTheWeights(t *testing.T) {
	w := newWorld()
	s := &Simulator{Config: fastConfig(map[string]float64{"busy": 3, "no-answer": 1}), Agents: w, Reports: w}
	const n = 2000
	for i := range n {
		require.NoError(t, s.Dial(t.Context(), CallRequest{AttemptID: fmt.Sprint(i)}))
	}
	require.Eventually(t, func() bool { got, _ := w.counts(); return got == n }, 10*time.Second, time.Millisecond)
	busy := 0
	for _, o := range w.outcome {
		if o == "busy" {
			busy++
		}
	}
	require.InDelta(t, 0.75, float64(busy)/n, 0.05)
}

func TestSimulatorConfigValidate(t *testing.T) {
	require.ErrorContains(t, SimulatorConfig{}.Validate(), "no telephony outcome")
	require.ErrorContains(t, SimulatorConfig{Outcomes: map[string]float64{"busy": 1}, Ring: Span{Min: 2 * time.Second, Max: time.Second}}.Validate(), "not a range")
	require.NoError(t, DefaultSimulatorConfig.Validate())
	require.ErrorContains(t, SimulatorConfig{Outcomes: map[string]float64{"busy": 1}, Talk: Span{Mean: time.Minute, Sigma: 4}}.Validate(), "talk: sigma 4")
	require.ErrorContains(t, SimulatorConfig{Outcomes: map[string]float64{"busy": 1},
		Campaigns: map[string]CampaignWorld{"kris": {WrapUp: Span{Min: time.Minute}, Ring: Span{Min: -time.Second}}}}.Validate(), "campaign kris: ring")
	require.ErrorContains(t, SimulatorConfig{Outcomes: map[string]float64{"busy": 1}, Breaks: Breaks{Length: Span{Min: time.Minute, Max: time.Minute}, Every: Span{Min: 0, Max: 0, Sigma: 1}}}.Validate(), "breaks: every")
}

func TestSimulatorFreesTheAgentOfAnUnansweredCall(t *testing.T) {
	w := newWorld()
	s := &Simulator{Config: fastConfig(map[string]float64{"no-answer": 1}), Agents: w, Reports: w}
	require.NoError(t, s.Dial(t.Context(), CallRequest{AttemptID: "3-1", Agent: "agent-7"}))
	require.Eventually(t, func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return len(w.events) == 1
	}, 5*time.Second, time.Millisecond)
	require.Equal(t, []string{"agent-7 idle"}, w.events)
	require.Equal(t, "no-answer", w.outcome["3-1"])

	// A progressive personal callback's agent takes calls again.
	require.NoError(t, s.Dial(t.Context(), CallRequest{AttemptID: "3-2", Agent: "agent-8", CampaignType: "Progressive"}))
	require.Eventually(t, func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return len(w.events) == 2
	}, 5*time.Second, time.Millisecond)
	require.Equal(t, "agent-8 available", w.events[1])
}

// agents names n free agents.
func agents(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint("agent-", i)
	}
	return out
}

// wrapAll dials n answered calls of campaign and waits for them to end:
// with a wrap-up, or, when the campaign has no code, with the agent
// available again.
func wrapAll(t *testing.T, s *Simulator, w *world, campaign uint64, n int) {
	t.Helper()
	for i := range n {
		require.NoError(t, s.Dial(t.Context(), CallRequest{AttemptID: fmt.Sprint(campaign, "-", i), CampaignID: campaign}))
	}
	require.Eventually(t, func() bool { return w.freed() == n }, 10*time.Second, time.Millisecond)
}

// freed counts the agents made available again after a call.
func (w *world) freed() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, e := range w.events {
		if strings.HasSuffix(e, " available") {
			n++
		}
	}
	return n
}

// TestSimulatorWrapsUpWithTheCampaignsCodes: a campaign with its own
// outcome group gets only that group's codes, whatever the configuration
// names, in the configured mix of kinds.
func TestSimulatorWrapsUpWithTheCampaignsCodes(t *testing.T) {
	const n = 600
	w := newWorld(agents(n)...)
	w.codes[5] = []WrapupCode{{"Bought", WrapupSuccess}, {"Upgraded", WrapupSuccess}, {"Ring Back", WrapupCallback}, {"Wrong Person", WrapupFailure}}
	cfg := fastConfig(map[string]float64{"voice": 1})
	cfg.Wrapups, cfg.Business = DefaultSimulatorConfig.Wrapups, map[string]float64{"Sale": 0.3, "Callback Requested": 0.4, "Follow-Up": 0.2, "Closed": 0.1}
	s := &Simulator{Config: cfg, Agents: w, Reports: w}
	wrapAll(t, s, w, 5, n)
	got := map[string]int{}
	for _, code := range w.wrapups {
		got[code]++
	}
	require.Len(t, w.wrapups, n)
	require.ElementsMatch(t, []string{"Bought", "Upgraded", "Ring Back", "Wrong Person"}, slices.Collect(maps.Keys(got)))
	require.InDelta(t, 0.45, float64(got["Bought"]+got["Upgraded"])/n, 0.06, "%v", got)
	require.InDelta(t, 0.35, float64(got["Ring Back"])/n, 0.06, "%v", got)
	require.InDelta(t, 0.2, float64(got["Wrong Person"])/n, 0.06, "%v", got)
}

func TestSimulatorWrapupWeights(t *testing.T) {
	kinds := map[string]float64{WrapupSuccess: 0.5, WrapupCallback: 0.3, WrapupFailure: 0.2}
	cases := []struct {
		name     string
		business map[string]float64
		wrapups  map[string]float64
		codes    []WrapupCode
		want     map[string]float64
	}{
		{"a kind's weight is shared by its codes", nil, kinds, []WrapupCode{{"A", WrapupSuccess}, {"B", WrapupSuccess}, {"C", WrapupCallback}, {"D", WrapupFailure}},
			map[string]float64{"A": 0.25, "B": 0.25, "C": 0.3, "D": 0.2}},
		{"a kind without codes drops out", nil, kinds, []WrapupCode{{"A", WrapupSuccess}, {"C", WrapupCallback}},
			map[string]float64{"A": 0.5, "C": 0.3}},
		{"names weigh the campaign's codes they name", map[string]float64{"C": 2, "Sale": 5}, kinds, []WrapupCode{{"A", WrapupSuccess}, {"C", WrapupCallback}},
			map[string]float64{"C": 2}},
		{"names of no code of the campaign leave it to the kinds", map[string]float64{"Sale": 1}, kinds, []WrapupCode{{"A", WrapupSuccess}, {"D", WrapupFailure}},
			map[string]float64{"A": 0.5, "D": 0.2}},
		{"no weight for any of its kinds: all codes alike", nil, map[string]float64{WrapupFailure: 1}, []WrapupCode{{"A", WrapupSuccess}, {"C", WrapupCallback}},
			map[string]float64{"A": 1, "C": 1}},
		{"no codes, nothing to send", map[string]float64{"Sale": 1}, kinds, nil, map[string]float64{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := SimulatorConfig{Business: c.business, Wrapups: c.wrapups}.wrapupWeights(c.codes)
			require.InDeltaMapValues(t, c.want, got, 1e-9)
			require.Len(t, got, len(c.want))
		})
	}
}

// TestSimulatorWithoutCodesSendsNone: a campaign without an outcome group
// has no code an agent could send; the agent is freed all the same.
func TestSimulatorWithoutCodesSendsNone(t *testing.T) {
	w := newWorld("agent-1")
	s := &Simulator{Config: fastConfig(map[string]float64{"voice": 1}), Agents: w, Reports: w}
	wrapAll(t, s, w, 9, 1)
	require.Equal(t, "voice", w.outcome["9-0"])
	require.Empty(t, w.wrapups)
}

// TestSimulatorReplaysItsSeed: the same seed gives each attempt the same
// outcome and wrap-up, however the calls' goroutines interleave.
func TestSimulatorReplaysItsSeed(t *testing.T) {
	run := func() (map[string]string, map[string]string) {
		w := newWorld(agents(200)...)
		cfg := fastConfig(map[string]float64{"voice": 3, "busy": 1})
		cfg.Business, cfg.Wrapups = nil, DefaultSimulatorConfig.Wrapups
		s := &Simulator{Config: cfg, Agents: w, Reports: w}
		for i := range 200 {
			require.NoError(t, s.Dial(t.Context(), CallRequest{AttemptID: fmt.Sprint(i), CampaignID: 2}))
		}
		require.Eventually(t, func() bool {
			got, _ := w.counts()
			w.mu.Lock()
			busy := countOf(w.outcome, "busy")
			w.mu.Unlock()
			return got == 200 && w.freed() == 200-busy
		}, 10*time.Second, time.Millisecond)
		return w.outcome, w.wrapups
	}
	o1, w1 := run()
	o2, w2 := run()
	require.Equal(t, o1, o2)
	require.Equal(t, w1, w2)
	require.Greater(t, len(slices.Compact(slices.Sorted(maps.Values(w1)))), 2, "a mix of codes")
}

func countOf(m map[string]string, v string) int {
	n := 0
	for _, x := range m {
		if x == v {
			n++
		}
	}
	return n
}

func TestParseSimulatorConfig(t *testing.T) {
	c, err := ParseSimulatorConfig(`{"outcomes": {"voice": 1}, "business": {"Sale": 1}, "ring": {"min": "1s", "max": "2s"}, "talk": {"min": "0s"}, "speed": 10}`)
	require.NoError(t, err)
	require.Equal(t, map[string]float64{"voice": 1}, c.Outcomes)
	require.Equal(t, Span{Min: time.Second, Max: 2 * time.Second}, c.Ring)
	require.Equal(t, Span{}, c.Talk)
	require.Equal(t, 10.0, c.Speed)
	c, err = ParseSimulatorConfig(`{"outcomes": {"voice": 1}, "campaigns": {"kris_predictive": {"outcomes": {"voice": 0.3, "no-answer": 0.7},
		"talk": {"mean": "2m", "sigma": 0.6}, "wrapup": {"min": "20s", "max": "40s"}}},
		"breaks": {"every": {"mean": "45m", "sigma": 0.3}, "length": {"min": "5m", "max": "15m"}}}`)
	require.NoError(t, err)
	require.Equal(t, CampaignWorld{Outcomes: map[string]float64{"voice": 0.3, "no-answer": 0.7}, Talk: Span{Mean: 2 * time.Minute, Sigma: 0.6},
		WrapUp: Span{Min: 20 * time.Second, Max: 40 * time.Second}}, c.Campaigns["kris_predictive"])
	require.Equal(t, Breaks{Every: Span{Mean: 45 * time.Minute, Sigma: 0.3}, Length: Span{Min: 5 * time.Minute, Max: 15 * time.Minute}}, c.Breaks)
	for text, want := range map[string]string{
		`{"outcomes": {"voice": 1}, "rings": {}}`:                        `unknown field "rings"`,
		`{"outcomes": {"voice": 1}, "ring": {"min": "soon"}}`:            `invalid duration "soon"`,
		`{"outcomes": {"voice": 1}, "ring": {"min": "5s", "max": "1s"}}`: "is not a range",
		`{"speed": 2}`: "no telephony outcome has a weight",
		`{"outcomes": {"voice": 1}, "talk": {"mean": "1m", "sigma": -1}}`:                      "talk: sigma -1",
		`{"outcomes": {"voice": 1}, "campaigns": {"k": {"talk": {"min": "1m", "max": "1s"}}}}`: "campaign k: talk",
	} {
		_, err := ParseSimulatorConfig(text)
		require.ErrorContains(t, err, want, text)
	}
}
