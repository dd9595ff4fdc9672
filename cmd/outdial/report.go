package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/outdial/outdial/internal/stats"
)

// runReport prints a campaign's (or a list's) statistics as a table. It
// reads them through the API, as import does: the same figures as the
// console's, under the key's access rules, from wherever the API is
// reachable, without the database's credentials.
func runReport(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("outdial report", flag.ContinueOnError)
	base := fs.String("api", env("OUTDIAL_API_URL", "http://localhost:8080"), "the Outdial API (OUTDIAL_API_URL)")
	campaign := fs.String("campaign", "", "the campaign's name (required)")
	list := fs.Uint64("list", 0, "one of the campaign's lists, by ID: its figures instead of the campaign's")
	from := fs.String("from", "", "start of the attempts series, RFC 3339 (default: 24 hours before --to)")
	to := fs.String("to", "", "end of the attempts series, RFC 3339 (default: the coming hour)")
	bucket := fs.String("bucket", "", "bucket of the attempts series, e.g. 15m (default 1h)")
	watch := fs.Bool("watch", false, "print the figures again every --every until interrupted")
	every := fs.Duration("every", 5*time.Second, "refresh period of --watch")
	key := fs.String("key", os.Getenv("OUTDIAL_API_KEY"), "an admin or supervisor API key (OUTDIAL_API_KEY)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: outdial report --campaign NAME [--watch] [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *campaign == "" || fs.NArg() != 0 {
		fs.Usage()
		return errors.New("a campaign name, and no arguments, are required")
	}
	if *every < time.Second {
		return fmt.Errorf("--every %s: refresh at most once a second", *every)
	}
	c := &apiClient{base: strings.TrimRight(*base, "/") + "/api/v1", key: *key, http: &http.Client{Timeout: time.Minute}}
	id, err := c.campaignID(ctx, *campaign)
	if err != nil {
		return err
	}
	path := fmt.Sprintf("/campaigns/%d/stats", id)
	if *list != 0 {
		path = fmt.Sprintf("/lists/%d/stats", *list)
	}
	q := url.Values{}
	for name, v := range map[string]string{"from": *from, "to": *to, "bucket": *bucket} {
		if v != "" {
			q.Set(name, v)
		}
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	f, isFile := out.(*os.File)
	redraw := isFile && isTerminal(f)
	for {
		var s stats.Stats
		if err := c.get(ctx, path, &s); err != nil {
			return err
		}
		if *list != 0 && s.CampaignID != id {
			return fmt.Errorf("list %d is not a list of campaign %s", *list, *campaign)
		}
		if *watch {
			if redraw {
				fmt.Fprint(out, "\033[H\033[2J") // a terminal redraws in place
			} else {
				fmt.Fprintln(out, "---")
			}
		}
		if err := s.WriteTable(out); err != nil {
			return err
		}
		if !*watch {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(*every):
		}
	}
}

// isTerminal reports whether f is a terminal rather than a file or pipe.
func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
