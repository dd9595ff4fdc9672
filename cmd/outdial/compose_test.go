package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// TestComposeFile keeps docker-compose.yml in step with the binary, since no
// Docker engine runs where the tests do: every outdial service runs a real
// command, and sets only environment variables the commands read.
func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile("../../docker-compose.yml")
	require.NoError(t, err)
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Build       string            `yaml:"build"`
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			Ports       []string          `yaml:"ports"`
			Volumes     []string          `yaml:"volumes"`
			DependsOn   yaml.Node         `yaml:"depends_on"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &compose))
	for _, name := range []string{"postgres", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui", "migrate", "api", "worker", "worker-2"} {
		require.Contains(t, compose.Services, name)
	}

	var c config
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	c.register(fs, true)
	new(workerFlags).register(fs, true)
	known := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) {
		// Each flag's usage names its variable: "... (OUTDIAL_X)", or
		// "(OUTDIAL_X=1)" for a switch.
		if i := strings.LastIndex(f.Usage, "(OUTDIAL_"); i >= 0 {
			name, _, _ := strings.Cut(strings.TrimSuffix(f.Usage[i+1:], ")"), "=")
			known[name] = true
		}
	})
	commands := map[string]bool{"api": true, "worker": true, "migrate": true}
	outdial := 0
	for name, s := range compose.Services {
		if s.Build == "" {
			require.NotEmpty(t, s.Image, "service %s has neither image nor build", name)
			continue
		}
		outdial++
		require.Len(t, s.Command, 1, "service %s", name)
		require.True(t, commands[s.Command[0]], "service %s runs unknown command %q", name, s.Command[0])
		require.Contains(t, s.Environment, "OUTDIAL_DATABASE_URL", "service %s", name)
		require.Contains(t, s.Environment["OUTDIAL_DATABASE_URL"], "@postgres:5432/", "service %s", name)
		for k := range s.Environment {
			require.True(t, known[k], "service %s sets %s, which outdial does not read", name, k)
		}
		if s.Command[0] != "migrate" {
			require.Equal(t, "temporal:7233", s.Environment["OUTDIAL_TEMPORAL_ADDRESS"], "service %s", name)
		}
	}
	require.Equal(t, 4, outdial)
	// The worker imports the file the API received: both keep uploads in
	// one volume, mounted where --upload-dir points.
	for _, name := range []string{"api", "worker", "worker-2"} {
		s := compose.Services[name]
		dir := s.Environment["OUTDIAL_UPLOAD_DIR"]
		require.True(t, strings.HasPrefix(dir, "/"), "service %s: OUTDIAL_UPLOAD_DIR %q must be an absolute path", name, dir)
		require.Contains(t, s.Volumes, "uploads:"+dir, "service %s shares the uploads volume at its upload dir", name)
	}
	require.Contains(t, compose.Services["api"].Ports, "8080:8080")
	require.Contains(t, compose.Services["temporal-ui"].Ports, "8233:8080")
	require.Contains(t, compose.Services["worker"].Ports, "9464:9464", "the worker's /metrics")
	// The second worker is the first one on another host port.
	w1, w2 := compose.Services["worker"], compose.Services["worker-2"]
	require.Equal(t, w1.Command, w2.Command)
	require.NotEqual(t, w1.Environment["OUTDIAL_WORKER_NAME"], w2.Environment["OUTDIAL_WORKER_NAME"], "two workers of one name: the second is refused")
	require.NotEmpty(t, w2.Environment["OUTDIAL_WORKER_NAME"])
	for k, v := range w1.Environment {
		if k != "OUTDIAL_WORKER_NAME" {
			require.Equal(t, v, w2.Environment[k], "the second worker's %s", k)
		}
	}
	require.Equal(t, []string{"9465:9464"}, w2.Ports)
	// The Temporal server runs on the config make run CLUSTER=1 uses.
	require.Contains(t, compose.Services["temporal"].Volumes, "./deploy/temporal:/etc/temporal/outdial:ro")
	_, err = os.Stat("../../deploy/temporal/config.yaml")
	require.NoError(t, err)
}

func TestFrequencyCapFlag(t *testing.T) {
	for _, c := range []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"3/24h", "3 in 24h0m0s", false},
		{"1/30m", "1 in 30m0s", false},
		{"off", "0 in 0s", false},
		{"3", "", true},
		{"0/24h", "", true},
		{"3/day", "", true},
	} {
		cfg := config{FrequencyCap: c.in}
		fc, err := cfg.frequencyCap()
		if c.wantErr {
			require.ErrorContains(t, err, "is not N/period", c.in)
			continue
		}
		require.NoError(t, err, c.in)
		require.Equal(t, c.want, fmt.Sprintf("%d in %s", fc.Attempts, fc.Period), c.in)
	}
}

func TestAbandonCapFlag(t *testing.T) {
	for _, ok := range []float64{3, 2.5, 0.1} {
		got, err := (&config{AbandonCap: ok}).abandonCap()
		require.NoError(t, err)
		require.Equal(t, ok, got)
	}
	for _, bad := range []float64{0, -1, 3.01, 50, math.NaN()} {
		_, err := (&config{AbandonCap: bad}).abandonCap()
		require.ErrorContains(t, err, "must be more than 0 and at most 3%", "%v", bad)
	}
}
