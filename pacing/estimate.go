package pacing

import (
	"math"
	"time"
)

// Outcome is how the telephony ended an attempt, as the predictive pacer
// counts it.
type Outcome int

const (
	// NoAnswer rang until it was given up (or was busy, or failed).
	NoAnswer Outcome = iota
	// Machine was answered by an answering machine, detected and hung up
	// without an agent.
	Machine
	// Person was answered by a live person: connected to an agent or
	// abandoned.
	Person
)

// Attempt is one finished call of the campaign, as the estimates need it.
type Attempt struct {
	Dialed  time.Time
	Outcome Outcome
	// Ring is from the dial to the answer, or to the give-up of a call
	// not answered.
	Ring time.Duration
	// Talk and WrapUp are the agent's times on a call answered by a
	// person and connected; zero otherwise.
	Talk, WrapUp time.Duration
	// Abandoned: answered by a person with no agent free within the
	// grace (2 s).
	Abandoned bool
}

// ended is when the attempt stopped counting against an agent.
func (a Attempt) ended() time.Time { return a.Dialed.Add(a.Ring + a.Talk + a.WrapUp) }

// LogNormal is a duration whose logarithm in seconds is normal with mean
// Mu and standard deviation Sigma: talk, wrap-up and ring times are
// positive and right-skewed, and its tail says how likely a call that has
// lasted a while is to end soon, which a mean alone cannot.
type LogNormal struct{ Mu, Sigma float64 }

// minSigma keeps a fitted distribution from collapsing to a point (a
// constant wrap-up, a fixed give-up) so its conditional probabilities
// stay defined.
const minSigma = 0.05

// LogNormalWithMean is the log-normal of the given mean and sigma.
func LogNormalWithMean(mean time.Duration, sigma float64) LogNormal {
	sigma = math.Max(sigma, minSigma)
	return LogNormal{Mu: math.Log(math.Max(mean.Seconds(), 0.1)) - sigma*sigma/2, Sigma: sigma}
}

// CDF is the probability that the duration is at most d.
func (l LogNormal) CDF(d time.Duration) float64 { return l.cdf(d.Seconds()) }

func (l LogNormal) cdf(seconds float64) float64 {
	if seconds <= 0 {
		return 0
	}
	return 0.5 * math.Erfc(-(math.Log(seconds)-l.Mu)/(l.Sigma*math.Sqrt2))
}

// Mean is the distribution's mean.
func (l LogNormal) Mean() time.Duration {
	return seconds(math.Exp(l.Mu + l.Sigma*l.Sigma/2))
}

// Quantile is the duration below which a fraction p of the draws fall.
func (l LogNormal) Quantile(p float64) time.Duration {
	p = math.Min(math.Max(p, 1e-9), 1-1e-9)
	return seconds(math.Exp(l.Mu + l.Sigma*math.Sqrt2*math.Erfinv(2*p-1)))
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// Estimates are what the predictive pacer knows of a campaign's traffic.
type Estimates struct {
	// Attempts is how many of the campaign's attempts they are drawn from
	// (the prior's weight aside).
	Attempts int
	// PersonRate and MachineRate are the chances that a dialed call is
	// answered by a person, by a machine; the rest are not answered.
	PersonRate, MachineRate float64
	// AnswerRing is the time from the dial to an answer (person or
	// machine); NoAnswerRing how long an unanswered call rings before it
	// is given up.
	AnswerRing, NoAnswerRing LogNormal
	// Talk and WrapUp are an agent's times on a connected call.
	Talk, WrapUp LogNormal
}

// Prior is what a campaign is assumed to be before its own attempts say
// otherwise, and how many attempts' worth that assumption weighs.
type Prior struct {
	Estimates
	Weight float64
}

// DefaultPrior is a cautious guess for a new campaign: a quarter of calls
// answered by a person, a fifth by machines, answers after about 8 s,
// unanswered calls given up after about 25 s, three-minute talks and
// 30-second wrap-ups, worth 30 attempts.
func DefaultPrior() Prior {
	return Prior{Weight: 30, Estimates: Estimates{
		PersonRate: 0.25, MachineRate: 0.2,
		AnswerRing:   LogNormalWithMean(8*time.Second, 0.5),
		NoAnswerRing: LogNormalWithMean(25*time.Second, 0.2),
		Talk:         LogNormalWithMean(3*time.Minute, 0.8),
		WrapUp:       LogNormalWithMean(30*time.Second, 0.4),
	}}
}

// Estimate is the campaign's traffic as its attempts that ended within
// window before now show it, blended with prior as Weight pseudo-attempts:
// rates by counting, durations by fitting a log-normal to their
// logarithms. Attempts are taken by when they ended, not when they were
// dialed: in a window of dial times the long talks have not ended yet and
// the talk times come out short.
func Estimate(recent []Attempt, now time.Time, window time.Duration, prior Prior) Estimates {
	w := math.Max(prior.Weight, 0)
	var n, person, machine float64
	answer, noAnswer := newFit(prior.AnswerRing, w), newFit(prior.NoAnswerRing, w)
	talk, wrap := newFit(prior.Talk, w), newFit(prior.WrapUp, w)
	since := now.Add(-window)
	for _, a := range recent {
		if end := a.ended(); end.Before(since) || end.After(now) {
			continue
		}
		n++
		switch a.Outcome {
		case Person:
			person++
			answer.add(a.Ring)
			if !a.Abandoned && a.Talk > 0 {
				talk.add(a.Talk)
				wrap.add(a.WrapUp)
			}
		case Machine:
			machine++
			answer.add(a.Ring)
		default:
			noAnswer.add(a.Ring)
		}
	}
	e := Estimates{
		Attempts:     int(n),
		PersonRate:   prior.PersonRate,
		MachineRate:  prior.MachineRate,
		AnswerRing:   answer.result(),
		NoAnswerRing: noAnswer.result(),
		Talk:         talk.result(),
		WrapUp:       wrap.result(),
	}
	if w+n > 0 {
		e.PersonRate = (w*prior.PersonRate + person) / (w + n)
		e.MachineRate = (w*prior.MachineRate + machine) / (w + n)
	}
	return e
}

// fit accumulates the first two moments of log-seconds, the prior counted
// as weight observations of its own moments.
type fit struct{ n, sum, sumSq float64 }

func newFit(prior LogNormal, weight float64) fit {
	return fit{n: weight, sum: weight * prior.Mu, sumSq: weight * (prior.Sigma*prior.Sigma + prior.Mu*prior.Mu)}
}

// add takes one duration; under a tenth of a second counts as a tenth,
// so a zero does not pull the logarithm to minus infinity.
func (f *fit) add(d time.Duration) {
	x := math.Log(math.Max(d.Seconds(), 0.1))
	f.n++
	f.sum += x
	f.sumSq += x * x
}

func (f fit) result() LogNormal {
	if f.n <= 0 {
		return LogNormal{Sigma: minSigma}
	}
	mu := f.sum / f.n
	return LogNormal{Mu: mu, Sigma: math.Max(math.Sqrt(math.Max(f.sumSq/f.n-mu*mu, 0)), minSigma)}
}
