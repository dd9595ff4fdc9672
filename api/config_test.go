package api_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/api"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
)

// fixture creates one of every object the others refer to.
type fixture struct {
	mode, zone, group, strategy, callback, entryPoint, team, dncCampaign uint64
}

func (h *harness) fixture() fixture {
	var f fixture
	f.mode = h.create("/api/v1/modes", map[string]any{"name": "Mobile", "description": "Mobile", "min_length": 8, "max_length": 16})
	f.zone = h.create("/api/v1/timezones", map[string]any{"display_name": "(UTC-06:00) Central Time (US and Canada)", "start_time": "8:00 AM", "end_time": "9:00 PM"})
	f.group = h.create("/api/v1/outcome-groups", map[string]any{"name": "Wrapup Code", "outcomes": []any{
		map[string]any{"name": "Sale", "type": "success", "close_contact": true},
		map[string]any{"name": "Callback Requested", "type": "failure", "reschedule": "0:0:5", "max_retry": 3},
	}})
	f.strategy = h.create("/api/v1/contact-strategies", map[string]any{"name": "kris_CS", "mode_ids": []any{f.mode}, "rules": []any{
		map[string]any{"telephony_outcome": "answer-machine", "reschedule": "0:0:15", "max_retry": 1, "priority": -1, "close_contact": true},
	}})
	f.callback = h.create("/api/v1/callback-strategies", map[string]any{"name": "Default_Callback_Strategy"})
	f.entryPoint = h.create("/api/v1/entry-points", map[string]any{"name": "EP_Krisoutdial"})
	f.team = h.create("/api/v1/teams", map[string]any{"name": "krisServiceTeam", "site": "site_KrisRCDN"})
	f.dncCampaign = h.create("/api/v1/dnc-lists", map[string]any{"name": "Litigators", "category": "litigation", "scope": "campaign"})
	return f
}

// TestRoundTrip creates, reads, lists, replaces and deletes every
// configuration object, and checks what reached PostgreSQL.
func TestRoundTrip(t *testing.T) {
	h := newHarness(t)
	f := h.fixture()
	campaign := map[string]any{
		"name": "kris_progressive", "description": "kris_progressive", "pacing_mode": "Progressive",
		"start_date": "2026-11-01", "end_date": "2027-04-30", "daily_start_time": "12:00 AM", "daily_end_time": "11:59 PM",
		"time_zone_id": f.zone, "outcome_group_id": f.group, "time_to_live_days": 365, "entry_point_id": f.entryPoint,
		"contact_strategy_id": f.strategy, "callback_strategy_id": f.callback, "global_retry": 5, "daily_retry": 2,
		"cycle_retry": 1, "cycle_retry_interval": "1:0:0", "team_ids": []any{f.team}, "dnc_list_ids": []any{f.dncCampaign},
	}
	cid := h.create("/api/v1/campaigns", campaign)
	cg := h.create("/api/v1/campaign-groups", map[string]any{"name": "EP_Krisoutdial",
		"campaigns":  []any{map[string]any{"campaign_id": cid, "deliverable_percentage": 100}},
		"time_zones": []any{map[string]any{"time_zone_id": f.zone, "enabled": true, "start_time": "12:00 AM", "end_time": "11:59 PM"}}})
	agent := h.create("/api/v1/agents", map[string]any{"name": "Kristest Agent3", "team_id": f.team})

	cases := []struct {
		path string
		id   uint64
		want map[string]any
	}{
		{"modes", f.mode, map[string]any{"name": "Mobile", "min_length": 8.0, "max_length": 16.0}},
		{"timezones", f.zone, map[string]any{"iana_zone": "America/Chicago", "enabled": true, "start_time": "08:00", "end_time": "21:00"}},
		{"contact-strategies", f.strategy, map[string]any{"type": "simple", "mode_ids": []any{float64(f.mode)}}},
		{"callback-strategies", f.callback, map[string]any{"pcb_to_ncb_reset": "retries", "attempts_to_reach_agent": 1.0}},
		{"entry-points", f.entryPoint, map[string]any{"type": "outdial", "dialer": "simulator", "status": "active", "has_secret": false}},
		{"teams", f.team, map[string]any{"site": "site_KrisRCDN", "campaign_ids": []any{float64(cid)}, "campaign_group_ids": []any{}}},
		{"dnc-lists", f.dncCampaign, map[string]any{"category": "litigation", "scope": "campaign", "entry_count": 0.0}},
		{"campaigns", cid, map[string]any{"status": "draft", "pacing_mode": "progressive", "start_date": "2026-11-01", "daily_end_time": "23:59",
			"default_region": "US", "default_delay": "0:0:15", "lines_per_agent": 1.0, "global_retry": 5.0, "cycle_retry_interval": "1:0:0",
			"team_ids": []any{float64(f.team)}, "dnc_list_ids": []any{float64(f.dncCampaign)}}},
		{"campaign-groups", cg, map[string]any{"initial_contacts": 85.0, "increment_percent": 30.0, "decrement_percent": 60.0, "upper_threshold_percent": 200.0,
			"campaigns": []any{map[string]any{"campaign_id": float64(cid), "deliverable_percentage": 100.0}}}},
		{"agents", agent, map[string]any{"state": "not_ready", "team_id": float64(f.team)}},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			status, got := h.call(http.MethodGet, fmt.Sprintf("/api/v1/%s/%d", c.path, c.id), nil)
			require.Equal(t, http.StatusOK, status, "%v", got)
			for k, v := range c.want {
				require.Equal(t, v, got[k], "field %s of %v", k, got)
			}
			status, list := h.call(http.MethodGet, "/api/v1/"+c.path+"?page=1&per_page=10", nil)
			require.Equal(t, http.StatusOK, status)
			require.Equal(t, 1.0, list["total"], "%v", list)
		})
	}

	// The outcomes reached their own table, in order.
	var outcomes []models.BusinessOutcome
	require.NoError(t, h.db.Where("outcome_group_id = ?", f.group).Order("position").Find(&outcomes).Error)
	require.Len(t, outcomes, 2)
	require.Equal(t, "Callback Requested", outcomes[1].Name)
	require.Equal(t, "0:0:5", outcomes[1].Reschedule)
	require.Equal(t, 3, outcomes[1].MaxRetry)
	var stored models.Campaign
	require.NoError(t, h.db.First(&stored, cid).Error)
	require.Equal(t, "2027-04-30", stored.EndDate.String())
	require.Equal(t, 365, stored.TimeToLiveDays)

	// Replace: fields change, children are replaced, status and creation time stay.
	status, before := h.call(http.MethodGet, fmt.Sprintf("/api/v1/outcome-groups/%d", f.group), nil)
	require.Equal(t, http.StatusOK, status)
	status, after := h.call(http.MethodPut, fmt.Sprintf("/api/v1/outcome-groups/%d", f.group), map[string]any{
		"name": "Wrapup Code", "description": "edited", "parent_outcomes": []any{"Contacted"},
		"outcomes": []any{map[string]any{"name": "Sale", "parent": "Contacted", "type": "success", "close_contact": true}}})
	require.Equal(t, http.StatusOK, status, "%v", after)
	require.Equal(t, "edited", after["description"])
	require.Len(t, after["outcomes"], 1)
	require.Equal(t, before["created_at"], after["created_at"])
	var n int64
	require.NoError(t, h.db.Model(&models.BusinessOutcome{}).Where("outcome_group_id = ?", f.group).Count(&n).Error)
	require.EqualValues(t, 1, n)

	campaign["description"] = "renamed"
	campaign["status"] = "active" // read-only: start/pause/stop change it
	status, got := h.call(http.MethodPut, fmt.Sprintf("/api/v1/campaigns/%d", cid), campaign)
	requireProblem(t, status, got, http.StatusUnprocessableEntity, "status")
	delete(campaign, "status")
	status, got = h.call(http.MethodPut, fmt.Sprintf("/api/v1/campaigns/%d", cid), campaign)
	require.Equal(t, http.StatusOK, status, "%v", got)
	require.Equal(t, "renamed", got["description"])
	require.Equal(t, "draft", got["status"])

	// Search.
	_, list := h.call(http.MethodGet, "/api/v1/modes?q=mob", nil)
	require.Equal(t, 1.0, list["total"])
	_, list = h.call(http.MethodGet, "/api/v1/modes?q=home", nil)
	require.Equal(t, 0.0, list["total"])

	// Delete: a referenced object is refused, an unreferenced one goes.
	status, out := h.call(http.MethodDelete, fmt.Sprintf("/api/v1/contact-strategies/%d", f.strategy), nil)
	requireProblem(t, status, out, http.StatusConflict, "")
	status, _ = h.call(http.MethodDelete, fmt.Sprintf("/api/v1/agents/%d", agent), nil)
	require.Equal(t, http.StatusNoContent, status)
	status, out = h.call(http.MethodGet, fmt.Sprintf("/api/v1/agents/%d", agent), nil)
	requireProblem(t, status, out, http.StatusNotFound, "")
}

func TestEntryPointSecretIsKeptAndHidden(t *testing.T) {
	h := newHarness(t)
	id := h.create("/api/v1/entry-points", map[string]any{"name": "EP", "dialer": "webhook", "primary_url": "https://dialer.example/calls", "secret": "s3cret"})
	status, got := h.call(http.MethodPut, fmt.Sprintf("/api/v1/entry-points/%d", id), map[string]any{"name": "EP", "dialer": "webhook", "primary_url": "https://dialer.example/v2"})
	require.Equal(t, http.StatusOK, status, "%v", got)
	require.Equal(t, true, got["has_secret"])
	require.NotContains(t, got, "secret")
	var ep models.EntryPoint
	require.NoError(t, h.db.First(&ep, id).Error)
	require.Equal(t, "s3cret", ep.Secret)
}

func TestDNCEntries(t *testing.T) {
	h := newHarness(t)
	id := h.create("/api/v1/dnc-lists", map[string]any{"name": "National", "category": "NDNC", "entries": []any{
		map[string]any{"number": "(469) 562-2405"}, map[string]any{"number": "+44 20 7946 0958", "expires_at": "2030-01-01T00:00:00Z"}}})
	status, out := h.call(http.MethodGet, fmt.Sprintf("/api/v1/dnc-lists/%d", id), nil)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, 2.0, out["entry_count"])
	require.Equal(t, "ndnc", out["category"])

	status, out = h.call(http.MethodPost, fmt.Sprintf("/api/v1/dnc-lists/%d/entries", id), []any{map[string]any{"number": "214-555-0199x"}})
	requireProblem(t, status, out, http.StatusUnprocessableEntity, "[0].number")
	status, out = h.call(http.MethodPost, fmt.Sprintf("/api/v1/dnc-lists/%d/entries", id), []any{map[string]any{"number": "+1 212 736 5000"}, map[string]any{"number": "4695622405"}})
	require.Equal(t, http.StatusOK, status, "%v", out)

	status, out = h.call(http.MethodGet, fmt.Sprintf("/api/v1/dnc-lists/%d/entries?q=469", id), nil)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, 1.0, out["total"])
	require.Equal(t, "+14695622405", out["items"].([]any)[0].(map[string]any)["number"])

	status, _ = h.call(http.MethodDelete, fmt.Sprintf("/api/v1/dnc-lists/%d/entries/%s", id, "+12127365000"), nil)
	require.Equal(t, http.StatusNoContent, status)
	_, out = h.call(http.MethodGet, fmt.Sprintf("/api/v1/dnc-lists/%d", id), nil)
	require.Equal(t, 2.0, out["entry_count"])
}

// TestBadInput sends the bad inputs an administrator makes and checks each
// answer names the field, and that nothing was written.
func TestBadInput(t *testing.T) {
	h := newHarness(t)
	f := h.fixture()
	cid := h.create("/api/v1/campaigns", map[string]any{"name": "c1", "pacing_mode": "preview", "time_zone_id": f.zone})
	cid2 := h.create("/api/v1/campaigns", map[string]any{"name": "c2", "pacing_mode": "preview", "time_zone_id": f.zone})
	missing := 1 // test databases start their IDs far above 1
	cases := []struct {
		name, path string
		body       any
		status     int
		field      string
	}{
		{"min above max", "modes", map[string]any{"name": "Home", "min_length": 12, "max_length": 8}, 422, "min_length"},
		{"duplicate name", "modes", map[string]any{"name": "Mobile", "min_length": 8, "max_length": 16}, 409, "name"},
		{"missing name", "modes", map[string]any{"min_length": 8, "max_length": 16}, 422, "name"},
		{"number as text", "modes", `{"name":"Home","min_length":"8","max_length":16}`, 422, "min_length"},
		{"unknown field", "modes", map[string]any{"name": "Home", "min_length": 8, "max_length": 16, "minimum": 3}, 422, "minimum"},
		{"not json", "modes", `{"name":`, 400, ""},
		{"empty body", "modes", ``, 400, ""},
		{"delay not D:H:M", "contact-strategies", map[string]any{"name": "s2", "rules": []any{map[string]any{"telephony_outcome": "busy", "reschedule": "15 minutes"}}}, 422, "rules[0].reschedule"},
		{"unknown telephony outcome", "contact-strategies", map[string]any{"name": "s2", "rules": []any{map[string]any{"telephony_outcome": "hung-up"}}}, 422, "rules[0].telephony_outcome"},
		{"outcome twice", "contact-strategies", map[string]any{"name": "s2", "rules": []any{map[string]any{"telephony_outcome": "busy"}, map[string]any{"telephony_outcome": "Busy"}}}, 422, "rules[1].telephony_outcome"},
		{"missing mode", "contact-strategies", map[string]any{"name": "s2", "mode_ids": []any{missing}}, 422, "mode_ids[0]"},
		{"bad branch mode", "contact-strategies", map[string]any{"name": "s2", "rules": []any{map[string]any{"telephony_outcome": "busy", "branch_mode": "sideways"}}}, 422, "rules[0].branch_mode"},
		{"outcome delay", "outcome-groups", map[string]any{"name": "g2", "outcomes": []any{map[string]any{"name": "x", "type": "failure", "reschedule": "1:2"}}}, 422, "outcomes[0].reschedule"},
		{"outcome type", "outcome-groups", map[string]any{"name": "g2", "outcomes": []any{map[string]any{"name": "x", "type": "maybe"}}}, 422, "outcomes[0].type"},
		{"unknown parent", "outcome-groups", map[string]any{"name": "g2", "outcomes": []any{map[string]any{"name": "x", "type": "success", "parent": "Nope"}}}, 422, "outcomes[0].parent"},
		{"deliverable over 100", "campaign-groups", map[string]any{"name": "g", "campaigns": []any{
			map[string]any{"campaign_id": cid, "deliverable_percentage": 60}, map[string]any{"campaign_id": cid2, "deliverable_percentage": 50}}}, 422, "campaigns"},
		{"decrement over 100", "campaign-groups", map[string]any{"name": "g", "decrement_percent": 150}, 422, "decrement_percent"},
		{"missing strategy", "campaigns", map[string]any{"name": "c3", "pacing_mode": "preview", "time_zone_id": f.zone, "contact_strategy_id": missing}, 422, "contact_strategy_id"},
		{"missing zone", "campaigns", map[string]any{"name": "c3", "pacing_mode": "preview"}, 422, "time_zone_id"},
		{"bad pacing", "campaigns", map[string]any{"name": "c3", "pacing_mode": "power", "time_zone_id": f.zone}, 422, "pacing_mode"},
		{"abandoned delay not D:H:M", "campaigns", map[string]any{"name": "c3", "time_zone_id": f.zone, "abandoned_retry_delay": "72 hours"}, 422, "abandoned_retry_delay"},
		{"abandon target over the legal cap", "campaigns", map[string]any{"name": "c3", "time_zone_id": f.zone, "abandon_target_percent": 5}, 422, "abandon_target_percent"},
		{"progressive without entry point", "campaigns", map[string]any{"name": "c3", "pacing_mode": "progressive", "time_zone_id": f.zone}, 422, "entry_point_id"},
		{"dates reversed", "campaigns", map[string]any{"name": "c3", "pacing_mode": "preview", "time_zone_id": f.zone, "start_date": "2027-01-02", "end_date": "2027-01-01"}, 422, "end_date"},
		{"bad date", "campaigns", map[string]any{"name": "c3", "pacing_mode": "preview", "time_zone_id": f.zone, "start_date": "01/05/2020"}, 400, ""},
		{"bad daily time", "campaigns", map[string]any{"name": "c3", "pacing_mode": "preview", "time_zone_id": f.zone, "daily_start_time": "25:00"}, 422, "daily_start_time"},
		{"lines per agent", "campaigns", map[string]any{"name": "c3", "pacing_mode": "preview", "time_zone_id": f.zone, "lines_per_agent": 11}, 422, "lines_per_agent"},
		{"bad region", "campaigns", map[string]any{"name": "c3", "pacing_mode": "preview", "time_zone_id": f.zone, "default_region": "XX"}, 422, "default_region"},
		{"global dnc on campaign", "campaigns", map[string]any{"name": "c3", "pacing_mode": "preview", "time_zone_id": f.zone, "dnc_list_ids": []any{h.create("/api/v1/dnc-lists", map[string]any{"name": "N", "category": "ndnc"})}}, 422, "dnc_list_ids[0]"},
		{"unknown zone", "timezones", map[string]any{"display_name": "(UTC+13:00) Atlantis"}, 422, "iana_zone"},
		{"bad iana", "timezones", map[string]any{"display_name": "Home", "iana_zone": "Mars/Olympus"}, 422, "iana_zone"},
		// Names that are not places, and a label that contradicts its zone.
		{"legacy rule name", "timezones", map[string]any{"display_name": "EST"}, 422, "display_name"},
		{"legacy rule zone", "timezones", map[string]any{"display_name": "Home", "iana_zone": "CST6CDT"}, 422, "iana_zone"},
		{"fixed offset zone", "timezones", map[string]any{"display_name": "Home", "iana_zone": "Etc/GMT+5"}, 422, "iana_zone"},
		{"offset contradicts zone", "timezones", map[string]any{"display_name": "(UTC+05:00) Central Time (US and Canada)"}, 422, "display_name"},
		{"zone outside the display's", "timezones", map[string]any{"display_name": "(UTC-06:00) Central Time (US & Canada)", "iana_zone": "America/New_York"}, 422, "iana_zone"},
		// One time zone governs each zone: Central is configured already.
		{"zone configured twice", "timezones", map[string]any{"display_name": "Chicago office", "iana_zone": "US/Central"}, 422, "iana_zone"},
		{"zones covered twice", "timezones", map[string]any{"display_name": "Winnipeg office", "iana_zone": "America/Winnipeg"}, 422, "iana_zone"},
		{"dnc category", "dnc-lists", map[string]any{"name": "d", "category": "state"}, 422, "category"},
		{"dnc number", "dnc-lists", map[string]any{"name": "d", "category": "ndnc", "entries": []any{map[string]any{"number": "call me"}}}, 422, "entries[0].number"},
		{"webhook without url", "entry-points", map[string]any{"name": "e", "dialer": "webhook"}, 422, "primary_url"},
		{"bad url", "entry-points", map[string]any{"name": "e", "primary_url": "ftp://x"}, 422, "primary_url"},
		{"callback duration", "callback-strategies", map[string]any{"name": "cb", "pcb_to_ncb_reset": "duration"}, 422, "pcb_to_ncb_duration"},
		{"team campaign", "teams", map[string]any{"name": "t", "campaign_ids": []any{missing}}, 422, "campaign_ids[0]"},
		{"agent team", "agents", map[string]any{"name": "a", "team_id": missing}, 422, "team_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before int64
			require.NoError(t, h.db.Table(table(c.path)).Count(&before).Error)
			status, out := h.call(http.MethodPost, "/api/v1/"+c.path, c.body)
			requireProblem(t, status, out, c.status, c.field)
			var after int64
			require.NoError(t, h.db.Table(table(c.path)).Count(&after).Error)
			require.Equal(t, before, after, "a refused request wrote a row")
		})
	}
	// Nothing half-written: a refused group left no outcomes behind.
	var outcomes int64
	require.NoError(t, h.db.Model(&models.BusinessOutcome{}).Count(&outcomes).Error)
	require.EqualValues(t, 2, outcomes)

	status, out := h.call(http.MethodGet, "/api/v1/modes/abc", nil)
	requireProblem(t, status, out, http.StatusBadRequest, "")
	status, out = h.call(http.MethodGet, "/api/v1/modes?per_page=5000", nil)
	requireProblem(t, status, out, http.StatusUnprocessableEntity, "per_page")
	status, out = h.call(http.MethodPut, "/api/v1/modes/424242", map[string]any{"name": "x", "min_length": 1, "max_length": 2})
	requireProblem(t, status, out, http.StatusNotFound, "")
}

// TestDatabaseDown checks that a database that does not answer while a
// write's references are checked is an outage (503), not a field at fault.
func TestDatabaseDown(t *testing.T) {
	srv := httptest.NewServer((&api.Server{Keyless: &models.APIKey{Name: "test", Role: models.RoleAdmin}, Services: services.New(testenv.Unreachable(t), nil, ""), Log: slog.New(slog.DiscardHandler)}).Handler())
	t.Cleanup(srv.Close)
	h := &harness{t: t, srv: srv}
	status, out := h.call(http.MethodPost, "/api/v1/campaigns", map[string]any{"name": "c", "pacing_mode": "preview", "time_zone_id": 1})
	requireProblem(t, status, out, http.StatusServiceUnavailable, "")
	require.Empty(t, out["errors"])
}

func table(path string) string {
	return map[string]string{
		"modes": "modes", "contact-strategies": "contact_strategies", "outcome-groups": "outcome_groups",
		"campaign-groups": "campaign_groups", "campaigns": "campaigns", "timezones": "time_zones", "dnc-lists": "dnc_lists",
		"entry-points": "entry_points", "callback-strategies": "callback_strategies", "teams": "teams", "agents": "agents",
	}[path]
}

func TestAgentState(t *testing.T) {
	h := newHarness(t)
	f := h.fixture()
	id := h.create("/api/v1/agents", map[string]any{"name": "Kristest Agent3", "team_id": f.team})
	path := fmt.Sprintf("/api/v1/agents/%d/state", id)
	status, out := h.call(http.MethodPut, path, map[string]any{"state": "Available", "reason": "ready for calls"})
	require.Equal(t, http.StatusOK, status, "%v", out)
	require.Equal(t, "available", out["state"])
	require.Equal(t, "ready for calls", out["state_reason"])
	status, out = h.call(http.MethodPut, path, map[string]any{"state": "NotReady", "reason": "lunch"})
	require.Equal(t, http.StatusOK, status, "%v", out)
	require.Equal(t, "not_ready", out["state"])

	status, out = h.call(http.MethodPut, path, map[string]any{"state": "connected"})
	requireProblem(t, status, out, http.StatusUnprocessableEntity, "state")
	require.NoError(t, h.db.Exec("UPDATE agents SET state = 'connected' WHERE id = ?", id).Error)
	status, out = h.call(http.MethodPut, path, map[string]any{"state": "idle"})
	requireProblem(t, status, out, http.StatusConflict, "state")
	status, out = h.call(http.MethodPut, path, map[string]any{"state": "wrap_up"})
	require.Equal(t, http.StatusOK, status, "%v", out)
	status, out = h.call(http.MethodPut, "/api/v1/agents/1/state", map[string]any{"state": "idle"})
	requireProblem(t, status, out, http.StatusNotFound, "")

	// The configuration API cannot change an agent's state.
	status, out = h.call(http.MethodPut, fmt.Sprintf("/api/v1/agents/%d", id), map[string]any{"name": "Kristest Agent3", "state": "available"})
	requireProblem(t, status, out, http.StatusUnprocessableEntity, "state")
	status, out = h.call(http.MethodPut, fmt.Sprintf("/api/v1/agents/%d", id), map[string]any{"name": "Kristest Agent3"})
	require.Equal(t, http.StatusOK, status, "%v", out)
	require.Equal(t, "wrap_up", out["state"])
}
