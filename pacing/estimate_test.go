package pacing

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLogNormal(t *testing.T) {
	l := LogNormalWithMean(2*time.Minute, 0.6)
	require.InDelta(t, 120, l.Mean().Seconds(), 0.01)
	median := math.Exp(l.Mu)
	require.InDelta(t, 0.5, l.CDF(time.Duration(median*float64(time.Second))), 1e-6)
	for _, p := range []float64{0.01, 0.25, 0.5, 0.9, 0.995} {
		require.InDelta(t, p, l.CDF(l.Quantile(p)), 1e-6, "quantile %v", p)
	}
	require.Zero(t, l.CDF(0))
	require.Zero(t, l.CDF(-time.Second))
	require.Equal(t, minSigma, LogNormalWithMean(time.Second, 0).Sigma, "a point mass is kept a distribution")
}

func TestEstimate(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	var recent []Attempt
	for i := range 100 {
		a := Attempt{Dialed: ago(30 * time.Minute), Ring: 20 * time.Second}
		switch {
		case i < 30:
			a.Outcome, a.Ring, a.Talk, a.WrapUp = Person, 5*time.Second, time.Minute, 20*time.Second
		case i < 50:
			a.Outcome, a.Ring = Machine, 5*time.Second
		}
		recent = append(recent, a)
	}
	noPrior := Prior{Estimates: DefaultPrior().Estimates}

	t.Run("rates count the attempts in the window", func(t *testing.T) {
		e := Estimate(recent, now, time.Hour, noPrior)
		require.Equal(t, 100, e.Attempts)
		require.InDelta(t, 0.3, e.PersonRate, 1e-9)
		require.InDelta(t, 0.2, e.MachineRate, 1e-9)
		require.InDelta(t, math.Log(60), e.Talk.Mu, 1e-9)
		require.Equal(t, minSigma, e.Talk.Sigma)
		require.InDelta(t, math.Log(20), e.WrapUp.Mu, 1e-9)
		require.InDelta(t, math.Log(5), e.AnswerRing.Mu, 1e-9)
		require.InDelta(t, math.Log(20), e.NoAnswerRing.Mu, 1e-9)
	})
	t.Run("no attempts: the prior", func(t *testing.T) {
		prior, e := DefaultPrior(), Estimate(nil, now, time.Hour, DefaultPrior())
		require.Zero(t, e.Attempts)
		require.InDelta(t, prior.PersonRate, e.PersonRate, 1e-9)
		require.InDelta(t, prior.MachineRate, e.MachineRate, 1e-9)
		for _, pair := range [][2]LogNormal{{prior.AnswerRing, e.AnswerRing}, {prior.NoAnswerRing, e.NoAnswerRing}, {prior.Talk, e.Talk}, {prior.WrapUp, e.WrapUp}} {
			require.InDelta(t, pair[0].Mu, pair[1].Mu, 1e-9)
			require.InDelta(t, pair[0].Sigma, pair[1].Sigma, 1e-9)
		}
	})
	t.Run("the prior weighs as attempts", func(t *testing.T) {
		prior := DefaultPrior()
		prior.Weight = 100
		e := Estimate(recent, now, time.Hour, prior)
		require.InDelta(t, (0.3+prior.PersonRate)/2, e.PersonRate, 1e-9)
		// 30 talks against the prior's 100.
		require.InDelta(t, (30*math.Log(60)+100*prior.Talk.Mu)/130, e.Talk.Mu, 1e-9)
	})
	t.Run("attempts that ended outside the window are left out", func(t *testing.T) {
		old := Attempt{Dialed: ago(3 * time.Hour), Outcome: Person, Ring: time.Second, Talk: time.Minute}
		future := Attempt{Dialed: now, Outcome: Person, Ring: time.Second, Talk: time.Minute}
		// Dialed before the window but ended inside it: counted, since a
		// window of dial times would see only the short talks.
		long := Attempt{Dialed: ago(70 * time.Minute), Outcome: Person, Ring: time.Second, Talk: 15 * time.Minute}
		e := Estimate(append([]Attempt{old, future, long}, recent...), now, time.Hour, noPrior)
		require.Equal(t, 101, e.Attempts)
		require.InDelta(t, 31.0/101, e.PersonRate, 1e-9)
	})
	t.Run("an abandoned call counts as answered but has no talk", func(t *testing.T) {
		abandoned := Attempt{Dialed: ago(time.Minute), Outcome: Person, Ring: 5 * time.Second, Abandoned: true}
		e := Estimate(append([]Attempt{abandoned}, recent...), now, time.Hour, noPrior)
		require.InDelta(t, 31.0/101, e.PersonRate, 1e-9)
		require.InDelta(t, math.Log(60), e.Talk.Mu, 1e-9)
	})
}

func FuzzEstimate(f *testing.F) {
	f.Add(int64(5), int64(60), int64(20), uint8(2), false, 30.0)
	f.Add(int64(0), int64(0), int64(0), uint8(0), true, 0.0)
	f.Fuzz(func(t *testing.T, ringMs, talkMs, wrapMs int64, outcome uint8, abandoned bool, weight float64) {
		if math.IsNaN(weight) || math.IsInf(weight, 0) || weight > 1e6 || ringMs < 0 || talkMs < 0 || wrapMs < 0 ||
			ringMs > 1e9 || talkMs > 1e9 || wrapMs > 1e9 {
			t.Skip()
		}
		now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
		a := Attempt{Dialed: now.Add(-time.Hour / 2), Outcome: Outcome(outcome % 3), Abandoned: abandoned,
			Ring: time.Duration(ringMs) * time.Millisecond, Talk: time.Duration(talkMs) * time.Millisecond, WrapUp: time.Duration(wrapMs) * time.Millisecond}
		prior := DefaultPrior()
		prior.Weight = weight
		e := Estimate([]Attempt{a, a, a}, now, 10*time.Hour, prior)
		for _, r := range []float64{e.PersonRate, e.MachineRate, e.PersonRate + e.MachineRate} {
			require.False(t, math.IsNaN(r))
			require.GreaterOrEqual(t, r, 0.0)
			require.LessOrEqual(t, r, 1.0+1e-9)
		}
		for _, l := range []LogNormal{e.AnswerRing, e.NoAnswerRing, e.Talk, e.WrapUp} {
			require.False(t, math.IsNaN(l.Mu) || math.IsInf(l.Mu, 0))
			require.GreaterOrEqual(t, l.Sigma, minSigma)
		}
	})
}
