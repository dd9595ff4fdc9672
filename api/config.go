package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/outdial/outdial/internal/configuration"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/models"
)

// registerConfiguration adds the CRUD routes of every configuration object.
// A campaign is deleted by its domain, which ends its workflows first;
// entry points hold webhook URLs to the addresses the worker may reach.
func registerConfiguration(r *routes, svc *services.Services) {
	db := svc.DB
	register(r, db, "modes", configuration.Modes, nil)
	register(r, db, "timezones", configuration.TimeZones, nil)
	register(r, db, "outcome-groups", configuration.OutcomeGroups, nil)
	register(r, db, "contact-strategies", configuration.ContactStrategies, nil)
	register(r, db, "callback-strategies", configuration.CallbackStrategies, nil)
	register(r, db, "entry-points", configuration.EntryPointsReaching(svc.Webhooks), nil)
	register(r, db, "dnc-lists", configuration.DNCLists, nil)
	register(r, db, "campaign-groups", configuration.CampaignGroups, nil)
	register(r, db, "teams", configuration.Teams, nil)
	register(r, db, "campaigns", configuration.Campaigns, svc.Campaigns.Delete)
	register(r, db, "agents", configuration.Agents, nil)
}

// register adds objs' list, create, read, replace and delete routes under
// "/"+path; del, when not nil, deletes in place of objs.
func register[T any, P configuration.Object[T]](r *routes, db *models.DB, path string, objs *configuration.Objects[T, P], del func(ctx context.Context, id uint64) error) {
	if del == nil {
		del = func(ctx context.Context, id uint64) error { return objs.Delete(ctx, db, id) }
	}
	const tag = "Configuration"
	base, kind := "/"+path, objs.Name()
	var zero T
	r.handle(http.MethodGet, base, op{summary: "List " + plural(kind), tag: tag, response: models.Page[T]{}, query: []string{"q", "page", "per_page"}}, func(c *gin.Context) {
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
		out, err := objs.List(c.Request.Context(), db, q, keyTeams(c), p)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, out)
	})
	r.handle(http.MethodPost, base, op{summary: "Create " + withArticle(kind), tag: tag, request: zero, response: zero, status: http.StatusCreated}, func(c *gin.Context) {
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
	r.handle(http.MethodGet, base+"/:id", op{summary: "Read " + withArticle(kind), tag: tag, response: zero}, func(c *gin.Context) {
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
	r.handle(http.MethodPut, base+"/:id", op{summary: "Replace " + withArticle(kind), tag: tag, request: zero, response: zero}, func(c *gin.Context) {
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
	r.handle(http.MethodDelete, base+"/:id", op{summary: "Delete " + withArticle(kind), tag: tag, status: http.StatusNoContent}, func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			fail(c, err)
			return
		}
		if err := del(c.Request.Context(), id); err != nil {
			fail(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	})
}

// withArticle is kind with its indefinite article: "an agent", "a mode".
func withArticle(kind string) string {
	if strings.ContainsRune("aeiou", rune(kind[0])) {
		return "an " + kind
	}
	return "a " + kind
}

// plural is kind's plural: "contact strategies", "modes".
func plural(kind string) string {
	if stem, ok := strings.CutSuffix(kind, "y"); ok {
		return stem + "ies"
	}
	return kind + "s"
}
