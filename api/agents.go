package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/outdial/outdial/internal/agent"
	"github.com/outdial/outdial/models"
)

// AgentState is an agent's report of its state, from its desktop.
type AgentState struct {
	State  string `json:"state" required:"true" enum:"idle,not_ready,available,wrap_up" doc:"The state the agent reports."`
	Reason string `json:"reason" doc:"Why: a not-ready or wrap-up reason, for people."`
}

func registerAgents(r *routes, agents *agent.Store) {
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
		a, err := agents.Report(c.Request.Context(), id, req.State, req.Reason)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, a)
	})
}
