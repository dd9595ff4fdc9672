package activities

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSeenSetGrows: past its first filter's capacity the set still finds
// every number added, and rarely one that was not.
func TestSeenSetGrows(t *testing.T) {
	var s seenSet
	const n = 3 * seenFirstCapacity
	for i := range int64(n) {
		s.addNumber(14690000000 + 2*i)
	}
	require.Len(t, s.filters, 2)
	falsePositives := 0
	for i := range int64(n) {
		require.True(t, s.hasNumber(14690000000+2*i), "number %d was added", i)
		if s.hasNumber(14690000000 + 2*i + 1) {
			falsePositives++
		}
	}
	require.Less(t, falsePositives, n/100, "false positives among %d numbers never added", n)
}
