// Package contract is what Outdial's workflows and the code that starts and
// signals them agree on: workflow IDs and registered names, signals and
// their payloads, workflow inputs and search attributes. It imports only
// the Temporal SDK, package fault and rule packages, so that domain
// packages can start and signal workflows without importing the workflows
// themselves.
package contract

import (
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/strategy"
)

// Registered workflow names: a history names its workflow by these, so
// they never change with the Go code.
const (
	ContactWorkflow    = "Contact"
	CampaignWorkflow   = "Campaign"
	ImportListWorkflow = "ImportList"
)

// Registered activity names, for the same reason.
const (
	ImportListActivity            = "ImportList"
	FailListActivity              = "FailList"
	StartContactActivity          = "StartContact"
	PrepareAttemptActivity        = "PrepareAttempt"
	DialActivity                  = "Dial"
	FinishAttemptActivity         = "FinishAttempt"
	SetContactStatusActivity      = "SetContactStatus"
	FreeAgentActivity             = "FreeAgent"
	PaceActivity                  = "Pace"
	CloseCampaignContactsActivity = "CloseCampaignContacts"
)

// DialRefused is the error type of a Dial whose checks, run again as the
// call was about to leave, refused it; its message says why.
const DialRefused = "DialRefused"

// Gone is the error type of a contact's activity whose contact, list or
// campaign was deleted: it is not retried, and the workflow ends.
const Gone = "Gone"

// ContactWorkflowID is the ID of a contact's workflow in a campaign.
func ContactWorkflowID(campaignID, contactID uint64) string {
	return fmt.Sprintf("contact/%d/%d", campaignID, contactID)
}

// ContactOfWorkflow is the campaign and contact of a contact's workflow
// ID; ok is false for another workflow's ID.
func ContactOfWorkflow(workflowID string) (campaignID, contactID uint64, ok bool) {
	_, err := fmt.Sscanf(workflowID, "contact/%d/%d", &campaignID, &contactID)
	return campaignID, contactID, err == nil && ContactWorkflowID(campaignID, contactID) == workflowID
}

// CampaignWorkflowID is the ID of a campaign's workflow.
func CampaignWorkflowID(campaignID uint64) string { return fmt.Sprintf("campaign/%d", campaignID) }

// ImportListWorkflowID is the ID of a list's import workflow.
func ImportListWorkflowID(listID uint64) string { return fmt.Sprintf("list-import/%d", listID) }

// Signals a contact's workflow receives.
const (
	// SignalRelease is the pacer handing the contact to be dialed now.
	SignalRelease = "release"
	// SignalTelephonyOutcome is the dialer's report of how a call ended.
	SignalTelephonyOutcome = "telephony-outcome"
	// SignalWrapup is the agent's wrap-up code after talking to the contact.
	SignalWrapup = "wrapup"
	// SignalClose closes the contact: no more attempts.
	SignalClose = "close"
)

// Signals a campaign's workflow receives.
const (
	SignalPause  = "pause"
	SignalResume = "resume"
	SignalStop   = "stop"
	// SignalWake asks for a pacing pass now: an agent became available.
	SignalWake = "wake"
)

// Release is the pacer's hand-over; Agent is set when an agent is reserved
// for the call (preview, or a personal callback).
type Release struct {
	Agent string `json:"agent,omitempty"`
	// Skip is a preview agent skipping the card: the attempt ends as
	// skipped without a call.
	Skip bool `json:"skip,omitempty"`
}

// TelephonyOutcome is the dialer's report of one attempt.
type TelephonyOutcome struct {
	AttemptID string `json:"attempt_id"`
	Outcome   string `json:"outcome"`
	Agent     string `json:"agent,omitempty"` // the agent the call was connected to
}

// Attempt is the attempt the report is about.
func (o *TelephonyOutcome) Attempt() string { return o.AttemptID }

// Wrapup is an agent's wrap-up code for one attempt.
type Wrapup struct {
	AttemptID string `json:"attempt_id"`
	Business  string `json:"business"`
	Agent     string `json:"agent,omitempty"`
}

// Attempt is the attempt the wrap-up is about.
func (w *Wrapup) Attempt() string { return w.AttemptID }

// Close asks the contact to close; without a reason, CloseReason.
type Close struct {
	Reason string `json:"reason"`
}

// CloseReason is what a close without a reason records.
const CloseReason = "closed by request"

// Timeouts bound how long an attempt waits for its reports.
type Timeouts struct {
	// Outcome is how long the dialer has to report a call's telephony
	// outcome; past it the attempt ends as error.
	Outcome time.Duration `json:"outcome"`
	// Wrapup is how long an agent has to send a wrap-up after a talk; past
	// it the voice rule decides.
	Wrapup time.Duration `json:"wrapup"`
}

// DefaultTimeouts are used where ContactParams leaves them zero.
var DefaultTimeouts = Timeouts{Outcome: 3 * time.Minute, Wrapup: 30 * time.Minute}

// ContactParams start a contact's workflow, or continue it as new.
type ContactParams struct {
	CampaignID uint64       `json:"campaign_id"`
	ContactID  uint64       `json:"contact_id"`
	Timeouts   Timeouts     `json:"timeouts"`
	State      ContactState `json:"state"`
}

// ContactState is what a contact's workflow carries across continue-as-new.
type ContactState struct {
	Started  bool              `json:"started"`
	Seq      int               `json:"seq"` // attempts made
	Counters strategy.Counters `json:"counters"`
	// Released holds a release that arrived and is not yet used.
	Released *Release `json:"released,omitempty"`
}

// CampaignParams start a campaign's workflow, or continue it as new.
type CampaignParams struct {
	CampaignID uint64 `json:"campaign_id"`
	// Tick is the longest the pacer waits between passes; events (an agent
	// available, a resume) bring a pass forward.
	Tick   time.Duration `json:"tick"`
	Paused bool          `json:"paused"`
}

// Contact statuses as a contact's workflow records them; models stores
// the same values.
const (
	ContactNew       = "new"
	ContactReady     = "ready"
	ContactReleased  = "released"
	ContactDialing   = "dialing"
	ContactScheduled = "scheduled"
	ContactClosed    = "closed"
)

// ContactStatuses are every status a contact may have.
var ContactStatuses = []string{ContactNew, ContactScheduled, ContactReady, ContactReleased, ContactDialing, ContactClosed}

// Search attributes an operator filters by in the Temporal Web UI.
var (
	CampaignIDKey    = temporal.NewSearchAttributeKeyInt64("OutdialCampaignId")
	ListIDKey        = temporal.NewSearchAttributeKeyInt64("OutdialListId")
	ContactStatusKey = temporal.NewSearchAttributeKeyKeyword("OutdialContactStatus")
	AttemptCountKey  = temporal.NewSearchAttributeKeyInt64("OutdialAttemptCount")
	NextDueTimeKey   = temporal.NewSearchAttributeKeyTime("OutdialNextDueTime")
)

// StartSearchAttributes are a contact workflow's search attributes as the
// pacer starts it: released, so about to be dialed.
func StartSearchAttributes(campaignID uint64) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(CampaignIDKey.ValueSet(int64(campaignID)), ContactStatusKey.ValueSet(ContactDialing))
}

// SearchAttributes lists every custom search attribute with its type, for
// registering them with the server.
var SearchAttributes = []struct {
	Name string
	Type enumspb.IndexedValueType
}{
	{CampaignIDKey.GetName(), enumspb.INDEXED_VALUE_TYPE_INT},
	{ListIDKey.GetName(), enumspb.INDEXED_VALUE_TYPE_INT},
	{ContactStatusKey.GetName(), enumspb.INDEXED_VALUE_TYPE_KEYWORD},
	{AttemptCountKey.GetName(), enumspb.INDEXED_VALUE_TYPE_INT},
	{NextDueTimeKey.GetName(), enumspb.INDEXED_VALUE_TYPE_DATETIME},
}

// CallError wraps the error of a call to the Temporal server with context;
// a server that does not answer is an Unavailable fault, so the API
// answers 503 rather than 500.
func CallError(err error, format string, args ...any) error {
	var un *serviceerror.Unavailable
	var dl *serviceerror.DeadlineExceeded
	if errors.As(err, &un) || errors.As(err, &dl) {
		return fault.Unavailablef(err, format, args...)
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
