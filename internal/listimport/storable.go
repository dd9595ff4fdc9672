package listimport

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
)

// PostgreSQL's text and jsonb hold no NUL byte and only valid UTF-8: a row
// holding what they cannot store fails alone, with its reason, and what is
// kept of it, or of any error, is made storable and bounded first.

// MaxErrorBytes bounds an error message stored or logged: a 50 MB header
// line once made a 57 MB list error that Temporal refused.
const MaxErrorBytes = 2 << 10

// poison is why a row's cells cannot be stored, or "".
func (l *layout) poison(cells []string) string {
	for i, c := range cells {
		if strings.IndexByte(c, 0) >= 0 {
			return fmt.Sprintf("column %s holds a NUL byte, which cannot be stored", l.columnName(i))
		}
	}
	return ""
}

// columnName is column i's header, or its number past the header.
func (l *layout) columnName(i int) string {
	if i < len(l.header) && l.header[i] != "" {
		return storable(fmt.Sprintf("%q", l.header[i]), 200)
	}
	return fmt.Sprintf("%d", i+1)
}

// storable is s as text PostgreSQL can store, at most max bytes (max 0:
// unbounded): each NUL byte and invalid UTF-8 sequence becomes U+FFFD, and
// a cut says how much it left out.
func storable(s string, max int) string {
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	if max <= 0 || len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d more bytes)", s[:cut], len(s)-cut)
}

// storableCells is cells as text PostgreSQL can store, copied only when
// one must change.
func storableCells(cells []string) []string {
	out := cells
	copied := false
	for i, c := range cells {
		if s := storable(c, 0); s != c {
			if !copied {
				out, copied = append([]string(nil), cells...), true
			}
			out[i] = s
		}
	}
	return out
}

// boundError is err with a storable message of at most MaxErrorBytes, still
// wrapping err. A value PostgreSQL refuses (a data exception, SQLSTATE
// class 22) is a FileError: no retry would store it, and 30 retries once
// took 24 minutes to say so.
func boundError(err error) error {
	var fe *FileError
	var pe *pgconn.PgError
	switch {
	case err == nil, errors.As(err, &fe):
		return err // a FileError is bounded when made
	case errors.As(err, &pe) && strings.HasPrefix(pe.Code, "22"):
		return fileErrorf("a value of the file cannot be stored: %s (SQLSTATE %s)", pe.Message, pe.Code)
	case len(err.Error()) > MaxErrorBytes:
		return &boundedError{msg: storable(err.Error(), MaxErrorBytes), err: err}
	}
	return err
}

// boundedError is an error whose message was cut.
type boundedError struct {
	msg string
	err error
}

func (e *boundedError) Error() string { return e.msg }
func (e *boundedError) Unwrap() error { return e.err }
