package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/outdial/outdial/internal/configuration"
	"github.com/outdial/outdial/models"
)

// registerDNCEntries adds the entries of a DNC list as a sub-resource, since
// a list can hold millions of numbers and is never sent whole.
func registerDNCEntries(r *routes, db *models.DB) {
	r.handle(http.MethodGet, "/dnc-lists/:id/entries", op{summary: "List a DNC list's numbers", tag: "Configuration", response: models.Page[models.DNCEntry]{}, query: []string{"q", "page", "per_page"}}, func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			fail(c, err)
			return
		}
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
		out, err := configuration.DNCEntries(c.Request.Context(), db, id, q, p)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, out)
	})
	r.handle(http.MethodPost, "/dnc-lists/:id/entries", op{summary: "Add numbers to a DNC list (a number already there gets the new expiry)", tag: "Configuration", request: []models.DNCEntry{}, response: map[string]int{}}, func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			fail(c, err)
			return
		}
		var entries []models.DNCEntry
		if err := decodeJSON(c.Request.Body, &entries); err != nil {
			fail(c, err)
			return
		}
		n, err := configuration.AddDNCEntries(c.Request.Context(), db, id, entries)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"added": n})
	})
	r.handle(http.MethodDelete, "/dnc-lists/:id/entries/:number", op{summary: "Remove a number from a DNC list", tag: "Configuration", status: http.StatusNoContent}, func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			fail(c, err)
			return
		}
		number, err := pathText(c, "number")
		if err != nil {
			fail(c, err)
			return
		}
		if err := configuration.RemoveDNCEntry(c.Request.Context(), db, id, number); err != nil {
			fail(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	})
}
