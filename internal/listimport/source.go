package listimport

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

// FileError is a problem with an uploaded file itself: retrying cannot help,
// and the list shows the message to its owner.
type FileError struct{ Msg string }

func (e *FileError) Error() string { return e.Msg }

func fileErrorf(format string, args ...any) error {
	return &FileError{Msg: storable(fmt.Sprintf(format, args...), MaxErrorBytes)}
}

// Limits bound what an upload may cost.
type Limits struct {
	// MaxFileBytes is the largest upload accepted (250 MB by default).
	MaxFileBytes int64
	// MaxUnzippedBytes bounds what an xlsx may expand to: a zip bomb stops here.
	MaxUnzippedBytes int64
}

// DefaultLimits are the product's defaults.
var DefaultLimits = Limits{MaxFileBytes: 250 << 20, MaxUnzippedBytes: 4 << 30}

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
	if limits.MaxFileBytes > 0 && info.Size() > limits.MaxFileBytes {
		return nil, 0, fileErrorf("the file %s is %d bytes, over the limit of %d", name, info.Size(), limits.MaxFileBytes)
	}
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".xlsx":
		return openXLSX(path, name, sheet, limits)
	case ".csv", ".txt":
		src, err := openCSV(path, name, delimiter, info.Size())
		return src, 0, err
	default:
		return nil, 0, fileErrorf("the file %s is a %q file: upload .xlsx, .csv or .txt", name, ext)
	}
}

// countingReader counts the bytes read through it, for progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type csvSource struct {
	f      *os.File
	count  *countingReader
	size   int64
	r      *csv.Reader
	latin1 bool
}

func openCSV(path, name string, delimiter rune, size int64) (*csvSource, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open upload %s: %w", name, err)
	}
	count := &countingReader{r: f}
	br := bufio.NewReaderSize(count, 256<<10)
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
	return &csvSource{f: f, count: count, size: size, r: r, latin1: !utf8.Valid(head)}, nil
}

func (s *csvSource) Next() ([]string, error) {
	rec, err := s.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fileErrorf("the file is not valid delimited text: %v", err)
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
	return float64(s.count.n) / float64(s.size), true
}

func (s *csvSource) Close() error { return s.f.Close() }

type xlsxSource struct {
	f    *excelize.File
	rows *excelize.Rows
	read int64
	all  int64
}

func openXLSX(path, name, sheet string, limits Limits) (*xlsxSource, int64, error) {
	if err := checkZip(path, name, limits); err != nil {
		return nil, 0, err
	}
	f, err := excelize.OpenFile(path, excelize.Options{
		RawCellValue:      true, // numbers as stored, not as displayed ("1.47E+10")
		UnzipSizeLimit:    limits.MaxUnzippedBytes,
		UnzipXMLSizeLimit: 16 << 20, // larger sheets stream from a temporary file
	})
	if err != nil {
		return nil, 0, fileErrorf("the file %s is not a readable xlsx spreadsheet: %v", name, err)
	}
	if sheet == "" {
		sheet = f.GetSheetName(0)
	} else if idx, err := f.GetSheetIndex(sheet); err != nil || idx < 0 {
		_ = f.Close()
		return nil, 0, fileErrorf("the spreadsheet %s has no sheet %q (sheets: %s)", name, sheet, strings.Join(f.GetSheetList(), ", "))
	}
	var all int64
	if dim, err := f.GetSheetDimension(sheet); err == nil {
		if parts := strings.Split(dim, ":"); len(parts) == 2 {
			if _, row, err := excelize.CellNameToCoordinates(parts[1]); err == nil {
				all = int64(row)
			}
		}
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		_ = f.Close()
		return nil, 0, fileErrorf("the spreadsheet %s cannot be read: %v", name, err)
	}
	return &xlsxSource{f: f, rows: rows, all: all}, all, nil
}

// checkZip refuses a file that is not a zip, or that would expand past the
// limit, before excelize unpacks anything.
func checkZip(path, name string, limits Limits) error {
	z, err := zip.OpenReader(path)
	if err != nil {
		return fileErrorf("the file %s is not an xlsx spreadsheet (not a zip archive): %v", name, err)
	}
	defer func() { _ = z.Close() }()
	var total uint64
	for _, f := range z.File {
		total += f.UncompressedSize64
		if f.CompressedSize64 > 0 && f.UncompressedSize64/f.CompressedSize64 > 1000 && f.UncompressedSize64 > 100<<20 {
			return fileErrorf("the file %s looks like a zip bomb: %s expands %d times", name, f.Name, f.UncompressedSize64/f.CompressedSize64)
		}
	}
	if limits.MaxUnzippedBytes > 0 && total > uint64(limits.MaxUnzippedBytes) {
		return fileErrorf("the file %s expands to %d bytes, over the limit of %d (a zip bomb?)", name, total, limits.MaxUnzippedBytes)
	}
	return nil
}

func (s *xlsxSource) Next() ([]string, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, fileErrorf("the spreadsheet cannot be read: %v", err)
		}
		return nil, io.EOF
	}
	s.read++
	cells, err := s.rows.Columns()
	if err != nil {
		return nil, fileErrorf("the spreadsheet's row %d cannot be read: %v", s.read, err)
	}
	return cells, nil
}

func (s *xlsxSource) Progress() (float64, bool) {
	if s.all == 0 {
		return 0, false
	}
	return float64(s.read) / float64(s.all), true
}

func (s *xlsxSource) Close() error {
	err := s.rows.Close()
	return errors.Join(err, s.f.Close())
}
