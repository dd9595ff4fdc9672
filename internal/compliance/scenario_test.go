package compliance

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/strategy"
	"github.com/outdial/outdial/window"
)

// The scenario: what is configured and imported, in neutral form. The
// simulator turns it into production's shapes (production_test.go), the
// oracle reads it in its own (oracleConfig).

// zoneSpec is a configured time zone, or a campaign group's row for one.
type zoneSpec struct {
	display, iana string
	enabled       bool
	start, end    string
	// covers are the other IANA zones that the display name's Windows
	// time zone covers (CLDR's windowsZones), for the zones the scenario
	// uses: a configured zone governs them too (DOMAIN.md, "Windows").
	covers []string
}

type capSpec struct {
	Attempts int
	Period   time.Duration
}

type ruleSpec struct {
	outcome    string
	delay      time.Duration
	maxRetry   int
	priority   int
	branch     string
	retainPCB  bool
	close      bool
	removeMode bool
}

type businessSpec struct {
	name      string
	success   bool
	delay     time.Duration
	maxRetry  int
	priority  int
	close     bool
	retainPCB bool
	// weight is how often agents pick the code.
	weight int
}

type callbackSpec struct {
	reset                string // strategy.PCBToNCBRetries or strategy.PCBToNCBDuration
	attemptsToReachAgent int
	duration             time.Duration
	resetDailyAndGlobal  bool
}

type span struct{ from, to time.Time }

type weighted struct {
	outcome string
	weight  int
}

type campaignSpec struct {
	id                   uint64
	name                 string
	from, to             window.Date
	dailyStart, dailyEnd string
	// group names the campaign group, with weight its deliverable
	// percentage and groupZones its zone rows.
	group        string
	weight       int
	groupZones   []zoneSpec
	frequencyCap *capSpec
	globalRetry  *int
	dailyRetry   *int
	cycleRetry   int
	// intervals and delays are whole minutes, as D:H:M writes them.
	cycleInterval   time.Duration
	resetOnCallback bool
	defaultDelay    time.Duration
	rules           []ruleSpec
	business        []businessSpec
	callback        callbackSpec
	modes           []string
	lines           int
	ttlDays         int
	// dncLists are the campaign's own DNC lists.
	dncLists []string
	pauses   []span
	// outcomes are the dialer's telephony outcomes, by weight; talk the
	// shortest and longest of its conversations (zero: 30 s and 4 minutes).
	outcomes []weighted
	talk     [2]time.Duration
	// predictive paces the campaign predictively (nil: progressively);
	// zone is the campaign's time zone, whose days its abandon budget
	// counts; abandonMessage is what a person no agent took hears.
	predictive     *predictiveSpec
	zone           string
	abandonMessage string
}

// predictiveSpec is a predictive campaign's pacing settings.
type predictiveSpec struct {
	targetPercent float64
	maxLines      float64
	smallTeam     int
}

// teamSpec is a team: the campaigns it is mapped to, and the campaign
// group ("" none) whose campaigns it serves, sharing its agents between
// them by their deliverable percentages.
type teamSpec struct {
	id        uint64
	campaigns []uint64
	group     string
}

type agentSpec struct {
	id   string
	team uint64
}

type contactSpec struct {
	id       uint64
	zone     string
	declared bool
	numbers  []models.ContactNumber
}

type listSpec struct {
	id       uint64
	campaign uint64
	at       time.Time
	contacts []contactSpec
}

type dncSpec struct {
	list      string
	campaigns []uint64 // nil: a global list
	number    string
	from      time.Time
	until     time.Time // zero: for good
}

type scenario struct {
	name       string
	start, end time.Time
	zones      []zoneSpec
	campaigns  []*campaignSpec
	teams      []teamSpec
	agents     []agentSpec
	lists      []listSpec
	dnc        []dncSpec
	deployment capSpec
}

// zonePlaces are the zones numbers live in, by weight, with a made-up
// prefix for their numbers.
type zonePlace struct {
	zone, prefix string
	weight       int
}

var zonePlaces = []zonePlace{
	{"America/New_York", "+1212", 18},
	{"America/Chicago", "+1312", 12},
	{"America/Denver", "+1303", 8},
	{"America/Phoenix", "+1602", 6},
	{"America/Los_Angeles", "+1213", 12},
	{"Europe/London", "+4420", 10},
	{"Europe/Berlin", "+4930", 10},
	{"Asia/Kolkata", "+9133", 8},
	{"Australia/Lord_Howe", "+6126", 8},
	{"Pacific/Chatham", "+6436", 8},
}

// period is a stretch of weeks around DST changes.
type period struct {
	name       string
	start, end time.Time
	// c3From and c3To are the late-night campaign's dates: they cover the
	// US change of the period.
	c3From, c3To time.Time
}

// periods cover every DST change of the zones, autumn and spring: Chatham
// (2026-09-27), Lord Howe (2026-10-04), Europe (2026-10-25), the US
// (2026-11-01); the US (2027-03-14), Europe (2027-03-28), Lord Howe and
// Chatham (2027-04-04).
var periods = []period{
	{name: "autumn 2026", start: day(2026, 9, 24), end: day(2026, 11, 5), c3From: day(2026, 10, 20), c3To: day(2026, 11, 3)},
	{name: "spring 2027", start: day(2027, 3, 8), end: day(2027, 4, 7), c3From: day(2027, 3, 10), c3To: day(2027, 4, 5)},
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func ptr(n int) *int { return &n }

// size scales the contacts of a scenario; c4 is the predictive
// campaign's contacts per daily list.
type size struct {
	c1, c1Appended, c2, c3, c4 int
}

// The predictive campaign dials for predictiveDays from the second day of
// a period, with a team of predictiveAgents: a new list, mostly of US
// numbers, comes each morning, more than the team talks to by the
// evening, so that the pacer has the contacts to place more calls than
// free agents.
const (
	predictiveDays   = 2
	predictiveAgents = 20
)

// newScenario configures three progressive campaigns and a predictive one
// over p:
//
//   - C1 (08:00–21:00, no group, team T1, one line per agent): the seed's
//     kind of strategy with retries, personal callbacks that lapse after
//     two attempts to reach the agent, global 10, daily 3, two retry
//     cycles, its own DNC list, a second list appended a week in, a
//     30-day time to live, paused for three hours one afternoon;
//   - C2 (07:00–23:59, group G at 70%, teams T1 and, through G, T2; two
//     lines): next-mode branches, personal callbacks for six hours,
//     resets on callbacks, global 8, daily 2, one cycle, its own cap of 2
//     calls per 8 hours, paused for 90 minutes;
//   - C3 (00:00–23:59 around a US DST change, group G at 30%, teams T3 and
//     T2 through G; three lines): no global cap, no daily cap (4 with
//     w.nightDailyCap), three cycles, its own cap of 4 calls per 2 days;
//   - C4 (10:00–18:00 for predictiveDays from the period's second day, no
//     group, its own team T4 of predictiveAgents): predictive (3% of the
//     calls answered by a person abandoned at most, three lines per agent,
//     progressive below 5 agents, an abandon message, days counted in New
//     York), a list of n.c4 contacts each morning (new numbers in US
//     zones), persons, machines and no-answers only, talks of 3 to 10
//     minutes, global 5, daily 3, no retry cycle, short personal
//     callbacks, paused for an hour on its second morning.
//
// Team T1 (12 agents) is mapped to C1 and C2, T2 (10) to group G, T3 (4)
// to C3: the three share agents, one pool of lines; all four share
// numbers; the deployment caps every number at 3 calls per 24 hours. Zone
// rows: Eastern 08:00–21:00, Central
// 08:00–20:00, Mountain, Berlin and Lord Howe all day (the campaign's
// hours decide), Pacific 08:00–20:30, London 09:00–20:00, India
// 10:00–19:00, Chatham 09:00–21:00; group G disables Chatham and narrows
// India to 11:00–18:00 and Pacific to 09:00–21:00.
//
// With w.declaredZones, one contact in eight comes from a file whose
// ZoneName column names another zone than its numbers'. With
// w.zoneAliases, Indian numbers carry phonenumbers' name for their zone
// (Asia/Calcutta) and a share of numbers are Toronto's, which Eastern's
// row covers.
func newScenario(p period, n size, w world, rng *rand.Rand) *scenario {
	s := &scenario{name: p.name, start: p.start, end: p.end, deployment: capSpec{3, 24 * time.Hour}}
	s.zones = []zoneSpec{
		{"(UTC-05:00) Eastern Time (US and Canada)", "America/New_York", true, "08:00", "21:00", []string{"America/Toronto"}},
		{"(UTC-06:00) Central Time (US and Canada)", "America/Chicago", true, "08:00", "20:00", nil},
		{"(UTC-07:00) Mountain Time (US and Canada)", "America/Denver", true, "00:00", "23:59", nil},
		{"(UTC-07:00) Arizona", "America/Phoenix", true, "08:00", "21:00", nil},
		{"(UTC-08:00) Pacific Time (US and Canada)", "America/Los_Angeles", true, "08:00", "20:30", nil},
		{"(UTC+00:00) Dublin, Edinburgh, Lisbon, London", "Europe/London", true, "09:00", "20:00", nil},
		{"(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", "Europe/Berlin", true, "00:00", "23:59", nil},
		{"(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi", "Asia/Kolkata", true, "10:00", "19:00", []string{"Asia/Calcutta"}},
		{"(UTC+10:30) Lord Howe Island", "Australia/Lord_Howe", true, "00:00", "23:59", nil},
		{"(UTC+12:45) Chatham Islands", "Pacific/Chatham", true, "09:00", "21:00", nil},
	}
	groupZones := []zoneSpec{
		{"(UTC+12:45) Chatham Islands", "Pacific/Chatham", false, "09:00", "21:00", nil},
		{"(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi", "Asia/Kolkata", true, "11:00", "18:00", []string{"Asia/Calcutta"}},
		{"(UTC-08:00) Pacific Time (US and Canada)", "America/Los_Angeles", true, "09:00", "21:00", nil},
	}
	dialer := []weighted{{strategy.Voice, 38}, {strategy.AnswerMachine, 18}, {strategy.NoAnswer, 24}, {strategy.Busy, 10},
		{strategy.NoRingback, 4}, {strategy.Error, 3}, {strategy.Fax, 1}, {strategy.InvalidNumber, 2}}
	at := func(d time.Duration) time.Time { return p.start.Add(d) }
	c1 := &campaignSpec{id: 1, name: "kris_progressive", dailyStart: "08:00", dailyEnd: "21:00",
		globalRetry: ptr(10), dailyRetry: ptr(3), cycleRetry: 2, cycleInterval: 12 * time.Hour, defaultDelay: 20 * time.Minute,
		rules: []ruleSpec{
			{outcome: "voice", maxRetry: 1, delay: 2 * time.Hour, close: true},
			{outcome: "answer-machine", maxRetry: 2, delay: time.Hour},
			{outcome: "no-answer", maxRetry: 2, delay: 30 * time.Minute, branch: strategy.BranchNextMode},
			{outcome: "busy", maxRetry: 3, delay: 5 * time.Minute, priority: 1},
			{outcome: "no-ringback", maxRetry: 1, delay: 15 * time.Minute, branch: strategy.BranchNextMode},
			{outcome: "Error", maxRetry: 1, delay: 15 * time.Minute},
			{outcome: "fax", removeMode: true},
			{outcome: "invalid-number", removeMode: true},
		},
		business: []businessSpec{
			{name: "Sale", success: true, close: true, weight: 25},
			{name: "Callback Requested", delay: time.Hour, maxRetry: 3, priority: 2, retainPCB: true, weight: 22},
			{name: "Not Interested", close: true, weight: 25},
			{name: "Call Back Later", delay: 24 * time.Hour, maxRetry: 2, weight: 15},
			{name: "Left Message", maxRetry: 0, weight: 13},
		},
		callback: callbackSpec{reset: strategy.PCBToNCBRetries, attemptsToReachAgent: 2},
		modes:    []string{"Mobile", "Home", "Office"}, lines: 1, ttlDays: 30, dncLists: []string{"Corporate C1"},
		pauses: []span{{at(4*24*time.Hour + 13*time.Hour), at(4*24*time.Hour + 16*time.Hour)}}, outcomes: dialer}
	c2 := &campaignSpec{id: 2, name: "kris_retention", from: window.DateOf(at(2 * 24 * time.Hour)), to: window.DateOf(p.end.Add(-2 * 24 * time.Hour)),
		dailyStart: "07:00", dailyEnd: "23:59", group: "G", weight: 70, groupZones: groupZones,
		frequencyCap: &capSpec{2, 8 * time.Hour}, globalRetry: ptr(8), dailyRetry: ptr(2), cycleRetry: 1, cycleInterval: 24 * time.Hour,
		resetOnCallback: true, defaultDelay: 15 * time.Minute,
		rules: []ruleSpec{
			{outcome: "voice", maxRetry: 0, close: true},
			{outcome: "answer-machine", maxRetry: 1, delay: 2 * time.Hour, branch: strategy.BranchNextMode},
			{outcome: "no-answer", maxRetry: 1, delay: time.Hour, branch: strategy.BranchNextMode},
			{outcome: "busy", maxRetry: 2, delay: 10 * time.Minute},
			{outcome: "error", maxRetry: 2, delay: 30 * time.Minute},
			{outcome: "fax", removeMode: true},
			{outcome: "invalid-number", removeMode: true},
		},
		business: []businessSpec{
			{name: "Renewed", success: true, weight: 20},
			{name: "Callback Requested", delay: 2 * time.Hour, maxRetry: 2, priority: 3, retainPCB: true, weight: 25},
			{name: "Not Now", delay: 4 * time.Hour, maxRetry: 1, weight: 25},
			{name: "Do Not Call", close: true, weight: 10},
			{name: "Cancelled", success: false, close: true, weight: 20},
		},
		callback: callbackSpec{reset: strategy.PCBToNCBDuration, duration: 6 * time.Hour},
		modes:    []string{"Mobile", "Home", "Office"}, lines: 2, ttlDays: 365,
		pauses: []span{{at(9*24*time.Hour + 16*time.Hour), at(9*24*time.Hour + 17*time.Hour + 30*time.Minute)}}, outcomes: dialer}
	c3 := &campaignSpec{id: 3, name: "kris_winback", from: window.DateOf(p.c3From), to: window.DateOf(p.c3To),
		dailyStart: "00:00", dailyEnd: "23:59", group: "G", weight: 30, groupZones: groupZones,
		frequencyCap: &capSpec{4, 48 * time.Hour}, cycleRetry: 3, cycleInterval: 4 * time.Hour,
		resetOnCallback: true, defaultDelay: 10 * time.Minute,
		rules: []ruleSpec{
			{outcome: "voice", maxRetry: 1, delay: 30 * time.Minute},
			{outcome: "answer-machine", maxRetry: 3, delay: 45 * time.Minute},
			{outcome: "no-answer", maxRetry: 3, delay: 20 * time.Minute, branch: strategy.BranchNextMode},
			{outcome: "busy", maxRetry: 5, delay: 5 * time.Minute},
			{outcome: "invalid-number", close: true},
		},
		business: []businessSpec{
			{name: "Won Back", success: true, close: true, weight: 20},
			{name: "Callback Requested", delay: 30 * time.Minute, maxRetry: 4, priority: 1, retainPCB: true, weight: 35},
			{name: "Thinking", delay: 3 * time.Hour, maxRetry: 2, weight: 30},
			{name: "Lost", close: true, weight: 15},
		},
		callback: callbackSpec{reset: strategy.PCBToNCBRetries, attemptsToReachAgent: 1, resetDailyAndGlobal: true},
		modes:    []string{"Mobile", "Home"}, lines: 3, ttlDays: 365, outcomes: dialer}
	if w.nightDailyCap {
		c3.dailyRetry = ptr(4)
	}
	c4From := p.start.Add(24 * time.Hour)
	c4 := &campaignSpec{id: 4, name: "kris_predictive", from: window.DateOf(c4From), to: window.DateOf(c4From.Add((predictiveDays - 1) * 24 * time.Hour)),
		dailyStart: "10:00", dailyEnd: "18:00", globalRetry: ptr(5), dailyRetry: ptr(3), cycleInterval: 24 * time.Hour, defaultDelay: 30 * time.Minute,
		rules: []ruleSpec{
			{outcome: "voice", maxRetry: 0, close: true},
			{outcome: "answer-machine", maxRetry: 1, delay: time.Hour},
			{outcome: "no-answer", maxRetry: 1, delay: 45 * time.Minute, branch: strategy.BranchNextMode},
			{outcome: "abandoned", maxRetry: 1, delay: 2 * time.Hour},
		},
		business: []businessSpec{
			{name: "Sale", success: true, close: true, weight: 30},
			{name: "Callback Requested", delay: time.Hour, maxRetry: 1, priority: 1, retainPCB: true, weight: 10},
			{name: "Not Interested", close: true, weight: 40},
			{name: "Call Back Later", delay: 4 * time.Hour, maxRetry: 1, weight: 20},
		},
		callback: callbackSpec{reset: strategy.PCBToNCBRetries, attemptsToReachAgent: 1},
		modes:    []string{"Mobile", "Home"}, lines: 1, ttlDays: 30,
		pauses:     []span{{c4From.Add(24*time.Hour + 15*time.Hour), c4From.Add(24*time.Hour + 16*time.Hour)}},
		outcomes:   []weighted{{strategy.Voice, 30}, {strategy.AnswerMachine, 25}, {strategy.NoAnswer, 45}},
		talk:       [2]time.Duration{3 * time.Minute, 10 * time.Minute},
		predictive: &predictiveSpec{targetPercent: 3, maxLines: 3, smallTeam: 5}, zone: "America/New_York",
		abandonMessage: "This is Kris Sales; we will call you back, or call us on 0800 000 000."}
	s.campaigns = []*campaignSpec{c1, c2, c3, c4}
	s.teams = []teamSpec{{id: 1, campaigns: []uint64{1, 2}}, {id: 2, group: "G"}, {id: 3, campaigns: []uint64{3}}, {id: 4, campaigns: []uint64{4}}}
	for team, n := range []int{12, 10, 4, predictiveAgents} {
		for i := range n {
			s.agents = append(s.agents, agentSpec{id: fmt.Sprint(100*(team+1) + 1 + i), team: uint64(team + 1)})
		}
	}

	g := &numberGen{rng: rng, zoneOf: map[string]string{}, places: slices.Clone(zonePlaces)}
	if w.zoneAliases {
		for i := range g.places {
			if g.places[i].zone == "Asia/Kolkata" {
				g.places[i].zone = "Asia/Calcutta"
			}
		}
		g.places = append(g.places, zonePlace{"America/Toronto", "+1416", 8})
	}
	if w.declaredZones {
		g.declare = 8
	}
	s.lists = []listSpec{
		{id: 11, campaign: 1, at: p.start, contacts: g.contacts(1_000_000, n.c1, c1.modes)},
		{id: 12, campaign: 1, at: at(7 * 24 * time.Hour), contacts: g.contacts(1_500_000, n.c1Appended, c1.modes)},
		{id: 21, campaign: 2, at: p.start, contacts: g.contacts(2_000_000, n.c2, c2.modes)},
		{id: 31, campaign: 3, at: p.c3From.Add(-24 * time.Hour), contacts: g.contacts(3_000_000, n.c3, c3.modes)},
	}
	all := g.places
	g.places = slices.DeleteFunc(slices.Clone(all), func(z zonePlace) bool { return !strings.HasPrefix(z.prefix, "+1") })
	for d := range predictiveDays {
		s.lists = append(s.lists, listSpec{id: uint64(41 + d), campaign: 4, at: c4From.Add(time.Duration(d)*24*time.Hour + 13*time.Hour),
			contacts: g.contacts(4_000_000+uint64(d)*10_000, n.c4, c4.modes)})
	}
	g.places = all
	s.dnc = g.dnc(p, c1)
	return s
}

// numberGen makes numbers and contacts; a share of each campaign's
// numbers are other campaigns' too.
type numberGen struct {
	rng    *rand.Rand
	places []zonePlace
	next   int
	used   []string
	zoneOf map[string]string
	// declare: one contact in declare names a zone of its own, 0 none.
	declare int
}

func (g *numberGen) newNumber() string {
	total := 0
	for _, z := range g.places {
		total += z.weight
	}
	pick := g.rng.IntN(total)
	for _, z := range g.places {
		if pick < z.weight {
			g.next++
			n := fmt.Sprintf("%s%07d", z.prefix, g.next)
			g.zoneOf[n] = z.zone
			return n
		}
		pick -= z.weight
	}
	panic("unreachable")
}

// number is a number for a contact: one already used (by any campaign)
// a quarter of the time, otherwise a new one, in the zone of near when
// set, two times in three.
func (g *numberGen) number(near string) string {
	if len(g.used) > 0 && g.rng.IntN(4) == 0 {
		return g.used[g.rng.IntN(len(g.used))]
	}
	for range 20 {
		n := g.newNumber()
		if near == "" || g.zoneOf[n] == near || g.rng.IntN(3) == 0 {
			return n
		}
	}
	return g.newNumber()
}

// contacts are n contacts with IDs from first: a Mobile each, a Home for
// half, an Office for a quarter (when the campaign has that mode). The
// contact's zone is its first number's (inferred, as an import without a
// ZoneName column does), or one its file declares.
func (g *numberGen) contacts(first uint64, n int, modes []string) []contactSpec {
	var out []contactSpec
	for i := range n {
		k := contactSpec{id: first + uint64(i)}
		var taken []string
		for j, mode := range modes {
			if j == 1 && g.rng.IntN(2) == 0 || j == 2 && g.rng.IntN(4) != 0 {
				continue
			}
			num := g.number(k.zone)
			for slices.Contains(taken, num) {
				num = g.newNumber()
			}
			taken = append(taken, num)
			if k.zone == "" {
				k.zone = g.zoneOf[num]
			}
			k.numbers = append(k.numbers, models.ContactNumber{Mode: mode, Number: num, TimeZone: g.zoneOf[num]})
		}
		g.used = append(g.used, taken...)
		if g.declare > 0 && g.rng.IntN(g.declare) == 0 {
			// Each number keeps its own zone beside the declared one, as
			// the import stores them.
			k.zone, k.declared = g.places[g.rng.IntN(len(g.places))].zone, true
			for i := range k.numbers {
				if n := &k.numbers[i]; n.TimeZone != k.zone {
					n.DeclaredZone = k.zone
				}
			}
		}
		out = append(out, k)
	}
	return out
}

// dnc are the DNC entries over p: a national list with numbers listed for
// good before the start (scrubbed at import) and added every day, a
// litigation list whose entries expire after a few days, and C1's own
// corporate list, added to mid-campaign.
func (g *numberGen) dnc(p period, c1 *campaignSpec) []dncSpec {
	var out []dncSpec
	pick := func() string { return g.used[g.rng.IntN(len(g.used))] }
	hours := int(p.end.Sub(p.start) / time.Hour)
	for range len(g.used) / 100 {
		out = append(out, dncSpec{list: "NDNC", number: pick(), from: p.start.Add(-24 * time.Hour)})
	}
	for range len(g.used) / 50 {
		from := p.start.Add(time.Duration(g.rng.IntN(hours*60)) * time.Minute)
		out = append(out, dncSpec{list: "NDNC", number: pick(), from: from})
	}
	for range len(g.used) / 40 {
		from := p.start.Add(time.Duration(g.rng.IntN(hours*60)) * time.Minute)
		until := from.Add(time.Duration(12+g.rng.IntN(96)) * time.Hour)
		out = append(out, dncSpec{list: "Litigation", number: pick(), from: from, until: until})
	}
	for range len(g.used) / 60 {
		from := p.start.Add(time.Duration(g.rng.IntN(hours*60)) * time.Minute)
		e := dncSpec{list: c1.dncLists[0], campaigns: []uint64{c1.id}, number: pick(), from: from}
		if g.rng.IntN(2) == 0 {
			e.until = from.Add(time.Duration(1+g.rng.IntN(72)) * time.Hour)
		}
		out = append(out, e)
	}
	return out
}
