// Package models holds Outdial's gorm models, its versioned SQL migrations and
// the queries the API, the activities and the pacer share. JSON tags are the
// admin API's field names, so one name serves code, API and database.
package models

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Base is the identity and timestamps every configuration object carries.
type Base struct {
	ID        uint64    `gorm:"primaryKey" json:"id" readonly:"true" doc:"The object's ID, given by Outdial."`
	CreatedAt time.Time `json:"created_at" readonly:"true" doc:"When the object was created."`
	UpdatedAt time.Time `json:"updated_at" readonly:"true" doc:"When the object was last changed."`
}

// ReadOnly are the JSON names of t's fields tagged readonly:"true", its
// embedded structs' included: Outdial sets them, a request body may not.
// t may be a pointer, slice or array of the struct.
func ReadOnly(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for f := range t.Fields() {
		if f.Anonymous {
			out = append(out, ReadOnly(f.Type)...)
			continue
		}
		if f.Tag.Get("readonly") == "true" {
			out = append(out, strings.Split(f.Tag.Get("json"), ",")[0])
		}
	}
	return out
}

// Key returns the object's ID.
func (b *Base) Key() uint64 { return b.ID }

// SetKey sets the object's ID, as an update names it in the path.
func (b *Base) SetKey(id uint64) { b.ID = id }

// Stamps returns the creation time, so an update can keep it.
func (b *Base) Stamps() time.Time { return b.CreatedAt }

// SetStamps keeps the creation time through an update.
func (b *Base) SetStamps(created time.Time) { b.CreatedAt = created }

// JSONList is a list stored in a jsonb column.
type JSONList[T any] []T

// Value implements driver.Valuer.
func (l JSONList[T]) Value() (driver.Value, error) {
	if l == nil {
		return "[]", nil
	}
	b, err := json.Marshal([]T(l))
	if err != nil {
		return nil, fmt.Errorf("encode json list: %w", err)
	}
	return string(b), nil
}

// Scan implements sql.Scanner.
func (l *JSONList[T]) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		*l = nil
		return nil
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return fmt.Errorf("scan json list: unexpected %T", src)
	}
	return json.Unmarshal(b, (*[]T)(l))
}

// Mode is a kind of number a contact can have ("Mobile", "Home", "Office").
type Mode struct {
	Base
	Name        string `json:"name" required:"true"`
	Description string `json:"description"`
	MinLength   int    `json:"min_length"`
	MaxLength   int    `json:"max_length"`
}

// TimeZone is a zone administrators enable for calling, with its hours.
type TimeZone struct {
	Base
	DisplayName string `json:"display_name" required:"true"`
	IANAZone    string `gorm:"column:iana_zone" json:"iana_zone"`
	Enabled     bool   `json:"enabled"`
	StartTime   string `json:"start_time"`
	EndTime     string `json:"end_time"`
}

// OutcomeGroup is a business outcome group: the agents' wrap-up codes.
type OutcomeGroup struct {
	Base
	Name           string            `json:"name" required:"true"`
	Description    string            `json:"description"`
	ParentOutcomes JSONList[string]  `gorm:"type:jsonb" json:"parent_outcomes"`
	Outcomes       []BusinessOutcome `gorm:"foreignKey:OutcomeGroupID" json:"outcomes"`
}

// Outcome types.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
)

// BusinessOutcome is one wrap-up code and what it does to the contact.
type BusinessOutcome struct {
	ID             uint64 `gorm:"primaryKey" json:"id"`
	OutcomeGroupID uint64 `json:"-"`
	Position       int    `json:"-"`
	Name           string `json:"name" required:"true"`
	Parent         string `json:"parent"`
	Type           string `json:"type" enum:"success,failure" doc:"Whether the outcome is a success or a failure."`
	Reschedule     string `json:"reschedule"`
	MaxRetry       int    `json:"max_retry"`
	Priority       int    `json:"priority"`
	CloseContact   bool   `json:"close_contact"`
	RetainPCB      bool   `gorm:"column:retain_pcb" json:"retain_pcb"`
}

// ContactStrategy holds one rule per telephony outcome and the mode order.
type ContactStrategy struct {
	Base
	Name        string         `json:"name" required:"true"`
	Description string         `json:"description"`
	Type        string         `json:"type" enum:"simple,advanced,callback" doc:"simple, advanced or callback."`
	ModeIDs     []uint64       `gorm:"-" json:"mode_ids"`
	Rules       []StrategyRule `gorm:"foreignKey:ContactStrategyID" json:"rules"`
}

// Branch modes.
const (
	BranchDefault  = "default"
	BranchNextMode = "next_mode"
)

// StrategyRule is what one telephony outcome does to the contact.
type StrategyRule struct {
	ID                uint64 `gorm:"primaryKey" json:"id"`
	ContactStrategyID uint64 `json:"-"`
	Position          int    `json:"-"`
	TelephonyOutcome  string `json:"telephony_outcome"`
	Reschedule        string `json:"reschedule"`
	MaxRetry          int    `json:"max_retry"`
	Priority          int    `json:"priority"`
	BranchMode        string `json:"branch_mode"`
	RetainPCB         bool   `gorm:"column:retain_pcb" json:"retain_pcb"`
	CloseContact      bool   `json:"close_contact"`
	RemoveMode        bool   `json:"remove_mode"`
}

// CallbackStrategy decides when a personal callback becomes a normal one.
type CallbackStrategy struct {
	Base
	Name                       string `json:"name" required:"true"`
	Description                string `json:"description"`
	PCBToNCBReset              string `gorm:"column:pcb_to_ncb_reset" json:"pcb_to_ncb_reset"`
	AttemptsToReachAgent       int    `json:"attempts_to_reach_agent"`
	PCBToNCBDuration           string `gorm:"column:pcb_to_ncb_duration" json:"pcb_to_ncb_duration"`
	ResetDailyAndGlobalRetries bool   `json:"reset_daily_and_global_retries"`
}

// EntryPoint is the dialer adapter's target for a campaign's calls.
type EntryPoint struct {
	Base
	Name        string `json:"name" required:"true"`
	Description string `json:"description"`
	Type        string `json:"type" enum:"outdial" doc:"The entry point's type: outdial."`
	PrimaryURL  string `gorm:"column:primary_url" json:"primary_url"`
	BackupURL   string `gorm:"column:backup_url" json:"backup_url"`
	Channel     string `json:"channel"`
	Status      string `json:"status" enum:"active,inactive" doc:"Whether calls may be placed through the entry point."`
	Queue       string `json:"queue"`
	Dialer      string `json:"dialer"`
	// Secret signs webhook call requests; it is never shown back.
	Secret    string `json:"secret,omitempty"`
	HasSecret bool   `gorm:"-" json:"has_secret"`
}

// DNC categories.
var DNCCategories = []string{"ndnc", "corporate", "compliance", "litigation"}

// DNCList is a do-not-call list; its entries are a sub-resource.
type DNCList struct {
	Base
	Name        string     `json:"name" required:"true"`
	Description string     `json:"description"`
	Category    string     `json:"category"`
	Scope       string     `json:"scope" enum:"global,campaign" doc:"global: every campaign checks the list; campaign: those that name it in dnc_list_ids."`
	Entries     []DNCEntry `gorm:"foreignKey:DNCListID" json:"entries,omitempty"`
	EntryCount  int64      `gorm:"-" json:"entry_count"`
}

// TableName keeps gorm from spelling it "d_n_c_lists".
func (DNCList) TableName() string { return "dnc_lists" }

// DNCEntry is one number on a DNC list, optionally until an expiry time.
type DNCEntry struct {
	DNCListID uint64     `gorm:"column:dnc_list_id;primaryKey" json:"-"`
	Number    string     `gorm:"primaryKey" json:"number"`
	ExpiresAt *time.Time `json:"expires_at"`
	CreatedAt time.Time  `json:"created_at"`
}

// TableName keeps gorm from spelling it "d_n_c_entries".
func (DNCEntry) TableName() string { return "dnc_entries" }

// CampaignGroup sizes the buffer of contacts handed to the dialer and
// splits its contacts between its campaigns.
type CampaignGroup struct {
	Base
	Name                  string `json:"name" required:"true"`
	Description           string `json:"description"`
	Enabled               bool   `json:"enabled"`
	InitialContacts       int    `json:"initial_contacts"`
	IncrementPercent      int    `json:"increment_percent"`
	DecrementPercent      int    `json:"decrement_percent"`
	UpperThresholdPercent int    `json:"upper_threshold_percent"`
	// BufferSize is the pacer's current buffer (read-only; 0 until it starts).
	BufferSize      int                     `gorm:"->" json:"buffer_size"`
	BufferAdaptedAt *time.Time              `gorm:"->" json:"buffer_adapted_at"`
	Campaigns       []CampaignGroupCampaign `gorm:"foreignKey:CampaignGroupID" json:"campaigns"`
	TimeZones       []CampaignGroupTimeZone `gorm:"foreignKey:CampaignGroupID" json:"time_zones"`
}

// CampaignGroupCampaign is a campaign's share of its group.
type CampaignGroupCampaign struct {
	CampaignGroupID       uint64 `gorm:"primaryKey" json:"-"`
	CampaignID            uint64 `gorm:"primaryKey" json:"campaign_id"`
	Position              int    `json:"-"`
	DeliverablePercentage int    `json:"deliverable_percentage"`
}

// CampaignGroupTimeZone is a zone the group calls in, with its hours.
type CampaignGroupTimeZone struct {
	CampaignGroupID uint64 `gorm:"primaryKey" json:"-"`
	TimeZoneID      uint64 `gorm:"primaryKey" json:"time_zone_id"`
	Position        int    `json:"-"`
	Enabled         bool   `json:"enabled"`
	StartTime       string `json:"start_time"`
	EndTime         string `json:"end_time"`
}

// Team is a group of agents; only mapped teams get a campaign's contacts.
type Team struct {
	Base
	Name             string   `json:"name" required:"true"`
	Description      string   `json:"description"`
	Site             string   `json:"site"`
	CampaignIDs      []uint64 `gorm:"-" json:"campaign_ids"`
	CampaignGroupIDs []uint64 `gorm:"-" json:"campaign_group_ids"`
}

// Campaign lifecycle states.
const (
	CampaignDraft     = "draft"
	CampaignActive    = "active"
	CampaignPaused    = "paused"
	CampaignStopped   = "stopped"
	CampaignCompleted = "completed"
)

// Pacing modes.
const (
	PacingPreview     = "preview"
	PacingProgressive = "progressive"
	PacingPredictive  = "predictive"
)

// Campaign is an outbound campaign and every setting its dialing follows.
type Campaign struct {
	Base
	Name                       string   `json:"name" required:"true"`
	Description                string   `json:"description"`
	Status                     string   `json:"status" readonly:"true" doc:"draft, active, paused, stopped or completed: changed by the campaign's start, pause, resume and stop actions."`
	StartDate                  *Date    `gorm:"type:date" json:"start_date"`
	EndDate                    *Date    `gorm:"type:date" json:"end_date"`
	DailyStartTime             string   `json:"daily_start_time"`
	DailyEndTime               string   `json:"daily_end_time"`
	TimeZoneID                 uint64   `json:"time_zone_id" required:"true"`
	OutcomeGroupID             *uint64  `json:"outcome_group_id"`
	TimeToLiveDays             int      `json:"time_to_live_days"`
	Channel                    string   `json:"channel"`
	ListSharing                string   `json:"list_sharing"`
	PacingMode                 string   `json:"pacing_mode"`
	EntryPointID               *uint64  `json:"entry_point_id"`
	ContactStrategyID          *uint64  `json:"contact_strategy_id"`
	CallbackStrategyID         *uint64  `json:"callback_strategy_id"`
	GlobalRetry                *int     `json:"global_retry"`
	DailyRetry                 *int     `json:"daily_retry"`
	CycleRetry                 *int     `json:"cycle_retry"`
	CycleRetryInterval         string   `json:"cycle_retry_interval"`
	ResetDailyAndGlobalRetries bool     `json:"reset_daily_and_global_retries"`
	PCBToNCBReset              *string  `gorm:"column:pcb_to_ncb_reset" json:"pcb_to_ncb_reset"`
	AttemptsToReachAgent       *int     `json:"attempts_to_reach_agent"`
	DefaultDelay               string   `json:"default_delay"`
	LinesPerAgent              int      `json:"lines_per_agent"`
	PreviewTimeoutSeconds      int      `json:"preview_timeout_seconds"`
	FrequencyCapAttempts       *int     `json:"frequency_cap_attempts"`
	FrequencyCapPeriod         string   `json:"frequency_cap_period"`
	DefaultRegion              string   `json:"default_region"`
	AbandonTargetPercent       float64  `json:"abandon_target_percent"`
	MaxLinesPerAgent           float64  `json:"max_lines_per_agent"`
	SmallTeamAgents            int      `json:"small_team_agents"`
	MinRingSeconds             int      `gorm:"default:15" json:"min_ring_seconds"`
	AbandonMessage             string   `json:"abandon_message"`
	AbandonedRetryDelay        string   `json:"abandoned_retry_delay"`
	TeamIDs                    []uint64 `gorm:"-" json:"team_ids"`
	DNCListIDs                 []uint64 `gorm:"-" json:"dnc_list_ids"`
}

// PlacesCalls: the pacer places the campaign's calls for its free agents
// (progressive, predictive), rather than its agents asking for cards.
func (c *Campaign) PlacesCalls() bool { return c.PacingMode != PacingPreview }

// Agent states.
const (
	AgentIdle      = "idle"
	AgentNotReady  = "not_ready"
	AgentAvailable = "available"
	AgentReserved  = "reserved"
	AgentConnected = "connected"
	AgentWrapUp    = "wrap_up"
)

// AgentStates are every state an agent can be in.
var AgentStates = []string{AgentIdle, AgentNotReady, AgentAvailable, AgentReserved, AgentConnected, AgentWrapUp}

// Agent is a person who takes the campaign's calls.
type Agent struct {
	Base
	Name           string    `json:"name" required:"true"`
	TeamID         *uint64   `json:"team_id"`
	State          string    `json:"state" readonly:"true" doc:"The agent's state, as it reports it (PUT /agents/{id}/state) and as calls are offered."`
	StateReason    string    `json:"state_reason" readonly:"true" doc:"Why the agent is in its state (a not-ready or wrap-up reason)."`
	StateChangedAt time.Time `json:"state_changed_at" readonly:"true" doc:"When the agent's state last changed."`
}

// JSONValue is a value stored in a jsonb column.
type JSONValue[T any] struct{ V T }

// Value implements driver.Valuer.
func (j JSONValue[T]) Value() (driver.Value, error) {
	b, err := json.Marshal(j.V)
	if err != nil {
		return nil, fmt.Errorf("encode json value: %w", err)
	}
	return string(b), nil
}

// Scan implements sql.Scanner.
func (j *JSONValue[T]) Scan(src any) error {
	switch v := src.(type) {
	case []byte:
		return json.Unmarshal(v, &j.V)
	case string:
		return json.Unmarshal([]byte(v), &j.V)
	case nil:
		var zero T
		j.V = zero
		return nil
	}
	return fmt.Errorf("scan json value: unexpected %T", src)
}

// MarshalJSON writes the value itself.
func (j JSONValue[T]) MarshalJSON() ([]byte, error) { return json.Marshal(j.V) }

// UnmarshalJSON reads the value itself.
func (j *JSONValue[T]) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &j.V) }
