package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/outdial/outdial/internal/campaign"
	"github.com/outdial/outdial/models"
)

// PreviewCard is a contact offered to a preview agent: its fields and the
// history of earlier attempts.
type PreviewCard struct {
	Preview  *models.Preview  `json:"preview"`
	Campaign string           `json:"campaign,omitempty"`
	Contact  *ContactView     `json:"contact,omitempty"`
	Attempts []models.Attempt `json:"attempts,omitempty"`
	Reason   string           `json:"reason,omitempty"`
}

// registerRunning adds what makes campaigns dial: their lifecycle and the
// preview cards agents ask for.
func registerRunning(r *routes, campaigns *campaign.Service, links WorkflowLinks) {
	for _, action := range campaign.Actions {
		r.handle(http.MethodPost, "/campaigns/:id/"+action, op{summary: strings.ToUpper(action[:1]) + action[1:] + " a campaign", tag: "Campaigns", response: models.Campaign{}}, func(c *gin.Context) {
			id, err := pathID(c, "id")
			if err != nil {
				fail(c, err)
				return
			}
			campaign, err := campaigns.Move(c.Request.Context(), id, action)
			if err != nil {
				fail(c, err)
				return
			}
			c.JSON(http.StatusOK, campaign)
		})
	}
	r.handle(http.MethodPost, "/agents/:id/preview", op{summary: "A preview agent asks for the next contact card of its campaigns", tag: "Agents", response: PreviewCard{}}, func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			fail(c, err)
			return
		}
		card, err := campaigns.Offer(c.Request.Context(), id)
		if err != nil {
			fail(c, err)
			return
		}
		out := PreviewCard{Preview: card.Preview, Campaign: card.Campaign, Attempts: card.Attempts, Reason: card.Reason}
		if card.Contact != nil {
			view := viewContact(card.Contact, links)
			out.Contact = &view
		}
		c.JSON(http.StatusOK, out)
	})
	for _, accept := range []bool{true, false} {
		path, summary := "/previews/:id/accept", "Accept a preview card: the call is placed"
		if !accept {
			path, summary = "/previews/:id/skip", "Skip a preview card: it counts as the outcome skipped"
		}
		r.handle(http.MethodPost, path, op{summary: summary, tag: "Agents", response: models.Preview{}}, func(c *gin.Context) {
			id, err := pathID(c, "id")
			if err != nil {
				fail(c, err)
				return
			}
			p, err := campaigns.Answer(c.Request.Context(), id, accept)
			if err != nil {
				fail(c, err)
				return
			}
			c.JSON(http.StatusOK, p)
		})
	}
}
