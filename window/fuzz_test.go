package window

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/quick"
	"time"

	"github.com/stretchr/testify/require"
)

// propertyZones are zones with awkward rules: US and EU DST, a 30-minute
// DST (Lord Howe), no DST at a half-hour offset (Kolkata), a skipped day and
// a +/-1h DST at the date line (Apia), and DST changes at midnight
// (Santiago, Havana).
var propertyZones = []string{
	"America/Chicago", "America/New_York", "Europe/London", "Australia/Lord_Howe",
	"Asia/Kolkata", "Pacific/Apia", "America/Santiago", "America/Havana",
}

type zoneFixture struct {
	loc         *time.Location
	transitions []time.Time // offset changes between 2005 and 2035
}

var fixtures = sync.OnceValue(func() []zoneFixture {
	var out []zoneFixture
	for _, name := range propertyZones {
		loc, err := time.LoadLocation(name)
		if err != nil {
			panic(err)
		}
		f := zoneFixture{loc: loc}
		end := time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)
		for t := time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC); t.Before(end); {
			_, next := t.In(loc).ZoneBounds()
			if next.IsZero() || !next.Before(end) {
				break
			}
			f.transitions = append(f.transitions, next)
			t = next
		}
		out = append(out, f)
	}
	return out
})

// fuzzCase turns raw inputs into a spec and an instant near a DST change.
func fuzzCase(zone uint8, trans uint16, deltaMin int16, sec uint8, s1, e1, s2, e2 uint16, flags uint8, fromDays, toDays int8) (Spec, time.Time) {
	fx := fixtures()
	f := fx[int(zone)%len(fx)]
	var base time.Time
	if len(f.transitions) > 0 {
		base = f.transitions[int(trans)%len(f.transitions)]
	} else {
		base = time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(trans) * 4 * time.Hour)
	}
	// Within about two days of the change, at any second.
	t := base.Add(time.Duration(int(deltaMin)%(3*MinutesPerDay))*time.Minute + time.Duration(sec%60)*time.Second)

	spec := Spec{Loc: f.loc}
	switch flags % 4 {
	case 0: // full day, as the seed's zones are configured
		spec.Daily = []Daily{{0, MinutesPerDay - 1}}
	case 1:
		spec.Daily = []Daily{{Clock(s1 % MinutesPerDay), Clock(e1 % MinutesPerDay)}}
	case 2: // campaign window and zone window, both may cross midnight
		spec.Daily = []Daily{{Clock(s1 % MinutesPerDay), Clock(e1 % MinutesPerDay)}, {Clock(s2 % MinutesPerDay), Clock(e2 % MinutesPerDay)}}
	case 3: // short windows around the usual DST hours
		spec.Daily = []Daily{{Clock(s1%240) + 60, Clock(s1%240) + 60 + Clock(e1%90)}}
	}
	local := DateOf(t.In(f.loc))
	shift := func(days int8) Date {
		return DateOf(time.Date(local.Year, local.Month, local.Day+int(days)%4, 12, 0, 0, 0, time.UTC))
	}
	if flags&4 != 0 {
		spec.Dates.From = shift(fromDays)
	}
	if flags&8 != 0 {
		spec.Dates.To = shift(toDays)
	}
	return spec, t
}

// checkNext asserts Next's contract at t: the result is open, not before t,
// and no earlier minute from t on is open, checked minute by minute up to
// horizon. Offsets in the fixtures are whole minutes, so every wall-minute
// start and every offset change is a UTC minute boundary: openness can only
// change at those, and checking t and each boundary after it covers every
// instant.
func checkNext(t testing.TB, spec Spec, at time.Time, horizon time.Duration) {
	t.Helper()
	r, ok := spec.Next(at)
	limit := at.Add(horizon)
	if ok {
		require.False(t, r.Before(at), "Next(%v) = %v is before t", at, r)
		require.True(t, spec.Open(r), "Next(%v) = %v is closed; spec %+v", at, r, spec)
		require.Equal(t, spec.Loc, r.Location())
		if r.After(at) {
			require.Zero(t, r.Sub(r.Truncate(time.Minute)), "Next(%v) = %v is not on a minute", at, r)
		}
		again, ok2 := spec.Next(r)
		require.True(t, ok2)
		require.True(t, again.Equal(r), "Next is not idempotent at %v", r)
		if r.Before(limit) {
			limit = r
		}
	}
	require.False(t, spec.Open(at) && (!ok || !r.Equal(at)), "t=%v is open but Next gave %v %v", at, r, ok)
	for m := at.Truncate(time.Minute).Add(time.Minute); m.Before(limit); m = m.Add(time.Minute) {
		require.False(t, spec.Open(m), "%v (%v) is open, before Next(%v) = %v %v; spec %+v", m, m.In(spec.Loc), at, r, ok, spec)
	}
}

func FuzzNext(f *testing.F) {
	f.Add(uint8(0), uint16(10), int16(-300), uint8(0), uint16(480), uint16(1260), uint16(0), uint16(0), uint8(1), int8(0), int8(0))
	f.Add(uint8(0), uint16(11), int16(-600), uint8(30), uint16(1320), uint16(90), uint16(0), uint16(0), uint8(1), int8(0), int8(0))
	f.Add(uint8(3), uint16(5), int16(-20), uint8(0), uint16(70), uint16(30), uint16(0), uint16(0), uint8(3), int8(0), int8(0))
	f.Add(uint8(5), uint16(12), int16(-1000), uint8(0), uint16(480), uint16(540), uint16(1380), uint16(600), uint8(2), int8(1), int8(2))
	f.Add(uint8(6), uint16(3), int16(-60), uint8(0), uint16(0), uint16(30), uint16(0), uint16(0), uint8(1|4|8), int8(-1), int8(-2))
	f.Add(uint8(4), uint16(0), int16(100), uint8(59), uint16(0), uint16(1439), uint16(0), uint16(0), uint8(0|4), int8(3), int8(0))
	f.Fuzz(func(t *testing.T, zone uint8, trans uint16, deltaMin int16, sec uint8, s1, e1, s2, e2 uint16, flags uint8, fromDays, toDays int8) {
		spec, at := fuzzCase(zone, trans, deltaMin, sec, s1, e1, s2, e2, flags, fromDays, toDays)
		// Dates start at most 3 days on and a daily window opens within a
		// day of any date, so 6 days covers every answer.
		checkNext(t, spec, at, 6*24*time.Hour)
	})
}

// TestNextProperty runs the fuzz property on seeded random inputs, so that a
// plain go test covers it.
func TestNextProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 1500
	if testing.Short() {
		n = 200
	}
	for range n {
		spec, at := fuzzCase(uint8(rng.Uint32()), uint16(rng.Uint32()), int16(rng.Uint32()), uint8(rng.Uint32()),
			uint16(rng.Uint32()), uint16(rng.Uint32()), uint16(rng.Uint32()), uint16(rng.Uint32()),
			uint8(rng.Uint32()), int8(rng.Uint32()), int8(rng.Uint32()))
		checkNext(t, spec, at, 6*24*time.Hour)
	}
}

// Next is monotone: a later start never finds an earlier opening.
func TestNextMonotone(t *testing.T) {
	f := func(zone uint8, trans uint16, deltaMin int16, s1, e1 uint16, step uint16) bool {
		spec, at := fuzzCase(zone, trans, deltaMin, 0, s1, e1, 0, 0, 1, 0, 0)
		later := at.Add(time.Duration(step) * time.Minute)
		r1, ok1 := spec.Next(at)
		r2, ok2 := spec.Next(later)
		if !ok1 { // an empty window (Start == End) never opens, later neither
			return !ok2
		}
		return !ok2 || !r2.Before(r1)
	}
	require.NoError(t, quick.Check(f, &quick.Config{MaxCount: 2000}))
}

func TestClockRoundTrip(t *testing.T) {
	f := func(m uint16) bool {
		c := Clock(m % MinutesPerDay)
		back, err := ParseClock(c.String())
		return err == nil && back == c
	}
	require.NoError(t, quick.Check(f, nil))
}

// FuzzZoneNames: whatever the name, IANAName and Canonical either give a
// canonical place that loads and resolves to itself, or refuse it with an
// error that names it.
func FuzzZoneNames(f *testing.F) {
	for _, s := range []string{"(UTC-06:00) Central Time (US and Canada)", "US/Eastern", "asia/calcutta", "Mumbai",
		"Berlin, Amsterdam", "EST", "CST6CDT", "Etc/GMT+5", "(UTC+05:00) Central Time (US and Canada)", "(UTC)", "",
		"America/Indiana/Indianapolis", "UTC-11", "(UTC−05:00) Eastern Time (US & Canada)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		for _, resolve := range []func(string) (string, error){IANAName, Canonical} {
			zone, err := resolve(name)
			if err != nil {
				var ze *ZoneError
				require.ErrorAs(t, err, &ze)
				require.Contains(t, err.Error(), fmt.Sprintf("time zone %.100q", name))
				continue
			}
			again, err := Canonical(zone)
			require.NoError(t, err)
			require.Equal(t, zone, again, "canonical names are fixed points")
			_, err = time.LoadLocation(zone)
			require.NoError(t, err)
			named, err := IANAName(zone)
			require.NoError(t, err)
			require.Equal(t, zone, named)
			require.True(t, Covers(zone, zone))
			require.Contains(t, Covered(zone), zone)
		}
	})
}
