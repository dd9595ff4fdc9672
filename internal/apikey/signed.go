package apikey

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/models"
)

// The headers of an outcome report signed with an entry point's secret:
// the signature scheme of Outdial's own call requests (dialer.Webhook),
// and which entry point signed.
const (
	SignatureHeader  = dialer.SignatureHeader
	TimestampHeader  = dialer.TimestampHeader
	EntryPointHeader = "X-Outdial-Entry-Point"
)

// ReplayWindow is how far a signed report's timestamp may be from now,
// either way.
const ReplayWindow = 5 * time.Minute

// ErrBadSignature is a signed report that does not authenticate: answered
// 401.
var ErrBadSignature = errors.New("the report's signature does not authenticate")

// Signed authenticates an outcome report of attemptID signed with an entry
// point's secret: signature is "sha256=" + hex HMAC-SHA256(secret,
// timestamp + "." + body), the timestamp within ReplayWindow of now, and
// the body must name attemptID as its attempt_id, so that a captured
// report cannot be replayed against another attempt. It returns the
// dialer key the report acts as: bound to the entry point, so a report
// for an attempt of another entry point's campaign is refused (403) as a
// bound dialer key's would be.
func (s *Store) Signed(ctx context.Context, entryPoint, timestamp, signature, attemptID string, body []byte) (*models.APIKey, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrBadSignature, fmt.Sprintf(format, args...))
	}
	id, err := strconv.ParseUint(entryPoint, 10, 64)
	if err != nil {
		return nil, bad("%s must be the ID of the entry point whose secret signed the report", EntryPointHeader)
	}
	var ep models.EntryPoint
	err = s.DB.WithContext(ctx).Take(&ep, id).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && ep.Secret == ""):
		return nil, bad("entry point %d does not exist or has no secret; use a dialer key", id)
	case err != nil:
		return nil, fmt.Errorf("look up entry point %d: %w", id, err)
	}
	if err := dialer.VerifySignature(ep.Secret, timestamp, body, signature, ReplayWindow, s.now()); err != nil {
		return nil, bad("%v", err)
	}
	var named struct {
		AttemptID string `json:"attempt_id"`
	}
	if json.Unmarshal(body, &named) != nil || named.AttemptID != attemptID {
		return nil, bad("a signed report must name its attempt in the body (\"attempt_id\": %q)", attemptID)
	}
	return &models.APIKey{Name: "entry point " + ep.Name + " (signed)", Role: models.RoleDialer, EntryPointID: &ep.ID}, nil
}
