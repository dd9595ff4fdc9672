package campaign

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/internal/observe"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/pacing"
)

// PaceResult is what one pacing pass did.
type PaceResult struct {
	// Active is false once the campaign is no longer active: its workflow ends.
	Active bool `json:"active"`
	// Completed: the campaign's date range is over; its open contacts close.
	Completed bool   `json:"completed,omitempty"`
	Released  int    `json:"released"`
	Reason    string `json:"reason,omitempty"`
}

// staleRelease is how long a contact stays released without its workflow
// taking it: a release whose signal never went out (a worker died between
// the two) would hold a line for good.
const staleRelease = 2 * time.Minute

// Pace is one pass of the pacer. Progressive: while agents of the
// campaign's teams are available, release up to lines-per-agent calls per
// free agent, minus the calls already ringing, of contacts whose calling
// window is open in their own zone; an agent's lines are one budget across
// every campaign it serves, and a personal callback goes to its own agent
// only. Preview campaigns are paced by their agents' requests; their pass
// only expires unanswered cards.
func (s *Service) Pace(ctx context.Context, campaignID uint64) (res PaceResult, err error) {
	ctx = observe.With(ctx, observe.CampaignID, campaignID)
	start := time.Now()
	defer func() { observe.Paced(campaignID, err, time.Since(start), res.Released) }()
	return s.pace(ctx, campaignID)
}

// pace is Pace without its measuring.
func (s *Service) pace(ctx context.Context, campaignID uint64) (PaceResult, error) {
	if err := models.TakePassRequest(ctx, s.DB.DB, campaignID); err != nil {
		return PaceResult{}, err
	}
	c, err := models.Find[models.Campaign](ctx, s.DB.DB, "campaign", campaignID)
	if fault.Is(err, fault.NotFound) {
		// A deleted campaign's workflow ends rather than retry for ever.
		return PaceResult{Reason: "the campaign was deleted"}, nil
	}
	if err != nil {
		return PaceResult{}, fmt.Errorf("pace campaign %d: %w", campaignID, err)
	}
	if c.Status != models.CampaignActive && c.Status != models.CampaignPaused {
		return PaceResult{Reason: "campaign is " + c.Status}, nil
	}
	if err := models.ExpirePreviews(ctx, s.DB.DB); err != nil {
		return PaceResult{}, err
	}
	if err := models.GiveBackStaleReleases(ctx, s.DB.DB, campaignID, staleRelease); err != nil {
		return PaceResult{}, err
	}
	if err := models.FreeCallbackReservations(ctx, s.DB.DB); err != nil {
		return PaceResult{}, err
	}
	if dates := contact.CampaignDates(c); dates.Ended(s.now()) {
		return s.complete(ctx, c, fmt.Sprintf("its date range %v has ended", dates))
	}
	res := PaceResult{Active: true}
	if !c.PlacesCalls() {
		return res, nil
	}
	wants := false
	if c.Status == models.CampaignPaused {
		res.Reason = "paused"
	} else if res, wants, err = s.paceProgressive(ctx, c); err != nil {
		return res, err
	}
	// A pass that was not held back by the agents it shares, for whatever
	// reason, leaves them to the other campaigns.
	return res, models.WantAgents(ctx, s.DB.DB, c.ID, wants)
}

// paceProgressive releases what a progressive pass may, and reports
// whether the agents it shares held it back.
func (s *Service) paceProgressive(ctx context.Context, c *models.Campaign) (PaceResult, bool, error) {
	res := PaceResult{Active: true}
	open, why, err := s.openZones(ctx, c)
	if err != nil || len(open) == 0 {
		res.Reason = why
		return res, false, err
	}
	var p pass
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		p, err = s.releaseProgressive(ctx, tx, c, open)
		return err
	})
	if err != nil {
		return res, false, fmt.Errorf("pace campaign %d: %w", c.ID, err)
	}
	s.releaseInBackground(ctx, c.ID, p.due)
	res.Released, res.Reason = len(p.due), p.reason
	return res, p.wantsAgents, nil
}

// openZones are the zones of the campaign's waiting contacts whose calling
// window is open now: the campaign's hours apply in each contact's local
// time, so a pass releases only contacts whose window is open, and none
// gets a workflow that would only sleep until its window opens. Each
// number's own window is checked again before its attempt. Without one,
// it says why.
func (s *Service) openZones(ctx context.Context, c *models.Campaign) ([]string, string, error) {
	now := s.now()
	zones, err := s.zones.get(ctx, s.DB, c.ID, now)
	if err != nil || len(zones) == 0 {
		return nil, "no contact waits for the pacer", err
	}
	windows, err := contact.Windows(ctx, s.DB, c, zones)
	if err != nil {
		return nil, "", err
	}
	var open, closed []string
	for _, z := range zones {
		if w := windows[z]; w.Closed == "" && w.Spec.Open(now) {
			open = append(open, z)
		} else if len(closed) < 3 {
			closed = append(closed, cmp.Or(w.Closed, w.Spec.Explain(now)))
		}
	}
	if len(open) == 0 {
		return nil, "no waiting contact's calling window is open: " + strings.Join(closed, "; "), nil
	}
	return open, "", nil
}

// zonesTTL is how long a campaign's waiting zones are reused: finding them
// reads every waiting contact, and they change only with imports.
const zonesTTL = 30 * time.Second

// zoneCache keeps campaigns' waiting zones; the zero value is ready.
type zoneCache struct {
	mu      sync.Mutex
	entries map[uint64]zoneEntry
}

type zoneEntry struct {
	zones  []string
	loaded time.Time
}

func (z *zoneCache) get(ctx context.Context, db *models.DB, campaignID uint64, now time.Time) ([]string, error) {
	z.mu.Lock()
	e, ok := z.entries[campaignID]
	z.mu.Unlock()
	if ok && now.Sub(e.loaded) < zonesTTL && now.Sub(e.loaded) >= 0 {
		return e.zones, nil
	}
	zones, err := models.WaitingZones(ctx, db.DB, campaignID)
	if err != nil || len(zones) == 0 {
		return zones, err // none yet: the next pass looks again
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.entries == nil {
		z.entries = map[uint64]zoneEntry{}
	}
	z.entries[campaignID] = zoneEntry{zones: zones, loaded: now}
	return zones, nil
}

// releaseTimeout bounds a pass's releases once the pass has returned.
const releaseTimeout = time.Minute

// releaseInBackground hands the contacts a pass released to their
// workflows after the pass has returned. A release (a workflow's start or a
// signal) takes tens of milliseconds on a busy server, and waiting for them
// took 60 of a pass's 68 ms at full load, which held the campaign's next
// pass back. A release that fails is given back at once; one lost with its
// worker, after staleRelease (see Pace).
func (s *Service) releaseInBackground(ctx context.Context, campaignID uint64, due []models.Contact) {
	if len(due) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	go func() {
		defer cancel()
		if err := s.Contacts.ReleaseAll(ctx, campaignID, due); err != nil {
			slog.WarnContext(ctx, "release contacts", observe.CampaignID, campaignID, "error", err)
		}
	}()
}

// Buffer adaptation: a campaign group's buffer changes at most once per
// bufferAdaptEvery, and a contact released longer than unusedAfter ago and
// still not dialed sits unused.
const (
	bufferAdaptEvery = 10 * time.Second
	unusedAfter      = 10 * time.Second
)

// pass is what releaseProgressive did.
type pass struct {
	due    []models.Contact
	reason string
	// wantsAgents: the calls in flight of the campaigns it shares agents
	// with held it back.
	wantsAgents bool
}

// holdForCallback is how long a pass holds an available agent for its
// personal callback while calls in flight may still land on the agent;
// every pass that finds it so holds it again.
const holdForCallback = 10 * time.Second

// releaseProgressive releases the contacts a progressive pass wants, in
// zones. First the personal callbacks due whose agents are available, each
// reserving its agent. Then lines per agent for each free agent, less the
// calls in flight: in a campaign group, the deliverable percentages split
// the agents mapped to the group and the group's buffer between the
// campaigns that have contacts due, and the buffer adapts to how fast its
// contacts are consumed. Whatever the campaign wants, its agents' lines
// are one budget with the other campaigns they serve (pacing.Pool). The
// group's row and the agent pool stay locked until tx ends, so the pacers
// of a group, and of campaigns sharing agents, take turns.
func (s *Service) releaseProgressive(ctx context.Context, tx *gorm.DB, c *models.Campaign, zones []string) (pass, error) {
	group, err := models.LockCampaignGroup(ctx, tx, c.ID)
	if err != nil {
		return pass{}, err
	}
	if group != nil && !group.Enabled {
		return pass{reason: fmt.Sprintf("campaign group %s is disabled", group.Name)}, nil
	}
	pool, err := models.LockAgentPool(ctx, tx, c.ID)
	if err != nil {
		return pass{}, err
	}
	budget, me := BudgetOf(pool, c.ID)
	callbacks, err := s.releaseCallbacks(ctx, tx, c.ID, zones, pool, &budget)
	if err != nil {
		return pass{}, err
	}
	var groupID uint64
	if group != nil {
		groupID = group.ID
	}
	n, err := models.CountForPacing(ctx, tx, c.ID, groupID, unusedAfter)
	if err != nil {
		return pass{}, err
	}
	var p pass
	want := pacing.Progressive(n.FreeAgents, c.LinesPerAgent, n.InFlight, -1)
	pooled := me >= 0
	if c.PacingMode == models.PacingPredictive && group == nil {
		// More calls than free agents, as the abandon budget allows. In a
		// campaign group, the group's shares and buffer pace it instead.
		// An agent a personal callback holds takes none of its calls.
		_, d, _, err := s.predictive(ctx, tx, c, max(n.FreeAgents-budget.HeldAgents(), 0))
		if err != nil {
			return pass{}, err
		}
		want = d.Calls
		// Agents that serve no other campaign (of any mode: the pool leaves
		// preview campaigns out) are bounded by Decide alone, which counts
		// the agents about to be free too; the pool's lines per free agent
		// would stop it dialing ahead while all are busy.
		shared, err := models.SharesAgents(ctx, tx, c.ID)
		if err != nil {
			return pass{}, err
		}
		pooled = pooled && shared
	}
	if group != nil {
		if want, p.reason, err = s.groupWant(ctx, tx, c, group, n); err != nil {
			return pass{}, err
		}
	}
	if pooled {
		budget.Campaigns[me].Want = want
		if allowed := budget.Release()[me]; allowed < want {
			want, p.wantsAgents = allowed, true
			if allowed == 0 && p.reason == "" {
				p.reason = "the lines of its free agents are taken by calls in flight of the campaigns they also serve"
			}
		}
	}
	due, err := models.ReleaseDue(ctx, tx, []uint64{c.ID}, want, zones)
	if err != nil {
		return pass{}, err
	}
	// Fewer due than it asked for: it has all it can dial.
	p.wantsAgents = p.wantsAgents && len(due) == want
	p.due = append(callbacks, due...)
	return p, nil
}

// BudgetOf is a pool as the pacing rule reads it, and the index of the
// campaign in it (-1 when it has no team). Every other campaign wants as
// many calls as the agents allow while its passes are held back, none
// otherwise: it left its agents to the others, or is not active.
func BudgetOf(pool *models.AgentPool, campaignID uint64) (pacing.Pool, int) {
	b := pacing.Pool{Free: pool.Free, Held: pool.Held}
	me := -1
	for i, pc := range pool.Campaigns {
		want := 0
		if pc.Active && pc.WantsAgents {
			want = -1
		}
		if pc.ID == campaignID {
			me = i
		}
		b.Campaigns = append(b.Campaigns, pacing.Campaign{LinesPerAgent: pc.LinesPerAgent, Teams: pc.Teams, InFlight: pc.InFlight, Want: want})
	}
	return b, me
}

// releaseCallbacks releases the campaign's due personal callbacks in zones
// whose agents are available, each for its agent, whom it reserves: when
// taking the agent whole leaves the calls in flight the agents they may
// land on; otherwise the agent is held, so that no new call is released
// for it until those calls drain. budget follows: a reserved agent is no
// longer free, a held one is held.
func (s *Service) releaseCallbacks(ctx context.Context, tx *gorm.DB, campaignID uint64, zones []string, pool *models.AgentPool, budget *pacing.Pool) ([]models.Contact, error) {
	due, err := models.DueCallbacks(ctx, tx, campaignID, zones)
	if err != nil || len(due) == 0 {
		return nil, err
	}
	// The pool's slices are the budget's: copy before changing them.
	budget.Free, budget.Held = slices.Clone(budget.Free), slices.Clone(budget.Held)
	var out []models.Contact
	for _, cb := range due {
		team := slices.Index(pool.Teams, cb.TeamID)
		if !budget.Reservable(team) {
			if err := models.HoldForCallback(ctx, tx, cb.AgentID, holdForCallback); err != nil {
				return nil, err
			}
			if !cb.Held && team >= 0 {
				budget.Held[team]++
			}
			continue
		}
		contact, ok, err := models.ReserveForCallback(ctx, tx, cb)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		budget.Free[team]--
		if cb.Held {
			budget.Held[team]--
		}
		out = append(out, contact)
	}
	return out, nil
}

// groupWant is what a campaign of a campaign group would release: its
// share of the agents mapped to the group, and of the group's buffer,
// which adapts. It says why when the buffer holds it back.
func (s *Service) groupWant(ctx context.Context, tx *gorm.DB, c *models.Campaign, group *models.CampaignGroup, n models.PacingCounts) (int, string, error) {
	weights, i, err := models.GroupShares(ctx, tx, group.ID, c.ID)
	if err != nil {
		return 0, "", err
	}
	buf := pacing.Buffer{Initial: group.InitialContacts, IncrementPercent: group.IncrementPercent,
		DecrementPercent: group.DecrementPercent, UpperThresholdPercent: group.UpperThresholdPercent}
	size := buf.Size(group.BufferSize)
	observe.BufferSized(group.Name, size)
	free := n.FreeAgents + pacing.Split(n.SharedAgents, weights)[i]
	// The calls placed for a named agent take no free agent's line, but
	// they are in the buffer.
	share := pacing.Split(size, weights)[i]
	room := max(share-n.Personal, 0)
	want := pacing.Progressive(free, c.LinesPerAgent, n.InFlight, room)
	drained := want < pacing.Progressive(free, c.LinesPerAgent, n.InFlight, -1)
	if err := models.AdaptBuffer(ctx, tx, group.ID, buf.Next(size, drained, n.Unused > 0), bufferAdaptEvery); err != nil {
		return 0, "", err
	}
	var reason string
	if want == 0 && free > 0 && n.InFlight >= room {
		reason = fmt.Sprintf("the campaign's share of campaign group %s's buffer (%d contacts) is in flight", group.Name, share)
	}
	return want, reason, nil
}

// complete ends a campaign whose date range is over: it is completed, and
// its workflow closes its open contacts (CloseContacts) and ends.
func (s *Service) complete(ctx context.Context, c *models.Campaign, why string) (PaceResult, error) {
	if err := models.SetCampaignStatus(ctx, s.DB.DB, c.ID, models.CampaignCompleted, []string{models.CampaignActive, models.CampaignPaused}, s.now()); err != nil {
		return PaceResult{}, err
	}
	slog.InfoContext(ctx, "campaign completed", observe.CampaignID, c.ID, "reason", why)
	return PaceResult{Completed: true, Reason: "completed: " + why}, nil
}

// closePage is how many contacts CloseContacts closes between progress
// reports.
const closePage = 500

// CloseContacts closes every open contact of a completed campaign:
// never-dialed ones (no workflow) in PostgreSQL at once, the others through
// their workflows, a page at a time, going on after contact after. After
// each page it reports the last contact closed, from which a retry can go
// on. It returns how many it closed.
func (s *Service) CloseContacts(ctx context.Context, campaignID uint64, reason string, after uint64, progress func(last uint64)) (int, error) {
	closed, err := models.CloseNewContacts(ctx, s.DB.DB, campaignID, reason)
	if err != nil {
		return 0, err
	}
	for {
		ids, err := models.OpenContactIDs(ctx, s.DB.DB, campaignID, after, closePage)
		if err != nil {
			return closed, err
		}
		if len(ids) == 0 {
			return closed, nil
		}
		n, err := s.Contacts.CloseOpen(ctx, campaignID, ids, reason)
		closed += n
		if err != nil {
			return closed, err
		}
		after = ids[len(ids)-1]
		progress(after)
	}
}
