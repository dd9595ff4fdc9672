package pacing

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		n       int
		weights []int
		want    []int
	}{
		{10, []int{100}, []int{10}},
		{10, []int{50, 50}, []int{5, 5}},
		{1, []int{50, 50}, []int{1, 0}},
		{3, []int{50, 50}, []int{2, 1}},
		{10, []int{70, 30}, []int{7, 3}},
		{7, []int{60, 30, 10}, []int{4, 2, 1}},
		{85, []int{60, 40}, []int{51, 34}},
		{10, []int{50, 30}, []int{6, 4}}, // shares below 100 are relative
		{10, []int{0, 100}, []int{0, 10}},
		{5, []int{0, 0}, []int{0, 0}},
		{0, []int{50, 50}, []int{0, 0}},
		{-3, []int{100}, []int{0}},
		{2, []int{1, 1, 1}, []int{1, 1, 0}},
		{2, []int{10, 10, 80}, []int{0, 0, 2}},
	} {
		t.Run(fmt.Sprint(tc.n, tc.weights), func(t *testing.T) {
			require.Equal(t, tc.want, Split(tc.n, tc.weights))
		})
	}
}

func FuzzSplit(f *testing.F) {
	f.Add(85, 60, 40, 0)
	f.Add(1, 0, 0, 1)
	f.Fuzz(func(t *testing.T, n, a, b, c int) {
		if n < 0 || n > 1<<20 || a < 0 || b < 0 || c < 0 || a > 100 || b > 100 || c > 100 {
			t.Skip()
		}
		weights := []int{a, b, c}
		parts := Split(n, weights)
		sum, total := 0, a+b+c
		for i, p := range parts {
			sum += p
			if total > 0 {
				exact := float64(n) * float64(weights[i]) / float64(total)
				require.InDelta(t, exact, float64(p), 1, "part %d of %d by %v", i, n, weights)
			}
			if weights[i] == 0 {
				require.Zero(t, p)
			}
		}
		if total > 0 {
			require.Equal(t, n, sum)
		}
	})
}

func TestBufferNext(t *testing.T) {
	seed := Buffer{Initial: 85, IncrementPercent: 30, DecrementPercent: 60, UpperThresholdPercent: 200}
	for _, tc := range []struct {
		name            string
		b               Buffer
		size            int
		drained, unused bool
		want            int
	}{
		{"starts at the initial number", seed, 0, false, false, 85},
		{"a first drained pass grows from the initial number", seed, 0, true, false, 111},
		{"steady", seed, 85, false, false, 85},
		{"drained grows by 30%, rounded up", seed, 85, true, false, 111},
		{"grows again", seed, 111, true, false, 145},
		{"never above 200% of the initial number", seed, 145, true, false, 170},
		{"stays at the threshold", seed, 170, true, false, 170},
		{"unused shrinks by 60%, rounded up", seed, 85, false, true, 34},
		{"unused wins over drained", seed, 85, true, true, 34},
		{"never below one", seed, 1, false, true, 1},
		{"a buffer of one still grows", seed, 1, true, false, 2},
		{"zero increment holds", Buffer{Initial: 10, DecrementPercent: 50, UpperThresholdPercent: 300}, 10, true, false, 10},
		{"a lowered threshold caps an existing size", Buffer{Initial: 10, IncrementPercent: 30, DecrementPercent: 60, UpperThresholdPercent: 100}, 25, false, false, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.b.Next(tc.size, tc.drained, tc.unused))
		})
	}
}

func TestBufferSize(t *testing.T) {
	b := Buffer{Initial: 85, IncrementPercent: 30, DecrementPercent: 60, UpperThresholdPercent: 200}
	require.Equal(t, 85, b.Size(0), "a buffer not started is at the initial number")
	require.Equal(t, 34, b.Size(34))
	require.Equal(t, 170, b.Size(500), "a lowered threshold caps a grown buffer")
}

func TestProgressive(t *testing.T) {
	for _, tc := range []struct {
		name                         string
		free, lines, inFlight, share int
		want                         int
	}{
		{"one line per free agent", 3, 1, 0, -1, 3},
		{"lines per agent multiply", 3, 2, 0, -1, 6},
		{"calls in flight count against it", 3, 2, 4, -1, 2},
		{"more in flight than lines", 2, 1, 5, -1, 0},
		{"no free agent", 0, 3, 0, -1, 0},
		{"the buffer share caps it", 10, 1, 0, 4, 4},
		{"in flight fills the share", 10, 1, 3, 4, 1},
		{"a full share releases nothing", 10, 1, 4, 4, 0},
		{"a zero share releases nothing", 10, 1, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, Progressive(tc.free, tc.lines, tc.inFlight, tc.share))
		})
	}
}
