package dialer

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// received is what a test server saw of one request.
type received struct {
	method string
	header http.Header
	body   []byte
}

// recorder is a test server that answers with respond(hit), hit counting
// from 1, and keeps every request.
type recorder struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []received
}

func newRecorder(t *testing.T, respond func(w http.ResponseWriter, r *http.Request, hit int)) *recorder {
	t.Helper()
	rec := &recorder{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, received{r.Method, r.Header.Clone(), body})
		hit := len(rec.reqs)
		rec.mu.Unlock()
		respond(w, r, hit)
	}))
	t.Cleanup(rec.Close)
	return rec
}

func (rec *recorder) received() []received {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]received(nil), rec.reqs...)
}

func status(code int) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(code) }
}

// waits records the backoff waits instead of sleeping.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *waits) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

// testTargets let the webhook reach the tests' httptest servers, which
// listen on 127.0.0.1: a loopback address it refuses unless allowed.
var testTargets = &Targets{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}

func callRequest(primary string) CallRequest {
	return CallRequest{
		AttemptID: "att-42", CampaignID: 7, Campaign: "Renewals", CampaignType: "Progressive",
		CampaignGroup: "Retention", ListID: 3, ContactID: 99, Mode: "mobile", Number: "+15551234567",
		AreaCode: "555", TimeZone: "America/New_York", ExternalID: "ext-1", EntryPoint: "ep-sales",
		CallMeNow: true, PrimaryURL: primary, Secret: "s3cret",
	}
}

func TestWebhookSuccess(t *testing.T) {
	srv := newRecorder(t, status(http.StatusAccepted))
	req := callRequest(srv.URL + "/outdial?token=hidden")
	w := &Webhook{Targets: testTargets, Backoff: time.Millisecond}

	require.NoError(t, w.Dial(t.Context(), req))

	got := srv.received()
	require.Len(t, got, 1)
	r := got[0]
	require.Equal(t, http.MethodPost, r.method)
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	require.Equal(t, "att-42", r.header.Get(IdempotencyKeyHeader))

	var body map[string]any
	require.NoError(t, json.Unmarshal(r.body, &body))
	require.Equal(t, "att-42", body["attempt_id"])
	require.Equal(t, "Renewals", body["campaign"])
	require.Equal(t, "Progressive", body["campaign_type"])
	require.Equal(t, "Retention", body["campaign_group"])
	require.EqualValues(t, 3, body["list_id"])
	require.EqualValues(t, 99, body["contact_id"])
	require.Equal(t, "America/New_York", body["time_zone"])
	require.Equal(t, "ext-1", body["external_id"])
	require.Equal(t, "ep-sales", body["entry_point"])
	require.Equal(t, true, body["call_me_now"])
	// The target and the secret stay with Outdial.
	require.NotContains(t, string(r.body), "s3cret")
	require.NotContains(t, string(r.body), "hidden")

	ts, sig := r.header.Get(TimestampHeader), r.header.Get(SignatureHeader)
	require.True(t, strings.HasPrefix(sig, "sha256="), sig)
	now := time.Now()
	require.NoError(t, VerifySignature("s3cret", ts, r.body, sig, 5*time.Minute, now))

	tampered := append([]byte(nil), r.body...)
	tampered[len(tampered)-2] ^= 1
	for name, err := range map[string]error{
		"body":         VerifySignature("s3cret", ts, tampered, sig, 5*time.Minute, now),
		"timestamp":    VerifySignature("s3cret", ts+"0", r.body, sig, 5*time.Minute, now),
		"secret":       VerifySignature("other", ts, r.body, sig, 5*time.Minute, now),
		"too old":      VerifySignature("s3cret", ts, r.body, sig, 5*time.Minute, now.Add(6*time.Minute)),
		"future":       VerifySignature("s3cret", ts, r.body, sig, 5*time.Minute, now.Add(-6*time.Minute)),
		"no prefix":    VerifySignature("s3cret", ts, r.body, strings.TrimPrefix(sig, "sha256="), 5*time.Minute, now),
		"not hex":      VerifySignature("s3cret", ts, r.body, "sha256=zz", 5*time.Minute, now),
		"no signature": VerifySignature("s3cret", ts, r.body, "", 5*time.Minute, now),
	} {
		require.ErrorIs(t, err, ErrInvalidSignature, name)
	}
	require.Error(t, VerifySignature("s3cret", ts, r.body, sig, 0, now), "maxAge 0 must not disable replay checks")
}

func TestWebhookUnsignedWithoutSecret(t *testing.T) {
	srv := newRecorder(t, status(http.StatusOK))
	req := callRequest(srv.URL)
	req.Secret = ""
	require.NoError(t, (&Webhook{Targets: testTargets}).Dial(t.Context(), req))
	got := srv.received()
	require.Len(t, got, 1)
	require.Empty(t, got[0].header.Get(SignatureHeader))
	require.NotEmpty(t, got[0].header.Get(TimestampHeader))
}

func TestWebhookRetriesServerErrors(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, _ *http.Request, hit int) {
		if hit <= 2 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	ws := &waits{}
	w := &Webhook{Targets: testTargets, Backoff: time.Millisecond, sleep: ws.sleep}

	require.NoError(t, w.Dial(t.Context(), callRequest(srv.URL)))

	got := srv.received()
	require.Len(t, got, 3)
	for _, r := range got {
		// Same key and bytes on every try, so the dialer can deduplicate.
		require.Equal(t, "att-42", r.header.Get(IdempotencyKeyHeader))
		require.Equal(t, got[0].body, r.body)
		require.NoError(t, VerifySignature("s3cret", r.header.Get(TimestampHeader), r.body, r.header.Get(SignatureHeader), time.Minute, time.Now()))
	}
	require.Equal(t, []time.Duration{time.Millisecond, 2 * time.Millisecond}, ws.d)
}

func TestWebhookBackoffIsCapped(t *testing.T) {
	srv := newRecorder(t, status(http.StatusBadGateway))
	ws := &waits{}
	w := &Webhook{Targets: testTargets, Attempts: 5, Backoff: 2 * time.Second, sleep: ws.sleep}

	err := w.Dial(t.Context(), callRequest(srv.URL))
	require.ErrorContains(t, err, "gave up after 5 tries")
	require.ErrorContains(t, err, "502")
	require.Len(t, srv.received(), 5)
	require.Equal(t, []time.Duration{2 * time.Second, 4 * time.Second, MaxBackoff, MaxBackoff}, ws.d)
}

func TestWebhookFallsBackToBackup(t *testing.T) {
	primary := newRecorder(t, status(http.StatusServiceUnavailable))
	backup := newRecorder(t, status(http.StatusOK))
	req := callRequest(primary.URL)
	req.BackupURL = backup.URL
	w := &Webhook{Targets: testTargets, Backoff: time.Millisecond, sleep: (&waits{}).sleep}

	require.NoError(t, w.Dial(t.Context(), req))

	require.Len(t, primary.received(), 3)
	require.Len(t, backup.received(), 1)
	for _, r := range append(primary.received(), backup.received()...) {
		require.Equal(t, "att-42", r.header.Get(IdempotencyKeyHeader))
	}
}

func TestWebhookBothURLsFail(t *testing.T) {
	primary := newRecorder(t, status(http.StatusInternalServerError))
	backup := newRecorder(t, status(http.StatusInternalServerError))
	req := callRequest(primary.URL)
	req.BackupURL = backup.URL
	w := &Webhook{Targets: testTargets, Attempts: 2, Backoff: time.Millisecond, sleep: (&waits{}).sleep}

	err := w.Dial(t.Context(), req)
	require.ErrorContains(t, err, "webhook att-42 to "+primary.URL)
	require.ErrorContains(t, err, "webhook att-42 to "+backup.URL)
	require.NotErrorIs(t, err, ErrRejected)
	require.Len(t, primary.received(), 2)
	require.Len(t, backup.received(), 2)
}

func TestWebhookSameBackupIsNotRetried(t *testing.T) {
	srv := newRecorder(t, status(http.StatusInternalServerError))
	req := callRequest(srv.URL)
	req.BackupURL = srv.URL
	w := &Webhook{Targets: testTargets, Backoff: time.Millisecond, sleep: (&waits{}).sleep}

	require.Error(t, w.Dial(t.Context(), req))
	require.Len(t, srv.received(), 3)
}

func TestWebhookRejectedIsPermanent(t *testing.T) {
	primary := newRecorder(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, "  number is not dialable\n"+strings.Repeat("x", 1000))
	})
	backup := newRecorder(t, status(http.StatusOK))
	req := callRequest(primary.URL)
	req.BackupURL = backup.URL
	w := &Webhook{Targets: testTargets, Backoff: time.Millisecond, sleep: (&waits{}).sleep}

	err := w.Dial(t.Context(), req)
	require.ErrorIs(t, err, ErrRejected)
	require.ErrorContains(t, err, "webhook att-42 to "+primary.URL)
	require.ErrorContains(t, err, "400 Bad Request")
	require.ErrorContains(t, err, `"number is not dialable\nxxx`)
	require.Less(t, len(err.Error()), 500, "the excerpt is short")
	require.Len(t, primary.received(), 1)
	require.Empty(t, backup.received(), "the backup would reject the same request")
}

func TestWebhookRedirectIsRejected(t *testing.T) {
	target := newRecorder(t, status(http.StatusOK))
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		http.Redirect(w, r, target.URL, http.StatusFound)
	})
	err := (&Webhook{Targets: testTargets}).Dial(t.Context(), callRequest(srv.URL))
	require.ErrorIs(t, err, ErrRejected)
	require.ErrorContains(t, err, "302")
	require.Len(t, srv.received(), 1)
	require.Empty(t, target.received())
}

func TestWebhookRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name       string
		code       int
		retryAfter string
		want       time.Duration
	}{
		{"429 seconds", http.StatusTooManyRequests, "2", 2 * time.Second},
		{"503 seconds", http.StatusServiceUnavailable, "3", 3 * time.Second},
		{"capped", http.StatusTooManyRequests, "3600", MaxBackoff},
		{"huge", http.StatusTooManyRequests, "99999999999999999", MaxBackoff},
		{"shorter than backoff", http.StatusTooManyRequests, "0", time.Millisecond},
		{"unreadable", http.StatusTooManyRequests, "soon", time.Millisecond},
		{"date", http.StatusTooManyRequests, time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), MaxBackoff},
		{"ignored on 500", http.StatusInternalServerError, "2", time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRecorder(t, func(w http.ResponseWriter, _ *http.Request, hit int) {
				if hit == 1 {
					w.Header().Set("Retry-After", tc.retryAfter)
					w.WriteHeader(tc.code)
					return
				}
				w.WriteHeader(http.StatusOK)
			})
			ws := &waits{}
			w := &Webhook{Targets: testTargets, Backoff: time.Millisecond, sleep: ws.sleep}

			require.NoError(t, w.Dial(t.Context(), callRequest(srv.URL)))
			require.Len(t, srv.received(), 2)
			require.Equal(t, []time.Duration{tc.want}, ws.d)
		})
	}
}

func TestWebhookCancelStopsRetries(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	hit := make(chan struct{}, 10)
	srv := newRecorder(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.WriteHeader(http.StatusInternalServerError)
		hit <- struct{}{}
	})
	go func() {
		<-hit
		cancel()
	}()
	// A long backoff: only cancellation can end Dial before a second try.
	w := &Webhook{Targets: testTargets, Backoff: time.Hour}

	start := time.Now()
	err := w.Dial(ctx, callRequest(srv.URL))
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorContains(t, err, "webhook att-42 to "+srv.URL)
	require.Less(t, time.Since(start), MaxBackoff)
	require.Len(t, srv.received(), 1)
}

func TestWebhookCancelledBeforeDial(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	primary := newRecorder(t, status(http.StatusOK))
	backup := newRecorder(t, status(http.StatusOK))
	req := callRequest(primary.URL)
	req.BackupURL = backup.URL

	err := (&Webhook{Targets: testTargets}).Dial(ctx, req)
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, primary.received())
	require.Empty(t, backup.received())
}

func TestWebhookTimeoutIsRetried(t *testing.T) {
	release := make(chan struct{})
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request, hit int) {
		if hit == 1 {
			// Hang until the client gives up on this try.
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	defer close(release)
	ws := &waits{}
	w := &Webhook{Targets: testTargets, Timeout: 50 * time.Millisecond, Backoff: time.Millisecond, sleep: ws.sleep}

	require.NoError(t, w.Dial(t.Context(), callRequest(srv.URL)))
	got := srv.received()
	require.Len(t, got, 2)
	require.Equal(t, got[0].header.Get(IdempotencyKeyHeader), got[1].header.Get(IdempotencyKeyHeader))
}

func TestWebhookTimeoutGivesUp(t *testing.T) {
	release := make(chan struct{})
	srv := newRecorder(t, func(_ http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	w := &Webhook{Targets: testTargets, Attempts: 2, Timeout: 20 * time.Millisecond, Backoff: time.Millisecond, sleep: (&waits{}).sleep}

	err := w.Dial(t.Context(), callRequest(srv.URL))
	require.ErrorContains(t, err, "no response within 20ms")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Len(t, srv.received(), 2)
}

func TestWebhookNetworkErrorFallsBack(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	backup := newRecorder(t, status(http.StatusOK))
	req := callRequest(deadURL)
	req.BackupURL = backup.URL
	ws := &waits{}
	w := &Webhook{Targets: testTargets, Backoff: time.Millisecond, sleep: ws.sleep}

	require.NoError(t, w.Dial(t.Context(), req))
	require.Len(t, ws.d, 2, "the dead primary was tried 3 times")
	require.Len(t, backup.received(), 1)
}

func TestWebhookInvalidRequest(t *testing.T) {
	for _, tc := range []struct {
		name, primary, backup, attempt, want string
	}{
		{"no primary", "", "", "att-1", "primary_url is empty"},
		{"ftp primary", "ftp://dialer.example/x", "", "att-1", `primary_url has scheme "ftp"`},
		{"relative primary", "/outdial", "", "att-1", `primary_url has scheme ""`},
		{"unparsable primary", "http://[::1", "", "att-1", "primary_url does not parse"},
		{"no host", "http:///outdial", "", "att-1", "primary_url has no host"},
		{"bad backup", "http://dialer.example", "mailto:ops@example.com", "att-1", `backup_url has scheme "mailto"`},
		{"no attempt ID", "http://dialer.example", "", "", "no attempt ID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := callRequest(tc.primary)
			req.BackupURL, req.AttemptID = tc.backup, tc.attempt
			err := (&Webhook{Targets: testTargets}).Dial(t.Context(), req)
			require.ErrorIs(t, err, ErrInvalidRequest)
			require.ErrorContains(t, err, tc.want)
			require.ErrorContains(t, err, `entry point "ep-sales"`)
		})
	}
}

func TestWebhookErrorsHideURLSecrets(t *testing.T) {
	srv := newRecorder(t, status(http.StatusInternalServerError))
	req := callRequest(strings.Replace(srv.URL, "http://", "http://user:pw@", 1) + "/hook?token=t0k")
	w := &Webhook{Targets: testTargets, Attempts: 1}

	err := w.Dial(t.Context(), req)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "t0k")
	require.NotContains(t, err.Error(), "pw")
	require.ErrorContains(t, err, srv.URL+"/hook")

	// A transport error must not leak it either.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	req.PrimaryURL = dead.URL + "/hook?token=t0k"
	err = w.Dial(t.Context(), req)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "t0k")
	require.False(t, errors.Is(err, ErrRejected))
}
