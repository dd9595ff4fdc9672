package listimport

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// fuzzLimits are small, so that a fuzzed file reaches each limit.
var fuzzLimits = Limits{MaxFileBytes: 1 << 20, MaxUnzippedBytes: 4 << 20, MaxSheetBytes: 1 << 20,
	MaxSharedStringsBytes: 64 << 10, MaxRowBytes: 16 << 10, MaxCellBytes: 1 << 10, MaxColumns: 50}

// fuzzRead reads data as a file named name: every row comes, or a
// FileError that says what is wrong; never a panic, nor another error.
func fuzzRead(t *testing.T, name string, data []byte) {
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	rows, err := readAll(path, name, fuzzLimits)
	if err != nil {
		var fe *FileError
		require.True(t, errors.As(err, &fe), "%T %v", err, err)
		require.NotEmpty(t, fe.Msg)
		require.LessOrEqual(t, len(fe.Msg), MaxErrorBytes+40)
		return
	}
	require.LessOrEqual(t, rows, len(data)+1<<20) // gaps in an xlsx's row numbers are blank rows
}

func FuzzCSVReader(f *testing.F) {
	for _, s := range []string{"Number\n4695622405\n", "\ufeffName,Number\r\n\"Ann, B\",\"469\"\"562\"\n", "a,\"b\nc\",d\n", "\"unterminated\n", "caf\xe9,1\n", "\x00\x01", "PK\x03\x04", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, "list.csv", data) })
}

// storedXLSX is a workbook whose parts are stored, not deflated, so that
// the fuzzer's changes reach the XML.
func storedXLSX(t testing.TB, sheet, sst string) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	parts := map[string]string{"xl/worksheets/sheet1.xml": sheet, "xl/sharedStrings.xml": sst}
	for k, v := range xlsxRels {
		parts[k] = v
	}
	for _, name := range []string{"_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"} {
		w, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		require.NoError(t, err)
		_, err = w.Write([]byte(parts[name]))
		require.NoError(t, err)
	}
	require.NoError(t, z.Close())
	return b.Bytes()
}

func FuzzXLSXReader(f *testing.F) {
	f.Add(storedXLSX(f, `<worksheet><dimension ref="A1:B3"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Note</t></is></c></row>`+
		`<row r="3"><c r="A3"><v>4695622405</v></c><c r="B3" t="s"><v>1</v></c></row></sheetData></worksheet>`,
		`<sst><si><t>Number</t></si><si><r><t>ca</t></r><r><t>fé</t></r><rPh><t>カ</t></rPh></si></sst>`))
	f.Add(storedXLSX(f, `<worksheet><sheetData><row><c><v>1</v></c></row></sheetData></worksheet>`, `<sst/>`))
	f.Add([]byte("Number\n4695622405\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, "list.xlsx", data) })
}
