package api_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/api"
	"github.com/outdial/outdial/models"
)

// A demo restarted after a stop mid-call finds its agents connected to
// calls nobody will report: they wrap up and serve again.
func TestDemoRestartsWithAgentsOnCalls(t *testing.T) {
	w := newCampaignWorld(t, map[string]float64{"voice": 1}, map[string]float64{"Sale": 1})
	require.NoError(t, api.StartDemo(context.Background(), w.h.srv.URL, 2))
	require.NoError(t, w.db.Exec("UPDATE agents SET state = 'connected' WHERE name IN ('Kristest Agent2', 'Kristest Agent3')").Error)

	// Before the fix: 409, "agent 2 is on a call; it can only go to wrap_up".
	require.NoError(t, api.StartDemo(context.Background(), w.h.srv.URL, 2), "a second start")
	var lists int64
	require.NoError(t, w.db.Model(&models.ContactList{}).Count(&lists).Error)
	require.EqualValues(t, 2, lists, "the second start adds no contacts")
}
