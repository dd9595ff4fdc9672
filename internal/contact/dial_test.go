package contact_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/models"
)

// flakyDialer fails the first fail requests, as a dialer that is down
// does, then accepts; it keeps every request it was sent.
type flakyDialer struct {
	fail  int
	calls []dialer.CallRequest
}

func (d *flakyDialer) Dial(_ context.Context, req dialer.CallRequest) error {
	d.calls = append(d.calls, req)
	if len(d.calls) <= d.fail {
		return errors.New("dialer unavailable")
	}
	return nil
}

// TestAnAcceptedDialIsNotSentAgain: a dial that failed is tried again with
// the same attempt ID; once the dialer accepted one, a later try of the
// same dial (its activity retried after a worker died, or after a timeout
// lost its answer) sends nothing more and answers as the first did.
func TestAnAcceptedDialIsNotSentAgain(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	d := &flakyDialer{fail: 1}
	f.svc.Dialers = dialer.Registry{"simulator": d}
	res, err := f.svc.Prepare(ctx, contact.PrepareRequest{ContactID: f.contact, Seq: 1})
	require.NoError(t, err)
	require.Equal(t, contact.ActionDial, res.Action, res.Reason)

	_, err = f.svc.Dial(ctx, res.AttemptID)
	require.ErrorContains(t, err, "dialer unavailable")
	var at models.Attempt
	require.NoError(t, f.db.First(&at, "id = ?", res.AttemptID).Error)
	require.Nil(t, at.DialAcceptedAt, "not accepted")

	first, err := f.svc.Dial(ctx, res.AttemptID)
	require.NoError(t, err)
	require.Len(t, d.calls, 2, "a failed request is sent again")
	require.NoError(t, f.db.First(&at, "id = ?", res.AttemptID).Error)
	require.NotNil(t, at.DialAcceptedAt)

	again, err := f.svc.Dial(ctx, res.AttemptID)
	require.NoError(t, err)
	require.Len(t, d.calls, 2, "an accepted request is never sent again")
	require.Equal(t, first.Number, again.Number)
	require.Equal(t, first.CheckedAt.UTC(), again.CheckedAt.UTC(), "the evidence of the request that left")
	for _, c := range d.calls {
		require.Equal(t, res.AttemptID, c.AttemptID)
	}
}

// TestReportsThatCrossAreOneRepeat: two identical outcome reports that
// both read the attempt before either recorded it (a dialer retrying a
// request it thinks lost) are applied once: the second is a repeat, not a
// conflict. A different report that crosses one still conflicts.
func TestReportsThatCrossAreOneRepeat(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.svc.Dialers = dialer.Registry{"simulator": &callRecorder{}}
	res, err := f.svc.Prepare(ctx, contact.PrepareRequest{ContactID: f.contact, Seq: 1})
	require.NoError(t, err)
	var read models.Attempt
	require.NoError(t, f.db.First(&read, "id = ?", res.AttemptID).Error)
	// The first report is recorded and its attempt has ended since the
	// second read it (ended: so nothing signals the absent workflow).
	require.NoError(t, f.db.Exec("UPDATE attempts SET telephony_outcome = 'busy', ended_at = now() WHERE id = ?", res.AttemptID).Error)

	changed, err := f.svc.ReportTelephonyAsRead(ctx, read, "busy")
	require.NoError(t, err, "the same report crossing is a repeat")
	require.False(t, changed)
	_, err = f.svc.ReportTelephonyAsRead(ctx, read, "voice")
	require.True(t, fault.Is(err, fault.Conflict), "%v", err)
}

// TestOpenCallsAreTheDialingWorkers: an attempt records the worker whose
// dialer accepted its call, and a restarted simulator takes up its own
// worker's open calls only: another live worker's are being played.
func TestOpenCallsAreTheDialingWorkers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.svc.Dialers = dialer.Registry{"simulator": &callRecorder{}}
	f.svc.Worker = "worker-a"
	other := &contact.Service{DB: f.db, Worker: "worker-b", Dialers: f.svc.Dialers}
	res, err := f.svc.Prepare(ctx, contact.PrepareRequest{ContactID: f.contact, Seq: 1})
	require.NoError(t, err)
	require.Equal(t, contact.ActionDial, res.Action, res.Reason)
	_, err = f.svc.Dial(ctx, res.AttemptID)
	require.NoError(t, err)

	var at models.Attempt
	require.NoError(t, f.db.First(&at, "id = ?", res.AttemptID).Error)
	require.Equal(t, "worker-a", at.DialedBy)
	mine, err := f.svc.OpenCalls(ctx, "simulator")
	require.NoError(t, err)
	require.Len(t, mine, 1)
	require.Equal(t, res.AttemptID, mine[0].Request.AttemptID)
	theirs, err := other.OpenCalls(ctx, "simulator")
	require.NoError(t, err)
	require.Empty(t, theirs, "worker-b would play worker-a's call a second time")
}

// TestDialWaitsForItsEntryPointsSlot: with --dial-rate, a dial waits for
// the next moment its entry point is free, however recently another
// worker took the last one.
func TestDialWaitsForItsEntryPointsSlot(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const every = 400 * time.Millisecond
	f.svc.Dialers = dialer.Registry{"simulator": &callRecorder{}}
	f.svc.DialEvery = every
	res, err := f.svc.Prepare(ctx, contact.PrepareRequest{ContactID: f.contact, Seq: 1})
	require.NoError(t, err)
	wait, err := models.TakeDialSlot(ctx, f.db.DB, f.campaign.ID, every) // another worker's dial, now
	require.NoError(t, err)
	require.Zero(t, wait)
	start := time.Now()
	_, err = f.svc.Dial(ctx, res.AttemptID)
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), every-50*time.Millisecond, "the dial left before its slot")
}

// TestDialSlotsHoldAcrossProcesses: two processes' pools taking slots of
// one entry point at once are given distinct moments, spaced by every:
// after n takes the entry point's next free moment is at least n spaces
// after the first (PostgreSQL runs on this machine's clock).
func TestDialSlotsHoldAcrossProcesses(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	second, err := models.Open(ctx, f.db.Pool.Config().ConnString())
	require.NoError(t, err)
	t.Cleanup(second.Close)
	const every, n = 50 * time.Millisecond, 40
	start := time.Now()
	var g errgroup.Group
	for i := range n {
		db := f.db
		if i%2 == 1 {
			db = second
		}
		g.Go(func() error {
			_, err := models.TakeDialSlot(ctx, db.DB, f.campaign.ID, every)
			return err
		})
	}
	require.NoError(t, g.Wait())
	var next time.Time
	require.NoError(t, f.db.Raw("SELECT next_at FROM dial_slots").Scan(&next).Error)
	require.GreaterOrEqual(t, next.Sub(start), n*every, "a slot was given twice")
}
