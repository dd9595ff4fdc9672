package campaign_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/internal/listimport"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
)

// newPredictive is a predictive campaign copied from the seed's
// kris_progressive with a team of its own, ten agents all wrapping up
// calls for 25 s so far (so most are about to be free), 100 contacts due,
// and 2,000 calls answered more than an hour ago, none abandoned: a budget
// for more calls than free agents.
func newPredictive(t *testing.T, f *fixture) (models.Campaign, models.Team) {
	ctx := context.Background()
	c := f.campaign
	c.ID, c.Name, c.Status, c.PacingMode = 0, "predictive", models.CampaignActive, models.PacingPredictive
	c.AbandonTargetPercent, c.MaxLinesPerAgent, c.SmallTeamAgents, c.AbandonMessage = 3, 3, 5, "This was Kris Outdial, 469 555 0100."
	require.NoError(t, f.db.Create(&c).Error)
	team := models.Team{Name: "predictive team"}
	require.NoError(t, f.db.Create(&team).Error)
	require.NoError(t, models.CampaignTeams.Replace(f.db.DB, c.ID, []uint64{team.ID}))
	for i := range 10 {
		require.NoError(t, f.db.Create(&models.Agent{Name: fmt.Sprintf("predictive agent %d", i), TeamID: &team.ID,
			State: models.AgentWrapUp, StateChangedAt: time.Now().Add(-25 * time.Second)}).Error)
	}
	recs := make([]listimport.ContactRecord, 100)
	for i := range recs {
		recs[i].Numbers = map[string]string{"Mobile": fmt.Sprintf("+1469556%04d", i)}
	}
	_, _, err := listimport.AddContacts(ctx, f.db, c.ID, 0, recs)
	require.NoError(t, err)
	testenv.AnsweredEarlier(t, f.db, c.ID, 2000, time.Now().Add(-2*time.Hour))
	return c, team
}

// TestPredictiveDialsAheadOfBusyAgents: with every agent wrapping up and
// none free, a predictive campaign whose agents serve no other campaign
// places calls for the agents about to be free; its budget covers them.
// Sharing the agents with a progressive or a preview campaign (whose
// calls the agents may be on), it is held to their lines per free agent,
// which is none.
func TestPredictiveDialsAheadOfBusyAgents(t *testing.T) {
	f := newFixture(t)
	c, _ := newPredictive(t, f)
	res := mustPace(t, f.svc, c.ID)
	require.Positive(t, res.Released, "no call was placed ahead of the agents about to be free: %+v", res)
	require.LessOrEqual(t, res.Released, 30, "more than 3 lines per agent")

	for _, other := range []string{"kris_progressive", "krisDemoPreview"} {
		f = newFixture(t)
		c, team := newPredictive(t, f)
		var o models.Campaign
		require.NoError(t, f.db.Where("name = ?", other).First(&o).Error)
		require.NoError(t, models.CampaignTeams.Replace(f.db.DB, o.ID, []uint64{team.ID}))
		require.NoError(t, f.db.Model(&o).Update("status", models.CampaignActive).Error)
		res = mustPace(t, f.svc, c.ID)
		require.Zero(t, res.Released, "the agents it shares with %s have no free lines: %+v", other, res)
	}
}
