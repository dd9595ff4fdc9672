package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeListAPI answers outdial import's calls: campaign "c" with id 1, list
// 7 importing for polls reads, then done with two rejected rows.
func fakeListAPI(t *testing.T, polls int32) *httptest.Server {
	var reads atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/campaigns", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"items":[{"id":1,"name":"c"}]}`)
	})
	mux.HandleFunc("POST /api/v1/campaigns/1/lists", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprint(w, `{"id":7,"status":"importing","progress":0}`)
	})
	mux.HandleFunc("GET /api/v1/lists/7", func(w http.ResponseWriter, r *http.Request) {
		if n := reads.Add(1); n < polls {
			fmt.Fprintf(w, `{"id":7,"status":"importing","progress":%d,"stats":{"processed":%d}}`, n, n*10)
			return
		}
		fmt.Fprint(w, `{"id":7,"status":"active","progress":100,"stats":{"processed":5,"uploaded":3,"failed":2}}`)
	})
	mux.HandleFunc("GET /api/v1/lists/7/failed-rows", func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "csv", r.URL.Query().Get("format"))
		fmt.Fprint(w, "Number,row,reason\nx,2,not a number\ny,3,not a number\n")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestImportOffTerminal: off a terminal the progress is whole lines, one a
// period at most, never frames joined by carriage returns; --failed-rows
// saves the rejected rows and the hint is a URL to fetch them.
func TestImportOffTerminal(t *testing.T) {
	srv := fakeListAPI(t, 40)
	dir := t.TempDir()
	file, failed := filepath.Join(dir, "list.csv"), filepath.Join(dir, "failed.csv")
	require.NoError(t, os.WriteFile(file, []byte("Number\n+12125550123\n"), 0o600))
	var out, progressOut bytes.Buffer
	p := &progress{w: &progressOut, every: time.Hour, poll: time.Millisecond}
	require.NoError(t, importList(context.Background(), []string{"--api", srv.URL, "--campaign", "c", "--failed-rows", failed, file}, &out, p))

	require.NotContains(t, progressOut.String(), "\r")
	lines := strings.Split(strings.TrimSpace(progressOut.String()), "\n")
	require.Equal(t, []string{"list 7: 0%, 0 rows processed", "list 7: active, 5 rows processed"}, lines, "one line a period, and the end")
	require.Contains(t, out.String(), "rejected rows: "+srv.URL+"/api/v1/lists/7/failed-rows?format=csv")
	saved, err := os.ReadFile(failed)
	require.NoError(t, err)
	require.Equal(t, "Number,row,reason\nx,2,not a number\ny,3,not a number\n", string(saved))
	require.Contains(t, out.String(), "rejected rows saved to "+failed)

	// On a terminal the bar is redrawn in place.
	progressOut.Reset()
	p = &progress{w: &progressOut, terminal: true, every: time.Hour, poll: time.Millisecond}
	require.NoError(t, importList(context.Background(), []string{"--api", fakeListAPI(t, 3).URL, "--campaign", "c", file}, &out, p))
	require.Contains(t, progressOut.String(), "\rlist 7 [")
}

// TestImportMissingFile: a missing file's error names its path once, and
// nothing is sent.
func TestImportMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.csv")
	err := importList(context.Background(), []string{"--api", "http://127.0.0.1:1", "--campaign", "c", path}, &bytes.Buffer{}, &progress{w: &bytes.Buffer{}})
	require.Error(t, err)
	require.Equal(t, 1, strings.Count(err.Error(), path), "%v", err)
	require.Contains(t, err.Error(), "no such file")
}
