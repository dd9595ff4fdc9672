package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/outdial/outdial/internal/contract"
)

// List statuses. An importing list is not dialed yet; a failed one never is.
const (
	ListImporting = "importing"
	ListActive    = "active"
	ListStopped   = "stopped"
	ListExpired   = "expired"
	ListFailed    = "failed"
)

// ListMapping says which file column feeds what.
type ListMapping struct {
	// Modes maps a mode name to the file column holding its number.
	Modes map[string]string `json:"modes"`
	// TimeZone is the column with the contact's zone (a display name or IANA).
	TimeZone string `json:"time_zone,omitempty"`
	// ExternalKey is the column identifying the contact in the customer's systems.
	ExternalKey string `json:"external_key,omitempty"`
	// ExpiresAt is, for DNC uploads, the column with each entry's expiry.
	ExpiresAt string `json:"expires_at,omitempty"`
	// Number is, for DNC uploads, the column with the number.
	Number string `json:"number,omitempty"`
}

// ContactList is one upload to a campaign (or to a DNC list), with its
// statistics as the seed's contact-list screen shows them.
type ContactList struct {
	ID           uint64                 `gorm:"primaryKey"`
	CampaignID   *uint64                ``
	DNCListID    *uint64                `gorm:"column:dnc_list_id"`
	GlobalListID string                 ``
	Status       string                 ``
	Error        string                 ``
	Type         string                 ``
	SubType      string                 ``
	FileName     string                 ``
	FilePath     string                 ``
	FileSize     int64                  ``
	Delimiter    string                 ``
	Sheet        string                 ``
	Mapping      JSONValue[ListMapping] `gorm:"type:jsonb"`
	Columns      JSONList[string]       `gorm:"type:jsonb"`
	StartTime    time.Time              ``
	EndTime      time.Time              ``
	RowsRead     int64                  ``
	RowsTotal    int64                  ``
	Progress     float64                ``
	ListStats
	ImportedAt *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ListStats are an import's counters. Processed is every non-blank data
// row; it equals Uploaded + Failed + Duplicate + DNCSuppressed.
type ListStats struct {
	Processed             int64
	Uploaded              int64
	Failed                int64
	Duplicate             int64
	DNCSuppressed         int64 `gorm:"column:dnc_suppressed"`
	ModeFailed            int64
	DNCNdncContacts       int64 `gorm:"column:dnc_ndnc_contacts"`
	DNCNdncModes          int64 `gorm:"column:dnc_ndnc_modes"`
	DNCCorporateContacts  int64 `gorm:"column:dnc_corporate_contacts"`
	DNCCorporateModes     int64 `gorm:"column:dnc_corporate_modes"`
	DNCComplianceContacts int64 `gorm:"column:dnc_compliance_contacts"`
	DNCComplianceModes    int64 `gorm:"column:dnc_compliance_modes"`
	DNCLitigationContacts int64 `gorm:"column:dnc_litigation_contacts"`
	DNCLitigationModes    int64 `gorm:"column:dnc_litigation_modes"`
}

// DNCCounts returns the contacts and modes counters of a DNC category.
func (s *ListStats) DNCCounts(category string) (contacts, modes *int64) {
	switch category {
	case "ndnc":
		return &s.DNCNdncContacts, &s.DNCNdncModes
	case "corporate":
		return &s.DNCCorporateContacts, &s.DNCCorporateModes
	case "compliance":
		return &s.DNCComplianceContacts, &s.DNCComplianceModes
	case "litigation":
		return &s.DNCLitigationContacts, &s.DNCLitigationModes
	}
	return new(int64), new(int64)
}

// Add adds o's counters to s.
func (s *ListStats) Add(o ListStats) {
	s.Processed += o.Processed
	s.Uploaded += o.Uploaded
	s.Failed += o.Failed
	s.Duplicate += o.Duplicate
	s.DNCSuppressed += o.DNCSuppressed
	s.ModeFailed += o.ModeFailed
	for _, c := range DNCCategories {
		sc, sm := s.DNCCounts(c)
		oc, om := o.DNCCounts(c)
		*sc += *oc
		*sm += *om
	}
}

// ContactNumber is one dialable number of a contact.
type ContactNumber struct {
	Mode   string `json:"mode"`
	Number string `json:"number"`
	// TimeZone is the number's own zone: from its area code, else the
	// contact's.
	TimeZone string `json:"time_zone"`
	// DeclaredZone is the zone the list declared for the contact, where it
	// differs from the number's own: both windows must be open to dial.
	DeclaredZone string `json:"declared_zone,omitempty"`
}

// Contact statuses.
const (
	ContactNew       = contract.ContactNew       // never dialed: a row, no workflow yet
	ContactScheduled = contract.ContactScheduled // its workflow waits for the due time or a window
	ContactReady     = contract.ContactReady     // due: waits for the pacer to release it
	ContactDialing   = contract.ContactDialing   // an attempt is in progress
	ContactClosed    = contract.ContactClosed
)

// Contact is one person a campaign may call, and where its workflow is.
type Contact struct {
	ID            uint64                       `gorm:"primaryKey"`
	CampaignID    uint64                       ``
	ListID        uint64                       ``
	RowNumber     int64                        ``
	ExternalKey   string                       ``
	Attributes    JSONValue[map[string]string] `gorm:"type:jsonb"`
	Numbers       JSONList[ContactNumber]      `gorm:"type:jsonb"`
	TimeZone      string                       ``
	Status        string                       ``
	Priority      int                          ``
	NextDueAt     *time.Time                   ``
	AttemptCount  int                          ``
	Counters      json.RawMessage              `gorm:"type:jsonb"`
	Mode          string                       ``
	PCBAgent      string                       `gorm:"column:pcb_agent"`
	PCBUntil      *time.Time                   `gorm:"column:pcb_until"` // a duration-reset personal callback turns normal then
	WaitingReason string                       ``
	ClosedReason  string                       ``
	ClosedAt      *time.Time                   ``
	CreatedAt     time.Time                    ``
	UpdatedAt     time.Time                    ``
}

// Attempt is one call placed to a contact, and how it ended.
type Attempt struct {
	ID         string `gorm:"primaryKey" json:"id"`
	ContactID  uint64 `json:"contact_id"`
	CampaignID uint64 `json:"campaign_id"`
	Seq        int    `json:"seq"`
	Mode       string `json:"mode"`
	Number     string `json:"number"`
	// Agent is the ID of the agent the call was connected or reserved to,
	// whoever reported it; AgentName is that agent's name when read.
	Agent      string     `json:"agent"`
	AgentName  string     `gorm:"->;-:migration" json:"agent_name,omitempty"`
	StartedAt  time.Time  `json:"started_at"`
	AnsweredAt *time.Time `json:"answered_at"`
	// ConnectedAt is when an agent was connected to the answered call.
	ConnectedAt      *time.Time `json:"connected_at"`
	EndedAt          *time.Time `json:"ended_at"`
	TelephonyOutcome string     `json:"telephony_outcome"`
	BusinessOutcome  string     `json:"business_outcome"`
	Decision         string     `json:"decision"`
	// Evidence is what the checks saw as the dial request left (see
	// contact.Evidence); empty for attempts that never dialed.
	Evidence json.RawMessage `gorm:"type:jsonb" json:"evidence,omitempty"`
	// DialAcceptedAt is when the dialer accepted the call request; once it
	// has, the request is never sent again.
	DialAcceptedAt *time.Time `json:"dial_accepted_at,omitempty"`
	// AbandonMessageAt is when the dialer played the campaign's abandon
	// message to a person no agent took.
	AbandonMessageAt *time.Time `json:"abandon_message_at,omitempty"`
	// DialedBy is the worker (--worker-name) whose dialer accepted it.
	DialedBy string `json:"dialed_by,omitempty"`
	// TalkEndedAt is when its agent's talk ended and the wrap-up began.
	TalkEndedAt *time.Time `json:"talk_ended_at,omitempty"`
}

// Rejection is a row an import did not store, with why.
type Rejection struct {
	ListID    uint64 `gorm:"primaryKey"`
	RowNumber int64  `gorm:"primaryKey"`
	Kind      string
	Reason    string
	Cells     JSONList[string] `gorm:"type:jsonb"`
}

// TableName is list_rejections.
func (Rejection) TableName() string { return "list_rejections" }

// ErrCheckpointMoved means another attempt of an import committed first.
var ErrCheckpointMoved = errors.New("another attempt of the import moved its checkpoint")

// AddListStats adds a committed batch's counters to its list and moves the
// list's checkpoint from from to rowsRead, in the batch's transaction.
func AddListStats(ctx context.Context, tx pgx.Tx, listID uint64, s ListStats, from, rowsRead int64, progress float64) error {
	tag, err := tx.Exec(ctx, `UPDATE contact_lists SET
		processed = processed + $2, uploaded = uploaded + $3, failed = failed + $4, duplicate = duplicate + $5,
		dnc_suppressed = dnc_suppressed + $6, mode_failed = mode_failed + $7,
		dnc_ndnc_contacts = dnc_ndnc_contacts + $8, dnc_ndnc_modes = dnc_ndnc_modes + $9,
		dnc_corporate_contacts = dnc_corporate_contacts + $10, dnc_corporate_modes = dnc_corporate_modes + $11,
		dnc_compliance_contacts = dnc_compliance_contacts + $12, dnc_compliance_modes = dnc_compliance_modes + $13,
		dnc_litigation_contacts = dnc_litigation_contacts + $14, dnc_litigation_modes = dnc_litigation_modes + $15,
		rows_read = $16, progress = $17, updated_at = now()
		WHERE id = $1 AND rows_read = $18`,
		listID, s.Processed, s.Uploaded, s.Failed, s.Duplicate, s.DNCSuppressed, s.ModeFailed,
		s.DNCNdncContacts, s.DNCNdncModes, s.DNCCorporateContacts, s.DNCCorporateModes,
		s.DNCComplianceContacts, s.DNCComplianceModes, s.DNCLitigationContacts, s.DNCLitigationModes,
		rowsRead, progress, from)
	if err != nil {
		return fmt.Errorf("update statistics of list %d: %w", listID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("list %d at row %d: %w", listID, from, ErrCheckpointMoved)
	}
	return nil
}

// ContactReleased is a contact the pacer handed to its workflow, which has
// not started the attempt yet.
const ContactReleased = contract.ContactReleased

// PreviewOffered is a preview card waiting for its agent's answer.
const PreviewOffered = "offered"

// Preview is a contact card offered to a preview agent.
type Preview struct {
	ID         uint64     `gorm:"primaryKey" json:"id"`
	AgentID    uint64     `json:"agent_id"`
	ContactID  uint64     `json:"contact_id"`
	CampaignID uint64     `json:"campaign_id"`
	State      string     `json:"state" enum:"offered,accepted,skipped,expired" doc:"offered, accepted, skipped or expired."`
	OfferedAt  time.Time  `json:"offered_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	AnsweredAt *time.Time `json:"answered_at"`
}
