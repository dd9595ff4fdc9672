// Package pacing is the pacer's arithmetic: how many contacts a progressive
// campaign may release in a pass, how the campaigns that share agents
// share their lines (one budget per agent, whichever campaigns it serves),
// how a campaign group's deliverable percentages split its agents and its
// buffer between its campaigns, how the buffer adapts to how fast its
// contacts are consumed, and a predictive campaign's estimates of its
// traffic (Estimate) and its calls per pass (Predictive.Decide).
package pacing

// Split divides n between weights by the largest-remainder method: each
// part is within one of its exact share n×w/Σw, and the parts add up to n.
// Ties go to the earlier weight, so every pacer computes the same split.
// All-zero weights get nothing.
func Split(n int, weights []int) []int {
	parts := make([]int, len(weights))
	sum := 0
	for _, w := range weights {
		sum += max(w, 0)
	}
	if n <= 0 || sum == 0 {
		return parts
	}
	left := n
	rems := make([]int, len(weights))
	for i, w := range weights {
		w = max(w, 0)
		parts[i] = n * w / sum
		rems[i] = n * w % sum
		left -= parts[i]
	}
	for ; left > 0; left-- {
		best := -1
		for i, r := range rems {
			if weights[i] > 0 && (best < 0 || r > rems[best]) {
				best = i
			}
		}
		parts[best]++
		rems[best] = -1
	}
	return parts
}

// Buffer is a campaign group's contact parameters: the buffer of contacts
// handed to the dialer starts at Initial, grows by IncrementPercent when the
// dialer drains it, shrinks by DecrementPercent when contacts sit in it
// unused, and never exceeds UpperThresholdPercent of Initial.
type Buffer struct {
	Initial               int
	IncrementPercent      int
	DecrementPercent      int
	UpperThresholdPercent int
}

// Max is the largest the buffer may grow.
func (b Buffer) Max() int { return max(1, b.Initial*b.UpperThresholdPercent/100) }

// Size is the buffer's size as stored: zero is a buffer that has not
// started, at Initial; a lowered threshold caps a grown one.
func (b Buffer) Size(stored int) int {
	if stored <= 0 {
		stored = b.Initial
	}
	return min(max(stored, 1), b.Max())
}

// Next is the buffer's size after a pass that found it drained (agents
// waited while the buffer was full) or holding unused contacts. Steps round
// up, so a small buffer still moves; it never falls below one contact.
func (b Buffer) Next(stored int, drained, unused bool) int {
	size := b.Size(stored)
	switch {
	case unused:
		size -= ceilPercent(size, b.DecrementPercent)
	case drained:
		size += ceilPercent(size, b.IncrementPercent)
	}
	return min(max(size, 1), b.Max())
}

func ceilPercent(n, pct int) int { return (n*pct + 99) / 100 }

// Progressive is how many contacts a progressive campaign releases in a
// pass: lines per agent for each free agent, less the calls in flight
// (released or ringing), and no more than the room left in its share of
// the buffer. A negative share means no buffer applies.
func Progressive(freeAgents, linesPerAgent, inFlight, share int) int {
	want := freeAgents*linesPerAgent - inFlight
	if share >= 0 {
		want = min(want, share-inFlight)
	}
	return max(want, 0)
}
