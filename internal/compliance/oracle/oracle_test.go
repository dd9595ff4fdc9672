package oracle

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var newYork = mustLoc("America/New_York")

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// ny is a time on a day of October 2026 in New York (November for days
// past 31).
func ny(day, hour, minute int) time.Time {
	return time.Date(2026, time.October, day, hour, minute, 0, 0, newYork)
}

func ptr(n int) *int { return &n }

const (
	nyMobile   = "+12125550001"
	chiHome    = "+13125550002"
	laMobile   = "+13235550003"
	chatMobile = "+6435550004"
)

// fixture is a small configuration: campaign C1 (09:00–20:00, its group
// narrowing Chicago to 10:00–18:00, caps 2 per 6 h, global 3, daily 2, one
// retry cycle) and C2 sharing numbers, with contacts in New York, Chicago,
// Los Angeles and Chatham; Chatham's zone row is disabled.
func fixture() Config {
	c1 := Campaign{
		ID: "C1", From: "2026-10-01", To: "2026-11-30", DailyStart: "09:00", DailyEnd: "20:00",
		GroupZones:  []ZoneRow{{Name: "Central", Covers: []string{"America/Chicago"}, Enabled: true, Start: "10:00", End: "18:00"}},
		Caps:        []Cap{{Attempts: 2, Period: 6 * time.Hour}},
		GlobalRetry: ptr(3), DailyRetry: ptr(2), CycleRetry: 1, CycleInterval: 24 * time.Hour, DefaultDelay: 15 * time.Minute,
		Rules: []Rule{
			{Outcome: "busy", MaxRetry: 5, Delay: 10 * time.Minute},
			{Outcome: "no-answer", MaxRetry: 1, Delay: time.Hour},
			{Outcome: "answer-machine", MaxRetry: 1, Delay: 30 * time.Minute, NextMode: true},
			{Outcome: "fax", RemoveMode: true},
			{Outcome: "voice", Close: true},
		},
		Business: []Business{
			{Name: "Sale", Success: true, Close: true},
			{Name: "Callback", MaxRetry: 2, Delay: 2 * time.Hour, RetainPCB: true},
			{Name: "Later", MaxRetry: 2, Delay: 4 * time.Hour, RetainPCB: true},
		},
		Modes: []string{"Mobile", "Home"}, PCBAttempts: 1, LinesPerAgent: 1, Agents: []string{"a1", "a2"},
	}
	c2 := c1
	c2.ID, c2.Caps, c2.GroupZones, c2.Agents, c2.LinesPerAgent = "C2", nil, nil, []string{"a1", "a3"}, 2
	end := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	return Config{
		Campaigns: []Campaign{c1, c2},
		Zones: []ZoneRow{
			{Name: "Eastern", Covers: []string{"America/New_York", "America/Toronto"}, Enabled: true, Start: "08:00", End: "21:00"},
			{Name: "Chatham Islands", Covers: []string{"Pacific/Chatham"}, Enabled: false, Start: "09:00", End: "17:00"},
		},
		Caps: []Cap{{Attempts: 3, Period: 24 * time.Hour}},
		DNC: []DNCEntry{
			{List: "expired", Number: chiHome, From: ny(1, 0, 0), Until: ny(10, 0, 0)},
			{List: "C2's own", Number: chiHome, Campaigns: []string{"C2"}, From: ny(1, 0, 0)},
		},
		Contacts: []Contact{
			{Campaign: "C1", ID: "k1", Zone: "America/New_York", ListEnd: end,
				Numbers: map[string]Number{"Mobile": {nyMobile, "America/New_York"}, "Home": {chiHome, "America/Chicago"}}},
			{Campaign: "C1", ID: "k2", Zone: "America/Los_Angeles", Declared: true, ListEnd: end,
				Numbers: map[string]Number{"Mobile": {nyMobile, "America/New_York"}}},
			{Campaign: "C1", ID: "k3", Zone: "Pacific/Chatham", ListEnd: end,
				Numbers: map[string]Number{"Mobile": {chatMobile, "Pacific/Chatham"}}},
			{Campaign: "C2", ID: "k1", Zone: "America/Los_Angeles", ListEnd: end,
				Numbers: map[string]Number{"Mobile": {laMobile, "America/Los_Angeles"}, "Home": {nyMobile, "America/New_York"}}},
		},
	}
}

const otherMobile = "+12125550009"

// withK4 adds contacts k4 of C1 and k5 of C2, each with its own New York
// mobile.
func withK4(c *Config) {
	for _, id := range []string{"C1", "C2"} {
		k := "k4"
		if id == "C2" {
			k = "k5"
		}
		c.Contacts = append(c.Contacts, Contact{Campaign: id, ID: k, Zone: "America/New_York", ListEnd: c.Contacts[0].ListEnd,
			Numbers: map[string]Number{"Mobile": {otherMobile, "America/New_York"}}})
	}
}

// away has agents away all of October 12 in New York.
func away(c *Config, agents ...string) {
	for _, a := range agents {
		c.Away = append(c.Away, Away{Agent: a, From: ny(12, 0, 0), To: ny(13, 0, 0)})
	}
}

// uncapped lifts C1's own frequency cap and its daily cap.
func uncapped(c *Config) { c.Campaigns[0].Caps, c.Campaigns[0].DailyRetry = nil, nil }

// call is an attempt of C1's contact k1 on its mobile that rang 20 s.
func call(seq int, at time.Time, outcome string) Attempt {
	return Attempt{Campaign: "C1", Contact: "k1", Seq: seq, Mode: "Mobile", Number: nyMobile, Dialed: true, DialAt: at,
		Outcome: outcome, CallEnd: at.Add(20 * time.Second), EndedAt: at.Add(20 * time.Second)}
}

// talk is a call answered after 10 s by agent, a minute's talk and 30 s of
// wrap-up with code business.
func talk(seq int, at time.Time, agent, business string) Attempt {
	a := call(seq, at, "voice")
	a.AnsweredAt, a.ConnectedAgent, a.Business = at.Add(10*time.Second), agent, business
	a.CallEnd, a.WrapupEnd = at.Add(70*time.Second), at.Add(100*time.Second)
	a.EndedAt = a.WrapupEnd
	return a
}

func with(a Attempt, edit func(*Attempt)) Attempt {
	edit(&a)
	return a
}

// withPredictive adds campaign P: predictive (3%, two lines per agent, an
// abandon message), served by agents p1 and p2 alone, with no caps of its
// own, and its contacts p0…p199 in New York, each with a mobile of its own.
func withPredictive(c *Config) {
	p := c.Campaigns[0]
	p.ID, p.From, p.To, p.Caps, p.GroupZones, p.GlobalRetry, p.DailyRetry = "P", "", "", nil, nil, nil, nil
	p.Agents, p.LinesPerAgent = []string{"p1", "p2"}, 2
	p.AbandonTarget, p.MaxLinesPerAgent, p.AbandonMessage, p.TimeZone = 0.03, 2, true, "America/New_York"
	c.Campaigns = append(c.Campaigns, p)
	for i := range 200 {
		c.Contacts = append(c.Contacts, Contact{Campaign: "P", ID: fmt.Sprint("p", i), Zone: "America/New_York", ListEnd: c.Contacts[0].ListEnd,
			Numbers: map[string]Number{"Mobile": {fmt.Sprintf("+1212777%04d", i), "America/New_York"}}})
	}
}

// pcall is P's call to its contact p<i>, given out at at and dialed a
// second later; it rings 20 s.
func pcall(i int, at time.Time, outcome string) Attempt {
	a := call(1, at.Add(time.Second), outcome)
	a.Campaign, a.Contact, a.Number, a.ReleasedAt = "P", fmt.Sprint("p", i), fmt.Sprintf("+1212777%04d", i), at
	return a
}

// answered are n calls of P to contacts from first on, two minutes apart
// from at, each answered after 10 s by a person: agent p1 takes it at
// once for a minute's talk and 30 s of wrap-up, but for the calls
// abandoned (indexes in the series), whose message plays 1.5 s after the
// answer.
func answered(at time.Time, first, n int, abandoned ...int) []Attempt {
	var out []Attempt
	for i := range n {
		a := talk(1, at.Add(time.Duration(i)*2*time.Minute), "p1", "Sale")
		p := pcall(first+i, a.DialAt, "voice")
		a.Campaign, a.Contact, a.Number = p.Campaign, p.Contact, p.Number
		a.ConnectedAt = a.AnsweredAt
		if slices.Contains(abandoned, i) {
			a.Outcome, a.Business, a.ConnectedAgent, a.ConnectedAt, a.WrapupEnd = "abandoned", "", "", time.Time{}, time.Time{}
			a.AbandonMessageAt, a.CallEnd = a.AnsweredAt.Add(1500*time.Millisecond), a.AnsweredAt.Add(3500*time.Millisecond)
			a.EndedAt = a.AbandonMessageAt
		}
		out = append(out, a)
	}
	return out
}

func TestCheckFlagsEachRule(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  func(*Config)
		log  []Attempt
		rule string // "" for a log that breaks no rule
		says string // a fragment of the violation's detail
	}{
		{name: "a clean day", log: []Attempt{call(1, ny(12, 10, 0), "no-answer"), talk(2, ny(12, 11, 5), "a1", "Sale")}},
		{name: "the window ends at the minute it names", cfg: func(c *Config) { c.Campaigns[0].DailyEnd = "22:00" },
			log: []Attempt{call(1, ny(12, 21, 0), "busy")}, rule: RuleWindow, says: "time zone Eastern's hours 08:00–21:00"},
		{name: "its last second is open", cfg: func(c *Config) { c.Campaigns[0].DailyEnd = "22:00" },
			log: []Attempt{call(1, ny(12, 20, 59).Add(59*time.Second), "busy")}},
		{name: "23:59 runs to midnight", cfg: func(c *Config) { c.Campaigns[0].DailyEnd, c.Zones[0].End = "23:59", "23:59" },
			log: []Attempt{call(1, ny(12, 23, 59).Add(30*time.Second), "busy")}},
		{name: "the campaign's hours", log: []Attempt{call(1, ny(12, 8, 30), "busy")}, rule: RuleWindow, says: "campaign's hours 09:00–20:00"},
		{name: "local time after the fall-back", log: []Attempt{call(1, time.Date(2026, 11, 2, 13, 30, 0, 0, time.UTC), "busy")},
			rule: RuleWindow, says: "08:30:00 EST"},
		{name: "before the fall-back the same UTC time is open", log: []Attempt{call(1, time.Date(2026, 10, 30, 13, 30, 0, 0, time.UTC), "busy")}},
		{name: "the campaign's dates", log: []Attempt{call(1, time.Date(2026, 12, 1, 10, 0, 0, 0, newYork), "busy")},
			rule: RuleWindow, says: "outside the campaign's dates"},
		{name: "the number's own zone", log: []Attempt{with(call(1, ny(12, 10, 30), "busy"), func(a *Attempt) { a.Mode, a.Number = "Home", chiHome })},
			rule: RuleWindow, says: "the campaign group's time zone Central's hours 10:00–18:00"},
		{name: "a disabled zone", log: []Attempt{with(call(1, ny(12, 18, 0), "busy"), func(a *Attempt) { a.Contact, a.Number = "k3", chatMobile })},
			rule: RuleWindow, says: "time zone Chatham Islands is not enabled"},
		{name: "the declared zone too", log: []Attempt{with(call(1, ny(12, 10, 0), "busy"), func(a *Attempt) { a.Contact = "k2" })},
			rule: RuleWindow, says: "07:00:00 PDT local time in America/Los_Angeles"},
		{name: "a DNC entry in force", cfg: func(c *Config) {
			c.DNC = append(c.DNC, DNCEntry{List: "Litigators", Number: nyMobile, From: ny(12, 9, 0), Until: ny(14, 0, 0)})
		}, log: []Attempt{call(1, ny(12, 10, 0), "busy")}, rule: RuleDNC, says: "Litigators"},
		{name: "an entry added later, one expired, one of another campaign", cfg: func(c *Config) {
			c.DNC = append(c.DNC, DNCEntry{List: "Later", Number: nyMobile, From: ny(12, 10, 1)})
		}, log: []Attempt{call(1, ny(12, 10, 0), "busy"), with(call(2, ny(12, 11, 0), "busy"), func(a *Attempt) { a.Mode, a.Number = "Home", chiHome })}},
		{name: "time to live", cfg: func(c *Config) { c.Contacts[0].ListEnd = ny(12, 9, 59) }, log: []Attempt{call(1, ny(12, 10, 0), "busy")},
			rule: RuleTTL},
		{name: "a paused campaign", cfg: func(c *Config) { c.Campaigns[0].Paused = []Span{{ny(12, 9, 0), ny(12, 12, 0)}} },
			log: []Attempt{call(1, ny(12, 10, 0), "busy")}, rule: RuleStatus},
		{name: "the deployment's cap across campaigns", log: []Attempt{
			call(1, ny(12, 10, 0), "busy"), call(2, ny(12, 16, 0), "busy"),
			with(call(1, ny(13, 9, 0), "busy"), func(a *Attempt) { a.Campaign, a.Mode = "C2", "Home" }),
			with(call(2, ny(13, 9, 30), "busy"), func(a *Attempt) { a.Campaign, a.Mode = "C2", "Home" }),
		}, rule: RuleFrequency, says: "4 dials to +12125550001 within 24h0m0s (cap 3)"},
		{name: "a dial exactly a period later is outside it", log: []Attempt{
			call(1, ny(12, 9, 0), "busy"), call(2, ny(12, 16, 0), "busy"), call(3, ny(13, 9, 0), "busy"),
		}, cfg: func(c *Config) { c.Campaigns[0].DailyRetry = nil }},
		{name: "the campaign's own cap", log: []Attempt{call(1, ny(12, 9, 0), "busy"), call(2, ny(12, 10, 0), "busy"), call(3, ny(12, 14, 59), "busy")},
			cfg: func(c *Config) { c.Campaigns[0].DailyRetry = nil }, rule: RuleFrequency, says: "3 dials to +12125550001 within 6h0m0s (cap 2)"},
		{name: "the daily cap, in the contact's zone", log: []Attempt{call(1, ny(12, 9, 0), "busy"), call(2, ny(12, 15, 30), "busy"), call(3, ny(12, 19, 45), "busy")},
			cfg: func(c *Config) { c.Caps = nil }, rule: RuleDaily, says: "attempt 3 on 2026-10-12"},
		{name: "an attempt refused at its dial counts", log: []Attempt{
			call(1, ny(12, 9, 0), "busy"), with(call(2, ny(12, 15, 0), "error"), func(a *Attempt) { a.Dialed = false }), call(3, ny(12, 19, 45), "busy"),
		}, cfg: func(c *Config) { c.Caps = nil }, rule: RuleDaily},
		{name: "the global cap", log: []Attempt{call(1, ny(12, 9, 0), "busy"), call(2, ny(13, 9, 0), "busy"), call(3, ny(14, 9, 0), "busy"), call(4, ny(15, 9, 0), "busy")},
			rule: RuleGlobal, says: "attempt 4"},
		{name: "a callback resets the counts when the campaign says so", cfg: func(c *Config) { c.Campaigns[0].ResetOnCallback = true },
			log: []Attempt{call(1, ny(12, 9, 0), "busy"), call(2, ny(13, 9, 0), "busy"), talk(3, ny(14, 9, 0), "a1", "Callback"),
				with(call(4, ny(15, 9, 0), "busy"), func(a *Attempt) { a.Agent = "a1" })}},
		{name: "retry cycles", cfg: func(c *Config) { c.Campaigns[0].GlobalRetry = nil },
			log: []Attempt{call(1, ny(12, 9, 0), "no-answer"), call(2, ny(12, 10, 5), "no-answer"), call(3, ny(13, 10, 10), "no-answer"),
				call(4, ny(13, 11, 15), "no-answer"), call(5, ny(14, 12, 0), "busy")}, rule: RuleCycle, says: "1 retry cycle(s) used"},
		{name: "the next cycle waits for its interval", cfg: func(c *Config) { c.Campaigns[0].GlobalRetry = nil },
			log:  []Attempt{call(1, ny(12, 9, 0), "no-answer"), call(2, ny(12, 10, 5), "no-answer"), call(3, ny(13, 9, 0), "no-answer")},
			rule: RuleDelay, says: "cycle 1 after the cycle interval"},
		{name: "a closing wrap-up", log: []Attempt{talk(1, ny(12, 9, 0), "a1", "Sale"), call(2, ny(13, 9, 0), "busy")},
			rule: RuleClosed, says: "wrap-up Sale closes the contact"},
		{name: "a removed number", log: []Attempt{call(1, ny(12, 9, 0), "fax"), call(2, ny(13, 9, 0), "busy")}, rule: RuleClosed, says: "mode Mobile was removed"},
		{name: "the next mode after a removed one", log: []Attempt{call(1, ny(12, 9, 0), "fax"),
			with(call(2, ny(13, 11, 0), "busy"), func(a *Attempt) { a.Mode, a.Number = "Home", chiHome })}},
		{name: "the reschedule delay", log: []Attempt{call(1, ny(12, 9, 0), "no-answer"), call(2, ny(12, 9, 30), "busy")},
			rule: RuleDelay, says: "no-answer retry 1 of 1 after 1h0m0s"},
		{name: "no rule: the campaign's default delay", log: []Attempt{call(1, ny(12, 9, 0), "abandoned"), call(2, ny(12, 9, 10), "busy")},
			rule: RuleDelay, says: "no rule for abandoned after 15m0s"},
		{name: "a number in two calls", log: []Attempt{talk(1, ny(12, 10, 0), "a1", "Sale"),
			with(call(1, ny(12, 10, 1), "busy"), func(a *Attempt) { a.Campaign, a.Mode = "C2", "Home" })},
			rule: RuleOverlap, says: "still in the call of campaign C1 contact k1 attempt 1"},
		{name: "an agent that does not serve the campaign", log: []Attempt{with(call(1, ny(12, 10, 0), "busy"), func(a *Attempt) { a.Agent = "a3" })},
			rule: RuleAgentLines, says: "agent a3 does not serve the campaign"},
		{name: "an agent in wrap-up", log: []Attempt{
			with(talk(1, ny(12, 13, 0), "a1", "Sale"), func(a *Attempt) { a.Agent = "a1" }),
			with(call(1, ny(12, 13, 1).Add(30*time.Second), "busy"), func(a *Attempt) { a.Campaign, a.Contact, a.Number, a.Agent = "C2", "k1", laMobile, "a1" }),
		}, rule: RuleAgentLines, says: "agent a1 is on another call or its wrap-up"},
		{name: "an agent's line is judged when it was given, not when the dial left", log: []Attempt{
			talk(1, ny(12, 13, 0), "a1", "Sale"),
			with(call(1, ny(12, 13, 1).Add(30*time.Second), "busy"), func(a *Attempt) {
				a.Campaign, a.Contact, a.Number, a.Agent, a.ReleasedAt = "C2", "k1", laMobile, "a1", ny(12, 12, 59)
			}),
		}},
		{name: "a call for any agent fits on another free agent", log: []Attempt{
			talk(1, ny(12, 13, 0), "a1", "Sale"),
			with(call(1, ny(12, 13, 1), "busy"), func(a *Attempt) { a.Contact, a.Number = "k4", otherMobile }),
		}, cfg: withK4},
		{name: "calls given out beyond the free agents' lines", log: []Attempt{
			talk(1, ny(12, 13, 0), "a1", "Sale"),
			with(call(1, ny(12, 13, 1), "busy"), func(a *Attempt) { a.Contact, a.Number = "k4", otherMobile }),
		}, cfg: func(c *Config) { withK4(c); away(c, "a2") }, rule: RuleAgentLines,
			says: "campaign C1 gave out 1 call(s) at once where the free agents serving it had room for 0"},
		{name: "two lines where the campaign gives two, one across campaigns", log: []Attempt{
			with(call(1, ny(12, 13, 0), "busy"), func(a *Attempt) { a.Campaign, a.Number = "C2", laMobile }),
			with(call(1, ny(12, 13, 0).Add(5*time.Second), "busy"), func(a *Attempt) { a.Campaign, a.Contact, a.Number = "C2", "k5", otherMobile }),
		}, cfg: func(c *Config) { withK4(c); away(c, "a2", "a3") }},
		{name: "an agent's lines across campaigns", log: []Attempt{
			with(call(1, ny(12, 13, 0), "busy"), func(a *Attempt) { a.Campaign, a.Number = "C2", laMobile }),
			call(1, ny(12, 13, 0).Add(5*time.Second), "busy"),
		}, cfg: func(c *Config) { away(c, "a2", "a3") }, rule: RuleAgentLines,
			says: "room for 0 beside the calls in flight (campaign C2 1): 1 free of the agents serving C1 and C2"},
		{name: "calls in flight over their agents (one went away) leave room that is not theirs", log: []Attempt{
			call(1, ny(12, 13, 0), "busy"),
			with(call(1, ny(12, 13, 0), "busy"), func(a *Attempt) { a.Contact, a.Number = "k4", otherMobile }),
			with(call(1, ny(12, 13, 0).Add(5*time.Second), "busy"), func(a *Attempt) { a.Campaign, a.Number = "C2", laMobile }),
		}, cfg: func(c *Config) {
			withK4(c)
			c.Away = []Away{{Agent: "a2", From: ny(12, 13, 0).Add(2 * time.Second), To: ny(12, 14, 0)}}
		}},
		{name: "but not the room they would have had", log: []Attempt{
			call(1, ny(12, 13, 0), "busy"),
			with(call(1, ny(12, 13, 0), "busy"), func(a *Attempt) { a.Contact, a.Number = "k4", otherMobile }),
			with(call(1, ny(12, 13, 0).Add(5*time.Second), "busy"), func(a *Attempt) { a.Campaign, a.Number = "C2", laMobile }),
		}, cfg: func(c *Config) {
			withK4(c)
			c.Away = []Away{{Agent: "a2", From: ny(12, 13, 0).Add(2 * time.Second), To: ny(12, 14, 0)}, {Agent: "a3", From: ny(12, 9, 0), To: ny(12, 14, 0)}}
		}, rule: RuleAgentLines, says: "campaign C2 gave out 1 call(s) at once where the free agents serving it had room for 0 beside the calls in flight (campaign C1 2)"},
		{name: "an agent taken whole for its call while calls in flight need it", log: []Attempt{
			call(1, ny(12, 13, 0), "busy"),
			with(call(1, ny(12, 13, 0).Add(5*time.Second), "busy"), func(a *Attempt) { a.Campaign, a.Number, a.Agent = "C2", laMobile, "a1" }),
		}, cfg: func(c *Config) { away(c, "a2") }, rule: RuleAgentLines, says: "taking agent a1 whole leaves the calls in flight (campaign C1 1) less room"},
		{name: "an agent away", log: []Attempt{
			with(call(1, ny(12, 13, 0), "busy"), func(a *Attempt) { a.Agent = "a2" }),
		}, cfg: func(c *Config) { away(c, "a2") }, rule: RuleAgentLines, says: "agent a2 is away"},
		{name: "an agent taken by another call placed for it", log: []Attempt{
			with(call(1, ny(12, 13, 0), "busy"), func(a *Attempt) { a.Agent = "a2" }),
			with(call(1, ny(12, 13, 0).Add(5*time.Second), "busy"), func(a *Attempt) { a.Contact, a.Number, a.Agent = "k4", otherMobile, "a2" }),
		}, cfg: withK4, rule: RuleAgentLines, says: "agent a2 is taken by another call placed for it"},
		{name: "a personal callback for another agent", log: []Attempt{talk(1, ny(12, 10, 0), "a1", "Callback"),
			with(call(2, ny(12, 12, 30), "busy"), func(a *Attempt) { a.Agent = "a2" })},
			rule: RulePCB, says: "a personal callback for agent a1"},
		{name: "a personal callback connected to another agent", log: []Attempt{talk(1, ny(12, 10, 0), "a1", "Callback"),
			with(talk(2, ny(12, 12, 30), "a2", "Sale"), func(a *Attempt) { a.Agent = "a1" })},
			rule: RulePCB, says: "connected to agent a2"},
		{name: "a personal callback lapses after the attempts to reach its agent", cfg: uncapped, log: []Attempt{talk(1, ny(12, 10, 0), "a1", "Callback"),
			with(call(2, ny(12, 12, 30), "busy"), func(a *Attempt) { a.Agent = "a1" }),
			with(call(3, ny(12, 12, 45), "busy"), func(a *Attempt) { a.Agent = "a2" })}},
		{name: "by duration it lasts its duration", cfg: func(c *Config) {
			uncapped(c)
			c.Campaigns[0].PCBByDuration, c.Campaigns[0].PCBDuration = true, 3*time.Hour
		}, log: []Attempt{talk(1, ny(12, 10, 0), "a1", "Callback"),
			with(call(2, ny(12, 12, 30), "busy"), func(a *Attempt) { a.Agent = "a1" }),
			with(call(3, ny(12, 12, 45), "busy"), func(a *Attempt) { a.Agent = "a2" })}, rule: RulePCB, says: "dialed for agent \"a2\""},
		{name: "a callback requested as a personal one lapses is not made personal", cfg: func(c *Config) {
			uncapped(c)
			c.Campaigns[0].PCBByDuration, c.Campaigns[0].PCBDuration = true, 3*time.Hour
		}, log: []Attempt{talk(1, ny(12, 10, 0), "a1", "Callback"),
			with(talk(2, ny(12, 12, 59), "a1", "Callback"), func(a *Attempt) { a.ConnectedAgent, a.Agent = "a2", "a1" }),
			with(call(3, ny(12, 15, 30), "busy"), func(a *Attempt) { a.Agent = "a2" })}, rule: RulePCB, says: "connected to agent a2"},
		{name: "one whose duration was over before the attempt may have been dropped: followed, not enforced", cfg: func(c *Config) {
			uncapped(c)
			c.Campaigns[0].PCBByDuration, c.Campaigns[0].PCBDuration = true, 3*time.Hour
		}, log: []Attempt{talk(1, ny(12, 10, 0), "a1", "Callback"), talk(2, ny(12, 13, 30), "a2", "Callback"),
			with(call(3, ny(12, 15, 40), "busy"), func(a *Attempt) { a.Agent = "a1" })}},
		{name: "one dropped for good when the contact is next due after its duration", cfg: func(c *Config) {
			uncapped(c)
			c.Campaigns[0].PCBByDuration, c.Campaigns[0].PCBDuration = true, 3*time.Hour
		}, log: []Attempt{talk(1, ny(12, 10, 0), "a1", "Later"), talk(2, ny(12, 14, 10), "a2", "Callback"),
			with(call(3, ny(12, 16, 20), "busy"), func(a *Attempt) { a.Agent = "a1" })}, rule: RulePCB, says: "a personal callback for agent a2"},
		{name: "a predictive campaign at its target", cfg: withPredictive, log: answered(ny(12, 10, 0), 0, 100, 10, 50, 90)},
		{name: "over its target in its period", cfg: withPredictive, log: answered(ny(12, 10, 0), 0, 60, 10, 50),
			rule: RuleAbandonRate, says: "2 abandoned of 60 calls answered by a person (3.33%)"},
		{name: "answering machines are not answers by a person", cfg: withPredictive, log: append(answered(ny(12, 10, 0), 0, 20, 5),
			slices.Collect(func(yield func(Attempt) bool) {
				for i := range 100 {
					if !yield(pcall(100+i, ny(13, 10, 0).Add(time.Duration(i)*time.Minute), "answer-machine")) {
						return
					}
				}
			})...), rule: RuleAbandonRate, says: "1 abandoned of 20"},
		{name: "each 30-day period from the first dial on its own", cfg: withPredictive,
			log:  append(answered(ny(12, 10, 0), 0, 34, 5), answered(ny(42, 10, 0), 34, 20, 3)...),
			rule: RuleAbandonRate, says: "1 abandoned of 20 calls answered by a person (5.00%) over the period 2026-11-11T14:00:00Z"},
		{name: "an abandon message after the grace", cfg: withPredictive, log: slices.Concat(answered(ny(12, 10, 0), 0, 40),
			[]Attempt{with(answered(ny(12, 15, 0), 40, 1, 0)[0], func(a *Attempt) { a.AbandonMessageAt = a.AnsweredAt.Add(2500 * time.Millisecond) })}),
			rule: RuleAbandonMessage, says: "its abandon message played 2.5s after"},
		{name: "an abandoned call without its message", cfg: withPredictive, log: slices.Concat(answered(ny(12, 10, 0), 0, 40),
			[]Attempt{with(answered(ny(12, 15, 0), 40, 1, 0)[0], func(a *Attempt) { a.AbandonMessageAt = time.Time{} })}),
			rule: RuleAbandonMessage, says: "without the campaign's message"},
		{name: "a person connected after the grace was abandoned", cfg: withPredictive, log: slices.Concat(answered(ny(12, 10, 0), 0, 40),
			[]Attempt{with(answered(ny(12, 15, 0), 40, 1)[0], func(a *Attempt) { a.ConnectedAt = a.AnsweredAt.Add(2001 * time.Millisecond) })}),
			rule: RuleAbandonMessage, says: "without the campaign's message"},
		{name: "fifteen seconds of ringing", log: []Attempt{with(call(1, ny(12, 10, 0), "no-answer"), func(a *Attempt) { a.CallEnd = a.DialAt.Add(15 * time.Second) })}},
		{name: "given up unanswered too soon", log: []Attempt{with(call(1, ny(12, 10, 0), "no-answer"), func(a *Attempt) { a.CallEnd = a.DialAt.Add(14 * time.Second) })},
			rule: RuleMinRing, says: "given up unanswered after 14s of ringing"},
		{name: "a busy number may end sooner", log: []Attempt{with(call(1, ny(12, 10, 0), "busy"), func(a *Attempt) { a.CallEnd = a.DialAt.Add(3 * time.Second) })}},
		{name: "a predictive campaign places more calls than free agents, within its lines", cfg: withPredictive,
			log: []Attempt{pcall(0, ny(12, 13, 0), "no-answer"), pcall(1, ny(12, 13, 0), "no-answer"), pcall(2, ny(12, 13, 0), "no-answer"), pcall(3, ny(12, 13, 0), "no-answer")}},
		{name: "beyond its lines", cfg: withPredictive,
			log: []Attempt{pcall(0, ny(12, 13, 0), "no-answer"), pcall(1, ny(12, 13, 0), "no-answer"), pcall(2, ny(12, 13, 0), "no-answer"),
				pcall(3, ny(12, 13, 0), "no-answer"), pcall(4, ny(12, 13, 0), "no-answer")},
			rule: RulePredictiveLines, says: "campaign P gave out 5 call(s) at once, leaving 5 in progress (ringing, waiting, talking) where 2 agent(s) taking its calls have 2 lines each"},
		{name: "its calls talking count, and their agents", cfg: withPredictive,
			log: slices.Concat(answered(ny(12, 12, 59), 0, 1), []Attempt{pcall(1, ny(12, 13, 0), "no-answer"), pcall(2, ny(12, 13, 0), "no-answer"),
				pcall(3, ny(12, 13, 0), "no-answer"), pcall(4, ny(12, 13, 0).Add(time.Second), "no-answer")}),
			rule: RulePredictiveLines, says: "leaving 5 in progress"},
		{name: "an agent away takes none of its calls", cfg: func(c *Config) { withPredictive(c); away(c, "p2") },
			log:  []Attempt{pcall(0, ny(12, 13, 0), "no-answer"), pcall(1, ny(12, 13, 0), "no-answer"), pcall(2, ny(12, 13, 0), "no-answer")},
			rule: RulePredictiveLines, says: "where 1 agent(s) taking its calls have 2 lines each"},
		{name: "a call placed for an agent takes that agent, not the lines", cfg: withPredictive,
			log: []Attempt{with(pcall(0, ny(12, 13, 0), "no-answer"), func(a *Attempt) { a.Agent = "p1" }),
				pcall(1, ny(12, 13, 0), "no-answer"), pcall(2, ny(12, 13, 0), "no-answer")}},
		{name: "and the lines are the other agents'", cfg: withPredictive,
			log: []Attempt{with(pcall(0, ny(12, 13, 0), "no-answer"), func(a *Attempt) { a.Agent = "p1" }),
				pcall(1, ny(12, 13, 0), "no-answer"), pcall(2, ny(12, 13, 0), "no-answer"), pcall(3, ny(12, 13, 0), "no-answer")},
			rule: RulePredictiveLines, says: "leaving 3 in progress (ringing, waiting, talking) where 1 agent(s)"},
		{name: "a person waiting for an agent holds a line until the call is abandoned", cfg: withPredictive,
			log: slices.Concat(answered(ny(12, 10, 0), 10, 40), answered(ny(12, 12, 59).Add(50*time.Second), 0, 1, 0), []Attempt{pcall(1, ny(12, 13, 0), "no-answer"), pcall(2, ny(12, 13, 0), "no-answer"),
				pcall(3, ny(12, 13, 0), "no-answer"), pcall(4, ny(12, 13, 0).Add(time.Second), "no-answer")}),
			rule: RulePredictiveLines, says: "leaving 5 in progress"},
		{name: "a log that names an unknown contact", log: []Attempt{with(call(1, ny(12, 10, 0), "busy"), func(a *Attempt) { a.Contact = "nobody" })},
			rule: RuleLog},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fixture()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			rep := Check(cfg, tc.log)
			var dials int
			for _, a := range tc.log {
				if a.Dialed {
					dials++
				}
			}
			require.Equal(t, dials, rep.Dials)
			if tc.rule == "" {
				require.Empty(t, rep.Violations)
				return
			}
			require.NotEmpty(t, rep.Violations, "the oracle must flag it")
			var got []string
			for _, v := range rep.Violations {
				got = append(got, v.String())
				require.Equal(t, tc.rule, v.Rule, "only the rule broken is flagged: %s", v)
			}
			require.Contains(t, strings.Join(got, "\n"), tc.says)
		})
	}
}

func TestInHours(t *testing.T) {
	for _, tc := range []struct {
		start, end string
		open       []string
		closed     []string
	}{
		{"08:00", "21:00", []string{"08:00", "20:59"}, []string{"07:59", "21:00", "23:59"}},
		{"00:00", "23:59", []string{"00:00", "12:00", "23:59"}, nil},
		{"22:00", "02:00", []string{"22:00", "23:59", "00:00", "01:59"}, []string{"02:00", "21:59"}},
		{"09:00", "09:00", nil, []string{"09:00", "08:59"}},
	} {
		for _, want := range []struct {
			at   []string
			open bool
		}{{tc.open, true}, {tc.closed, false}} {
			for _, at := range want.at {
				m, err := minutes(at)
				require.NoError(t, err)
				got, err := inHours(tc.start, tc.end, m)
				require.NoError(t, err)
				require.Equal(t, want.open, got, fmt.Sprintf("%s in %s–%s", at, tc.start, tc.end))
			}
		}
	}
	_, err := inHours("8 AM", "21:00", 0)
	require.Error(t, err)
}

func TestReportCountsAbandons(t *testing.T) {
	cfg := fixture()
	withPredictive(&cfg)
	log := slices.Concat(answered(ny(12, 10, 0), 0, 40, 5), answered(ny(13, 10, 0), 40, 10, 1, 2), answered(ny(42, 10, 0), 50, 10))
	rep := Check(cfg, log)
	require.Len(t, rep.Abandons, 1)
	ab := rep.Abandons[0]
	require.Equal(t, "P", ab.Campaign)
	require.Equal(t, []AbandonCount{
		{From: ny(12, 10, 0), To: ny(12, 10, 0).Add(30 * 24 * time.Hour), Answered: 50, Abandoned: 3},
		{From: ny(12, 10, 0).Add(30 * 24 * time.Hour), To: ny(12, 10, 0).Add(60 * 24 * time.Hour), Answered: 10},
	}, ab.Periods)
	require.Equal(t, AbandonCount{From: ny(13, 0, 0), To: ny(14, 0, 0), Answered: 10, Abandoned: 2}, ab.WorstDay)
	require.InDelta(t, 0.2, ab.WorstDay.Rate(), 1e-9)
	require.Equal(t, map[string]int{RuleAbandonRate: 1}, rep.ByRule(), "the first period's 6%%")
}
