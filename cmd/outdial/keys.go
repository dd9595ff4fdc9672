package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/outdial/outdial/internal/apikey"
	"github.com/outdial/outdial/models"
)

// runKeys makes an API key against the database, for the first admin or a
// script that cannot ask the API: `outdial keys create --role R --name N`.
func runKeys(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: outdial keys create --role admin|supervisor|agent|dialer --name NAME [flags]")
	}
	var n apikey.NewKey
	var agentID, entryPointID uint64
	var teams, expires string
	c, _, err := parse("keys create", args[1:], false, func(fs *flag.FlagSet) {
		fs.StringVar(&n.Role, "role", "", "admin, supervisor, agent or dialer (required)")
		fs.StringVar(&n.Name, "name", "", "who or what the key is for (required)")
		fs.Uint64Var(&agentID, "agent-id", 0, "the agent an agent key acts as")
		fs.StringVar(&teams, "team-ids", "", "the teams a supervisor key reaches, comma-separated")
		fs.Uint64Var(&entryPointID, "entry-point-id", 0, "the entry point a dialer key reports for; 0: any")
		fs.StringVar(&expires, "expires-at", "", "when the key stops working, RFC 3339; empty: never")
	})
	if err != nil {
		return err
	}
	if agentID != 0 {
		n.AgentID = &agentID
	}
	if entryPointID != 0 {
		n.EntryPointID = &entryPointID
	}
	for t := range strings.SplitSeq(teams, ",") {
		if t = strings.TrimSpace(t); t == "" {
			continue
		}
		id, err := strconv.ParseUint(t, 10, 64)
		if err != nil {
			return fmt.Errorf("--team-ids: %q is not a team ID", t)
		}
		n.TeamIDs = append(n.TeamIDs, id)
	}
	if expires != "" {
		at, err := time.Parse(time.RFC3339, expires)
		if err != nil {
			return fmt.Errorf("--expires-at: %w", err)
		}
		n.ExpiresAt = &at
	}
	db, err := models.Open(ctx, c.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	k, secret, err := apikey.New(db, c.KeySecret).Create(ctx, n)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "API key %d %q (%s) made; it is shown this once:\n", k.ID, k.Name, k.Role)
	fmt.Println(secret)
	return nil
}

// firstAdminKey makes sure an admin can call the API: the key in
// OUTDIAL_ADMIN_KEY when set, else a new one on a database without an admin,
// printed once.
func firstAdminKey(ctx context.Context, keys *apikey.Store, log *slog.Logger) error {
	if secret := os.Getenv("OUTDIAL_ADMIN_KEY"); secret != "" {
		if err := keys.Import(ctx, "admin (OUTDIAL_ADMIN_KEY)", models.RoleAdmin, secret); err != nil {
			return err
		}
		log.Info("the admin API key is OUTDIAL_ADMIN_KEY's")
		return nil
	}
	admins, err := keys.Count(ctx, models.RoleAdmin)
	if err != nil || admins > 0 {
		return err
	}
	_, secret, err := keys.Create(ctx, apikey.NewKey{Name: "first admin", Role: models.RoleAdmin})
	if err != nil {
		return err
	}
	fmt.Printf("\nThe first admin API key, shown this once (Authorization: Bearer <key>):\n\n  %s\n\n", secret)
	return nil
}

// demoKey makes the demo's key named name afresh, revoking the last one of
// that name, so each start prints keys that work.
func demoKey(ctx context.Context, keys *apikey.Store, n apikey.NewKey) (string, error) {
	n.Name = "demo: " + n.Name
	if err := keys.RevokeNamed(ctx, n.Name); err != nil {
		return "", err
	}
	_, secret, err := keys.Create(ctx, n)
	return secret, err
}

// printDemoKeys makes and prints a key for each demo agent and one for the
// dialer.
func printDemoKeys(ctx context.Context, keys *apikey.Store, db *models.DB) error {
	var agents []models.Agent
	if err := db.WithContext(ctx).Where("name LIKE ?", "Kristest Agent%").Order("name").Find(&agents).Error; err != nil {
		return fmt.Errorf("find demo agents: %w", err)
	}
	lines := []string{"\nDemo API keys (Authorization: Bearer <key>), new each start:"}
	for _, a := range agents {
		secret, err := demoKey(ctx, keys, apikey.NewKey{Name: a.Name, Role: models.RoleAgent, AgentID: &a.ID})
		if err != nil {
			return err
		}
		lines = append(lines, fmt.Sprintf("  agent %-16s %s", a.Name, secret))
	}
	secret, err := demoKey(ctx, keys, apikey.NewKey{Name: "dialer", Role: models.RoleDialer})
	if err != nil {
		return err
	}
	lines = append(lines, fmt.Sprintf("  dialer %-15s %s", "", secret), "")
	fmt.Println(strings.Join(lines, "\n"))
	return nil
}
