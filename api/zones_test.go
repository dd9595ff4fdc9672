package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// The eligibility of a Toronto number names its canonical zone and the
// configured time zone that governs it, "Eastern Time (US and Canada)"
// (America/New_York), with that time zone's hours and flag.
func TestEligibilityNamesTheZoneRow(t *testing.T) {
	h := newHarness(t)
	require.NoError(t, loadDemo(h))
	_, found := h.call(http.MethodGet, "/api/v1/campaigns?q=kris_progressive", nil)
	campaign := uint64(found["items"].([]any)[0].(map[string]any)["id"].(float64))
	require.NoError(t, h.db.Exec("UPDATE campaigns SET status = 'active' WHERE id = ?", campaign).Error)
	_, found = h.call(http.MethodGet, "/api/v1/timezones?q=Eastern", nil)
	eastern := found["items"].([]any)[0].(map[string]any)
	require.Equal(t, "America/New_York", eastern["iana_zone"])
	status, out := h.call(http.MethodPut, fmt.Sprintf("/api/v1/timezones/%d", uint64(eastern["id"].(float64))), map[string]any{
		"display_name": eastern["display_name"], "enabled": false, "start_time": "09:00", "end_time": "17:00"})
	require.Equal(t, http.StatusOK, status, "%v", out)

	_, out = h.call(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/contacts", campaign), map[string]any{"contacts": []any{
		map[string]any{"numbers": map[string]any{"Mobile": "(416) 595-1234"}}}})
	contact := uint64(out["contacts"].([]any)[0].(map[string]any)["contact_id"].(float64))
	status, elig := h.call(http.MethodGet, fmt.Sprintf("/api/v1/contacts/%d/eligibility", contact), nil)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "wait", elig["action"], "%v", elig)
	require.Equal(t, "America/Toronto", elig["time_zone"])
	require.Contains(t, elig["reason"], "(UTC-05:00) Eastern Time (US and Canada) (America/Toronto) is not enabled for calling")
	require.Equal(t, []any{map[string]any{"time_zone_id": eastern["id"], "display_name": "(UTC-05:00) Eastern Time (US and Canada)",
		"iana_zone": "America/New_York", "enabled": false, "start_time": "09:00", "end_time": "17:00"}}, elig["zone_rows"])
}
