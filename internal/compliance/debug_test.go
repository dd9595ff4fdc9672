package compliance

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
)

func TestDebugContact(t *testing.T) {
	id, _ := strconv.ParseUint(os.Getenv("DBG_CONTACT"), 10, 64)
	if id == 0 {
		t.Skip()
	}
	pi, _ := strconv.Atoi(os.Getenv("DBG_PERIOD"))
	rng := rand.New(rand.NewPCG(defaultSeed, uint64(pi)))
	s, _ := newSim(newScenario(periods[pi], size{c1: 600, c1Appended: 300, c2: 700, c3: 500}, rng), rng)
	s.run()
	for _, k := range s.contacts {
		if k.id == id {
			t.Logf("contact %d zone %s numbers %v modes %v", k.id, k.zone, k.numbers, k.modes)
		}
	}
	for _, n := range s.numbers {
		for _, a := range n.attempts {
			if a.k.id == id {
				t.Logf("%s %s %s started %s dialed %v %s answered %s ended %s %s/%s agent %s reserved %v connected %s: %s", a.id, a.mode, a.number, a.started.Format(time.RFC3339), a.log.Dialed, a.log.DialAt.Format(time.RFC3339), a.log.AnsweredAt.Format(time.RFC3339), a.log.EndedAt.Format(time.RFC3339), a.log.Outcome, a.log.Business, a.log.Agent, a.log.Reserved, a.log.ConnectedAgent, a.decision)
			}
		}
	}
}
