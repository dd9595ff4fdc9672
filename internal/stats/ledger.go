package stats

import (
	"context"
	"sync"
	"time"

	"github.com/outdial/outdial/models"
)

// Settled is how long after its start an attempt's part in the abandon
// rate can no longer change: its dial left within models.RingingAtMost of
// its start and its outcome came, or timed out, minutes after that.
const Settled = time.Hour

// keepFor is how far the kept counts may fall behind Settled before the
// attempts that settled since are added: the newer ones are read at every
// pass.
const keepFor = 10 * time.Minute

// Ledger keeps the abandon counts of predictive campaigns for their
// pacers, which read them at every pass: the counts of the attempts of
// the current 30-day period and of today that started Settled ago or more
// are read once and kept (those that settle later are added every
// keepFor), so a pass reads only the last hour or so of the campaign's
// attempts, not its 30 days. A Ledger reads through its Stats.
type Ledger struct {
	Stats *Service

	mu   sync.Mutex
	kept map[uint64]keptCounts
}

// keptCounts are a campaign's counts of the attempts that started before
// until, in the windows from periodFrom and todayFrom.
type keptCounts struct {
	periodFrom, todayFrom time.Time
	until                 time.Time
	rates                 AbandonRates
}

// clone copies rates, whose Period is shared.
func clone(r AbandonRates) AbandonRates {
	if r.Period != nil {
		p := *r.Period
		r.Period = &p
	}
	return r
}

// Rates are the campaign's abandon rates over its current 30-day period
// (nil before its first dial) and today, as its statistics count them;
// Last24h is left zero.
func (l *Ledger) Rates(ctx context.Context, c *models.Campaign, now time.Time) (AbandonRates, error) {
	rates, _, err := l.Stats.windows(ctx, c, now)
	if err != nil {
		return rates, err
	}
	rates.Last24h = AbandonRate{}
	since := rates.Today.From
	var periodFrom time.Time
	if rates.Period != nil {
		periodFrom = rates.Period.From
		if periodFrom.Before(since) {
			since = periodFrom
		}
	}
	sc := scope{campaign: c}
	settled := now.Add(-Settled)
	if settled.Before(since) {
		settled = since
	}
	l.mu.Lock()
	k, ok := l.kept[c.ID]
	l.mu.Unlock()
	switch {
	case !ok || !k.periodFrom.Equal(periodFrom) || !k.todayFrom.Equal(rates.Today.From):
		// A new period or a new day: its settled attempts are read whole.
		k = keptCounts{periodFrom: periodFrom, todayFrom: rates.Today.From, until: settled, rates: clone(rates)}
		if err := l.Stats.countAnswered(ctx, sc, &k.rates, since, settled); err != nil {
			return rates, err
		}
	case settled.Sub(k.until) > keepFor:
		// The hour moved on: the attempts that settled since are added.
		k.rates = clone(k.rates)
		if err := l.Stats.countAnswered(ctx, sc, &k.rates, k.until, settled); err != nil {
			return rates, err
		}
		k.until = settled
	}
	l.mu.Lock()
	if l.kept == nil {
		l.kept = map[uint64]keptCounts{}
	}
	l.kept[c.ID] = k
	l.mu.Unlock()
	out := clone(k.rates)
	if err := l.Stats.countAnswered(ctx, sc, &out, k.until, latestEnd(&out)); err != nil {
		return rates, err
	}
	return out, nil
}
