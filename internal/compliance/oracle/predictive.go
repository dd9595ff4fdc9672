package oracle

import (
	"container/heap"
	"math"
	"slices"
	"strings"
	"time"
)

// DOMAIN.md, "Predictive": a call answered by a person and not connected
// to an agent within grace of the answer is abandoned, and hears the
// campaign's message within it; abandons are counted over each period of
// the campaign; an unanswered call rings at least minRing.
const (
	grace         = 2 * time.Second
	abandonPeriod = 30 * 24 * time.Hour
	minRing       = 15 * time.Second
)

func predictive(c *Campaign) bool { return c.AbandonTarget > 0 }

func outcomeOf(a Attempt) string { return strings.ToLower(strings.TrimSpace(a.Outcome)) }

// personAnswered: the telephony says a person answered, whether an agent
// took the call or not; answering machines are not counted.
func personAnswered(a Attempt) bool {
	o := outcomeOf(a)
	return o == "voice" || o == "abandoned"
}

// abandoned: a person answered and no agent was connected within the
// grace. A voice call whose connection time the dialer did not give is
// read as connected at the answer, the reading that allows more.
func abandoned(a Attempt) bool {
	switch outcomeOf(a) {
	case "abandoned":
		return true
	case "voice":
		return !a.AnsweredAt.IsZero() && !a.ConnectedAt.IsZero() && a.ConnectedAt.Sub(a.AnsweredAt) > grace
	}
	return false
}

// Abandons are a predictive campaign's abandon counts: per 30-day period
// from its first dial, and its day (in its zone) with the highest rate.
type Abandons struct {
	Campaign string
	Periods  []AbandonCount
	WorstDay AbandonCount
}

// AbandonCount is the calls dialed in [From, To) that a person answered,
// and of them those abandoned.
type AbandonCount struct {
	From, To            time.Time
	Answered, Abandoned int
}

// Rate is Abandoned ÷ Answered, 0 when no one answered.
func (c AbandonCount) Rate() float64 {
	if c.Answered == 0 {
		return 0
	}
	return float64(c.Abandoned) / float64(c.Answered)
}

// abandons counts each predictive campaign's calls answered by a person
// over each 30-day period from its first dial, by their dial, and flags a
// period (every one that began, the one in progress at the log's end
// too) whose abandoned share is over the target, naming its last abandoned
// call.
func (o *oracle) abandons(dials []Attempt) []Abandons {
	var out []Abandons
	for i := range o.cfg.Campaigns {
		c := &o.cfg.Campaigns[i]
		if !predictive(c) {
			continue
		}
		loc := time.UTC
		if c.TimeZone != "" {
			l, err := o.loc(c.TimeZone)
			if err != nil {
				o.flag(RuleLog, Attempt{Campaign: c.ID}, "the campaign's zone %q cannot be loaded: %v", c.TimeZone, err)
				continue
			}
			loc = l
		}
		ab := Abandons{Campaign: c.ID}
		var first time.Time
		last := map[int]Attempt{} // each period's last abandoned call
		days := map[time.Time]*AbandonCount{}
		for _, a := range dials { // in dial order
			if a.Campaign != c.ID {
				continue
			}
			if first.IsZero() {
				first = a.DialAt
			}
			if !personAnswered(a) {
				continue
			}
			k := int(a.DialAt.Sub(first) / abandonPeriod)
			for len(ab.Periods) <= k {
				from := first.Add(time.Duration(len(ab.Periods)) * abandonPeriod)
				ab.Periods = append(ab.Periods, AbandonCount{From: from, To: from.Add(abandonPeriod)})
			}
			lt := a.DialAt.In(loc)
			midnight := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, loc)
			d := days[midnight]
			if d == nil {
				d = &AbandonCount{From: midnight, To: midnight.AddDate(0, 0, 1)}
				days[midnight] = d
			}
			p := &ab.Periods[k]
			p.Answered++
			d.Answered++
			if abandoned(a) {
				p.Abandoned++
				d.Abandoned++
				last[k] = a
			}
		}
		for k, p := range ab.Periods {
			if float64(p.Abandoned) > c.AbandonTarget*float64(p.Answered) {
				o.flag(RuleAbandonRate, last[k], "%d abandoned of %d calls answered by a person (%.2f%%) over the period %s to %s, target %.2f%%",
					p.Abandoned, p.Answered, 100*p.Rate(), stamp(p.From), stamp(p.To), 100*c.AbandonTarget)
			}
		}
		for _, d := range days {
			if w := ab.WorstDay; w.Answered == 0 || d.Rate() > w.Rate() || d.Rate() == w.Rate() && d.From.Before(w.From) {
				ab.WorstDay = *d
			}
		}
		out = append(out, ab)
	}
	return out
}

// abandonMessages checks that each abandoned call of a campaign with a
// message heard it within the grace of the answer.
func (o *oracle) abandonMessages(dials []Attempt) {
	for _, a := range dials {
		if c := o.campaigns[a.Campaign]; c != nil && c.AbandonMessage && abandoned(a) {
			o.abandonMessage(a)
		}
	}
}

func (o *oracle) abandonMessage(a Attempt) {
	switch {
	case a.AbandonMessageAt.IsZero():
		o.flag(RuleAbandonMessage, a, "abandoned (answered %s) without the campaign's message", stamp(a.AnsweredAt))
	case a.AnsweredAt.IsZero():
	case a.AbandonMessageAt.Before(a.AnsweredAt) || a.AbandonMessageAt.Sub(a.AnsweredAt) > grace:
		o.flag(RuleAbandonMessage, a, "answered %s, its abandon message played %s after", stamp(a.AnsweredAt), a.AbandonMessageAt.Sub(a.AnsweredAt))
	}
}

// minimumRing flags a call given up unanswered before it rang minRing.
func (o *oracle) minimumRing(dials []Attempt) {
	for _, a := range dials {
		if outcomeOf(a) == "no-answer" {
			if rang := a.CallEnd.Sub(a.DialAt); rang < minRing {
				o.flag(RuleMinRing, a, "given up unanswered after %s of ringing (at least %s)", rang, minRing)
			}
		}
	}
}

// predictiveLines checks each predictive campaign's lines: whenever it
// gives out calls for any agent, its calls in progress (ringing or about
// to, waiting for an agent, talking) are at most MaxLinesPerAgent for each
// agent taking its calls, that is serving it and neither away, nor taken
// whole by a call placed for it, nor on another campaign's call or its
// wrap-up. A call placed for an agent (a personal callback) takes that
// agent whole until it is answered, and is in progress from then on.
func (o *oracle) predictiveLines(dials []Attempt) {
	for i := range o.cfg.Campaigns {
		if c := &o.cfg.Campaigns[i]; predictive(c) {
			o.linesOf(c, dials)
		}
	}
}

func (o *oracle) linesOf(c *Campaign, dials []Attempt) {
	t := &takers{}
	t.timeline = timeline{agents: map[string]*agentState{}, freed: func(_ *agentState, n int) { t.taking += n }}
	for _, a := range c.Agents {
		if t.agents[a] == nil {
			t.agents[a] = &agentState{}
			t.taking++
		}
	}
	var given, spans []Attempt
	for _, a := range dials {
		switch {
		case a.Campaign != c.ID:
		case a.Agent == "":
			given = append(given, a)
			spans = append(spans, a)
		case !a.AnsweredAt.IsZero():
			spans = append(spans, a)
		}
		// Its own calls are lines, not agents taken away.
		t.spansOf(a, a.Campaign != c.ID)
	}
	t.sortSpans(o.cfg.Away)
	slices.SortStableFunc(given, func(a, b Attempt) int { return lineStart(a).Compare(lineStart(b)) })
	slices.SortStableFunc(spans, func(a, b Attempt) int { return progressStart(a).Compare(progressStart(b)) })
	var inProgress flights
	next := 0
	for i := 0; i < len(given); {
		at := lineStart(given[i])
		j := i
		for j < len(given) && lineStart(given[j]).Equal(at) {
			j++
		}
		t.advance(at)
		for ; next < len(spans) && !progressStart(spans[next]).After(at); next++ {
			heap.Push(&inProgress, flight{end: progressEnd(spans[next])})
		}
		for inProgress.Len() > 0 && !inProgress[0].end.After(at) {
			heap.Pop(&inProgress)
		}
		lines := int(math.Floor(c.MaxLinesPerAgent * float64(t.taking)))
		if over := inProgress.Len() - lines; over > 0 {
			for _, a := range given[max(j-over, i):j] {
				o.flag(RulePredictiveLines, a, "campaign %s gave out %d call(s) at once, leaving %d in progress (ringing, waiting, talking) where %d agent(s) taking its calls have %g lines each",
					c.ID, j-i, inProgress.Len(), t.taking, c.MaxLinesPerAgent)
			}
		}
		i = j
	}
}

// progressStart is when a call is in progress from: given out, or, placed
// for an agent, answered.
func progressStart(a Attempt) time.Time {
	if a.Agent != "" {
		return a.AnsweredAt
	}
	return lineStart(a)
}

// progressEnd is when a call stops being in progress: when it hangs up,
// or, answered by a person whom no agent took, when it is abandoned (its
// message, or the end of the grace).
func progressEnd(a Attempt) time.Time {
	end := callEnd(a)
	if a.AnsweredAt.IsZero() || a.ConnectedAgent != "" {
		return end
	}
	waited := a.AnsweredAt.Add(grace)
	if !a.AbandonMessageAt.IsZero() && a.AbandonMessageAt.Before(waited) {
		waited = a.AbandonMessageAt
	}
	if end.Before(waited) {
		return end
	}
	return waited
}

// takers are the agents serving a predictive campaign as time goes, and
// how many of them take its calls.
type takers struct {
	timeline
	taking int
}
