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
	fi, err := os.Stderr.Stat()
	terminal := err == nil && fi.Mode()&os.ModeCharDevice != 0
	return importList(ctx, args, os.Stdout, &progress{w: os.Stderr, terminal: terminal, every: 5 * time.Second, poll: 500 * time.Millisecond})
}

// importList is runImport writing the statistics to out and the progress
// to p.
func importList(ctx context.Context, args []string, out io.Writer, p *progress) error {
	fs := flag.NewFlagSet("outdial import", flag.ContinueOnError)
	base := fs.String("api", env("OUTDIAL_API_URL", "http://localhost:8080"), "the Outdial API (OUTDIAL_API_URL)")
	campaign := fs.String("campaign", "", "the campaign's name (required)")
	mapping := fs.String("mapping", `{"modes":{"Mobile":"Number"}}`, "mode and column mapping, as JSON")
	delimiter := fs.String("delimiter", ",", "delimiter of text files (tab for tab)")
	subType := fs.String("sub-type", "NEW", "NEW or APPEND")
	global := fs.String("global-list-id", "", "global list ID (required with APPEND)")
	key := fs.String("key", os.Getenv("OUTDIAL_API_KEY"), "an admin or supervisor API key (OUTDIAL_API_KEY)")
	failedRows := fs.String("failed-rows", "", "save the rows not imported, with their reasons, to this CSV file")
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
	file, err := os.Open(fs.Arg(0))
	if err != nil {
		return err // names the file, once
	}
	defer func() { _ = file.Close() }()
	c := &apiClient{base: strings.TrimRight(*base, "/") + "/api/v1", key: *key, http: &http.Client{}}
	id, err := c.campaignID(ctx, *campaign)
	if err != nil {
		return err
	}
	list, err := c.upload(ctx, id, file, map[string]string{"mapping": *mapping, "delimiter": *delimiter, "sub_type": *subType, "global_list_id": *global})
	if err != nil {
		return err
	}
	for list.Status == "importing" {
		p.show(list)
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped watching list %d; its import goes on: %w", list.ID, ctx.Err())
		case <-time.After(p.poll):
		}
		if err := c.get(ctx, fmt.Sprintf("/lists/%d", list.ID), &list); err != nil {
			return err
		}
	}
	p.done(list)
	printStats(out, list, c.base)
	if s := list.Stats; *failedRows != "" && s.Failed+s.Duplicate+s.DNCSuppressed > 0 {
		if err := c.download(ctx, fmt.Sprintf("/lists/%d/failed-rows?format=csv", list.ID), *failedRows); err != nil {
			return err
		}
		fmt.Fprintf(out, "  rejected rows saved to %s\n", *failedRows)
	}
	if list.Status == "failed" {
		return fmt.Errorf("list %d failed: %s", list.ID, list.Error)
	}
	return nil
}

// progress shows an import's progress: a bar redrawn in place on a
// terminal; elsewhere (a log, a pipe) a line every so often, since
// redrawn frames would run together.
type progress struct {
	w        io.Writer
	terminal bool
	every    time.Duration // between lines, off a terminal
	poll     time.Duration // between reads of the list
	last     time.Time
}

func (p *progress) show(l listimport.ListView) {
	if p.terminal {
		drawProgress(p.w, l)
		return
	}
	if now := time.Now(); p.last.IsZero() || now.Sub(p.last) >= p.every {
		p.last = now
		fmt.Fprintf(p.w, "list %d: %d%%, %d rows processed\n", l.ID, l.Progress, l.Stats.Processed)
	}
}

// done shows the import's end.
func (p *progress) done(l listimport.ListView) {
	if p.terminal {
		drawProgress(p.w, l)
		fmt.Fprintln(p.w)
		return
	}
	fmt.Fprintf(p.w, "list %d: %s, %d rows processed\n", l.ID, l.Status, l.Stats.Processed)
}

func drawProgress(w io.Writer, l listimport.ListView) {
	const width = 40
	done := width * l.Progress / 100
	fmt.Fprintf(w, "\rlist %d [%s%s] %3d%%  %d rows processed", l.ID, strings.Repeat("#", done), strings.Repeat(" ", width-done), l.Progress, l.Stats.Processed)
}

// printStats prints the list's statistics and, when rows were rejected,
// where to fetch them from base, the API's /api/v1.
func printStats(w io.Writer, l listimport.ListView, base string) {
	s := l.Stats
	fmt.Fprintf(w, "list %d (%s): %s\n", l.ID, l.Upload.FileName, l.Status)
	fmt.Fprintf(w, "  processed %d  uploaded %d  failed %d  duplicate %d  dnc suppressed %d  mode failed %d\n",
		s.Processed, s.Uploaded, s.Failed, s.Duplicate, s.DNCSuppressed, s.ModeFailed)
	for _, cat := range []string{"ndnc", "corporate", "compliance", "litigation"} {
		fmt.Fprintf(w, "  dnc %-10s contacts %d  modes %d\n", cat, s.DNC[cat].Contacts, s.DNC[cat].Modes)
	}
	if s.Failed+s.Duplicate+s.DNCSuppressed > 0 {
		fmt.Fprintf(w, "  rejected rows: %s/lists/%d/failed-rows?format=csv (or --failed-rows FILE)\n", base, l.ID)
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
func (c *apiClient) upload(ctx context.Context, campaign uint64, f *os.File, fields map[string]string) (listimport.ListView, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := func() error {
			for k, v := range fields {
				if err := mw.WriteField(k, v); err != nil {
					return err
				}
			}
			fw, err := mw.CreateFormFile("file", filepath.Base(f.Name()))
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

// download streams what path answers to the file named to.
func (c *apiClient) download(ctx context.Context, path, to string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	resp, err := c.send(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	f, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return fmt.Errorf("save the rejected rows to %s: %w", to, err)
	}
	return f.Close()
}

func (c *apiClient) do(req *http.Request, out any) error {
	resp, err := c.send(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, req.URL, err)
	}
	return json.Unmarshal(body, out)
}

// send makes the request with the key; an answer other than a success is
// an error with the problem's detail.
func (c *apiClient) send(req *http.Request) (*http.Response, error) {
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL, err)
	}
	if resp.StatusCode < 300 {
		return resp, nil
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL, err)
	}
	var p api.Problem
	if json.Unmarshal(body, &p) == nil && p.Detail != "" {
		return nil, fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, resp.Status, p.Detail)
	}
	return nil, fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, resp.Status, body)
}
