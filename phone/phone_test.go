package phone

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
	"github.com/stretchr/testify/require"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, raw, region, want string
	}{
		{"plain", "4695622405", "US", "+14695622405"},
		{"e164", "+14695622405", "US", "+14695622405"},
		{"spaces", "  469 562 2405\t", "US", "+14695622405"},
		{"parens and dash", "(469) 562-2405", "US", "+14695622405"},
		{"dots", "469.562.2405", "US", "+14695622405"},
		{"plus with spaces", "+1 469 562 2405", "US", "+14695622405"},
		{"lower-case region", "4695622405", "us", "+14695622405"},
		{"no region with plus", "+1 469 562 2405", "", "+14695622405"},
		{"double zero prefix", "0044 20 7946 0958", "US", "+442079460958"},
		{"NANP prefix 011", "011 44 20 7946 0958", "US", "+442079460958"},
		{"national trunk 1", "1-469-562-2405", "US", "+14695622405"},
		{"sheet integer", "14695622405", "US", "+14695622405"},
		{"sheet decimal", "4695622405.0", "US", "+14695622405"},
		{"sheet decimal zeros", "14695622405.000", "US", "+14695622405"},
		{"sheet scientific", "1.4695622405E+10", "US", "+14695622405"},
		{"sheet scientific lower", "1.4695622405e10", "US", "+14695622405"},
		{"sheet scientific padded", "1.2125551E+10", "US", "+12125551000"},
		{"sheet scientific UK", "4.47911123456E+11", "GB", "+447911123456"},
		{"scientific with trailing fraction zeros", "1.46956224050E+10", "US", "+14695622405"},
		{"nbsp", "\u00a0469\u00a0562\u00a02405\u00a0", "US", "+14695622405"},
		{"narrow nbsp and bom", "\ufeff469\u202f562\u202f2405", "US", "+14695622405"},
		{"full-width digits", "（４６９）５６２－２４０５", "US", "+14695622405"},
		{"full-width plus", "＋１ ４６９ ５６２ ２４０５", "US", "+14695622405"},
		{"ideographic space", "\u3000469 562 2405\u3000", "US", "+14695622405"},
		{"arabic-indic digits", "٤٦٩٥٦٢٢٤٠٥", "US", "+14695622405"},
		{"excel text marker", "'4695622405", "US", "+14695622405"},
		{"en dash", "469–562–2405", "US", "+14695622405"},
		{"UK national", "020 7946 0958", "GB", "+442079460958"},
		{"UK mobile", "07911 123456", "GB", "+447911123456"},
		{"UK with country code no plus", "447911123456", "GB", "+447911123456"},
		{"UK trunk zero lost in sheet", "7911123456", "GB", "+447911123456"},
		{"international beats region", "+44 20 7946 0958", "US", "+442079460958"},
		{"italian leading zero", "06 1234 5678", "IT", "+390612345678"},
		{"german", "030 123456", "DE", "+4930123456"},
		{"short country", "+683 4002", "US", "+6834002"},
		// 555-0100..0199 are NANP fictional numbers, yet valid to
		// libphonenumber; only the 7-digit form is refused.
		{"fictional with area code", "(212) 555-0100", "US", "+12125550100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(tt.raw, tt.region)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)

			again, err := Normalize(got, tt.region)
			require.NoError(t, err)
			require.Equal(t, got, again)
		})
	}
}

func TestNormalizeErrors(t *testing.T) {
	tests := []struct {
		name, raw, region string
		want              error
		msg               string // part of the message shown to the user
	}{
		{"empty", "", "US", ErrEmpty, "empty"},
		{"blank", " \u00a0\t ", "US", ErrEmpty, "empty"},
		{"letters", "abc", "US", ErrNotANumber, `"abc" contains 'a'`},
		{"n/a", "N/A", "US", ErrNotANumber, "contains 'N'"},
		{"extension", "469-562-2405 x12", "US", ErrNotANumber, "contains 'x'"},
		{"vanity", "1-800-FLOWERS", "US", ErrNotANumber, "contains 'F'"},
		{"hash", "#4695622405", "US", ErrNotANumber, "contains '#'"},
		{"plus inside", "469+5622405", "US", ErrNotANumber, "misplaced '+'"},
		{"two plus", "++14695622405", "US", ErrNotANumber, "misplaced '+'"},
		{"punctuation only", "-", "US", ErrNotANumber, "no digits"},
		{"plus only", "+", "US", ErrNotANumber, "no digits"},
		{"invalid utf8", "469\xff5622405", "US", ErrNotANumber, "UTF-8"},
		{"fraction", "4695622405.5e-1", "US", ErrNotANumber, "not a whole number"},
		{"negative exponent", "1.2E-3", "US", ErrNotANumber, "not a whole number"},
		{"zero", "0E+5", "US", ErrNotANumber, "zero"},
		{"fake 555", "555-0100", "US", ErrInvalid, "not a valid number for region US"},
		{"bad area code", "(099) 562-2405", "US", ErrInvalid, "not a valid number"},
		{"too short", "1", "US", ErrInvalid, "too short"},
		{"too long", "469 562 2405 469 562 2405", "US", ErrInvalid, "too long"},
		{"too long scientific", "1.4695622405E+40", "US", ErrInvalid, "too long"},
		{"rounded by excel", "4.47911E+11", "GB", ErrInvalid, "rounded by the spreadsheet"},
		{"rounded by excel US", "1.46956E+10", "US", ErrInvalid, "rounded"},
		{"unknown country code", "+999 1234567", "US", ErrInvalid, "unknown country code"},
		{"no region", "4695622405", "", ErrInvalid, `region "" is unknown`},
		{"bad region", "4695622405", "XX", ErrInvalid, `region "XX" is unknown`},
		{"wrong country for region", "020 7946 0958", "US", ErrInvalid, "for region US"},
		{"invalid international", "+1 (099) 562-2405", "GB", ErrInvalid, "not a valid number for country code +1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize(tt.raw, tt.region)
			require.ErrorIs(t, err, tt.want)
			require.Contains(t, err.Error(), tt.msg)
			require.Empty(t, got)
			for _, other := range []error{ErrEmpty, ErrNotANumber, ErrInvalid} {
				if other != tt.want {
					require.NotErrorIs(t, err, other)
				}
			}
		})
	}
}

func TestNormalizeLongInputIsTruncatedInMessage(t *testing.T) {
	_, err := Normalize(strings.Repeat("x", 10000), "US")
	require.ErrorIs(t, err, ErrNotANumber)
	require.Less(t, len(err.Error()), 120)
}

func TestAppendE164MatchesPhonenumbers(t *testing.T) {
	for _, raw := range []string{"+14695622405", "+390612345678", "+39000123456", "+442079460958", "+6834002"} {
		pn, err := phonenumbers.Parse(raw, "")
		require.NoError(t, err)
		require.Equal(t, phonenumbers.Format(pn, phonenumbers.E164), string(appendE164(nil, pn)), raw)
	}
}

func TestCheckLength(t *testing.T) {
	tests := []struct {
		name     string
		e164     string
		min, max int
		msg      string // "" for no error
	}{
		{"within", "+14695622405", 8, 16, ""},
		{"at min", "+6834002", 7, 16, ""},
		{"at max", "+14695622405", 8, 11, ""},
		{"no bounds", "+6834002", 0, 0, ""},
		{"too short", "+6834002", 8, 16, "+6834002 has 7 digits, must have 8 to 16"},
		{"too long", "+14695622405", 8, 10, "has 11 digits, must have 8 to 10"},
		{"min only", "+6834002", 8, 0, "has 7 digits, must have at least 8"},
		{"max only", "+14695622405", 0, 10, "has 11 digits, must have at most 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckLength(tt.e164, tt.min, tt.max)
			if tt.msg == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrLength)
			require.Contains(t, err.Error(), tt.msg)
		})
	}
}

func TestTimeZone(t *testing.T) {
	tests := []struct {
		name, e164, want string
		ok               bool
	}{
		{"Dallas 469", "+14695622405", "America/Chicago", true},
		{"New York 212", "+12125551234", "America/New_York", true},
		{"Los Angeles 213", "+12135551234", "America/Los_Angeles", true},
		{"London", "+442079460958", "Europe/London", true},
		{"Berlin", "+4930123456", "Europe/Berlin", true},
		{"US toll-free spans zones", "+18005551234", "", false},
		{"UK mobile spans zones", "+447911123456", "", false},
		{"unknown country", "+9991234567", "", false},
		{"no plus", "14695622405", "", false},
		{"not digits", "+1469x622405", "", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := TimeZone(tt.e164)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, got)
		})
	}
}

// TestShortcutsMatchPhonenumbers compares Normalize with the plain
// phonenumbers path on random digit strings in every region, where the
// fuzzer would rarely produce valid numbers.
func TestShortcutsMatchPhonenumbers(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	regions := slices.Sorted(maps.Keys(phonenumbers.GetSupportedRegions()))
	samples := 10
	if testing.Short() {
		samples = 2
	}
	var digits [14]byte
	for _, region := range regions {
		cc := strconv.Itoa(phonenumbers.GetCountryCodeForRegion(region))
		example := phonenumbers.Format(phonenumbers.GetExampleNumber(region), phonenumbers.E164)
		for i := range samples {
			for j := range digits {
				digits[j] = byte('0' + rng.IntN(10))
			}
			n := string(digits[:6+rng.IntN(8)])
			// Random tails on the example keep many inputs valid.
			tail := example[:len(example)-min(len(example)-1, 1+i%4)] + n[:1+i%4]
			for _, raw := range []string{n, "+" + cc + n, "1" + n, "0" + n, tail, "00" + tail[1:]} {
				got, err := Normalize(raw, region)
				want, wantErr := normalize(raw, region, false)
				require.Equal(t, want, got, "%q in %s", raw, region)
				require.Equal(t, fmt.Sprint(wantErr), fmt.Sprint(err), "%q in %s", raw, region)
			}
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"", "4695622405", "(469) 562-2405", "+1 469 562 2405", "0044 20 7946 0958",
		"4695622405.0", "1.4695622405E+10", "４６９５６２２４０５", "\u00a0+44 7911 123456",
		"06 1234 5678", "abc", "+", "00", "1.2E-3", "9E+99999999999999999999", "+390000000000",
	} {
		for _, region := range []string{"US", "GB", "IT", ""} {
			f.Add(s, region)
		}
	}
	f.Fuzz(func(t *testing.T, raw, region string) {
		out, err := Normalize(raw, region)

		// The shortcuts must not change the outcome.
		ref, refErr := normalize(raw, region, false)
		require.Equal(t, ref, out)
		require.Equal(t, fmt.Sprint(refErr), fmt.Sprint(err))

		if err != nil {
			require.Empty(t, out)
			return
		}
		require.True(t, len(out) >= 8 && len(out) <= 16, "length of %q", out)
		require.Equal(t, byte('+'), out[0])
		for _, c := range []byte(out[1:]) {
			require.True(t, c >= '0' && c <= '9', "non-digit in %q", out)
		}
		again, err := Normalize(out, region)
		require.NoError(t, err, "from %q", out)
		require.Equal(t, out, again)
	})
}

var sink string

func BenchmarkNormalize(b *testing.B) {
	for _, bm := range []struct{ name, raw, region string }{
		{"US punctuated", "(469) 562-2405", "US"},
		{"US E.164", "+14695622405", "US"},
		{"US scientific", "1.4695622405E+10", "US"},
		{"UK national", "07911 123456", "GB"},
		{"UK from US list", "+44 20 7946 0958", "US"},
		{"invalid", "555-0100", "US"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sink, _ = Normalize(bm.raw, bm.region)
			}
		})
	}
}

func BenchmarkTimeZone(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sink, _ = TimeZone("+14695622405")
	}
}

// TestCompiledRulesMatchPhonenumbers compares the compiled patterns with
// phonenumbers.IsValidNumberForRegion and IsValidNumber on random national
// numbers of every region, read in their own region and in a neighbour's.
func TestCompiledRulesMatchPhonenumbers(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	regions := slices.Sorted(maps.Keys(phonenumbers.GetSupportedRegions()))
	valid := 0
	for i, region := range regions {
		cc := int32(phonenumbers.GetCountryCodeForRegion(region))
		example := phonenumbers.GetExampleNumber(region)
		for j := range 50 {
			nn := example.GetNationalNumber()
			if j > 0 {
				// Change a few trailing digits, or the length, of the example.
				nn = nn/uint64(10+rng.IntN(1000))*uint64(1+rng.IntN(1000)) + uint64(rng.IntN(100))
			}
			pn := &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &nn,
				ItalianLeadingZero: example.ItalianLeadingZero, NumberOfLeadingZeros: example.NumberOfLeadingZeros}
			nsn := appendNSN(nil, pn)
			require.Equal(t, phonenumbers.GetNationalSignificantNumber(pn), string(nsn))
			for _, r := range []string{region, regions[(i+1)%len(regions)]} {
				want := phonenumbers.IsValidNumberForRegion(pn, r)
				require.Equal(t, want, rulesFor(r).valid(pn, nsn), "%d %d in %s", cc, nn, r)
				if want {
					valid++
				}
			}
			got, ok := validNumber(pn, nsn)
			require.True(t, ok)
			require.Equal(t, phonenumbers.IsValidNumber(pn), got, "%d %d", cc, nn)
		}
	}
	require.Greater(t, valid, len(regions)) // the examples, at least
	require.Nil(t, rulesFor("XX"))
	require.Nil(t, rulesFor(phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY))
	_, ok := validNumber(&phonenumbers.PhoneNumber{CountryCode: proto(int32(800))}, nil)
	require.False(t, ok, "+800 is left to phonenumbers")
}

func proto[T any](v T) *T { return &v }
