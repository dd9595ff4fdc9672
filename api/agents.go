package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
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

func registerAgents(r *routes, db *gorm.DB) {
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
		err = db.WithContext(c).Transaction(func(tx *gorm.DB) error {
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
		c.JSON(http.StatusOK, agent)
	})
}
