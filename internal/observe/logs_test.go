package observe

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLogLinesNameTheirObjects: off a terminal each line is a JSON object,
// and a line logged with a context that names its campaign, list, contact
// and attempt carries all four, once each, the line's own value first.
func TestLogLinesNameTheirObjects(t *testing.T) {
	var out bytes.Buffer
	log := NewLogger(&out, slog.LevelDebug)
	ctx := With(context.Background(), CampaignID, uint64(7), ListID, uint64(3))
	ctx = With(ctx, ContactID, uint64(42), AttemptID, "42-1")
	log.InfoContext(ctx, "attempt ended", "outcome", "busy")
	log.WarnContext(ctx, "dial request failed", AttemptID, "42-2")
	log.Info("no context")

	var lines []map[string]any
	for _, raw := range bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n")) {
		var line map[string]any
		require.NoError(t, json.Unmarshal(raw, &line), "%s", raw)
		lines = append(lines, line)
		if line["attempt_id"] != nil {
			require.Equal(t, 1, bytes.Count(raw, []byte(`"attempt_id"`)), "%s", raw)
		}
	}
	require.Len(t, lines, 3)
	require.Equal(t, "attempt ended", lines[0]["msg"])
	require.Equal(t, "INFO", lines[0]["level"])
	require.Equal(t, map[string]any{"campaign_id": 7.0, "list_id": 3.0, "contact_id": 42.0, "attempt_id": "42-1", "outcome": "busy"},
		pick(lines[0], "campaign_id", "list_id", "contact_id", "attempt_id", "outcome"))
	require.Equal(t, "42-2", lines[1]["attempt_id"], "the line's own attempt, not the context's")
	require.Equal(t, 7.0, lines[1]["campaign_id"])
	require.NotContains(t, lines[2], "campaign_id")
}

// TestLogsAsTextOnATerminalOnly: a pipe is no terminal: JSON.
func TestLogsAsTextOnATerminalOnly(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	require.False(t, terminal(w))
	require.NoError(t, w.Close())
	var buf bytes.Buffer
	require.False(t, terminal(&buf))
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer func() { _ = tty.Close() }()
		require.True(t, terminal(tty))
	}
}

func pick(m map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		out[k] = m[k]
	}
	return out
}
