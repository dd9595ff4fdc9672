package stats

import (
	"time"

	"github.com/outdial/outdial/pacing"
)

// The abandon rate on US terms (FTC/FCC safe harbour): calls answered by a
// person and not connected to an agent within ConnectWithin of the answer,
// over the calls answered by a person, per campaign, over each Period of
// the campaign counted from its first dial. Answering machines are not in
// the denominator; an abandoned outcome counts whatever the times.
const (
	ConnectWithin = pacing.DefaultGrace
	Period        = 30 * 24 * time.Hour
)

// Telephony outcomes the abandon rate reads.
const (
	outcomeVoice     = "voice"
	outcomeAbandoned = "abandoned"
)

// Call is what the abandon rate needs of an attempt.
type Call struct {
	StartedAt time.Time
	Outcome   string
	// AnsweredAt and ConnectedAt are zero when the dialer did not say.
	AnsweredAt, ConnectedAt time.Time
}

// AbandonRate is the abandon rate over [From, To).
type AbandonRate struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Answered counts the calls a person answered (voice and abandoned).
	Answered int64 `json:"answered"`
	// Abandoned counts those not connected to an agent within 2 s.
	Abandoned int64 `json:"abandoned"`
	// Unmeasured counts the voice calls with no connection time: counted
	// answered, not abandoned, as the dialer did not say how long the
	// person waited.
	Unmeasured int64 `json:"unmeasured"`
	// Rate is Abandoned ÷ Answered; 0 when no one answered.
	Rate float64 `json:"rate"`
}

// AbandonRates are a campaign's abandon rates over its current 30-day
// period (nil before its first dial), the last 24 hours and today in the
// campaign's zone.
type AbandonRates struct {
	Period  *AbandonRate `json:"period"`
	Last24h AbandonRate  `json:"last_24h"`
	Today   AbandonRate  `json:"today"`
}

// CurrentPeriod is the campaign's 30-day period holding now: periods
// follow each other from the first dial.
func CurrentPeriod(firstDial, now time.Time) (from, to time.Time) {
	n := max(now.Sub(firstDial)/Period, 0)
	from = firstDial.Add(n * Period)
	return from, from.Add(Period)
}

// Windows are the ranges the abandon rates are counted over, and the
// earliest start among them (what a query must read from).
func Windows(firstDial *time.Time, now time.Time, loc *time.Location) (AbandonRates, time.Time) {
	local := now.In(loc)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	r := AbandonRates{
		Last24h: AbandonRate{From: now.Add(-24 * time.Hour), To: now},
		Today:   AbandonRate{From: midnight, To: midnight.AddDate(0, 0, 1)},
	}
	since := r.Last24h.From
	if r.Today.From.Before(since) {
		since = r.Today.From
	}
	if firstDial != nil {
		from, to := CurrentPeriod(*firstDial, now)
		r.Period = &AbandonRate{From: from, To: to}
		if from.Before(since) {
			since = from
		}
	}
	return r, since
}

// classify says whether a person answered the call, whether it was
// abandoned, and whether its wait was measured.
func classify(c Call) (answered, abandoned, measured bool) {
	switch c.Outcome {
	case outcomeAbandoned:
		return true, true, true
	case outcomeVoice:
		if c.AnsweredAt.IsZero() || c.ConnectedAt.IsZero() {
			return true, false, false
		}
		return true, c.ConnectedAt.Sub(c.AnsweredAt) > ConnectWithin, true
	}
	return false, false, true
}

// Add counts a call in each window whose range holds its start.
func (r *AbandonRates) Add(c Call) {
	var in []*AbandonRate
	for _, w := range r.windows() {
		if !c.StartedAt.Before(w.From) && c.StartedAt.Before(w.To) {
			in = append(in, w)
		}
	}
	count(c, 1, in...)
}

// count counts n calls like c in windows in.
func count(c Call, n int64, in ...*AbandonRate) {
	answered, abandoned, measured := classify(c)
	if !answered {
		return
	}
	for _, w := range in {
		w.Answered += n
		if abandoned {
			w.Abandoned += n
		}
		if !measured {
			w.Unmeasured += n
		}
		w.Rate = float64(w.Abandoned) / float64(w.Answered)
	}
}

func (r *AbandonRates) windows() []*AbandonRate {
	ws := []*AbandonRate{&r.Last24h, &r.Today}
	if r.Period != nil {
		ws = append(ws, r.Period)
	}
	return ws
}
