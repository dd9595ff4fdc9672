package compliance

import (
	"cmp"
	"container/heap"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	campaignsvc "github.com/outdial/outdial/internal/campaign"
	"github.com/outdial/outdial/internal/compliance/oracle"
	"github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/pacing"
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
	// numberBusy, openCall and talkAtMost mirror contact's constants of
	// those names: a number in another attempt's call waits numberBusy; an
	// attempt with no end counts as a call for at most openCall, and one a
	// person answered whose agent stays connected for at most talkAtMost.
	numberBusy = 5 * time.Minute
	openCall   = time.Hour
	talkAtMost = 12 * time.Hour
	// holdForCallback mirrors campaign's constant of that name: how long a
	// pass holds an agent for its personal callback while calls in flight
	// may still land on it.
	holdForCallback = 10 * time.Second
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
	teams      []*team
	agents     []*agent // by ID
	numbers    map[string]*number
	dnc        map[string][]dncSpec
	contacts   []*contactState
	log        []*oracle.Attempt
	away       []oracle.Away
	locs       map[string]*time.Location
	// refusals counts the checks' answers other than "dial", by where.
	refusals map[string]int
}

type campaign struct {
	spec    *campaignSpec
	row     models.Campaign
	policy  contact.Policy
	caps    []contact.FrequencyCap
	longest time.Duration
	windows map[string]contact.Window
	ready   map[string]*readyQueue // contacts waiting for the pacer, by the contact's zone
	zones   []string               // ready's keys, in order
	pcb     []*contactState        // personal callbacks waiting for their agents
	// teams serve it (indexes in sim.teams); direct are their agents mapped
	// to it, viaGroup those it gets through its campaign group.
	teams    []int
	direct   []*agent
	viaGroup []*agent
	group    []*campaign // its campaign group's campaigns, in the group's order
	// poolTeams and poolCampaigns share agents with it
	// (models.LockAgentPool): its teams, the progressive campaigns they
	// serve, their teams, and so on; teams by ID.
	poolTeams     []int
	poolCampaigns []*campaign
	// released are its contacts released for any agent and not yet
	// prepared; calls its attempts for any agent recorded and not yet
	// answered or hung up.
	released int
	calls    []*attempt
	// personal are its contacts released for their agent and not yet
	// prepared; unreported its attempts with no telephony outcome yet;
	// waiting its calls a person answered that wait for an agent.
	personal   int
	unreported []*attempt
	waiting    []*attempt
	// predictive is a predictive campaign's state (nil: progressive).
	predictive *predictiveState
	// wantsSince is campaigns.wants_agents_since: since when its passes
	// have been held back by the agents it shares (zero: NULL).
	wantsSince time.Time
	// paused are the spans it was paused; pauseAfterPass, that a pause is
	// due.
	paused         []span
	pauseAfterPass bool
}

// predictiveState is what a predictive pass reads besides the agents, and
// the simulation's figures of its passes.
type predictiveState struct {
	loc *time.Location
	// ended are its dialed attempts that ended within campaign.EstimateWindow, by
	// their end; dialed the dial times of the last minute.
	ended  []*attempt
	dialed []time.Time
	// firstDial starts its 30-day periods; answered counts its calls a
	// person answered by the start of their period, and of their day.
	firstDial time.Time
	answered  map[time.Time]pacing.Abandons
	daily     map[time.Time]pacing.Abandons
	// passes decided, those that decided more calls than free agents and
	// those that released more (the agents' pool and the contacts due
	// allowing), and the calls in progress per agent taking calls, summed
	// over the passes that had such agents.
	passes, overdialed, released, taking int
	linesPerAgent                        float64
}

type team struct {
	spec   teamSpec
	agents []*agent
}

type agent struct {
	id    string
	team  int // index in sim.teams
	state string
	since time.Time
	// heldUntil: a pass holds it for its personal callback until then;
	// callback is the contact it is reserved for.
	heldUntil time.Time
	callback  *contactState
	serves    map[*campaign]bool
	// away is its break in sim.away, -1 when on none.
	away int
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

// release is what a pass hands a contact: the agent it is reserved for (a
// personal callback), none for a call any agent may take.
type release struct {
	c        *campaign
	reserved *agent
	at       time.Time
}

type attempt struct {
	id     string
	k      *contactState
	seq    int
	mode   string
	number string
	// started is attempts.started_at: when it was recorded, then when its
	// dial request left.
	started   time.Time
	rel       release
	telephony string
	business  string
	ended     bool
	endedAt   time.Time
	// agent is attempts.agent: the agent it was placed for, then the one
	// the outcome or the wrap-up names.
	agent       string
	wrapupAgent string
	log         *oracle.Attempt
	// decision is the strategy's reason, for a failure's story.
	decision string
	// answeredAt, connectedAt and talkEndedAt are attempts.answered_at,
	// connected_at and talk_ended_at (zero: NULL).
	answeredAt, connectedAt, talkEndedAt time.Time
}

type number struct {
	attempts []*attempt // by started
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
			need := []string{k.zone}
			for _, n := range k.numbers {
				need = append(need, n.TimeZone, n.DeclaredZone)
			}
			for _, z := range need {
				if z != "" && !slices.Contains(zones[l.campaign], z) {
					zones[l.campaign] = append(zones[l.campaign], z)
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
		if predictivePacing(&c.row, spec.group != "") {
			c.predictive = &predictiveState{loc: s.loc(spec.zone), answered: map[time.Time]pacing.Abandons{}, daily: map[time.Time]pacing.Abandons{}}
		}
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
	for _, ts := range sc.teams {
		s.teams = append(s.teams, &team{spec: ts})
	}
	slices.SortFunc(s.teams, func(x, y *team) int { return cmp.Compare(x.spec.id, y.spec.id) })
	for _, c := range s.order {
		for i, t := range s.teams {
			if direct, via := serving(t.spec, c.spec); direct || via {
				c.teams = append(c.teams, i)
			}
		}
	}
	for _, c := range s.order {
		c.poolTeams, c.poolCampaigns = s.agentPool(c)
	}
	for _, as := range sc.agents {
		ti := slices.IndexFunc(s.teams, func(t *team) bool { return t.spec.id == as.team })
		a := &agent{id: as.id, team: ti, state: models.AgentAvailable, since: sc.start, serves: map[*campaign]bool{}, away: -1}
		s.teams[ti].agents = append(s.teams[ti].agents, a)
		for _, c := range s.order {
			if direct, via := serving(s.teams[ti].spec, c.spec); via {
				c.viaGroup = append(c.viaGroup, a)
				a.serves[c] = true
			} else if direct {
				c.direct = append(c.direct, a)
				a.serves[c] = true
			}
		}
		s.agents = append(s.agents, a)
		s.at(sc.start.Add(s.between(0, 4*time.Hour)), func() { s.takeBreak(a) })
	}
	slices.SortFunc(s.agents, func(x, y *agent) int { return cmp.Compare(agentID(x.id), agentID(y.id)) })
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

// serving is whether a team serves a campaign (the view
// campaign_serving_teams): mapped to it, or to its campaign group (via,
// which wins when both).
func serving(t teamSpec, c *campaignSpec) (direct, via bool) {
	return slices.Contains(t.campaigns, c.id), t.group != "" && t.group == c.group
}

// agentPool is the teams and the campaigns that share agents with c, as
// models.LockAgentPool finds them in SQL: the teams serving it, the
// progressive campaigns those teams serve, their teams, and so on.
func (s *sim) agentPool(c *campaign) ([]int, []*campaign) {
	teams := slices.Clone(c.teams)
	var campaigns []*campaign
	for grew := true; grew; {
		grew = false
		for _, o := range s.order {
			if slices.Contains(campaigns, o) || !slices.ContainsFunc(o.teams, func(t int) bool { return slices.Contains(teams, t) }) {
				continue
			}
			campaigns, grew = append(campaigns, o), true
			for _, t := range o.teams {
				if !slices.Contains(teams, t) {
					teams = append(teams, t)
				}
			}
		}
	}
	slices.Sort(teams) // s.teams is by ID
	return teams, campaigns
}

// agentID is an agent's numeric ID, by which production orders agents.
func agentID(id string) uint64 {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		panic(err)
	}
	return n
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
		k.modes = contact.OrderModes(c.policy.Modes, numbers)
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
	if k.pcbAgent != "" && (k.pcbUntil.IsZero() || s.now.Before(k.pcbUntil)) {
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
	if c.row.Status != models.CampaignActive && c.row.Status != models.CampaignPaused {
		return
	}
	s.freeCallbackReservations()
	if campaignEnded(&c.row, s.now) {
		c.row.Status = models.CampaignCompleted
		for _, k := range s.contacts {
			if k.c == c && (k.status == models.ContactNew || k.status == models.ContactReady || k.status == models.ContactScheduled) {
				s.closeContact(k)
			}
		}
		return
	}
	wants := false
	if c.row.Status == models.CampaignActive {
		wants = s.paceProgressive(c)
	}
	// models.WantAgents
	if !wants {
		c.wantsSince = time.Time{}
	} else if c.wantsSince.IsZero() {
		c.wantsSince = s.now
	}
}

// paceProgressive releases what a progressive pass may, and reports
// whether the agents it shares held it back
// (campaign.Service.paceProgressive and releaseProgressive): the personal
// callbacks due whose agents are free, each reserving its agent, then what
// the agents' lines allow, one budget with the campaigns they also serve.
func (s *sim) paceProgressive(c *campaign) bool {
	s.lapseCallbacks(c)
	open := s.openZones(c)
	if len(open) == 0 {
		return false
	}
	pool := s.lockAgentPool(c)
	budget, me := campaignsvc.BudgetOf(pool, c.spec.id)
	callbacks := s.releaseCallbacks(c, open, pool, &budget)
	// models.CountForPacing, after the callbacks took their agents.
	free, shared := available(c.direct), available(c.viaGroup)
	var weights []int
	index := -1
	if len(c.group) > 0 {
		weights, index = s.groupShares(c)
	}
	want := progressiveWant(free, shared, weights, index, c.row.LinesPerAgent, s.inFlight(c))
	pooled := me >= 0
	if c.predictive != nil {
		// More calls than free agents, as the abandon budget allows; the
		// agents callbacks hold take none, and agents that serve no other
		// campaign are bounded by the decision alone.
		want = s.predictivePass(c, max(free-budget.HeldAgents(), 0))
		pooled = pooled && s.sharesAgents(c)
	}
	wants := false
	// (Asked for no call, the pool can only allow none.)
	if pooled && want > 0 {
		if allowed := poolAllows(budget, me, want); allowed < want {
			want, wants = allowed, true
		}
	}
	due := s.releaseDue(c, open, want)
	// Fewer due than it asked for: it has all it can dial.
	wants = wants && len(due) == want
	for _, k := range due {
		s.release(k, release{})
	}
	if p := c.predictive; p != nil && len(due) > free {
		p.released++
	}
	if c.pauseAfterPass && len(callbacks)+len(due) > 0 {
		c.pauseAfterPass = false
		s.after(10*time.Millisecond, func() {
			c.row.Status = models.CampaignPaused
			c.paused = append(c.paused, span{from: s.now, to: s.sc.end.Add(time.Hour)})
		})
	}
	return wants
}

// sharesAgents is whether another active or paused campaign is served by
// a team that serves c (models.SharesAgents in SQL).
func (s *sim) sharesAgents(c *campaign) bool {
	for _, o := range s.order {
		if o != c && (o.row.Status == models.CampaignActive || o.row.Status == models.CampaignPaused) &&
			slices.ContainsFunc(o.teams, func(t int) bool { return slices.Contains(c.teams, t) }) {
			return true
		}
	}
	return false
}

// predictivePass is what a predictive pass decides with free agents
// (campaign.Service.predictive): its estimates from its attempts ended
// within campaign.EstimateWindow (models.RecentTraffic), its calls in flight and
// busy agents (models.CountCallsNow) and its abandon counts over its
// period and today (stats.Service.abandon), all read in SQL there.
func (s *sim) predictivePass(c *campaign, free int) int {
	p := c.predictive
	since := s.now.Add(-campaignsvc.EstimateWindow)
	for len(p.ended) > 0 && p.ended[0].endedAt.Before(since) {
		p.ended = p.ended[1:]
	}
	recent := make([]models.Traffic, 0, len(p.ended))
	for _, at := range p.ended {
		recent = append(recent, at.traffic())
	}
	for len(p.dialed) > 0 && !p.dialed[0].After(s.now.Add(-time.Minute)) {
		p.dialed = p.dialed[1:]
	}
	// The dialer reports an answer with its outcome, as
	// dialer.Simulator does: a call waiting for an agent still rings.
	var sit pacing.Situation
	for _, at := range c.unreported {
		if at.started.After(s.now.Add(-models.RingingAtMost)) {
			sit.Ringing = append(sit.Ringing, s.now.Sub(at.started))
		}
	}
	for range c.released + c.personal {
		sit.Ringing = append(sit.Ringing, 0)
	}
	for _, a := range slices.Concat(c.direct, c.viaGroup) {
		if a.state == models.AgentConnected || a.state == models.AgentWrapUp {
			sit.Busy = append(sit.Busy, pacing.BusyAgent{Talking: a.state == models.AgentConnected, Elapsed: s.now.Sub(a.since)})
		}
	}
	sit.Free, sit.DialRate = free, float64(len(p.dialed))/60
	period, today := abandonWindows(p.firstDial, s.now, p.loc)
	sit.Today = p.daily[today]
	if !period.IsZero() {
		sit.Period = p.answered[period]
	}
	d := predictiveDecision(&c.row, recent, sit, s.now)
	p.passes++
	if d.Calls > free {
		p.overdialed++
	}
	if taking := free + len(sit.Busy); taking > 0 {
		p.taking++
		p.linesPerAgent += float64(len(sit.Ringing)+sit.Waiting+len(sit.Busy)) / float64(taking)
	}
	return d.Calls
}

// traffic is the attempt's row as models.RecentTraffic reads it.
func (at *attempt) traffic() models.Traffic {
	t := models.Traffic{TelephonyOutcome: at.telephony, StartedAt: at.started, DialAcceptedAt: &at.log.DialAt, EndedAt: &at.endedAt}
	if !at.answeredAt.IsZero() {
		t.AnsweredAt = &at.answeredAt
	}
	if !at.connectedAt.IsZero() {
		t.ConnectedAt = &at.connectedAt
	}
	if !at.talkEndedAt.IsZero() {
		t.TalkEndedAt = &at.talkEndedAt
	}
	return t
}

// countAnswered counts a call a person answered in the abandon counts of
// its period and day, by its start, once its outcome is in.
func (s *sim) countAnswered(at *attempt) {
	p := at.k.c.predictive
	if p == nil {
		return
	}
	period, today := abandonWindows(p.firstDial, at.started, p.loc)
	add := func(m map[time.Time]pacing.Abandons, from time.Time) {
		n := m[from]
		n.Answered++
		if abandonedCall(at.telephony, at.answeredAt, at.connectedAt) {
			n.Abandoned++
		}
		m[from] = n
	}
	add(p.answered, period)
	add(p.daily, today)
}

// lapseCallbacks hands the personal callbacks whose duration is over to
// any agent: production's queries see them so by the time alone
// (models.personalCallback).
func (s *sim) lapseCallbacks(c *campaign) {
	for _, k := range slices.Clone(c.pcb) {
		if !k.pcbUntil.IsZero() && !s.now.Before(k.pcbUntil) {
			c.pcb = slices.DeleteFunc(c.pcb, func(o *contactState) bool { return o == k })
			k.pcbAgent, k.pcbUntil = "", time.Time{}
			s.waitForPacer(k)
		}
	}
}

// openZones are the zones of the campaign's waiting contacts whose calling
// window is open now (campaign.Service.openZones; models.WaitingZones in
// SQL).
func (s *sim) openZones(c *campaign) []string {
	var open []string
	add := func(z string) {
		if !slices.Contains(open, z) && windowOpen(c.windows[z], s.now) {
			open = append(open, z)
		}
	}
	for _, z := range c.zones {
		if c.ready[z].Len() > 0 {
			add(z)
		}
	}
	for _, k := range c.pcb {
		add(k.zone)
	}
	return open
}

func available(as []*agent) int {
	n := 0
	for _, a := range as {
		if a.state == models.AgentAvailable {
			n++
		}
	}
	return n
}

// inFlight are the campaign's calls any agent of its teams may have to
// take (models.campaignCalls in SQL): its contacts released for any agent,
// and its attempts for any agent with no outcome yet, for RingingAtMost
// since they started at most.
func (s *sim) inFlight(c *campaign) int {
	n := c.released
	for _, at := range c.calls {
		if at.started.After(s.now.Add(-models.RingingAtMost)) {
			n++
		}
	}
	return n
}

// groupShares are the deliverable percentages of the campaign's group's
// campaigns that count in a pass, and the campaign's place among them
// (models.GroupShares in SQL): itself, and the active ones with a contact
// due.
func (s *sim) groupShares(c *campaign) ([]int, int) {
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
	return weights, index
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

// lockAgentPool is what models.LockAgentPool reads in SQL: the pool's
// teams with their available agents and those a personal callback holds,
// and its campaigns, the one longest held back by the agents first.
func (s *sim) lockAgentPool(c *campaign) *models.AgentPool {
	p := &models.AgentPool{Free: make([]int, len(c.poolTeams)), Held: make([]int, len(c.poolTeams))}
	for i, t := range c.poolTeams {
		p.Teams = append(p.Teams, s.teams[t].spec.id)
		for _, a := range s.teams[t].agents {
			if a.state == models.AgentAvailable {
				p.Free[i]++
				if a.heldUntil.After(s.now) {
					p.Held[i]++
				}
			}
		}
	}
	campaigns := slices.Clone(c.poolCampaigns)
	slices.SortStableFunc(campaigns, func(x, y *campaign) int {
		if x.wantsSince.IsZero() != y.wantsSince.IsZero() {
			return boolRank(x.wantsSince.IsZero()) - boolRank(y.wantsSince.IsZero())
		}
		return cmp.Or(x.wantsSince.Compare(y.wantsSince), cmp.Compare(x.spec.id, y.spec.id))
	})
	for _, o := range campaigns {
		pc := models.PoolCampaign{ID: o.spec.id, Active: o.row.Status == models.CampaignActive, LinesPerAgent: poolLines(&o.row),
			WantsAgents: !o.wantsSince.IsZero(), InFlight: s.inFlight(o)}
		for _, t := range o.teams {
			pc.Teams = append(pc.Teams, slices.Index(c.poolTeams, t))
		}
		p.Campaigns = append(p.Campaigns, pc)
	}
	return p
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// dueCallback is a due personal callback whose agent is available
// (models.DueCallback).
type dueCallback struct {
	k    *contactState
	a    *agent
	held bool
}

// dueCallbacks are the campaign's due personal callbacks in zones whose
// agents are available and serve the campaign, for each agent the first
// by priority, then due time, then ID, by agent ID (models.DueCallbacks in
// SQL).
func (s *sim) dueCallbacks(c *campaign, zones []string) []dueCallback {
	best := map[*agent]*contactState{}
	for _, k := range c.pcb {
		if !slices.Contains(zones, k.zone) || !k.listEnd.After(s.now) {
			continue
		}
		a := s.agent(k.pcbAgent)
		if a == nil || a.state != models.AgentAvailable || !slices.Contains(c.teams, a.team) {
			continue
		}
		if b := best[a]; b == nil || before(k, b) {
			best[a] = k
		}
	}
	var out []dueCallback
	for _, a := range s.agents {
		if k := best[a]; k != nil {
			out = append(out, dueCallback{k: k, a: a, held: a.heldUntil.After(s.now)})
		}
	}
	return out
}

// releaseCallbacks releases the campaign's due personal callbacks whose
// agents are available, each reserving its agent when the pool may spare
// it whole, else holding it (campaign.Service.releaseCallbacks;
// models.HoldForCallback and ReserveForCallback in SQL).
func (s *sim) releaseCallbacks(c *campaign, zones []string, pool *models.AgentPool, budget *pacing.Pool) []*contactState {
	due := s.dueCallbacks(c, zones)
	if len(due) == 0 {
		return nil
	}
	budget.Free, budget.Held = slices.Clone(budget.Free), slices.Clone(budget.Held)
	var out []*contactState
	for _, cb := range due {
		team := slices.Index(pool.Teams, s.teams[cb.a.team].spec.id)
		if !reservable(*budget, team) {
			if cb.a.state == models.AgentAvailable {
				cb.a.heldUntil = s.now.Add(holdForCallback)
			}
			if !cb.held && team >= 0 {
				budget.Held[team]++
			}
			continue
		}
		c.pcb = slices.DeleteFunc(c.pcb, func(o *contactState) bool { return o == cb.k })
		s.setState(cb.a, models.AgentReserved)
		cb.a.heldUntil, cb.a.callback = time.Time{}, cb.k
		budget.Free[team]--
		if cb.held {
			budget.Held[team]--
		}
		s.release(cb.k, release{reserved: cb.a})
		out = append(out, cb.k)
	}
	return out
}

// freeCallbackReservations makes available again the agents reserved for
// a personal callback whose contact is no longer released or being dialed
// (models.FreeCallbackReservations in SQL).
func (s *sim) freeCallbackReservations() {
	for _, a := range s.agents {
		if k := a.callback; a.state == models.AgentReserved && k != nil && k.status != models.ContactReleased && k.status != models.ContactDialing {
			s.setState(a, models.AgentAvailable)
		}
	}
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
			if q != nil && q.Len() > 0 && (best == nil || before((*q)[0], (*best)[0])) {
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

// agent is the agent of an ID as attempts and contacts record it, nil for
// none.
func (s *sim) agent(id string) *agent {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return nil
	}
	i, ok := slices.BinarySearchFunc(s.agents, n, func(a *agent, n uint64) int { return cmp.Compare(agentID(a.id), n) })
	if !ok {
		return nil
	}
	return s.agents[i]
}

// setState moves an agent to state, as models.SetAgentState does: the
// reservation for a callback ends with any move.
func (s *sim) setState(a *agent, state string) {
	a.state, a.since, a.callback = state, s.now, nil
	if state == models.AgentAvailable {
		s.offer(a)
	}
}

// release hands a contact to its workflow, which prepares its attempt a
// moment later.
func (s *sim) release(k *contactState, rel release) {
	k.status = models.ContactReleased
	rel.c, rel.at = k.c, s.now
	if rel.reserved == nil {
		rel.c.released++
	} else {
		rel.c.personal++
	}
	s.after(s.between(20*time.Millisecond, 1500*time.Millisecond), func() { s.prepare(k, rel) })
}

// unrelease frees the agent a release reserved when no call is placed
// (contact.Service.FreeAgent, models.FreeAgent): back to available when
// it is still reserved for the personal callback, else idle (an idle
// agent of a progressive campaign would take no call again here; none
// is expected).
func (s *sim) unrelease(rel release) {
	a := rel.reserved
	if a == nil || (a.state != models.AgentReserved && a.state != models.AgentConnected) {
		return
	}
	state := models.AgentIdle
	if a.callback != nil {
		state = models.AgentAvailable
	}
	s.setState(a, state)
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
	if rel.reserved == nil {
		rel.c.released--
	} else {
		rel.c.personal--
	}
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
	if rel.reserved != nil {
		at.agent = rel.reserved.id
	} else {
		k.c.calls = append(k.c.calls, at)
	}
	k.c.unreported = append(k.c.unreported, at)
	n := s.numbers[at.number]
	if n == nil {
		n = &number{}
		s.numbers[at.number] = n
	}
	n.attempts = append(n.attempts, at)
	// The dial request leaves in the next activity: with dial latency, a
	// moment later, and now and then minutes later, as when a worker dies
	// between the two and a restarted workflow dials (issue 13, finding 6),
	// by which time the checks may answer otherwise; with late dials, up
	// to 20 minutes later. Without, at once.
	var gap time.Duration
	if s.world.dialLatency {
		gap = s.between(5*time.Millisecond, 800*time.Millisecond)
		if s.rng.IntN(200) == 0 {
			latest := models.RingingAtMost - time.Minute
			if s.world.lateDials {
				latest = 20 * time.Minute
			}
			gap = s.between(time.Minute, latest)
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
		for i := len(n.attempts) - 1; i >= 0 && n.attempts[i].started.After(s.now.Add(-talkAtMost)); i-- {
			if a := n.attempts[i]; s.onCall(a) {
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

// onCall is recordAttempt's test of whether an attempt's call is on: the
// attempt is open with no outcome or a person answered; or a person
// answered, no wrap-up came (the workflow's wait for it ended), and its
// agent has stayed connected or in wrap-up since.
func (s *sim) onCall(a *attempt) bool {
	if !a.ended {
		return (a.telephony == "" || a.telephony == strategy.Voice) && a.started.After(s.now.Add(-openCall))
	}
	if a.telephony != strategy.Voice || a.business != "" {
		return false
	}
	g := s.agent(a.agent)
	return g != nil && (g.state == models.AgentConnected || g.state == models.AgentWrapUp) && !g.since.After(a.endedAt)
}

// dial is contact.Service.Dial: the checks again as the request leaves;
// refused, the attempt keeps its start and the workflow frees its agent;
// sent, the attempt starts now (recordEvidence), and the dialer calls.
func (s *sim) dial(at *attempt) {
	k := at.k
	at.log = &oracle.Attempt{Campaign: strconv.FormatUint(k.c.spec.id, 10), Contact: strconv.FormatUint(k.id, 10), Seq: at.seq,
		Mode: at.mode, Number: at.number, ReleasedAt: at.rel.at}
	if a := at.rel.reserved; a != nil {
		at.log.Agent = a.id
	}
	s.log = append(s.log, at.log)
	v := atDial(s.facts(k, true, at), at.mode, s.now)
	if v.Action == contact.ActionDial && s.now.Sub(at.started) > models.RingingAtMost {
		// Dial refuses a request that would leave after the pacer gave
		// its line back.
		v.Action, v.Reason = contact.ActionWait, "its line was given back"
	}
	if v.Action != contact.ActionDial || v.Number != at.number {
		s.refusals["dial: "+v.Action+" "+refusalKind(v.Reason)]++
		s.callOver(at)
		s.unrelease(at.rel)
		s.decide(at, strategy.Error, "", "")
		return
	}
	s.startAt(at, s.now)
	at.log.Dialed, at.log.DialAt = true, s.now
	if p := k.c.predictive; p != nil {
		p.dialed = append(p.dialed, s.now)
		if p.firstDial.IsZero() {
			p.firstDial = s.now
		}
	}
	outcome := s.draw(k.c.spec.outcomes)
	ring := ringOf(outcome, s.between(4*time.Second, 25*time.Second))
	if outcome != strategy.Voice {
		s.after(ring, func() {
			s.reported(at, outcome)
			at.log.CallEnd = s.now
			s.callOver(at)
			s.decide(at, outcome, "", "")
		})
		return
	}
	s.after(ring, func() { s.answer(at) })
}

// startAt moves an attempt's start to t, the latest of its number's.
func (s *sim) startAt(at *attempt, t time.Time) {
	n := s.numbers[at.number]
	n.attempts = slices.DeleteFunc(n.attempts, func(o *attempt) bool { return o == at })
	at.started = t
	n.attempts = append(n.attempts, at)
}

// callOver is the end of a call for the pacer: answered or hung up, or
// never sent. A reserved agent stays so until a pass frees it
// (freeCallbackReservations), or the workflow does.
func (s *sim) callOver(at *attempt) {
	c := at.k.c
	c.calls = slices.DeleteFunc(c.calls, func(o *attempt) bool { return o == at })
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
// to the available agent of the campaign's teams waiting longest
// (agent.Store.Reserve, models.ConnectAvailableAgent). With none, the
// person waits for one as long as the dialer asks again (reserveWithin):
// an agent free by then takes the call (offer), else it is abandoned.
func (s *sim) answer(at *attempt) {
	c := at.k.c
	at.answeredAt, at.log.AnsweredAt = s.now, s.now
	s.callOver(at)
	a := at.rel.reserved
	if a == nil {
		for _, o := range s.agents {
			if o.serves[c] && o.state == models.AgentAvailable && (a == nil || o.since.Before(a.since)) {
				a = o
			}
		}
	}
	if a != nil {
		s.connect(at, a)
		return
	}
	c.waiting = append(c.waiting, at)
	s.after(reserveWithin, func() {
		if slices.Contains(c.waiting, at) {
			c.waiting = slices.DeleteFunc(c.waiting, func(o *attempt) bool { return o == at })
			s.abandon(at)
		}
	})
}

// offer gives an agent just available the call waiting longest of the
// campaigns it serves, as the dialer's next ask for an agent finds it.
func (s *sim) offer(a *agent) {
	var first *attempt
	for _, c := range s.order {
		if a.serves[c] && len(c.waiting) > 0 && (first == nil || c.waiting[0].answeredAt.Before(first.answeredAt)) {
			first = c.waiting[0]
		}
	}
	if first != nil {
		c := first.k.c
		c.waiting = c.waiting[1:]
		s.connect(first, a)
	}
}

// abandon ends a call no agent took in time: the person hears the
// campaign's abandon message, if it has one, at once.
func (s *sim) abandon(at *attempt) {
	s.reported(at, strategy.Abandoned)
	if at.k.c.row.AbandonMessage != "" {
		at.log.AbandonMessageAt = s.now
	}
	at.log.CallEnd = s.now.Add(2 * time.Second)
	s.decide(at, strategy.Abandoned, "", "")
}

// reported is the dialer's telephony outcome of an attempt coming in:
// the attempt rings no more; a call a person answered counts for its
// campaign's abandon rate.
func (s *sim) reported(at *attempt, outcome string) {
	c := at.k.c
	at.telephony = outcome
	c.unreported = slices.DeleteFunc(c.unreported, func(o *attempt) bool { return o == at })
	if outcome == strategy.Voice || outcome == strategy.Abandoned {
		s.countAnswered(at)
	}
}

// connect puts an answered call through to an agent, who talks, wraps up
// and sends a code.
func (s *sim) connect(at *attempt, a *agent) {
	c := at.k.c
	at.connectedAt, at.log.ConnectedAt = s.now, s.now
	s.reported(at, strategy.Voice)
	at.agent = a.id
	at.log.ConnectedAgent = a.id
	s.setState(a, models.AgentConnected)
	// The workflow waits for the wrap-up so long, then the voice rule
	// decides; a wrap-up after that is refused.
	s.after(wrapupWait, func() {
		if !at.ended {
			s.decide(at, strategy.Voice, "", a.id)
		}
	})
	least, most := 30*time.Second, 4*time.Minute
	if t := c.spec.talk; t[1] > t[0] {
		least, most = t[0], t[1]
	}
	talk := s.between(least, most)
	if s.world.longCalls && s.rng.IntN(300) == 0 {
		longest := 59 * time.Minute
		if s.world.callsOverAnHour {
			longest = 75 * time.Minute
		}
		talk = s.between(31*time.Minute, longest)
	}
	s.after(talk, func() {
		at.log.CallEnd = s.now
		s.setState(a, models.AgentWrapUp)
		if !at.ended {
			at.talkEndedAt = s.now // models.EndTalk: the attempt's talk ended
		}
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
	d := decide(policy, k.counters, at.mode, outcome, business, at.wrapupAgent, outcomeAgent, s.now, decisionZone(s.loc(k.zone)))
	at.ended, at.endedAt, at.decision, at.business = true, s.now, d.Reason, business
	at.agent = cmp.Or(at.wrapupAgent, outcomeAgent)
	at.log.Outcome, at.log.Business, at.log.EndedAt = outcome, business, s.now
	if at.telephony == "" {
		s.reported(at, outcome)
	}
	if p := c.predictive; p != nil && at.log.Dialed {
		p.ended = append(p.ended, at)
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

// takeBreak sends an available agent on a break now and then; the oracle
// learns of it as the agent reports it.
func (s *sim) takeBreak(a *agent) {
	if a.state != models.AgentAvailable {
		s.after(time.Minute, func() { s.takeBreak(a) })
		return
	}
	s.setState(a, models.AgentNotReady)
	a.away = len(s.away)
	s.away = append(s.away, oracle.Away{Agent: a.id, From: s.now, To: s.sc.end.Add(time.Hour)})
	s.after(s.between(5*time.Minute, 40*time.Minute), func() {
		s.setState(a, models.AgentAvailable)
		s.away[a.away].To, a.away = s.now, -1
		s.after(s.between(time.Hour, 5*time.Hour), func() { s.takeBreak(a) })
	})
}

// before orders waiting contacts as models.ReleaseDue does: priority
// first, then due time with never-rescheduled contacts first, then ID.
func before(a, b *contactState) bool {
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

type readyQueue []*contactState

func (q readyQueue) Len() int           { return len(q) }
func (q readyQueue) Less(i, j int) bool { return before(q[i], q[j]) }
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
