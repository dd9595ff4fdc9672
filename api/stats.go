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

// statsRange reads from, to and bucket: the last 24 hours by the hour
// unless they say otherwise; a range given one end is a day long.
func statsRange(c *gin.Context) (stats.Range, error) {
	r := stats.DefaultRange(time.Now())
	var e fieldErrors
	from, hasFrom := queryTime(c, &e, "from")
	to, hasTo := queryTime(c, &e, "to")
	switch {
	case hasFrom && hasTo:
		r.From, r.To = from, to
	case hasFrom:
		r.From, r.To = from, from.Add(24*time.Hour)
	case hasTo:
		r.From, r.To = to.Add(-24*time.Hour), to
	}
	if v, err := queryText(c, "bucket"); err != nil {
		return r, err
	} else if v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			e.add("bucket", "is %q, not a duration such as 15m or 1h", v)
		}
		r.Bucket = d
	}
	return r, e.problem("query")
}

// queryTime reads an RFC 3339 time from the query; ok is false when it is
// missing or wrong (then e says so).
func queryTime(c *gin.Context, e *fieldErrors, name string) (time.Time, bool) {
	v, err := queryText(c, name)
	if err != nil || v == "" {
		if err != nil {
			e.add(name, "is not valid text")
		}
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		e.add(name, "is %q, not an RFC 3339 time such as 2026-12-03T08:00:00Z", v)
		return time.Time{}, false
	}
	return t, true
}
