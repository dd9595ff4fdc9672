package activities

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/outdial/outdial/internal/listimport"
)

// HeartbeatEvery is how often a running import tells Temporal it is alive.
const HeartbeatEvery = 5 * time.Second

// ImportResult is what an import ends with.
type ImportResult = listimport.Result

// Import is the ImportList workflow's activities, registered by the names
// in contract: the import itself runs in listimport.
type Import struct {
	Lists *listimport.Importer
}

// ImportList imports the list's file. A retry resumes after the last batch
// committed, which the list records; a problem with the file fails for
// good, as a non-retryable "FileError".
func (i *Import) ImportList(ctx context.Context, listID uint64) (ImportResult, error) {
	var rowsRead atomic.Int64
	defer heartbeat(ctx, rowsRead.Load)()
	res, err := i.Lists.Import(ctx, listID, rowsRead.Store)
	var fe *listimport.FileError
	if errors.As(err, &fe) {
		return res, temporal.NewNonRetryableApplicationError(fe.Msg, "FileError", nil)
	}
	return res, err
}

// FailList records why a list's import stopped for good.
func (i *Import) FailList(ctx context.Context, listID uint64, reason string) error {
	return i.Lists.Fail(ctx, listID, reason)
}

// heartbeat records rowsRead with Temporal every HeartbeatEvery until the
// function it returns is called. It beats on a clock, not per batch:
// opening a large xlsx or skipping committed rows on a retry takes longer
// than the heartbeat timeout.
func heartbeat(ctx context.Context, rowsRead func() int64) (stop func()) {
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(HeartbeatEvery)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				activity.RecordHeartbeat(ctx, rowsRead())
			}
		}
	}()
	return func() { close(done) }
}
