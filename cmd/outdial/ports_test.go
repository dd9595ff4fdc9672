package main

import (
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCheckPorts: a busy port is found before dev starts anything, and the
// error names the setting that moves it.
func TestCheckPorts(t *testing.T) {
	free := func() int {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		port := l.Addr().(*net.TCPAddr).Port
		require.NoError(t, l.Close())
		return port
	}
	addr := func(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }
	c := &config{Listen: addr(free()), TemporalAddress: addr(free())}
	o := devOptions{UIPort: free()}
	require.NoError(t, checkPorts(c, o))

	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = taken.Close() })
	busy := taken.Addr().String()
	_, busyPort, _ := net.SplitHostPort(busy)

	c.Listen = busy
	err = checkPorts(c, o)
	require.ErrorContains(t, err, "the API cannot listen on "+busy)
	require.ErrorContains(t, err, "--listen or OUTDIAL_LISTEN")

	c.Listen, c.TemporalAddress = addr(free()), busy
	require.ErrorContains(t, checkPorts(c, o), "--temporal-address or OUTDIAL_TEMPORAL_ADDRESS")

	c.TemporalAddress = addr(free())
	o.UIPort, _ = strconv.Atoi(busyPort)
	require.ErrorContains(t, checkPorts(c, o), "--ui-port")
}
