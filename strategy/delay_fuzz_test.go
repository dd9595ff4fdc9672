package strategy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// FuzzParseDelay: a delay is refused with an error naming it, or is
// non-negative, at most ten years, and reads back as itself.
func FuzzParseDelay(f *testing.F) {
	for _, s := range []string{"0:0:15", "1:2:3", "0:36:0", "0:0:-1", "3650:0:0", "3651:0:0", "9223372036854775807:0:0", "0:9223372036854775807:0",
		"0:0:153722867280912930", "1:2", "1:2:3:4", " 0 : 0 : 5 ", "+1:0:0", "0x1:0:0", ":::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDelay(s)
		if err != nil {
			require.Contains(t, err.Error(), "delay")
			return
		}
		require.GreaterOrEqual(t, d.Duration(), time.Duration(0), "%q gave %v", s, d)
		require.LessOrEqual(t, d.Duration(), 10*365*24*time.Hour, "%q gave %v", s, d)
		back, err := ParseDelay(d.String())
		require.NoError(t, err)
		require.Equal(t, d, back)
	})
}
