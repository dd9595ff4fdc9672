package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/outdial/outdial/api"
	"github.com/outdial/outdial/internal/listimport"
)

// runImport uploads a file to a campaign through the API, shows the import's
// progress, and prints the list's statistics at the end.
func runImport(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("outdial import", flag.ContinueOnError)
	base := fs.String("api", env("OUTDIAL_API_URL", "http://localhost:8080"), "the Outdial API (OUTDIAL_API_URL)")
	campaign := fs.String("campaign", "", "the campaign's name (required)")
	mapping := fs.String("mapping", `{"modes":{"Mobile":"Number"}}`, "mode and column mapping, as JSON")
	delimiter := fs.String("delimiter", ",", "delimiter of text files (tab for tab)")
	subType := fs.String("sub-type", "NEW", "NEW or APPEND")
	global := fs.String("global-list-id", "", "global list ID (required with APPEND)")
	key := fs.String("key", os.Getenv("OUTDIAL_API_KEY"), "an admin or supervisor API key (OUTDIAL_API_KEY)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: outdial import --campaign NAME [flags] FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *campaign == "" || fs.NArg() != 1 {
		fs.Usage()
		return errors.New("a campaign name and one file are required")
	}
	c := &apiClient{base: strings.TrimRight(*base, "/") + "/api/v1", key: *key, http: &http.Client{}}
	id, err := c.campaignID(ctx, *campaign)
	if err != nil {
		return err
	}
	list, err := c.upload(ctx, id, fs.Arg(0), map[string]string{"mapping": *mapping, "delimiter": *delimiter, "sub_type": *subType, "global_list_id": *global})
	if err != nil {
		return err
	}
	for list.Status == "importing" {
		drawProgress(os.Stderr, list)
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped watching list %d; its import goes on: %w", list.ID, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
		if err := c.get(ctx, fmt.Sprintf("/lists/%d", list.ID), &list); err != nil {
			return err
		}
	}
	drawProgress(os.Stderr, list)
	fmt.Fprintln(os.Stderr)
	printStats(os.Stdout, list)
	if list.Status == "failed" {
		return fmt.Errorf("list %d failed: %s", list.ID, list.Error)
	}
	return nil
}

func drawProgress(w io.Writer, l listimport.ListView) {
	const width = 40
	done := width * l.Progress / 100
	fmt.Fprintf(w, "\rlist %d [%s%s] %3d%%  %d rows processed", l.ID, strings.Repeat("#", done), strings.Repeat(" ", width-done), l.Progress, l.Stats.Processed)
}

func printStats(w io.Writer, l listimport.ListView) {
	s := l.Stats
	fmt.Fprintf(w, "list %d (%s): %s\n", l.ID, l.Upload.FileName, l.Status)
	fmt.Fprintf(w, "  processed %d  uploaded %d  failed %d  duplicate %d  dnc suppressed %d  mode failed %d\n",
		s.Processed, s.Uploaded, s.Failed, s.Duplicate, s.DNCSuppressed, s.ModeFailed)
	for _, cat := range []string{"ndnc", "corporate", "compliance", "litigation"} {
		fmt.Fprintf(w, "  dnc %-10s contacts %d  modes %d\n", cat, s.DNC[cat].Contacts, s.DNC[cat].Modes)
	}
	if s.Failed+s.Duplicate+s.DNCSuppressed > 0 {
		fmt.Fprintf(w, "  rejected rows: GET /api/v1/lists/%d/failed-rows?format=csv\n", l.ID)
	}
}

// apiClient is the few API calls the import command makes.
type apiClient struct {
	base string
	key  string
	http *http.Client
}

func (c *apiClient) campaignID(ctx context.Context, name string) (uint64, error) {
	var found struct {
		Items []struct {
			ID   uint64 `json:"id"`
			Name string `json:"name"`
		} `json:"items"`
	}
	if err := c.get(ctx, "/campaigns?per_page=1000&q="+url.QueryEscape(name), &found); err != nil {
		return 0, err
	}
	for _, it := range found.Items {
		if it.Name == name {
			return it.ID, nil
		}
	}
	return 0, fmt.Errorf("no campaign is named %q", name)
}

// upload streams the file, so a large one is never held in memory.
func (c *apiClient) upload(ctx context.Context, campaign uint64, path string, fields map[string]string) (listimport.ListView, error) {
	f, err := os.Open(path)
	if err != nil {
		return listimport.ListView{}, fmt.Errorf("open %s: %w", path, err)
	}
	defer func() { _ = f.Close() }()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := func() error {
			for k, v := range fields {
				if err := mw.WriteField(k, v); err != nil {
					return err
				}
			}
			fw, err := mw.CreateFormFile("file", filepath.Base(path))
			if err != nil {
				return err
			}
			if _, err := io.Copy(fw, f); err != nil {
				return err
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("%s/campaigns/%d/lists", c.base, campaign), pr)
	if err != nil {
		return listimport.ListView{}, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var list listimport.ListView
	return list, c.do(req, &list)
}

func (c *apiClient) get(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	return c.do(req, out)
}

func (c *apiClient) do(req *http.Request, out any) error {
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, req.URL, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, req.URL, err)
	}
	if resp.StatusCode >= 300 {
		var p api.Problem
		if json.Unmarshal(body, &p) == nil && p.Detail != "" {
			return fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, resp.Status, p.Detail)
		}
		return fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, resp.Status, body)
	}
	return json.Unmarshal(body, out)
}
