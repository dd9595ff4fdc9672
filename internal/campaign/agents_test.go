package campaign_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/outdial/outdial/internal/campaign"
	"github.com/outdial/outdial/internal/listimport"
	"github.com/outdial/outdial/models"
)

// sharedFixture is progressive campaigns copied from the seed's
// kris_progressive, outside any group, each with contacts due, all served
// by one team's available agents.
type sharedFixture struct {
	*fixture
	team      models.Team
	campaigns []models.Campaign
	due       [][]uint64 // each campaign's contacts
	agents    []models.Agent
}

func newSharedFixture(t *testing.T, campaigns, contacts, agents, lines int) *sharedFixture {
	f := &sharedFixture{fixture: newFixture(t)}
	f.team = models.Team{Name: "shared team"}
	require.NoError(t, f.db.Create(&f.team).Error)
	for i := range campaigns {
		c := f.campaign
		c.ID, c.Name, c.Status, c.LinesPerAgent = 0, fmt.Sprintf("shared %d", i), models.CampaignActive, lines
		require.NoError(t, f.db.Create(&c).Error)
		require.NoError(t, models.CampaignTeams.Replace(f.db.DB, c.ID, []uint64{f.team.ID}))
		f.campaigns = append(f.campaigns, c)
		recs := make([]listimport.ContactRecord, contacts)
		for j := range recs {
			recs[j].Numbers = map[string]string{"Mobile": fmt.Sprintf("+1469556%d%03d", i, j)}
		}
		_, results, err := listimport.AddContacts(context.Background(), f.db, c.ID, 0, recs)
		require.NoError(t, err)
		var ids []uint64
		for _, r := range results {
			require.NotZero(t, r.ContactID, "contact %+v", r)
			ids = append(ids, r.ContactID)
		}
		f.due = append(f.due, ids)
	}
	for i := range agents {
		a := models.Agent{Name: fmt.Sprintf("shared agent %d", i), TeamID: &f.team.ID, State: models.AgentAvailable, StateChangedAt: time.Now()}
		require.NoError(t, f.db.Create(&a).Error)
		f.agents = append(f.agents, a)
	}
	return f
}

func (f *sharedFixture) pace(t *testing.T, i int) campaign.PaceResult {
	return mustPace(t, f.svc, f.campaigns[i].ID)
}

// released are the contacts released, of every campaign.
func (f *sharedFixture) released(t *testing.T) []uint64 {
	var ids []uint64
	require.NoError(t, f.db.Model(&models.Contact{}).Where("status = 'released'").Order("id").Pluck("id", &ids).Error)
	return ids
}

// dial turns a released contact into a call ringing, as its workflow does.
func (f *sharedFixture) dial(t *testing.T, contactID uint64, agent string) string {
	var c models.Contact
	require.NoError(t, f.db.First(&c, contactID).Error)
	id := fmt.Sprintf("%d-%d", c.ID, c.AttemptCount+1)
	require.NoError(t, f.db.Create(&models.Attempt{ID: id, ContactID: c.ID, CampaignID: c.CampaignID, Seq: c.AttemptCount + 1,
		Mode: "Mobile", Number: c.Numbers[0].Number, Agent: agent, StartedAt: time.Now()}).Error)
	require.NoError(t, f.db.Model(&c).Updates(map[string]any{"status": models.ContactDialing, "attempt_count": c.AttemptCount + 1}).Error)
	return id
}

// hangUp ends a call unanswered; its contact waits for a later attempt.
func (f *sharedFixture) hangUp(t *testing.T, attemptID string) {
	var at models.Attempt
	require.NoError(t, f.db.First(&at, "id = ?", attemptID).Error)
	require.NoError(t, f.db.Model(&at).Updates(map[string]any{"ended_at": time.Now(), "telephony_outcome": "no-answer"}).Error)
	require.NoError(t, f.db.Model(&models.Contact{}).Where("id = ?", at.ContactID).
		Updates(map[string]any{"status": models.ContactScheduled, "next_due_at": time.Now().Add(time.Hour)}).Error)
}

func (f *sharedFixture) agent(t *testing.T, i int) models.Agent {
	var a models.Agent
	require.NoError(t, f.db.First(&a, f.agents[i].ID).Error)
	return a
}

func (f *sharedFixture) setAgent(t *testing.T, i int, state string) {
	require.NoError(t, models.SetAgentState(context.Background(), f.db.DB, strconv.FormatUint(f.agents[i].ID, 10), state, "", nil))
}

// makePersonal turns a contact into a personal callback for an agent,
// due now, as the strategy leaves it after an attempt.
func (f *sharedFixture) makePersonal(t *testing.T, contactID uint64, agent int, until *time.Time) {
	set := map[string]any{"status": models.ContactReady, "attempt_count": 1, "next_due_at": time.Now().Add(-time.Minute),
		"pcb_agent": strconv.FormatUint(f.agents[agent].ID, 10)}
	if until != nil {
		set["pcb_until"] = until
	}
	require.NoError(t, f.db.Model(&models.Contact{}).Where("id = ?", contactID).Updates(set).Error)
}

// Two progressive campaigns served by one agent with one line have one
// call in flight for it between them, not one each (issue 13, finding 7);
// the campaign held back gets the agent's next free line.
func TestAnAgentsLinesAreOneBudgetAcrossCampaigns(t *testing.T) {
	f := newSharedFixture(t, 2, 5, 1, 1)
	require.Equal(t, 1, f.pace(t, 0).Released)
	res := f.pace(t, 1)
	require.Zero(t, res.Released, "the agent's one line is the first campaign's call")
	require.Equal(t, "the lines of its free agents are taken by calls in flight of the campaigns they also serve", res.Reason)

	// The call is dialed and rings: it still holds the agent's line.
	call := f.dial(t, f.released(t)[0], "")
	require.Zero(t, f.pace(t, 1).Released)
	require.Zero(t, f.pace(t, 0).Released)

	// It ends unanswered: the campaign that was held back gets the line.
	f.hangUp(t, call)
	require.Zero(t, f.pace(t, 0).Released, "the second campaign waits for the agent")
	require.Equal(t, 1, f.pace(t, 1).Released)
	require.Len(t, f.released(t), 1)
}

// Two lines per agent are two calls between the campaigns it serves; a
// call of a one-line campaign takes the whole agent.
func TestLinesPerAgentAcrossCampaigns(t *testing.T) {
	f := newSharedFixture(t, 2, 5, 1, 2)
	require.NoError(t, f.db.Model(&f.campaigns[1]).Update("lines_per_agent", 1).Error)
	require.Equal(t, 2, f.pace(t, 0).Released)
	require.Zero(t, f.pace(t, 1).Released)
	require.NoError(t, f.db.Exec("UPDATE contacts SET status = 'ready', next_due_at = now() + interval '1 hour' WHERE status = 'released'").Error)
	require.Equal(t, 1, f.pace(t, 1).Released)
	require.Zero(t, f.pace(t, 0).Released, "the one-line call takes the whole agent")
}

// Passes of campaigns sharing an agent, at the same moment on different
// workers, never both count its free line.
func TestConcurrentPassesShareOneAgent(t *testing.T) {
	f := newSharedFixture(t, 3, 30, 1, 1)
	for round := range 15 {
		var wg sync.WaitGroup
		errs := make([]error, len(f.campaigns))
		for i, c := range f.campaigns {
			wg.Go(func() {
				_, errs[i] = f.svc.Pace(context.Background(), c.ID)
			})
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		require.Len(t, f.released(t), 1, "round %d: one agent, one line", round)
		// The call ends: the line is free for the next round.
		require.NoError(t, f.db.Exec("UPDATE contacts SET status = 'ready', next_due_at = now() + interval '1 hour' WHERE status = 'released'").Error)
	}
}

// A personal callback is released only for its agent, when that agent is
// free, and reserves it for the call; other free agents do not get it
// (issue 13, finding 8).
func TestPersonalCallbackWaitsForItsAgent(t *testing.T) {
	f := newSharedFixture(t, 1, 1, 2, 1)
	pcb := f.due[0][0]
	f.makePersonal(t, pcb, 0, nil)
	for _, state := range []string{models.AgentConnected, models.AgentWrapUp, models.AgentNotReady, models.AgentIdle} {
		f.setAgent(t, 0, state)
		res := f.pace(t, 0)
		require.Zero(t, res.Released, "its agent is %s; another agent is available", state)
		var c models.Contact
		require.NoError(t, f.db.First(&c, pcb).Error)
		require.Equal(t, models.ContactReady, c.Status)
	}

	f.setAgent(t, 0, models.AgentAvailable)
	require.Equal(t, 1, f.pace(t, 0).Released)
	require.Eventually(t, func() bool {
		agent, ok := f.contacts.releasedFor(pcb)
		return ok && agent == strconv.FormatUint(f.agents[0].ID, 10)
	}, 10*time.Second, 10*time.Millisecond, "released for its agent")
	x := f.agent(t, 0)
	require.Equal(t, models.AgentReserved, x.State)
	require.Equal(t, models.ReservedForCallback, x.StateReason)
	require.Equal(t, models.AgentAvailable, f.agent(t, 1).State, "the other agent stays free")

	// The call rings for its agent; it ends unanswered and the contact
	// waits again: the agent is available again.
	call := f.dial(t, pcb, strconv.FormatUint(f.agents[0].ID, 10))
	f.pace(t, 0)
	require.Equal(t, models.AgentReserved, f.agent(t, 0).State, "its call is ringing")
	f.hangUp(t, call)
	f.pace(t, 0)
	require.Equal(t, models.AgentAvailable, f.agent(t, 0).State)
}

// A personal callback that its callback strategy has turned normal goes to
// any agent.
func TestPersonalCallbackAfterItLapses(t *testing.T) {
	f := newSharedFixture(t, 1, 1, 2, 1)
	pcb := f.due[0][0]
	lapsed := time.Now().Add(-time.Second)
	f.makePersonal(t, pcb, 0, &lapsed)
	f.setAgent(t, 0, models.AgentConnected)
	require.Equal(t, 1, f.pace(t, 0).Released)
	require.Eventually(t, func() bool {
		agent, ok := f.contacts.releasedFor(pcb)
		return ok && agent == ""
	}, 10*time.Second, 10*time.Millisecond, "released for any agent")
	require.Equal(t, models.AgentAvailable, f.agent(t, 1).State)
}

// A personal callback whose agent is free while calls in flight need it
// holds the agent: no campaign releases a new call for it, and the callback
// gets it once those calls leave it free.
func TestPersonalCallbackHoldsItsAgent(t *testing.T) {
	f := newSharedFixture(t, 2, 5, 2, 1)
	require.Equal(t, 2, f.pace(t, 1).Released, "both agents' lines")
	calls := f.released(t)
	f.makePersonal(t, f.due[0][0], 0, nil)
	require.Zero(t, f.pace(t, 0).Released, "both agents may have to take the other campaign's calls")
	x := f.agent(t, 0)
	require.Equal(t, models.AgentAvailable, x.State)

	f.hangUp(t, f.dial(t, calls[0], ""))
	require.Zero(t, f.pace(t, 1).Released, "the free line is the held agent's")
	require.Equal(t, 1, f.pace(t, 0).Released, "the personal callback")
	require.Equal(t, models.AgentReserved, f.agent(t, 0).State)
	agent, _ := f.contacts.releasedFor(f.due[0][0])
	require.Eventually(t, func() bool {
		agent, _ = f.contacts.releasedFor(f.due[0][0])
		return agent == strconv.FormatUint(f.agents[0].ID, 10)
	}, 10*time.Second, 10*time.Millisecond, "released for its agent, not %q", agent)
}

// A preview card of a personal callback is offered to its agent only, and
// before the agent's other contacts (issue 13, finding 8).
func TestPreviewOffersAPersonalCallbackToItsAgentOnly(t *testing.T) {
	f := newSharedFixture(t, 1, 2, 3, 1)
	require.NoError(t, f.db.Model(&f.campaigns[0]).Update("pacing_mode", models.PacingPreview).Error)
	pcb, other := f.due[0][0], f.due[0][1]
	f.makePersonal(t, pcb, 0, nil)
	require.NoError(t, f.db.Model(&models.Contact{}).Where("id = ?", other).Update("priority", 5).Error)
	require.NoError(t, f.db.Model(&models.Contact{}).Where("id = ?", pcb).Update("priority", 9).Error)
	ctx := context.Background()

	card, err := f.svc.Offer(ctx, f.agents[1].ID)
	require.NoError(t, err)
	require.NotNil(t, card.Contact, card.Reason)
	require.Equal(t, other, card.Contact.ID, "another agent's personal callback is not offered")

	card, err = f.svc.Offer(ctx, f.agents[2].ID)
	require.NoError(t, err)
	require.Nil(t, card.Contact, "only another agent's personal callback is left")
	require.Contains(t, card.Reason, "no contact is due")

	require.NoError(t, f.db.Model(&models.Contact{}).Where("id = ?", other).Updates(map[string]any{"status": "ready", "priority": 20}).Error)
	card, err = f.svc.Offer(ctx, f.agents[0].ID)
	require.NoError(t, err)
	require.NotNil(t, card.Contact, card.Reason)
	require.Equal(t, pcb, card.Contact.ID, "its agent gets it, before a contact of higher priority")
}

// The agent pool stays locked for the pass that reads it: a pass of
// another campaign sharing its agents waits until the first has released
// its calls, whichever worker runs it.
func TestAgentPoolLockMakesPassesTakeTurns(t *testing.T) {
	f := newSharedFixture(t, 2, 1, 1, 1)
	ctx := context.Background()
	first := f.db.Begin()
	defer first.Rollback()
	pool, err := models.LockAgentPool(ctx, first, f.campaigns[0].ID)
	require.NoError(t, err)
	require.Equal(t, []uint64{f.team.ID}, pool.Teams)
	require.Equal(t, []int{1}, pool.Free)
	require.Len(t, pool.Campaigns, 2)

	locked := make(chan error, 1)
	go func() {
		locked <- f.db.Transaction(func(tx *gorm.DB) error {
			_, err := models.LockAgentPool(ctx, tx, f.campaigns[1].ID)
			return err
		})
	}()
	require.Never(t, func() bool { return len(locked) > 0 }, 300*time.Millisecond, 10*time.Millisecond, "the second pass did not wait")
	require.NoError(t, first.Commit().Error)
	require.Eventually(t, func() bool { return len(locked) > 0 }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, <-locked)
}
