package models

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/outdial/outdial/pacing"
)

// Traffic is an ended attempt as a predictive campaign's estimates read
// it.
type Traffic struct {
	TelephonyOutcome                                              string
	StartedAt                                                     time.Time
	DialAcceptedAt, AnsweredAt, ConnectedAt, TalkEndedAt, EndedAt *time.Time
}

// RecentTraffic are the campaign's attempts dialed and ended since since.
func RecentTraffic(ctx context.Context, db *gorm.DB, campaignID uint64, since time.Time) ([]Traffic, error) {
	var out []Traffic
	err := db.WithContext(ctx).Raw(`SELECT telephony_outcome, started_at, dial_accepted_at, answered_at, connected_at, talk_ended_at, ended_at
		FROM attempts WHERE campaign_id = ? AND ended_at >= ? AND dial_accepted_at IS NOT NULL`, campaignID, since).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("recent attempts of campaign %d: %w", campaignID, err)
	}
	return out, nil
}

// SharesAgents reports whether another active or paused campaign, of any
// pacing mode, is served by a team that serves the campaign: its agents
// may be on that campaign's calls.
func SharesAgents(ctx context.Context, db *gorm.DB, campaignID uint64) (bool, error) {
	var shared bool
	err := db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM campaign_serving_teams t
		JOIN campaign_serving_teams o ON o.team_id = t.team_id AND o.campaign_id <> t.campaign_id
		JOIN campaigns c ON c.id = o.campaign_id AND c.status IN ?
		WHERE t.campaign_id = ?)`, []string{CampaignActive, CampaignPaused}, campaignID).Scan(&shared).Error
	if err != nil {
		return false, fmt.Errorf("campaigns sharing the agents of campaign %d: %w", campaignID, err)
	}
	return shared, nil
}

// TalkAtMost bounds how long a call a person answered counts as on while
// its agent stays connected or in wrap-up: an agent's state that was
// never reported again must not hold the number for good.
const TalkAtMost = 12 * time.Hour

// endTalk records that agent id's talk ended as it went from connected to
// wrap_up: on the open attempt of the last TalkAtMost most recently
// connected to it.
func endTalk(tx *gorm.DB, id uint64) error {
	err := tx.Exec(`UPDATE attempts SET talk_ended_at = clock_timestamp() WHERE id = (SELECT id FROM attempts
		WHERE agent = @agent AND started_at > now() - make_interval(secs => @talk) AND connected_at IS NOT NULL AND ended_at IS NULL
		ORDER BY connected_at DESC LIMIT 1) AND talk_ended_at IS NULL`,
		map[string]any{"agent": strconv.FormatUint(id, 10), "talk": TalkAtMost.Seconds()}).Error
	if err != nil {
		return fmt.Errorf("end the talk of agent %d: %w", id, err)
	}
	return nil
}

// CallsNow are a campaign's calls in flight as a predictive pass sees them.
type CallsNow struct {
	// Ringing are the ages of the calls not yet answered: released
	// contacts not yet dialed count as just placed.
	Ringing []time.Duration
	// Waiting are calls a person answered that no agent has taken yet.
	Waiting int
	// DialedLastMinute are the attempts dialed in the last minute.
	DialedLastMinute int
	// Busy are the campaign's teams' agents on a call (connected) or
	// wrapping one up, and for how long so far.
	Busy []pacing.BusyAgent
}

// CountCallsNow reads the campaign's calls in flight and busy agents.
func CountCallsNow(ctx context.Context, db *gorm.DB, campaignID uint64) (CallsNow, error) {
	var n CallsNow
	var ringing []float64
	db = db.WithContext(ctx)
	err := db.Raw(`SELECT extract(epoch FROM clock_timestamp() - COALESCE(dial_accepted_at, started_at)) FROM attempts
		WHERE campaign_id = @c AND ended_at IS NULL AND telephony_outcome = '' AND started_at > now() - make_interval(secs => @ringing)
		UNION ALL SELECT 0 FROM contacts WHERE campaign_id = @c AND status = 'released'`,
		map[string]any{"c": campaignID, "ringing": RingingAtMost.Seconds()}).Scan(&ringing).Error
	if err != nil {
		return n, fmt.Errorf("calls in flight of campaign %d: %w", campaignID, err)
	}
	for _, s := range ringing {
		n.Ringing = append(n.Ringing, time.Duration(s*float64(time.Second)))
	}
	var counts struct{ Waiting, Dialed int }
	err = db.Raw(`SELECT count(*) FILTER (WHERE ended_at IS NULL AND answered_at IS NOT NULL AND connected_at IS NULL AND telephony_outcome IN ('', 'voice')) AS waiting,
		count(*) FILTER (WHERE dial_accepted_at > now() - interval '1 minute') AS dialed
		FROM attempts WHERE campaign_id = ? AND started_at > now() - make_interval(secs => ?)`, campaignID, RingingAtMost.Seconds()).Scan(&counts).Error
	if err != nil {
		return n, fmt.Errorf("calls in flight of campaign %d: %w", campaignID, err)
	}
	n.Waiting, n.DialedLastMinute = counts.Waiting, counts.Dialed
	var busy []struct {
		Talking bool
		Elapsed float64
	}
	err = db.Raw(`SELECT a.state = ? AS talking, extract(epoch FROM clock_timestamp() - a.state_changed_at) AS elapsed
		FROM agents a JOIN campaign_serving_teams t ON t.team_id = a.team_id
		WHERE t.campaign_id = ? AND a.state IN (?, ?)`, AgentConnected, campaignID, AgentConnected, AgentWrapUp).Scan(&busy).Error
	if err != nil {
		return n, fmt.Errorf("busy agents of campaign %d: %w", campaignID, err)
	}
	for _, b := range busy {
		n.Busy = append(n.Busy, pacing.BusyAgent{Talking: b.Talking, Elapsed: time.Duration(b.Elapsed * float64(time.Second))})
	}
	return n, nil
}
