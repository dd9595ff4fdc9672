package contact

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/strategy"
)

// Policy is what the strategy decision reads for a contact: its campaign's
// rules, caps and the contact's modes in priority order.
type Policy struct {
	Rules    []strategy.Rule         `json:"rules"`
	Business []strategy.BusinessRule `json:"business"`
	Caps     strategy.Caps           `json:"caps"`
	Modes    []string                `json:"modes"`
}

// PolicyTTL is how long a campaign's policy (its strategies, outcomes and
// caps) is reused before it is read again: reading it takes several
// queries, and every attempt's preparation and every eligibility answer
// needs it. An edit of the campaign itself applies at once; an edit of a
// strategy or outcome group it uses, within this time.
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
func (s *Service) policy(ctx context.Context, c *models.Campaign) (Policy, error) {
	now := s.now()
	s.policies.mu.Lock()
	e, ok := s.policies.entries[c.ID]
	s.policies.mu.Unlock()
	if ok && e.campaignUpdated.Equal(c.UpdatedAt) && now.Sub(e.loaded) < PolicyTTL {
		return e.policy, nil
	}
	p, err := s.loadPolicy(ctx, c)
	if err != nil {
		return p, err
	}
	s.policies.mu.Lock()
	if s.policies.entries == nil {
		s.policies.entries = map[uint64]policyEntry{}
	}
	s.policies.entries[c.ID] = policyEntry{policy: p, campaignUpdated: c.UpdatedAt, loaded: now}
	s.policies.mu.Unlock()
	return p, nil
}

// loadPolicy reads c's policy: its caps, its callback strategy, its contact
// strategy's rules and modes, and its business outcomes.
func (s *Service) loadPolicy(ctx context.Context, c *models.Campaign) (Policy, error) {
	var p Policy
	caps := strategy.Caps{GlobalRetry: c.GlobalRetry, DailyRetry: c.DailyRetry, ResetOnCallback: c.ResetDailyAndGlobalRetries}
	if c.CycleRetry != nil {
		caps.CycleRetry = *c.CycleRetry
	}
	var err error
	parse := func(s string) strategy.Delay {
		d, perr := strategy.ParseDelay(s)
		err = errors.Join(err, perr)
		return d
	}
	caps.CycleInterval = parse(c.CycleRetryInterval)
	def := parse(c.DefaultDelay)
	caps.DefaultDelay = &def
	if wait := parse(c.AbandonedRetryDelay); wait.Duration() > 0 {
		caps.AbandonedDelay = &wait
	}
	cfg, lerr := models.LoadCampaignPolicy(ctx, s.DB.DB, c)
	if lerr != nil {
		return p, lerr
	}
	if cb := cfg.Callback; cb != nil {
		caps.PCBToNCB, caps.AttemptsToReachAgent, caps.PCBToNCBAfter = cb.PCBToNCBReset, cb.AttemptsToReachAgent, parse(cb.PCBToNCBDuration)
		caps.ResetOnCallback = caps.ResetOnCallback || cb.ResetDailyAndGlobalRetries
	}
	if c.PCBToNCBReset != nil {
		caps.PCBToNCB = *c.PCBToNCBReset
	}
	if c.AttemptsToReachAgent != nil {
		caps.AttemptsToReachAgent = *c.AttemptsToReachAgent
	}
	p.Caps = caps
	for _, r := range cfg.Rules {
		p.Rules = append(p.Rules, strategy.Rule{Outcome: r.TelephonyOutcome, Reschedule: parse(r.Reschedule), MaxRetry: r.MaxRetry,
			Priority: r.Priority, BranchMode: r.BranchMode, RetainPCB: r.RetainPCB, CloseContact: r.CloseContact, RemoveMode: r.RemoveMode})
	}
	p.Modes = cfg.Modes
	for _, o := range cfg.Outcomes {
		p.Business = append(p.Business, strategy.BusinessRule{Name: o.Name, Success: o.Type == models.OutcomeSuccess, Reschedule: parse(o.Reschedule),
			MaxRetry: o.MaxRetry, Priority: o.Priority, CloseContact: o.CloseContact, RetainPCB: o.RetainPCB})
	}
	if err != nil {
		return p, fmt.Errorf("campaign %d has a bad delay: %w", c.ID, err)
	}
	return p, nil
}
