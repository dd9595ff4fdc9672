package stats

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/outdial/outdial/models"
)

// Settled is how long after its start an attempt has, but for an outage,
// ended: its dial left within models.RingingAtMost of its start, and its
// outcome came, or timed out, minutes after that. An ended attempt's part
// in the abandon rate never changes.
const Settled = time.Hour

// keepFor is how far the kept counts may fall behind Settled before the
// attempts that settled since are added: the newer ones are read at every
// pass.
const keepFor = 10 * time.Minute

// Ledger keeps the abandon counts of predictive campaigns for their
// pacers, which read them at every pass: the counts of the attempts of
// the current 30-day period and of today that started Settled ago or more
// and have ended are read once and kept (those that settle later are
// added every keepFor), so a pass reads only the last hour or so of the
// campaign's attempts, not its 30 days, and the few older ones still
// open, by ID. A Ledger reads through its Stats.
type Ledger struct {
	Stats *Service

	mu   sync.Mutex
	kept map[uint64]keptCounts
}

// keptCounts are a campaign's counts of the attempts that started before
// until and had ended when read, in the windows from periodFrom and
// todayFrom; open are those that had not.
type keptCounts struct {
	periodFrom, todayFrom time.Time
	until                 time.Time
	rates                 AbandonRates
	open                  []string
}

// cloneRates copies rates, whose Period is shared.
func cloneRates(r AbandonRates) AbandonRates {
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
		k = keptCounts{periodFrom: periodFrom, todayFrom: rates.Today.From, until: since, rates: cloneRates(rates)}
		if err := l.keep(ctx, sc, &k, settled); err != nil {
			return rates, err
		}
	case settled.Sub(k.until) > keepFor:
		// The hour moved on: the attempts that settled since are added,
		// and the open ones that have ended since.
		k.rates = cloneRates(k.rates)
		if err := l.keep(ctx, sc, &k, settled); err != nil {
			return rates, err
		}
	}
	l.mu.Lock()
	if l.kept == nil {
		l.kept = map[uint64]keptCounts{}
	}
	l.kept[c.ID] = k
	l.mu.Unlock()
	out := cloneRates(k.rates)
	if err := l.Stats.countAnswered(ctx, sc, &out, since, k.until, which{byID: true, ids: k.open}); err != nil {
		return rates, err
	}
	if err := l.Stats.countAnswered(ctx, sc, &out, k.until, latestEnd(&out), which{}); err != nil {
		return rates, err
	}
	return out, nil
}

// keep adds to k the attempts that started in [k.until, until) and have
// ended, and those of k.open that have ended since; the rest are open.
// One snapshot reads them all, so an attempt that ends meanwhile is
// counted once.
func (l *Ledger) keep(ctx context.Context, sc scope, k *keptCounts, until time.Time) error {
	next := *k
	err := l.Stats.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var open, ended []string
		err := tx.Raw(`SELECT id FROM attempts WHERE campaign_id = @campaign AND ended_at IS NULL
			AND (started_at >= @from AND started_at < @to OR id IN @open)`,
			map[string]any{"campaign": sc.campaign.ID, "from": k.until, "to": until, "open": slices.Concat(k.open, []string{""})}).Scan(&open).Error
		if err != nil {
			return fmt.Errorf("open attempts of campaign %d: %w", sc.campaign.ID, err)
		}
		for _, id := range k.open {
			if !slices.Contains(open, id) {
				ended = append(ended, id)
			}
		}
		snapshot := &Service{DB: &models.DB{DB: tx}}
		if err := snapshot.countAnswered(ctx, sc, &next.rates, k.until, until, which{ended: true}); err != nil {
			return err
		}
		if err := snapshot.countAnswered(ctx, sc, &next.rates, time.Time{}, k.until, which{byID: true, ids: ended}); err != nil {
			return err
		}
		next.until, next.open = until, open
		return nil
	}, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return err
	}
	*k = next
	return nil
}
