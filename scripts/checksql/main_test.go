package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestChecksqlFindsStringBuiltSQL: every way of building SQL from a value
// in testdata/bad is found; constants, shared fragments of constants and
// parameters in testdata/good are not.
func TestChecksqlFindsStringBuiltSQL(t *testing.T) {
	m, err := load("testdata/bad")
	require.NoError(t, err)
	found := m.check()
	var where []string
	for _, f := range found {
		if w := f[:strings.Index(f, ": ")]; !slices.Contains(where, w) {
			where = append(where, w)
		}
	}
	require.ElementsMatch(t, []string{
		"testdata/bad/bad.go:11:9",  // Raw(fmt.Sprintf(…))
		"testdata/bad/bad.go:15:7",  // q := "…" + name
		"testdata/bad/bad.go:16:26", // Raw(q)
		"testdata/bad/bad.go:20:11", // Where("name = " + name)
		"testdata/bad/bad.go:24:11", // Order(column), a value from a caller
		"testdata/bad/bad.go:32:9",  // a fragment of a value
		"testdata/bad/bad.go:36:10", // Exec with that fragment
	}, where, "%s", strings.Join(found, "\n"))

	m, err = load("testdata/good")
	require.NoError(t, err)
	require.Empty(t, m.check())
}
