package main

import (
	"math"
	"time"

	"github.com/outdial/outdial/pacing"
)

// progressive places a call per free agent not already covered by a call
// in flight: the floor, which never abandons.
type progressive struct{}

func (progressive) calls(s *sim) int {
	return pacing.Progressive(len(s.free), 1, s.inFlight(), -1)
}

// fixedRatio keeps ratio lines per agent not wrapping up, as a dialer
// with a fixed dial level does: ratio × (free + talking) less the calls
// ringing, waiting and talking. At 1 it is progressive.
type fixedRatio struct{ ratio float64 }

func (f fixedRatio) calls(s *sim) int { return dialLevelCalls(f.ratio, s) }

// dialLevelCalls is VICIdial's AST_VDauto_dial.pl goal: the dial level
// times the agents taking calls (READY and INCALL; an agent wrapping up is
// neither), rounded, less the campaign's live calls (ringing, waiting,
// with an agent).
func dialLevelCalls(level float64, s *sim) int {
	goal := int(math.Round(level * float64(len(s.free)+s.talking)))
	return goal - s.inFlight() - s.talking
}

// outdial is Outdial's predictive pacer: pacing.Estimate over the
// attempts that ended in the last hour (the most recent estimateAttempts
// of them), refreshed every estimateEvery as a pacer would cache it, and
// pacing.Predictive.Decide every pass.
type outdial struct {
	settings  pacing.Predictive
	estimates pacing.Estimates
	refreshed float64
	fresh     bool
	ages      []time.Duration
	busy      []pacing.BusyAgent
	dials     []float64 // when the calls of the last minute were placed
}

const (
	estimateWindow   = time.Hour
	estimateAttempts = 5000
	estimateEvery    = 30.0 // seconds
)

func (o *outdial) calls(s *sim) int {
	if !o.fresh || s.now-o.refreshed >= estimateEvery {
		recent := s.finished[max(len(s.finished)-estimateAttempts, 0):]
		o.estimates = pacing.Estimate(recent, epoch.Add(secs(s.now)), estimateWindow, pacing.DefaultPrior())
		o.refreshed, o.fresh = s.now, true
	}
	o.ages = o.ages[:0]
	for _, id := range s.ringing {
		o.ages = append(o.ages, secs(s.now-s.calls[id].dialed))
	}
	o.busy = o.busy[:0]
	for _, a := range s.agents {
		if a.state != free {
			o.busy = append(o.busy, pacing.BusyAgent{Talking: a.state == talking, Elapsed: secs(s.now - a.since)})
		}
	}
	// The calls placed over the last minute, as a pacer counts them.
	for len(o.dials) > 0 && o.dials[0] < s.now-60 {
		o.dials = o.dials[1:]
	}
	rate := float64(len(o.dials)) / math.Min(math.Max(s.now, 1), 60)
	// One 8-hour shift: the 30-day period and the day are the same.
	account := pacing.Abandons{Answered: s.answers, Abandoned: s.abandoned}
	n := o.settings.Decide(o.estimates, pacing.Situation{
		Ringing: o.ages, Waiting: len(s.waiting), Free: len(s.free), Busy: o.busy,
		DialRate: rate, Period: account, Today: account,
	}).Calls
	for range n {
		o.dials = append(o.dials, s.now)
	}
	return n
}

// vicidial re-implements VICIdial's ADAPT_AVERAGE dial method as
// bin/AST_VDadapt.pl (version 2.4, read in the inktel/Vicidial copy of
// the VICIdial source) computes it, with the campaign defaults
// (adaptive_dl_diff_target 0, adaptive_intensity 0,
// adaptive_maximum_level 3.0, adaptive_dropped_percentage 3, dial level
// thresholds disabled) and the dial level starting at 1.0:
//
//   - every second (count_agents_lines) it samples the ready agents
//     (READY or DONE), the calls waiting for an agent (LIVE) and the
//     agents logged in, and averages the last 15 samples;
//   - every 15 seconds (calculate_dial_level) the differential is ready
//     minus waiting, and the dial level becomes level × (1 + differential
//     ÷ average agents), capped at the maximum level; if more than 20
//     calls were placed in the last minute and over 50% of them dropped
//     it is halved; if more than 50 calls were placed today and the drops
//     today are over adaptive_dropped_percentage of today's answers it is
//     halved (ADAPT_AVERAGE); never below 1.0;
//   - the drop figures are recounted every 60 seconds (calculate_drops),
//     since midnight for today;
//   - each second the dialer (AST_VDauto_dial.pl) places the dial level
//     times the agents taking calls, rounded, less the live calls.
//
// A call waits for an agent as long as Outdial's rule allows (2 s, the
// world every pacer is measured in), not VICIdial's 5-second drop default.
type vicidial struct {
	level                   float64
	ready, waiting, total   []float64
	tick                    int
	dropsOne, callsOne      int
	dropsToday, callsToday  int
	answersToday            int
	lastDialed, lastDropped int
}

func newVICIdial() *vicidial { return &vicidial{level: 1} }

const (
	adaptiveMaximumLevel      = 3.0
	adaptiveDroppedPercentage = 3.0
)

func (v *vicidial) calls(s *sim) int {
	v.tick++
	v.ready = window15(v.ready, float64(len(s.free)))
	v.waiting = window15(v.waiting, float64(len(s.waiting)))
	v.total = window15(v.total, float64(len(s.agents)))
	if v.tick%60 == 0 {
		v.callsOne, v.dropsOne = s.dialed-v.lastDialed, s.abandoned-v.lastDropped
		v.lastDialed, v.lastDropped = s.dialed, s.abandoned
		v.callsToday, v.dropsToday, v.answersToday = s.dialed, s.abandoned, s.answers
	}
	if v.tick%15 == 0 {
		v.adapt()
	}
	return dialLevelCalls(v.level, s)
}

func (v *vicidial) adapt() {
	agents := mean(v.total)
	level := v.level
	if diff := mean(v.ready) - mean(v.waiting); diff != 0 && agents != 0 {
		level *= 1 + diff/agents
	}
	level = math.Min(level, adaptiveMaximumLevel)
	if v.callsOne > 20 && 100*float64(v.dropsOne)/float64(v.callsOne) > 50 {
		level /= 2
	}
	if v.callsToday > 50 && v.dropsToday > 0 {
		answers := max(v.answersToday, 1)
		if 100*float64(v.dropsToday)/float64(answers) > adaptiveDroppedPercentage {
			level /= 2
		}
	}
	v.level = math.Max(level, 1)
}

func window15(xs []float64, x float64) []float64 {
	xs = append(xs, x)
	if len(xs) > 15 {
		xs = xs[1:]
	}
	return xs
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}
