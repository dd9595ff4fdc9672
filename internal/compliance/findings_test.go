package compliance

// What the suite found in production, each as small as it gets and judged
// by the oracle, each fixed since (the ones that need PostgreSQL run in
// `make test`).

import (
	"cmp"
	"context"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/api"
	"github.com/outdial/outdial/dialer"
	campaignsvc "github.com/outdial/outdial/internal/campaign"
	"github.com/outdial/outdial/internal/compliance/oracle"
	"github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/internal/listimport"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/strategy"
)

func mustLoc(t *testing.T, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

// oneContact is an oracle configuration of one campaign "c", open all day,
// under the deployment's cap of 3 calls per 24 hours, with a daily cap of
// daily, one agent with one line, and one contact "k" whose mobile is in
// zone.
func oneContact(number, zone string, daily *int) oracle.Config {
	return oracle.Config{
		Caps: []oracle.Cap{{Attempts: 3, Period: 24 * time.Hour}},
		Campaigns: []oracle.Campaign{{ID: "c", DailyStart: "00:00", DailyEnd: "23:59", DailyRetry: daily, Modes: []string{"Mobile"},
			LinesPerAgent: 1, Agents: []string{"x"}}},
		Contacts: []oracle.Contact{{Campaign: "c", ID: "k", Zone: zone, ListEnd: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
			Numbers: map[string]oracle.Number{"Mobile": {Number: number, Zone: zone}}}},
	}
}

// busy is a dial of contact k's mobile at at that rang 20 s busy.
func busy(seq int, number string, at time.Time) oracle.Attempt {
	return oracle.Attempt{Campaign: "c", Contact: "k", Seq: seq, Mode: "Mobile", Number: number, Dialed: true, DialAt: at,
		Outcome: strategy.Busy, CallEnd: at.Add(20 * time.Second), EndedAt: at.Add(20 * time.Second)}
}

// demo is the demo's configuration in a database of its own, its
// campaigns active and every window open all day.
type demo struct {
	db                   *models.DB
	progressive, preview models.Campaign
}

func openDemo(t *testing.T) demo {
	db := testenv.DB(t)
	srv := httptest.NewServer((&api.Server{Keyless: &models.APIKey{Name: "test", Role: models.RoleAdmin}, Services: services.New(db, nil, ""), Log: slog.New(slog.DiscardHandler)}).Handler())
	defer srv.Close()
	require.NoError(t, api.LoadDemo(context.Background(), srv.URL))
	for _, q := range []string{
		"UPDATE campaigns SET status = 'active', daily_start_time = '00:00', daily_end_time = '23:59', start_date = NULL, end_date = NULL",
		"UPDATE time_zones SET enabled = true, start_time = '00:00', end_time = '23:59'",
		"UPDATE campaign_group_time_zones SET enabled = true, start_time = '00:00', end_time = '23:59'",
	} {
		require.NoError(t, db.Exec(q).Error)
	}
	d := demo{db: db}
	require.NoError(t, db.Where("name = ?", "kris_progressive").First(&d.progressive).Error)
	require.NoError(t, db.Where("name = ?", "krisDemoPreview").First(&d.preview).Error)
	return d
}

// demoNumber is the number of the contacts add makes, and its zone.
const (
	demoNumber = "+14695622405"
	demoZone   = "America/Chicago"
)

// add imports a contact whose mobile is number (demoNumber when "") into
// campaign.
func (d demo) add(t *testing.T, campaign uint64, number string) uint64 {
	_, results, err := listimport.AddContacts(context.Background(), d.db, campaign, 0, []listimport.ContactRecord{{Numbers: map[string]string{"Mobile": cmp.Or(number, demoNumber)}}})
	require.NoError(t, err)
	return results[0].ContactID
}

// calls is a dialer that counts the call requests it is sent.
type calls struct{ sent int }

func (c *calls) Dial(context.Context, dialer.CallRequest) error {
	c.sent++
	return nil
}

// The frequency caps count a call from when its dial request left, not
// from when its attempt was recorded: a retried dial, or one a restarted
// workflow sends after its worker died, leaves later. Attempt 1 below is
// recorded at t0 and dialed ten minutes later, attempts 2 and 3 an hour
// apart; at t0+24h+1m a fourth would be the fourth call in 23 h 51 min.
// (In the simulation, dial latency does the same: world.dialLatency.)
func TestDelayedDialCountsFromItsRequest(t *testing.T) {
	d := openDemo(t)
	ctx := context.Background()
	require.NoError(t, d.db.Model(&models.Campaign{}).Where("id = ?", d.progressive.ID).
		Updates(map[string]any{"frequency_cap_attempts": nil, "daily_retry": nil, "global_retry": nil}).Error)
	k := d.add(t, d.progressive.ID, "")
	sent := &calls{}
	t0 := time.Now().Truncate(time.Millisecond)
	now := t0
	svc := &contact.Service{DB: d.db, Now: func() time.Time { return now }, FrequencyCap: contact.FrequencyCap{Attempts: 3, Period: 24 * time.Hour},
		DefaultDialer: "simulator", Dialers: dialer.Registry{"simulator": sent}}
	var log []oracle.Attempt
	attempt := func(seq int, recorded, dialed time.Time) {
		now = recorded
		res, err := svc.Prepare(ctx, contact.PrepareRequest{ContactID: k, Seq: seq})
		require.NoError(t, err)
		if res.Action != contact.ActionDial {
			return
		}
		now = dialed
		before := sent.sent
		if _, err := svc.Dial(ctx, res.AttemptID); err != nil {
			require.ErrorIs(t, err, contact.ErrDialRefused)
		}
		if sent.sent > before {
			log = append(log, busy(seq, demoNumber, dialed))
		}
		now = dialed.Add(20 * time.Second)
		_, err = svc.Finish(ctx, contact.FinishRequest{AttemptID: res.AttemptID, ContactID: k, Telephony: strategy.Busy,
			Decision: strategy.Decision{DueAt: now, Reason: "busy"}})
		require.NoError(t, err)
	}
	attempt(1, t0, t0.Add(10*time.Minute))
	attempt(2, t0.Add(time.Hour), t0.Add(time.Hour))
	attempt(3, t0.Add(2*time.Hour), t0.Add(2*time.Hour))
	require.Len(t, log, 3)
	fourth := t0.Add(24*time.Hour + time.Minute)
	attempt(4, fourth, fourth)
	rep := oracle.Check(oneContact(demoNumber, demoZone, nil), log)
	require.Empty(t, rep.Violations)
}

// The decision after a call counts the daily cap in the contact's real
// zone (issue 13, finding 2). It counted in the UTC offset the zone had
// when the attempt was prepared: an attempt prepared at 01:50 MDT on the
// fall-back night and decided at 01:05 MST reached the daily cap, and the
// next day was taken to start at midnight MDT, 23:00 MST: a third call on
// the same local day.
func TestDailyCapHoldsAcrossTheFallBack(t *testing.T) {
	denver := mustLoc(t, "America/Denver")
	const number = "+13035550001"
	policy := contact.Policy{Caps: strategy.Caps{DailyRetry: ptr(2)}, Modes: []string{"Mobile"}}
	first := time.Date(2026, 11, 1, 0, 30, 0, 0, denver)
	second := time.Date(2026, 11, 1, 1, 50, 0, 0, denver) // MDT, before the clocks go back at 02:00
	decided := second.Add(15 * time.Minute)               // 01:05 MST
	d := decide(policy, strategy.Counters{}, "Mobile", strategy.Busy, "", "", "", first.Add(time.Minute), decisionZone(denver))
	d = decide(policy, d.Counters, "Mobile", strategy.Busy, "", "", "", decided, decisionZone(denver))
	require.False(t, d.Close)
	second2 := busy(2, number, second)
	second2.EndedAt = decided
	log := []oracle.Attempt{busy(1, number, first), second2, busy(3, number, d.DueAt)}
	rep := oracle.Check(oneContact(number, denver.String(), ptr(2)), log)
	require.Empty(t, rep.Violations, "the third call is due at %s", d.DueAt.In(denver))
}

// A call that outlasts the workflow's wait for its wrap-up (30 minutes)
// keeps its number while it is on: the wait ends the attempt by the voice
// rule, but its agent is still connected, so another campaign's contact
// with the same number waits.
func TestLongCallKeepsItsNumber(t *testing.T) { longCallKeepsItsNumber(t, 31*time.Minute) }

// A call over an hour long keeps its number while it is still on: the
// check for a call on the number bounds an attempt whose end was lost by
// an hour (contact's openCall), but a person who answered may talk longer
// (talkAtMost).
func TestCallOverAnHourKeepsItsNumber(t *testing.T) { longCallKeepsItsNumber(t, 61*time.Minute) }

// longCallKeepsItsNumber: a person answers a call of a progressive
// campaign, its agent talks on past the wait for its wrap-up, and when the
// call has lasted talked another campaign's contact with the same number
// is prepared.
func longCallKeepsItsNumber(t *testing.T, talked time.Duration) {
	d := openDemo(t)
	ctx := context.Background()
	a, b := d.add(t, d.progressive.ID, ""), d.add(t, d.preview.ID, "")
	var agent models.Agent
	require.NoError(t, d.db.First(&agent).Error)

	start := time.Now()
	now := start
	svc := &contact.Service{DB: d.db, Now: func() time.Time { return now }}
	first, err := svc.Prepare(ctx, contact.PrepareRequest{ContactID: a, Seq: 1})
	require.NoError(t, err)
	require.Equal(t, contact.ActionDial, first.Action, first.Reason)
	// The person answers and the agent takes the call (the dialer's report).
	require.NoError(t, d.db.Exec("UPDATE attempts SET telephony_outcome = 'voice', answered_at = ?, agent = ? WHERE id = ?",
		now.Add(10*time.Second), strconv.FormatUint(agent.ID, 10), first.AttemptID).Error)
	require.NoError(t, d.db.Model(&agent).Update("state", models.AgentConnected).Error)
	// Thirty minutes on, no wrap-up: the workflow's wait ends, and the
	// voice rule decides.
	now = now.Add(30*time.Minute + 10*time.Second)
	_, err = svc.Finish(ctx, contact.FinishRequest{AttemptID: first.AttemptID, ContactID: a, Telephony: strategy.Voice,
		Decision: strategy.Decision{Close: true, Reason: "voice: no wrap-up came"}})
	require.NoError(t, err)
	// The agent still talks to the person. Another campaign's contact
	// with the same number:
	now = start.Add(talked)
	second, err := svc.Prepare(ctx, contact.PrepareRequest{ContactID: b, Seq: 1})
	require.NoError(t, err)
	require.NotEqual(t, contact.ActionDial, second.Action, "the number is still in the call of attempt %s after %s: its agent %d is connected",
		first.AttemptID, talked, agent.ID)
}

// releases stands in for the contacts' workflows: a pass's releases go
// nowhere.
type releases struct{}

func (releases) ReleaseAll(context.Context, uint64, []models.Contact) error { return nil }
func (releases) Release(context.Context, uint64, uint64, string, bool, bool) (string, error) {
	return "", nil
}
func (releases) CloseOpen(_ context.Context, _ uint64, ids []uint64, _ string) (int, error) {
	return len(ids), nil
}

// A dial request that would leave models.RingingAtMost (10 minutes) or
// more after its attempt was recorded (a worker that died, and a workflow
// that carried on when it came back) would find its line given to another
// call: the pacer counts an attempt with no outcome as a call in flight
// for RingingAtMost from its start only, so that one whose workflow was
// lost does not hold its line for good. Dial refuses it. One agent with
// one line: contact a's attempt is recorded at t0 and its request would
// leave at t0+12m; a pass at t0+11m releases contact b on the same line.
func TestLateDialKeepsItsLine(t *testing.T) {
	d := openDemo(t)
	ctx := context.Background()
	db, c := d.db, d.progressive
	require.NoError(t, db.Model(&c).Update("lines_per_agent", 1).Error)
	var agents []uint64
	require.NoError(t, db.Raw(`SELECT a.id FROM agents a JOIN campaign_serving_teams s ON s.team_id = a.team_id
		WHERE s.campaign_id = ? ORDER BY a.id`, c.ID).Scan(&agents).Error)
	require.NotEmpty(t, agents)
	require.NoError(t, db.Exec(`UPDATE agents SET state = ?`, models.AgentNotReady).Error)
	require.NoError(t, db.Exec(`UPDATE agents SET state = ? WHERE id = ?`, models.AgentAvailable, agents[0]).Error)
	const other = "+14695622406"
	a, b := d.add(t, c.ID, ""), d.add(t, c.ID, other)

	sent := &calls{}
	t0 := time.Now().Add(-11 * time.Minute).Truncate(time.Millisecond)
	now := t0
	svc := &contact.Service{DB: db, Now: func() time.Time { return now }, DefaultDialer: "simulator", Dialers: dialer.Registry{"simulator": sent}}
	// A pass released a at t0, and its workflow prepared its attempt;
	// then its worker died.
	first, err := svc.Prepare(ctx, contact.PrepareRequest{ContactID: a, Seq: 1})
	require.NoError(t, err)
	require.Equal(t, contact.ActionDial, first.Action, first.Reason)
	log := []oracle.Attempt{{Campaign: "c", Contact: "a", Seq: 1, Mode: "Mobile", Number: demoNumber, ReleasedAt: t0}}
	// Eleven minutes on, a pass.
	now = t0.Add(11 * time.Minute)
	pacer := &campaignsvc.Service{DB: db, Contacts: releases{}, Now: func() time.Time { return now }}
	res, err := pacer.Pace(ctx, c.ID)
	require.NoError(t, err)
	if res.Released > 0 {
		second, err := svc.Prepare(ctx, contact.PrepareRequest{ContactID: b, Seq: 1})
		require.NoError(t, err)
		require.Equal(t, contact.ActionDial, second.Action, second.Reason)
		_, err = svc.Dial(ctx, second.AttemptID)
		require.NoError(t, err)
		log = append(log, oracle.Attempt{Campaign: "c", Contact: "b", Seq: 1, Mode: "Mobile", Number: other, ReleasedAt: now,
			Dialed: true, DialAt: now, Outcome: strategy.NoAnswer, CallEnd: now.Add(25 * time.Second), EndedAt: now.Add(25 * time.Second)})
	}
	// The worker is back: a's request leaves.
	now = t0.Add(12 * time.Minute)
	before := sent.sent
	if _, err := svc.Dial(ctx, first.AttemptID); err != nil {
		require.ErrorIs(t, err, contact.ErrDialRefused)
	}
	if sent.sent > before {
		log[0].Dialed, log[0].DialAt = true, now
		log[0].Outcome, log[0].CallEnd, log[0].EndedAt = strategy.NoAnswer, now.Add(25*time.Second), now.Add(25*time.Second)
	}
	cfg := oracle.Config{
		Campaigns: []oracle.Campaign{{ID: "c", DailyStart: "00:00", DailyEnd: "23:59", Modes: []string{"Mobile"}, LinesPerAgent: 1,
			Agents: []string{strconv.FormatUint(agents[0], 10)}}},
	}
	for id, number := range map[string]string{"a": demoNumber, "b": other} {
		cfg.Contacts = append(cfg.Contacts, oracle.Contact{Campaign: "c", ID: id, Zone: demoZone, ListEnd: now.AddDate(1, 0, 0),
			Numbers: map[string]oracle.Number{"Mobile": {Number: number, Zone: demoZone}}})
	}
	rep := oracle.Check(cfg, log)
	require.Empty(t, rep.Violations)
}
