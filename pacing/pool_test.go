package pacing

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPoolRelease(t *testing.T) {
	all := -1
	for _, tc := range []struct {
		name string
		pool Pool
		want []int
	}{
		{"one campaign: lines per free agent", Pool{Free: []int{3}, Campaigns: []Campaign{{LinesPerAgent: 2, Teams: []int{0}, Want: all}}}, []int{6}},
		{"its calls in flight count", Pool{Free: []int{3}, Campaigns: []Campaign{{LinesPerAgent: 2, Teams: []int{0}, InFlight: 4, Want: all}}}, []int{2}},
		{"what it wants caps it", Pool{Free: []int{3}, Campaigns: []Campaign{{LinesPerAgent: 1, Teams: []int{0}, Want: 2}}}, []int{2}},
		{"two campaigns, one agent, one line: one call between them",
			Pool{Free: []int{1}, Campaigns: []Campaign{{LinesPerAgent: 1, Teams: []int{0}, Want: all}, {LinesPerAgent: 1, Teams: []int{0}, Want: all}}}, []int{1, 0}},
		{"the other campaign's call in flight takes the agent",
			Pool{Free: []int{1}, Campaigns: []Campaign{{LinesPerAgent: 1, Teams: []int{0}, Want: all}, {LinesPerAgent: 1, Teams: []int{0}, InFlight: 1}}}, []int{0, 0}},
		{"a call of a two-line campaign takes half an agent",
			Pool{Free: []int{1}, Campaigns: []Campaign{{LinesPerAgent: 1, Teams: []int{0}, Want: all}, {LinesPerAgent: 2, Teams: []int{0}, InFlight: 1, Want: all}}}, []int{0, 1}},
		{"shared agents are split evenly",
			Pool{Free: []int{10}, Campaigns: []Campaign{{LinesPerAgent: 1, Teams: []int{0}, Want: all}, {LinesPerAgent: 1, Teams: []int{0}, Want: all}}}, []int{5, 5}},
		{"evenly in agents, not in calls",
			Pool{Free: []int{4}, Campaigns: []Campaign{{LinesPerAgent: 1, Teams: []int{0}, Want: all}, {LinesPerAgent: 3, Teams: []int{0}, Want: all}}}, []int{2, 6}},
		{"a campaign that wants less leaves the rest to the other",
			Pool{Free: []int{10}, Campaigns: []Campaign{{LinesPerAgent: 1, Teams: []int{0}, Want: 2}, {LinesPerAgent: 1, Teams: []int{0}, Want: all}}}, []int{2, 8}},
		{"calls in flight count towards the fair split",
			Pool{Free: []int{10}, Campaigns: []Campaign{{LinesPerAgent: 1, Teams: []int{0}, InFlight: 6, Want: all}, {LinesPerAgent: 1, Teams: []int{0}, Want: all}}}, []int{0, 4}},
		{"a campaign's own team is its own",
			Pool{Free: []int{2, 2}, Campaigns: []Campaign{{LinesPerAgent: 1, Teams: []int{0}, Want: all}, {LinesPerAgent: 1, Teams: []int{0, 1}, Want: all}}}, []int{2, 2}},
		{"calls in flight move to the agents only they can use",
			Pool{Free: []int{1, 1}, Campaigns: []Campaign{{LinesPerAgent: 1, Teams: []int{0}, Want: all}, {LinesPerAgent: 1, Teams: []int{0, 1}, InFlight: 1}}}, []int{1, 0}},
		{"a chain of teams",
			Pool{Free: []int{1, 1, 1}, Campaigns: []Campaign{
				{LinesPerAgent: 1, Teams: []int{0}, Want: all},
				{LinesPerAgent: 1, Teams: []int{0, 1}, InFlight: 1},
				{LinesPerAgent: 1, Teams: []int{1, 2}, InFlight: 1},
			}}, []int{1, 0, 0}},
		{"held agents take no new call",
			Pool{Free: []int{3}, Held: []int{1}, Campaigns: []Campaign{{LinesPerAgent: 1, Teams: []int{0}, Want: all}}}, []int{2}},
		{"calls in flight may land on held agents",
			Pool{Free: []int{3}, Held: []int{1}, Campaigns: []Campaign{{LinesPerAgent: 1, Teams: []int{0}, InFlight: 3, Want: all}}}, []int{0}},
		{"calls in flight over the agents: nothing more",
			Pool{Free: []int{1, 5}, Campaigns: []Campaign{{LinesPerAgent: 1, Teams: []int{0}, InFlight: 3, Want: all}, {LinesPerAgent: 1, Teams: []int{1}, Want: all}}}, []int{0, 5}},
		{"no free agent", Pool{Free: []int{0}, Campaigns: []Campaign{{LinesPerAgent: 1, Teams: []int{0}, Want: all}}}, []int{0}},
		{"no team", Pool{Free: []int{4}, Campaigns: []Campaign{{LinesPerAgent: 1, Want: all}}}, []int{0}},
		{"lines per agent at least 1", Pool{Free: []int{1}, Campaigns: []Campaign{{LinesPerAgent: 0, Teams: []int{0}, Want: all}}}, []int{1}},
		{"lines per agent at most 10", Pool{Free: []int{1}, Campaigns: []Campaign{{LinesPerAgent: 50, Teams: []int{0}, Want: all}}}, []int{10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.pool.Release())
		})
	}
}

func TestPoolReservable(t *testing.T) {
	one := func(free []int, campaigns ...Campaign) Pool { return Pool{Free: free, Campaigns: campaigns} }
	for _, tc := range []struct {
		name string
		pool Pool
		team int
		want bool
	}{
		{"a free agent, nothing in flight", one([]int{1}), 0, true},
		{"no free agent", one([]int{0}), 0, false},
		{"no such team", one([]int{1}), 3, false},
		{"a call in flight needs the only agent", one([]int{1}, Campaign{LinesPerAgent: 1, Teams: []int{0}, InFlight: 1}), 0, false},
		{"another agent takes the call", one([]int{2}, Campaign{LinesPerAgent: 1, Teams: []int{0}, InFlight: 1}), 0, true},
		{"another team's agent takes the call", one([]int{1, 1}, Campaign{LinesPerAgent: 1, Teams: []int{0, 1}, InFlight: 1}), 0, true},
		{"a call that cannot reach the team", one([]int{1, 0}, Campaign{LinesPerAgent: 1, Teams: []int{1}, InFlight: 1}), 0, true},
		{"half an agent in flight", one([]int{1}, Campaign{LinesPerAgent: 2, Teams: []int{0}, InFlight: 1}), 0, false},
		{"already over elsewhere", one([]int{1, 1}, Campaign{LinesPerAgent: 1, Teams: []int{1}, InFlight: 3}), 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.pool.Reservable(tc.team))
		})
	}
}

// maxPlaced is the most of the campaigns' calls (demand, in units) the
// agents can take, by max-flow min-cut over every set of campaigns: the
// calls of a set S that cannot be placed are at least what S brings less
// the lines of the teams S can reach. Written apart from the network code
// it checks.
func maxPlaced(capacity []int, campaigns []Campaign, demand []int) int {
	best := -1
	for set := 0; set < 1<<len(campaigns); set++ {
		cut := 0
		reach := map[int]bool{}
		for i, c := range campaigns {
			if set&(1<<i) == 0 {
				cut += demand[i]
				continue
			}
			for _, t := range c.Teams {
				if t >= 0 && t < len(capacity) {
					reach[t] = true
				}
			}
		}
		for t := range reach {
			cut += capacity[t]
		}
		if best < 0 || cut < best {
			best = cut
		}
	}
	return best
}

func FuzzPoolRelease(f *testing.F) {
	f.Add(int8(1), int8(1), int8(0), int8(1), int8(1), int8(0), int8(0), int8(0), int8(-1), int8(-1), int8(-1), uint16(0x0111))
	f.Add(int8(4), int8(2), int8(1), int8(3), int8(2), int8(5), int8(1), int8(2), int8(-1), int8(3), int8(0), uint16(0x0321))
	f.Fuzz(func(t *testing.T, free0, free1, held1, lines0, lines1, lines2, inFlight0, inFlight1, want0, want1, want2 int8, teamBits uint16) {
		pool := Pool{Free: []int{int(free0 % 8), int(free1 % 8)}, Held: []int{0, int(held1 % 8)}}
		lines := []int8{lines0, lines1, lines2}
		inFlight := []int{int(inFlight0 % 12), int(inFlight1 % 12), 0}
		wants := []int8{want0, want1, want2}
		for i := range 3 {
			c := Campaign{LinesPerAgent: int(lines[i] % 12), InFlight: inFlight[i], Want: int(wants[i] % 20)}
			for team := range 2 {
				if teamBits&(1<<(4*i+team)) != 0 {
					c.Teams = append(c.Teams, team)
				}
			}
			pool.Campaigns = append(pool.Campaigns, c)
		}
		got := pool.Release()
		require.Len(t, got, 3)

		capacity := make([]int, len(pool.Free))
		for t, free := range pool.Free {
			capacity[t] = max(free-max(pool.Held[t], 0), 0) * agentUnits
		}
		demand := func(extra []int) []int {
			d := make([]int, len(pool.Campaigns))
			for i, c := range pool.Campaigns {
				d[i] = (max(c.InFlight, 0) + extra[i]) * c.units()
			}
			return d
		}
		before := maxPlaced(capacity, pool.Campaigns, demand([]int{0, 0, 0}))
		after := maxPlaced(capacity, pool.Campaigns, demand(got))
		added := 0
		for i, c := range pool.Campaigns {
			require.GreaterOrEqual(t, got[i], 0)
			if c.Want >= 0 {
				require.LessOrEqual(t, got[i], c.Want, "campaign %d wants %d", i, c.Want)
			}
			added += got[i] * c.units()
		}
		require.Equal(t, before+added, after, "every call released fits beside the calls in flight: %+v got %v", pool, got)
		for i, c := range pool.Campaigns {
			if c.Want >= 0 && got[i] >= c.Want {
				continue
			}
			more := append([]int(nil), got...)
			more[i]++
			require.Less(t, maxPlaced(capacity, pool.Campaigns, demand(more)), after+c.units(),
				"campaign %d could release one more call: %+v got %v", i, pool, got)
		}

		// Reserving an agent whole never leaves a call in flight without
		// the agent it could have landed on; held agents take calls in flight.
		calls := demand([]int{0, 0, 0})
		for team := range pool.Free {
			full := make([]int, len(pool.Free))
			for t, free := range pool.Free {
				full[t] = max(free, 0) * agentUnits
			}
			fewer := append([]int(nil), full...)
			fewer[team] = max(pool.Free[team]-1, 0) * agentUnits
			want := pool.Free[team] >= 1 && maxPlaced(fewer, pool.Campaigns, calls) == maxPlaced(full, pool.Campaigns, calls)
			require.Equal(t, want, pool.Reservable(team), "team %d of %+v", team, pool)
		}
	})
}

func TestPoolReleaseScales(t *testing.T) {
	free := make([]int, 10)
	for i := range free {
		free[i] = 100
	}
	var campaigns []Campaign
	for i := range 10 {
		campaigns = append(campaigns, Campaign{LinesPerAgent: 1 + i%3, Teams: []int{i, (i + 1) % 10}, Want: -1})
	}
	got := Pool{Free: free, Campaigns: campaigns}.Release()
	total := 0
	for i, n := range got {
		total += n * campaigns[i].units()
	}
	require.Equal(t, 1000*agentUnits, total, fmt.Sprint(got))
}
