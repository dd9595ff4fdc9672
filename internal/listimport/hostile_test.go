package listimport

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// xlsxRels are the parts that make a zip a one-sheet workbook.
var xlsxRels = map[string]string{
	"_rels/.rels":                `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
	"xl/workbook.xml":            `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
	"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
}

// part writes one part of a generated file.
type part func(w *bufio.Writer)

// writeZip writes a zip of the parts given, in a sorted order, each
// streamed so that a large part never sits in memory.
func writeZip(t testing.TB, path string, parts map[string]part) {
	f, err := os.Create(path)
	require.NoError(t, err)
	z := zip.NewWriter(f)
	for _, name := range sortedKeys(parts) {
		w, err := z.Create(name)
		require.NoError(t, err)
		bw := bufio.NewWriterSize(w, 1<<16)
		parts[name](bw)
		require.NoError(t, bw.Flush())
	}
	require.NoError(t, z.Close())
	require.NoError(t, f.Close())
}

func sortedKeys(m map[string]part) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func text(s string) part { return func(w *bufio.Writer) { w.WriteString(s) } }

// writeXLSX writes a workbook whose sheet's rows are written by rows and
// whose shared strings by sst (nil: none).
func writeXLSX(t testing.TB, path string, rows, sst part) {
	parts := map[string]part{}
	for k, v := range xlsxRels {
		parts[k] = text(v)
	}
	parts["xl/worksheets/sheet1.xml"] = func(w *bufio.Writer) {
		w.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
		rows(w)
		w.WriteString(`</sheetData></worksheet>`)
	}
	if sst != nil {
		parts["xl/sharedStrings.xml"] = func(w *bufio.Writer) {
			w.WriteString(`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
			sst(w)
			w.WriteString(`</sst>`)
		}
	}
	writeZip(t, path, parts)
}

// writeLyingZip writes a one-sheet workbook whose sheet's entry declares
// 1 KiB and holds n bytes of rows: only counting what is read stops it.
func writeLyingZip(t testing.TB, path string, n int) {
	f, err := os.Create(path)
	require.NoError(t, err)
	z := zip.NewWriter(f)
	for _, name := range []string{"_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/workbook.xml"} {
		w, err := z.Create(name)
		require.NoError(t, err)
		_, err = io.WriteString(w, xlsxRels[name])
		require.NoError(t, err)
	}
	var raw bytes.Buffer
	fw, err := flate.NewWriter(&raw, flate.BestSpeed)
	require.NoError(t, err)
	crc := crc32.NewIEEE()
	out := io.MultiWriter(fw, crc)
	_, err = io.WriteString(out, `<worksheet><sheetData>`)
	require.NoError(t, err)
	for i := 0; raw.Len() < n/50 && i < n/20; i++ {
		_, err = fmt.Fprintf(out, `<row r="%d"><c><v>%d</v></c></row>`, i+1, i)
		require.NoError(t, err)
	}
	require.NoError(t, fw.Close())
	w, err := z.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate, CRC32: crc.Sum32(),
		CompressedSize64: uint64(raw.Len()), UncompressedSize64: 1 << 10})
	require.NoError(t, err)
	_, err = w.Write(raw.Bytes())
	require.NoError(t, err)
	require.NoError(t, z.Close())
	require.NoError(t, f.Close())
}

// readAll reads a file's rows as the importer does and returns how many
// it read, and the error that stopped it.
func readAll(path, name string, limits Limits) (int, error) {
	src, _, err := openSource(path, name, ',', "", limits)
	if err != nil {
		return 0, err
	}
	defer func() { _ = src.Close() }()
	n := 0
	for {
		_, err := src.Next()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// heapPeak samples the heap in use while f runs and returns its peak
// above what was in use before.
func heapPeak(f func()) uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base, peak := m.HeapInuse, m.HeapInuse
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	f()
	close(done)
	wg.Wait()
	runtime.ReadMemStats(&m)
	return max(peak, m.HeapInuse) - base
}

// hostileHeapBound is what reading any hostile file may add to the heap:
// a row of MaxRowBytes and its copies, whatever the file claims.
const hostileHeapBound = 48 << 20

// TestHostileFiles reads files made to hurt, with the product's limits:
// each stops with a FileError that names the problem (or, a sheet of a
// million rows, is read whole), and the heap grows by less than
// hostileHeapBound while it is read. `go test
// ./internal/listimport -run TestHostileFiles -v` prints each peak.
func TestHostileFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads files of hundreds of MB")
	}
	dir := t.TempDir()
	cells := func(n int, cell string) part {
		return func(w *bufio.Writer) {
			w.WriteString(`<row r="1">`)
			for range n {
				w.WriteString(cell)
			}
			w.WriteString(`</row>`)
		}
	}
	bigCell := strings.Repeat("x", 5<<20)
	cases := []struct {
		name, file string
		write      func(path string)
		limits     Limits
		want       string
	}{
		{"classic zip bomb", "bomb.xlsx", func(p string) {
			zeros := make([]byte, 1<<20)
			writeZip(t, p, map[string]part{"xl/worksheets/sheet1.xml": func(w *bufio.Writer) {
				for range 300 {
					_, _ = w.Write(zeros) // a bufio.Writer reports at Flush
				}
			}})
		}, DefaultLimits, "looks like a zip bomb"},
		{"bomb under the ratio check: one endless row", "row.xlsx", func(p string) {
			writeXLSX(t, p, func(w *bufio.Writer) {
				w.WriteString(`<row r="1">`)
				for i := range 8_000_000 {
					fmt.Fprintf(w, `<c><v>%d</v></c>`, i*7919)
				}
				w.WriteString(`</row>`)
			}, nil)
		}, DefaultLimits, "row 1 has a cell in column 1001, over the limit of 1000 columns"},
		{"bomb under the ratio check: a row of long cells", "long.xlsx", func(p string) {
			writeXLSX(t, p, func(w *bufio.Writer) {
				w.WriteString(`<row r="1">`)
				for i := range 900 {
					fmt.Fprintf(w, `<c t="inlineStr"><is><t>%0*d</t></is></c>`, 30_000, i*7919)
				}
				w.WriteString(`</row>`)
			}, nil)
		}, DefaultLimits, "row 1 of the spreadsheet is longer than the limit of 1048576 bytes"},
		{"bomb under the ratio check: sheet past its limit", "sheet.xlsx", func(p string) {
			writeXLSX(t, p, func(w *bufio.Writer) {
				for i := range 2_000_000 {
					fmt.Fprintf(w, `<row r="%d"><c><v>%d</v></c></row>`, i+1, i*7919)
				}
			}, nil)
		}, Limits{MaxSheetBytes: 32 << 20}, "sheet expands to"},
		{"a million rows under the ratio check, read whole", "million.xlsx", func(p string) {
			writeXLSX(t, p, func(w *bufio.Writer) {
				for i := range 1_000_000 {
					fmt.Fprintf(w, `<row r="%d"><c t="inlineStr"><is><t>%0100d</t></is></c></row>`, i+1, i*7919)
				}
			}, nil)
		}, DefaultLimits, ""},
		{"sizes that lie", "lying.xlsx", func(p string) { writeLyingZip(t, p, 64<<20) }, DefaultLimits, "cannot be read"},
		{"shared strings past their limit", "sst.xlsx", func(p string) {
			writeXLSX(t, p, cells(1, `<c t="s"><v>0</v></c>`), func(w *bufio.Writer) {
				for i := range 3_000_000 {
					fmt.Fprintf(w, `<si><t>%d</t></si>`, i)
				}
			})
		}, Limits{MaxSharedStringsBytes: 8 << 20}, "shared strings take more than the limit of 8388608 bytes"},
		{"nesting without end", "deep.xlsx", func(p string) {
			writeXLSX(t, p, func(w *bufio.Writer) {
				w.WriteString(`<row r="1">`)
				for range 10_000_000 {
					w.WriteString(`<a>`)
				}
			}, nil)
		}, DefaultLimits, "XML nested more than 32 elements deep"},
		{"xlsx of 10,000 columns", "wide.xlsx", cellsFile(t, cells(10_000, `<c><v>1</v></c>`)), DefaultLimits, "row 1 has a cell in column 1001, over the limit of 1000 columns"},
		{"xlsx cell at column XFD", "far.xlsx", cellsFile(t, cells(1, `<c r="XFD1"><v>1</v></c>`)), DefaultLimits, "row 1 has a cell in column 16384, over the limit of 1000 columns"},
		{"xlsx inline cell of 5 MB", "cell.xlsx", cellsFile(t, cells(1, `<c t="inlineStr"><is><t>`+bigCell+`</t></is></c>`)), DefaultLimits, "row 1 of the spreadsheet holds a cell of more than 32768 bytes"},
		{"xlsx cell over the cell limit", "cell2.xlsx", cellsFile(t, cells(1, `<c t="inlineStr"><is><t>`+bigCell[:40<<10]+`</t></is></c>`)), DefaultLimits, "row 1 of the spreadsheet holds a cell of more than 32768 bytes"},
		{"xlsx shared string of 5 MB", "sst5.xlsx", func(p string) {
			writeXLSX(t, p, cells(1, `<c t="s"><v>0</v></c>`), text(`<si><t>`+bigCell+`</t></si>`))
		}, DefaultLimits, "shared string 0 holds a cell of more than 32768 bytes"},
		{"xlsx shared string missing", "sstmissing.xlsx", func(p string) {
			writeXLSX(t, p, cells(1, `<c t="s"><v>7</v></c>`), text(`<si><t>a</t></si>`))
		}, DefaultLimits, `refers to shared string "7", which it does not have`},
		{"xlsx past Excel's last row", "lastrow.xlsx", cellsFile(t, func(w *bufio.Writer) { w.WriteString(`<row r="2000000"><c><v>1</v></c></row>`) }), DefaultLimits, "past Excel's last row"},
		{"xlsx of broken XML", "broken.xlsx", cellsFile(t, text(`<row r="1"><c><v>1</c></row>`)), DefaultLimits, "cannot be read at row 1"},
		{"xlsx cut short", "cut.xlsx", func(p string) {
			writeZip(t, p, map[string]part{"_rels/.rels": text(xlsxRels["_rels/.rels"]), "xl/workbook.xml": text(xlsxRels["xl/workbook.xml"]),
				"xl/_rels/workbook.xml.rels": text(xlsxRels["xl/_rels/workbook.xml.rels"]), "xl/worksheets/sheet1.xml": text(`<worksheet><sheetData><row r="1"><c><v>1`)})
		}, DefaultLimits, "unexpected EOF"},
		{"xlsx whose workbook is broken", "wb.xlsx", func(p string) {
			writeZip(t, p, map[string]part{"_rels/.rels": text(xlsxRels["_rels/.rels"]), "xl/workbook.xml": text(`<workbook><sheets>`)})
		}, DefaultLimits, "xl/workbook.xml cannot be read: XML syntax error"},
		{"csv of 10,000 columns", "wide.csv", fileOf(strings.Repeat("a,", 9_999) + "a\n1\n"), DefaultLimits, "row 1 has 10000 columns, over the limit of 1000"},
		{"csv cell of 5 MB", "cell.csv", fileOf("Number,Note\n4695622405," + bigCell + "\n"), DefaultLimits, "row 2 is longer than the limit of 1048576 bytes"},
		{"csv cell over the cell limit", "cell2.csv", fileOf("Number,Note\n4695622405," + bigCell[:40<<10] + "\n"), DefaultLimits, "row 2, column 2 holds 40960 bytes, over the limit of 32768 bytes per cell"},
		{"csv line of 50 MB without a newline", "line.csv", func(p string) {
			f, err := os.Create(p)
			require.NoError(t, err)
			line := bytes.Repeat([]byte("4695622405;"), 1<<20)
			for range 5 {
				_, err := f.Write(line)
				require.NoError(t, err)
			}
			require.NoError(t, f.Close())
		}, DefaultLimits, "row 1 is longer than the limit of 1048576 bytes (a line without its line break?)"},
		{"xlsx that is CSV text", "list.xlsx", fileOf("Number\n4695622405\n"), DefaultLimits, "not an xlsx spreadsheet (not a zip archive)"},
		{"csv that is a zip", "list.csv", func(p string) { writeXLSX(t, p, cells(1, `<c><v>1</v></c>`), nil) }, DefaultLimits, "is a zip archive (an xlsx?)"},
		{"xlsx that is another zip", "other.xlsx", func(p string) {
			writeZip(t, p, map[string]part{"word/document.xml": text("<document/>")})
		}, DefaultLimits, "is a zip archive but not an xlsx spreadsheet: it has no workbook"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.file)
			c.write(path)
			info, err := os.Stat(path)
			require.NoError(t, err)
			var readErr error
			peak := heapPeak(func() { _, readErr = readAll(path, c.file, c.limits) })
			require.NoError(t, os.Remove(path))
			if c.want == "" {
				require.NoError(t, readErr)
				t.Logf("%s (%d bytes): heap peak +%.1f MiB, read whole", c.file, info.Size(), float64(peak)/(1<<20))
				require.Less(t, peak, uint64(hostileHeapBound))
				return
			}
			var fe *FileError
			require.True(t, errors.As(readErr, &fe), "a FileError, not %v", readErr)
			require.Contains(t, fe.Msg, c.want)
			require.LessOrEqual(t, len(fe.Msg), MaxErrorBytes+40)
			t.Logf("%s (%d bytes): heap peak +%.1f MiB: %s", c.file, info.Size(), float64(peak)/(1<<20), fe.Msg)
			require.Less(t, peak, uint64(hostileHeapBound), "reading %s took %d MiB of heap", c.file, peak>>20)
		})
	}
}

func cellsFile(t *testing.T, rows part) func(string) {
	return func(p string) { writeXLSX(t, p, rows, nil) }
}

func fileOf(s string) func(string) {
	return func(p string) {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			panic(err)
		}
	}
}

// TestXLSXReader reads what Excel writes: shared strings (rich text runs,
// phonetic runs left out), inline strings, numbers as stored, rows and
// cells the sheet leaves out.
func TestXLSXReader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "list.xlsx")
	writeXLSX(t, path, text(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><t>Note</t></is></c></row>`+
		`<row r="3"><c r="A3"><v>14695622405</v></c><c r="B3" t="b"><v>1</v></c><c r="C3" t="s"><v>1</v></c><c r="D3" t="str"><f>A3</f><v>=x</v></c></row>`+
		`<row><c><v>1.47E+10</v></c></row>`),
		text(`<si><t>Number</t></si><si><r><t>ca</t></r><r><t>fé</t></r><rPh><t>カ</t></rPh></si>`))
	src, total, err := openSource(path, "list.xlsx", ',', "", DefaultLimits)
	require.NoError(t, err)
	defer func() { _ = src.Close() }()
	require.Equal(t, int64(0), total)
	var rows [][]string
	for {
		r, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		rows = append(rows, r)
	}
	require.Equal(t, [][]string{{"Number", "", "Note"}, {}, {"14695622405", "1", "café", "=x"}, {"1.47E+10"}}, rows)

	// A file excelize wrote.
	f := excelize.NewFile()
	require.NoError(t, f.SetSheetRow("Sheet1", "A1", &[]any{"Number", "Name"}))
	require.NoError(t, f.SetSheetRow("Sheet1", "A2", &[]any{4695622405, "Zoë"}))
	require.NoError(t, f.SaveAs(path))
	require.NoError(t, f.Close())
	src2, _, err := openSource(path, "list.xlsx", ',', "", DefaultLimits)
	require.NoError(t, err)
	defer func() { _ = src2.Close() }()
	first, err := src2.Next()
	require.NoError(t, err)
	require.Equal(t, []string{"Number", "Name"}, first)
	second, err := src2.Next()
	require.NoError(t, err)
	require.Equal(t, []string{"4695622405", "Zoë"}, second)
}

// rowsOf is a rowSource of n rows of one cell of size bytes.
type rowsOf struct{ n, size int }

func (r *rowsOf) Next() ([]string, error) {
	if r.n == 0 {
		return nil, io.EOF
	}
	r.n--
	return []string{strings.Repeat("x", r.size)}, nil
}
func (r *rowsOf) Progress() (float64, bool) { return 0, false }
func (r *rowsOf) Close() error              { return nil }

// TestBatchesAreBoundedByBytes: rows of long cells make short batches,
// so that the batches in flight never hold more than a few times
// maxBatchBytes, whatever BatchRows is.
func TestBatchesAreBoundedByBytes(t *testing.T) {
	im := &Importer{BatchRows: DefaultBatchRows}
	out := make(chan preparedBatch)
	errc := make(chan error, 1)
	go func() { errc <- im.readBatches(t.Context(), &rowsOf{n: 100, size: 1 << 20}, 0, out) }()
	var sizes []int
	for b := range out {
		sizes = append(sizes, len(b.rows))
	}
	require.NoError(t, <-errc)
	require.Equal(t, []int{16, 16, 16, 16, 16, 16, 4}, sizes) // 100 rows of 1 MiB, 16 MiB a batch
}
