// Package apikey keeps Outdial's API keys and its audit log: keys are made
// at random, shown once, stored as an HMAC-SHA256 under the server's secret,
// and looked up by that HMAC. It also answers which campaign, team or agent
// an object belongs to, so the API can hold a key to what it is bound to.
package apikey

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/models"
)

// DevSecret is the HMAC secret when none is configured: fine on a laptop,
// never in production (README, "Security").
const DevSecret = "outdial-dev-secret-change-me"

// prefix starts every key, so a leaked key is recognisable in a scan.
const prefix = "odk_"

// Roles are the roles a key can have.
var Roles = []string{models.RoleAdmin, models.RoleSupervisor, models.RoleAgent, models.RoleDialer}

// Reasons a key is refused; each is answered 401.
var (
	ErrUnknown = errors.New("unknown API key")
	ErrRevoked = errors.New("revoked API key")
	ErrExpired = errors.New("expired API key")
)

// Store keeps the keys in PostgreSQL.
type Store struct {
	DB     *models.DB
	secret []byte
	now    func() time.Time
}

// New is a Store hashing keys under secret (DevSecret when empty).
func New(db *models.DB, secret string) *Store {
	if secret == "" {
		secret = DevSecret
	}
	return &Store{DB: db, secret: []byte(secret), now: time.Now}
}

// NewKey is what a key is made with.
type NewKey struct {
	Name         string     `json:"name" required:"true"`
	Role         string     `json:"role" required:"true"`
	AgentID      *uint64    `json:"agent_id,omitempty"`
	TeamIDs      []uint64   `json:"team_ids,omitempty"`
	EntryPointID *uint64    `json:"entry_point_id,omitempty"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`
}

func (s *Store) hash(key string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(key))
	return hex.EncodeToString(m.Sum(nil))
}

// Create makes a key and returns it with its secret, which is not kept.
func (s *Store) Create(ctx context.Context, n NewKey) (models.APIKey, string, error) {
	var errs fault.Fields
	if strings.TrimSpace(n.Name) == "" {
		errs.Add("name", "is required")
	}
	if !slices.Contains(Roles, n.Role) {
		errs.Add("role", "%q is not one of %s", n.Role, strings.Join(Roles, ", "))
	}
	if n.Role == models.RoleAgent && n.AgentID == nil {
		errs.Add("agent_id", "is required for an agent key")
	}
	if n.Role != models.RoleAgent && n.AgentID != nil {
		errs.Add("agent_id", "only an agent key is bound to an agent")
	}
	if n.Role != models.RoleSupervisor && len(n.TeamIDs) > 0 {
		errs.Add("team_ids", "only a supervisor key is bound to teams")
	}
	if n.Role != models.RoleDialer && n.EntryPointID != nil {
		errs.Add("entry_point_id", "only a dialer key is bound to an entry point")
	}
	if n.ExpiresAt != nil && !n.ExpiresAt.After(s.now()) {
		errs.Add("expires_at", "%s is not in the future", n.ExpiresAt.Format(time.RFC3339))
	}
	if err := errs.Err("API key"); err != nil {
		return models.APIKey{}, "", err
	}
	if n.AgentID != nil {
		if _, err := models.Find[models.Agent](ctx, s.DB.DB, "agent", *n.AgentID); err != nil {
			return models.APIKey{}, "", err
		}
	}
	for _, t := range n.TeamIDs {
		if _, err := models.Find[models.Team](ctx, s.DB.DB, "team", t); err != nil {
			return models.APIKey{}, "", err
		}
	}
	if n.EntryPointID != nil {
		if _, err := models.Find[models.EntryPoint](ctx, s.DB.DB, "entry point", *n.EntryPointID); err != nil {
			return models.APIKey{}, "", err
		}
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return models.APIKey{}, "", fmt.Errorf("make API key: %w", err)
	}
	secret := prefix + base64.RawURLEncoding.EncodeToString(raw)
	k := models.APIKey{Name: n.Name, Role: n.Role, AgentID: n.AgentID, TeamIDs: n.TeamIDs, EntryPointID: n.EntryPointID,
		Hash: s.hash(secret), Prefix: secret[:len(prefix)+6], ExpiresAt: n.ExpiresAt, CreatedAt: s.now()}
	if k.TeamIDs == nil {
		k.TeamIDs = models.JSONList[uint64]{}
	}
	if err := s.DB.WithContext(ctx).Create(&k).Error; err != nil {
		return models.APIKey{}, "", fmt.Errorf("store API key %q: %w", n.Name, err)
	}
	return k, secret, nil
}

// List is one page of the keys, newest first, revoked ones included.
func (s *Store) List(ctx context.Context, p models.PageRequest) (models.Page[models.APIKey], error) {
	return models.FindPage[models.APIKey](ctx, s.DB.Model(&models.APIKey{}), "id DESC", p, "API keys")
}

// Revoke ends a key; revoking it again changes nothing.
func (s *Store) Revoke(ctx context.Context, id uint64) error {
	res := s.DB.WithContext(ctx).Model(&models.APIKey{}).Where("id = ?", id).
		Update("revoked_at", gorm.Expr("coalesce(revoked_at, ?)", s.now()))
	if res.Error != nil {
		return fmt.Errorf("revoke API key %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fault.NotFoundf("API key", id)
	}
	return nil
}

// Count is how many keys that are not revoked have role.
func (s *Store) Count(ctx context.Context, role string) (int64, error) {
	var n int64
	err := s.DB.WithContext(ctx).Model(&models.APIKey{}).Where("role = ? AND revoked_at IS NULL", role).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count %s keys: %w", role, err)
	}
	return n, nil
}

// Import stores a key whose secret was chosen elsewhere (OUTDIAL_ADMIN_KEY),
// unless it is already stored.
func (s *Store) Import(ctx context.Context, name, role, secret string) error {
	if len(secret) < 16 {
		return fault.Invalidf("API key", "the key of %q is %d characters; at least 16 are required", name, len(secret))
	}
	k := models.APIKey{Name: name, Role: role, Hash: s.hash(secret), Prefix: secret[:6], TeamIDs: models.JSONList[uint64]{}, CreatedAt: s.now()}
	err := s.DB.WithContext(ctx).Where("hash = ?", k.Hash).FirstOrCreate(&k).Error
	if err != nil {
		return fmt.Errorf("store API key %q: %w", name, err)
	}
	return nil
}

// Authenticate finds the key whose secret is given and records its use.
func (s *Store) Authenticate(ctx context.Context, secret string) (*models.APIKey, error) {
	var k models.APIKey
	err := s.DB.WithContext(ctx).Where("hash = ?", s.hash(secret)).Take(&k).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return nil, ErrUnknown
	case err != nil:
		return nil, fmt.Errorf("look up API key: %w", err)
	case k.RevokedAt != nil:
		return nil, ErrRevoked
	case k.ExpiresAt != nil && !k.ExpiresAt.After(s.now()):
		return nil, ErrExpired
	}
	now := s.now()
	// At most one write a minute per key: a busy dialer's key is not a hot row.
	err = s.DB.WithContext(ctx).Model(&models.APIKey{}).
		Where("id = ? AND (last_used_at IS NULL OR last_used_at < ?)", k.ID, now.Add(-time.Minute)).
		Update("last_used_at", now).Error
	if err != nil {
		return nil, fmt.Errorf("record use of API key %d: %w", k.ID, err)
	}
	return &k, nil
}

// Record adds an entry to the audit log.
func (s *Store) Record(ctx context.Context, e models.AuditEntry) error {
	if err := s.DB.WithContext(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("write audit log: %w", err)
	}
	return nil
}

// Audit is one page of the audit log, newest first.
func (s *Store) Audit(ctx context.Context, p models.PageRequest) (models.Page[models.AuditEntry], error) {
	return models.FindPage[models.AuditEntry](ctx, s.DB.Model(&models.AuditEntry{}), "id DESC", p, "audit log")
}

// RevokeNamed revokes every key named name, so a key made again under the
// same name (the demo's, each start) replaces the last one.
func (s *Store) RevokeNamed(ctx context.Context, name string) error {
	err := s.DB.WithContext(ctx).Model(&models.APIKey{}).Where("name = ? AND revoked_at IS NULL", name).
		Update("revoked_at", s.now()).Error
	if err != nil {
		return fmt.Errorf("revoke API keys named %q: %w", name, err)
	}
	return nil
}
