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
	// Reserve is the abandons the budget holds back (default 1): the
	// calls in flight are covered in expectation, and the reserve takes
	// the chance that more of them are abandoned than expected.
	Reserve float64
}

// Defaults of Predictive.
const (
	DefaultTargetRate       = 0.03
	DefaultMaxLinesPerAgent = 3
	DefaultSmallTeam        = 5
	DefaultGrace            = 2 * time.Second
	DefaultReserve          = 1
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
	if p.Reserve <= 0 {
		p.Reserve = DefaultReserve
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
	Busy []BusyAgent
	// DialRate is the calls placed per second lately (say over the last
	// minute): the passes to come will place about as many, and their
	// answers take agents too.
	DialRate      float64
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
	// once Calls are placed (zero on a small team).
	ExpectedAbandons, ExpectedAnswers float64
	// PeriodBudget and TodayBudget are the abandons still allowed before
	// this pass's calls: TargetRate × answered − abandoned − Reserve.
	PeriodBudget, TodayBudget float64
}

// Decide is how many calls a predictive campaign places now: the most
// calls (so the most agent occupancy) that the abandon budget covers, never
// fewer than progressive pacing would place (a call per free agent not
// already covered by a call in flight: it cannot be abandoned) and never
// more than MaxLinesPerAgent × agents less the calls in progress (ringing,
// waiting, talking).
//
// The budget left, for the period and for today, is
//
//	B = TargetRate × answered − abandoned − Reserve
//
// and n new calls are covered when, with A(n) the expected abandons of the
// calls ringing, waiting and the n new ones,
//
//  1. A(n) ≤ B for the period and for today: the abandons the calls in
//     flight may still cause are paid for by answers already had, so even
//     if the period or the day ended now its rate would be under target in
//     expectation (the Reserve standing for more abandons than expected),
//     and a bad hour is paid back by a careful one; and
//  2. A(n) − A(n−1) ≤ min(budgetGain × B, maxWorth) × PersonRate: the
//     last call's chance of being answered by a person and abandoned grows
//     with the budget saved, so the budget is spent evenly rather than in
//     bursts, and the pacer slows toward progressive as the budget nears
//     its end.
//
// With no budget left (B ≤ 0) it is progressive.
//
// A(n) comes from the estimates: over the next seconds t, the answers by a
// person D(t) (each ringing call's chance given how long it has rung, each
// new call's from its first second, and those of the calls the passes to
// come will place at DialRate; a Poisson count) against the agents
// free S(t+Grace) (the free ones, each busy one's chance of having finished
// its talk and its wrap-up given how long it has been at it; normal). An
// answer with no agent within Grace is abandoned: A(n) = max over t of
// E[(waiting + D(t) − S(t+Grace))⁺].
func (p Predictive) Decide(e Estimates, s Situation) Decision {
	p = p.withDefaults()
	d := Decision{
		PeriodBudget: p.TargetRate*float64(s.Period.Answered) - float64(s.Period.Abandoned) - p.Reserve,
		TodayBudget:  p.TargetRate*float64(s.Today.Answered) - float64(s.Today.Abandoned) - p.Reserve,
	}
	free := max(s.Free, 0)
	waiting := max(s.Waiting, 0)
	progressive := Progressive(free, 1, len(s.Ringing)+waiting, -1)
	d.Calls, d.Progressive = progressive, true
	agents := free + len(s.Busy)
	if agents < p.SmallTeam {
		return d
	}
	m := newModel(p, e, s)
	d.ExpectedAbandons, d.ExpectedAnswers = m.abandons(progressive), m.answers(progressive)
	if d.PeriodBudget <= 0 || d.TodayBudget <= 0 {
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
	worth := math.Min(budgetGain*math.Min(d.PeriodBudget, d.TodayBudget), maxWorth) * m.person
	abandons := map[int]float64{}
	abandonsOf := func(n int) float64 {
		a, ok := abandons[n]
		if !ok {
			a = m.abandons(n)
			abandons[n] = a
		}
		return a
	}
	covered := func(n int) bool {
		a := abandonsOf(n)
		return a <= d.PeriodBudget && a <= d.TodayBudget && a-abandonsOf(n-1) <= worth
	}
	// Abandons and their increments grow with n, so the calls covered
	// are a prefix: search for its end.
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
	d.ExpectedAbandons, d.ExpectedAnswers = abandonsOf(lo), m.answers(lo)
	return d
}

// budgetGain is the chance of abandon, per abandon of budget left, that
// the last call placed may take if a person answers. The benchmark (make
// bench-predictive) chose it: larger gains spend the budget in bursts that
// buy little occupancy.
const budgetGain = 0.005

// maxWorth bounds that chance however much budget a careful month saved:
// savings are spent over hours, not in one pass.
const maxWorth = 0.25

// step is the model's time step; a second is finer than a pass.
const step = 1.0 // seconds

// model holds, for each step t of the horizon, the answers to come by t
// from the calls in flight (a Poisson count: each call's chance is small,
// and the Poisson's longer tail errs on the side of more abandons) and the
// agents free by t + Grace (normal: the free ones certain, each busy one
// a chance), and a new call's chance of being answered by a person by t.
type model struct {
	person         float64
	waiting        float64
	inFlightAnswer float64
	demand         []float64 // Poisson mean of the answers by t
	supply, spread []float64 // mean and standard deviation of the agents by t + Grace
	newAnswer      []float64
	shortfall      [][]float64 // E[(m − S)⁺] by m, filled as needed
}

func newModel(p Predictive, e Estimates, s Situation) *model {
	// The horizon: nearly every answer of a call dialed now has come.
	steps := int(math.Ceil(math.Min(e.AnswerRing.Quantile(0.995).Seconds(), 120)/step)) + 1
	grace := p.Grace.Seconds()
	m := &model{
		person:    clamp01(e.PersonRate),
		waiting:   float64(max(s.Waiting, 0)),
		demand:    make([]float64, steps+1),
		supply:    make([]float64, steps+1),
		spread:    make([]float64, steps+1),
		newAnswer: make([]float64, steps+1),
		shortfall: make([][]float64, steps+1),
	}
	machine := math.Min(clamp01(e.MachineRate), 1-m.person)
	none := 1 - m.person - machine
	answer, noAnswer := newTable(e.AnswerRing), newTable(e.NoAnswerRing)
	future := 0.0
	rate := math.Max(s.DialRate, 0)
	if math.IsInf(rate, 0) || math.IsNaN(rate) {
		rate = 0
	}
	for j := range m.newAnswer {
		m.newAnswer[j] = m.person * answer.at(float64(j)*step)
		// Calls placed at the same rate over the next t seconds, each
		// answered by a person by t with its chance from its own dial.
		future += rate * step * m.newAnswer[j]
		m.demand[j] += future
	}
	for _, age := range s.Ringing {
		a := math.Max(age.Seconds(), 0)
		answeredBy := answer.at(a)
		ringing := (m.person+machine)*(1-answeredBy) + none*(1-noAnswer.at(a))
		if ringing <= 1e-12 {
			continue
		}
		m.inFlightAnswer += m.person * (1 - answeredBy) / ringing
		for j := range m.demand {
			m.demand[j] += m.person * (answer.at(a+float64(j)*step) - answeredBy) / ringing
		}
	}
	// Agents: the free ones; each wrapping up finishes its wrap-up; each
	// talking finishes its talk at a rate that gives its chance over the
	// horizon exactly, then a whole wrap-up. A talking agent's variance
	// is taken as its mean, more than p(1 − p): it errs toward abandons.
	wrap := newTable(e.WrapUp)
	horizon := float64(steps)*step + grace
	ends := make([]float64, steps+1) // agents' talks ending within each step
	variance := make([]float64, steps+1)
	for j := range m.supply {
		m.supply[j] = float64(max(s.Free, 0))
	}
	for _, b := range s.Busy {
		x := math.Max(b.Elapsed.Seconds(), 0)
		if !b.Talking {
			left := 1 - wrap.at(x)
			for j := range m.supply {
				q := 1.0
				if left > 1e-12 {
					q = (wrap.at(x+float64(j)*step+grace) - wrap.at(x)) / left
				}
				m.supply[j] += q
				variance[j] += q * (1 - q)
			}
			continue
		}
		// Talks run long: their CDF is not tabulated up to the longest.
		before := e.Talk.cdf(x)
		within := 1.0
		if left := 1 - before; left > 1e-12 {
			within = (e.Talk.cdf(x+horizon) - before) / left
		}
		if within < 1e-9 {
			continue
		}
		// Constant hazard over the horizon, matching the chance within it.
		still := math.Exp(math.Log1p(-math.Min(within, 1-1e-12)) / horizon * step)
		rest := 1.0
		for k := range ends {
			ends[k] += rest * (1 - still)
			rest *= still
		}
	}
	for j := range m.supply {
		t := float64(j)*step + grace
		free := 0.0
		for k := 0; float64(k)*step < t && k < len(ends); k++ {
			free += ends[k] * wrap.at(t-(float64(k)+0.5)*step)
		}
		m.supply[j] += free
		m.spread[j] = math.Sqrt(variance[j] + free)
	}
	return m
}

// answers is the expected answers by a person of the calls ringing and n
// new ones.
func (m *model) answers(n int) float64 { return m.inFlightAnswer + float64(n)*m.person }

// abandons is the expected abandons of the calls in flight and n new ones:
// the most, over the horizon, of the answers by t beyond the agents free
// by t + Grace.
func (m *model) abandons(n int) float64 {
	worst := 0.0
	for j := range m.demand {
		lambda := m.demand[j] + float64(n)*m.newAnswer[j]
		worst = math.Max(worst, m.expectedShort(j, lambda))
	}
	return worst
}

// expectedShort is E[(waiting + D − S)⁺] at step j, D Poisson of mean
// lambda, S the agents by then.
func (m *model) expectedShort(j int, lambda float64) float64 {
	mu, sd := m.supply[j], m.spread[j]
	top := int(lambda + 10*math.Sqrt(lambda) + 10)
	sum, pk := 0.0, math.Exp(-lambda)
	for k := 0; k <= top; k++ {
		if k > 0 {
			pk *= lambda / float64(k)
		}
		demand := m.waiting + float64(k)
		switch {
		case demand <= mu-8*sd:
			continue
		case demand >= mu+8*sd:
			sum += pk * (demand - mu)
		default:
			sum += pk * m.short(j, demand)
		}
	}
	return sum
}

// short is E[(d − S)⁺] for S normal, d within 8 standard deviations of its
// mean; cached by step and whole d.
func (m *model) short(j int, d float64) float64 {
	k := int(d)
	cache := m.shortfall[j]
	if k < len(cache) && !math.IsNaN(cache[k]) {
		return cache[k]
	}
	v := positivePart(d-m.supply[j], m.spread[j]*m.spread[j])
	for len(cache) <= k {
		cache = append(cache, math.NaN())
	}
	cache[k] = v
	m.shortfall[j] = cache
	return v
}

// table is a distribution's CDF tabulated every half step, filled as
// asked: a pass asks for the same few seconds many times.
type table struct {
	dist   LogNormal
	values []float64
}

func newTable(d LogNormal) *table { return &table{dist: d} }

// maxTabulated bounds a table (10 minutes): a call ringing longer, or a
// stale age, is looked up directly rather than growing it.
const maxTabulated = 1200

// at is the CDF at x seconds, x rounded to the half step.
func (t *table) at(x float64) float64 {
	i := int(math.Round(x * 2 / step))
	if i < 0 {
		return 0
	}
	if i > maxTabulated {
		return t.dist.cdf(x)
	}
	for len(t.values) <= i {
		t.values = append(t.values, t.dist.cdf(float64(len(t.values))*step/2))
	}
	return t.values[i]
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
