// Package oracle checks a log of attempts and dial requests against the
// rules of DOMAIN.md ("Strategy rules", "Windows", "Predictive"), on its
// own: it imports nothing of Outdial's, and recomputes each rule from the
// configuration, the contacts' data and the reports of how calls went (the
// dialer's outcomes, the agents' wrap-ups), never from what Outdial
// decided.
//
// It is a safety check: it flags a dial that a rule forbids, never a call
// that Outdial did not make. Where DOMAIN.md leaves room (when a callback
// resets the daily and global counts), it takes the reading that allows
// more, so that what it flags is a call no reading allows.
package oracle

import "time"

// Config is what the oracle knows besides the log: the configuration in
// force and the contacts as they were imported.
type Config struct {
	Campaigns []Campaign
	// Zones are the configured time zones.
	Zones []ZoneRow
	// DNC are every DNC entry that existed during the log, with when it was
	// in force.
	DNC []DNCEntry
	// Caps are the deployment's frequency caps, for every campaign.
	Caps     []Cap
	Contacts []Contact
	// Away are the spans in which agents, by their own report, took no
	// calls (a break, not ready).
	Away []Away
}

// Away is an agent away from From to To.
type Away struct {
	Agent    string
	From, To time.Time
}

// ZoneRow is a configured time zone (or a campaign group's row for one):
// it governs the IANA zones it covers.
type ZoneRow struct {
	Name    string
	Covers  []string
	Enabled bool
	// Start and End are "HH:MM"; the window ends at the minute End names,
	// and "23:59" runs to midnight.
	Start, End string
}

// Cap is at most Attempts dials to one number in any Period, counted
// across campaigns.
type Cap struct {
	Attempts int
	Period   time.Duration
}

// DNCEntry is a number on a DNC list from From until Until (zero: for
// good). A list with Campaigns applies to those campaigns only; without,
// to every campaign.
type DNCEntry struct {
	List      string
	Number    string
	Campaigns []string
	From      time.Time
	Until     time.Time
}

// Span is a stretch of time [From, To).
type Span struct{ From, To time.Time }

// Campaign is a campaign's configuration as the oracle reads it.
type Campaign struct {
	ID string
	// From and To are its date range, "YYYY-MM-DD", "" for open.
	From, To string
	// DailyStart and DailyEnd are its daily hours, "HH:MM".
	DailyStart, DailyEnd string
	// GroupZones are its campaign group's zone rows.
	GroupZones []ZoneRow
	// Paused are the spans in which it was not active.
	Paused []Span
	// Caps are its own frequency caps (across campaigns, as the
	// deployment's).
	Caps []Cap
	// GlobalRetry and DailyRetry are nil without a cap.
	GlobalRetry, DailyRetry *int
	CycleRetry              int
	CycleInterval           time.Duration
	ResetOnCallback         bool
	// DefaultDelay reschedules an outcome without a rule.
	DefaultDelay time.Duration
	Rules        []Rule
	Business     []Business
	// Modes are the strategy's modes in priority order.
	Modes []string
	// PCBByDuration: a personal callback becomes normal after PCBDuration;
	// otherwise after PCBAttempts attempts that did not reach its agent.
	PCBByDuration bool
	PCBAttempts   int
	PCBDuration   time.Duration
	// LinesPerAgent: each free agent serving the campaign takes up to so
	// many of its calls in flight, so one of its calls takes 1/LinesPerAgent
	// of an agent, whichever campaigns the agent's other calls are of.
	LinesPerAgent int
	// Agents serve the campaign (its teams' and its group's).
	Agents []string
	// AbandonTarget makes the campaign predictive when above 0: at most
	// that share (0.03 for 3%) of its calls answered by a person abandoned,
	// over each 30-day period from its first dial. A predictive campaign's
	// lines are MaxLinesPerAgent per agent taking its calls, not
	// LinesPerAgent per free agent.
	AbandonTarget    float64
	MaxLinesPerAgent float64
	// AbandonMessage: the campaign has a message for the persons no agent
	// took in time.
	AbandonMessage bool
	// TimeZone is the campaign's zone, whose days the daily abandon rates
	// of the report count ("" for UTC).
	TimeZone string
}

// Rule is the contact strategy's rule for one telephony outcome.
type Rule struct {
	Outcome    string
	MaxRetry   int
	Delay      time.Duration
	Close      bool
	NextMode   bool
	RemoveMode bool
	RetainPCB  bool
}

// Business is a business outcome (a wrap-up code).
type Business struct {
	Name      string
	Success   bool
	MaxRetry  int
	Delay     time.Duration
	Close     bool
	RetainPCB bool
}

// Contact is a contact as imported.
type Contact struct {
	Campaign, ID string
	// Zone is the contact's zone; Declared when its file named it (then each
	// number's own window and the declared zone's must both be open).
	Zone     string
	Declared bool
	// Numbers by mode, each with its own zone.
	Numbers map[string]Number
	// ListEnd is its list's end time (time to live).
	ListEnd time.Time
}

// Number is one of a contact's numbers.
type Number struct {
	Number, Zone string
}

// Attempt is one attempt at a contact, as the log records it: the dial
// request, if one left, and what the dialer and the agents reported.
type Attempt struct {
	Campaign, Contact string
	Seq               int
	Mode, Number      string
	// Dialed: a dial request left at DialAt. An attempt refused at its dial
	// has none, but still counts for the strategy and the caps.
	Dialed bool
	DialAt time.Time
	// ReleasedAt is when the pacer gave the call out (zero: at the dial).
	// Agent is the agent the call was placed for (a personal callback, a
	// preview), taken whole for it from then; "" for a call that any free
	// agent serving the campaign may take, which is tied to no agent until
	// one answers.
	ReleasedAt time.Time
	Agent      string
	// Outcome is the telephony outcome, Business the wrap-up code.
	Outcome, Business string
	// AnsweredAt is when a person answered (zero if no one did), and
	// ConnectedAgent the agent who took the call ("" if none), at
	// ConnectedAt (zero: the dialer did not say, read as at the answer).
	AnsweredAt     time.Time
	ConnectedAgent string
	ConnectedAt    time.Time
	// AbandonMessageAt is when the dialer played the campaign's abandon
	// message to a person no agent took (zero: never).
	AbandonMessageAt time.Time
	// CallEnd is when the call hung up; WrapupEnd when its agent was free
	// again.
	CallEnd, WrapupEnd time.Time
	// EndedAt is when the attempt ended: its strategy decision.
	EndedAt time.Time
}
