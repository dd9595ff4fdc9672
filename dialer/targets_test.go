package dialer

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTargetsRefuse(t *testing.T) {
	own := netip.MustParseAddr("10.0.0.5")
	targets := &Targets{Own: []netip.Addr{own}}
	for _, tc := range []struct {
		addr, want string // want: a word of the reason, "" for allowed
	}{
		{"127.0.0.1", "loopback"},
		{"127.1.2.3", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"0.0.0.0", "unspecified"},
		{"0.1.2.3", "unspecified"},
		{"::", "unspecified"},
		{"169.254.169.254", "link-local"},
		{"fe80::1", "link-local"},
		{"fd00:ec2::254", "metadata"},
		{"224.0.0.1", "link-local"},
		{"239.1.2.3", "multicast"},
		{"10.0.0.5", "own services"},
		{"::ffff:10.0.0.5", "own services"},
		{"10.0.0.6", ""},
		{"192.168.1.20", ""},
		{"172.16.0.1", ""},
		{"fd12::1", ""},
		{"203.0.113.7", ""},
		{"2001:db8::1", ""},
	} {
		why := targets.Refuses(netip.MustParseAddr(tc.addr))
		if tc.want == "" {
			require.Empty(t, why, tc.addr)
			continue
		}
		require.Contains(t, why, tc.want, tc.addr)
	}
	var none *Targets
	require.Contains(t, none.Refuses(netip.MustParseAddr("127.0.0.1")), "loopback", "nil Targets refuse too")
	require.Empty(t, none.Refuses(netip.MustParseAddr("10.0.0.5")))

	allow, err := ParseAllow("127.0.0.1, 10.0.0.0/24 169.254.0.0/16")
	require.NoError(t, err)
	allowed := &Targets{Allow: allow, Own: []netip.Addr{own}}
	for _, a := range []string{"127.0.0.1", "::ffff:127.0.0.1", "10.0.0.5", "169.254.169.254"} {
		require.Empty(t, allowed.Refuses(netip.MustParseAddr(a)), "%s is allow-listed", a)
	}
	require.Contains(t, allowed.Refuses(netip.MustParseAddr("127.0.0.2")), "loopback", "only what the list names")
	require.Contains(t, allowed.Refuses(netip.MustParseAddr("::1")), "loopback")
}

func TestParseAllow(t *testing.T) {
	got, err := ParseAllow("")
	require.NoError(t, err)
	require.Empty(t, got, "the default allows nothing")
	got, err = ParseAllow("::1,10.1.2.3/16")
	require.NoError(t, err)
	require.Equal(t, []netip.Prefix{netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("10.1.0.0/16")}, got)
	for _, bad := range []string{"localhost", "10.0.0.0/33", "1.2.3"} {
		_, err := ParseAllow(bad)
		require.ErrorContains(t, err, "is not an IP address or CIDR prefix", bad)
	}
}

func TestTargetsCheckURL(t *testing.T) {
	targets := &Targets{OwnHosts: []string{"postgres", "temporal"}, Own: []netip.Addr{netip.MustParseAddr("10.0.0.5")}}
	for raw, want := range map[string]string{
		"http://127.0.0.1:5432/":               "loopback",
		"https://[::1]/calls":                  "loopback",
		"http://localhost:8080/":               "loopback",
		"http://LOCALHOST./":                   "loopback",
		"http://api.localhost/":                "loopback",
		"http://169.254.169.254/latest/":       "link-local",
		"http://0.0.0.0:8080/":                 "unspecified",
		"http://10.0.0.5:7243/api/v1/":         "own services",
		"http://postgres:5432/":                "own services",
		"http://Temporal:7233/":                "own services",
		"https://dialer.example/calls":         "",
		"http://10.0.0.9:9000/outdial":         "",
		"http://[2001:db8::1]:443/":            "",
		"https://localhost.dialer.example/":    "",
		"http://user:pw@192.168.0.10/?token=x": "",
	} {
		why := targets.CheckURL(raw)
		if want == "" {
			require.Empty(t, why, raw)
			continue
		}
		require.Contains(t, why, want, raw)
	}
	loop := &Targets{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	require.Empty(t, loop.CheckURL("http://localhost:9000/"), "localhost is allowed with 127.0.0.1")
	require.Empty(t, loop.CheckURL("http://127.0.0.1:9000/"))
}

// A webhook without an allow-list connects to no loopback address, named
// by IP or by a name that resolves to one; the request never arrives and
// the attempt is not retried, on this URL or the backup.
func TestWebhookRefusesLoopback(t *testing.T) {
	srv := newRecorder(t, status(http.StatusOK))
	backup := newRecorder(t, status(http.StatusOK))
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for _, primary := range []string{srv.URL, "http://localhost" + port + "/calls"} {
		req := callRequest(primary)
		req.BackupURL = backup.URL
		ws := &waits{}
		err := (&Webhook{sleep: ws.sleep}).Dial(t.Context(), req)
		require.ErrorIs(t, err, ErrRefusedTarget, primary)
		require.ErrorIs(t, err, ErrInvalidRequest, "not retried")
		require.ErrorContains(t, err, "is a loopback address")
		require.Empty(t, ws.d, "no retry")
	}
	require.Empty(t, srv.received())
	require.Empty(t, backup.received())

	// Allowed explicitly, the same server is reached.
	require.NoError(t, (&Webhook{Targets: testTargets}).Dial(t.Context(), callRequest(srv.URL)))
	require.Len(t, srv.received(), 1)
}

// A dialer cannot send Outdial on to a refused address: no redirect is
// followed, whatever its target.
func TestWebhookRedirectToMetadataIsNotFollowed(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusTemporaryRedirect)
	})
	err := (&Webhook{Targets: testTargets}).Dial(t.Context(), callRequest(srv.URL))
	require.ErrorIs(t, err, ErrRejected)
	require.ErrorContains(t, err, "307")
	require.Len(t, srv.received(), 1)
}
