package main

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWebhookTargets: the deployment's own services are refused to
// webhooks by address and by name, a listen address without a host stands
// for this machine, and --webhook-allow makes exceptions.
func TestWebhookTargets(t *testing.T) {
	c := &config{DatabaseURL: "postgres://outdial@10.9.8.7:5432/outdial", TemporalAddress: "temporal.invalid:7233", Listen: ":8080", WebhookAllow: "10.9.8.0/24"}
	targets, err := c.webhookTargets(t.Context())
	require.NoError(t, err)
	require.Contains(t, targets.Own, netip.MustParseAddr("10.9.8.7"), "PostgreSQL")
	require.Contains(t, targets.Own, netip.MustParseAddr("127.0.0.1"), "this machine, where the API listens")
	require.Equal(t, []string{"temporal.invalid"}, targets.OwnHosts)
	require.Contains(t, targets.CheckURL("http://temporal.invalid:7243/"), "own services")
	require.Empty(t, targets.Refuses(netip.MustParseAddr("10.9.8.7")), "allowed")

	c = &config{DatabaseURL: "postgres://outdial@10.9.8.7:5432/outdial", TemporalAddress: "10.9.8.6:7233", Listen: "10.9.8.5:8080"}
	targets, err = c.webhookTargets(t.Context())
	require.NoError(t, err)
	for _, own := range []string{"10.9.8.5", "10.9.8.6", "10.9.8.7"} {
		require.Contains(t, targets.Refuses(netip.MustParseAddr(own)), "own services", own)
	}
	require.Empty(t, targets.Refuses(netip.MustParseAddr("10.9.8.8")))

	_, err = (&config{WebhookAllow: "localhost"}).webhookTargets(t.Context())
	require.ErrorContains(t, err, `"localhost" is not an IP address or CIDR prefix`)
}
