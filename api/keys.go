package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/outdial/outdial/internal/apikey"
	"github.com/outdial/outdial/models"
)

// CreatedKey is a new key with its secret, which is shown this once.
type CreatedKey struct {
	models.APIKey
	Key string `json:"key"`
}

// registerKeys adds the API key and audit log routes (admin only, by the
// access policy).
func registerKeys(r *routes, keys *apikey.Store) {
	const tag = "Access"
	r.handle(http.MethodPost, "/api-keys", op{summary: "Make an API key; the answer carries the key, shown this once", tag: tag, request: apikey.NewKey{}, response: CreatedKey{}, status: http.StatusCreated}, func(c *gin.Context) {
		var n apikey.NewKey
		if err := decodeJSON(c.Request.Body, &n); err != nil {
			fail(c, err)
			return
		}
		k, secret, err := keys.Create(c.Request.Context(), n)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, CreatedKey{APIKey: k, Key: secret})
	})
	r.handle(http.MethodGet, "/key", op{summary: "The key this request is made with: its name, role and bindings (what the console signs in with)", tag: tag, response: models.APIKey{}}, func(c *gin.Context) {
		v, _ := c.Get(keyContext)
		c.JSON(http.StatusOK, v)
	})
	r.handle(http.MethodGet, "/api-keys", op{summary: "The API keys, newest first, without their secrets", tag: tag, response: models.Page[models.APIKey]{}, query: []string{"page", "per_page"}}, func(c *gin.Context) {
		p, err := paging(c)
		if err != nil {
			fail(c, err)
			return
		}
		out, err := keys.List(c.Request.Context(), p)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, out)
	})
	r.handle(http.MethodDelete, "/api-keys/:id", op{summary: "Revoke an API key", tag: tag, status: http.StatusNoContent}, func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			fail(c, err)
			return
		}
		if err := keys.Revoke(c.Request.Context(), id); err != nil {
			fail(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	})
	r.handle(http.MethodGet, "/audit", op{summary: "The audit log: every write made with a key, newest first", tag: tag, response: models.Page[models.AuditEntry]{}, query: []string{"page", "per_page"}}, func(c *gin.Context) {
		p, err := paging(c)
		if err != nil {
			fail(c, err)
			return
		}
		out, err := keys.Audit(c.Request.Context(), p)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, out)
	})
}
