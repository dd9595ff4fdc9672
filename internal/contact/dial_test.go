package contact_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/internal/contact"
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
