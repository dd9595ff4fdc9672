package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/dialer"
	"github.com/outdial/outdial/internal/apikey"
	"github.com/outdial/outdial/internal/contact"
	"github.com/outdial/outdial/internal/listgen"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
)

// TestConsoleInABrowser drives the console in Debian's chromium through
// playwright-core (api/testdata/console-browser.cjs): an administrator
// signs in, uploads a file through the form, watches the list's statistics
// appear, starts the campaign and sees attempts counted. Its screenshots
// are kept in .data/console. make test installs the browser where it can;
// without it the test says so and skips.
func TestConsoleInABrowser(t *testing.T) {
	skipWithoutBrowser(t)
	w := newCampaignWorld(t, map[string]float64{"no-answer": 1}, nil)
	campaign := w.campaign("kris_progressive")
	w.agentsAvailable("Agent2", "Agent3")
	_, key, err := apikey.New(w.db, "").Create(context.Background(), apikey.NewKey{Name: "console", Role: models.RoleAdmin})
	require.NoError(t, err)

	const rows = 120
	file := filepath.Join(t.TempDir(), "contacts.csv")
	f, err := os.Create(file)
	require.NoError(t, err)
	require.NoError(t, listgen.WriteCSV(f, rows))
	require.NoError(t, f.Close())
	// Mobile is the demo's one mode: an invalid row's number fails it, and
	// without a DNC list a DNC row is a contact like any other.
	uploaded := 0
	for i := range rows {
		if k := listgen.KindOf(i); k == listgen.Unique || k == listgen.DNC {
			uploaded++
		}
	}
	inBrowser(t, "console-browser.cjs", map[string]any{"base": w.h.srv.URL, "key": key, "campaign": campaign, "file": file, "uploaded": uploaded})
}

// skipWithoutBrowser skips a browser test where make test could not set
// one up.
func skipWithoutBrowser(t *testing.T) {
	if os.Getenv("OUTDIAL_TEST_CHROMIUM") == "" || os.Getenv("OUTDIAL_TEST_NODE_PATH") == "" {
		t.Skip("no chromium and playwright-core: make test installs them where it can, and says why when it cannot")
	}
}

// inBrowser runs a browser script of testdata with cfg, its screenshots
// kept in .data/console.
func inBrowser(t *testing.T, script string, cfg map[string]any) string {
	shots, err := filepath.Abs("../.data/console")
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(shots, 0o755))
	cfg["shots"] = shots
	arg, err := json.Marshal(cfg)
	require.NoError(t, err)
	cmd := exec.Command("node", filepath.Join("testdata", script), string(arg))
	cmd.Env = append(os.Environ(), "NODE_PATH="+os.Getenv("OUTDIAL_TEST_NODE_PATH"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s (screenshots in %s):\n%s", script, shots, out)
	t.Logf("%s", out)
	return string(out)
}

// TestConsoleAgentInABrowser: Agent1 signs in at the console with its own
// key, becomes idle, asks for a preview card of krisDemoPreview, accepts
// it, and wraps the connected call up with one of the campaign's codes
// (api/testdata/console-agent.cjs). The simulated talk and wrap-up take
// two seconds and the agent keeps its code picked over two refreshes:
// the wrap-up is the person's alone, as the simulator leaves an agent
// signed in at the console to them.
func TestConsoleAgentInABrowser(t *testing.T) {
	skipWithoutBrowser(t)
	db, tc, queue := testenv.DB(t), testenv.Temporal(t), testenv.TaskQueue(t)
	startWorker(t, db, tc, queue, func(svc *services.Services) dialer.Dialer {
		sim := &dialer.Simulator{Agents: svc.Agents, Reports: contact.Reports{Service: svc.Contacts}, Config: dialer.SimulatorConfig{
			Outcomes: map[string]float64{"voice": 1}, Ring: dialer.Span{Min: time.Second, Max: time.Second},
			Talk: dialer.Span{Min: time.Second, Max: time.Second}, WrapUp: dialer.Span{Min: time.Second, Max: time.Second}, Speed: 1, Seed: 5}}
		sim.Start(t.Context())
		return sim
	})
	h := newHarnessWith(t, db, tc, queue)
	require.NoError(t, loadDemo(h))
	w := &campaignWorld{tc: tc, queue: queue, h: h, db: db}
	campaign := w.campaign("krisDemoPreview")
	w.addContacts(campaign, "212-334-0001", "212-334-0002")
	status, out := h.call(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/start", campaign), nil)
	require.Equal(t, http.StatusOK, status, "%v", out)
	_, found := h.call(http.MethodGet, "/api/v1/agents?q=Agent1", nil)
	agent := uint64(found["items"].([]any)[0].(map[string]any)["id"].(float64))
	_, key, err := apikey.New(db, "").Create(context.Background(), apikey.NewKey{Name: "Agent1's desk", Role: models.RoleAgent, AgentID: &agent})
	require.NoError(t, err)

	shown := inBrowser(t, "console-agent.cjs", map[string]any{"base": h.srv.URL, "key": key})

	var wrapped []string
	require.NoError(t, db.Model(&models.Attempt{}).Where("campaign_id = ? AND agent = ? AND business_outcome <> ''", campaign, fmt.Sprint(agent)).Pluck("business_outcome", &wrapped).Error)
	require.Len(t, wrapped, 1, "the agent's wrap-up was not recorded on its attempt")
	require.Contains(t, shown, "wrapped the call up as "+wrapped[0], "the attempt's code is not the one the person picked")
	var state string
	require.NoError(t, db.Raw("SELECT state FROM agents WHERE id = ?", agent).Row().Scan(&state))
	require.Equal(t, models.AgentIdle, state, "after the wrap-up the agent is back where it was before the call")
}
