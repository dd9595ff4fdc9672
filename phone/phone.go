// Package phone normalises contact-list phone numbers to E.164, checks a
// mode's length rule on them and infers a contact's time zone from them.
//
// Normalisation happens once per number on import, before the length check,
// de-duplication and DNC matching, so that "(469) 562-2405", "469.562.2405"
// and a spreadsheet's 1.4695622405E+10 all become "+14695622405".
//
// All functions are safe for concurrent use.
package phone

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
)

// Errors returned by this package, always wrapped with a detail that names
// the offending input; test with errors.Is.
var (
	ErrEmpty      = errors.New("empty phone number")
	ErrNotANumber = errors.New("not a phone number")
	ErrInvalid    = errors.New("invalid phone number")
	ErrLength     = errors.New("phone number length out of range")
)

const (
	// maxDigits bounds the digits kept while scanning: 15 (E.164) plus room
	// for an international or national prefix such as "011" or "00".
	maxDigits = 20
	// Shortest and longest E.164 strings, "+" included.
	minE164 = 8
	maxE164 = 16
)

// parsed is a parse target with storage for the fields parseNANP sets,
// which phonenumbers keeps behind pointers.
type parsed struct {
	pn phonenumbers.PhoneNumber
	cc int32
	nn uint64
}

// pool recycles parse targets: Normalize runs about a million times per
// upload and they would otherwise be three more allocations each.
var pool = sync.Pool{New: func() any { return new(parsed) }}

// Normalize returns raw in E.164 form ("+14695622405"). Numbers without a
// country code are read as national numbers of region, an ISO 3166 code such
// as "US" (may be empty when every number carries a "+" or "00" prefix).
//
// It accepts what spreadsheets produce: surrounding and inner spaces
// (including non-breaking and full-width ones), punctuation ("(469) 562-2405",
// "469.562.2405"), a leading "+" or "00" international prefix, digits in any
// Unicode script (e.g. full-width), and numeric cells rendered as text
// ("4695622405.0", "1.4695622405E+10", converted exactly). Letters, including
// extensions ("x123") and vanity numbers ("1-800-FLOWERS"), are refused
// with ErrNotANumber: a dialer cannot use them.
//
// The number must pass phonenumbers.IsValidNumber, not merely
// IsPossibleNumber: the length-only check would accept fake numbers such as
// "555-0100" and unassigned area codes, which a list owner expects rejected.
// The flip side is that test data must use real-looking numbers.
func Normalize(raw, region string) (string, error) {
	return normalize(raw, region, true)
}

// normalize is Normalize; fast=false leaves everything to phonenumbers, as
// a reference for testing the shortcuts.
func normalize(raw, region string, fast bool) (string, error) {
	s := strings.TrimFunc(raw, isBlank)
	if s == "" {
		return "", ErrEmpty
	}

	var buf [maxDigits + 1]byte // "+" and digits
	n, err := sheetNumber(s, buf[:])
	if err != nil {
		return "", err
	}
	if n == 0 {
		if n, err = scan(s, buf[:]); err != nil {
			return "", err
		}
	}
	if n > 2 && buf[0] == '0' && buf[1] == '0' {
		// "00" is the international prefix in most of the world but not in
		// the NANP, where phonenumbers would not recognise it.
		buf[1] = '+'
		copy(buf[:], buf[1:n])
		n--
	}

	region = strings.ToUpper(region)
	intl := buf[0] == '+'
	p := pool.Get().(*parsed)
	defer pool.Put(p)
	pn := &p.pn
	pn.Reset()
	if !fast || !parseNANP(buf[:n], region, p) {
		// Skip the string conversion when the input is already clean.
		clean := s
		if string(buf[:n]) != s {
			clean = string(buf[:n])
		}
		if err := phonenumbers.ParseToNumber(clean, region, pn); err != nil {
			return "", parseError(s, region, intl, err)
		}
	}
	if pn.Extension != nil || !isValid(pn, region, fast) {
		return "", invalidError(s, region, intl, pn)
	}

	out := appendE164(buf[:0], pn)
	if len(out) < minE164 || len(out) > maxE164 {
		return "", fmt.Errorf("%w: %.40q has %d digits", ErrInvalid, s, len(out)-1)
	}
	return string(out), nil
}

// parseNANP fills pn from d, the "+" and digits of a number, if d is a
// plain North American number: "+1" and 10 digits, or 10 or 11 ("1" first)
// digits in a +1 region. Parsing that by hand gives phonenumbers' result at
// a third of the cost, and most lists are North American.
func parseNANP(d []byte, region string, p *parsed) bool {
	switch {
	case len(d) == 12 && d[0] == '+' && d[1] == '1':
		d = d[2:]
	case len(d) == 11 && d[0] == '1' && phonenumbers.GetCountryCodeForRegion(region) == 1:
		d = d[1:]
	case len(d) == 10 && phonenumbers.GetCountryCodeForRegion(region) == 1:
	default:
		return false
	}
	if d[0] < '2' { // area codes start with 2-9; leave the rest to phonenumbers
		return false
	}
	p.cc, p.nn = 1, 0
	for _, c := range d {
		p.nn = p.nn*10 + uint64(c-'0')
	}
	p.pn.CountryCode, p.pn.NationalNumber = &p.cc, &p.nn
	return true
}

// isValid is phonenumbers.IsValidNumber, trying the default region first:
// IsValidNumber finds the number's region by matching it against each
// region of its country code and then validates it again, so a number
// valid for the default region (nearly all of them) costs half as much.
// Both checks use the patterns compiled by rulesFor: phonenumbers builds
// each pattern's string anew, looks it up in a locked cache and matches it
// twice, for every type of number in turn, which was most of an import's
// CPU time.
func isValid(pn *phonenumbers.PhoneNumber, region string, fast bool) bool {
	if !fast {
		return phonenumbers.IsValidNumber(pn)
	}
	var buf [phonenumbers.MAX_LENGTH_FOR_NSN + maxDigits]byte
	nsn := appendNSN(buf[:0], pn)
	if r := rulesFor(region); r != nil && r.valid(pn, nsn) {
		return true
	}
	if valid, ok := validNumber(pn, nsn); ok {
		return valid
	}
	return phonenumbers.IsValidNumber(pn)
}

// validNumber is phonenumbers.IsValidNumber: the number's region is the
// only one of its country code, else the first whose leading digits, or
// failing those whose patterns, it matches. ok is false when phonenumbers
// must decide: for non-geographic country codes such as +800.
func validNumber(pn *phonenumbers.PhoneNumber, nsn []byte) (valid, ok bool) {
	regions := phonenumbers.GetRegionCodesForCountryCode(int(pn.GetCountryCode()))
	if len(regions) == 0 {
		return false, true
	}
	var r *regionRules
	for _, region := range regions {
		candidate := rulesFor(region)
		if candidate == nil {
			return false, false
		}
		if len(regions) == 1 || candidate.leading != nil && candidate.leading.Match(nsn) ||
			candidate.leading == nil && candidate.general.match(nsn) && candidate.anyType(nsn) {
			r = candidate
			break
		}
	}
	return r != nil && r.valid(pn, nsn), true
}

// appendNSN appends pn's national significant number, as
// phonenumbers.GetNationalSignificantNumber writes it.
func appendNSN(b []byte, pn *phonenumbers.PhoneNumber) []byte {
	if pn.GetItalianLeadingZero() {
		for z := min(pn.GetNumberOfLeadingZeros(), phonenumbers.MAX_LENGTH_FOR_NSN); z > 0; z-- {
			b = append(b, '0')
		}
	}
	return strconv.AppendUint(b, pn.GetNationalNumber(), 10)
}

// regionRules are a region's number patterns, compiled once.
type regionRules struct {
	countryCode int32
	leading     *regexp.Regexp // the region's leading digits among those sharing its country code; nil if none
	general     descRule
	types       []descRule // fixed line and mobile first: most numbers are one
}

// valid is phonenumbers.IsValidNumberForRegion: the number has the
// region's country code, and its national significant number matches the
// region's general pattern and the pattern of some type of number. Which
// type does not matter for validity.
func (r *regionRules) valid(pn *phonenumbers.PhoneNumber, nsn []byte) bool {
	return pn.GetCountryCode() == r.countryCode && r.general.match(nsn) && r.anyType(nsn)
}

func (r *regionRules) anyType(nsn []byte) bool {
	for _, t := range r.types {
		if t.match(nsn) {
			return true
		}
	}
	return false
}

// descRule is a phonenumbers.PhoneNumberDesc: the lengths a number may
// have and the pattern its national significant number must match.
type descRule struct {
	lengths []int32 // any length when empty
	re      *regexp.Regexp
}

func (d descRule) match(nsn []byte) bool {
	if d.re == nil {
		return false
	}
	if len(d.lengths) > 0 && !slices.Contains(d.lengths, int32(len(nsn))) {
		return false
	}
	return d.re.Match(nsn)
}

var (
	metadataOnce sync.Once
	metadata     map[string]*phonenumbers.PhoneMetadata // by region code, geographic regions only
	rules        sync.Map                               // region code → *regionRules, compiled on first use
)

// rulesFor compiles region's patterns as phonenumbers matches them, once;
// nil for a region phonenumbers does not know and for non-geographic
// entities ("001"), whose metadata is per country code.
func rulesFor(region string) *regionRules {
	if r, ok := rules.Load(region); ok {
		return r.(*regionRules)
	}
	metadataOnce.Do(func() {
		metadata = map[string]*phonenumbers.PhoneMetadata{}
		// Without the collection every number goes to phonenumbers itself.
		if coll, err := phonenumbers.MetadataCollection(); err == nil {
			for _, m := range coll.GetMetadata() {
				if m.GetId() != phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY {
					metadata[m.GetId()] = m
				}
			}
		}
	})
	m := metadata[region]
	if m == nil {
		return nil
	}
	compile := func(d *phonenumbers.PhoneNumberDesc) descRule {
		if d == nil {
			return descRule{}
		}
		return descRule{lengths: d.PossibleLength, re: regexp.MustCompile("^(?:" + d.GetNationalNumberPattern() + ")$")}
	}
	r := &regionRules{countryCode: m.GetCountryCode(), general: compile(m.GetGeneralDesc())}
	if ld := m.GetLeadingDigits(); ld != "" {
		r.leading = regexp.MustCompile("^(?:" + ld + ")")
	}
	for _, d := range []*phonenumbers.PhoneNumberDesc{m.GetFixedLine(), m.GetMobile(), m.GetPremiumRate(), m.GetTollFree(),
		m.GetSharedCost(), m.GetVoip(), m.GetPersonalNumber(), m.GetPager(), m.GetUan(), m.GetVoicemail()} {
		r.types = append(r.types, compile(d))
	}
	actual, _ := rules.LoadOrStore(region, r)
	return actual.(*regionRules)
}

// scan copies the digits of s into buf, converted to ASCII, after a "+" if
// s starts with one, and skips separators. It returns the length used.
func scan(s string, buf []byte) (int, error) {
	n, digits := 0, 0
	plus := false
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size

		d := -1
		switch {
		case '0' <= r && r <= '9':
			d = int(r - '0')
		case r == '+' || r == '＋':
			if plus || digits > 0 {
				return 0, fmt.Errorf("%w: %.40q has a misplaced '+'", ErrNotANumber, s)
			}
			plus = true
			buf[0] = '+'
			n = 1
			continue
		case isSeparator(r):
			continue
		case r >= utf8.RuneSelf && unicode.IsDigit(r):
			d = digitValue(r)
		default:
			if r == utf8.RuneError && size == 1 {
				return 0, fmt.Errorf("%w: %.40q is not valid UTF-8", ErrNotANumber, s)
			}
			return 0, fmt.Errorf("%w: %.40q contains %q", ErrNotANumber, s, r)
		}

		digits++
		if n < len(buf) {
			buf[n] = byte('0' + d)
			n++
		}
	}
	if digits == 0 {
		return 0, fmt.Errorf("%w: %.40q has no digits", ErrNotANumber, s)
	}
	if digits > maxDigits {
		return 0, fmt.Errorf("%w: %.40q is too long (%d digits)", ErrInvalid, s, digits)
	}
	return n, nil
}

// sheetNumber recognises a numeric spreadsheet cell rendered as text:
// "4695622405.0" or "1.4695622405E+10". It writes the integer's digits to
// buf and returns their count, or 0 if s has another form. Doing this in
// decimal on the digit string, not via float64, keeps it exact.
func sheetNumber(s string, buf []byte) (int, error) {
	i := 0
	for i < len(s) && isASCIIDigit(s[i]) {
		i++
	}
	intPart := s[:i]
	if intPart == "" || i == len(s) {
		return 0, nil
	}
	var frac string
	if s[i] == '.' {
		j := i + 1
		for j < len(s) && isASCIIDigit(s[j]) {
			j++
		}
		frac = s[i+1 : j]
		i = j
	}
	exp, hasExp := 0, false
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		neg := false
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			neg = s[j] == '-'
			j++
		}
		start := j
		for j < len(s) && isASCIIDigit(s[j]) {
			if exp < 1000 { // far beyond any phone number; avoids overflow
				exp = exp*10 + int(s[j]-'0')
			}
			j++
		}
		if j == start {
			return 0, nil
		}
		if neg {
			exp = -exp
		}
		hasExp = true
		i = j
	}
	if i != len(s) {
		return 0, nil
	}
	if !hasExp {
		// Only "digits.000" is a numeric cell; "469.5622405" is punctuation.
		if frac == "" || strings.Trim(frac, "0") != "" {
			return 0, nil
		}
		return copyDigits(s, intPart, buf)
	}

	// value = mantissa × 10^shift, mantissa being intPart followed by frac.
	// Work in buf rather than concatenating strings: no allocation.
	frac = strings.TrimRight(frac, "0")
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart)+len(frac) > len(buf) {
		return 0, fmt.Errorf("%w: %.40q is too long", ErrInvalid, s)
	}
	m := copy(buf, intPart)
	m += copy(buf[m:], frac)
	mant := bytes.TrimLeft(buf[:m], "0")
	shift := exp - len(frac)
	if shift < 0 {
		drop := -shift
		if drop > len(mant) || len(bytes.TrimRight(mant[len(mant)-drop:], "0")) != 0 {
			return 0, fmt.Errorf("%w: %.40q is not a whole number", ErrNotANumber, s)
		}
		mant, shift = mant[:len(mant)-drop], 0
	}
	if len(mant) == 0 {
		return 0, fmt.Errorf("%w: %.40q is zero", ErrNotANumber, s)
	}
	// Excel's General format shows 6 significant digits ("4.47912E+11"), so
	// zero padding after so few digits means the real digits were lost.
	if shift > 0 && len(bytes.TrimRight(mant, "0")) <= 6 {
		return 0, fmt.Errorf("%w: %.40q was rounded by the spreadsheet; store the column as text", ErrInvalid, s)
	}
	if len(mant)+shift > len(buf) {
		return 0, fmt.Errorf("%w: %.40q is too long (%d digits)", ErrInvalid, s, len(mant)+shift)
	}
	n := copy(buf, mant) // may overlap: copy is memmove
	for ; shift > 0; shift-- {
		buf[n] = '0'
		n++
	}
	return n, nil
}

func copyDigits(s, digits string, buf []byte) (int, error) {
	if len(digits) > len(buf) {
		return 0, fmt.Errorf("%w: %.40q is too long (%d digits)", ErrInvalid, s, len(digits))
	}
	return copy(buf, digits), nil
}

// appendE164 formats pn like phonenumbers.Format(pn, E164) without its
// intermediate builders.
func appendE164(b []byte, pn *phonenumbers.PhoneNumber) []byte {
	b = append(b, '+')
	b = strconv.AppendInt(b, int64(pn.GetCountryCode()), 10)
	if pn.GetItalianLeadingZero() {
		for z := pn.GetNumberOfLeadingZeros(); z > 0; z-- {
			b = append(b, '0')
		}
	}
	return strconv.AppendUint(b, pn.GetNationalNumber(), 10)
}

func parseError(raw, region string, international bool, err error) error {
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		if !international {
			return fmt.Errorf("%w: %.40q has no country code and region %q is unknown", ErrInvalid, raw, region)
		}
		return fmt.Errorf("%w: %.40q has an unknown country code", ErrInvalid, raw)
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return fmt.Errorf("%w: %.40q is too long", ErrInvalid, raw)
	default: // too short, in all its forms
		return fmt.Errorf("%w: %.40q is too short", ErrInvalid, raw)
	}
}

func invalidError(raw, region string, international bool, pn *phonenumbers.PhoneNumber) error {
	where := "for region " + region
	if international || region == "" {
		where = "for country code +" + strconv.Itoa(int(pn.GetCountryCode()))
	}
	switch phonenumbers.IsPossibleNumberWithReason(pn) {
	case phonenumbers.TOO_SHORT:
		return fmt.Errorf("%w: %.40q is too short %s", ErrInvalid, raw, where)
	case phonenumbers.TOO_LONG:
		return fmt.Errorf("%w: %.40q is too long %s", ErrInvalid, raw, where)
	case phonenumbers.INVALID_COUNTRY_CODE:
		return fmt.Errorf("%w: %.40q has an unknown country code", ErrInvalid, raw)
	}
	return fmt.Errorf("%w: %.40q is not a valid number %s", ErrInvalid, raw, where)
}

// CheckLength applies a mode's length rule: the number of digits of e164,
// without the "+", must lie within [min, max]. A bound of 0 (or less) is
// no bound.
func CheckLength(e164 string, min, max int) error {
	n := 0
	for i := 0; i < len(e164); i++ {
		if isASCIIDigit(e164[i]) {
			n++
		}
	}
	switch {
	case min > 0 && max > 0 && (n < min || n > max):
		return fmt.Errorf("%w: %s has %d digits, must have %d to %d", ErrLength, e164, n, min, max)
	case min > 0 && n < min:
		return fmt.Errorf("%w: %s has %d digits, must have at least %d", ErrLength, e164, n, min)
	case max > 0 && n > max:
		return fmt.Errorf("%w: %s has %d digits, must have at most %d", ErrLength, e164, n, max)
	}
	return nil
}

// TimeZone returns the IANA time zone inferred from an E.164 number (from
// its country and, where the data has it, its area code), and whether there
// is exactly one. Numbers of countries or areas spanning several zones
// (e.g. many mobile ranges) give ok=false; the caller then falls back to the
// campaign's zone. The name is phonenumbers' own, which may be an old alias
// ("Asia/Calcutta"): callers make it canonical (window.Canonical). The
// first call loads phonenumbers' zone data (slow, once).
func TimeZone(e164 string) (zone string, ok bool) {
	if len(e164) < 2 || e164[0] != '+' {
		return "", false
	}
	for i := 1; i < len(e164); i++ {
		if !isASCIIDigit(e164[i]) {
			return "", false
		}
	}
	zones, err := phonenumbers.GetTimezonesForPrefix(e164)
	if err != nil {
		return "", false
	}
	for _, z := range zones {
		if z == phonenumbers.UNKNOWN_TIMEZONE || z == "" {
			continue
		}
		if ok {
			return "", false
		}
		zone, ok = z, true
	}
	return zone, ok
}

func isASCIIDigit(c byte) bool { return '0' <= c && c <= '9' }

// isBlank reports characters that only pad a spreadsheet cell.
func isBlank(r rune) bool {
	switch r {
	case '\u00AD', '\u200B', '\u2060', '\uFEFF', '\'':
		// soft hyphen, zero-width space, word joiner, byte-order mark; a
		// leading apostrophe is Excel's "store as text" marker.
		return true
	}
	return unicode.IsSpace(r)
}

// isSeparator reports punctuation written between digit groups; the set
// follows phonenumbers' VALID_PUNCTUATION.
func isSeparator(r rune) bool {
	switch r {
	case '-', '.', '(', ')', '/', '[', ']', '~',
		'\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', // dashes
		'\u2212', '\u30FC', '\uFF0D', // minus, katakana and full-width dash
		'\uFF0E', '\uFF0F', '\uFF08', '\uFF09', '\uFF3B', '\uFF3D', // full-width . / ( ) [ ]
		'\u2053', '\u223C', '\uFF5E', '\u301C': // tildes
		return true
	}
	return isBlank(r)
}

// digitValue returns the value of a Unicode decimal digit. Unicode encodes
// each script's digits as a run of ten consecutive code points from 0 to 9,
// and adjacent runs (as in the mathematical digits) come in whole tens.
func digitValue(r rune) int {
	start := r
	for unicode.IsDigit(start - 1) {
		start--
	}
	return int(r-start) % 10
}
