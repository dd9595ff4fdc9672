package pacing

import (
	"math"
	"time"
)

// Predictive is a predictive campaign's pacing settings. Zero fields take
// their defaults.
type Predictive struct {
	// TargetRate is the most abandoned calls per call answered by a person
	// (default 3%).
	TargetRate float64
	// MaxLinesPerAgent bounds the calls in progress (ringing, waiting for
	// an agent, talking) per agent (default 3, never below 1).
	MaxLinesPerAgent float64
	// SmallTeam: with fewer available agents than this the campaign paces
	// progressively, one line per free agent (default 5), since on a
	// small team chance alone makes abandons spike.
	SmallTeam int
	// Grace is how soon after a person answers an agent must take the
	// call for it not to be abandoned (default 2 s).
	Grace time.Duration
	// Caution is how many standard deviations of the abandons in flight
	// the budget must cover beyond their expectation (default 1): the
	// expectation alone is overspent half the time.
	Caution float64
}

// Defaults of Predictive.
const (
	DefaultTargetRate       = 0.03
	DefaultMaxLinesPerAgent = 3
	DefaultSmallTeam        = 5
	DefaultGrace            = 2 * time.Second
	DefaultCaution          = 1
)

func (p Predictive) withDefaults() Predictive {
	if p.TargetRate <= 0 {
		p.TargetRate = DefaultTargetRate
	}
	if p.MaxLinesPerAgent <= 0 {
		p.MaxLinesPerAgent = DefaultMaxLinesPerAgent
	}
	p.MaxLinesPerAgent = math.Max(p.MaxLinesPerAgent, 1)
	if p.SmallTeam <= 0 {
		p.SmallTeam = DefaultSmallTeam
	}
	if p.Grace <= 0 {
		p.Grace = DefaultGrace
	}
	if p.Caution <= 0 {
		p.Caution = DefaultCaution
	}
	return p
}

// BusyAgent is an agent of the campaign on a call: talking for Elapsed so
// far, or (not Talking) wrapping up for Elapsed so far.
type BusyAgent struct {
	Talking bool
	Elapsed time.Duration
}

// Abandons is the campaign's account over a period (its current 30 days,
// or today): calls answered by a person, the abandoned ones included, and
// of them the abandoned.
type Abandons struct {
	Answered, Abandoned int
}

// Situation is the campaign as a pass finds it.
type Situation struct {
	// Ringing are the ages of the calls dialed and not yet answered or
	// given up.
	Ringing []time.Duration
	// Waiting are calls answered by a person and not yet taken by an
	// agent, within their grace.
	Waiting int
	// Free are the agents available and not reserved for a call.
	Free int
	// Busy are the agents on a call or wrapping one up.
	Busy          []BusyAgent
	Period, Today Abandons
}

// Decision is a predictive pass's answer and what it was based on.
type Decision struct {
	// Calls is how many calls to place now.
	Calls int
	// Progressive is set when the campaign paced progressively: a small
	// team, or no budget for more.
	Progressive bool
	// ExpectedAbandons and ExpectedAnswers are of the calls in flight
	// once Calls are placed.
	ExpectedAbandons, ExpectedAnswers float64
	// PeriodBudget and TodayBudget are the abandons still allowed before
	// this pass's calls: TargetRate × answered − abandoned.
	PeriodBudget, TodayBudget float64
}

// Decide is how many calls a predictive campaign places now: the most
// calls (so the most agent occupancy) such that the abandon budget covers
// them, never fewer than progressive pacing would place (a call per free
// agent not already covered by a call in flight: it cannot be abandoned)
// and never more than MaxLinesPerAgent × agents less the calls in
// progress.
//
// The budget covers n new calls when, for the period and for today,
//
//	A(n) + Caution × √A(n) ≤ TargetRate × (answered + E(n)) − abandoned
//
// where A(n) is the expected abandons of the calls ringing, waiting and n
// new ones, and E(n) the expected answers by a person of the calls ringing
// and the n new ones: the calls in flight may abandon no more than the
// target share of their own answers plus what careful passes saved, so a
// bad hour is paid back by a careful one and the budget is never overspent
// in expectation. With the budget spent (abandoned ≥ TargetRate ×
// answered) it is progressive.
//
// A(n) comes from the estimates: over the next seconds t, the answers by
// a person D(t) (each ringing call's chance given how long it has rung,
// each new call's from its first second) against the agents free S(t+Grace)
// (the free ones, each busy one's chance of having finished its talk and
// its wrap-up, given how long it has been at it); an answer with no agent
// within Grace is abandoned, so A(n) = max over t of E[(D(t) − S(t+Grace))⁺]
// with D − S taken as normal.
func (p Predictive) Decide(e Estimates, s Situation) Decision {
	p = p.withDefaults()
	d := Decision{
		PeriodBudget: p.TargetRate*float64(s.Period.Answered) - float64(s.Period.Abandoned),
		TodayBudget:  p.TargetRate*float64(s.Today.Answered) - float64(s.Today.Abandoned),
	}
	free := max(s.Free, 0)
	waiting := max(s.Waiting, 0)
	progressive := Progressive(free, 1, len(s.Ringing)+waiting, -1)
	d.Calls, d.Progressive = progressive, true
	agents := free + len(s.Busy)
	if agents < p.SmallTeam || d.PeriodBudget <= 0 || d.TodayBudget <= 0 {
		return d
	}
	talking := 0
	for _, b := range s.Busy {
		if b.Talking {
			talking++
		}
	}
	most := int(math.Floor(p.MaxLinesPerAgent*float64(agents))) - len(s.Ringing) - waiting - talking
	if most <= progressive {
		return d
	}
	m := newModel(p, e, s)
	covered := func(n int) bool {
		a, ans := m.abandons(n), m.answers(n)
		need := a + p.Caution*math.Sqrt(a)
		return need <= d.PeriodBudget+p.TargetRate*ans && need <= d.TodayBudget+p.TargetRate*ans
	}
	// Abandons grow with n faster than the answers' share of the budget,
	// so the calls covered are a prefix: search for its end.
	lo, hi := progressive, most
	if !covered(lo + 1) {
		return d
	}
	lo++
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		if covered(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	d.Calls, d.Progressive = lo, false
	d.ExpectedAbandons, d.ExpectedAnswers = m.abandons(lo), m.answers(lo)
	return d
}

// step is the model's time step; a second is finer than a pass.
const step = time.Second

// model holds, for each step t of the horizon, the mean and variance of
// the answers to come from the calls in flight and of the agents free by
// t + Grace, and a new call's chance of being answered by a person by t.
type model struct {
	person         float64
	inFlightAnswer float64
	mean, variance []float64
	newAnswer      []float64
}

func newModel(p Predictive, e Estimates, s Situation) model {
	// The horizon: nearly every answer of a call dialed now has come.
	steps := int(min(e.AnswerRing.Quantile(0.995), 2*time.Minute)/step) + 1
	grace := int((p.Grace + step - 1) / step)
	m := model{
		person:    clamp01(e.PersonRate),
		mean:      make([]float64, steps+1),
		variance:  make([]float64, steps+1),
		newAnswer: make([]float64, steps+1),
	}
	machine := clamp01(e.MachineRate)
	none := math.Max(1-m.person-machine, 0)
	for j := range m.newAnswer {
		m.newAnswer[j] = m.person * e.AnswerRing.cdf(float64(j))
	}
	for _, age := range s.Ringing {
		a := math.Max(age.Seconds(), 0)
		survAnswer := 1 - e.AnswerRing.cdf(a)
		ringing := (m.person+machine)*survAnswer + none*(1-e.NoAnswerRing.cdf(a))
		if ringing <= 1e-12 {
			continue
		}
		m.inFlightAnswer += m.person * survAnswer / ringing
		for j := range m.mean {
			q := m.person * (e.AnswerRing.cdf(a+float64(j)) - e.AnswerRing.cdf(a)) / ringing
			m.mean[j] += q
			m.variance[j] += q * (1 - q)
		}
	}
	for j := range m.mean {
		m.mean[j] += float64(max(s.Waiting, 0) - max(s.Free, 0))
	}
	for _, b := range s.Busy {
		freeBy := agentFreeBy(e, b, steps+grace)
		for j := range m.mean {
			q := freeBy[j+grace]
			m.mean[j] -= q
			m.variance[j] += q * (1 - q)
		}
	}
	return m
}

// answers is the expected answers by a person of the calls ringing and n
// new ones.
func (m model) answers(n int) float64 { return m.inFlightAnswer + float64(n)*m.person }

// abandons is the expected abandons of the calls in flight and n new ones.
func (m model) abandons(n int) float64 {
	worst := 0.0
	for j := range m.mean {
		q := m.newAnswer[j]
		worst = math.Max(worst, positivePart(m.mean[j]+float64(n)*q, m.variance[j]+float64(n)*q*(1-q)))
	}
	return worst
}

// agentFreeBy is, for each step t up to steps, the chance that a busy
// agent is free by t: a wrap-up's rest ends by t, or a talk's rest ends
// at some s and a whole wrap-up after it by t.
func agentFreeBy(e Estimates, b BusyAgent, steps int) []float64 {
	out := make([]float64, steps+1)
	x := math.Max(b.Elapsed.Seconds(), 0)
	if !b.Talking {
		left := 1 - e.WrapUp.cdf(x)
		if left <= 1e-12 {
			for j := range out {
				out[j] = 1
			}
			return out
		}
		for j := range out {
			out[j] = (e.WrapUp.cdf(x+float64(j)) - e.WrapUp.cdf(x)) / left
		}
		return out
	}
	left := 1 - e.Talk.cdf(x)
	if left <= 1e-12 {
		// Past every talk the estimates know: as if it ended now.
		for j := range out {
			out[j] = e.WrapUp.cdf(float64(j))
		}
		return out
	}
	before := e.Talk.cdf(x)
	if (e.Talk.cdf(x+float64(steps))-before)/left < 1e-6 {
		return out
	}
	// ends[k]: the talk ends within step k (taken at its middle).
	ends := make([]float64, steps)
	for k := range ends {
		next := e.Talk.cdf(x + float64(k+1))
		ends[k] = (next - before) / left
		before = next
	}
	wrap := make([]float64, steps+1)
	for j := range wrap {
		wrap[j] = e.WrapUp.cdf(float64(j) - 0.5)
	}
	for j := 1; j <= steps; j++ {
		sum := 0.0
		for k := 0; k < j; k++ {
			sum += ends[k] * wrap[j-k]
		}
		out[j] = sum
	}
	return out
}

// positivePart is E[max(X, 0)] for X normal with the given mean and
// variance.
func positivePart(mean, variance float64) float64 {
	if variance <= 1e-12 {
		return math.Max(mean, 0)
	}
	sd := math.Sqrt(variance)
	z := mean / sd
	return mean*0.5*math.Erfc(-z/math.Sqrt2) + sd*math.Exp(-z*z/2)/math.Sqrt(2*math.Pi)
}

func clamp01(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return math.Min(math.Max(x, 0), 1)
}
