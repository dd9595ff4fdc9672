// Package api is Outdial's HTTP API (gin, JSON, under /api/v1): the admin
// configuration, contact lists, agents and the dialer's callbacks. Errors are
// RFC 9457 problem details that name the field at fault.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/outdial/outdial/internal/apikey"
	"github.com/outdial/outdial/internal/observe"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/models"
)

// Server holds what the handlers need.
type Server struct {
	// Services are the domain services the handlers call.
	Services *services.Services
	Log      *slog.Logger
	Uploads  Uploads
	// KeySecret is the HMAC secret API keys are stored under
	// (apikey.DevSecret when empty).
	KeySecret string
	// KeyRate is the requests a second each key may make (DefaultKeyRate
	// when zero, no limit when negative).
	KeyRate float64
	// PrivateDocs asks for a key on /openapi.json and /metrics too.
	PrivateDocs bool
	// Workflows makes the links to contacts' and lists' workflows in the
	// Temporal Web UI.
	Workflows WorkflowLinks
	// Keyless is the key a request without an Authorization header acts
	// as: for tests only; nil, the default, answers such a request 401.
	Keyless *models.APIKey

	doc *openapi3.T
}

// Handler builds the HTTP handler with every route.
func (s *Server) Handler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	keys := apikey.New(s.Services.DB, s.KeySecret)
	rate := s.KeyRate
	if rate == 0 {
		rate = DefaultKeyRate
	}
	engine.Use(gin.Recovery(), s.logRequests, s.authorize(keys, newKeyLimits(rate)))
	engine.HandleMethodNotAllowed = true
	engine.NoRoute(func(c *gin.Context) {
		fail(c, &Problem{Type: "/problems/not-found", Title: "Not found", Status: http.StatusNotFound, Detail: "no route " + c.Request.Method + " " + c.Request.URL.Path})
	})
	engine.NoMethod(func(c *gin.Context) {
		fail(c, &Problem{Type: "/problems/method-not-allowed", Title: "Method not allowed", Status: http.StatusMethodNotAllowed, Detail: c.Request.Method + " is not allowed on " + c.Request.URL.Path})
	})

	root := newRoutes(engine, "")
	registerConsole(engine)
	root.handle(http.MethodGet, "/healthz", op{summary: "The process is up", tag: "Health", response: map[string]string{}}, func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	})
	root.handle(http.MethodGet, "/readyz", op{summary: "PostgreSQL and Temporal answer", tag: "Health", response: map[string]string{}}, s.ready)
	root.handle(http.MethodGet, "/metrics", op{summary: "Prometheus metrics (text exposition format)", tag: "Health", produces: "text/plain"}, gin.WrapH(s.metrics()))
	root.handle(http.MethodGet, "/openapi.json", op{summary: "This document", tag: "Health", response: map[string]any{}}, func(c *gin.Context) {
		c.JSON(http.StatusOK, s.doc)
	})

	r := newRoutes(engine, v1)
	r.doc = root.doc
	r.schemas = root.schemas
	registerConfiguration(r, s.Services)
	registerDNCEntries(r, s.Services.DB)
	registerAgents(r, s.Services.Agents)
	registerRunning(r, s.Services.Campaigns, s.Workflows)
	registerLists(r, &lists{lists: s.Services.Lists, uploads: s.Uploads, links: s.Workflows})
	registerExports(r, s.Services.Exports)
	registerContacts(r, &contacts{contacts: s.Services.Contacts, links: s.Workflows})
	registerStats(r, s.Services.Stats)
	registerKeys(r, keys)
	index := resourceIndex(root.doc)
	root.handle(http.MethodGet, v1, op{summary: "The index of the API: its resources, this API's OpenAPI document and the console", tag: "Health", response: Index{}}, func(c *gin.Context) {
		c.JSON(http.StatusOK, index)
	})
	describeAccess(root.doc)
	s.doc = root.doc
	return engine
}

// Index is what GET /api/v1 answers: where to go from here.
type Index struct {
	// OpenAPI is the path of the OpenAPI document describing every route.
	OpenAPI string `json:"openapi"`
	// Console is the path of the web console.
	Console string `json:"console"`
	// Resources are the collections of the API by name, each to its path.
	Resources map[string]string `json:"resources"`
}

// resourceIndex lists the API's top-level collections one can read from the document,
// so that a new route shows in the index without a word here.
func resourceIndex(doc *openapi3.T) Index {
	out := Index{OpenAPI: "/openapi.json", Console: "/", Resources: map[string]string{}}
	for path, item := range doc.Paths.Map() {
		name, ok := strings.CutPrefix(path, v1+"/")
		if ok && !strings.Contains(name, "/") && item.Get != nil {
			out.Resources[name] = path
		}
	}
	return out
}

func (s *Server) ready(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	checks, ok := s.Services.Health(ctx)
	status := http.StatusOK
	if !ok {
		status = http.StatusServiceUnavailable
	}
	c.JSON(status, checks)
}

// metrics serves the process's registry and, read from the database at
// each scrape, calls ringing and agents by state.
func (s *Server) metrics() http.Handler {
	own := prometheus.NewRegistry()
	own.MustRegister(observe.NewDatabaseGauges(s.Services.Gauges, 5*time.Second))
	return promhttp.HandlerFor(prometheus.Gatherers{observe.Registry, own}, promhttp.HandlerOpts{})
}

// pathObjects name what a route's :id is, on the log lines of its requests.
var pathObjects = []struct{ prefix, key string }{
	{v1 + "/campaigns/:id", observe.CampaignID}, {v1 + "/lists/:id", observe.ListID},
	{v1 + "/contacts/:id", observe.ContactID}, {v1 + "/attempts/:id", observe.AttemptID},
}

// logRequests counts and times each request by its route template, and
// names the object of its :id on every line logged while it is served.
func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	route := c.FullPath()
	for _, o := range pathObjects {
		if strings.HasPrefix(route, o.prefix) {
			c.Request = c.Request.WithContext(observe.With(c.Request.Context(), o.key, c.Param("id")))
			break
		}
	}
	c.Next()
	took := time.Since(start)
	observe.APIRequest(c.Request.Method, route, c.Writer.Status(), took)
	ctx := c.Request.Context()
	attrs := []any{"method", c.Request.Method, "route", route, "path", c.Request.URL.Path, "status", c.Writer.Status(), "took", took}
	if len(c.Errors) > 0 {
		s.Log.ErrorContext(ctx, "request failed", append(attrs, "error", c.Errors.String())...)
		return
	}
	s.Log.DebugContext(ctx, "request", attrs...)
}
