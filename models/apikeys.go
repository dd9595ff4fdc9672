package models

import "time"

// Roles an API key can have (README, "Security").
const (
	RoleAdmin      = "admin"
	RoleSupervisor = "supervisor"
	RoleAgent      = "agent"
	RoleDialer     = "dialer"
)

// APIKey is a key to the API: its role and what it is bound to. Only an
// HMAC of the key is stored; Prefix, its first characters, lets a person
// tell keys apart.
type APIKey struct {
	ID           uint64           `gorm:"primaryKey" json:"id"`
	Name         string           `json:"name"`
	Role         string           `json:"role"`
	AgentID      *uint64          `json:"agent_id"`
	TeamIDs      JSONList[uint64] `gorm:"type:jsonb" json:"team_ids"`
	EntryPointID *uint64          `json:"entry_point_id"`
	Hash         string           `json:"-"`
	Prefix       string           `json:"prefix"`
	ExpiresAt    *time.Time       `json:"expires_at"`
	LastUsedAt   *time.Time       `json:"last_used_at"`
	RevokedAt    *time.Time       `json:"revoked_at"`
	CreatedAt    time.Time        `json:"created_at"`
}

// AuditEntry is one write made with a key, and its answer.
type AuditEntry struct {
	ID      uint64    `gorm:"primaryKey" json:"id"`
	At      time.Time `gorm:"default:now()" json:"at"`
	KeyID   uint64    `json:"key_id"`
	KeyName string    `json:"key_name"`
	Role    string    `json:"role"`
	Method  string    `json:"method"`
	Route   string    `json:"route"`
	Object  string    `json:"object"`
	Status  int       `json:"status"`
}

// TableName is the audit table's name.
func (AuditEntry) TableName() string { return "audit_log" }
