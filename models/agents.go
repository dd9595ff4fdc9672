package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/outdial/outdial/internal/fault"
)

// AgentStateSet stamps an agent's state change. Every statement that writes
// an agent's state uses it, with the named arguments state and reason, so
// that state_changed_at and updated_at never go stale, and a reservation
// for a personal callback ends with the state it was made in.
const AgentStateSet = `state = @state, ` + agentStamp + `, callback_contact_id = NULL`

const agentStamp = `state_reason = @reason, state_changed_at = now(), updated_at = now()`

// ReservedForCallback is the reason of an agent reserved for a progressive
// personal callback.
const ReservedForCallback = "personal callback"

// SetAgentState moves the agent with ID agent (as text, as attempts name
// agents) to state; with from, only when it is in one of those states.
func SetAgentState(ctx context.Context, db *gorm.DB, agent, state, reason string, from []string) error {
	q := `UPDATE agents SET ` + AgentStateSet + ` WHERE id::text = @agent`
	args := map[string]any{"state": state, "reason": reason, "agent": agent}
	if len(from) > 0 {
		q += ` AND state IN @from`
		args["from"] = from
	}
	if err := db.WithContext(ctx).Exec(q, args).Error; err != nil {
		return fmt.Errorf("set agent %s %s: %w", agent, state, err)
	}
	return nil
}

// UpdateAgentState moves agent id to state under a row lock, once check
// accepts its current state. An agent going from connected to wrap_up
// ends the talk of its call.
func UpdateAgentState(ctx context.Context, db *gorm.DB, id uint64, state, reason string, check func(current string) error) (Agent, error) {
	var a Agent
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&a, id).Error; err != nil {
			return err
		}
		if err := check(a.State); err != nil {
			return err
		}
		if a.State == AgentConnected && state == AgentWrapUp {
			if err := endTalk(tx, id); err != nil {
				return err
			}
		}
		return tx.Raw(`UPDATE agents SET `+AgentStateSet+` WHERE id = @id RETURNING *`,
			map[string]any{"state": state, "reason": reason, "id": id}).Scan(&a).Error
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return a, fault.NotFoundf("agent", id)
	}
	if _, ok := fault.As(err); err != nil && !ok {
		return a, fmt.Errorf("set agent %d %s: %w", id, state, err)
	}
	return a, err
}

// FreeAgent returns an agent reserved for a call that was not placed, or
// connected to it, to where it was: available after a progressive personal
// callback, idle otherwise (a preview agent asks for its next card). It
// reports whether the agent is available again.
func FreeAgent(ctx context.Context, db *gorm.DB, agent, reason string) (bool, error) {
	var states []string
	err := db.WithContext(ctx).Raw(`UPDATE agents SET state = CASE WHEN callback_contact_id IS NULL THEN @state ELSE 'available' END, `+agentStamp+`, callback_contact_id = NULL
		WHERE id::text = @agent AND state IN ('connected', 'reserved') RETURNING state`,
		map[string]any{"state": AgentIdle, "reason": reason, "agent": agent}).Scan(&states).Error
	if err != nil {
		return false, fmt.Errorf("free agent %s: %w", agent, err)
	}
	return len(states) > 0 && states[0] == AgentAvailable, nil
}

// ConnectAvailableAgent connects the available agent of the campaign's
// teams that has waited longest to a call. SKIP LOCKED keeps two calls
// from taking the same agent.
func ConnectAvailableAgent(ctx context.Context, db *gorm.DB, campaignID uint64) (uint64, bool, error) {
	var ids []uint64
	err := db.WithContext(ctx).Raw(`UPDATE agents SET `+AgentStateSet+`
		WHERE id = (SELECT a.id FROM agents a JOIN campaign_serving_teams ct ON ct.team_id = a.team_id
		            WHERE ct.campaign_id = @campaign AND a.state = 'available'
		            ORDER BY a.state_changed_at, a.id LIMIT 1 FOR UPDATE OF a SKIP LOCKED)
		RETURNING id`, map[string]any{"state": AgentConnected, "reason": "on a campaign call", "campaign": campaignID}).Scan(&ids).Error
	if err != nil {
		return 0, false, fmt.Errorf("reserve an agent for campaign %d: %w", campaignID, err)
	}
	if len(ids) == 0 {
		return 0, false, nil
	}
	return ids[0], true, nil
}

// AgentAtDesk reports whether a person is signed in as the agent, named by
// its ID as attempts record it: one of its own API keys, unrevoked, was
// used since since.
func AgentAtDesk(ctx context.Context, db *gorm.DB, agent string, since time.Time) (bool, error) {
	var at bool
	err := db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM api_keys
		WHERE agent_id::text = ? AND role = ? AND revoked_at IS NULL AND last_used_at >= ?)`, agent, RoleAgent, since).Scan(&at).Error
	if err != nil {
		return false, fmt.Errorf("is agent %s at a desk: %w", agent, err)
	}
	return at, nil
}
