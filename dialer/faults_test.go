package dialer

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// keyedDialer is a dialer endpoint as the Webhook documentation asks for:
// it places at most one call per Idempotency-Key. answer decides, per
// request (hit counting from 1), whether it takes the call, and how it
// answers (it may hang until the client gives up).
type keyedDialer struct {
	*recorder
	mu     sync.Mutex
	placed map[string]int // calls placed per key
}

func newKeyedDialer(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, hit int, place func())) *keyedDialer {
	d := &keyedDialer{placed: map[string]int{}}
	d.recorder = newRecorder(t, func(w http.ResponseWriter, r *http.Request, hit int) {
		key := r.Header.Get(IdempotencyKeyHeader)
		answer(w, r, hit, func() {
			d.mu.Lock()
			defer d.mu.Unlock()
			if d.placed[key] == 0 { // a repeat of a key is acknowledged, not dialed
				d.placed[key]++
			}
		})
	})
	return d
}

func (d *keyedDialer) calls() map[string]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string]int{}
	for k, n := range d.placed {
		out[k] = n
	}
	return out
}

// hang waits until the client gives up on the request.
func hang(r *http.Request) { <-r.Context().Done() }

// TestWebhookFaultsAreRetriedAndPlacedOnce: a dialer that times out,
// answers 500, or takes a call and answers too late then 200 again to the
// retry: the request is retried with a growing backoff, carrying the same
// Idempotency-Key, body and a valid signature each time, Dial succeeds
// once, and the dialer places one call for the attempt.
func TestWebhookFaultsAreRetriedAndPlacedOnce(t *testing.T) {
	for _, tc := range []struct {
		name     string
		answer   func(w http.ResponseWriter, r *http.Request, hit int, place func())
		requests int
		waits    []time.Duration
	}{
		{"times out before taking it", func(w http.ResponseWriter, r *http.Request, hit int, place func()) {
			if hit == 1 {
				hang(r)
				return
			}
			place()
			w.WriteHeader(http.StatusAccepted)
		}, 2, []time.Duration{time.Millisecond}},
		{"answers 500", func(w http.ResponseWriter, _ *http.Request, hit int, place func()) {
			if hit <= 2 {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			place()
			w.WriteHeader(http.StatusOK)
		}, 3, []time.Duration{time.Millisecond, 2 * time.Millisecond}},
		{"answers 200 twice", func(w http.ResponseWriter, r *http.Request, hit int, place func()) {
			place() // takes the call each time it is asked
			if hit == 1 {
				hang(r) // and its first 200 never arrives in time
			}
			w.WriteHeader(http.StatusOK)
		}, 2, []time.Duration{time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newKeyedDialer(t, tc.answer)
			backup := newRecorder(t, status(http.StatusOK))
			req := callRequest(d.URL)
			req.BackupURL = backup.URL
			ws := &waits{}
			w := &Webhook{Targets: testTargets, Timeout: 50 * time.Millisecond, Backoff: time.Millisecond, sleep: ws.sleep}

			require.NoError(t, w.Dial(t.Context(), req))

			got := d.received()
			require.Len(t, got, tc.requests)
			for _, r := range got {
				require.Equal(t, "att-42", r.header.Get(IdempotencyKeyHeader))
				require.Equal(t, got[0].body, r.body, "the same request each time")
				require.NoError(t, VerifySignature("s3cret", r.header.Get(TimestampHeader), r.body, r.header.Get(SignatureHeader), 5*time.Minute, time.Now()))
			}
			require.Equal(t, tc.waits, ws.d, "retried with backoff")
			require.Equal(t, map[string]int{"att-42": 1}, d.calls(), "one call placed for the attempt")
			require.Empty(t, backup.received(), "the primary took it: the backup is never asked")
		})
	}
}

// TestWebhookSendsNothingAfterAcceptance: once a try is accepted, no
// other try leaves for that attempt, on either URL.
func TestWebhookSendsNothingAfterAcceptance(t *testing.T) {
	primary := newRecorder(t, status(http.StatusOK))
	backup := newRecorder(t, status(http.StatusOK))
	req := callRequest(primary.URL)
	req.BackupURL = backup.URL
	ws := &waits{}
	require.NoError(t, (&Webhook{Targets: testTargets, Attempts: 5, sleep: ws.sleep}).Dial(t.Context(), req))
	require.Len(t, primary.received(), 1)
	require.Empty(t, backup.received())
	require.Empty(t, ws.d)
}

// TestWebhookDefaultsFitTheDialBudget: with the defaults, a primary that
// hangs on every try still leaves the backup its tries within one try of
// the contact workflow's dial activity (30 seconds, workflows/contact.go).
func TestWebhookDefaultsFitTheDialBudget(t *testing.T) {
	perURL, backoff := time.Duration(0), DefaultBackoff
	for try := 1; try <= DefaultAttempts; try++ {
		perURL += DefaultTimeout
		if try < DefaultAttempts {
			perURL += backoff
			backoff = min(2*backoff, MaxBackoff)
		}
	}
	require.Less(t, 2*perURL, 30*time.Second)
}
