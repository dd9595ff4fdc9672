package dialer

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Header names of a webhook call request.
const (
	IdempotencyKeyHeader = "Idempotency-Key"
	SignatureHeader      = "X-Outdial-Signature"
	TimestampHeader      = "X-Outdial-Timestamp"
)

// Webhook defaults.
const (
	DefaultAttempts = 3
	DefaultBackoff  = 200 * time.Millisecond
	// DefaultTimeout bounds one try: every try of both URLs, with their
	// backoff, then fits in the 30 seconds the contact workflow gives one
	// try of its dial (workflows/contact.go), so a hanging primary leaves
	// time for the backup.
	DefaultTimeout = 4 * time.Second
	// MaxBackoff caps both the doubling backoff and a Retry-After wait, so a
	// dialer cannot park an attempt for long.
	MaxBackoff = 5 * time.Second
)

var (
	// ErrRejected means the dialer answered with a status that retrying
	// cannot fix (a 4xx other than 408 and 429, or a 3xx): the request
	// itself is wrong and the attempt should not be retried as is.
	ErrRejected = errors.New("dialer rejected the call request")
	// ErrInvalidRequest means the call request could not be sent at all: no
	// attempt ID, or an entry point URL that is missing or not http(s).
	ErrInvalidRequest = errors.New("call request cannot be sent")
	// ErrInvalidSignature is what VerifySignature wraps when a request does
	// not authenticate: malformed headers, a wrong MAC, or a stale timestamp.
	ErrInvalidSignature = errors.New("invalid webhook signature")
)

// Webhook is a Dialer that POSTs each call request as JSON to the entry
// point's outdial URL.
//
// # Request
//
// Each try is a POST with Content-Type application/json whose body is the
// CallRequest's JSON (attempt_id, campaign, campaign_type, campaign_group,
// list_id, contact_id, number, time_zone, external_id, entry_point,
// call_me_now, ...). The body is the same bytes on every try. Headers:
//
//	Idempotency-Key: <attempt_id>
//	X-Outdial-Timestamp: <Unix time of this try, decimal seconds>
//	X-Outdial-Signature: sha256=<hex HMAC-SHA256>   (only when the entry point has a secret)
//
// The dialer must place at most one call per Idempotency-Key: a try that
// timed out may have been received, and retries (and the backup URL) carry
// the same key. The primary and backup receivers should therefore share
// their record of keys already seen.
//
// # Signature
//
// The signature is HMAC-SHA256 keyed with the entry point's secret (its
// UTF-8 bytes) over the message
//
//	<X-Outdial-Timestamp value, exactly as sent> + "." + <raw request body>
//
// written as "sha256=" followed by the lowercase hex digest. Every try is
// signed afresh with its own timestamp, so the signature differs between
// retries while the body and the key do not. A receiver should:
//
//  1. read the raw body bytes before parsing the JSON;
//  2. recompute the HMAC over timestamp + "." + body and compare it to the
//     header in constant time;
//  3. reject a timestamp more than a few minutes away from its clock, so a
//     captured request cannot be replayed later;
//  4. deduplicate on Idempotency-Key.
//
// VerifySignature does steps 2 and 3.
//
// # Delivery
//
// A network error, a timeout, or HTTP 408, 429 or 5xx is retried on the same
// URL up to Attempts times, waiting Backoff, then twice that, and so on up to
// MaxBackoff; on 429 and 503 a longer Retry-After (seconds or an HTTP date)
// is honoured up to MaxBackoff. When the primary URL keeps failing, the
// backup URL, if set and different, gets the same treatment. A 2xx is
// success. Any other status fails at once with ErrRejected, without trying
// the backup: it would reject the same request. Redirects are not followed
// (a 301 or 302 would turn the POST into a bodiless GET, and could point
// at an address Targets refuses); they count as rejections so that the
// entry point's URL gets fixed.
//
// # Addresses
//
// Every connection is checked on the address it is actually made to,
// after the URL's name was resolved: Targets refuses loopback, link-local
// and Outdial's own addresses unless allowed, so neither an entry point's
// URL nor a name that resolves (or is rebound) to such an address can
// point Outdial at itself. A refused address fails at once with
// ErrRefusedTarget, without trying the backup. Requests go straight to
// the dialer, never through an HTTP_PROXY, whose address would be the
// one checked.
//
// The zero Webhook is ready to use, and refuses those addresses.
type Webhook struct {
	// Targets says which addresses may be reached; nil refuses loopback,
	// link-local and unspecified addresses and allows no exception.
	Targets *Targets
	// Attempts is the number of tries per URL; 0 means DefaultAttempts.
	Attempts int
	// Backoff is the wait before the first retry, doubled for each later
	// one; 0 means DefaultBackoff.
	Backoff time.Duration
	// Timeout bounds each try, whatever the Client; 0 means DefaultTimeout.
	Timeout time.Duration

	// sleep waits between tries; tests replace it to observe the waits.
	sleep func(context.Context, time.Duration) error

	once   sync.Once
	client *http.Client
}

// httpClient is the client every try uses, made once so that connections
// are reused: it connects only where Targets allows and follows no
// redirect. Each try's own context bounds it in time.
func (w *Webhook) httpClient() *http.Client {
	w.once.Do(func() {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = nil
		t.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: w.Targets.control}).DialContext
		w.client = &http.Client{Transport: t, CheckRedirect: noRedirect}
	})
	return w.client
}

var _ Dialer = (*Webhook)(nil)

// Dial POSTs req to req.PrimaryURL, falling back to req.BackupURL.
func (w *Webhook) Dial(ctx context.Context, req CallRequest) error {
	if req.AttemptID == "" {
		// Without a key the receiver cannot deduplicate retries.
		return fmt.Errorf("webhook: %w: no attempt ID (entry point %q)", ErrInvalidRequest, req.EntryPoint)
	}
	primary, err := parseTarget(req, "primary_url", req.PrimaryURL, true)
	if err != nil {
		return err
	}
	backup, err := parseTarget(req, "backup_url", req.BackupURL, false)
	if err != nil {
		return err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("webhook %s: encode: %w", req.AttemptID, err)
	}

	err = w.deliver(ctx, req, primary, body)
	if err == nil || errors.Is(err, ErrRejected) || errors.Is(err, ErrInvalidRequest) || ctx.Err() != nil || backup == nil || backup.String() == primary.String() {
		return err
	}
	if berr := w.deliver(ctx, req, backup, body); berr != nil {
		return errors.Join(err, berr)
	}
	return nil
}

// deliver tries one URL until success, a permanent failure, cancellation,
// or the last attempt.
func (w *Webhook) deliver(ctx context.Context, req CallRequest, u *url.URL, body []byte) error {
	wrap := func(err error) error {
		return fmt.Errorf("webhook %s to %s: %w", req.AttemptID, display(u), err)
	}
	attempts := w.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	backoff := w.Backoff
	if backoff <= 0 {
		backoff = DefaultBackoff
	}
	sleep := w.sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	var last error
	for try := 1; ; try++ {
		retryAfter, err := w.try(ctx, req, u, body)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			// The caller gave up; the transport's error says no more than that.
			return wrap(context.Cause(ctx))
		}
		if errors.Is(err, ErrRejected) || errors.Is(err, ErrInvalidRequest) {
			return wrap(err)
		}
		last = err
		if try >= attempts {
			break
		}
		if err := sleep(ctx, min(max(backoff, retryAfter), MaxBackoff)); err != nil {
			return wrap(fmt.Errorf("%w (after %d tries: %v)", err, try, last))
		}
		backoff = min(2*backoff, MaxBackoff)
	}
	return wrap(fmt.Errorf("gave up after %d tries: %w", attempts, last))
}

// try sends one request. A nil error is success; an error wrapping
// ErrRejected is permanent; any other error may be retried after at least
// the returned wait.
func (w *Webhook) try(ctx context.Context, req CallRequest, u *url.URL, body []byte) (time.Duration, error) {
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("User-Agent", "outdial-webhook")
	hr.Header.Set(IdempotencyKeyHeader, req.AttemptID)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	hr.Header.Set(TimestampHeader, ts)
	if req.Secret != "" {
		hr.Header.Set(SignatureHeader, sign(req.Secret, ts, body))
	}

	resp, err := w.httpClient().Do(hr)
	if err != nil {
		// *url.Error repeats the full URL, which may carry a token.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			// The transport words this several ways; say it once, plainly.
			err = fmt.Errorf("no response within %s: %w", timeout, context.DeadlineExceeded)
		}
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	// Read a bounded amount: enough for the excerpt, and to let the
	// connection be reused after a short body.
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))

	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		return 0, nil
	case code == http.StatusRequestTimeout || code >= 500:
		var wait time.Duration
		if code == http.StatusServiceUnavailable {
			wait = retryAfter(resp.Header.Get("Retry-After"))
		}
		return wait, fmt.Errorf("status %s%s", resp.Status, excerpt(head))
	case code == http.StatusTooManyRequests:
		return retryAfter(resp.Header.Get("Retry-After")), fmt.Errorf("status %s%s", resp.Status, excerpt(head))
	default:
		return 0, fmt.Errorf("%w: status %s%s", ErrRejected, resp.Status, excerpt(head))
	}
}

// VerifySignature checks a webhook call request as its receiver: signature
// is the X-Outdial-Signature header, timestamp the X-Outdial-Timestamp
// header, body the raw request body. It fails, wrapping ErrInvalidSignature,
// unless signature is "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." +
// body)) and the timestamp is within maxAge of now, either way (a clock
// ahead by more than maxAge is as suspect as a replay). maxAge must be
// positive: replay protection is not optional.
func VerifySignature(secret string, timestamp string, body []byte, signature string, maxAge time.Duration, now time.Time) error {
	if secret == "" {
		return errors.New("verify webhook signature: empty secret")
	}
	if maxAge <= 0 {
		return errors.New("verify webhook signature: maxAge must be positive")
	}
	hexMAC, ok := strings.CutPrefix(signature, "sha256=")
	if !ok {
		return fmt.Errorf("%w: want a sha256= signature", ErrInvalidSignature)
	}
	got, err := hex.DecodeString(hexMAC)
	if err != nil {
		return fmt.Errorf("%w: signature is not hex", ErrInvalidSignature)
	}
	if !hmac.Equal(got, mac(secret, timestamp, body)) {
		return fmt.Errorf("%w: MAC does not match", ErrInvalidSignature)
	}
	// Checked after the MAC so that only an authentic timestamp is judged.
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q is not Unix seconds", ErrInvalidSignature, timestamp)
	}
	age := now.Sub(time.Unix(sec, 0))
	if age > maxAge || age < -maxAge {
		return fmt.Errorf("%w: timestamp is %s away from now, more than %s", ErrInvalidSignature, age.Abs().Truncate(time.Second), maxAge)
	}
	return nil
}

func sign(secret, timestamp string, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac(secret, timestamp, body))
}

func mac(secret, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(timestamp))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// parseTarget checks an entry point URL; an empty optional one is nil.
func parseTarget(req CallRequest, field, raw string, required bool) (*url.URL, error) {
	bad := func(why string) error {
		return fmt.Errorf("webhook %s: %w: entry point %q: %s %s", req.AttemptID, ErrInvalidRequest, req.EntryPoint, field, why)
	}
	if raw == "" {
		if required {
			return nil, bad("is empty")
		}
		return nil, nil
	}
	// The value is not echoed: it may hold a token.
	u, err := url.Parse(raw)
	if err != nil {
		return nil, bad("does not parse as a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, bad(fmt.Sprintf("has scheme %q, want http or https", u.Scheme))
	}
	if u.Host == "" {
		return nil, bad("has no host")
	}
	return u, nil
}

// display is u without user info or query, which often carry credentials,
// for error messages that end up in logs and workflow histories.
func display(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// excerpt is the start of a response body for an error message, quoted so
// that a body cannot forge log lines.
func excerpt(b []byte) string {
	s := strings.TrimSpace(strings.ToValidUTF8(string(b), "\uFFFD"))
	if s == "" {
		return ""
	}
	const n = 200
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return ": " + strconv.Quote(s)
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date; 0
// when absent or unreadable.
func retryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		// Clamp before converting: a huge value would overflow Duration.
		return time.Duration(min(s, int64(MaxBackoff/time.Second)+1)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
