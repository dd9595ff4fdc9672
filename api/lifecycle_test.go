package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStartRefusesACampaignThatCannotDial: started, a campaign whose date
// range has ended would close every contact for good, and a progressive
// one without a team would dial for nobody; start refuses both, saying
// why, and leaves the campaign as it was.
func TestStartRefusesACampaignThatCannotDial(t *testing.T) {
	h := newHarness(t)
	require.NoError(t, loadDemo(h))
	_, found := h.call(http.MethodGet, "/api/v1/campaigns?q=kris_progressive", nil)
	campaign := uint64(found["items"].([]any)[0].(map[string]any)["id"].(float64))
	start := fmt.Sprintf("/api/v1/campaigns/%d/start", campaign)

	require.NoError(t, h.db.Exec("UPDATE campaigns SET start_date = '2019-01-01', end_date = '2021-12-31' WHERE id = ?", campaign).Error)
	status, out := h.call(http.MethodPost, start, nil)
	requireProblem(t, status, out, http.StatusUnprocessableEntity, "end_date")
	require.Contains(t, out["detail"], "2021-12-31")

	require.NoError(t, h.db.Exec("UPDATE campaigns SET start_date = NULL, end_date = NULL WHERE id = ?", campaign).Error)
	require.NoError(t, h.db.Exec("DELETE FROM campaign_teams WHERE campaign_id = ?", campaign).Error)
	status, out = h.call(http.MethodPost, start, nil)
	requireProblem(t, status, out, http.StatusUnprocessableEntity, "team_ids")

	_, c := h.call(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d", campaign), nil)
	require.Equal(t, "draft", c["status"])
}
