package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/outdial/outdial/internal/stats"
)

// statsQuery are the query parameters of the statistics routes.
var statsQuery = []string{"from", "to", "bucket"}

func registerStats(r *routes, s *stats.Service) {
	const summary = "; attempts per bucket over from, to (RFC 3339; the last 24 hours by default) and bucket (a duration such as 15m; 1h by default)"
	r.handle(http.MethodGet, "/campaigns/:id/stats", op{summary: "A campaign's statistics: contacts by status, penetration, attempts by outcome, contact and success rates, what is happening now, and the abandon rate on US terms" + summary,
		tag: "Statistics", response: stats.Stats{}, query: statsQuery}, statsOf(s.Campaign))
	r.handle(http.MethodGet, "/lists/:id/stats", op{summary: "A contact list's statistics, as its campaign's" + summary,
		tag: "Statistics", response: stats.Stats{}, query: statsQuery}, statsOf(s.List))
}

func statsOf(read func(context.Context, uint64, stats.Range) (*stats.Stats, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			fail(c, err)
			return
		}
		r, err := statsRange(c)
		if err != nil {
			fail(c, err)
			return
		}
		out, err := read(c.Request.Context(), id, r)
		reply(c, http.StatusOK, out, err)
	}
}

// statsRange reads from, to and bucket; each defaults to the last 24
// hours by the hour.
func statsRange(c *gin.Context) (stats.Range, error) {
	r := stats.DefaultRange(time.Now())
	var e fieldErrors
	for _, p := range []struct {
		name string
		at   *time.Time
	}{{"from", &r.From}, {"to", &r.To}} {
		if v := c.Query(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				e.add(p.name, "is %q, not an RFC 3339 time such as 2026-12-03T08:00:00Z", v)
				continue
			}
			*p.at = t
		}
	}
	if v := c.Query("bucket"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			e.add("bucket", "is %q, not a duration such as 15m or 1h", v)
		}
		r.Bucket = d
	}
	if err := e.problem("query"); err != nil {
		return r, err
	}
	if c.Query("from") != "" && c.Query("to") == "" {
		r.To = r.From.Add(24 * time.Hour)
	}
	if c.Query("to") != "" && c.Query("from") == "" {
		r.From = r.To.Add(-24 * time.Hour)
	}
	return r, nil
}
