package listimport

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSeenSetGrows: past its first filter's capacity the set still finds
// every number met, and rarely takes a new one for one met before.
func TestSeenSetGrows(t *testing.T) {
	var s seenSet
	const n = 3 * seenFirstCapacity
	falsePositives := 0
	for i := range int64(n) {
		if s.testOrAddNumber(14690000000 + 2*i) {
			falsePositives++
		}
	}
	require.Len(t, s.filters, 2)
	require.Less(t, falsePositives, n/50, "numbers taken for met among %d new ones", n)
	for i := range int64(n) {
		require.True(t, s.testOrAddNumber(14690000000+2*i), "number %d was met", i)
	}
}
