package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// TestExport: a campaign's and a list's results come back one row per
// contact with its fields and where it ended, and one row per attempt with
// its evidence; a cell a spreadsheet would run is quoted in both formats.
func TestExport(t *testing.T) {
	h := newHarness(t)
	campaign := h.importCampaign()
	status, out := h.call(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/contacts", campaign), map[string]any{"contacts": []any{
		map[string]any{"external_key": `=HYPERLINK("http://evil")`, "numbers": map[string]any{"Mobile": "469-335-0001"},
			"attributes": map[string]any{"Name": "Ann", "Note": "@SUM(A1)"}},
		map[string]any{"external_key": "B2", "numbers": map[string]any{"Mobile": "469-335-0002", "Home": "469-335-0003"},
			"attributes": map[string]any{"Name": "Bob"}},
	}})
	require.Equal(t, http.StatusOK, status, "%v", out)
	list := uint64(out["list"].(map[string]any)["id"].(float64))
	ann := uint64(out["contacts"].([]any)[0].(map[string]any)["contact_id"].(float64))
	require.NoError(t, h.db.Exec(`INSERT INTO attempts (id, contact_id, campaign_id, seq, mode, number, agent, started_at, ended_at,
		telephony_outcome, business_outcome, decision, evidence) VALUES (?, ?, ?, 1, 'Mobile', '+14693350001', '7',
		'2026-12-01T15:00:00Z', '2026-12-01T15:02:00Z', 'voice', 'Sale', 'close: Sale', '{"mode":"Mobile"}')`,
		fmt.Sprintf("%d-1", ann), ann, campaign).Error)
	require.NoError(t, h.db.Exec(`UPDATE contacts SET attempt_count = 1, status = 'closed', closed_reason = 'Sale' WHERE id = ?`, ann).Error)

	csvOf := func(path string) [][]string {
		t.Helper()
		status, raw := h.raw(http.MethodGet, path, nil)
		require.Equal(t, http.StatusOK, status, "%s", raw)
		records, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
		require.NoError(t, err)
		return records
	}
	wantContacts := [][]string{
		{"contact_id", "list_id", "row_number", "external_key", "time_zone", "status", "closed_reason", "attempt_count", "last_attempt_at",
			"last_telephony_outcome", "last_business_outcome", "number Home", "number Mobile", "Name", "Note"},
		{fmt.Sprint(ann), fmt.Sprint(list), "1", `'=HYPERLINK("http://evil")`, "America/Chicago", "closed", "Sale", "1", "2026-12-01T15:00:00Z",
			"voice", "Sale", "", "'+14693350001", "Ann", "'@SUM(A1)"},
		{fmt.Sprint(ann + 1), fmt.Sprint(list), "2", "B2", "America/Chicago", "new", "", "0", "", "", "", "'+14693350003", "'+14693350002", "Bob", ""},
	}
	wantAttempts := [][]string{
		{"attempt_id", "contact_id", "list_id", "seq", "mode", "number", "agent", "started_at", "dial_accepted_at", "answered_at", "ended_at",
			"telephony_outcome", "business_outcome", "decision", "evidence"},
		{fmt.Sprintf("%d-1", ann), fmt.Sprint(ann), fmt.Sprint(list), "1", "Mobile", "'+14693350001", "7", "2026-12-01T15:00:00Z", "", "",
			"2026-12-01T15:02:00Z", "voice", "Sale", "close: Sale", `{"mode": "Mobile"}`},
	}
	require.Equal(t, wantContacts, csvOf(fmt.Sprintf("/api/v1/campaigns/%d/export", campaign)))
	require.Equal(t, wantAttempts, csvOf(fmt.Sprintf("/api/v1/campaigns/%d/export?format=csv&sheet=attempts", campaign)))
	require.Equal(t, wantContacts, csvOf(fmt.Sprintf("/api/v1/lists/%d/export?sheet=contacts", list)))

	status, raw := h.raw(http.MethodGet, fmt.Sprintf("/api/v1/lists/%d/export?format=xlsx", list), nil)
	require.Equal(t, http.StatusOK, status, "%s", raw)
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	require.NoError(t, err)
	require.Equal(t, []string{"Contacts", "Attempts"}, f.GetSheetList())
	for sheet, want := range map[string][][]string{"Contacts": wantContacts, "Attempts": wantAttempts} {
		rows, err := f.GetRows(sheet)
		require.NoError(t, err)
		for i := range rows { // excelize leaves trailing empty cells out
			rows[i] = append(rows[i], make([]string, len(want[i])-len(rows[i]))...)
		}
		require.Equal(t, want, rows, sheet)
	}

	for _, bad := range []struct {
		path  string
		want  int
		field string
	}{
		{fmt.Sprintf("/api/v1/campaigns/%d/export?format=pdf", campaign), http.StatusUnprocessableEntity, "format"},
		{fmt.Sprintf("/api/v1/campaigns/%d/export?sheet=calls", campaign), http.StatusUnprocessableEntity, "sheet"},
		{fmt.Sprintf("/api/v1/campaigns/%d/export?format=xlsx&sheet=attempts", campaign), http.StatusUnprocessableEntity, "sheet"},
		{"/api/v1/campaigns/999999/export", http.StatusNotFound, ""},
		{"/api/v1/lists/999999/export?format=xlsx", http.StatusNotFound, ""},
	} {
		status, out := h.call(http.MethodGet, bad.path, nil)
		requireProblem(t, status, out, bad.want, bad.field)
	}
}
