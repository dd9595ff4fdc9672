package listgen

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/outdial/outdial/phone"
)

// TestRowsAreWhatTheySay checks the generator's promise: unique rows have
// valid distinct numbers, invalid rows none.
func TestRowsAreWhatTheySay(t *testing.T) {
	seen := map[string]int{}
	const n = 20000
	var rows []int
	for i := range n {
		rows = append(rows, i)
	}
	// Rows far in, as a million-row benchmark file has, use other exchanges.
	for i := range 3000 {
		rows = append(rows, 999_000+i)
	}
	for _, i := range rows {
		r := Row(i)
		switch KindOf(i) {
		case Unique, DNC:
			for _, raw := range r[1:4] {
				e164, err := phone.Normalize(raw, "US")
				require.NoError(t, err, "row %d", i)
				prev, dup := seen[e164]
				require.False(t, dup, "row %d repeats row %d's %s", i, prev, e164)
				seen[e164] = i
			}
		case Duplicate:
			_, err := phone.Normalize(r[1], "US")
			require.NoError(t, err)
		case Invalid:
			for _, raw := range r[1:4] {
				_, err := phone.Normalize(raw, "US")
				require.Error(t, err, "row %d: %s", i, raw)
			}
		}
	}
	e := Expect(n)
	require.Equal(t, e.Processed, e.Uploaded+e.Failed+e.Duplicate+e.DNCSuppressed)
	require.EqualValues(t, 100+(n-100)*83/100, e.Uploaded)
	require.Len(t, DNCNumbers(n), int(e.DNCModes))
}

// TestXLSXReadsBack checks excelize reads the hand-written workbook as the
// same rows as the CSV, through its shared strings.
func TestXLSXReadsBack(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteXLSX(&b, 250))
	f, err := excelize.OpenReader(&b)
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	rows, err := f.GetRows("Sheet1")
	require.NoError(t, err)
	require.Len(t, rows, 251)
	require.Equal(t, Header, rows[0])
	for i := range 250 {
		require.Equal(t, Row(i), rows[i+1])
	}
	dim, err := f.GetSheetDimension("Sheet1")
	require.NoError(t, err)
	require.Equal(t, "A1:F251", dim)
}
