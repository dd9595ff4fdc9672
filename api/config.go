package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/outdial/outdial/internal/configuration"
	"github.com/outdial/outdial/models"
)

// registerConfiguration adds the CRUD routes of every configuration object;
// entryPoints holds webhook URLs to the addresses the worker may reach.
func registerConfiguration(r *routes, db *models.DB, entryPoints *configuration.Objects[models.EntryPoint, *models.EntryPoint]) {
	register(r, db, "modes", configuration.Modes)
	register(r, db, "timezones", configuration.TimeZones)
	register(r, db, "outcome-groups", configuration.OutcomeGroups)
	register(r, db, "contact-strategies", configuration.ContactStrategies)
	register(r, db, "callback-strategies", configuration.CallbackStrategies)
	register(r, db, "entry-points", entryPoints)
	register(r, db, "dnc-lists", configuration.DNCLists)
	register(r, db, "campaign-groups", configuration.CampaignGroups)
	register(r, db, "teams", configuration.Teams)
	register(r, db, "campaigns", configuration.Campaigns)
	register(r, db, "agents", configuration.Agents)
}

// register adds objs' list, create, read, replace and delete routes under
// "/"+path.
func register[T any, P configuration.Object[T]](r *routes, db *models.DB, path string, objs *configuration.Objects[T, P]) {
	const tag = "Configuration"
	base, kind := "/"+path, objs.Name()
	var zero T
	r.handle(http.MethodGet, base, op{summary: "List " + kind + "s", tag: tag, response: models.Page[T]{}, query: []string{"q", "page", "per_page"}}, func(c *gin.Context) {
		p, err := paging(c)
		if err != nil {
			fail(c, err)
			return
		}
		q, err := queryText(c, "q")
		if err != nil {
			fail(c, err)
			return
		}
		out, err := objs.List(c.Request.Context(), db, q, p)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, out)
	})
	r.handle(http.MethodPost, base, op{summary: "Create a " + kind, tag: tag, request: zero, response: zero, status: http.StatusCreated}, func(c *gin.Context) {
		v := objs.New()
		if err := decodeJSON(c.Request.Body, v); err != nil {
			fail(c, err)
			return
		}
		v, err := objs.Create(c.Request.Context(), db, v)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, v)
	})
	r.handle(http.MethodGet, base+"/:id", op{summary: "Read a " + kind, tag: tag, response: zero}, func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			fail(c, err)
			return
		}
		v, err := objs.Get(c.Request.Context(), db, id)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, v)
	})
	r.handle(http.MethodPut, base+"/:id", op{summary: "Replace a " + kind, tag: tag, request: zero, response: zero}, func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			fail(c, err)
			return
		}
		v := objs.New()
		if err := decodeJSON(c.Request.Body, v); err != nil {
			fail(c, err)
			return
		}
		v, err = objs.Replace(c.Request.Context(), db, id, v)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, v)
	})
	r.handle(http.MethodDelete, base+"/:id", op{summary: "Delete a " + kind, tag: tag, status: http.StatusNoContent}, func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			fail(c, err)
			return
		}
		if err := objs.Delete(c.Request.Context(), db, id); err != nil {
			fail(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	})
}
