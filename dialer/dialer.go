// Package dialer is the boundary between Outdial and the telephony platform
// that places calls. Outdial carries no audio: it sends a call request per
// attempt, with the attempt's ID as idempotency key, and the dialer reports
// the telephony outcome back through the API. Adapters implement Dialer.
package dialer

import (
	"context"
	"fmt"
	"time"
)

// CallRequest is one call to place: the seed's web-callback fields.
type CallRequest struct {
	// AttemptID identifies the attempt; a dialer places at most one call per ID.
	AttemptID     string `json:"attempt_id"`
	CampaignID    uint64 `json:"campaign_id"`
	Campaign      string `json:"campaign"`
	CampaignType  string `json:"campaign_type"` // Preview, Progressive or Predictive
	CampaignGroup string `json:"campaign_group"`
	ListID        uint64 `json:"list_id"`
	ContactID     uint64 `json:"contact_id"`
	Mode          string `json:"mode"`
	Number        string `json:"number"` // E.164
	ZipCode       string `json:"zip_code"`
	AreaCode      string `json:"area_code"`
	State         string `json:"state"`
	TimeZone      string `json:"time_zone"`
	ExternalID    string `json:"external_id"`
	EntryPoint    string `json:"entry_point"`
	// EntryPointID is what a signed outcome report names in its
	// X-Outdial-Entry-Point header.
	EntryPointID uint64 `json:"entry_point_id,omitempty"`
	Agent        string `json:"agent,omitempty"` // the agent the call is for, when one is reserved
	CallMeNow    bool   `json:"call_me_now"`
	// AbandonMessage is what to play to a person no agent takes within
	// 2 s of the answer (the caller's name and number); the dialer then
	// reports abandoned with abandon_message_at.
	AbandonMessage string `json:"abandon_message,omitempty"`
	// MinRingSeconds is how long a call nobody answers must ring before
	// the dialer gives it up: the campaign's min_ring_seconds, 15 at the
	// least (FTC/FCC: 15 s or four rings).
	MinRingSeconds int `json:"min_ring_seconds"`
	// Target is where the entry point sends calls (its outdial URLs), for
	// adapters that need it.
	PrimaryURL string `json:"-"`
	BackupURL  string `json:"-"`
	Secret     string `json:"-"`
}

// CallTimes are when a person (or a machine) answered a call and when an
// agent was connected to it, as the dialer saw them; zero when unknown.
// The abandon rate measures the time between the two.
type CallTimes struct {
	AnsweredAt  time.Time `json:"answered_at,omitzero"`
	ConnectedAt time.Time `json:"connected_at,omitzero"`
	// AbandonMessageAt is when the campaign's abandon message was played
	// to a person no agent took (abandoned only).
	AbandonMessageAt time.Time `json:"abandon_message_at,omitzero"`
}

// Dialer places calls.
type Dialer interface {
	// Dial asks for the call. It returns once the dialer has accepted the
	// request; the outcome comes back later through the API.
	Dial(ctx context.Context, req CallRequest) error
}

// Registry holds the adapters by the names entry points use.
type Registry map[string]Dialer

// Get returns the adapter called name.
func (r Registry) Get(name string) (Dialer, error) {
	d, ok := r[name]
	if !ok {
		return nil, fmt.Errorf("no dialer adapter %q is configured on this worker", name)
	}
	return d, nil
}
