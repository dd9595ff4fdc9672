package oracle

import (
	"container/heap"
	"fmt"
	"slices"
	"strings"
	"time"
)

// agentLines checks each call as the pacer gave it out (its release; its
// dial when the log has no release), against the agents free then: those
// not away, not on a call or its wrap-up, and not taken by a call placed
// for them.
//
// A call placed for an agent (a personal callback, a preview) takes that
// agent whole: the agent serves the campaign and is free, and taking it
// leaves the calls in flight as much room as before.
//
// Any other call takes a line until a person answers it or it hangs up,
// and is tied to no agent before then: "for each free agent it releases up
// to N contacts", with one budget per agent across the campaigns it serves
// (a call of a campaign with N lines per agent takes 1/N of an agent). So
// the calls given out at a moment must fit, beside the calls in flight, on
// the free agents serving their campaigns: some spread of all of them over
// those agents leaves none over its lines. A call that finds the calls in
// flight already over (an agent went on a break) is judged by the room it
// takes: it must not take room the others would have had.
func (o *oracle) agentLines(dials []Attempt) {
	b := newBudget(o.cfg)
	var lined []Attempt
	for _, a := range dials {
		if _, ok := b.index[a.Campaign]; ok {
			lined = append(lined, a)
		}
		b.spansOf(a, true)
	}
	b.sortSpans(o.cfg.Away)
	slices.SortStableFunc(lined, func(a, c Attempt) int { return lineStart(a).Compare(lineStart(c)) })
	for i := 0; i < len(lined); {
		at := lineStart(lined[i])
		j := i
		for j < len(lined) && lineStart(lined[j]).Equal(at) {
			j++
		}
		b.advance(at)
		o.placedFor(b, lined[i:j], at)
		o.givenOut(b, lined[i:j], at)
		i = j
	}
}

// placedFor checks the calls given out at at for an agent each.
func (o *oracle) placedFor(b *budget, given []Attempt, at time.Time) {
	for _, a := range given {
		if a.Agent == "" {
			continue
		}
		st := b.agents[a.Agent]
		ci := b.index[a.Campaign]
		if st == nil || !b.classes[st.class].serves[ci] {
			o.flag(RuleAgentLines, a, "agent %s does not serve the campaign", a.Agent)
			continue
		}
		own := 0
		for _, g := range given {
			if g.Agent == a.Agent && lineEnd(g).After(at) {
				own++
			}
		}
		switch {
		case st.busy > 0:
			o.flag(RuleAgentLines, a, "agent %s is on another call or its wrap-up", a.Agent)
		case st.away > 0:
			o.flag(RuleAgentLines, a, "agent %s is away", a.Agent)
		case st.reserved > own:
			o.flag(RuleAgentLines, a, "agent %s is taken by another call placed for it", a.Agent)
		default:
			// Its own reservation, when it lasts, began at at: the agent
			// was free just before.
			k := &b.classes[st.class]
			if own > 0 {
				k.free++
			}
			with := b.placed(b.demand)
			k.free--
			without := b.placed(b.demand)
			if own == 0 {
				k.free++
			}
			if without < with {
				o.flag(RuleAgentLines, a, "taking agent %s whole leaves the calls in flight (%s) less room than they had: %s",
					a.Agent, b.inFlight(), b.freeAgents())
			}
		}
	}
}

// givenOut checks the calls given out at at for any free agent.
func (o *oracle) givenOut(b *budget, given []Attempt, at time.Time) {
	fresh := make([][]Attempt, len(b.size))
	for _, a := range given {
		if a.Agent != "" || !lineEnd(a).After(at) {
			continue
		}
		ci := b.index[a.Campaign]
		fresh[ci] = append(fresh[ci], a)
		heap.Push(&b.flights, flight{end: lineEnd(a), campaign: ci})
		b.demand[ci] += b.size[ci]
	}
	total := 0
	for _, d := range b.demand {
		total += d
	}
	full := b.placed(b.demand)
	if full == total {
		return
	}
	for ci, as := range fresh {
		if len(as) == 0 {
			continue
		}
		taken := len(as) * b.size[ci]
		b.demand[ci] -= taken
		base := b.placed(b.demand)
		room := (full - base) / b.size[ci]
		beside := b.inFlight()
		b.demand[ci] += taken
		if room >= len(as) {
			continue
		}
		for _, a := range as[room:] {
			o.flag(RuleAgentLines, a, "campaign %s gave out %d call(s) at once where the free agents serving it had room for %d beside the calls in flight (%s): %s",
				a.Campaign, len(as), room, beside, b.freeAgents())
		}
	}
}

// lineStart is when a dial was given out: its release.
func lineStart(a Attempt) time.Time {
	if a.ReleasedAt.IsZero() || a.ReleasedAt.After(a.DialAt) {
		return a.DialAt
	}
	return a.ReleasedAt
}

// lineEnd is when a dial stops taking an agent's line: when it is
// answered (an agent then takes it, or none), else when it hangs up.
func lineEnd(a Attempt) time.Time {
	if !a.AnsweredAt.IsZero() {
		return a.AnsweredAt
	}
	return callEnd(a)
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

const (
	kindBusy = iota
	kindAway
	kindReserved
)

// span is a stretch in which an agent is not free: busy and away from
// just after from, reserved from from itself (the call it is reserved for
// is given out then), until to.
type span struct {
	agent    string
	kind     int
	from, to time.Time
}

type agentState struct {
	class                int
	busy, away, reserved int
}

// agentClass is the agents that serve the same campaigns, and how many of
// them are free.
type agentClass struct {
	serves []bool
	free   int
}

type flight struct {
	end      time.Time
	campaign int
}

type flights []flight

func (h flights) Len() int           { return len(h) }
func (h flights) Less(i, j int) bool { return h[i].end.Before(h[j].end) }
func (h flights) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *flights) Push(x any)        { *h = append(*h, x.(flight)) }
func (h *flights) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// budget is the agents' lines as time goes: which agents are free, and the
// calls in flight for any agent, in units of which an agent has whole and
// a call of campaign i takes size[i].
type budget struct {
	timeline
	ids     []string
	index   map[string]int
	size    []int
	whole   int
	classes []agentClass
	flights flights
	demand  []int
	// residual is the flow network's scratch space.
	residual [][]int
}

// newBudget is the budget of the campaigns paced by their free agents'
// lines: a predictive campaign's lines are its own rule (predictiveLines).
func newBudget(cfg Config) *budget {
	b := &budget{index: map[string]int{}, whole: 1}
	b.timeline = timeline{agents: map[string]*agentState{}, freed: func(st *agentState, n int) { b.classes[st.class].free += n }}
	var campaigns []Campaign
	for _, c := range cfg.Campaigns {
		if !predictive(&c) {
			campaigns = append(campaigns, c)
		}
	}
	for i, c := range campaigns {
		b.ids = append(b.ids, c.ID)
		b.index[c.ID] = i
		b.whole = lcm(b.whole, max(c.LinesPerAgent, 1))
	}
	for _, c := range campaigns {
		b.size = append(b.size, b.whole/max(c.LinesPerAgent, 1))
	}
	b.demand = make([]int, len(campaigns))
	serves := map[string][]bool{}
	var agents []string
	for i, c := range campaigns {
		for _, a := range c.Agents {
			if serves[a] == nil {
				serves[a] = make([]bool, len(campaigns))
				agents = append(agents, a)
			}
			serves[a][i] = true
		}
	}
	for _, a := range agents {
		class := slices.IndexFunc(b.classes, func(k agentClass) bool { return slices.Equal(k.serves, serves[a]) })
		if class < 0 {
			class = len(b.classes)
			b.classes = append(b.classes, agentClass{serves: serves[a]})
		}
		b.classes[class].free++
		b.agents[a] = &agentState{class: class}
	}
	n := len(campaigns) + len(b.classes) + 2
	b.residual = make([][]int, n)
	for i := range b.residual {
		b.residual[i] = make([]int, n)
	}
	return b
}

func lcm(a, b int) int {
	x, y := a, b
	for y != 0 {
		x, y = y, x%y
	}
	return a / x * b
}

// timeline is agents' states as time goes: the spans in which each is
// not free, applied in order as advance moves on; freed hears of an agent
// becoming free (+1) or no longer free (-1).
type timeline struct {
	agents         map[string]*agentState
	spans, ends    []span
	started, ended int
	freed          func(st *agentState, n int)
}

func (t *timeline) span(agent string, kind int, from, to time.Time) {
	if _, ok := t.agents[agent]; ok && to.After(from) {
		t.spans = append(t.spans, span{agent: agent, kind: kind, from: from, to: to})
	}
}

// spansOf adds an attempt's spans: the agent it was placed for reserved
// while it holds its line and, when busy, the agent a person who answered
// was connected to, from the answer to the end of the wrap-up.
func (t *timeline) spansOf(a Attempt, busy bool) {
	if busy && a.ConnectedAgent != "" && !a.AnsweredAt.IsZero() {
		t.span(a.ConnectedAgent, kindBusy, a.AnsweredAt, latest(a.WrapupEnd, a.CallEnd))
	}
	if a.Agent != "" {
		t.span(a.Agent, kindReserved, lineStart(a), lineEnd(a))
	}
}

// sortSpans adds the agents' breaks, then orders the spans by start, a
// reservation first (it begins at its start, the others just after), and
// their ends by end.
func (t *timeline) sortSpans(away []Away) {
	for _, w := range away {
		t.span(w.Agent, kindAway, w.From, w.To)
	}
	slices.SortStableFunc(t.spans, func(x, y span) int {
		if c := x.from.Compare(y.from); c != 0 {
			return c
		}
		return boolRank(y.kind == kindReserved) - boolRank(x.kind == kindReserved)
	})
	t.ends = slices.Clone(t.spans)
	slices.SortStableFunc(t.ends, func(x, y span) int { return x.to.Compare(y.to) })
}

// advance moves the agents' states to at.
func (t *timeline) advance(at time.Time) {
	for ; t.started < len(t.spans); t.started++ {
		s := t.spans[t.started]
		if !(s.from.Before(at) || s.from.Equal(at) && s.kind == kindReserved) {
			break
		}
		t.mark(s, 1)
	}
	for ; t.ended < len(t.ends) && !t.ends[t.ended].to.After(at); t.ended++ {
		t.mark(t.ends[t.ended], -1)
	}
}

func (t *timeline) mark(s span, step int) {
	st := t.agents[s.agent]
	wasFree := st.busy+st.away+st.reserved == 0
	switch s.kind {
	case kindBusy:
		st.busy += step
	case kindAway:
		st.away += step
	case kindReserved:
		st.reserved += step
	}
	if free := st.busy+st.away+st.reserved == 0; free != wasFree {
		if free {
			t.freed(st, 1)
		} else {
			t.freed(st, -1)
		}
	}
}

func boolRank(v bool) int {
	if v {
		return 1
	}
	return 0
}

// advance moves the agents' states and the calls in flight to at.
func (b *budget) advance(at time.Time) {
	b.timeline.advance(at)
	for b.flights.Len() > 0 && !b.flights[0].end.After(at) {
		f := heap.Pop(&b.flights).(flight)
		b.demand[f.campaign] -= b.size[f.campaign]
	}
}

// placed is how much of demand (units per campaign) the free agents can
// take, each class of agents only the campaigns it serves and each agent
// no more than whole: a maximum flow from the campaigns to the classes,
// by shortest augmenting paths.
func (b *budget) placed(demand []int) int {
	nc, nk := len(demand), len(b.classes)
	source, sink := 0, nc+nk+1
	r := b.residual
	for i := range r {
		clear(r[i])
	}
	for i, d := range demand {
		r[source][1+i] = d
		for k, class := range b.classes {
			if class.serves[i] {
				r[1+i][1+nc+k] = d
			}
		}
	}
	for k, class := range b.classes {
		r[1+nc+k][sink] = max(class.free, 0) * b.whole
	}
	total := 0
	prev := make([]int, len(r))
	for {
		for i := range prev {
			prev[i] = -1
		}
		prev[source] = source
		queue := []int{source}
		for len(queue) > 0 && prev[sink] < 0 {
			u := queue[0]
			queue = queue[1:]
			for v := range r {
				if prev[v] < 0 && r[u][v] > 0 {
					prev[v] = u
					queue = append(queue, v)
				}
			}
		}
		if prev[sink] < 0 {
			return total
		}
		step := -1
		for v := sink; v != source; v = prev[v] {
			if c := r[prev[v]][v]; step < 0 || c < step {
				step = c
			}
		}
		for v := sink; v != source; v = prev[v] {
			r[prev[v]][v] -= step
			r[v][prev[v]] += step
		}
		total += step
	}
}

// inFlight names the calls in flight per campaign.
func (b *budget) inFlight() string {
	var out []string
	for i, d := range b.demand {
		if d > 0 {
			out = append(out, fmt.Sprintf("campaign %s %d", b.ids[i], d/b.size[i]))
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// freeAgents names the free agents, by the campaigns they serve.
func (b *budget) freeAgents() string {
	var out []string
	for _, k := range b.classes {
		var ids []string
		for i, s := range k.serves {
			if s {
				ids = append(ids, b.ids[i])
			}
		}
		out = append(out, fmt.Sprintf("%d free of the agents serving %s", k.free, strings.Join(ids, " and ")))
	}
	return strings.Join(out, "; ")
}
