package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// dueContact is the condition on contacts c of lists l that the pacer may
// release: waiting for it, due, on an active list whose time to live runs.
const dueContact = `c.status IN ('new', 'ready') AND (c.next_due_at IS NULL OR c.next_due_at <= now())
		  AND l.status = 'active' AND l.end_time > now()`

// personalCallback is the condition on contacts alias that a personal
// callback is in force: until then only its agent gets the contact.
func personalCallback(alias string) string {
	return `(` + alias + `.pcb_agent <> '' AND (` + alias + `.pcb_until IS NULL OR ` + alias + `.pcb_until > now()))`
}

// ReleaseDue marks up to limit due contacts of the campaigns released and
// returns them, by priority then due time; with zones, only contacts in
// those zones. A personal callback in force is not among them: it goes to
// its agent only (ReleaseCallbacks, ReserveForCallback). SKIP LOCKED: two
// pacers never release one contact.
func ReleaseDue(ctx context.Context, db *gorm.DB, campaignIDs []uint64, limit int, zones []string) ([]Contact, error) {
	out, err := releaseDue(ctx, db, campaignIDs, limit, zones, `NOT `+personalCallback("c"), nil)
	if err != nil {
		return nil, fmt.Errorf("release due contacts of campaigns %v: %w", campaignIDs, err)
	}
	return out, nil
}

// ReleaseCallbacks marks up to limit due personal callbacks of agent in
// the campaigns released and returns them, as ReleaseDue does.
func ReleaseCallbacks(ctx context.Context, db *gorm.DB, campaignIDs []uint64, agentID uint64, limit int, zones []string) ([]Contact, error) {
	out, err := releaseDue(ctx, db, campaignIDs, limit, zones, personalCallback("c")+` AND c.pcb_agent = ?`, []any{strconv.FormatUint(agentID, 10)})
	if err != nil {
		return nil, fmt.Errorf("release personal callbacks of agent %d in campaigns %v: %w", agentID, campaignIDs, err)
	}
	return out, nil
}

func releaseDue(ctx context.Context, db *gorm.DB, campaignIDs []uint64, limit int, zones []string, which string, whichArgs []any) ([]Contact, error) {
	var out []Contact
	if limit <= 0 || len(campaignIDs) == 0 || (zones != nil && len(zones) == 0) {
		return out, nil
	}
	inZones, args := "", []any{campaignIDs}
	if zones != nil {
		inZones, args = "AND c.time_zone IN ?", append(args, zones)
	}
	args = append(append(args, whichArgs...), limit)
	err := db.WithContext(ctx).Raw(`UPDATE contacts SET status = 'released', updated_at = now() WHERE id IN (
		SELECT c.id FROM contacts c JOIN contact_lists l ON l.id = c.list_id
		WHERE c.campaign_id IN ? `+inZones+` AND `+dueContact+` AND `+which+`
		  AND EXISTS (SELECT 1 FROM campaigns p WHERE p.id = c.campaign_id AND p.status = 'active') -- a pause wins over a pass in flight
		ORDER BY c.priority DESC, c.next_due_at NULLS FIRST, c.id
		LIMIT ? FOR UPDATE OF c SKIP LOCKED)
		RETURNING id, campaign_id, attempt_count`, args...).Scan(&out).Error
	return out, err
}

// UnreleasedStatus is the status a released contact goes back to: ready,
// or new when it was never dialed.
const UnreleasedStatus = "CASE WHEN attempt_count = 0 THEN 'new' ELSE 'ready' END"

// Unrelease gives a released contact back to the pacer: ready, or new
// when it was never dialed.
func Unrelease(ctx context.Context, db *DB, contactID uint64) error {
	err := db.WithContext(ctx).Exec(`UPDATE contacts SET status = `+UnreleasedStatus+`, updated_at = now()
		WHERE id = ? AND status = 'released'`, contactID).Error
	if err != nil {
		return fmt.Errorf("unrelease contact %d: %w", contactID, err)
	}
	return nil
}

// LockCampaignGroup returns the campaign's group, locked until tx ends so
// the group's pacers take turns; nil when the campaign has no group.
func LockCampaignGroup(ctx context.Context, tx *gorm.DB, campaignID uint64) (*CampaignGroup, error) {
	var g CampaignGroup
	err := tx.WithContext(ctx).Raw(`SELECT g.* FROM campaign_groups g JOIN campaign_group_campaigns gc ON gc.campaign_group_id = g.id
		WHERE gc.campaign_id = ? FOR NO KEY UPDATE OF g`, campaignID).Take(&g).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("campaign group of campaign %d: %w", campaignID, err)
	}
	return &g, nil
}

// GroupShares returns the deliverable percentages of the group's active
// progressive campaigns that have contacts due, in the group's order, and
// where campaignID sits among them: a campaign with nothing to dial leaves
// its share to the others. The campaign itself is always included. A
// campaign outside its own daily hours still counts: its hours are checked
// in its pacer, not here.
func GroupShares(ctx context.Context, tx *gorm.DB, groupID, campaignID uint64) (weights []int, index int, err error) {
	var rows []struct {
		CampaignID            uint64
		DeliverablePercentage int
	}
	err = tx.WithContext(ctx).Raw(`SELECT gc.campaign_id, gc.deliverable_percentage FROM campaign_group_campaigns gc
		JOIN campaigns p ON p.id = gc.campaign_id
		WHERE gc.campaign_group_id = ? AND (gc.campaign_id = ? OR (p.status = 'active' AND p.pacing_mode <> 'preview'
		  AND EXISTS (SELECT 1 FROM contacts c JOIN contact_lists l ON l.id = c.list_id
		              WHERE c.campaign_id = gc.campaign_id AND `+dueContact+`)))
		ORDER BY gc.position, gc.campaign_id`, groupID, campaignID).Scan(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("shares of campaign group %d: %w", groupID, err)
	}
	index = -1
	for i, r := range rows {
		weights = append(weights, r.DeliverablePercentage)
		if r.CampaignID == campaignID {
			index = i
		}
	}
	if index < 0 {
		return nil, 0, fmt.Errorf("shares of campaign group %d: campaign %d is not in it", groupID, campaignID)
	}
	return weights, index, nil
}

// PreviewCampaigns are the active preview campaigns a team's agents serve,
// the one furthest below its deliverable percentage first: the cards each
// offered in the last hour per point of its percentage. A campaign outside
// a group counts as 100%; one at 0% and one in a disabled group get none.
func PreviewCampaigns(ctx context.Context, db *gorm.DB, teamID *uint64) ([]Campaign, error) {
	var out []Campaign
	err := db.WithContext(ctx).Raw(`SELECT c.* FROM campaigns c
		JOIN campaign_serving_teams t ON t.campaign_id = c.id
		LEFT JOIN campaign_group_campaigns gc ON gc.campaign_id = c.id
		LEFT JOIN campaign_groups g ON g.id = gc.campaign_group_id
		WHERE t.team_id = ? AND c.status = 'active' AND c.pacing_mode = 'preview'
		  AND coalesce(g.enabled, true) AND coalesce(gc.deliverable_percentage, 100) > 0
		ORDER BY (SELECT count(*) FROM previews p WHERE p.campaign_id = c.id AND p.offered_at > now() - interval '1 hour')::float
		         / coalesce(gc.deliverable_percentage, 100), c.id`, teamID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("preview campaigns of team %v: %w", teamID, err)
	}
	return out, nil
}

// PacingCounts is what a progressive pass weighs.
type PacingCounts struct {
	// FreeAgents are available agents of teams mapped to the campaign;
	// SharedAgents those mapped only through its campaign group.
	FreeAgents, SharedAgents int
	// InFlight are the campaign's calls any agent of its teams may have to
	// take (poolCalls); Personal its calls placed for a named agent.
	InFlight, Personal int
	// Unused are contacts of the group's progressive campaigns released
	// longer than unusedAfter ago and still not dialed (a preview card
	// holds its contact released while the agent reads it).
	Unused int
}

// RingingAtMost is how long an attempt with no outcome counts as a call
// ringing on one of its campaign's lines. Its workflow ends it within the
// outcome timeout (3 minutes); one whose workflow was lost must not hold
// the line for good.
const RingingAtMost = 10 * time.Minute

// campaignCalls counts the calls of the campaign in column campaign that
// are in flight: its contacts released and not yet dialed, and its calls
// ringing (an attempt with no outcome, for RingingAtMost at most). With
// named, only those placed for a named agent (a personal callback, a
// preview card), whom the call reserved; without, only the others, which
// any free agent of the campaign's teams may have to take. It reads the
// named argument ringing.
func campaignCalls(campaign string, named bool) string {
	agent, callback := "r.agent = ''", "NOT "+personalCallback("r")
	if named {
		agent, callback = "r.agent <> ''", personalCallback("r")
	}
	return `((SELECT count(*) FROM attempts r WHERE r.campaign_id = ` + campaign + ` AND r.ended_at IS NULL AND r.telephony_outcome = ''
		   AND ` + agent + ` AND r.started_at > now() - make_interval(secs => @ringing))
		+ (SELECT count(*) FROM contacts r WHERE r.campaign_id = ` + campaign + ` AND r.status = 'released' AND ` + callback + `))`
}

// CountForPacing counts the agents and calls a progressive pass weighs;
// groupID 0 is a campaign without a group.
func CountForPacing(ctx context.Context, tx *gorm.DB, campaignID, groupID uint64, unusedAfter time.Duration) (PacingCounts, error) {
	var n PacingCounts
	err := tx.WithContext(ctx).Raw(`SELECT
		count(*) FILTER (WHERE NOT t.via_group) AS free_agents,
		count(*) FILTER (WHERE t.via_group) AS shared_agents,
		`+campaignCalls("@c", false)+` AS in_flight,
		`+campaignCalls("@c", true)+` AS personal,
		(SELECT count(*) FROM contacts WHERE status = 'released' AND updated_at < now() - make_interval(secs => @since)
		   AND campaign_id IN (SELECT gc.campaign_id FROM campaign_group_campaigns gc JOIN campaigns p ON p.id = gc.campaign_id
		                       WHERE gc.campaign_group_id = @g AND p.pacing_mode <> 'preview')) AS unused
		FROM agents a JOIN campaign_serving_teams t ON t.team_id = a.team_id
		WHERE t.campaign_id = @c AND a.state = 'available'`,
		map[string]any{"c": campaignID, "g": groupID, "since": unusedAfter.Seconds(), "ringing": RingingAtMost.Seconds()}).Scan(&n).Error
	if err != nil {
		return n, fmt.Errorf("count agents and calls of campaign %d: %w", campaignID, err)
	}
	return n, nil
}

// AgentPool is the agents a progressive campaign shares with other
// progressive campaigns, and those campaigns: the teams that serve the
// campaign, the progressive campaigns those teams serve, their teams, and
// so on. An agent's lines are one budget across all of them.
type AgentPool struct {
	Teams []uint64
	// Free and Held are, per team, its available agents and those of
	// them a personal callback holds (HoldForCallback).
	Free, Held []int
	Campaigns  []PoolCampaign
}

// PoolCampaign is a progressive campaign of an agent pool, the one longest
// held back by the pool's agents first.
type PoolCampaign struct {
	ID            uint64
	Active        bool
	LinesPerAgent int
	// WantsAgents: its last pass released fewer calls than it would have,
	// for the calls in flight of the campaigns it shares agents with.
	WantsAgents bool
	// InFlight are its calls any agent of its teams may have to take.
	InFlight int
	// Teams are the indexes in AgentPool.Teams of the teams serving it.
	Teams []int `gorm:"-"`
}

// LockAgentPool reads the campaign's agent pool, which stays locked until
// tx ends: the pacers of campaigns that share agents take turns, so two
// passes never both count the same free lines.
func LockAgentPool(ctx context.Context, tx *gorm.DB, campaignID uint64) (*AgentPool, error) {
	db := tx.WithContext(ctx)
	p := &AgentPool{}
	err := db.Raw(`WITH RECURSIVE pool(team_id) AS (
			SELECT team_id FROM campaign_serving_teams WHERE campaign_id = ?
			UNION
			SELECT s2.team_id FROM pool
			JOIN campaign_serving_teams s1 ON s1.team_id = pool.team_id
			JOIN campaigns c ON c.id = s1.campaign_id AND c.pacing_mode <> 'preview'
			JOIN campaign_serving_teams s2 ON s2.campaign_id = s1.campaign_id
		) SELECT team_id FROM pool ORDER BY team_id`, campaignID).Scan(&p.Teams).Error
	if err != nil || len(p.Teams) == 0 {
		return p, wrapPool(campaignID, err)
	}
	// In the teams' order, so that two passes never wait for each other.
	for _, team := range p.Teams {
		if err := db.Exec(`SELECT pg_advisory_xact_lock(hashtextextended(?, 0))`, "outdial agent pool "+strconv.FormatUint(team, 10)).Error; err != nil {
			return nil, wrapPool(campaignID, err)
		}
	}
	var agents []struct {
		TeamID     uint64
		Free, Held int
	}
	if err := db.Raw(`SELECT team_id, count(*) AS free, count(*) FILTER (WHERE held_until > now()) AS held
		FROM agents WHERE team_id IN ? AND state = 'available' GROUP BY team_id`, p.Teams).Scan(&agents).Error; err != nil {
		return nil, wrapPool(campaignID, err)
	}
	index := make(map[uint64]int, len(p.Teams))
	p.Free, p.Held = make([]int, len(p.Teams)), make([]int, len(p.Teams))
	for i, t := range p.Teams {
		index[t] = i
	}
	for _, a := range agents {
		p.Free[index[a.TeamID]], p.Held[index[a.TeamID]] = a.Free, a.Held
	}
	if err := db.Raw(`SELECT c.id, c.status = 'active' AS active,
			CASE WHEN c.pacing_mode = 'predictive' THEN ceil(c.max_lines_per_agent)::int ELSE c.lines_per_agent END AS lines_per_agent, c.wants_agents_since IS NOT NULL AS wants_agents,
		`+campaignCalls("c.id", false)+` AS in_flight
		FROM campaigns c WHERE c.pacing_mode <> 'preview' AND c.id IN (SELECT campaign_id FROM campaign_serving_teams WHERE team_id IN @teams)
		ORDER BY c.wants_agents_since NULLS LAST, c.id`, map[string]any{"teams": p.Teams, "ringing": RingingAtMost.Seconds()}).Scan(&p.Campaigns).Error; err != nil {
		return nil, wrapPool(campaignID, err)
	}
	var serving []struct{ CampaignID, TeamID uint64 }
	if err := db.Raw(`SELECT campaign_id, team_id FROM campaign_serving_teams WHERE team_id IN ?`, p.Teams).Scan(&serving).Error; err != nil {
		return nil, wrapPool(campaignID, err)
	}
	for i := range p.Campaigns {
		for _, s := range serving {
			if s.CampaignID == p.Campaigns[i].ID {
				p.Campaigns[i].Teams = append(p.Campaigns[i].Teams, index[s.TeamID])
			}
		}
	}
	return p, nil
}

func wrapPool(campaignID uint64, err error) error {
	if err != nil {
		return fmt.Errorf("agent pool of campaign %d: %w", campaignID, err)
	}
	return nil
}

// WantAgents records whether a campaign's pass was held back by the agents
// it shares; it writes only a change.
func WantAgents(ctx context.Context, db *gorm.DB, campaignID uint64, wants bool) error {
	err := db.WithContext(ctx).Exec(`UPDATE campaigns SET wants_agents_since = CASE WHEN @wants THEN now() END
		WHERE id = @id AND (wants_agents_since IS NULL) = @wants`, map[string]any{"wants": wants, "id": campaignID}).Error
	if err != nil {
		return fmt.Errorf("record whether campaign %d wants agents: %w", campaignID, err)
	}
	return nil
}

// DueCallback is a due personal callback whose agent is available.
type DueCallback struct {
	ContactID, AgentID, TeamID uint64
	// Held: the agent is held for a personal callback already.
	Held bool
}

// DueCallbacks are the campaign's due personal callbacks in zones whose
// agents are available and serve the campaign: for each agent, its
// callback with the highest priority, then the earliest due time.
func DueCallbacks(ctx context.Context, tx *gorm.DB, campaignID uint64, zones []string) ([]DueCallback, error) {
	var out []DueCallback
	err := tx.WithContext(ctx).Raw(`SELECT DISTINCT ON (a.id) c.id AS contact_id, a.id AS agent_id, a.team_id, coalesce(a.held_until > now(), false) AS held
		FROM contacts c JOIN contact_lists l ON l.id = c.list_id JOIN agents a ON a.id::text = c.pcb_agent
		WHERE c.campaign_id = @c AND c.time_zone IN @zones AND `+dueContact+` AND `+personalCallback("c")+`
		  AND a.state = 'available' AND a.team_id IN (SELECT team_id FROM campaign_serving_teams WHERE campaign_id = @c)
		ORDER BY a.id, c.priority DESC, c.next_due_at NULLS FIRST, c.id`, map[string]any{"c": campaignID, "zones": zones}).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("due personal callbacks of campaign %d: %w", campaignID, err)
	}
	return out, nil
}

// ReserveForCallback marks a due personal callback released and reserves
// its agent for the call, in one step: neither happens unless the agent is
// still available and the contact still waits. It returns the contact,
// whose PCBAgent is the agent, and false when either changed.
func ReserveForCallback(ctx context.Context, tx *gorm.DB, cb DueCallback) (Contact, bool, error) {
	var out []Contact
	err := tx.WithContext(ctx).Raw(`WITH agent AS (
		SELECT id FROM agents WHERE id = @agent AND state = 'available' FOR UPDATE
	), contact AS (
		UPDATE contacts SET status = 'released', updated_at = now()
		WHERE id = @contact AND status IN ('new', 'ready') AND pcb_agent = @pcbAgent AND EXISTS (SELECT 1 FROM agent)
		  AND EXISTS (SELECT 1 FROM campaigns p WHERE p.id = contacts.campaign_id AND p.status = 'active') -- a pause wins over a pass in flight
		RETURNING id, campaign_id, attempt_count, pcb_agent
	), reserved AS (
		UPDATE agents SET state = @state, `+agentStamp+`, held_until = NULL, callback_contact_id = @contact
		WHERE id IN (SELECT id FROM agent) AND EXISTS (SELECT 1 FROM contact)
	)
	SELECT * FROM contact`, map[string]any{"agent": cb.AgentID, "pcbAgent": strconv.FormatUint(cb.AgentID, 10), "contact": cb.ContactID, "state": AgentReserved, "reason": ReservedForCallback}).Scan(&out).Error
	if err != nil {
		return Contact{}, false, fmt.Errorf("reserve agent %d for the personal callback of contact %d: %w", cb.AgentID, cb.ContactID, err)
	}
	if len(out) == 0 {
		return Contact{}, false, nil
	}
	return out[0], true, nil
}

// HoldForCallback holds an available agent for a personal callback for a
// while: no pacer releases a new call for it (LockAgentPool counts it
// held), so the calls in flight that may land on it drain and the callback
// gets it.
func HoldForCallback(ctx context.Context, tx *gorm.DB, agentID uint64, hold time.Duration) error {
	err := tx.WithContext(ctx).Exec(`UPDATE agents SET held_until = now() + make_interval(secs => ?) WHERE id = ? AND state = 'available'`,
		hold.Seconds(), agentID).Error
	if err != nil {
		return fmt.Errorf("hold agent %d for a personal callback: %w", agentID, err)
	}
	return nil
}

// FreeCallbackReservations makes available again the agents reserved for a
// personal callback whose contact is no longer released or being dialed:
// its call ended without reaching the agent (or was never placed, or its
// release failed), and nothing else moved the agent since.
func FreeCallbackReservations(ctx context.Context, db *gorm.DB) error {
	err := db.WithContext(ctx).Exec(`UPDATE agents a SET `+AgentStateSet+`
		WHERE a.state = 'reserved' AND a.callback_contact_id IS NOT NULL
		  AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = a.callback_contact_id AND c.status IN ('released', 'dialing'))`,
		map[string]any{"state": AgentAvailable, "reason": "personal callback ended"}).Error
	if err != nil {
		return fmt.Errorf("free agents of ended personal callbacks: %w", err)
	}
	return nil
}

// AdaptBuffer records a group's adapted buffer, unless it changed less than
// every ago: one burst of passes must not grow or shrink it many times
// over. A pass that leaves the size as it is does not restart the period.
func AdaptBuffer(ctx context.Context, tx *gorm.DB, groupID uint64, size int, every time.Duration) error {
	err := tx.WithContext(ctx).Exec(`UPDATE campaign_groups SET buffer_size = ?, buffer_adapted_at = now()
		WHERE id = ? AND buffer_size <> ? AND (buffer_adapted_at IS NULL OR buffer_adapted_at <= now() - make_interval(secs => ?))`,
		size, groupID, size, every.Seconds()).Error
	if err != nil {
		return fmt.Errorf("buffer of campaign group %d: %w", groupID, err)
	}
	return nil
}

// RequestPassesForAgent asks for a pacing pass of the agent's active
// campaigns, and returns those whose pacers need a wake signal: the others
// have a request waiting already, and the pass it brings will count this
// agent (see TakePassRequest).
func RequestPassesForAgent(ctx context.Context, db *gorm.DB, agentID uint64) ([]uint64, error) {
	return requestPasses(ctx, db, `SELECT t.campaign_id FROM campaign_serving_teams t JOIN agents a ON a.team_id = t.team_id WHERE a.id = ?`, agentID)
}

// RequestPass asks for a pacing pass of an active campaign, as
// RequestPassesForAgent does.
func RequestPass(ctx context.Context, db *gorm.DB, campaignID uint64) (bool, error) {
	ids, err := requestPasses(ctx, db, `SELECT ?::bigint`, campaignID)
	return len(ids) > 0, err
}

func requestPasses(ctx context.Context, db *gorm.DB, campaigns string, arg any) ([]uint64, error) {
	var ids []uint64
	err := db.WithContext(ctx).Raw(`UPDATE campaigns SET pass_requested = true
		WHERE id IN (`+campaigns+`) AND status = 'active' AND NOT pass_requested RETURNING id`, arg).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("request pacing passes: %w", err)
	}
	return ids, nil
}

// TakePassRequest clears a campaign's pass request as its pass begins,
// before the pass counts anything: an agent available after the clearing
// requests (and signals for) a pass of its own.
func TakePassRequest(ctx context.Context, db *gorm.DB, campaignID uint64) error {
	if err := db.WithContext(ctx).Exec(`UPDATE campaigns SET pass_requested = false WHERE id = ? AND pass_requested`, campaignID).Error; err != nil {
		return fmt.Errorf("take the pass request of campaign %d: %w", campaignID, err)
	}
	return nil
}

// GiveBackStaleReleases gives back a campaign's contacts released longer
// than after ago whose workflows never took them (their worker died
// between the release and its signal), except those on a preview card.
func GiveBackStaleReleases(ctx context.Context, db *gorm.DB, campaignID uint64, after time.Duration) error {
	err := db.WithContext(ctx).Exec(`UPDATE contacts SET status = `+UnreleasedStatus+`, updated_at = now()
		WHERE campaign_id = ? AND status = 'released' AND updated_at < now() - make_interval(secs => ?)
		  AND NOT EXISTS (SELECT 1 FROM previews p WHERE p.contact_id = contacts.id AND p.state = 'offered')`, campaignID, after.Seconds()).Error
	if err != nil {
		return fmt.Errorf("give back stale releases of campaign %d: %w", campaignID, err)
	}
	return nil
}

// ExpirePreviews gives back the contacts of preview cards no agent answered
// in time, and frees their agents, in one transaction: a card is never
// expired with its contact still held.
func ExpirePreviews(ctx context.Context, db *gorm.DB) error {
	err := db.WithContext(ctx).Exec(`WITH expired AS (
		UPDATE previews SET state = 'expired', answered_at = now()
		WHERE state = 'offered' AND expires_at < now() RETURNING agent_id, contact_id
	), contacts_back AS (
		UPDATE contacts SET status = `+UnreleasedStatus+`, updated_at = now()
		WHERE status = 'released' AND id IN (SELECT contact_id FROM expired)
	)
	UPDATE agents SET `+AgentStateSet+`
	WHERE state = 'reserved' AND id IN (SELECT agent_id FROM expired)`, map[string]any{"state": AgentIdle, "reason": "preview card expired"}).Error
	if err != nil {
		return fmt.Errorf("expire preview cards: %w", err)
	}
	return nil
}

// WaitingZones are the zones of a campaign's contacts that wait for the
// pacer (new or ready, due or not).
func WaitingZones(ctx context.Context, db *gorm.DB, campaignID uint64) ([]string, error) {
	var zones []string
	if err := db.WithContext(ctx).Raw(`SELECT DISTINCT time_zone FROM contacts WHERE campaign_id = ? AND status IN ('new', 'ready')`,
		campaignID).Scan(&zones).Error; err != nil {
		return nil, fmt.Errorf("zones of campaign %d: %w", campaignID, err)
	}
	return zones, nil
}

// CallsRinging counts the calls ringing now (attempts without an outcome,
// for RingingAtMost at most) of each active or paused campaign, and of any
// other campaign that has some: an active campaign without any shows 0.
// The partial index attempts_ringing_idx keeps it to the open attempts.
func CallsRinging(ctx context.Context, db *gorm.DB) (map[uint64]int, error) {
	var rows []struct {
		CampaignID uint64
		N          int
	}
	if err := db.WithContext(ctx).Raw(`WITH ringing AS (
		  SELECT campaign_id, count(*) AS n FROM attempts
		  WHERE ended_at IS NULL AND telephony_outcome = '' AND started_at > now() - make_interval(secs => ?)
		  GROUP BY campaign_id)
		SELECT c.id AS campaign_id, coalesce(r.n, 0) AS n FROM campaigns c LEFT JOIN ringing r ON r.campaign_id = c.id
		WHERE c.status IN ('active', 'paused') OR r.n > 0`, RingingAtMost.Seconds()).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count calls ringing: %w", err)
	}
	out := make(map[uint64]int, len(rows))
	for _, r := range rows {
		out[r.CampaignID] = r.N
	}
	return out, nil
}

// AgentsByState counts the agents in each state, every state named.
func AgentsByState(ctx context.Context, db *gorm.DB) (map[string]int, error) {
	var rows []struct {
		State string
		N     int
	}
	if err := db.WithContext(ctx).Raw(`SELECT state, count(*) AS n FROM agents GROUP BY state`).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count agents by state: %w", err)
	}
	out := map[string]int{}
	for _, s := range AgentStates {
		out[s] = 0
	}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out, nil
}
