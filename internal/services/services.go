// Package services wires Outdial's domain packages together over one
// database and one Temporal client: the agent store wakes the campaigns'
// pacers, the contacts free agents and wake pacers, the campaigns release
// and close contacts; the lists start their imports. The API and the
// worker each build one.
package services

import (
	"context"

	"go.temporal.io/sdk/client"

	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/internal/agent"
	"github.com/outdial/outdial/internal/campaign"
	"github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/internal/export"
	"github.com/outdial/outdial/internal/listimport"
	"github.com/outdial/outdial/internal/observe"
	"github.com/outdial/outdial/internal/stats"
	"github.com/outdial/outdial/models"
)

// Services are the domain services of one process.
type Services struct {
	DB        *models.DB
	Temporal  client.Client
	Agents    *agent.Store
	Contacts  *contact.Service
	Campaigns *campaign.Service
	Lists     *listimport.Lists
	Exports   *export.Exporter
	Stats     *stats.Service
	// Webhooks are the addresses webhook dialers may reach: the worker's
	// webhook connects only there, and the API refuses an entry point URL
	// outside them. nil refuses loopback, link-local and unspecified
	// addresses, with no exception.
	Webhooks *dialer.Targets
}

// New wires the services; taskQueue is where they start workflows. Tests
// that need no workflows pass a nil client: nothing then wakes pacers, and
// whatever starts or signals a workflow must not be called.
func New(db *models.DB, tc client.Client, taskQueue string) *Services {
	campaigns := &campaign.Service{DB: db, Temporal: tc, TaskQueue: taskQueue}
	agents := &agent.Store{DB: db}
	contacts := &contact.Service{DB: db, Temporal: tc, TaskQueue: taskQueue, DefaultDialer: "simulator", Agents: agents}
	campaigns.Contacts, campaigns.ContactWorkflows = contacts, contacts
	if tc != nil {
		agents.Pacers, contacts.Pacers = campaigns, campaigns
	}
	lists := &listimport.Lists{DB: db, Temporal: tc, TaskQueue: taskQueue, ContactWorkflows: contacts}
	return &Services{DB: db, Temporal: tc, Agents: agents, Contacts: contacts, Campaigns: campaigns, Lists: lists, Exports: &export.Exporter{DB: db}, Stats: &stats.Service{DB: db, Pacers: campaigns}}
}

// Health checks that PostgreSQL and Temporal answer, by name: "ok" or
// what failed.
func (s *Services) Health(ctx context.Context) (map[string]string, bool) {
	out, ok := map[string]string{"postgres": "ok", "temporal": "ok"}, true
	if err := s.DB.Ping(ctx); err != nil {
		out["postgres"], ok = err.Error(), false
	}
	if s.Temporal == nil {
		out["temporal"], ok = "not connected", false
	} else if _, err := s.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		out["temporal"], ok = err.Error(), false
	}
	return out, ok
}

// Gauges reads what the operator's gauges show from the database: calls
// ringing and agents by state.
func (s *Services) Gauges(ctx context.Context) (observe.Gauges, error) {
	ringing, err := models.CallsRinging(ctx, s.DB.DB)
	if err != nil {
		return observe.Gauges{}, err
	}
	agents, err := models.AgentsByState(ctx, s.DB.DB)
	return observe.Gauges{Ringing: ringing, Agents: agents}, err
}
