package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/internal/stats"
)

// TestReportPrintsTheCampaignsFigures: outdial report finds the campaign
// by name, reads its statistics with the key and prints them as a table.
func TestReportPrintsTheCampaignsFigures(t *testing.T) {
	at := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	s := stats.Stats{CampaignID: 7, Campaign: "kris_progressive", At: at,
		Contacts:    stats.Contacts{Total: 10, New: 2, Waiting: 3, Closed: 5, Attempted: 8, WaitingReasons: []stats.Reason{{Reason: "calling window", Example: "outside daily window 08:00–21:00 (America/Chicago)", Count: 3}}},
		Penetration: 0.8, Attempts: stats.Attempts{Total: 12, Telephony: map[string]int64{"voice": 6, "busy": 6}, Business: map[string]int64{"Sale": 4}},
		ContactRate: 0.5, Reached: 5, Succeeded: 4, SuccessRate: 0.8,
		Abandon: stats.AbandonRates{Period: &stats.AbandonRate{From: at.Add(-time.Hour), To: at.Add(stats.Period), Answered: 40, Abandoned: 1, Rate: 0.025}},
		Now:     stats.Now{Ringing: 2, Agents: map[string]int64{"available": 3}}}
	var auth, query string
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		switch r.URL.Path {
		case "/api/v1/campaigns":
			_ = json.NewEncoder(rw).Encode(map[string]any{"items": []any{map[string]any{"id": 7, "name": "kris_progressive"}}})
		case "/api/v1/campaigns/7/stats":
			query = r.URL.RawQuery
			_ = json.NewEncoder(rw).Encode(s)
		default:
			http.NotFound(rw, r)
		}
	}))
	defer srv.Close()
	var out bytes.Buffer
	require.NoError(t, runReport(t.Context(), []string{"--api", srv.URL, "--key", "k", "--campaign", "kris_progressive", "--bucket", "15m"}, &out))
	require.Equal(t, "Bearer k", auth)
	require.Equal(t, "bucket=15m", query)
	for _, want := range []string{"campaign kris_progressive (7)", "penetration", "80.0%", "calling window", "3",
		"30-day period", "2.5%", "calls ringing", "available", "busy", "Sale"} {
		require.Contains(t, out.String(), want)
	}
	require.Error(t, runReport(t.Context(), []string{"--api", srv.URL, "--campaign", "nobody"}, &out))
}
