package listimport

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// FileError is a problem with an uploaded file itself: retrying cannot help,
// and the list shows the message to its owner.
type FileError struct{ Msg string }

func (e *FileError) Error() string { return e.Msg }

func fileErrorf(format string, args ...any) error {
	return &FileError{Msg: storable(fmt.Sprintf(format, args...), MaxErrorBytes)}
}

// Limits bound what an upload may cost. The file's own claims (an xlsx's
// declared sizes) are checked first, but memory is bounded by counting
// what is read: a reader holds at most one row of MaxRowBytes, and an
// xlsx's shared strings up to MaxSharedStringsBytes. A zero field takes
// DefaultLimits' value.
type Limits struct {
	// MaxFileBytes is the largest upload accepted (250 MB by default).
	MaxFileBytes int64
	// MaxUnzippedBytes bounds what an xlsx's parts may expand to in all,
	// by their declared sizes: a zip bomb stops here.
	MaxUnzippedBytes int64
	// MaxSheetBytes bounds the XML of the sheet read, counted as it streams.
	MaxSheetBytes int64
	// MaxSharedStringsBytes bounds an xlsx's shared strings, which are
	// held in memory (their text and an offset each).
	MaxSharedStringsBytes int64
	// MaxRowBytes bounds one row as read: a CSV record, or a sheet's row
	// element (or one shared string) as XML.
	MaxRowBytes int64
	// MaxCellBytes bounds one cell's text.
	MaxCellBytes int
	// MaxColumns bounds a row's cells: every column not mapped is kept as
	// an attribute of each contact.
	MaxColumns int
}

// DefaultLimits are the product's defaults.
var DefaultLimits = Limits{MaxFileBytes: 250 << 20, MaxUnzippedBytes: 4 << 30, MaxSheetBytes: 2 << 30,
	MaxSharedStringsBytes: 128 << 20, MaxRowBytes: 1 << 20, MaxCellBytes: 32 << 10, MaxColumns: 1000}

// orDefaults is l with each zero field taken from DefaultLimits.
func (l Limits) orDefaults() Limits {
	d := DefaultLimits
	pick := func(v, def int64) int64 {
		if v > 0 {
			return v
		}
		return def
	}
	l.MaxFileBytes = pick(l.MaxFileBytes, d.MaxFileBytes)
	l.MaxUnzippedBytes = pick(l.MaxUnzippedBytes, d.MaxUnzippedBytes)
	l.MaxSheetBytes = pick(l.MaxSheetBytes, d.MaxSheetBytes)
	l.MaxSharedStringsBytes = pick(l.MaxSharedStringsBytes, d.MaxSharedStringsBytes)
	l.MaxRowBytes = pick(l.MaxRowBytes, d.MaxRowBytes)
	l.MaxCellBytes = int(pick(int64(l.MaxCellBytes), int64(d.MaxCellBytes)))
	l.MaxColumns = int(pick(int64(l.MaxColumns), int64(d.MaxColumns)))
	return l
}

// checkRow refuses a row of too many cells, or with a cell too long;
// row is its number in the file (the header is row 1).
func (l Limits) checkRow(row int64, cells []string) error {
	if len(cells) > l.MaxColumns {
		return fileErrorf("row %d has %d columns, over the limit of %d", row, len(cells), l.MaxColumns)
	}
	for i, c := range cells {
		if len(c) > l.MaxCellBytes {
			return fileErrorf("row %d, column %d holds %d bytes, over the limit of %d bytes per cell", row, i+1, len(c), l.MaxCellBytes)
		}
	}
	return nil
}

// errOverBudget is a budgetReader's error once its budget is spent.
var errOverBudget = errors.New("over the byte budget")

// budgetReader reads at most left bytes until its budget is reset, and at
// most max in all: whatever parses above it never holds more than one
// budget's worth (and its own buffer) at a time.
type budgetReader struct {
	r         io.Reader
	left      int64
	n, max    int64
	overTotal bool
}

func (b *budgetReader) reset(budget int64) { b.left = budget }

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.n >= b.max {
		b.overTotal = true
		return 0, errOverBudget
	}
	if b.left <= 0 {
		return 0, errOverBudget
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	if int64(len(p)) > b.max-b.n {
		p = p[:b.max-b.n]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	b.n += int64(n)
	return n, err
}

// SupportedExtensions are the file kinds an upload may be.
var SupportedExtensions = []string{".xlsx", ".csv", ".txt"}

// rowSource yields a file's rows one at a time, so memory stays flat
// whatever the file's size.
type rowSource interface {
	// Next returns the next row's cells; io.EOF after the last.
	Next() ([]string, error)
	// Progress is how far through the file reading is, from 0 to 1, when known.
	Progress() (float64, bool)
	Close() error
}

// openSource opens an uploaded file by the extension of its name.
func openSource(path, name string, delimiter rune, sheet string, limits Limits) (rowSource, int64, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, 0, fmt.Errorf("open upload %s: %w", name, err)
	}
	if info.Size() == 0 {
		return nil, 0, fileErrorf("the file %s is empty", name)
	}
	limits = limits.orDefaults()
	if info.Size() > limits.MaxFileBytes {
		return nil, 0, fileErrorf("the file %s is %d bytes, over the limit of %d", name, info.Size(), limits.MaxFileBytes)
	}
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".xlsx":
		return openXLSX(path, name, sheet, limits)
	case ".csv", ".txt":
		src, err := openCSV(path, name, delimiter, info.Size(), limits)
		return src, 0, err
	default:
		return nil, 0, fileErrorf("the file %s is a %q file: upload .xlsx, .csv or .txt", name, ext)
	}
}

type csvSource struct {
	f      *os.File
	budget *budgetReader
	size   int64
	r      *csv.Reader
	limits Limits
	row    int64 // records read; the header is row 1
}

// csvBuffer is the text reader's buffer, which it reads ahead by.
const csvBuffer = 256 << 10

func openCSV(path, name string, delimiter rune, size int64, limits Limits) (*csvSource, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open upload %s: %w", name, err)
	}
	// encoding/csv holds a whole record, however long: the budget, reset
	// for each record, stops a line without its line break.
	budget := &budgetReader{r: f, left: csvBuffer, max: math.MaxInt64}
	br := bufio.NewReaderSize(budget, csvBuffer)
	head, _ := br.Peek(4096)
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		_ = f.Close()
		return nil, fileErrorf("the file %s is a zip archive (an xlsx?), not delimited text: name it .xlsx to upload a spreadsheet", name)
	}
	if bytes.IndexByte(head, 0) >= 0 {
		_ = f.Close()
		return nil, fileErrorf("the file %s is not text: it holds NUL bytes (UTF-16 or binary); save it as UTF-8 CSV", name)
	}
	if bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	r := csv.NewReader(br)
	r.Comma = delimiter
	r.FieldsPerRecord = -1 // extra and missing columns are the mapper's business
	r.LazyQuotes = true
	return &csvSource{f: f, budget: budget, size: size, r: r, limits: limits}, nil
}

func (s *csvSource) Next() ([]string, error) {
	s.budget.reset(s.limits.MaxRowBytes)
	s.row++
	rec, err := s.r.Read()
	switch {
	case errors.Is(err, io.EOF):
		return nil, io.EOF
	case errors.Is(err, errOverBudget):
		return nil, fileErrorf("row %d is longer than the limit of %d bytes (a line without its line break?)", s.row, s.limits.MaxRowBytes)
	case err != nil:
		return nil, fileErrorf("the file is not valid delimited text: %v", err)
	}
	if err := s.limits.checkRow(s.row, rec); err != nil {
		return nil, err
	}
	for i, c := range rec {
		if !utf8.ValidString(c) {
			// Spreadsheets saved as "CSV" on Windows are Windows-1252, not UTF-8.
			if d, err := charmap.Windows1252.NewDecoder().String(c); err == nil {
				rec[i] = d
			}
		}
	}
	return rec, nil
}

func (s *csvSource) Progress() (float64, bool) {
	return float64(s.budget.n) / float64(s.size), true
}

func (s *csvSource) Close() error { return s.f.Close() }
