package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Every pacer sees the same n-th call: the draws depend on the seed and
// the call's index only.
func TestTrafficIsTheSameForEveryPacer(t *testing.T) {
	m := model{person: 0.25, talk: 2 * time.Minute, agents: 10}
	a, b := newTraffic(m, 1), newTraffic(m, 1)
	for range 1000 {
		require.Equal(t, a.next(), b.next())
	}
	require.NotEqual(t, newTraffic(m, 2).next(), newTraffic(m, 1).next())
}

func TestUnansweredCallsRingAtLeast15Seconds(t *testing.T) {
	tr := newTraffic(model{person: 0.1, talk: time.Minute, agents: 10}, 1)
	for range 10000 {
		require.GreaterOrEqual(t, tr.next().giveUp, 15.0)
	}
}

// Progressive pacing holds an agent for every call: it never abandons.
func TestProgressiveNeverAbandons(t *testing.T) {
	r := run(model{person: 0.4, talk: 2 * time.Minute, agents: 10}, 1, progressive{})
	require.Zero(t, r.abandoned)
	require.Positive(t, r.connects)
	require.Equal(t, r.answers, r.connects, "every answer during the shift reaches an agent")
}

func TestOccupancyIsAShareOfLoggedInTime(t *testing.T) {
	for _, p := range []pacer{progressive{}, fixedRatio{2}, newVICIdial(), &outdial{}} {
		r := run(model{person: 0.25, talk: 2 * time.Minute, agents: 10}, 1, p)
		occ := occupancy([]result{r}, 10)
		require.Greater(t, occ, 0.3)
		require.LessOrEqual(t, occ, 1.0)
	}
}

// VICIdial's dial level stays between 1 and the maximum level, and halves
// when today's drops pass the limit.
func TestVICIdialDialLevel(t *testing.T) {
	v := newVICIdial()
	v.ready = []float64{10}
	v.total = []float64{10}
	v.adapt()
	require.InDelta(t, 2, v.level, 1e-9, "all ten ready: level × (1 + 10/10)")
	v.adapt()
	require.InDelta(t, adaptiveMaximumLevel, v.level, 1e-9)
	v.callsToday, v.answersToday, v.dropsToday = 100, 50, 2
	v.adapt()
	require.InDelta(t, adaptiveMaximumLevel/2, v.level, 1e-9, "4% of today's answers dropped: halved")
	v.ready = []float64{0}
	v.waiting = []float64{10}
	v.adapt()
	require.InDelta(t, 1, v.level, 1e-9, "never below 1")
}
