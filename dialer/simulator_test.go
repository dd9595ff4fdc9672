package dialer

import (
	"context"
	"fmt"
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
	wrapups map[string]string
}

func (w *world) Reserve(_ context.Context, _ uint64, preferred string) (string, bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
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

func (w *world) TelephonyOutcome(_ context.Context, id, outcome, agent string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.outcome[id] = outcome
	return nil
}

func (w *world) Wrapup(_ context.Context, id, business, agent string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.wrapups[id] = business
	return nil
}

func (w *world) counts() (int, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.outcome), len(w.wrapups)
}

func fastConfig(outcomes map[string]float64) SimulatorConfig {
	return SimulatorConfig{Outcomes: outcomes, Business: map[string]float64{"Sale": 1},
		Ring: Span{time.Second, 2 * time.Second}, Talk: Span{time.Second, time.Second}, WrapUp: Span{time.Second, time.Second}, Speed: 1000, Seed: 7}
}

func TestSimulatorPlaysCallsOut(t *testing.T) {
	w := &world{free: []string{"agent-1"}, outcome: map[string]string{}, wrapups: map[string]string{}}
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

func TestSimulatorAbandonsWithoutAFreeAgent(t *testing.T) {
	w := &world{outcome: map[string]string{}, wrapups: map[string]string{}}
	s := &Simulator{Config: fastConfig(map[string]float64{"voice": 1}), Agents: w, Reports: w}
	require.NoError(t, s.Dial(t.Context(), CallRequest{AttemptID: "2-1"}))
	require.Eventually(t, func() bool { n, _ := w.counts(); return n == 1 }, 5*time.Second, time.Millisecond)
	require.Equal(t, "abandoned", w.outcome["2-1"])
}

func TestSimulatorFollowsTheWeights(t *testing.T) {
	w := &world{outcome: map[string]string{}, wrapups: map[string]string{}}
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
	require.ErrorContains(t, SimulatorConfig{Outcomes: map[string]float64{"busy": 1}, Ring: Span{2 * time.Second, time.Second}}.Validate(), "not a range")
	require.NoError(t, DefaultSimulatorConfig.Validate())
}

func TestSimulatorFreesTheAgentOfAnUnansweredCall(t *testing.T) {
	w := &world{outcome: map[string]string{}, wrapups: map[string]string{}}
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
