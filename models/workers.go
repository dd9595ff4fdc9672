package models

import (
	"context"
	"fmt"
	"time"
)

// HoldWorkerName takes the worker name for as long as the worker runs,
// on a connection of its own: attempts record the name, and a restarted
// simulator takes up the calls of its name, so two live workers must
// never share one. A name still held is waited for up to wait, since a
// killed worker's session may take a moment to end; then it is refused.
// release gives the name back.
func HoldWorkerName(ctx context.Context, db *DB, name string, wait time.Duration) (release func(), err error) {
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("hold worker name %q: %w", name, err)
	}
	deadline := time.Now().Add(wait)
	for {
		var held bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtext('outdial worker name'), hashtext($1))`, name).Scan(&held); err != nil {
			conn.Release()
			return nil, fmt.Errorf("hold worker name %q: %w", name, err)
		}
		if held {
			return func() {
				// A broken connection is dropped by the pool, and its
				// session's lock ends with it.
				_, _ = conn.Exec(context.Background(), `SELECT pg_advisory_unlock(hashtext('outdial worker name'), hashtext($1))`, name)
				conn.Release()
			}, nil
		}
		if time.Now().After(deadline) {
			conn.Release()
			return nil, fmt.Errorf("another worker runs as %q: give each worker process its own --worker-name (OUTDIAL_WORKER_NAME)", name)
		}
		select {
		case <-ctx.Done():
			conn.Release()
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}
