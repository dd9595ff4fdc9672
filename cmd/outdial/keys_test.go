package main

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/internal/apikey"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
)

// TestFirstAdminKey: a fresh database gets one admin key, a second start
// none; OUTDIAL_ADMIN_KEY is stored as given and then authenticates.
func TestFirstAdminKey(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	keys := apikey.New(db, "")
	log := slog.New(slog.DiscardHandler)
	t.Setenv("OUTDIAL_ADMIN_KEY", "")
	require.NoError(t, firstAdminKey(ctx, keys, log))
	require.NoError(t, firstAdminKey(ctx, keys, log))
	n, err := keys.Count(ctx, models.RoleAdmin)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)

	t.Setenv("OUTDIAL_ADMIN_KEY", "scripted-admin-key-0123")
	require.NoError(t, firstAdminKey(ctx, keys, log))
	require.NoError(t, firstAdminKey(ctx, keys, log), "a second start keeps it")
	k, err := keys.Authenticate(ctx, "scripted-admin-key-0123")
	require.NoError(t, err)
	require.Equal(t, models.RoleAdmin, k.Role)
	n, err = keys.Count(ctx, models.RoleAdmin)
	require.NoError(t, err)
	require.EqualValues(t, 2, n)

	t.Setenv("OUTDIAL_ADMIN_KEY", "short")
	require.Error(t, firstAdminKey(ctx, keys, log), "a guessable key is refused")
}
