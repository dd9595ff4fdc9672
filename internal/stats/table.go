package stats

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable prints the figures as the terminal's table: what
// `outdial report` shows.
func (s *Stats) WriteTable(out io.Writer) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	title := fmt.Sprintf("campaign %s (%d)", s.Campaign, s.CampaignID)
	if s.ListID != nil {
		title += fmt.Sprintf(", list %d", *s.ListID)
	}
	fmt.Fprintf(w, "%s at %s\n\n", title, s.At.Local().Format(time.DateTime))
	c := s.Contacts
	fmt.Fprintf(w, "contacts\t%d\n", c.Total)
	for _, r := range []struct {
		name string
		n    int64
	}{{"new", c.New}, {"ready (due)", c.Ready}, {"waiting", c.Waiting}, {"released", c.Released}, {"dialing", c.Dialing}, {"closed", c.Closed}, {"expired", c.Expired}} {
		fmt.Fprintf(w, "  %s\t%d\n", r.name, r.n)
	}
	if len(c.WaitingReasons) > 0 {
		fmt.Fprintf(w, "waiting because\t\n")
		for _, r := range c.WaitingReasons {
			fmt.Fprintf(w, "  %s\t%d\te.g. %s\n", r.Reason, r.Count, clip(r.Example))
		}
	}
	if len(c.ClosedReasons) > 0 {
		fmt.Fprintf(w, "closed because\t\n")
		for _, r := range c.ClosedReasons {
			fmt.Fprintf(w, "  %s\t%d\n", clip(r.Reason), r.Count)
		}
	}
	fmt.Fprintf(w, "\npenetration\t%s\t%d of %d contacts attempted\n", percent(s.Penetration), c.Attempted, c.Total)
	fmt.Fprintf(w, "contact rate\t%s\tvoice of %d finished attempts\n", percent(s.ContactRate), s.Attempts.Total-s.Attempts.InProgress)
	fmt.Fprintf(w, "success rate\t%s\t%d of %d contacts reached\n", percent(s.SuccessRate), s.Succeeded, s.Reached)
	fmt.Fprintf(w, "\nattempts\t%d\t%d in progress\n", s.Attempts.Total, s.Attempts.InProgress)
	counts(w, "by telephony outcome", s.Attempts.Telephony)
	counts(w, "by business outcome", s.Attempts.Business)

	fmt.Fprintf(w, "\nabandon rate (US)\tanswered\tabandoned\trate\n")
	if p := s.Abandon.Period; p != nil {
		rate(w, fmt.Sprintf("30-day period from %s", p.From.Local().Format(time.DateOnly)), *p)
	} else {
		fmt.Fprintf(w, "  30-day period\tno dial yet\t\t\n")
	}
	rate(w, "last 24 hours", s.Abandon.Last24h)
	rate(w, "today", s.Abandon.Today)

	n := s.Now
	fmt.Fprintf(w, "\nnow\t\n  calls ringing\t%d\n  released, undialed\t%d\n  attempts in the last minute\t%d\n  pass requested\t%t\n",
		n.Ringing, n.ReleasedUndialed, n.AttemptsLastMinute, n.PassRequested)
	if n.BufferSize != nil {
		fmt.Fprintf(w, "  buffer of %s\t%d\t(initial %d; 0: not sized yet)\n", n.CampaignGroup, *n.BufferSize, *n.InitialContacts)
	}
	counts(w, "agents", n.Agents)

	if len(s.Series) > 0 {
		fmt.Fprintf(w, "\nattempts from\tattempts\tvoice\n")
		for _, b := range s.Series {
			fmt.Fprintf(w, "  %s\t%d\t%d\n", b.From.Local().Format("2006-01-02 15:04"), b.Attempts, b.Voice)
		}
	}
	return w.Flush()
}

func counts(w io.Writer, title string, m map[string]int64) {
	fmt.Fprintf(w, "%s\t\n", title)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(w, "  %s\t%d\n", k, m[k])
	}
}

func rate(w io.Writer, name string, r AbandonRate) {
	extra := ""
	if r.Unmeasured > 0 {
		extra = fmt.Sprintf("\t(%d voice calls without a connection time)", r.Unmeasured)
	}
	fmt.Fprintf(w, "  %s\t%d\t%d\t%s%s\n", name, r.Answered, r.Abandoned, percent(r.Rate), extra)
}

func percent(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }

// clip keeps a reason to one short line.
func clip(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if r := []rune(s); len(r) > 80 {
		return string(r[:79]) + "…"
	}
	return s
}
