// Package compliance is issue 13's proof that every dial request Outdial
// makes is one the rules allow. Its tests simulate whole campaigns on a
// virtual clock and have an independent oracle check every dial request;
// the package itself holds no code.
//
// The simulation (sim_test.go, scenario_test.go) runs three progressive
// campaigns that share teams and agents, and a predictive one with a team
// of its own, all sharing numbers, over two stretches of weeks that include
// every DST change of the zones it dials (the US and Europe,
// Australia/Lord_Howe's half hour, Pacific/Chatham's +12:45/+13:45, and
// Asia/Kolkata's none), with random outcomes and wrap-up codes drawn from
// each campaign's own outcome group, DNC entries added and expiring
// mid-campaign, pauses, lists that expire, agents' breaks and personal
// callbacks. The predictive campaign gets more contacts each morning than
// its team talks to: persons, answering machines and no-answers. A person
// who answers waits for an agent as long as production's simulated dialer
// asks for one (three quarters of the 2-s grace), then hears the campaign's
// abandon message; a no-answer rings at least 15 s, as that dialer rings
// it, in every campaign. Its world (world, in compliance_test.go) also has
// dial requests that leave a moment after their attempts are recorded and
// now and then minutes later (a retried dial, a worker that died), calls
// that outlast the workflow's 30-minute wait for their wrap-up, contacts
// whose file declares a zone other than their numbers', numbers in zones
// known by another name (Asia/Calcutta) or governed by a configured zone of
// another name (Toronto by Eastern), and a daily cap on the campaign that
// dials through the night of a fall-back.
//
// It drives production's own decisions in production's order: the
// eligibility check before an attempt is recorded and again as its dial
// request leaves (contact.Check, contact.AtDial, over contact.Facts built
// as the facts loader builds them, with windows assembled by
// contact.ZoneWindows), the strategy after each call (strategy.Decide,
// counting days in the contact's real zone), and the pacer's arithmetic as
// campaign.Service.Pace uses it: pacing.Progressive and pacing.Split for
// what a pass wants, or for the predictive campaign pacing.Estimate over
// its attempts that ended in the last hour and pacing.Predictive's Decide
// over its calls ringing, its busy agents, its dials of the last minute and
// its abandon counts of its 30-day period and of today (the windows of
// stats.Windows); then pacing.Pool's Release for what the agents it shares
// with other campaigns allow, and its Reservable for whether a personal
// callback may take its agent whole (else the agent is held for it). What
// production does in SQL or in a workflow, it mirrors plainly, saying which
// query or step; production_test.go holds the calls into production and the
// pure mirrors.
//
// The oracle (package oracle) imports nothing of Outdial's. Written from
// DOMAIN.md, it sees the configuration, the contacts as imported, the DNC
// entries with their validity, the agents' breaks and the log of attempts
// (releases, dial requests, and what the dialer and agents reported), and
// recomputes each rule with its own code: every window in the number's
// local time (and the declared zone's), DNC entries in force, time to live,
// the campaign's status, the frequency caps across campaigns, the daily,
// global and cycle caps, the reschedule delays, a number in two calls at
// once, the agents' lines (each call given out fits, beside the calls in
// flight, on the free agents serving its campaign, one budget per agent
// across campaigns; a call placed for an agent takes a free agent whole),
// and personal callbacks only for their agent while they last.
//
// A predictive campaign (AbandonTarget above 0) has rules of its own: its
// calls answered by a person and abandoned (no agent within 2 s of the
// answer) are at most its target over each 30-day period from its first
// dial, every completed period and the one in progress at the end of the
// log ("abandon-rate"; the report gives each period's rate and the worst
// day's, which no rule bounds); every abandoned call of a campaign with a
// message heard it within 2 s of the answer ("abandon-message"); and its
// lines are its own ("predictive-lines"): whenever it gives out calls, its
// calls in progress (ringing or about to, waiting for an agent, talking)
// are at most its most lines per agent for each agent taking its calls
// (serving it, not away, not taken whole by a call placed for it, not on
// another campaign's call), where the progressive rule's free agents' lines
// do not apply, as it places more calls than free agents by design. In
// every campaign, no call is given up unanswered before 15 s of ringing
// ("minimum-ring").
//
// TestCompliance runs that whole world and fails on any violation, naming
// the dial, the rule, the contact's story and the seed that reproduces it
// (OUTDIAL_COMPLIANCE_SEED); it requires at least 100,000 dial requests
// checked (5,000 with -short), and logs how the predictive campaign paced:
// the passes that decided and released more calls than free agents, the
// calls in progress per agent taking calls, and its abandons.
// findings_test.go holds what the suite found, each as small as it gets and
// each passing since its fix (those with PostgreSQL in `make test`):
// TestDelayedDialCountsFromItsRequest, TestDailyCapHoldsAcrossTheFallBack,
// TestLongCallKeepsItsNumber, TestCallOverAnHourKeepsItsNumber (a call a
// person answered keeps its number past the hour that bounds a lost
// attempt) and TestLateDialKeepsItsLine (a dial request that would leave
// after the pacer gave its line back is refused).
package compliance
