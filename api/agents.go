package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/outdial/outdial/models"
)

// AgentState is an agent's report of its state, from its desktop.
type AgentState struct {
	State  string `json:"state"`
	Reason string `json:"reason"`
}

// agentSettable are the states an agent sets itself; reserved and connected
// are Outdial's, set when it offers the agent a call.
var agentSettable = []string{models.AgentIdle, models.AgentNotReady, models.AgentAvailable, models.AgentWrapUp}

var forUpdate = clause.Locking{Strength: "UPDATE"}

func registerAgents(r *routes, db *gorm.DB, wake func(context.Context, uint64)) {
	r.handle(http.MethodPut, "/agents/:id/state", op{summary: "An agent reports its state: idle, not_ready, available or wrap_up, with a reason", tag: "Agents", request: AgentState{}, response: models.Agent{}}, func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			fail(c, err)
			return
		}
		var req AgentState
		if err := decodeJSON(c.Request.Body, &req); err != nil {
			fail(c, err)
			return
		}
		state := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(req.State)), "-", "_")
		if state == "notready" {
			state = models.AgentNotReady
		}
		if state == "wrapup" {
			state = models.AgentWrapUp
		}
		if !slices.Contains(agentSettable, state) {
			fail(c, fieldErrors{{Field: "state", Detail: fmt.Sprintf("must be one of %s, not %q (reserved and connected are set by Outdial when it offers a call)", strings.Join(agentSettable, ", "), req.State)}}.problem("agent state"))
			return
		}
		var agent models.Agent
		err = db.WithContext(c.Request.Context()).Transaction(func(tx *gorm.DB) error {
			if err := tx.Clauses(forUpdate).First(&agent, id).Error; err != nil {
				return err
			}
			if agent.State == models.AgentConnected && state != models.AgentWrapUp {
				return conflict("state", "agent %d is on a call; it can only go to wrap_up", id)
			}
			agent.State, agent.StateReason, agent.StateChangedAt = state, strings.TrimSpace(req.Reason), time.Now()
			return tx.Model(&agent).Select("state", "state_reason", "state_changed_at", "updated_at").Updates(&agent).Error
		})
		if errors.Is(err, gorm.ErrRecordNotFound) {
			fail(c, notFound("agent", id))
			return
		}
		if err != nil {
			fail(c, err)
			return
		}
		if state == models.AgentAvailable {
			wake(c.Request.Context(), id)
		}
		c.JSON(http.StatusOK, agent)
	})
}

// AgentPool reserves agents for calls in PostgreSQL: the simulator
// connects answered calls to them, as a real desktop's agent would be.
// Agents are named by their ID, as attempts record them.
type AgentPool struct {
	DB       *models.DB
	Temporal client.Client
}

// Reserve connects an available agent of the campaign's teams, preferring
// the named one, the one waiting longest otherwise. SKIP LOCKED keeps two
// calls from taking the same agent.
func (p *AgentPool) Reserve(ctx context.Context, campaignID uint64, preferred string) (string, bool, error) {
	if preferred != "" {
		// The call was placed for this agent (preview, personal callback).
		return preferred, true, p.SetState(ctx, preferred, models.AgentConnected)
	}
	var ids []uint64
	err := p.DB.WithContext(ctx).Raw(`UPDATE agents SET state = 'connected', state_reason = 'on a campaign call', state_changed_at = now(), updated_at = now()
		WHERE id = (SELECT a.id FROM agents a JOIN campaign_serving_teams ct ON ct.team_id = a.team_id
		            WHERE ct.campaign_id = ? AND a.state = 'available'
		            ORDER BY (a.id::text = ?) DESC, a.state_changed_at, a.id LIMIT 1 FOR UPDATE OF a SKIP LOCKED)
		RETURNING id`, campaignID, preferred).Scan(&ids).Error
	if err != nil {
		return "", false, fmt.Errorf("reserve an agent for campaign %d: %w", campaignID, err)
	}
	if len(ids) == 0 {
		return "", false, nil
	}
	return strconv.FormatUint(ids[0], 10), true, nil
}

// SetState moves an agent to state.
func (p *AgentPool) SetState(ctx context.Context, agent, state string) error {
	err := p.DB.WithContext(ctx).Exec(`UPDATE agents SET state = ?, state_reason = '', state_changed_at = now(), updated_at = now() WHERE id::text = ?`, state, agent).Error
	if err != nil {
		return fmt.Errorf("set agent %s %s: %w", agent, state, err)
	}
	if id, perr := strconv.ParseUint(agent, 10, 64); perr == nil && state == models.AgentAvailable && p.Temporal != nil {
		wakeCampaigns(ctx, p.DB, p.Temporal, id)
	}
	return nil
}
