package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/internal/listimport"
)

// TestHostileInput sends what an attacker or a careless client would: a
// value PostgreSQL cannot store is a 422 naming its field, never a 500,
// and nothing of it is written.
func TestHostileInput(t *testing.T) {
	h := newImportHarness(t)
	campaign := h.importCampaign()
	dnc := h.create("/api/v1/dnc-lists", map[string]any{"name": "Hostile", "category": "corporate"})
	agent := h.create("/api/v1/agents", map[string]any{"name": "Ann"})
	mode := `"min_length":8,"max_length":16`
	contacts := fmt.Sprintf("/api/v1/campaigns/%d/contacts", campaign)
	cases := []struct {
		name, method, path, body string
		status                   int
		field                    string // the field the problem names; "" for none
	}{
		{"NUL in a name", "POST", "/api/v1/modes", `{"name":"Mo\u0000bile",` + mode + `}`, 422, "name"},
		{"invalid UTF-8 in a name", "POST", "/api/v1/modes", "{\"name\":\"Mo\xffbile\"," + mode + "}", 422, "name"},
		{"integer past int4", "POST", "/api/v1/outcome-groups", `{"name":"g","outcomes":[{"name":"x","type":"failure","priority":2147483648}]}`, 422, "outcomes[0].priority"},
		{"integer past int64", "POST", "/api/v1/outcome-groups", `{"name":"g","outcomes":[{"name":"x","type":"failure","priority":9223372036854775808}]}`, 422, "outcomes[0].priority"},
		{"ID past int64", "POST", "/api/v1/campaigns", `{"name":"c","pacing_mode":"preview","time_zone_id":9223372036854775808}`, 422, "time_zone_id"},
		{"IDs past int64 in a list", "POST", "/api/v1/teams", `{"name":"t","campaign_ids":[18446744073709551615]}`, 422, "campaign_ids[0]"},
		{"NUL in an attribute", "POST", contacts, `{"contacts":[{"numbers":{"Mobile":"469-562-2405"},"attributes":{"Note":"a\u0000"}}]}`, 422, "contacts[0].attributes.Note"},
		{"NUL in an attribute's name", "POST", contacts, `{"contacts":[{"numbers":{"Mobile":"469-562-2405"},"attributes":{"N\u0000":"a"}}]}`, 422, "contacts[0].attributes"},
		{"invalid UTF-8 in an attribute's name", "POST", contacts, "{\"contacts\":[{\"numbers\":{\"Mobile\":\"469-562-2405\"},\"attributes\":{\"N\xc3\":\"a\"}}]}", 422, "contacts[0].attributes.N\uFFFD"},
		{"invalid UTF-8 in a number", "POST", contacts, "{\"contacts\":[{},{\"numbers\":{\"Mobile\":\"469\xe2\x82\"}}]}", 422, "contacts[1].numbers.Mobile"},
		{"NUL in a DNC number", "POST", fmt.Sprintf("/api/v1/dnc-lists/%d/entries", dnc), `[{"number":"214\u0000"}]`, 422, "[0].number"},
		{"NUL in a state reason", "PUT", fmt.Sprintf("/api/v1/agents/%d/state", agent), `{"state":"not_ready","reason":"\u0000"}`, 422, "reason"},
		{"NUL in a report's agent", "POST", "/api/v1/attempts/a1/telephony-outcome", `{"outcome":"busy","agent":"\u0000"}`, 422, "agent"},
		{"NUL in an attempt ID", "POST", "/api/v1/attempts/a%00/wrapup", `{"business":"Sale"}`, 422, "id"},
		{"invalid UTF-8 in an attempt ID", "POST", "/api/v1/attempts/a%ff/telephony-outcome", `{"outcome":"busy"}`, 422, "id"},
		{"NUL in a DNC number of the path", "DELETE", fmt.Sprintf("/api/v1/dnc-lists/%d/entries/214%%00", dnc), "", 422, "number"},
		{"NUL in a search", "GET", "/api/v1/modes?q=a%00", "", 422, "q"},
		{"path ID past int64", "GET", "/api/v1/campaigns/9223372036854775808", "", 422, "id"},
		{"path ID past uint64", "GET", fmt.Sprintf("/api/v1/lists/%s/contacts", strings.Repeat("9", 30)), "", 422, "id"},
		{"page past int", "GET", "/api/v1/modes?page=99999999999999999999", "", 422, "page"},
		{"trailing object", "POST", "/api/v1/modes", `{"name":"Fax",` + mode + `} {"name":"Pager"}`, 400, ""},
		{"trailing garbage", "POST", "/api/v1/modes", `{"name":"Fax",` + mode + `}]`, 400, ""},
		{"body over the limit", "POST", "/api/v1/modes", `{"name":"` + strings.Repeat("x", 33<<20) + `",` + mode + `}`, 413, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body any
			if c.body != "" {
				body = c.body
			}
			status, out := h.call(c.method, c.path, body)
			requireProblem(t, status, out, c.status, c.field)
			if c.status == http.StatusRequestEntityTooLarge {
				require.Contains(t, out["detail"], "33554432 bytes")
			}
		})
	}
	// Nothing of them was written.
	var n int64
	require.NoError(t, h.db.Table("modes").Where("name NOT IN ('Mobile', 'Home')").Count(&n).Error)
	require.Zero(t, n)
	require.NoError(t, h.db.Table("contacts").Count(&n).Error)
	require.Zero(t, n)

	// A page past the end, however far, is an empty page.
	for _, page := range []string{"2", "9223372036854775807"} {
		status, out := h.call(http.MethodGet, "/api/v1/modes?per_page=2&page="+page, nil)
		require.Equal(t, http.StatusOK, status, "%v", out)
		require.Empty(t, out["items"], "page %s", page)
		require.Equal(t, 2.0, out["total"])
	}
}

// TestContactPageIsBounded: contacts with big attributes fill a page by
// bytes before its count; the page says it is truncated and next carries
// on after its last row until every contact was seen once.
func TestContactPageIsBounded(t *testing.T) {
	h := newImportHarness(t)
	campaign := h.importCampaign()
	const n, big = 10, 1_000_000
	contacts := make([]any, n)
	for i := range contacts {
		contacts[i] = map[string]any{"numbers": map[string]any{"Mobile": fmt.Sprintf("469-562-%04d", 2400+i)},
			"attributes": map[string]any{"Note": strings.Repeat(string(rune('a'+i)), big)}}
	}
	status, out := h.call(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/contacts", campaign), map[string]any{"contacts": contacts})
	require.Equal(t, http.StatusOK, status, "%v", out["list"])
	list := uint64(out["list"].(map[string]any)["id"].(float64))

	next := fmt.Sprintf("/api/v1/lists/%d/contacts?per_page=1000", list)
	var rows []float64
	for pages := 0; next != ""; pages++ {
		require.Less(t, pages, n, "next never ends")
		status, raw := h.raw(http.MethodGet, next, nil)
		require.Equal(t, http.StatusOK, status, "%.300s", raw)
		require.Less(t, len(raw), listimport.MaxContactPageBytes+64<<10, "a page past its bound")
		var page struct {
			Items     []map[string]any `json:"items"`
			Total     float64          `json:"total"`
			Truncated bool             `json:"truncated"`
			Next      string           `json:"next"`
		}
		require.NoError(t, json.Unmarshal(raw, &page))
		require.EqualValues(t, n, page.Total)
		require.NotEmpty(t, page.Items)
		require.Equal(t, page.Next != "", page.Truncated, "only a truncated page of this list has more after it")
		for _, c := range page.Items {
			rows = append(rows, c["row_number"].(float64))
		}
		next = page.Next
	}
	require.Len(t, rows, n)
	require.IsIncreasing(t, rows)

	// A page of small contacts is whole, and the last has nothing next.
	status, out = h.call(http.MethodGet, fmt.Sprintf("/api/v1/lists/%d/contacts?per_page=1000&after_row=%d", list, int(rows[n-2])), nil)
	require.Equal(t, http.StatusOK, status, "%v", out)
	require.Len(t, out["items"], 1)
	require.Nil(t, out["next"])
	require.Nil(t, out["truncated"])
	status, out = h.call(http.MethodGet, fmt.Sprintf("/api/v1/lists/%d/contacts?after_row=0", list), nil)
	requireProblem(t, status, out, http.StatusUnprocessableEntity, "after_row")
}

// TestPoisonRows: a row PostgreSQL cannot store fails alone, with its
// reason, and is kept as storable text; the rest of the list imports.
func TestPoisonRows(t *testing.T) {
	h := newImportHarness(t)
	campaign := h.importCampaign()
	var file strings.Builder
	file.WriteString("Name,Number,HomeNumber,ZoneName,AccountId,Note\n")
	// Enough good rows that the poison is past the sniff for binary files.
	const good = 60
	for i := range good {
		fmt.Fprintf(&file, "Good %d,469-562-%04d,,,G%d,%s\n", i, 2400+i, i, strings.Repeat("x", 80))
	}
	file.WriteString("Nul\x00Name,469-562-3001,,,P1,\n")                                     // row 62: NUL in an attribute
	file.WriteString("Nul number,469-562\x00-3002,,,P2,\n")                                  // row 63: NUL in a number
	file.WriteString("Bad zone,469-562-3004,,\x00" + strings.Repeat("z", 10<<10) + ",P4,\n") // row 64: a long reason
	file.WriteString("Last,469-562-3005,,,L1,\n")                                            // row 65
	status, accepted := h.upload(fmt.Sprintf("/api/v1/campaigns/%d/lists", campaign), "poison.csv", []byte(file.String()), map[string]string{"mapping": listMapping})
	require.Equal(t, http.StatusAccepted, status, "%v", accepted)
	list := h.waitList(uint64(accepted["id"].(float64)))
	require.Equal(t, "active", list["status"], "%v", list["error"])
	stats := list["stats"].(map[string]any)
	require.Equal(t, float64(good+1), stats["uploaded"], "%v", stats)
	require.Equal(t, 3.0, stats["failed"], "%v", stats)

	status, raw := h.raw(http.MethodGet, fmt.Sprintf("/api/v1/lists/%d/failed-rows?format=csv", uint64(accepted["id"].(float64))), nil)
	require.Equal(t, http.StatusOK, status, "%s", raw)
	records, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	require.NoError(t, err)
	require.Len(t, records, 4)
	reasons := map[string][]string{}
	for _, r := range records[1:] {
		reasons[r[len(r)-2]] = r
	}
	require.Equal(t, `column "Name" holds a NUL byte, which cannot be stored`, reasons["62"][7])
	require.Equal(t, "Nul\uFFFDName", reasons["62"][0], "the row is kept, NUL made visible")
	require.Equal(t, `column "Number" holds a NUL byte, which cannot be stored`, reasons["63"][7])
	require.Equal(t, `column "ZoneName" holds a NUL byte, which cannot be stored`, reasons["64"][7])
	require.Equal(t, "\uFFFD"+strings.Repeat("z", 10<<10), reasons["64"][3], "a long cell is kept whole")
}
