// Package api is Outdial's HTTP API (gin, JSON, under /api/v1): the admin
// configuration, contact lists, agents and the dialer's callbacks. Errors are
// RFC 9457 problem details that name the field at fault.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"

	"github.com/outdial/outdial/activities"
	"github.com/outdial/outdial/internal/listimport"
	"github.com/outdial/outdial/models"
)

// Server holds what the handlers need.
type Server struct {
	DB       *models.DB
	Temporal client.Client
	Log      *slog.Logger
	// TaskQueue is where the API starts workflows.
	TaskQueue string
	Uploads   Uploads

	doc *openapi3.T
}

// Handler builds the HTTP handler with every route.
func (s *Server) Handler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	engine.Use(gin.Recovery(), s.logRequests)
	engine.HandleMethodNotAllowed = true
	engine.NoRoute(func(c *gin.Context) {
		fail(c, &Problem{Type: "/problems/not-found", Title: "Not found", Status: http.StatusNotFound, Detail: "no route " + c.Request.Method + " " + c.Request.URL.Path})
	})
	engine.NoMethod(func(c *gin.Context) {
		fail(c, &Problem{Type: "/problems/method-not-allowed", Title: "Method not allowed", Status: http.StatusMethodNotAllowed, Detail: c.Request.Method + " is not allowed on " + c.Request.URL.Path})
	})

	root := newRoutes(engine, "")
	root.handle(http.MethodGet, "/healthz", op{summary: "The process is up", tag: "Health", response: map[string]string{}}, func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	})
	root.handle(http.MethodGet, "/readyz", op{summary: "PostgreSQL and Temporal answer", tag: "Health", response: map[string]string{}}, s.ready)
	root.handle(http.MethodGet, "/openapi.json", op{summary: "This document", tag: "Health", response: map[string]any{}}, func(c *gin.Context) {
		c.JSON(http.StatusOK, s.doc)
	})

	v1 := newRoutes(engine, "/api/v1")
	v1.doc = root.doc
	v1.schemas = root.schemas
	registerConfiguration(v1, s.DB.DB)
	registerDNCEntries(v1, s.DB.DB)
	run := &running{db: s.DB, temporal: s.Temporal, taskQueue: s.TaskQueue}
	registerAgents(v1, s.DB.DB, run.wake)
	registerRunning(v1, run)
	registerLists(v1, &lists{lists: &listimport.Lists{DB: s.DB, Temporal: s.Temporal, TaskQueue: s.TaskQueue}, uploads: s.Uploads})
	registerContacts(v1, &contacts{db: s.DB, temporal: s.Temporal, taskQueue: s.TaskQueue, acts: activities.New(s.DB), reporter: &Reporter{DB: s.DB, Temporal: s.Temporal}})
	s.doc = root.doc
	return engine
}

func (s *Server) ready(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	checks := gin.H{}
	status := http.StatusOK
	if err := s.DB.Ping(ctx); err != nil {
		checks["postgres"], status = err.Error(), http.StatusServiceUnavailable
	} else {
		checks["postgres"] = "ok"
	}
	if s.Temporal == nil {
		checks["temporal"], status = "not connected", http.StatusServiceUnavailable
	} else if _, err := s.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		checks["temporal"], status = err.Error(), http.StatusServiceUnavailable
	} else {
		checks["temporal"] = "ok"
	}
	c.JSON(status, checks)
}

func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	attrs := []any{"method", c.Request.Method, "path", c.Request.URL.Path, "status", c.Writer.Status(), "took", time.Since(start)}
	if len(c.Errors) > 0 {
		s.Log.Error("request failed", append(attrs, "error", c.Errors.String())...)
		return
	}
	s.Log.Debug("request", attrs...)
}
