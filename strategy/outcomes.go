package strategy

import "strings"

// Telephony outcomes, by the names the API uses.
const (
	Voice         = "voice"
	AnswerMachine = "answer-machine"
	NoAnswer      = "no-answer"
	NoRingback    = "no-ringback"
	Busy          = "busy"
	Fax           = "fax"
	InvalidNumber = "invalid-number"
	Abandoned     = "abandoned"
	Error         = "error"
	Skipped       = "skipped"
)

// TelephonyOutcomes lists every telephony outcome a dialer or agent reports.
var TelephonyOutcomes = []string{Voice, AnswerMachine, NoAnswer, NoRingback, Busy, Fax, InvalidNumber, Abandoned, Error, Skipped}

// ParseTelephonyOutcome accepts an outcome name in any case, with spaces or
// underscores for hyphens, as the seed writes "Error".
func ParseTelephonyOutcome(s string) (string, bool) {
	n := strings.ToLower(strings.TrimSpace(s))
	n = strings.NewReplacer("_", "-", " ", "-").Replace(n)
	for _, o := range TelephonyOutcomes {
		if o == n {
			return o, true
		}
	}
	return "", false
}
