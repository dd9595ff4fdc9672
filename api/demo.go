package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/outdial/outdial/models"
)

// LoadDemo creates the seed's example configuration through the API at
// base (for example "http://localhost:8080"), waiting for it to answer.
// Objects that already exist by name are reused, so it can run every start.
//
// The seed's campaigns ran in 2019–2021; the demo leaves their date ranges
// open so that they can dial today.
func LoadDemo(ctx context.Context, base string) error {
	d := demoClient{base: base + "/api/v1", http: &http.Client{Timeout: 10 * time.Second}}
	if err := d.waitReady(ctx, base+"/healthz"); err != nil {
		return err
	}
	mobile := d.ensure(ctx, "modes", "name", obj{"name": "Mobile", "description": "Mobile", "min_length": 8, "max_length": 16})
	eastern := d.ensure(ctx, "timezones", "display_name", obj{"display_name": "(UTC-05:00) Eastern Time (US and Canada)", "enabled": true, "start_time": "12:00 AM", "end_time": "11:59 PM"})
	central := d.ensure(ctx, "timezones", "display_name", obj{"display_name": "(UTC-06:00) Central Time (US and Canada)", "enabled": true, "start_time": "12:00 AM", "end_time": "11:59 PM"})
	d.ensure(ctx, "timezones", "display_name", obj{"display_name": "(UTC+01:00) Brussels Copenhagen Madrid Paris", "enabled": false, "start_time": "12:00 AM", "end_time": "11:59 PM"})
	d.ensure(ctx, "timezones", "display_name", obj{"display_name": "(UTC+08:00) Kuala Lumpur Singapore", "enabled": false, "start_time": "12:00 AM", "end_time": "11:59 PM"})
	success := func(name string) obj {
		return obj{"name": name, "type": "success", "reschedule": "0:0:0", "max_retry": 0, "priority": 0, "close_contact": true, "retain_pcb": false}
	}
	wrapup := d.ensure(ctx, "outcome-groups", "name", obj{"name": "Wrapup Code", "description": "Wrapup Code", "outcomes": []obj{
		success("Follow-Up"), success("Campaign-WrapUp"),
		{"name": "Callback Requested", "type": "failure", "reschedule": "0:0:5", "max_retry": 3, "priority": 0, "close_contact": false, "retain_pcb": false},
		success("Sale"), success("Transferred"), success("Pending Case"), success("Closed"),
	}})
	rule := func(outcome, reschedule string) obj {
		return obj{"telephony_outcome": outcome, "reschedule": reschedule, "max_retry": 1, "priority": -1, "branch_mode": "default", "retain_pcb": false, "close_contact": true, "remove_mode": false}
	}
	strategy := d.ensure(ctx, "contact-strategies", "name", obj{"name": "kris_CS", "type": "simple", "mode_ids": []any{mobile}, "rules": []obj{
		rule("voice", "0:0:0"), rule("answer-machine", "0:0:15"), rule("no-ringback", "0:0:15"), rule("Error", "0:0:15"),
	}})
	callback := d.ensure(ctx, "callback-strategies", "name", obj{"name": "Default_Callback_Strategy", "pcb_to_ncb_reset": "retries", "attempts_to_reach_agent": 1})
	entryPoint := d.ensure(ctx, "entry-points", "name", obj{"name": "EP_Krisoutdial", "description": "kris outdial EP", "type": "outdial", "channel": "telephony", "status": "active", "dialer": "simulator",
		"primary_url": "http://localhost:8000/Demo-EP_Krisoutdial-outdial.xml", "backup_url": "http://localhost:8000/Demo-EP_Krisoutdial-outdial.xml"})
	sales := d.ensure(ctx, "teams", "name", obj{"name": "krisSalesTeam", "site": "site_KrisRCDN"})
	service := d.ensure(ctx, "teams", "name", obj{"name": "krisServiceTeam", "site": "site_KrisRCDN"})
	common := obj{"daily_start_time": "12:00 AM", "daily_end_time": "11:59 PM", "outcome_group_id": wrapup, "time_to_live_days": 365,
		"channel": "voice", "list_sharing": "dedicated", "contact_strategy_id": strategy, "callback_strategy_id": callback}
	preview := d.ensure(ctx, "campaigns", "name", common.with(obj{"name": "krisDemoPreview", "description": "Preview Campaign", "time_zone_id": eastern, "pacing_mode": "preview", "team_ids": []any{sales}}))
	progressive := d.ensure(ctx, "campaigns", "name", common.with(obj{"name": "kris_progressive", "description": "kris_progressive", "time_zone_id": central, "pacing_mode": "progressive", "entry_point_id": entryPoint, "team_ids": []any{service}}))
	d.ensure(ctx, "campaign-groups", "name", obj{"name": "PREV_krisDemoPreview", "enabled": true, "campaigns": []obj{{"campaign_id": preview, "deliverable_percentage": 100}}})
	d.ensure(ctx, "campaign-groups", "name", obj{"name": "EP_Krisoutdial", "enabled": true, "initial_contacts": 85, "increment_percent": 30, "decrement_percent": 60, "upper_threshold_percent": 200,
		"campaigns":  []obj{{"campaign_id": progressive, "deliverable_percentage": 100}},
		"time_zones": []obj{{"time_zone_id": central, "enabled": true, "start_time": "12:00 AM", "end_time": "11:59 PM"}}})
	d.ensure(ctx, "agents", "name", obj{"name": "Kristest Agent1", "team_id": sales})
	d.ensure(ctx, "agents", "name", obj{"name": "Kristest Agent2", "team_id": service})
	d.ensure(ctx, "agents", "name", obj{"name": "Kristest Agent3", "team_id": service})
	return d.err
}

type obj map[string]any

// with returns a copy of o with more's fields set.
func (o obj) with(more obj) obj {
	out := obj{}
	for k, v := range o {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

type demoKey struct{}

// WithKey is ctx carrying the API key the demo client and Call send.
func WithKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, demoKey{}, key)
}

// demoClient keeps the first error, so LoadDemo reads as a list of objects.
type demoClient struct {
	base string
	http *http.Client
	err  error
}

func (d *demoClient) waitReady(ctx context.Context, health string) error {
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, health, nil)
		if err != nil {
			return err
		}
		if resp, err := d.http.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ensure creates the object unless one with the same key field exists, and
// returns its ID.
func (d *demoClient) ensure(ctx context.Context, path, key string, body obj) uint64 {
	if id := d.find(ctx, path, key, fmt.Sprint(body[key])); id != 0 || d.err != nil {
		return id
	}
	var created struct {
		ID uint64 `json:"id"`
	}
	d.err = d.do(ctx, http.MethodPost, path, body, &created)
	return created.ID
}

// find returns the ID of the object whose key field is name, or 0.
func (d *demoClient) find(ctx context.Context, path, key, name string) uint64 {
	if d.err != nil {
		return 0
	}
	var found struct {
		Items []map[string]any `json:"items"`
	}
	if d.err = d.do(ctx, http.MethodGet, path+"?per_page=1000&q="+url.QueryEscape(name), nil, &found); d.err != nil {
		return 0
	}
	for _, it := range found.Items {
		if it[key] == name {
			return uint64(it["id"].(float64))
		}
	}
	return 0
}

// mustFind is find for objects the demo itself created.
func (d *demoClient) mustFind(ctx context.Context, path, key, name string) uint64 {
	id := d.find(ctx, path, key, name)
	if id == 0 && d.err == nil {
		d.err = fmt.Errorf("no %s named %q: load the demo configuration first", path, name)
	}
	return id
}

func (d *demoClient) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode %s: %w", path, err)
		}
		rd = bytes.NewReader(b)
	}
	target := path
	if d.base != "" {
		target = d.base + "/" + path
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if key, ok := ctx.Value(demoKey{}).(string); ok {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := d.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, b)
	}
	if out == nil || len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, out)
}

// StartDemo gives each seed campaign n generated contacts (once), makes
// the progressive team's agents available and starts both campaigns, which
// dial through the simulator.
func StartDemo(ctx context.Context, base string, n int) error {
	d := demoClient{base: base + "/api/v1", http: &http.Client{Timeout: 10 * time.Second}}
	for i, name := range []string{"krisDemoPreview", "kris_progressive"} {
		id := d.mustFind(ctx, "campaigns", "name", name)
		var lists struct {
			Total int `json:"total"`
		}
		if d.err == nil {
			d.err = d.do(ctx, http.MethodGet, fmt.Sprintf("campaigns/%d/lists", id), nil, &lists)
		}
		if d.err == nil && lists.Total == 0 {
			var contacts []obj
			for k := range n {
				contacts = append(contacts, obj{"external_key": fmt.Sprintf("DEMO-%d-%d", i, k),
					"numbers":    obj{"Mobile": fmt.Sprintf("+1%s334%04d", []string{"212", "469"}[i], k+1)},
					"attributes": obj{"Name": fmt.Sprintf("Demo contact %d", k+1)}})
			}
			d.err = d.do(ctx, http.MethodPost, fmt.Sprintf("campaigns/%d/contacts", id), obj{"contacts": contacts}, &obj{})
		}
		if d.err == nil {
			d.err = d.do(ctx, http.MethodPost, fmt.Sprintf("campaigns/%d/start", id), nil, &obj{})
		}
	}
	for _, agent := range []string{"Kristest Agent2", "Kristest Agent3"} {
		d.agentTo(ctx, d.mustFind(ctx, "agents", "name", agent), models.AgentAvailable)
	}
	return d.err
}

// agentTo sets a demo agent's state. A demo stopped mid-call leaves its
// agents connected to calls the new simulator never heard of: they wrap up
// first, as a real agent would after a lost call.
func (d *demoClient) agentTo(ctx context.Context, id uint64, state string) {
	for _, s := range []string{models.AgentWrapUp, state} {
		if d.err == nil {
			d.err = d.do(ctx, http.MethodPut, fmt.Sprintf("agents/%d/state", id), obj{"state": s, "reason": "demo"}, &obj{})
		}
	}
}

// RunPreviewAgent plays a preview agent until ctx ends: it asks for a
// card whenever it is free, and accepts it; the simulator plays the call.
// While atDesk says a person is signed in as the agent, it leaves the
// cards to them.
func RunPreviewAgent(ctx context.Context, base, name string, log *slog.Logger, atDesk func(ctx context.Context, agent string) (bool, error)) error {
	d := demoClient{base: base + "/api/v1", http: &http.Client{Timeout: 10 * time.Second}}
	id := d.mustFind(ctx, "agents", "name", name)
	d.agentTo(ctx, id, models.AgentIdle)
	if d.err != nil {
		return d.err
	}
	for {
		if err := d.playPreview(ctx, id, atDesk); err != nil {
			log.Warn("demo preview agent", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(2 * time.Second):
		}
	}
}

// playPreview takes and accepts a card for the agent when it is free and
// no person is signed in as it.
func (d *demoClient) playPreview(ctx context.Context, id uint64, atDesk func(ctx context.Context, agent string) (bool, error)) error {
	if person, err := atDesk(ctx, strconv.FormatUint(id, 10)); err != nil || person {
		return err
	}
	var agent struct {
		State string `json:"state"`
	}
	if err := d.do(ctx, http.MethodGet, fmt.Sprintf("agents/%d", id), nil, &agent); err != nil {
		return err
	}
	if agent.State != models.AgentIdle && agent.State != models.AgentAvailable {
		return nil
	}
	var card PreviewCard
	if err := d.do(ctx, http.MethodPost, fmt.Sprintf("agents/%d/preview", id), nil, &card); err != nil || card.Preview == nil {
		return err
	}
	return d.do(ctx, http.MethodPost, fmt.Sprintf("previews/%d/accept", card.Preview.ID), nil, &obj{})
}

// Call sends body as JSON to url and decodes the answer into out (when not
// nil); an answer that is not 2xx is an error with its body. Scripts and
// benchmarks drive the API with it.
func Call(ctx context.Context, method, url string, body, out any) error {
	d := demoClient{http: &http.Client{Timeout: time.Minute}}
	return d.do(ctx, method, url, body, out)
}
