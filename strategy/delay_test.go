package strategy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseDelay(t *testing.T) {
	cases := []struct {
		in      string
		want    time.Duration
		canon   string
		wantErr string
	}{
		{in: "0:0:15", want: 15 * time.Minute, canon: "0:0:15"},
		{in: "0:0:0", want: 0, canon: "0:0:0"},
		{in: " 1:2:3 ", want: 26*time.Hour + 3*time.Minute, canon: "1:2:3"},
		{in: "0:36:0", want: 36 * time.Hour, canon: "0:36:0"},
		{in: "00:01:05", want: time.Hour + 5*time.Minute, canon: "0:1:5"},
		{in: "15", wantErr: "not D:H:M"},
		{in: "0:0", wantErr: "not D:H:M"},
		{in: "0:0:x", wantErr: `"x" is not a whole number of minutes`},
		{in: "-1:0:0", wantErr: "of days"},
		{in: "", wantErr: "not D:H:M"},
		{in: "4000:0:0", wantErr: "longer than ten years"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			d, err := ParseDelay(c.in)
			if c.wantErr != "" {
				require.ErrorContains(t, err, c.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.want, d.Duration())
			require.Equal(t, c.canon, d.String())
		})
	}
}
