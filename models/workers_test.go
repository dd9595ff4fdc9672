package models_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
)

// TestWorkerNamesAreOnePerProcess: a second worker of a name in use is
// refused with the setting to change; once the first gives the name back
// (or its session ends), the name is free again.
func TestWorkerNamesAreOnePerProcess(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	release, err := models.HoldWorkerName(ctx, db, "worker-1", 0)
	require.NoError(t, err)
	_, err = models.HoldWorkerName(ctx, db, "worker-1", 0)
	require.ErrorContains(t, err, `another worker runs as "worker-1": give each worker process its own --worker-name`)
	other, err := models.HoldWorkerName(ctx, db, "worker-2", 0)
	require.NoError(t, err)
	other()
	release()
	again, err := models.HoldWorkerName(ctx, db, "worker-1", 0)
	require.NoError(t, err)
	again()
}
