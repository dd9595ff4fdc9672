package campaign_test

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/api"
	"github.com/outdial/outdial/internal/campaign"
	"github.com/outdial/outdial/internal/listimport"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
)

// fakeContacts stands in for the contact service's workflows: it counts
// the contacts handed to them, per campaign.
type fakeContacts struct {
	mu       sync.Mutex
	released map[uint64]int
	// forAgent is the agent each contact was last released for.
	forAgent map[uint64]string
}

func (c *fakeContacts) ReleaseAll(_ context.Context, campaignID uint64, due []models.Contact) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.released[campaignID] += len(due)
	for _, ct := range due {
		c.forAgent[ct.ID] = ct.PCBAgent
	}
	return nil
}

func (c *fakeContacts) releasedFor(contactID uint64) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	agent, ok := c.forAgent[contactID]
	return agent, ok
}

func (c *fakeContacts) Release(_ context.Context, campaignID, contactID uint64, _ string, _, _ bool) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.released[campaignID]++
	return fmt.Sprintf("contact-%d", contactID), nil
}

func (c *fakeContacts) CloseOpen(_ context.Context, _ uint64, ids []uint64, _ string) (int, error) {
	return len(ids), nil
}

func (c *fakeContacts) releasedPerCampaign() map[uint64]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.released)
}

// fixture is the seed's configuration with one contact in
// kris_progressive, and a campaign service over it whose contacts are fake.
type fixture struct {
	db       *models.DB
	svc      *campaign.Service
	contacts *fakeContacts
	campaign models.Campaign
	contact  uint64
}

func newFixture(t *testing.T) *fixture {
	db := testenv.DB(t)
	srv := httptest.NewServer((&api.Server{Keyless: &models.APIKey{Name: "test", Role: models.RoleAdmin}, Services: services.New(db, nil, ""), Log: slog.New(slog.DiscardHandler)}).Handler())
	defer srv.Close()
	require.NoError(t, api.LoadDemo(context.Background(), srv.URL))
	contacts := &fakeContacts{released: map[uint64]int{}, forAgent: map[uint64]string{}}
	// Passes read and write PostgreSQL only; releases go to the fake.
	f := &fixture{db: db, contacts: contacts, svc: &campaign.Service{DB: db, Contacts: contacts}}
	require.NoError(t, db.Where("name = ?", "kris_progressive").First(&f.campaign).Error)
	_, results, err := listimport.AddContacts(context.Background(), db, f.campaign.ID, 0, []listimport.ContactRecord{
		{Numbers: map[string]string{"Mobile": "(469) 562-2405"}}})
	require.NoError(t, err)
	f.contact = results[0].ContactID
	return f
}

// groupFixture is a campaign group of progressive campaigns copied from the
// seed's kris_progressive, sharing one team's agents through the group.
type groupFixture struct {
	*fixture
	group     models.CampaignGroup
	team      models.Team
	campaigns []models.Campaign
}

// newGroupFixture makes a group with a campaign per share, contacts due
// in each campaign, and agents available in the group's team.
func newGroupFixture(t *testing.T, buffer int, contacts []int, agents int, shares ...int) *groupFixture {
	f := &groupFixture{fixture: newFixture(t)}
	ctx := context.Background()
	f.group = models.CampaignGroup{Name: "group", Enabled: true, InitialContacts: buffer, IncrementPercent: 50, DecrementPercent: 50, UpperThresholdPercent: 200}
	for i, share := range shares {
		c := f.campaign
		c.ID, c.Name, c.Status = 0, fmt.Sprintf("campaign %d", i), models.CampaignActive
		require.NoError(t, f.db.Create(&c).Error)
		f.campaigns = append(f.campaigns, c)
		f.group.Campaigns = append(f.group.Campaigns, models.CampaignGroupCampaign{CampaignID: c.ID, Position: i, DeliverablePercentage: share})
		if contacts[i] == 0 {
			continue
		}
		recs := make([]listimport.ContactRecord, contacts[i])
		for j := range recs {
			recs[j].Numbers = map[string]string{"Mobile": fmt.Sprintf("+1469555%d%03d", i, j)}
		}
		_, results, err := listimport.AddContacts(ctx, f.db, c.ID, 0, recs)
		require.NoError(t, err)
		for _, r := range results {
			require.NotZero(t, r.ContactID, "contact %+v", r)
		}
	}
	require.NoError(t, f.db.Create(&f.group).Error)
	f.team = models.Team{Name: "group team"}
	require.NoError(t, f.db.Create(&f.team).Error)
	require.NoError(t, models.TeamCampaignGroups.Replace(f.db.DB, f.team.ID, []uint64{f.group.ID}))
	for i := range agents {
		require.NoError(t, f.db.Create(&models.Agent{Name: fmt.Sprintf("agent %d", i), TeamID: &f.team.ID, State: models.AgentAvailable, StateChangedAt: time.Now()}).Error)
	}
	return f
}

func (f *groupFixture) pace(t *testing.T, i int) campaign.PaceResult {
	return mustPace(t, f.svc, f.campaigns[i].ID)
}

// mustPace runs one pass of an active campaign's pacer.
func mustPace(t *testing.T, svc *campaign.Service, id uint64) campaign.PaceResult {
	res, err := svc.Pace(context.Background(), id)
	require.NoError(t, err)
	require.True(t, res.Active)
	return res
}

func (f *groupFixture) bufferSize(t *testing.T) int {
	var g models.CampaignGroup
	require.NoError(t, f.db.First(&g, f.group.ID).Error)
	return g.BufferSize
}

// The deliverable percentages split the agents mapped to the group.
func TestGroupSplitsAgentsByDeliverablePercentage(t *testing.T) {
	f := newGroupFixture(t, 100, []int{20, 20}, 10, 70, 30)
	require.Equal(t, 7, f.pace(t, 0).Released)
	require.Equal(t, 3, f.pace(t, 1).Released)
	require.Equal(t, 0, f.pace(t, 0).Released, "its calls are in flight")
	// Releases reach their workflows after the pass.
	require.Eventually(t, func() bool {
		return maps.Equal(map[uint64]int{f.campaigns[0].ID: 7, f.campaigns[1].ID: 3}, f.contacts.releasedPerCampaign())
	}, 10*time.Second, 10*time.Millisecond, "releases per campaign")
}

// A team mapped to the group and to one of its campaigns is still shared:
// that campaign must not count its agents whole while the other takes its share.
func TestGroupTeamAlsoMappedToACampaign(t *testing.T) {
	f := newGroupFixture(t, 100, []int{20, 20}, 10, 70, 30)
	require.NoError(t, models.CampaignTeams.Replace(f.db.DB, f.campaigns[0].ID, []uint64{f.team.ID}))
	require.Equal(t, 7, f.pace(t, 0).Released)
	require.Equal(t, 3, f.pace(t, 1).Released)
}

// A campaign with nothing due leaves its share to the others.
func TestGroupShareOfACampaignWithNothingDue(t *testing.T) {
	f := newGroupFixture(t, 100, []int{20, 0}, 10, 70, 30)
	require.Equal(t, 10, f.pace(t, 0).Released)
}

// The buffer caps the calls in flight, grows while agents wait on it,
// never beyond its upper threshold, and shrinks when contacts sit unused.
func TestGroupBufferAdapts(t *testing.T) {
	f := newGroupFixture(t, 4, []int{40}, 20, 100)
	require.Equal(t, 4, f.pace(t, 0).Released, "the initial number")
	require.Equal(t, 6, f.bufferSize(t), "drained: +50%")
	require.Equal(t, 2, f.pace(t, 0).Released, "up to the grown buffer")
	require.Equal(t, 6, f.bufferSize(t), "adapted at most once per period")

	// The next adaptation is due.
	age := func() {
		require.NoError(t, f.db.Exec("UPDATE campaign_groups SET buffer_adapted_at = now() - interval '1 minute' WHERE id = ?", f.group.ID).Error)
	}
	// The released contacts are dialed and end: the buffer drains again.
	require.NoError(t, f.db.Exec("UPDATE contacts SET status = 'ready', next_due_at = now() + interval '1 hour' WHERE status = 'released'").Error)
	age()
	require.Equal(t, 6, f.pace(t, 0).Released)
	require.Equal(t, 8, f.bufferSize(t), "200% of 4 at most")
	res := f.pace(t, 0)
	require.Equal(t, 2, res.Released)
	require.NoError(t, f.db.Exec("UPDATE contacts SET status = 'ready', next_due_at = now() + interval '1 hour' WHERE status = 'released'").Error)
	age()
	f.pace(t, 0)
	require.Equal(t, 8, f.bufferSize(t), "stays at the upper threshold")
	res = f.pace(t, 0)
	require.Zero(t, res.Released)
	require.Contains(t, res.Reason, "buffer (8 contacts) is in flight")

	// A pass that changes nothing leaves the period running: the next
	// adaptation is still due.
	require.NoError(t, f.db.Exec("UPDATE contacts SET status = 'ready', next_due_at = now() + interval '1 hour' WHERE status = 'released'").Error)
	age()
	require.NoError(t, f.db.Exec("UPDATE agents SET state = 'not_ready' WHERE team_id = ? AND id NOT IN (SELECT id FROM agents WHERE team_id = ? ORDER BY id LIMIT 2)", f.team.ID, f.team.ID).Error)
	require.Equal(t, 2, f.pace(t, 0).Released, "two free agents, room for eight")
	require.Equal(t, 8, f.bufferSize(t))

	// Released contacts no workflow took up: the buffer shrinks.
	require.NoError(t, f.db.Exec("UPDATE contacts SET updated_at = now() - interval '1 minute' WHERE status = 'released'").Error)
	require.Zero(t, f.pace(t, 0).Released)
	require.Equal(t, 4, f.bufferSize(t), "unused: -50%")
}

func TestDisabledGroupReleasesNothing(t *testing.T) {
	f := newGroupFixture(t, 100, []int{5}, 3, 100)
	require.NoError(t, f.db.Model(&f.group).Update("enabled", false).Error)
	res := f.pace(t, 0)
	require.Zero(t, res.Released)
	require.Equal(t, "campaign group group is disabled", res.Reason)
}

// An agent becoming available signals only the pacers with no pass request
// waiting; a pass takes its campaign's request before it counts agents, and
// a campaign that is not active asks for none.
func TestPassRequests(t *testing.T) {
	ctx := context.Background()
	f := newGroupFixture(t, 100, []int{5, 5}, 2, 50, 50)
	var agent models.Agent
	require.NoError(t, f.db.Where("team_id = ?", f.team.ID).First(&agent).Error)
	first, second := f.campaigns[0].ID, f.campaigns[1].ID
	request := func() []uint64 {
		ids, err := models.RequestPassesForAgent(ctx, f.db.DB, agent.ID)
		require.NoError(t, err)
		return ids
	}
	require.ElementsMatch(t, []uint64{first, second}, request())
	require.Empty(t, request(), "both requests wait for their passes")
	f.pace(t, 0)
	require.Equal(t, []uint64{first}, request(), "the first campaign's pass took its request")

	f.pace(t, 1)
	require.NoError(t, f.db.Model(&models.Campaign{}).Where("id = ?", second).Update("status", models.CampaignPaused).Error)
	require.Empty(t, request(), "the second campaign is paused; the first's request waits")
	requested, err := models.RequestPass(ctx, f.db.DB, second)
	require.NoError(t, err)
	require.False(t, requested, "a paused campaign")
	f.pace(t, 0)
	requested, err = models.RequestPass(ctx, f.db.DB, first)
	require.NoError(t, err)
	require.True(t, requested)
}

// An attempt that never ended, its workflow lost, holds its line only for
// as long as a call can ring: the pass gives the line back.
func TestALostAttemptGivesItsLineBack(t *testing.T) {
	f := newGroupFixture(t, 100, []int{5}, 3, 100)
	c := f.campaigns[0]
	var contact models.Contact
	require.NoError(t, f.db.Where("campaign_id = ?", c.ID).First(&contact).Error)
	at := func(seq int, ago time.Duration) {
		require.NoError(t, f.db.Create(&models.Attempt{ID: fmt.Sprintf("%d-%d", contact.ID, seq), ContactID: contact.ID, CampaignID: c.ID, Seq: seq,
			Mode: "Mobile", Number: "+14695550001", StartedAt: time.Now().Add(-ago)}).Error)
	}
	at(1, time.Hour)   // lost
	at(2, time.Minute) // ringing
	res := f.pace(t, 0)
	require.Equal(t, 2, res.Released, "3 free agents, 1 call ringing; the lost one holds nothing")
}

// The campaign's hours apply in each contact's own zone (issue 13, finding
// 4): at 21:00 in Chicago, the campaign's zone, contacts in Chicago wait,
// while contacts in Los Angeles, where it is 19:00, are released.
func TestCampaignHoursApplyInTheContactsZone(t *testing.T) {
	f := newGroupFixture(t, 100, []int{5}, 3, 100)
	c := f.campaigns[0]
	require.NoError(t, f.db.Model(&c).Updates(map[string]any{"daily_start_time": "08:00", "daily_end_time": "21:00"}).Error)
	now := time.Date(2026, 6, 10, 2, 0, 0, 0, time.UTC)
	f.svc.Now = func() time.Time { return now }
	res := f.pace(t, 0)
	require.Zero(t, res.Released)
	require.Contains(t, res.Reason, "outside daily window 08:00–21:00 (America/Chicago)")

	require.NoError(t, f.db.Exec("UPDATE contacts SET time_zone = 'America/Los_Angeles' WHERE campaign_id = ?", c.ID).Error)
	now = now.Add(time.Minute) // past the cached zones
	res = f.pace(t, 0)
	require.Equal(t, 3, res.Released, res.Reason)
}

// The pacer reads a zone's window through the configured time zone that
// covers it (issue 13, finding 1): contacts in Toronto wait while "Eastern
// Time (US and Canada)" (America/New_York) is not enabled, and are released
// once it is.
func TestPacerAppliesTheCoveringTimeZone(t *testing.T) {
	f := newGroupFixture(t, 100, []int{5}, 3, 100)
	c := f.campaigns[0]
	require.NoError(t, f.db.Exec("UPDATE contacts SET time_zone = 'America/Toronto' WHERE campaign_id = ?", c.ID).Error)
	require.NoError(t, f.db.Exec("UPDATE time_zones SET enabled = false WHERE iana_zone = 'America/New_York'").Error)
	now := time.Date(2026, 6, 10, 16, 0, 0, 0, time.UTC) // noon in Toronto
	f.svc.Now = func() time.Time { return now }
	res := f.pace(t, 0)
	require.Zero(t, res.Released)
	require.Contains(t, res.Reason, "(UTC-05:00) Eastern Time (US and Canada) (America/Toronto) is not enabled for calling")

	require.NoError(t, f.db.Exec("UPDATE time_zones SET enabled = true WHERE iana_zone = 'America/New_York'").Error)
	res = f.pace(t, 0)
	require.Equal(t, 3, res.Released, res.Reason)
}

// A campaign whose date range is over everywhere completes and its pacer ends.
func TestCampaignCompletesAfterItsDateRange(t *testing.T) {
	f := newGroupFixture(t, 100, []int{5}, 3, 100)
	c := f.campaigns[0]
	require.NoError(t, f.db.Model(&c).Update("end_date", "2026-03-31").Error)
	// Over in the campaign's zone, not yet west of it: the pacer waits.
	f.svc.Now = func() time.Time { return time.Date(2026, 4, 1, 11, 0, 0, 0, time.UTC) }
	res := f.pace(t, 0)
	require.Zero(t, res.Released)
	require.Contains(t, res.Reason, "after date range ..2026-03-31 (America/Chicago); it never opens again")

	f.svc.Now = func() time.Time { return time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC) }
	res, err := f.svc.Pace(context.Background(), c.ID)
	require.NoError(t, err)
	require.False(t, res.Active)
	require.Equal(t, "completed: its date range ..2026-03-31 has ended", res.Reason)
	require.NoError(t, f.db.First(&c, c.ID).Error)
	require.Equal(t, models.CampaignCompleted, c.Status)

	// A paused campaign completes too.
	other := f.campaigns[0]
	other.ID, other.Name, other.Status = 0, "paused one", models.CampaignPaused
	require.NoError(t, f.db.Create(&other).Error)
	require.NoError(t, f.db.Model(&other).Update("end_date", "2026-03-31").Error)
	res, err = f.svc.Pace(context.Background(), other.ID)
	require.NoError(t, err)
	require.True(t, res.Completed)
	require.NoError(t, f.db.First(&other, other.ID).Error)
	require.Equal(t, models.CampaignCompleted, other.Status)
}

// An unanswered preview card gives its contact back and frees its agent:
// every pass expires the cards, even a paused campaign's.
func TestExpirePreviews(t *testing.T) {
	f := newFixture(t)
	require.NoError(t, f.db.Model(&f.campaign).Update("status", models.CampaignPaused).Error)
	pass := func() {
		res, err := f.svc.Pace(context.Background(), f.campaign.ID)
		require.NoError(t, err)
		require.Equal(t, "paused", res.Reason)
	}
	team := models.Team{Name: "preview team"}
	require.NoError(t, f.db.Create(&team).Error)
	agent := models.Agent{Name: "previewer", TeamID: &team.ID, State: models.AgentReserved, StateChangedAt: time.Now()}
	require.NoError(t, f.db.Create(&agent).Error)
	require.NoError(t, f.db.Model(&models.Contact{}).Where("id = ?", f.contact).Update("status", "released").Error)
	card := models.Preview{AgentID: agent.ID, ContactID: f.contact, CampaignID: f.campaign.ID, State: "offered",
		OfferedAt: time.Now().Add(-time.Minute), ExpiresAt: time.Now().Add(time.Hour)}
	require.NoError(t, f.db.Create(&card).Error)

	pass()
	require.NoError(t, f.db.First(&card, card.ID).Error)
	require.Equal(t, "offered", card.State, "not yet expired")

	require.NoError(t, f.db.Model(&card).Update("expires_at", time.Now().Add(-time.Second)).Error)
	pass()
	require.NoError(t, f.db.First(&card, card.ID).Error)
	require.Equal(t, "expired", card.State)
	var contact models.Contact
	require.NoError(t, f.db.First(&contact, f.contact).Error)
	require.Equal(t, "new", contact.Status, "never dialed: new again")
	require.NoError(t, f.db.First(&agent, agent.ID).Error)
	require.Equal(t, models.AgentIdle, agent.State)
	require.Equal(t, "preview card expired", agent.StateReason)
}

// An agent's preview request goes first to the campaign furthest below its
// deliverable percentage.
func TestPreviewCampaignsFollowDeliverablePercentages(t *testing.T) {
	f := newGroupFixture(t, 100, []int{1, 1}, 1, 75, 25)
	a, b := f.campaigns[0].ID, f.campaigns[1].ID
	require.NoError(t, f.db.Exec("UPDATE campaigns SET pacing_mode = 'preview' WHERE id IN ?", []uint64{a, b}).Error)
	var agent models.Agent
	require.NoError(t, f.db.Where("team_id = ?", f.team.ID).First(&agent).Error)
	order := func() []uint64 {
		campaigns, err := models.PreviewCampaigns(context.Background(), f.db.DB, &f.team.ID)
		require.NoError(t, err)
		var ids []uint64
		for _, c := range campaigns {
			ids = append(ids, c.ID)
		}
		return ids
	}
	offer := func(campaign uint64, n int) {
		for range n {
			require.NoError(t, f.db.Create(&models.Preview{AgentID: agent.ID, ContactID: f.contact, CampaignID: campaign, State: "skipped",
				OfferedAt: time.Now(), ExpiresAt: time.Now()}).Error)
		}
	}
	require.Equal(t, []uint64{a, b}, order(), "no cards yet: in order")
	offer(a, 1)
	require.Equal(t, []uint64{b, a}, order(), "1 of 75 against 0 of 25")
	offer(b, 1)
	require.Equal(t, []uint64{a, b}, order(), "1 of 75 against 1 of 25")
	offer(a, 3)
	require.Equal(t, []uint64{b, a}, order(), "4 of 75 against 1 of 25")

	require.NoError(t, f.db.Exec("UPDATE campaign_group_campaigns SET deliverable_percentage = 0 WHERE campaign_id = ?", b).Error)
	require.Equal(t, []uint64{a}, order(), "0% gets no cards")
	require.NoError(t, f.db.Model(&f.group).Update("enabled", false).Error)
	require.Empty(t, order(), "a disabled group gets no cards")
}
