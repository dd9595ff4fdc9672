package main

import (
	"container/heap"
	"math"
	"math/rand/v2"
	"time"

	"github.com/outdial/outdial/pacing"
)

// model is one cell of the grid: the campaign's traffic and its team.
type model struct {
	person float64       // share of calls answered by a person
	talk   time.Duration // mean talk time
	agents int
}

// The traffic every model shares.
const (
	machineShare = 0.2
	answerMean   = 8 * time.Second // person or machine, log-normal
	answerSigma  = 0.5
	giveUpMin    = 15 * time.Second // unanswered calls ring 15–30 s
	giveUpSpread = 15 * time.Second
	talkSigma    = 0.6
	wrapMean     = 30 * time.Second
	wrapSigma    = 0.25
	shift        = 8 * time.Hour
	graceSeconds = 2.0 // an answer with no agent within this is abandoned
)

// draw is what happens to the campaign's n-th call, whichever pacer
// places it: every pacer sees the same calls in the same order.
type draw struct {
	outcome pacing.Outcome
	answer  float64 // seconds to the answer, person or machine
	giveUp  float64 // seconds an unanswered call rings
	talk    float64
	wrap    float64
}

// traffic draws the calls of one seed in order, five numbers per call
// whatever its outcome, so call n is the same for every pacer.
type traffic struct {
	rng                *rand.Rand
	person             float64
	answer, talk, wrap pacing.LogNormal
}

func newTraffic(m model, seed uint64) *traffic {
	return &traffic{
		rng:    rand.New(rand.NewPCG(seed, uint64(m.agents)<<32|uint64(m.person*1000)<<16|uint64(m.talk/time.Second))),
		person: m.person,
		answer: pacing.LogNormalWithMean(answerMean, answerSigma),
		talk:   pacing.LogNormalWithMean(m.talk, talkSigma),
		wrap:   pacing.LogNormalWithMean(wrapMean, wrapSigma),
	}
}

func (t *traffic) next() draw {
	u := t.rng.Float64()
	d := draw{
		answer: logNormal(t.rng, t.answer),
		giveUp: giveUpMin.Seconds() + giveUpSpread.Seconds()*t.rng.Float64(),
		talk:   logNormal(t.rng, t.talk),
		wrap:   logNormal(t.rng, t.wrap),
	}
	switch {
	case u < t.person:
		d.outcome = pacing.Person
	case u < t.person+machineShare:
		d.outcome = pacing.Machine
	default:
		d.outcome = pacing.NoAnswer
	}
	return d
}

func logNormal(r *rand.Rand, l pacing.LogNormal) float64 {
	return math.Exp(l.Mu + l.Sigma*r.NormFloat64())
}

// The simulation's events.
type kind int

const (
	pass     kind = iota // the pacer decides
	answered             // a call is answered (person or machine)
	givenUp              // an unanswered call is given up
	deadline             // an answered call's grace is over
	talkEnds             // an agent's talk ends
	wrapEnds             // an agent's wrap-up ends
)

type event struct {
	at   float64
	kind kind
	id   int // call or agent
	seq  int // ties in the order scheduled, so runs are reproducible
}

type queue []event

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(event)) }
func (q *queue) Pop() any     { old := *q; e := old[len(old)-1]; *q = old[:len(old)-1]; return e }
func (q *queue) add(e event)  { heap.Push(q, e) }
func (q *queue) take() event  { return heap.Pop(q).(event) }
func (q queue) empty() bool   { return len(q) == 0 }

type callState int

const (
	ringing callState = iota
	waiting
	connected
	over
)

type call struct {
	dialed float64
	draw
	state         callState
	slot          int
	abandonedCall bool // index in sim.ringing while ringing
}

type agentState int

const (
	free agentState = iota
	talking
	wrapping
)

type agent struct {
	state agentState
	since float64
	call  int
}

// sim is one campaign's shift under one pacer.
type sim struct {
	now     float64
	events  queue
	seq     int
	traffic *traffic
	calls   []call
	ringing []int // calls ringing, by id
	waiting []int // answered calls waiting for an agent, oldest first
	agents  []agent
	free    []int // free agents, by id
	talking int
	// finished are the attempts that ended, in the order they ended.
	finished []pacing.Attempt
	result
}

// result is what a shift measured.
type result struct {
	dialed, answers, abandoned, connects int
	busy, wait                           float64 // agent-seconds within the shift
}

// pacer decides each second how many calls to place.
type pacer interface {
	calls(s *sim) int
}

var epoch = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)

func run(m model, seed uint64, p pacer) result { return runSim(m, seed, p).result }

func runSim(m model, seed uint64, p pacer) *sim {
	s := &sim{traffic: newTraffic(m, seed), agents: make([]agent, m.agents)}
	for i := range s.agents {
		s.free = append(s.free, i)
	}
	s.schedule(0, pass, 0)
	end := shift.Seconds()
	for !s.events.empty() {
		e := s.events.take()
		s.now = e.at
		switch e.kind {
		case pass:
			for range max(p.calls(s), 0) {
				s.dial()
			}
			if s.now+1 < end {
				s.schedule(s.now+1, pass, 0)
			}
		case answered:
			s.answer(e.id)
		case givenUp:
			s.stopRinging(e.id)
			s.finish(e.id, pacing.NoAnswer, false)
		case deadline:
			if c := &s.calls[e.id]; c.state == waiting {
				s.abandon(e.id)
			}
		case talkEnds:
			a := &s.agents[e.id]
			a.state, a.since = wrapping, s.now
			s.talking--
			s.schedule(s.now+s.calls[a.call].wrap, wrapEnds, e.id)
		case wrapEnds:
			s.finish(s.agents[e.id].call, pacing.Person, false)
			s.release(e.id)
		}
	}
	return s
}

func (s *sim) schedule(at float64, k kind, id int) {
	s.seq++
	s.events.add(event{at: at, kind: k, id: id, seq: s.seq})
}

func (s *sim) dial() {
	id := len(s.calls)
	s.calls = append(s.calls, call{dialed: s.now, draw: s.traffic.next(), slot: len(s.ringing)})
	s.ringing = append(s.ringing, id)
	s.dialed++
	c := &s.calls[id]
	if c.outcome == pacing.NoAnswer {
		s.schedule(s.now+c.giveUp, givenUp, id)
	} else {
		s.schedule(s.now+c.answer, answered, id)
	}
}

func (s *sim) stopRinging(id int) {
	slot := s.calls[id].slot
	last := s.ringing[len(s.ringing)-1]
	s.ringing[slot] = last
	s.calls[last].slot = slot
	s.ringing = s.ringing[:len(s.ringing)-1]
}

func (s *sim) answer(id int) {
	s.stopRinging(id)
	c := &s.calls[id]
	if c.outcome == pacing.Machine {
		s.finish(id, pacing.Machine, false)
		return
	}
	s.answers++
	c.state = waiting
	if len(s.free) > 0 {
		s.connect(id, s.free[len(s.free)-1])
		s.free = s.free[:len(s.free)-1]
		return
	}
	s.waiting = append(s.waiting, id)
	s.schedule(s.now+graceSeconds, deadline, id)
}

func (s *sim) abandon(id int) {
	s.abandoned++
	s.calls[id].abandonedCall = true
	for i, w := range s.waiting {
		if w == id {
			s.waiting = append(s.waiting[:i], s.waiting[i+1:]...)
			break
		}
	}
	s.finish(id, pacing.Person, true)
}

// connect gives an answered call to a free agent; the agent's time on it
// counts as busy within the shift, its time since its last call as wait.
func (s *sim) connect(id, ag int) {
	c := &s.calls[id]
	c.state = connected
	a := &s.agents[ag]
	end := shift.Seconds()
	if s.now < end {
		s.wait += s.now - a.since
		s.busy += math.Min(s.now+c.talk+c.wrap, end) - s.now
		s.connects++
	}
	a.state, a.since, a.call = talking, s.now, id
	s.talking++
	s.schedule(s.now+c.talk, talkEnds, ag)
}

// release frees an agent: the oldest call waiting, if any, is its next.
func (s *sim) release(ag int) {
	a := &s.agents[ag]
	a.state, a.since = free, s.now
	if len(s.waiting) > 0 {
		id := s.waiting[0]
		s.waiting = s.waiting[1:]
		s.connect(id, ag)
		return
	}
	s.free = append(s.free, ag)
}

func (s *sim) finish(id int, o pacing.Outcome, abandoned bool) {
	c := &s.calls[id]
	c.state = over
	at := pacing.Attempt{Dialed: epoch.Add(secs(c.dialed)), Outcome: o, Abandoned: abandoned}
	switch o {
	case pacing.NoAnswer:
		at.Ring = secs(c.giveUp)
	default:
		at.Ring = secs(c.answer)
		if o == pacing.Person && !abandoned {
			at.Talk, at.WrapUp = secs(c.talk), secs(c.wrap)
		}
	}
	s.finished = append(s.finished, at)
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// inFlight is the calls placed and not yet with an agent or over: ringing
// or waiting.
func (s *sim) inFlight() int { return len(s.ringing) + len(s.waiting) }
