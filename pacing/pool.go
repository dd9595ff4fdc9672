package pacing

// MaxLinesPerAgent is the most lines per agent a campaign may have.
const MaxLinesPerAgent = 10

// agentUnits is one agent's lines in units that every lines-per-agent
// from 1 to MaxLinesPerAgent divides: a call of a campaign with L lines
// per agent takes agentUnits/L of an agent.
const agentUnits = 2520

// Pool is the free agents that progressive campaigns share, by team, and
// the campaigns whose calls they take. An agent's lines are one budget
// across every campaign it serves: a call of a campaign with L lines per
// agent takes 1/L of an agent, and the calls in flight that may land on an
// agent never take more than one agent's worth. Calls are not tied to an
// agent until one answers, so the budget holds when the calls in flight
// can be spread over the agents of their campaigns' teams with none over
// its lines.
type Pool struct {
	// Free is each team's free agents: available, not reserved for a call.
	Free []int
	// Held is, of each team's free agents, how many a personal callback
	// waits for: calls already in flight may still land on them, but no
	// call is released for them.
	Held      []int
	Campaigns []Campaign
}

// Campaign is one campaign's use of a pool.
type Campaign struct {
	// LinesPerAgent is kept within 1..MaxLinesPerAgent.
	LinesPerAgent int
	// Teams are the indexes in Pool.Free of the teams whose agents take
	// the campaign's calls.
	Teams []int
	// InFlight are the campaign's calls that an agent of its teams may
	// have to take: released, being dialed, ringing.
	InFlight int
	// Want is the most calls the campaign would release now; negative:
	// as many as the agents allow.
	Want int
}

// HeldAgents is how many of the pool's free agents personal callbacks
// hold.
func (p Pool) HeldAgents() int {
	n := 0
	for _, h := range p.Held {
		n += h
	}
	return n
}

func (c Campaign) units() int {
	return agentUnits / min(max(c.LinesPerAgent, 1), MaxLinesPerAgent)
}

// Release is how many calls each campaign of the pool may release now, so
// that no agent is over its lines: the calls in flight keep their places,
// and each new call must fit on the free agents of its campaign's teams
// that no personal callback holds. The agents left are shared fairly: the
// next call always goes to the campaign whose calls take the fewest
// agents, ties to the earlier campaign, until every campaign has what it
// wants or no call of it fits. A campaign whose calls in flight are more
// than its agents can take gets none.
func (p Pool) Release() []int {
	g := p.network(true)
	for i, c := range p.Campaigns {
		g.capacity[g.source][g.campaign(i)] = max(c.InFlight, 0) * c.units()
	}
	g.augment(-1)
	got := make([]int, len(p.Campaigns))
	full := make([]bool, len(p.Campaigns))
	for {
		next, least := -1, 0
		for i, c := range p.Campaigns {
			if full[i] || (c.Want >= 0 && got[i] >= c.Want) {
				continue
			}
			if load := (max(c.InFlight, 0) + got[i]) * c.units(); next < 0 || load < least {
				next, least = i, load
			}
		}
		if next < 0 {
			return got
		}
		u := p.Campaigns[next].units()
		saved := g.save()
		g.capacity[g.source][g.campaign(next)] += u
		if g.augment(u) == u {
			got[next]++
			continue
		}
		g.restore(saved)
		g.capacity[g.source][g.campaign(next)] -= u
		full[next] = true
	}
}

// Reservable reports whether one free agent of team may be taken whole for
// a call of its own (a personal callback) without leaving calls in flight
// fewer agents than they can land on.
func (p Pool) Reservable(team int) bool {
	if team < 0 || team >= len(p.Free) || p.Free[team] < 1 {
		return false
	}
	before := p.placed()
	free := append([]int(nil), p.Free...)
	free[team]--
	p.Free = free
	return p.placed() == before
}

// placed is how much of the calls in flight the free agents can take, held
// ones included, in units.
func (p Pool) placed() int {
	g := p.network(false)
	for i, c := range p.Campaigns {
		g.capacity[g.source][g.campaign(i)] = max(c.InFlight, 0) * c.units()
	}
	return g.augment(-1)
}

// network is the pool as a flow network: source → campaigns (their calls,
// in units) → teams they may land on → sink (the teams' free agents, in
// units). Without the held agents when withoutHeld.
func (p Pool) network(withoutHeld bool) *network {
	teams, campaigns := len(p.Free), len(p.Campaigns)
	g := newNetwork(campaigns + teams + 2)
	g.source, g.sink, g.teams = 0, campaigns+teams+1, campaigns+1
	for t, free := range p.Free {
		if withoutHeld && t < len(p.Held) {
			free -= max(p.Held[t], 0)
		}
		g.capacity[g.teams+t][g.sink] = max(free, 0) * agentUnits
	}
	for i, c := range p.Campaigns {
		for _, t := range c.Teams {
			if t >= 0 && t < teams {
				g.capacity[g.campaign(i)][g.teams+t] = unlimited
			}
		}
	}
	return g
}

// unlimited is an edge's capacity that no pool reaches.
const unlimited = int(^uint(0) >> 2)

type network struct {
	source, sink, teams int
	capacity, flow      [][]int
}

func newNetwork(n int) *network {
	g := &network{capacity: make([][]int, n), flow: make([][]int, n)}
	for i := range n {
		g.capacity[i], g.flow[i] = make([]int, n), make([]int, n)
	}
	return g
}

func (g *network) campaign(i int) int { return i + 1 }

func (g *network) save() [][]int {
	saved := make([][]int, len(g.flow))
	for i, row := range g.flow {
		saved[i] = append([]int(nil), row...)
	}
	return saved
}

func (g *network) restore(saved [][]int) { g.flow = saved }

// augment pushes up to limit more units from source to sink along
// shortest augmenting paths (Edmonds–Karp); a negative limit pushes all it
// can. It returns how much it pushed.
func (g *network) augment(limit int) int {
	pushed := 0
	n := len(g.flow)
	for limit < 0 || pushed < limit {
		prev := make([]int, n)
		for i := range prev {
			prev[i] = -1
		}
		prev[g.source] = g.source
		queue := []int{g.source}
		for len(queue) > 0 && prev[g.sink] < 0 {
			u := queue[0]
			queue = queue[1:]
			for v := range n {
				if prev[v] < 0 && g.capacity[u][v]-g.flow[u][v] > 0 {
					prev[v] = u
					queue = append(queue, v)
				}
			}
		}
		if prev[g.sink] < 0 {
			return pushed
		}
		step := unlimited
		if limit >= 0 {
			step = limit - pushed
		}
		for v := g.sink; v != g.source; v = prev[v] {
			step = min(step, g.capacity[prev[v]][v]-g.flow[prev[v]][v])
		}
		for v := g.sink; v != g.source; v = prev[v] {
			g.flow[prev[v]][v] += step
			g.flow[v][prev[v]] -= step
		}
		pushed += step
	}
	return pushed
}
