package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/models"
)

// freeAddress is a loopback address no one listens on now.
func freeAddress(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// scrapeText reads a /metrics page.
func scrapeText(t *testing.T, url string) string {
	resp, err := http.Get(url)
	if err != nil {
		return ""
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
	return string(raw)
}

// TestWorkerMetricsAndLogs runs `outdial worker` as its own process, with
// its output not a terminal, through one attempt of a progressive campaign
// on a webhook dialer. Its --metrics-listen serves the attempt, the dial
// request, the pacing passes and the Temporal SDK's own metrics; each line
// it logs is JSON, and the attempt's lines name its campaign, list,
// contact and attempt.
func TestWorkerMetricsAndLogs(t *testing.T) {
	w := newFaultWorld(t, buildOutdial(t), false)
	addr := freeAddress(t)
	logPath := filepath.Join(t.TempDir(), "worker.log")
	logFile, err := os.Create(logPath)
	require.NoError(t, err)
	t.Cleanup(func() { _ = logFile.Close() })
	cmd := workerCommand(t, w.bin, w.dsn, w.queue, w.uploads, "--metrics-listen", addr, "--log-level", "debug")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	startProcess(t, cmd)

	contact := w.addContact(dallas)
	w.start()
	var at models.Attempt
	require.Eventually(t, func() bool {
		require.NoError(t, w.db.Where("contact_id = ? AND dial_accepted_at IS NOT NULL", contact).Limit(1).Find(&at).Error)
		return at.ID != ""
	}, time.Minute, 20*time.Millisecond, "the contact was never dialed")
	status, out := w.api.call(http.MethodPost, "/api/v1/attempts/"+at.ID+"/telephony-outcome", map[string]any{"outcome": "busy"})
	require.Equal(t, http.StatusOK, status, "%v", out)

	campaign := fmt.Sprint(w.campaign)
	want := []string{
		`outdial_attempts_total{campaign_id="` + campaign + `",outcome="busy"} 1`,
		`outdial_dial_requests_total{dialer="webhook",result="accepted"} 1`,
		`outdial_dial_request_duration_seconds_count{dialer="webhook"} 1`,
		`outdial_pacing_passes_total{campaign_id="` + campaign + `",result="ok"}`,
		`outdial_pacing_pass_duration_seconds_bucket{campaign_id="` + campaign + `",le="0.005"}`,
		`outdial_temporal_workflow_task_execution_latency_seconds_bucket{`,
		`outdial_temporal_local_activity_execution_latency_seconds_bucket{activity_type="Dial"`,
		`go_goroutines `,
	}
	var page string
	assert.Eventually(t, func() bool {
		page = scrapeText(t, "http://"+addr+"/metrics")
		for _, series := range want {
			if !strings.Contains(page, series) {
				return false
			}
		}
		return true
	}, time.Minute, 100*time.Millisecond)
	for _, series := range want {
		require.Contains(t, page, series, "the worker's /metrics")
	}

	var listID uint64
	require.NoError(t, w.db.Raw("SELECT list_id FROM contacts WHERE id = ?", contact).Row().Scan(&listID))
	raw, err := os.ReadFile(logPath)
	require.NoError(t, err)
	ended := false
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		var line map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line), "a log line that is not JSON: %s", sc.Text())
		require.Contains(t, line, "time")
		require.Contains(t, line, "level")
		if line["msg"] == "attempt ended" {
			ended = true
			require.Equal(t, map[string]any{"campaign_id": float64(w.campaign), "list_id": float64(listID), "contact_id": float64(contact), "attempt_id": at.ID},
				map[string]any{"campaign_id": line["campaign_id"], "list_id": line["list_id"], "contact_id": line["contact_id"], "attempt_id": line["attempt_id"]}, "%s", sc.Text())
		}
	}
	require.True(t, ended, "no line says the attempt ended:\n%s", raw)
}
