package activities

import (
	"context"
	"sync"
	"time"

	"github.com/outdial/outdial/models"
)

// PolicyTTL is how long a campaign's policy (its strategies, outcomes and
// caps) is reused before it is read again: each attempt reads it three
// times, in nine queries. An edit of the campaign itself applies at once;
// an edit of a strategy or outcome group it uses, within this time.
const PolicyTTL = 5 * time.Second

// policies caches campaigns' policies; the zero value is ready.
type policies struct {
	mu      sync.Mutex
	entries map[uint64]policyEntry
}

type policyEntry struct {
	policy          Policy
	campaignUpdated time.Time // the campaign row the policy was read with
	loaded          time.Time
}

// policy returns c's policy, from the cache while it is fresh. Callers
// share its slices and must not change them.
func (a *Activities) policy(ctx context.Context, c *models.Campaign) (Policy, error) {
	now := a.now()
	a.policies.mu.Lock()
	e, ok := a.policies.entries[c.ID]
	a.policies.mu.Unlock()
	if ok && e.campaignUpdated.Equal(c.UpdatedAt) && now.Sub(e.loaded) < PolicyTTL {
		return e.policy, nil
	}
	p, err := a.loadPolicy(ctx, c)
	if err != nil {
		return p, err
	}
	a.policies.mu.Lock()
	if a.policies.entries == nil {
		a.policies.entries = map[uint64]policyEntry{}
	}
	a.policies.entries[c.ID] = policyEntry{policy: p, campaignUpdated: c.UpdatedAt, loaded: now}
	a.policies.mu.Unlock()
	return p, nil
}
