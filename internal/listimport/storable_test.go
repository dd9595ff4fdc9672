package listimport

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/models"
)

func TestStorable(t *testing.T) {
	for _, c := range []struct {
		name, in string
		max      int
		want     string
	}{
		{"plain", "café", 0, "café"},
		{"NUL", "a\x00b", 0, "a\uFFFDb"},
		{"invalid UTF-8", "P\xff3", 0, "P\uFFFD3"},
		{"cut", strings.Repeat("x", 10), 4, "xxxx… (6 more bytes)"},
		{"cut inside a rune", "aé", 2, "a… (2 more bytes)"},
	} {
		t.Run(c.name, func(t *testing.T) { require.Equal(t, c.want, storable(c.in, c.max)) })
	}
}

// TestFileErrorsAreBounded: a 50 MB header line once made a 57 MB list
// error that Temporal refused, and the import retried for 24 minutes.
func TestFileErrorsAreBounded(t *testing.T) {
	header := strings.Split(strings.Repeat("Column,", 1<<20), ",")
	_, err := newLayout(header, models.ListMapping{Modes: map[string]string{"Mobile": "Number"}}, map[string]models.Mode{"Mobile": {Name: "Mobile", MinLength: 8, MaxLength: 16}}, "US", "America/Chicago")
	require.ErrorContains(t, err, "mapped columns are not in the file's header")
	require.LessOrEqual(t, len(err.Error()), MaxErrorBytes+32)

	_, err = newLayout([]string{"Name\x00", "Number"}, models.ListMapping{Modes: map[string]string{"Mobile": "Number"}}, map[string]models.Mode{"Mobile": {Name: "Mobile", MinLength: 8, MaxLength: 16}}, "US", "America/Chicago")
	require.EqualError(t, err, `the header's column "Name\x00" holds a NUL byte, which cannot be stored`)
}

// TestImportErrorsAreBounded: what an import fails with is bounded, and a
// value PostgreSQL refuses fails the list at once instead of being retried.
func TestImportErrorsAreBounded(t *testing.T) {
	require.NoError(t, boundError(nil))
	long := fmt.Errorf("commit batch: %w", errors.Join(context.DeadlineExceeded, errors.New(strings.Repeat("x", 50<<20))))
	err := boundError(long)
	require.LessOrEqual(t, len(err.Error()), MaxErrorBytes+32)
	require.ErrorIs(t, err, context.DeadlineExceeded, "still what it was, for the retry policy")

	err = boundError(fmt.Errorf("copy contacts: %w", &pgconn.PgError{Code: "22P05", Message: "unsupported Unicode escape sequence"}))
	var fe *FileError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "a value of the file cannot be stored: unsupported Unicode escape sequence (SQLSTATE 22P05)", fe.Msg)

	short := errors.New("connection refused")
	require.Equal(t, short, boundError(short))
}
