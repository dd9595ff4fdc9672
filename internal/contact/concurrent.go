package contact

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/outdial/outdial/models"
)

// releaseConcurrency bounds the signals a pass's releases, or a completed
// campaign's closing, send at once.
const releaseConcurrency = 16

// eachAtOnce runs fn for every item, releaseConcurrency at a time: agents
// freed together are released for together, where one signal at a time
// would keep the last of a burst waiting for all the others. It returns how
// many succeeded and every error. There is no shared cancellation: a
// release cut short could reach its workflow after its contact was given
// back.
func eachAtOnce[T any](items []T, fn func(T) error) (int, error) {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		ok   int
		sem  = make(chan struct{}, releaseConcurrency)
	)
	for _, item := range items {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			err := fn(item)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			} else {
				ok++
			}
		})
	}
	wg.Wait()
	return ok, errors.Join(errs...)
}

// ReleaseAll hands contacts a pacing pass marked released to their
// workflows, concurrently; a release that fails gives its contact back to
// the pacer at once. A contact with a PCBAgent is a personal callback
// released for that agent, whom the pass reserved for the call; a failed
// release frees the agent too.
func (s *Service) ReleaseAll(ctx context.Context, campaignID uint64, due []models.Contact) error {
	_, err := eachAtOnce(due, func(c models.Contact) error {
		if _, err := s.Release(ctx, campaignID, c.ID, c.PCBAgent, false, c.AttemptCount == 0); err != nil {
			back := models.Unrelease(ctx, s.DB, c.ID)
			if c.PCBAgent != "" {
				back = errors.Join(back, s.Agents.Free(ctx, c.PCBAgent, "the personal callback's release failed"))
			}
			return fmt.Errorf("release contact %d: %w", c.ID, errors.Join(err, back))
		}
		return nil
	})
	return err
}
