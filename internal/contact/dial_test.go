package contact_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

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
