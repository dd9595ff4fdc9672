package api_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/internal/apikey"
	"github.com/outdial/outdial/internal/listgen"
	"github.com/outdial/outdial/models"
)

// TestConsoleInABrowser drives the console in Debian's chromium through
// playwright-core (api/testdata/console-browser.cjs): an administrator
// signs in, uploads a file through the form, watches the list's statistics
// appear, starts the campaign and sees attempts counted. Its screenshots
// are kept in .data/console. make test installs the browser where it can;
// without it the test says so and skips.
func TestConsoleInABrowser(t *testing.T) {
	chromium, nodePath := os.Getenv("OUTDIAL_TEST_CHROMIUM"), os.Getenv("OUTDIAL_TEST_NODE_PATH")
	if chromium == "" || nodePath == "" {
		t.Skip("no chromium and playwright-core: make test installs them where it can, and says why when it cannot")
	}
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
	shots, err := filepath.Abs("../.data/console")
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(shots, 0o755))
	cfg, err := json.Marshal(map[string]any{"base": w.h.srv.URL, "key": key, "campaign": campaign, "file": file, "uploaded": uploaded, "shots": shots})
	require.NoError(t, err)
	cmd := exec.Command("node", "testdata/console-browser.cjs", string(cfg))
	cmd.Env = append(os.Environ(), "NODE_PATH="+nodePath)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the console's browser test (screenshots in %s):\n%s", shots, out)
	t.Logf("%s", out)
}
