// Command benchpredictive is make bench-predictive: a discrete-event
// simulation, in simulated time, of a campaign's 8-hour shift on a grid of
// models (person-answer rate, mean talk, agents), for four pacers on the
// same calls: Outdial's predictive pacer (the real pacing.Estimate and
// pacing.Predictive.Decide, a pass every simulated second), a
// re-implementation of VICIdial's ADAPT_AVERAGE, the best fixed
// lines-per-agent ratio for the model found with the traffic known in
// advance (the oracle), and progressive pacing (the floor). It prints each
// pacer's abandon rate, agent occupancy, calls per agent-hour and agent
// wait between calls beside the targets, and exits non-zero when a target
// is missed.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/outdial/outdial/pacing"
)

func main() {
	seeds := flag.Int("seeds", 3, "seeds per model")
	quick := flag.Bool("quick", false, "a smaller grid (10 and 50 agents), for a try")
	flag.Parse()
	start := time.Now()

	var grid []model
	teams := []int{10, 50, 200}
	if *quick {
		teams = teams[:2]
	}
	for _, person := range []float64{0.10, 0.25, 0.40} {
		for _, talk := range []time.Duration{2 * time.Minute, 5 * time.Minute} {
			for _, agents := range teams {
				grid = append(grid, model{person: person, talk: talk, agents: agents})
			}
		}
	}
	fmt.Printf("make bench-predictive: %d models × %d seeds, %s shifts in simulated time; machine answers %.0f%%, answers after %s (log-normal σ %.1f), unanswered calls given up after 15–30 s, talk log-normal σ %.1f, wrap-up %s (σ %.2f), abandoned when no agent within %.0f s; target abandon rate %.0f%%\n\n",
		len(grid), *seeds, shift, machineShare*100, answerMean, answerSigma, talkSigma, wrapMean, wrapSigma, graceSeconds, pacing.DefaultTargetRate*100)

	rows := measure(grid, *seeds)
	missed := report(rows)
	fmt.Printf("\n%s on %d CPUs\n", time.Since(start).Round(time.Second), runtime.NumCPU())
	if missed > 0 {
		fmt.Printf("%d target(s) missed\n", missed)
		os.Exit(1)
	}
	fmt.Println("every target met")
}

// ratios are the fixed lines per agent the oracle tries.
func ratios() []float64 {
	var rs []float64
	for r := 100; r <= 300; r += 5 {
		rs = append(rs, float64(r)/100)
	}
	return rs
}

// row is one model's figures: each pacer's results by seed.
type row struct {
	model
	outdial, vicidial, oracle, progressive []result
	ratio                                  float64
}

// task is one run of a pacer on a model for every seed; for the oracle,
// the search over the ratios.
type task struct {
	model int
	pacer string
}

func measure(grid []model, seeds int) []row {
	var tasks []task
	for m := range grid {
		for _, p := range []string{"oracle", "outdial", "vicidial", "progressive"} {
			tasks = append(tasks, task{m, p})
		}
	}
	rows := make([]row, len(grid))
	for m := range grid {
		rows[m].model = grid[m]
	}
	var mu sync.Mutex
	work := make(chan task)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Go(func() {
			for t := range work {
				m := grid[t.model]
				if t.pacer == "oracle" {
					ratio, rs := oracle(m, seeds)
					mu.Lock()
					rows[t.model].ratio, rows[t.model].oracle = ratio, rs
					mu.Unlock()
					continue
				}
				rs := make([]result, seeds)
				for seed := range seeds {
					var p pacer
					switch t.pacer {
					case "outdial":
						p = &outdial{}
					case "vicidial":
						p = newVICIdial()
					default:
						p = progressive{}
					}
					rs[seed] = run(m, uint64(seed+1), p)
				}
				mu.Lock()
				switch t.pacer {
				case "outdial":
					rows[t.model].outdial = rs
				case "vicidial":
					rows[t.model].vicidial = rs
				default:
					rows[t.model].progressive = rs
				}
				mu.Unlock()
			}
		})
	}
	// The largest models first, so no worker is left with one at the end.
	for i := len(tasks) - 1; i >= 0; i-- {
		work <- tasks[i]
	}
	close(work)
	wg.Wait()
	return rows
}

// oracle is, of the fixed ratios whose abandon rate is under target on
// every seed, the one with the most occupancy, and its results. Abandons
// grow with the ratio: the search stops after three ratios over target in
// a row.
func oracle(m model, seeds int) (float64, []result) {
	best, bestRatio := -1.0, 0.0
	var bestResults []result
	over := 0
	for _, ratio := range ratios() {
		rs := make([]result, seeds)
		for seed := range seeds {
			rs[seed] = run(m, uint64(seed+1), fixedRatio{ratio})
		}
		if maxAbandon(rs) > pacing.DefaultTargetRate {
			if over++; over == 3 {
				break
			}
			continue
		}
		over = 0
		if occ := occupancy(rs, m.agents); occ > best {
			best, bestRatio, bestResults = occ, ratio, rs
		}
	}
	return bestRatio, bestResults
}

func (r result) abandonRate() float64 {
	if r.answers == 0 {
		return 0
	}
	return float64(r.abandoned) / float64(r.answers)
}

func maxAbandon(rs []result) float64 {
	worst := 0.0
	for _, r := range rs {
		worst = max(worst, r.abandonRate())
	}
	return worst
}

func meanAbandon(rs []result) float64 {
	sum := 0.0
	for _, r := range rs {
		sum += r.abandonRate()
	}
	return sum / float64(len(rs))
}

// occupancy is (talk + wrap-up) ÷ logged-in time, over every seed.
func occupancy(rs []result, agents int) float64 {
	busy := 0.0
	for _, r := range rs {
		busy += r.busy
	}
	return busy / (float64(len(rs)*agents) * shift.Seconds())
}

func callsPerAgentHour(rs []result, agents int) float64 {
	n := 0
	for _, r := range rs {
		n += r.connects
	}
	return float64(n) / (float64(len(rs)*agents) * shift.Hours())
}

func meanWait(rs []result) float64 {
	wait, n := 0.0, 0
	for _, r := range rs {
		wait += r.wait
		n += r.connects
	}
	if n == 0 {
		return 0
	}
	return wait / float64(n)
}

// report prints the table and the targets, and counts the targets missed.
func report(rows []row) int {
	fmt.Println("| person answers | talk | agents | pacer | abandon % mean (worst seed) | occupancy % | calls / agent-hour | agent wait s |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		for _, p := range []struct {
			name string
			rs   []result
		}{
			{"Outdial", r.outdial},
			{"VICIdial ADAPT_AVERAGE", r.vicidial},
			{fmt.Sprintf("oracle, fixed %.2f", r.ratio), r.oracle},
			{"progressive", r.progressive},
		} {
			if p.rs == nil {
				fmt.Printf("| %.0f%% | %s | %d | %s | no ratio meets the target | | | |\n", r.person*100, r.talk, r.agents, p.name)
				continue
			}
			fmt.Printf("| %.0f%% | %s | %d | %s | %.2f (%.2f) | %.1f | %.1f | %.1f |\n",
				r.person*100, r.talk, r.agents, p.name, meanAbandon(p.rs)*100, maxAbandon(p.rs)*100,
				occupancy(p.rs, r.agents)*100, callsPerAgentHour(p.rs, r.agents), meanWait(p.rs))
		}
	}
	fmt.Println()
	fmt.Println("Targets: Outdial's abandon rate ≤ 3% on every seed; its occupancy ≥ the oracle's − 2 points and > VICIdial's.")
	fmt.Println()
	fmt.Println("| person answers | talk | agents | abandon ≤ 3% every seed | occupancy ≥ oracle − 2 | occupancy > VICIdial |")
	fmt.Println("|---|---|---|---|---|---|")
	missed := 0
	verdict := func(ok bool, detail string) string {
		if ok {
			return "pass " + detail
		}
		missed++
		return "**FAIL** " + detail
	}
	for _, r := range rows {
		occ := occupancy(r.outdial, r.agents) * 100
		vici := occupancy(r.vicidial, r.agents) * 100
		oracle := 0.0
		if r.oracle != nil {
			oracle = occupancy(r.oracle, r.agents) * 100
		}
		worst := maxAbandon(r.outdial) * 100
		fmt.Printf("| %.0f%% | %s | %d | %s | %s | %s |\n", r.person*100, r.talk, r.agents,
			verdict(worst <= pacing.DefaultTargetRate*100, fmt.Sprintf("(%.2f%%)", worst)),
			verdict(occ >= oracle-2, fmt.Sprintf("(%.1f vs %.1f)", occ, oracle)),
			verdict(occ > vici, fmt.Sprintf("(%.1f vs %.1f)", occ, vici)))
	}
	return missed
}
