package dialer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
)

// Span is how long something lasts: drawn uniformly from [Min, Max], or,
// with Mean set, from a log-normal of that mean whose logarithm has the
// standard deviation Sigma (talk times are right-skewed: many short, a few
// long).
type Span struct {
	Min, Max time.Duration
	Mean     time.Duration
	Sigma    float64
}

// UnmarshalJSON reads a span as {"min": "5s", "max": "25s"}, or a
// log-normal as {"mean": "2m", "sigma": 0.6}.
func (s *Span) UnmarshalJSON(b []byte) error {
	var v struct {
		Min, Max, Mean string
		Sigma          float64
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&v); err != nil {
		return fmt.Errorf(`a span is {"min": "5s", "max": "25s"} or {"mean": "2m", "sigma": 0.6}: %w`, err)
	}
	for _, f := range []struct {
		text string
		to   *time.Duration
	}{{v.Min, &s.Min}, {v.Max, &s.Max}, {v.Mean, &s.Mean}} {
		if f.text == "" {
			continue
		}
		var err error
		if *f.to, err = time.ParseDuration(f.text); err != nil {
			return fmt.Errorf("span: %w", err)
		}
	}
	s.Sigma = v.Sigma
	return nil
}

func (s Span) draw(r *rand.Rand) time.Duration {
	if s.Mean > 0 {
		// E[exp(N(mu, sigma))] = exp(mu + sigma²/2).
		mu := math.Log(s.Mean.Seconds()) - s.Sigma*s.Sigma/2
		return time.Duration(math.Exp(mu+s.Sigma*r.NormFloat64()) * float64(time.Second))
	}
	if s.Max <= s.Min {
		return s.Min
	}
	return s.Min + time.Duration(r.Int64N(int64(s.Max-s.Min)))
}

func (s Span) validate(what string) error {
	switch {
	case s.Mean > 0 && (s.Sigma < 0 || s.Sigma > 3):
		return fmt.Errorf("simulator: %s: sigma %v must be between 0 and 3", what, s.Sigma)
	case s.Mean < 0, s.Min < 0, s.Max < s.Min:
		return fmt.Errorf("simulator: %s: span %s..%s is not a range", what, s.Min, s.Max)
	}
	return nil
}

// Kinds of wrap-up code, by what the campaign's outcome group makes of
// them: the simulator weighs kinds, as each campaign has its own codes.
const (
	// WrapupSuccess is a success outcome that does not reschedule the
	// contact.
	WrapupSuccess = "success"
	// WrapupCallback reschedules the contact: the person asked to be called
	// again.
	WrapupCallback = "callback"
	// WrapupFailure is any other outcome.
	WrapupFailure = "failure"
)

// WrapupCode is one of a campaign's wrap-up codes and its kind.
type WrapupCode struct {
	Name string
	Kind string
}

// SimulatorConfig is how the simulated world behaves.
type SimulatorConfig struct {
	// Outcomes weighs each telephony outcome.
	Outcomes map[string]float64
	// Wrapups weighs the kinds of wrap-up code simulated agents send after
	// a talk. A kind's weight is shared equally by the campaign's codes of
	// that kind; a kind the campaign has no code of drops out.
	Wrapups map[string]float64
	// Business, when it weighs some of the campaign's codes by name,
	// draws among those instead of by kind: tests use it to pick a code.
	// A name that is not one of the campaign's codes is never sent.
	Business map[string]float64
	Ring     Span // until the call is answered or gives up
	Talk     Span // an agent's conversation
	WrapUp   Span // an agent's wrap-up time after it
	// Campaigns give campaigns, by name, their own outcomes and times in
	// place of the ones above.
	Campaigns map[string]CampaignWorld
	// Breaks send the simulated agents on breaks: an agent whose break is
	// due when a wrap-up ends goes not ready for Breaks.Length, then
	// available again. Zero Every: no breaks.
	Breaks Breaks
	// Speed runs the simulated clock faster than real time: 60 makes a
	// minute of ringing last a second.
	Speed float64
	Seed  uint64
	// RetryFirst is the wait before a failed report is sent again; it
	// doubles up to five seconds. Zero: a quarter of a second.
	RetryFirst time.Duration
}

// CampaignWorld is a campaign's own traffic; what it leaves out (no
// outcome weighed, a zero span) is the simulator's.
type CampaignWorld struct {
	Outcomes           map[string]float64
	Ring, Talk, WrapUp Span
}

// Breaks are how often simulated agents take a break and for how long.
type Breaks struct {
	// Every is the time from the end of one break (or from an agent's
	// first call) until the next is due.
	Every  Span
	Length Span
}

// DefaultSimulatorConfig is the demo's world: most calls reach a person or
// a machine, talks last a minute or two, and the talks end in a mix of the
// campaign's own success, callback and failure codes.
var DefaultSimulatorConfig = SimulatorConfig{
	Outcomes: map[string]float64{"voice": 0.45, "answer-machine": 0.2, "no-answer": 0.2, "busy": 0.1, "no-ringback": 0.05},
	Wrapups:  map[string]float64{WrapupSuccess: 0.45, WrapupCallback: 0.35, WrapupFailure: 0.2},
	Ring:     Span{Min: 5 * time.Second, Max: 25 * time.Second},
	Talk:     Span{Min: 30 * time.Second, Max: 2 * time.Minute},
	WrapUp:   Span{Min: 5 * time.Second, Max: 20 * time.Second},
	Speed:    10,
	Seed:     1,
}

// Agents is the agent pool a simulated call is connected to.
type Agents interface {
	// Reserve connects an available agent of the campaign's teams to a
	// call, preferring the named one; ok is false when none is free.
	Reserve(ctx context.Context, campaignID uint64, preferred string) (agent string, ok bool, err error)
	// SetState moves a simulated agent on: wrap_up after the talk,
	// available after the wrap-up.
	SetState(ctx context.Context, agent, state string) error
	// AtDesk tells an agent a person plays (signed in at the console) from
	// one the simulator plays: the person talks and wraps up their calls.
	AtDesk(ctx context.Context, agent string) (bool, error)
}

// Reports is where a simulated call's outcome and wrap-up go: the same
// path as a real dialer's and agent's reports. Like an agent's desktop, it
// knows the campaign's wrap-up codes.
type Reports interface {
	TelephonyOutcome(ctx context.Context, attemptID, outcome, agent string, times CallTimes) error
	Wrapup(ctx context.Context, attemptID, business, agent string) error
	// WrapupCodes lists the codes of the campaign's outcome group, the only
	// ones its agents may send; none when it has no group.
	WrapupCodes(ctx context.Context, campaignID uint64) ([]WrapupCode, error)
}

// Simulator is the built-in dialer for the demo, the tests and the
// benchmarks: it "places" each call on a simulated clock, reports a
// telephony outcome drawn from the configured weights, and for answered
// calls connects a free agent who talks and wraps up with one of the
// campaign's codes, so a simulated campaign runs its own rules. Every draw
// is made when the call is asked for, so a seed replays the same calls.
type Simulator struct {
	Config  SimulatorConfig
	Agents  Agents
	Reports Reports
	Log     *slog.Logger
	// Final tells a report Outdial refused for good (an unknown attempt, an
	// outcome it already has) from one that failed on the way, such as
	// during a database outage, which is sent again. Nil: every failure is
	// final.
	Final func(error) bool

	once sync.Once
	mu   sync.Mutex
	rng  *rand.Rand
	seen map[string]bool
	// breaks are when each agent's next break is due, in real time.
	breaks map[string]time.Time
	ctx    context.Context
}

// Start gives the simulator the context its calls live in; calls in flight
// stop when it ends.
func (s *Simulator) Start(ctx context.Context) { s.init(); s.mu.Lock(); s.ctx = ctx; s.mu.Unlock() }

func (s *Simulator) init() {
	s.once.Do(func() {
		s.rng = rand.New(rand.NewPCG(s.Config.Seed, s.Config.Seed^0x9e3779b97f4a7c15))
		s.seen = map[string]bool{}
		s.breaks = map[string]time.Time{}
		if s.ctx == nil {
			s.ctx = context.Background()
		}
		if s.Log == nil {
			s.Log = slog.Default()
		}
		if s.Config.Speed <= 0 {
			s.Config.Speed = 1
		}
	})
}

// Dial accepts the call and plays it out in the background. A second
// request for the same attempt is accepted and ignored.
func (s *Simulator) Dial(_ context.Context, req CallRequest) error {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[req.AttemptID] {
		return nil
	}
	s.seen[req.AttemptID] = true
	go s.play(s.ctx, s.plan(req))
	return nil
}

// plan draws a call's outcome and spans; s.mu is held.
func (s *Simulator) plan(req CallRequest) call {
	w := s.Config.worldOf(req.Campaign)
	c := call{req: req, outcome: pickAt(s.rng.Float64(), w.Outcomes), wrapup: s.rng.Float64(),
		ring: w.Ring.draw(s.rng), talk: w.Talk.draw(s.rng), wrap: w.WrapUp.draw(s.rng)}
	if c.outcome == "no-answer" {
		// Nobody answers: the call rings its legal least (or what the
		// request asks, if longer) before it is given up.
		c.ring = max(c.ring, MinRing, time.Duration(req.MinRingSeconds)*time.Second)
	}
	return c
}

// worldOf is the traffic of the named campaign: its own where it has one.
func (c SimulatorConfig) worldOf(campaign string) CampaignWorld {
	w := CampaignWorld{Outcomes: c.Outcomes, Ring: c.Ring, Talk: c.Talk, WrapUp: c.WrapUp}
	own, ok := c.Campaigns[campaign]
	if !ok {
		return w
	}
	if len(own.Outcomes) > 0 {
		w.Outcomes = own.Outcomes
	}
	for _, f := range []struct{ own, to *Span }{{&own.Ring, &w.Ring}, {&own.Talk, &w.Talk}, {&own.WrapUp, &w.WrapUp}} {
		if *f.own != (Span{}) {
			*f.to = *f.own
		}
	}
	return w
}

type call struct {
	req     CallRequest
	outcome string
	// wrapup draws the code among the campaign's codes as they are at the
	// wrap-up.
	wrapup           float64
	ring, talk, wrap time.Duration
}

// sleep waits d of simulated time.
func (s *Simulator) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(s.real(d))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (s *Simulator) play(ctx context.Context, c call) {
	if !s.sleep(ctx, c.ring) {
		return
	}
	id := c.req.AttemptID
	if c.outcome != "voice" {
		var times CallTimes
		if c.outcome == "abandoned" {
			times.AnsweredAt = time.Now() // a person answered; no agent came
		}
		s.report(ctx, id, func(ctx context.Context) error { return s.Reports.TelephonyOutcome(ctx, id, c.outcome, "", times) })
		if c.req.Agent != "" {
			// The call was placed for an agent, and nobody answered.
			s.report(ctx, id, func(ctx context.Context) error { return s.Agents.SetState(ctx, c.req.Agent, freeState(c.req)) })
		}
		return
	}
	// A person answered now; the agent is connected as it is reserved,
	// within the grace of 2 s of the answer.
	answered := time.Now()
	times := CallTimes{AnsweredAt: answered}
	agent, ok := s.reserveWithin(ctx, c.req, answered)
	times.ConnectedAt = time.Now()
	if ok && times.ConnectedAt.Sub(answered) > s.giveUpAfter() {
		// The agent came after the dialer's timer gave up on one: the
		// message has played and the person is gone, so the agent is free
		// again.
		s.report(ctx, id, func(ctx context.Context) error { return s.Agents.SetState(ctx, agent, freeState(c.req)) })
		ok = false
	}
	if !ok {
		// No agent was free in time: the person hears the campaign's
		// abandon message, if it has one, when the dialer's timer gives
		// up on an agent.
		times.ConnectedAt = time.Time{}
		if c.req.AbandonMessage != "" {
			times.AbandonMessageAt = answered.Add(s.giveUpAfter())
		}
		s.report(ctx, id, func(ctx context.Context) error { return s.Reports.TelephonyOutcome(ctx, id, "abandoned", "", times) })
		return
	}
	s.report(ctx, id, func(ctx context.Context) error { return s.Reports.TelephonyOutcome(ctx, id, "voice", agent, times) })
	s.converse(ctx, c, agent)
}

// freeState is where the agent a call was placed for goes when the call
// reaches no one: a preview agent back to asking for cards, the agent of a
// progressive or predictive personal callback to taking calls.
func freeState(req CallRequest) string {
	if req.CampaignType == "Progressive" || req.CampaignType == "Predictive" {
		return "available"
	}
	return "idle"
}

// Grace is how soon after a person answers an agent must take the call,
// or it is abandoned (FTC/FCC, Ofcom): pacing.DefaultGrace, which the
// dialer adapters may not import.
const Grace = 2 * time.Second

// MinRing is how long an unanswered call rings before it is given up, at
// the least (FTC/FCC: 15 s or four rings).
const MinRing = 15 * time.Second

// minGrace is the least real time the simulator's grace lasts, however
// fast its clock: asking Outdial's database for an agent takes
// milliseconds that do not speed up.
const minGrace = 100 * time.Millisecond

// grace is how long, in real time, an answered call waits for an agent:
// Grace of simulated time, minGrace at the least.
func (s *Simulator) grace() time.Duration { return max(s.real(Grace), minGrace) }

// giveUpAfter is when, after the answer, the simulated dialer's timer
// stops looking for an agent and plays the abandon message: inside the
// grace, so that an agent found at the last moment still lands in it.
func (s *Simulator) giveUpAfter() time.Duration { return s.grace() * 3 / 4 }

// reserveWithin connects an agent to the call a person answered at
// answered, asking again until giveUpAfter has passed.
func (s *Simulator) reserveWithin(ctx context.Context, req CallRequest, answered time.Time) (string, bool) {
	deadline := answered.Add(s.giveUpAfter())
	for {
		agent, ok, err := s.Agents.Reserve(ctx, req.CampaignID, req.Agent)
		if err == nil && ok {
			return agent, true
		}
		if time.Now().After(deadline) || !s.sleep(ctx, Grace/10) {
			return "", false
		}
	}
}

// converse plays an answered call out from its talk: the agent talks,
// wraps up, sends one of the campaign's codes and is available again.
// A person at the agent's desk does all that instead.
func (s *Simulator) converse(ctx context.Context, c call, agent string) {
	id := c.req.AttemptID
	var person bool
	s.report(ctx, id, func(ctx context.Context) (err error) {
		person, err = s.Agents.AtDesk(ctx, agent)
		return err
	})
	if person {
		return
	}
	if !s.sleep(ctx, c.talk) {
		return
	}
	s.report(ctx, id, func(ctx context.Context) error { return s.Agents.SetState(ctx, agent, "wrap_up") })
	if !s.sleep(ctx, c.wrap) {
		return
	}
	// The agent's desktop reads the codes again until it has them: without
	// a code the call waits the whole wrap-up timeout.
	var codes []WrapupCode
	s.report(ctx, id, func(ctx context.Context) (err error) {
		codes, err = s.Reports.WrapupCodes(ctx, c.req.CampaignID)
		return err
	})
	if code := pickAt(c.wrapup, s.Config.wrapupWeights(codes)); code != "" {
		s.report(ctx, id, func(ctx context.Context) error { return s.Reports.Wrapup(ctx, id, code, agent) })
	}
	// Without a code to send the agent sends none: the campaign's voice
	// rule decides once the wrap-up time is over.
	if length, ok := s.breakDue(agent); ok {
		s.report(ctx, id, func(ctx context.Context) error { return s.Agents.SetState(ctx, agent, "not_ready") })
		if !s.sleep(ctx, length) {
			return
		}
	}
	s.report(ctx, id, func(ctx context.Context) error { return s.Agents.SetState(ctx, agent, "available") })
}

// breakDue reports whether the agent's break is due now, and draws its
// length and when the next one is due. An agent's first break is due
// Every after its first call.
func (s *Simulator) breakDue(agent string) (time.Duration, bool) {
	b := s.Config.Breaks
	if b.Every == (Span{}) {
		return 0, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	due, seen := s.breaks[agent]
	if !seen {
		s.breaks[agent] = now.Add(s.real(b.Every.draw(s.rng)))
		return 0, false
	}
	if now.Before(due) {
		return 0, false
	}
	length := b.Length.draw(s.rng)
	s.breaks[agent] = now.Add(s.real(length + b.Every.draw(s.rng)))
	return length, true
}

// real is how long d of simulated time lasts.
func (s *Simulator) real(d time.Duration) time.Duration {
	return time.Duration(float64(d) / s.Config.Speed)
}

// OpenCall is a call a simulator accepted and has not played out: its
// request, and the outcome and agent reported so far.
type OpenCall struct {
	Request        CallRequest
	Outcome, Agent string
}

// Resume takes up the calls a simulator that is gone left open, as its
// worker was killed: unanswered ones ring again, answered ones are talked
// and wrapped up by their agent. Without it they would hold their lines
// until their outcome timeout and their agents until the wrap-up timeout.
// The simulated world is one process's: two workers with simulators must
// not both resume.
func (s *Simulator) Resume(calls []OpenCall) {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, oc := range calls {
		if s.seen[oc.Request.AttemptID] {
			continue
		}
		s.seen[oc.Request.AttemptID] = true
		c := s.plan(oc.Request)
		switch {
		case oc.Outcome == "":
			go s.play(s.ctx, c)
		case oc.Outcome == "voice" && oc.Agent != "":
			go s.converse(s.ctx, c, oc.Agent)
		}
	}
}

// wrapupWeights weighs the campaign's codes: by name where Business names
// some of them, else by kind, else all alike.
func (c SimulatorConfig) wrapupWeights(codes []WrapupCode) map[string]float64 {
	named := map[string]float64{}
	perKind := map[string]int{}
	for _, code := range codes {
		if w := c.Business[code.Name]; w > 0 {
			named[code.Name] = w
		}
		perKind[code.Kind]++
	}
	if len(named) > 0 {
		return named
	}
	byKind, alike := map[string]float64{}, map[string]float64{}
	for _, code := range codes {
		if w := c.Wrapups[code.Kind]; w > 0 {
			byKind[code.Name] += w / float64(perKind[code.Kind])
		}
		alike[code.Name] = 1
	}
	if len(byKind) > 0 {
		return byKind
	}
	return alike
}

// reportFor is how long the simulator keeps sending a report: past the
// attempt's outcome timeout it is no use.
const reportFor = 10 * time.Minute

// report delivers one of a call's reports as a real dialer does: a refusal
// (Final) ends it, and any other failure, such as Outdial's database or
// Temporal being down, is tried again with backoff until it is taken, the
// simulator stops, or reportFor has passed. A lost report would hold the
// attempt's line until its outcome timeout.
func (s *Simulator) report(ctx context.Context, attemptID string, send func(context.Context) error) {
	wait := s.Config.RetryFirst
	if wait <= 0 {
		wait = 250 * time.Millisecond
	}
	giveUp := time.Now().Add(reportFor)
	for tries := 1; ; tries++ {
		err := send(ctx)
		switch {
		case err == nil:
			if tries > 1 {
				s.Log.Info("simulator report delivered after retries", "attempt_id", attemptID, "tries", tries)
			}
			return
		case s.Final == nil || s.Final(err) || time.Now().After(giveUp):
			s.Log.Warn("simulator report failed", "attempt_id", attemptID, "tries", tries, "error", err)
			return
		}
		if tries == 1 {
			s.Log.Warn("simulator report failed; retrying", "attempt_id", attemptID, "error", err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			s.Log.Warn("simulator stopped before a report was delivered", "attempt_id", attemptID, "tries", tries, "error", err)
			return
		case <-t.C:
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// pickAt draws a key by weight for x in [0, 1), in sorted key order so a
// seed replays; "" when no key has a weight.
func pickAt(x float64, weights map[string]float64) string {
	keys := make([]string, 0, len(weights))
	total := 0.0
	for k, w := range weights {
		if w > 0 {
			keys = append(keys, k)
			total += w
		}
	}
	if len(keys) == 0 {
		return ""
	}
	slices.Sort(keys)
	x *= total
	for _, k := range keys {
		if x < weights[k] {
			return k
		}
		x -= weights[k]
	}
	return keys[len(keys)-1]
}

// ParseSimulatorConfig reads a simulated world from JSON, such as
// {"outcomes": {"voice": 1}, "business": {"Sale": 1}, "ring": {"min": "1s"},
// "talk": {"min": "0s"}, "speed": 1}. It replaces the demo's world whole:
// what it leaves out is zero.
func ParseSimulatorConfig(text string) (SimulatorConfig, error) {
	var c SimulatorConfig
	d := json.NewDecoder(strings.NewReader(text))
	d.DisallowUnknownFields()
	if err := d.Decode(&c); err != nil {
		return c, fmt.Errorf("simulator: %w", err)
	}
	return c, c.Validate()
}

// Validate says what is wrong with a configuration.
func (c SimulatorConfig) Validate() error {
	if len(c.Outcomes) == 0 {
		return fmt.Errorf("simulator: no telephony outcome has a weight")
	}
	type checked struct {
		what string
		span Span
	}
	spans := []checked{{"ring", c.Ring}, {"talk", c.Talk}, {"wrapup", c.WrapUp}, {"breaks: every", c.Breaks.Every}, {"breaks: length", c.Breaks.Length}}
	names := slices.Sorted(maps.Keys(c.Campaigns))
	for _, name := range names {
		w := c.Campaigns[name]
		spans = append(spans, checked{"campaign " + name + ": ring", w.Ring}, checked{"campaign " + name + ": talk", w.Talk},
			checked{"campaign " + name + ": wrapup", w.WrapUp})
	}
	for _, sp := range spans {
		if err := sp.span.validate(sp.what); err != nil {
			return err
		}
	}
	if c.Breaks.Every != (Span{}) && c.Breaks.Every.Mean == 0 && c.Breaks.Every.Max <= 0 {
		return fmt.Errorf("simulator: breaks: every must be longer than 0")
	}
	return nil
}
