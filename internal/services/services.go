// Package services wires Outdial's domain packages together over one
// database and one Temporal client: the agent store wakes the campaigns'
// pacers, the contacts free agents and wake pacers, the campaigns release
// and close contacts. The API and the worker each build one.
package services

import (
	"go.temporal.io/sdk/client"

	"github.com/outdial/outdial/internal/agent"
	"github.com/outdial/outdial/internal/campaign"
	"github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/models"
)

// Services are the domain services of one process.
type Services struct {
	Agents    *agent.Store
	Contacts  *contact.Service
	Campaigns *campaign.Service
}

// New wires the services; taskQueue is where they start workflows.
func New(db *models.DB, tc client.Client, taskQueue string) *Services {
	campaigns := &campaign.Service{DB: db, Temporal: tc, TaskQueue: taskQueue}
	agents := &agent.Store{DB: db}
	contacts := &contact.Service{DB: db, Temporal: tc, TaskQueue: taskQueue, DefaultDialer: "simulator", Agents: agents}
	campaigns.Contacts = contacts
	if tc != nil { // an API without Temporal (configuration only) has no pacers to wake
		agents.Pacers, contacts.Pacers = campaigns, campaigns
	}
	return &Services{Agents: agents, Contacts: contacts, Campaigns: campaigns}
}
