// Package agent keeps agents' states: what an agent reports from its
// desktop (idle, not ready, available, wrap-up) and what Outdial sets when
// it gives the agent a call (reserved for a preview card, connected). Every
// state change goes through Store, which stamps it.
package agent

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/models"
)

// Settable are the states an agent sets itself; reserved and connected are
// Outdial's, set when it offers the agent a call.
var Settable = []string{models.AgentIdle, models.AgentNotReady, models.AgentAvailable, models.AgentWrapUp}

// Pacers are woken when an agent becomes available, so that its campaigns
// release calls for it now rather than on their next tick.
type Pacers interface {
	WakeForAgent(ctx context.Context, agentID uint64)
}

// Store changes agents' states in PostgreSQL.
type Store struct {
	DB *models.DB
	// Pacers, when set, are woken by an agent becoming available.
	Pacers Pacers
}

// ParseState reads a state as desktops send it ("Not-Ready", "wrapup").
func ParseState(s string) (string, error) {
	state := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_")
	switch state {
	case "notready":
		state = models.AgentNotReady
	case "wrapup":
		state = models.AgentWrapUp
	}
	if !slices.Contains(Settable, state) {
		var f fault.Fields
		f.Add("state", "must be one of %s, not %q (reserved and connected are set by Outdial when it offers a call)", strings.Join(Settable, ", "), s)
		return "", f.Err("agent state")
	}
	return state, nil
}

// Report records the state an agent reports. An agent on a call can only
// go to wrap-up, which ends its talk; an agent who becomes available wakes
// its campaigns' pacers.
func (s *Store) Report(ctx context.Context, id uint64, state, reason string) (models.Agent, error) {
	state, err := ParseState(state)
	if err != nil {
		return models.Agent{}, err
	}
	a, err := models.UpdateAgentState(ctx, s.DB.DB, id, state, strings.TrimSpace(reason), func(current string) error {
		if current == models.AgentConnected && state != models.AgentWrapUp {
			return fault.Conflictf("state", "agent %d is on a call; it can only go to wrap_up", id)
		}
		return nil
	})
	if err != nil {
		return a, err
	}
	if state == models.AgentAvailable && s.Pacers != nil {
		s.Pacers.WakeForAgent(ctx, id)
	}
	return a, nil
}

// Reserve connects an available agent of the campaign's teams to a call,
// preferring the named one, the one waiting longest otherwise; ok is false
// when none is free. A preferred agent (a preview, a personal callback) was
// reserved for the call already and is connected as it is.
func (s *Store) Reserve(ctx context.Context, campaignID uint64, preferred string) (string, bool, error) {
	if preferred != "" {
		return preferred, true, s.SetState(ctx, preferred, models.AgentConnected)
	}
	id, ok, err := models.ConnectAvailableAgent(ctx, s.DB.DB, campaignID)
	if err != nil || !ok {
		return "", ok, err
	}
	return strconv.FormatUint(id, 10), true, nil
}

// SetState moves an agent, named by its ID as attempts record it, to
// state; available wakes its campaigns' pacers.
func (s *Store) SetState(ctx context.Context, agent, state string) error {
	if state == models.AgentWrapUp {
		// Through the row lock, which ends the talk of its call.
		id, err := strconv.ParseUint(agent, 10, 64)
		if err != nil {
			return fmt.Errorf("agent %q is not an agent ID: %w", agent, err)
		}
		_, err = models.UpdateAgentState(ctx, s.DB.DB, id, state, "", func(string) error { return nil })
		return err
	}
	if err := models.SetAgentState(ctx, s.DB.DB, agent, state, "", nil); err != nil {
		return err
	}
	s.wake(ctx, agent, state == models.AgentAvailable)
	return nil
}

// DeskWindow is how recently an agent's own API key must have been used
// for a person to be at its desk. A key's use is recorded at most once a
// minute, and the console's agent page uses it every few seconds.
const DeskWindow = 2 * time.Minute

// AtDesk reports whether a person is signed in as the agent, named by its
// ID as attempts record it: its own key was used within DeskWindow. The
// demo's simulator and preview script leave such an agent's calls to the
// person.
func (s *Store) AtDesk(ctx context.Context, agent string) (bool, error) {
	return models.AgentAtDesk(ctx, s.DB.DB, agent, time.Now().Add(-DeskWindow))
}

// Free returns an agent reserved for a call that was not placed to idle,
// or to available when it was reserved for a progressive personal callback.
func (s *Store) Free(ctx context.Context, agent, reason string) error {
	available, err := models.FreeAgent(ctx, s.DB.DB, agent, reason)
	if err != nil {
		return err
	}
	s.wake(ctx, agent, available)
	return nil
}

// wake wakes the pacers of an agent, named by its ID as attempts record
// it, that is available again.
func (s *Store) wake(ctx context.Context, agent string, available bool) {
	if id, err := strconv.ParseUint(agent, 10, 64); err == nil && available && s.Pacers != nil {
		s.Pacers.WakeForAgent(ctx, id)
	}
}
