package compliance

import (
	"cmp"
	"container/heap"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/outdial/outdial/internal/compliance/oracle"
	"github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/strategy"
)

// The simulator: a virtual clock and a queue of events, driving
// production's decisions in production's order (workflows/contact.go,
// contact.Service.Prepare/Dial/Finish, campaign.Service.Pace). What
// production keeps in PostgreSQL (contacts' statuses, attempts, DNC
// entries, agents' states) it keeps in memory, and what production selects
// in SQL it selects plainly, saying so where it does.

// Timings of the simulated world.
const (
	passEvery   = 10 * time.Second // each campaign's pacing pass (production: every second, and on wake)
	outcomeWait = 3 * time.Minute  // contract.DefaultTimeouts.Outcome
	wrapupWait  = 30 * time.Minute // contract.DefaultTimeouts.Wrapup
	// numberBusy and openCall mirror contact's constants of those names:
	// a number in another attempt's call waits numberBusy; an attempt with
	// no end counts as a call for at most openCall.
	numberBusy = 5 * time.Minute
	openCall   = time.Hour
)

type event struct {
	at  time.Time
	seq uint64
	do  func()
}

type eventQueue []*event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

type sim struct {
	sc         *scenario
	world      world
	rng        *rand.Rand
	now        time.Time
	queue      eventQueue
	seq        uint64
	deployment contact.FrequencyCap
	campaigns  map[uint64]*campaign
	order      []*campaign
	agents     []*agent
	numbers    map[string]*number
	dnc        map[string][]dncSpec
	contacts   []*contactState
	log        []*oracle.Attempt
	locs       map[string]*time.Location
	// refusals counts the checks' answers other than "dial", by where.
	refusals map[string]int
}

type campaign struct {
	spec     *campaignSpec
	row      models.Campaign
	policy   contact.Policy
	caps     []contact.FrequencyCap
	longest  time.Duration
	windows  map[string]contact.Window
	ready    map[string]*readyQueue // contacts waiting for the pacer, by the contact's zone
	zones    []string               // ready's keys, in order
	pcb      []*contactState        // personal callbacks waiting for their agents
	direct   []*agent
	viaGroup []*agent
	group    []*campaign // its campaign group's campaigns, in the group's order
	// inFlight are its contacts released and not yet dialed, and its calls
	// ringing.
	inFlight int
	// paused are the spans it was paused; pauseAfterPass, that a pause is
	// due.
	paused         []span
	pauseAfterPass bool
}

type agent struct {
	id    string
	state string
	since time.Time
	// lines are the calls on its lines: released and not yet dialed, or
	// ringing.
	lines  int
	serves map[*campaign]bool
}

type contactState struct {
	id       uint64
	c        *campaign
	numbers  models.JSONList[models.ContactNumber]
	zone     string
	declared bool
	modes    []string
	listID   uint64
	listEnd  time.Time
	status   string
	counters strategy.Counters
	priority int
	due      time.Time // zero: never rescheduled (NULL)
	pcbAgent string
	pcbUntil time.Time
	seq      int
	index    int // in its ready queue, -1 outside
}

// release is what a pass hands a contact: the agent whose line carries
// the call, and the agent it is reserved for (a personal callback).
type release struct {
	c              *campaign
	line, reserved *agent
	at             time.Time
}

type attempt struct {
	id          string
	k           *contactState
	seq         int
	mode        string
	number      string
	started     time.Time
	offset      int // the contact zone's UTC offset at preparation
	rel         release
	telephony   string
	ended       bool
	wrapupAgent string
	log         *oracle.Attempt
	// decision is the strategy's reason, for a failure's story.
	decision string
}

type number struct {
	attempts []*attempt // in start order
}

func newSim(sc *scenario, w world, rng *rand.Rand) (*sim, error) {
	s := &sim{sc: sc, world: w, rng: rng, now: sc.start, campaigns: map[uint64]*campaign{}, numbers: map[string]*number{}, dnc: map[string][]dncSpec{},
		deployment: contact.FrequencyCap{Attempts: sc.deployment.Attempts, Period: sc.deployment.Period}, refusals: map[string]int{}, locs: map[string]*time.Location{}}
	for _, e := range sc.dnc {
		s.dnc[e.number] = append(s.dnc[e.number], e)
	}
	zones := map[uint64][]string{}
	for _, l := range sc.lists {
		for _, k := range l.contacts {
			for _, n := range k.numbers {
				if !slices.Contains(zones[l.campaign], n.TimeZone) {
					zones[l.campaign] = append(zones[l.campaign], n.TimeZone)
				}
			}
		}
	}
	for _, spec := range sc.campaigns {
		c := &campaign{spec: spec, row: campaignRow(spec), ready: map[string]*readyQueue{}}
		var err error
		if c.policy, err = campaignPolicy(spec, &c.row); err != nil {
			return nil, err
		}
		if c.caps, err = frequencyCaps(s.deployment, &c.row); err != nil {
			return nil, err
		}
		c.longest = longestPeriod(c.caps)
		if c.windows, err = zoneWindows(&c.row, zones[spec.id], s.zoneHours(spec)); err != nil {
			return nil, err
		}
		s.campaigns[spec.id] = c
		s.order = append(s.order, c)
	}
	for _, c := range s.order {
		for _, o := range s.order {
			if c.spec.group != "" && o.spec.group == c.spec.group {
				c.group = append(c.group, o)
			}
		}
	}
	for _, as := range sc.agents {
		a := &agent{id: as.id, state: models.AgentAvailable, since: sc.start, serves: map[*campaign]bool{}}
		for _, id := range as.direct {
			s.campaigns[id].direct = append(s.campaigns[id].direct, a)
			a.serves[s.campaigns[id]] = true
		}
		for _, id := range as.viaGroup {
			s.campaigns[id].viaGroup = append(s.campaigns[id].viaGroup, a)
			a.serves[s.campaigns[id]] = true
		}
		s.agents = append(s.agents, a)
		s.at(sc.start.Add(s.between(0, 4*time.Hour)), func() { s.takeBreak(a) })
	}
	for _, l := range sc.lists {
		s.at(l.at, func() { s.importList(l) })
	}
	for _, c := range s.order {
		s.at(sc.start.Add(s.between(0, passEvery)), func() { s.pass(c) })
		for _, p := range c.spec.pauses {
			// The pause comes a moment after the first pass from p.from
			// that releases contacts, before they are checked: the check,
			// not only the pacer, must hold them back.
			s.at(p.from, func() { c.pauseAfterPass = true })
			s.at(p.to, func() {
				c.pauseAfterPass = false
				if c.row.Status == models.CampaignPaused {
					c.row.Status = models.CampaignActive
					c.paused[len(c.paused)-1].to = s.now
				}
			})
		}
	}
	return s, nil
}

// loc is a zone's location as Prepare loads it (time.LoadLocation), kept.
func (s *sim) loc(zone string) *time.Location {
	if l, ok := s.locs[zone]; ok {
		return l
	}
	l, err := time.LoadLocation(zone)
	if err != nil {
		l = nil
	}
	s.locs[zone] = l
	return l
}

func (s *sim) at(t time.Time, do func()) {
	s.seq++
	heap.Push(&s.queue, &event{at: t, seq: s.seq, do: do})
}

func (s *sim) after(d time.Duration, do func()) { s.at(s.now.Add(d), do) }

// between is a random duration in [lo, hi), to the millisecond.
func (s *sim) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(s.rng.Int64N(int64((hi-lo)/time.Millisecond)))*time.Millisecond
}

func (s *sim) run() {
	for s.queue.Len() > 0 {
		e := heap.Pop(&s.queue).(*event)
		if e.at.After(s.sc.end) {
			return
		}
		s.now = e.at
		e.do()
	}
}

// importList adds a list's contacts, less the numbers on a DNC list in
// force for the campaign (listimport's scrub), as new rows.
func (s *sim) importList(l listSpec) {
	c := s.campaigns[l.campaign]
	end := l.at.AddDate(0, 0, c.spec.ttlDays)
	for _, ks := range l.contacts {
		var numbers models.JSONList[models.ContactNumber]
		for _, n := range ks.numbers {
			if len(s.dncHits(c, []models.ContactNumber{n})) == 0 {
				numbers = append(numbers, n)
			}
		}
		if len(numbers) == 0 {
			continue
		}
		k := &contactState{id: ks.id, c: c, numbers: numbers, zone: ks.zone, declared: ks.declared, listID: l.id, listEnd: end,
			status: models.ContactNew, index: -1}
		k.modes = contactModes(c.policy.Modes, numbers)
		s.contacts = append(s.contacts, k)
		s.waitForPacer(k)
	}
}

// waitForPacer makes a contact ready: a personal callback in force waits
// for its agent, any other contact in its zone's queue.
func (s *sim) waitForPacer(k *contactState) {
	if k.status != models.ContactNew {
		k.status = models.ContactReady
	}
	if k.pcbAgent != "" && (k.pcbUntil.IsZero() || s.now.Before(k.pcbUntil)) && !s.world.todaysPacer {
		k.c.pcb = append(k.c.pcb, k)
		return
	}
	q := k.c.ready[k.zone]
	if q == nil {
		q = &readyQueue{}
		k.c.ready[k.zone] = q
		k.c.zones = append(k.c.zones, k.zone)
		slices.Sort(k.c.zones)
	}
	heap.Push(q, k)
}

// waitUntil is a contact's workflow sleeping on a durable timer, then
// waiting for the pacer again.
func (s *sim) waitUntil(k *contactState, until time.Time) {
	if k.c.row.Status == models.CampaignCompleted {
		s.closeContact(k)
		return
	}
	k.status, k.due = models.ContactScheduled, until
	s.at(maxTime(until, s.now), func() {
		if k.status == models.ContactScheduled {
			s.waitForPacer(k)
		}
	})
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (s *sim) closeContact(k *contactState) {
	k.status = models.ContactClosed
	if k.index >= 0 {
		heap.Remove(k.c.ready[k.zone], k.index)
	}
	k.c.pcb = slices.DeleteFunc(k.c.pcb, func(o *contactState) bool { return o == k })
}

// pass is one pacing pass of a progressive campaign (campaign.Service.Pace).
func (s *sim) pass(c *campaign) {
	s.after(passEvery, func() { s.pass(c) })
	if c.row.Status == models.CampaignCompleted {
		return
	}
	if campaignEnded(&c.row, s.now) {
		c.row.Status = models.CampaignCompleted
		for _, k := range s.contacts {
			if k.c == c && (k.status == models.ContactNew || k.status == models.ContactReady || k.status == models.ContactScheduled) {
				s.closeContact(k)
			}
		}
		return
	}
	if c.row.Status != models.CampaignActive {
		return
	}
	s.releasePersonalCallbacks(c)
	open := s.openZones(c)
	if len(open) == 0 {
		return
	}
	agents := s.freeAgents(c)
	inFlight := 0
	for _, a := range agents {
		inFlight += a.lines
	}
	if s.world.todaysPacer {
		inFlight = c.inFlight
	}
	want := releaseCount(len(agents), c.row.LinesPerAgent, inFlight)
	due := s.releaseDue(c, open, want)
	for _, k := range due {
		// Each contact takes a line of the agent with the most room.
		slices.SortStableFunc(agents, func(x, y *agent) int { return cmp.Compare(x.lines, y.lines) })
		s.release(k, release{line: agents[0]})
	}
	if c.pauseAfterPass && len(due) > 0 {
		c.pauseAfterPass = false
		s.after(10*time.Millisecond, func() {
			c.row.Status = models.CampaignPaused
			c.paused = append(c.paused, span{from: s.now, to: s.sc.end.Add(time.Hour)})
		})
	}
}

// openZones are the zones of the campaign's waiting contacts whose calling
// window is open now (campaign.Service.openZones; its zones from SQL).
func (s *sim) openZones(c *campaign) []string {
	var open []string
	for _, z := range c.zones {
		if c.ready[z].Len() > 0 && windowOpen(c.windows[z], s.now) {
			open = append(open, z)
		}
	}
	return open
}

// freeAgents are the agents a pass counts: those mapped to the campaign
// directly, then its share of those it gets through its group, each
// available with a line free for it (campaign.Service.releaseProgressive,
// models.CountForPacing and models.GroupShares in SQL there).
//
// THE INTENDED RULE, NOT TODAY'S CODE (issue 13, finding 7): an agent's
// lines are one budget across every campaign it serves, so a line is
// free only if the agent's calls on all campaigns leave room. With
// world.todaysPacer, today's rule instead: every available agent counts,
// less the campaign's own calls in flight.
func (s *sim) freeAgents(c *campaign) []*agent {
	free := func(as []*agent) []*agent {
		var out []*agent
		for _, a := range as {
			if a.state == models.AgentAvailable && (s.world.todaysPacer || a.lines < c.row.LinesPerAgent) {
				out = append(out, a)
			}
		}
		return out
	}
	out := free(c.direct)
	if len(c.group) == 0 {
		return out
	}
	var weights []int
	index := -1
	for _, o := range c.group {
		if o == c || (o.row.Status == models.CampaignActive && s.hasDue(o)) {
			if o == c {
				index = len(weights)
			}
			weights = append(weights, o.spec.weight)
		}
	}
	shared := free(c.viaGroup)
	// The share goes to the agents with the most room first.
	slices.SortStableFunc(shared, func(x, y *agent) int { return cmp.Compare(x.lines, y.lines) })
	return append(out, shared[:groupShare(len(shared), weights, index)]...)
}

// hasDue reports whether a campaign has a contact the pacer may release
// (models.dueContact in SQL).
func (s *sim) hasDue(c *campaign) bool {
	for _, q := range c.ready {
		if q.Len() > 0 {
			return true
		}
	}
	return len(c.pcb) > 0
}

// releaseDue takes up to limit contacts from the open zones' queues, by
// priority, then due time (never-rescheduled first), then ID, as
// models.ReleaseDue selects them in SQL; contacts of a list past its end
// time are left out there, and closed here, as nothing dials them again.
func (s *sim) releaseDue(c *campaign, open []string, limit int) []*contactState {
	var out []*contactState
	for len(out) < limit {
		var best *readyQueue
		for _, z := range open {
			q := c.ready[z]
			if q.Len() > 0 && (best == nil || q.less(0, best, 0)) {
				best = q
			}
		}
		if best == nil {
			break
		}
		k := heap.Pop(best).(*contactState)
		if !k.listEnd.After(s.now) {
			k.status = models.ContactClosed
			continue
		}
		out = append(out, k)
	}
	return out
}

// releasePersonalCallbacks releases each personal callback whose agent is
// free, for that agent alone; one whose duration has run out becomes a
// normal callback, for any agent.
//
// THE INTENDED RULE, NOT TODAY'S CODE (issue 13, finding 8): today's pacer
// releases a personal callback like any contact, as with world.todaysPacer.
func (s *sim) releasePersonalCallbacks(c *campaign) {
	open := map[string]bool{}
	for _, k := range slices.Clone(c.pcb) {
		if !k.pcbUntil.IsZero() && !s.now.Before(k.pcbUntil) {
			c.pcb = slices.DeleteFunc(c.pcb, func(o *contactState) bool { return o == k })
			k.pcbAgent, k.pcbUntil = "", time.Time{}
			s.waitForPacer(k)
			continue
		}
		w, seen := open[k.zone]
		if !seen {
			w = windowOpen(c.windows[k.zone], s.now)
			open[k.zone] = w
		}
		a := s.agent(k.pcbAgent)
		if !w || a == nil || a.state != models.AgentAvailable || a.lines > 0 || !a.serves[c] {
			continue
		}
		c.pcb = slices.DeleteFunc(c.pcb, func(o *contactState) bool { return o == k })
		s.setState(a, models.AgentReserved)
		s.release(k, release{line: a, reserved: a})
	}
}

func (s *sim) agent(id string) *agent {
	for _, a := range s.agents {
		if a.id == id {
			return a
		}
	}
	return nil
}

func (s *sim) setState(a *agent, state string) {
	a.state, a.since = state, s.now
}

// release hands a contact to its workflow, which prepares its attempt a
// moment later.
func (s *sim) release(k *contactState, rel release) {
	k.status = models.ContactReleased
	rel.c, rel.at = k.c, s.now
	rel.line.lines++
	rel.c.inFlight++
	s.after(s.between(20*time.Millisecond, 1500*time.Millisecond), func() { s.prepare(k, rel) })
}

// unrelease gives back what a release held when no call is placed: the
// line, and a reserved agent (who goes idle, as contact.Service.FreeAgent
// does, and reports available again a little later).
func (s *sim) unrelease(rel release) {
	rel.line.lines--
	rel.c.inFlight--
	if a := rel.reserved; a != nil && a.state == models.AgentReserved {
		s.setState(a, models.AgentIdle)
		s.after(s.between(5*time.Second, 30*time.Second), func() {
			if a.state == models.AgentIdle {
				s.setState(a, models.AgentAvailable)
			}
		})
	}
}

// facts are what contact.Service.facts loads, from memory.
func (s *sim) facts(k *contactState, counted bool, except *attempt) contact.Facts {
	c := k.c
	f := contact.Facts{Contact: models.Contact{ID: k.id, Status: k.status, Numbers: k.numbers, TimeZone: k.zone},
		CampaignName: c.row.Name, CampaignStatus: c.row.Status, ListID: k.listID, ListStatus: models.ListActive, ListEnd: k.listEnd,
		Counters: k.counters, Modes: k.modes, DNC: s.dncHits(c, k.numbers), Windows: c.windows, Caps: c.caps}
	if counted {
		f.Starts = s.starts(k.numbers, s.now.Add(-c.longest), except)
	}
	return f
}

// dncHits are the lists in force now that hold each of numbers, for the
// campaign: global lists and its own (contact.Service.dncHits in SQL).
func (s *sim) dncHits(c *campaign, numbers []models.ContactNumber) map[string][]string {
	out := map[string][]string{}
	for _, n := range numbers {
		for _, e := range s.dnc[n.Number] {
			inForce := !s.now.Before(e.from) && (e.until.IsZero() || e.until.After(s.now))
			if inForce && (e.campaigns == nil || slices.Contains(e.campaigns, c.spec.id)) {
				out[n.Number] = append(out[n.Number], e.list)
			}
		}
	}
	return out
}

// starts are the start times of the attempts to numbers since since, in
// order, but except (contact.Service.attemptStarts in SQL).
func (s *sim) starts(numbers []models.ContactNumber, since time.Time, except *attempt) map[string][]time.Time {
	out := map[string][]time.Time{}
	for _, n := range numbers {
		num := s.numbers[n.Number]
		if num == nil {
			continue
		}
		i, _ := slices.BinarySearchFunc(num.attempts, since, func(a *attempt, t time.Time) int {
			if a.started.After(t) {
				return 1
			}
			return -1
		})
		for _, a := range num.attempts[i:] {
			if a != except {
				out[n.Number] = append(out[n.Number], a.started)
			}
		}
	}
	return out
}

// prepare is contact.Service.Prepare and what the workflow does with its
// verdict: check, then record the attempt under the number's lock, or
// wait, or close.
func (s *sim) prepare(k *contactState, rel release) {
	v := check(s.facts(k, false, nil), s.now)
	if v.Action == contact.ActionDial {
		if until, why := s.recordAttempt(k, v.Mode, v.Number); why != "" {
			v.Action, v.Until = contact.ActionWait, until
			s.refusals["recorded: "+refusalKind(why)]++
		}
	} else {
		s.refusals["prepared: "+v.Action+" "+refusalKind(v.Reason)]++
	}
	switch v.Action {
	case contact.ActionDial:
	case contact.ActionClose:
		s.unrelease(rel)
		s.closeContact(k)
		return
	default:
		s.unrelease(rel)
		s.waitUntil(k, v.Until)
		return
	}
	k.seq++
	k.status = models.ContactDialing
	at := &attempt{id: contact.AttemptID(k.id, k.seq), k: k, seq: k.seq, mode: v.Mode, number: v.Number, started: s.now, rel: rel}
	if loc := s.loc(k.zone); loc != nil {
		_, at.offset = s.now.In(loc).Zone()
	}
	n := s.numbers[at.number]
	if n == nil {
		n = &number{}
		s.numbers[at.number] = n
	}
	n.attempts = append(n.attempts, at)
	// The dial request leaves in the next activity: with dial latency, a
	// moment later, and now and then minutes later, as when a worker dies
	// between the two and a restarted workflow dials (issue 13, finding 6),
	// by which time the checks may answer otherwise. Without, at once.
	var gap time.Duration
	if s.world.dialLatency {
		gap = s.between(5*time.Millisecond, 800*time.Millisecond)
		if s.rng.IntN(200) == 0 {
			gap = s.between(time.Minute, 20*time.Minute)
		}
	}
	s.after(gap, func() { s.dial(at) })
}

// refusalKind is the first words of a check's reason, for the counts.
func refusalKind(why string) string {
	for i, r := range why {
		if r == ':' || r == '(' || r == '+' {
			return why[:i]
		}
	}
	return why
}

// recordAttempt mirrors contact.Service.recordAttempt (SQL under the
// number's lock there): a number in another attempt's call waits; a number
// at a frequency cap waits until a slot frees, as the caps' judgement of
// the mode chosen says.
func (s *sim) recordAttempt(k *contactState, mode, num string) (time.Time, string) {
	if n := s.numbers[num]; n != nil {
		for i := len(n.attempts) - 1; i >= 0 && n.attempts[i].started.After(s.now.Add(-openCall)); i-- {
			if a := n.attempts[i]; !a.ended && (a.telephony == "" || a.telephony == strategy.Voice) {
				return s.now.Add(numberBusy), fmt.Sprintf("%s is in the call of attempt %s", num, a.id)
			}
		}
	}
	f := s.facts(k, true, nil)
	if v := atDial(f, mode, s.now); v.Action != contact.ActionDial {
		return maxTime(v.Until, s.now), v.Reason
	}
	return time.Time{}, ""
}

// dial is contact.Service.Dial: the checks again as the request leaves,
// then the dialer's call.
func (s *sim) dial(at *attempt) {
	k := at.k
	agent := at.rel.line.id
	at.log = &oracle.Attempt{Campaign: strconv.FormatUint(k.c.spec.id, 10), Contact: strconv.FormatUint(k.id, 10), Seq: at.seq,
		Mode: at.mode, Number: at.number, Agent: agent, ReleasedAt: at.rel.at, Reserved: at.rel.reserved != nil}
	s.log = append(s.log, at.log)
	v := atDial(s.facts(k, true, at), at.mode, s.now)
	if v.Action != contact.ActionDial || v.Number != at.number {
		s.refusals["dial: "+v.Action+" "+refusalKind(v.Reason)]++
		s.unrelease(at.rel)
		s.decide(at, strategy.Error, "", "")
		return
	}
	at.log.Dialed, at.log.DialAt = true, s.now
	outcome := s.draw(k.c.spec.outcomes)
	ring := s.between(4*time.Second, 25*time.Second)
	if outcome != strategy.Voice {
		s.after(ring, func() {
			at.telephony = outcome
			at.log.CallEnd = s.now
			s.lineFree(at)
			s.decide(at, outcome, "", "")
		})
		return
	}
	s.after(ring, func() { s.answer(at) })
}

// lineFree gives back the call's line, and its reserved agent unless the
// call connected that agent.
func (s *sim) lineFree(at *attempt) {
	at.rel.line.lines--
	at.rel.c.inFlight--
	if a := at.rel.reserved; a != nil && a.state == models.AgentReserved {
		s.setState(a, models.AgentAvailable)
	}
}

func (s *sim) draw(ws []weighted) string {
	total := 0
	for _, w := range ws {
		total += w.weight
	}
	pick := s.rng.IntN(total)
	for _, w := range ws {
		if pick < w.weight {
			return w.outcome
		}
		pick -= w.weight
	}
	panic("unreachable")
}

// answer connects an answered call: to the agent it is reserved for, else
// to the agent whose line carried it if free, else to the free agent of
// the campaign waiting longest (agent.Store.Reserve,
// models.ConnectAvailableAgent); with none, the call is abandoned.
func (s *sim) answer(at *attempt) {
	c := at.k.c
	at.log.AnsweredAt = s.now
	s.lineFree(at)
	a := at.rel.reserved
	if a == nil && at.rel.line.state == models.AgentAvailable {
		a = at.rel.line
	}
	if a == nil {
		for _, o := range s.agents {
			if o.serves[c] && o.state == models.AgentAvailable && (a == nil || o.since.Before(a.since)) {
				a = o
			}
		}
	}
	if a == nil {
		at.telephony = strategy.Abandoned
		at.log.CallEnd = s.now.Add(2 * time.Second)
		s.decide(at, strategy.Abandoned, "", "")
		return
	}
	at.telephony = strategy.Voice
	at.log.ConnectedAgent = a.id
	s.setState(a, models.AgentConnected)
	// The workflow waits for the wrap-up so long, then the voice rule
	// decides; a wrap-up after that is refused.
	s.after(wrapupWait, func() {
		if !at.ended {
			s.decide(at, strategy.Voice, "", a.id)
		}
	})
	talk := s.between(30*time.Second, 4*time.Minute)
	if s.world.longCalls && s.rng.IntN(300) == 0 {
		talk = s.between(31*time.Minute, 75*time.Minute)
	}
	s.after(talk, func() {
		at.log.CallEnd = s.now
		s.setState(a, models.AgentWrapUp)
		s.after(s.between(5*time.Second, 90*time.Second), func() {
			at.log.WrapupEnd = s.now
			s.setState(a, models.AgentAvailable)
			if at.ended || s.rng.IntN(50) == 0 {
				return // too late, or the agent sends no wrap-up code
			}
			at.wrapupAgent = a.id
			s.decide(at, strategy.Voice, s.drawCode(c.spec.business), a.id)
		})
	})
}

func (s *sim) drawCode(bs []businessSpec) string {
	var ws []weighted
	for _, b := range bs {
		ws = append(ws, weighted{b.name, b.weight})
	}
	return s.draw(ws)
}

// decide is what the workflow does once the attempt's outcome (and
// wrap-up) is in: the strategy's decision, then contact.Service.Finish.
func (s *sim) decide(at *attempt, outcome, business, connected string) {
	k := at.k
	c := k.c
	outcomeAgent := connected
	if outcomeAgent == "" && at.rel.reserved != nil {
		outcomeAgent = at.rel.reserved.id
	}
	// The policy as Prepare answers it: the contact's modes alone.
	policy := c.policy
	policy.Modes = k.modes
	d := decide(policy, k.counters, at.mode, outcome, business, at.wrapupAgent, outcomeAgent, s.now, decisionZone(k.zone, at.offset))
	at.ended, at.decision = true, d.Reason
	at.log.Outcome, at.log.Business, at.log.EndedAt = outcome, business, s.now
	if at.telephony == "" {
		at.telephony = outcome
	}
	k.counters, k.priority, k.pcbAgent, k.pcbUntil = d.Counters, d.Priority, d.PCBAgent, d.PCBUntil
	var w contact.Window
	has := false
	for _, n := range k.numbers {
		if n.Mode == d.Mode {
			w, has = c.windows[n.TimeZone], true
		}
	}
	closed, due := nextDue(d, w, has, k.listEnd)
	if closed || c.row.Status == models.CampaignCompleted {
		s.closeContact(k)
		return
	}
	s.waitUntil(k, due)
}

// takeBreak sends an available agent with no call on its lines on a break
// now and then.
func (s *sim) takeBreak(a *agent) {
	if a.state != models.AgentAvailable || a.lines > 0 {
		s.after(time.Minute, func() { s.takeBreak(a) })
		return
	}
	s.setState(a, models.AgentNotReady)
	s.after(s.between(5*time.Minute, 40*time.Minute), func() {
		s.setState(a, models.AgentAvailable)
		s.after(s.between(time.Hour, 5*time.Hour), func() { s.takeBreak(a) })
	})
}

// readyQueue orders waiting contacts as models.ReleaseDue does: priority
// first, then due time with never-rescheduled contacts first, then ID.
type readyQueue []*contactState

func (q readyQueue) Len() int { return len(q) }
func (q readyQueue) Less(i, j int) bool {
	return q.less(i, &q, j)
}

func (q readyQueue) less(i int, other *readyQueue, j int) bool {
	a, b := q[i], (*other)[j]
	if a.priority != b.priority {
		return a.priority > b.priority
	}
	if a.due.IsZero() != b.due.IsZero() {
		return a.due.IsZero()
	}
	if !a.due.Equal(b.due) {
		return a.due.Before(b.due)
	}
	return a.id < b.id
}
func (q readyQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}
func (q *readyQueue) Push(x any) {
	k := x.(*contactState)
	k.index = len(*q)
	*q = append(*q, k)
}
func (q *readyQueue) Pop() any {
	old := *q
	k := old[len(old)-1]
	k.index = -1
	*q = old[:len(old)-1]
	return k
}
