package listimport

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// An xlsx is read here rather than by excelize's reader, which holds the
// shared strings and every part but the sheets wholly in memory and a
// cell whole before anyone can count it. This reader streams the sheet
// straight out of the zip through a budgetReader, reset for each row, so
// that memory is bounded by what it reads, whatever the file claims.

// maxPartBytes bounds the small parts read whole: the workbook and the
// relationships.
const maxPartBytes = 8 << 20

// maxSheetRows is Excel's last row.
const maxSheetRows = 1 << 20

// xmlStream is a decoder that refuses XML nested more than maxDepth deep:
// encoding/xml keeps an entry per open element, and a megabyte of "<a>"
// would hold 350,000 of them.
type xmlStream struct {
	dec   *xml.Decoder
	depth int
}

const maxDepth = 32

func newXMLStream(r io.Reader) *xmlStream { return &xmlStream{dec: xml.NewDecoder(r)} }

func (x *xmlStream) Token() (xml.Token, error) {
	tok, err := x.dec.Token()
	switch tok.(type) {
	case xml.StartElement:
		if x.depth++; x.depth > maxDepth {
			return nil, fmt.Errorf("XML nested more than %d elements deep", maxDepth)
		}
	case xml.EndElement:
		x.depth--
	}
	return tok, err
}

type xlsxSource struct {
	z      *zip.ReadCloser
	sheet  io.ReadCloser
	budget *budgetReader
	dec    *xmlStream
	sst    sharedStrings
	limits Limits
	name   string
	row    int64 // rows handed out; the header is row 1
	ahead  *sheetRow
	all    int64
}

// sheetRow is a row element as read: its number (0 when it has none) and
// its cells.
type sheetRow struct {
	r     int64
	cells []string
}

func openXLSX(path, name, sheet string, limits Limits) (_ *xlsxSource, _ int64, err error) {
	z, err := zip.OpenReader(path)
	if err != nil {
		return nil, 0, fileErrorf("the file %s is not an xlsx spreadsheet (not a zip archive): %v", name, err)
	}
	defer func() {
		if err != nil {
			_ = z.Close()
		}
	}()
	if err := checkZip(z, name, limits); err != nil {
		return nil, 0, err
	}
	wb, err := openWorkbook(&z.Reader, name)
	if err != nil {
		return nil, 0, err
	}
	sheetPath, err := wb.sheetPath(name, sheet)
	if err != nil {
		return nil, 0, err
	}
	s := &xlsxSource{z: z, limits: limits, name: name}
	if wb.sharedStrings != "" {
		if s.sst, err = readSharedStrings(wb.part(wb.sharedStrings), name, limits); err != nil {
			return nil, 0, err
		}
	}
	f := wb.part(sheetPath)
	if f == nil {
		return nil, 0, fileErrorf("the spreadsheet %s lacks its sheet's part %s", name, sheetPath)
	}
	if f.UncompressedSize64 > uint64(limits.MaxSheetBytes) {
		return nil, 0, fileErrorf("the spreadsheet %s's sheet expands to %d bytes, over the limit of %d", name, f.UncompressedSize64, limits.MaxSheetBytes)
	}
	if s.sheet, err = f.Open(); err != nil {
		return nil, 0, fileErrorf("the spreadsheet %s cannot be read: %v", name, err)
	}
	s.budget = &budgetReader{r: s.sheet, max: limits.MaxSheetBytes}
	s.dec = newXMLStream(s.budget)
	if err := s.readToSheetData(); err != nil {
		_ = s.sheet.Close()
		return nil, 0, err
	}
	return s, s.all, nil
}

// checkZip refuses an archive that would expand past the limit, or one
// part of which expands suspiciously far, by the sizes it declares (which
// archive/zip holds each part to as it is read).
func checkZip(z *zip.ReadCloser, name string, limits Limits) error {
	var total uint64
	for _, f := range z.File {
		total += f.UncompressedSize64
		if f.CompressedSize64 > 0 && f.UncompressedSize64/f.CompressedSize64 > 1000 && f.UncompressedSize64 > 100<<20 {
			return fileErrorf("the file %s looks like a zip bomb: %s expands %d times", name, f.Name, f.UncompressedSize64/f.CompressedSize64)
		}
	}
	if total > uint64(limits.MaxUnzippedBytes) {
		return fileErrorf("the file %s expands to %d bytes, over the limit of %d (a zip bomb?)", name, total, limits.MaxUnzippedBytes)
	}
	return nil
}

// workbook is what of an xlsx's workbook part says where its sheets are.
type workbook struct {
	z             *zip.Reader
	sheets        []string // names, in order
	paths         map[string]string
	sharedStrings string
}

type relationships struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

// openWorkbook reads the workbook part and its relationships.
func openWorkbook(z *zip.Reader, name string) (*workbook, error) {
	wb := &workbook{z: z, paths: map[string]string{}}
	notXLSX := fileErrorf("the file %s is a zip archive but not an xlsx spreadsheet: it has no workbook", name)
	var root relationships
	if wb.part("_rels/.rels") == nil {
		return nil, notXLSX
	}
	if err := wb.readPart("_rels/.rels", name, &root); err != nil {
		return nil, err
	}
	var wbPath string
	for _, r := range root.Rels {
		if strings.HasSuffix(r.Type, "/officeDocument") {
			wbPath = resolve("", r.Target)
		}
	}
	var doc struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			ID   string `xml:"id,attr"` // r:id, whichever namespace r is
		} `xml:"sheets>sheet"`
	}
	if wbPath == "" || wb.part(wbPath) == nil {
		return nil, notXLSX
	}
	if err := wb.readPart(wbPath, name, &doc); err != nil {
		return nil, err
	}
	dir, base := path.Split(wbPath)
	var rels relationships
	if err := wb.readPart(dir+"_rels/"+base+".rels", name, &rels); err != nil {
		return nil, err
	}
	targets := map[string]string{}
	for _, r := range rels.Rels {
		targets[r.ID] = resolve(dir, r.Target)
		if strings.HasSuffix(r.Type, "/sharedStrings") {
			wb.sharedStrings = resolve(dir, r.Target)
		}
	}
	for _, s := range doc.Sheets {
		if t, ok := targets[s.ID]; ok {
			wb.sheets = append(wb.sheets, s.Name)
			wb.paths[s.Name] = t
		}
	}
	if len(wb.sheets) == 0 {
		return nil, fileErrorf("the spreadsheet %s has no sheet", name)
	}
	return wb, nil
}

// resolve is a relationship's target as a part name.
func resolve(dir, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Clean("/"+dir+target), "/")
}

// part is the archive's part of that name, or nil.
func (wb *workbook) part(name string) *zip.File {
	for _, f := range wb.z.File {
		if strings.EqualFold(strings.ReplaceAll(f.Name, `\`, "/"), name) {
			return f
		}
	}
	return nil
}

// readPart decodes a small part, of at most maxPartBytes.
func (wb *workbook) readPart(partName, name string, v any) error {
	f := wb.part(partName)
	if f == nil {
		return fileErrorf("the spreadsheet %s lacks its part %s", name, partName)
	}
	if f.UncompressedSize64 > maxPartBytes {
		return fileErrorf("the spreadsheet %s's %s is over %d bytes", name, partName, maxPartBytes)
	}
	rc, err := f.Open()
	if err == nil {
		defer func() { _ = rc.Close() }()
		err = xml.NewDecoder(io.LimitReader(rc, maxPartBytes)).Decode(v)
	}
	if err != nil {
		return fileErrorf("the spreadsheet %s's %s cannot be read: %v", name, partName, err)
	}
	return nil
}

// sheetPath is the part of the sheet named, or of the first sheet.
func (wb *workbook) sheetPath(name, sheet string) (string, error) {
	if sheet == "" {
		return wb.paths[wb.sheets[0]], nil
	}
	if p, ok := wb.paths[sheet]; ok {
		return p, nil
	}
	return "", fileErrorf("the spreadsheet %s has no sheet %q (sheets: %s)", name, sheet, strings.Join(wb.sheets, ", "))
}

// sharedStrings are an xlsx's shared strings, as one text and where each
// ends: an offset per string rather than a string header.
type sharedStrings struct {
	text []byte
	ends []uint32
}

func (s sharedStrings) get(i int) (string, bool) {
	if i < 0 || i >= len(s.ends) {
		return "", false
	}
	start := uint32(0)
	if i > 0 {
		start = s.ends[i-1]
	}
	return string(s.text[start:s.ends[i]]), true
}

// readSharedStrings reads the shared-strings part, each string under the
// row and cell limits and all of them under MaxSharedStringsBytes.
func readSharedStrings(f *zip.File, name string, limits Limits) (sharedStrings, error) {
	var sst sharedStrings
	if f == nil {
		return sst, nil
	}
	rc, err := f.Open()
	if err != nil {
		return sst, fileErrorf("the spreadsheet %s cannot be read: %v", name, err)
	}
	defer func() { _ = rc.Close() }()
	budget := &budgetReader{r: rc, left: limits.MaxRowBytes, max: limits.MaxSharedStringsBytes * 4}
	dec := newXMLStream(budget)
	maxMemory := min(limits.MaxSharedStringsBytes, 1<<32-1)
	for {
		budget.reset(limits.MaxRowBytes)
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return sst, nil
		}
		if err != nil {
			return sst, sharedStringsError(name, budget, limits, len(sst.ends), err)
		}
		if start, ok := tok.(xml.StartElement); ok && start.Name.Local == "si" {
			text, err := readText(dec, "si", limits.MaxCellBytes)
			if err != nil {
				return sst, sharedStringsError(name, budget, limits, len(sst.ends), err)
			}
			sst.text = append(sst.text, text...)
			sst.ends = append(sst.ends, uint32(len(sst.text)))
			if int64(cap(sst.text)+4*cap(sst.ends)) > maxMemory { // what is held, spare room included
				return sst, fileErrorf("the spreadsheet %s's shared strings take more than the limit of %d bytes", name, limits.MaxSharedStringsBytes)
			}
		}
	}
}

func sharedStringsError(name string, budget *budgetReader, limits Limits, i int, err error) error {
	var fe *FileError
	switch {
	case errors.As(err, &fe):
		return fileErrorf("the spreadsheet %s's shared string %d: %s", name, i, fe.Msg)
	case budget.overTotal:
		return fileErrorf("the spreadsheet %s's shared strings are over the limit of %d bytes of XML", name, budget.max)
	case errors.Is(err, errOverBudget):
		return fileErrorf("the spreadsheet %s's shared string %d is longer than the limit of %d bytes", name, i, limits.MaxRowBytes)
	case errors.Is(err, errCellTooLong):
		return fileErrorf("the spreadsheet %s's shared string %d holds a cell of %s", name, i, strings.TrimPrefix(err.Error(), errCellTooLong.Error()+": "))
	}
	return fileErrorf("the spreadsheet %s's shared strings cannot be read: %v", name, err)
}

// errCellTooLong is readText's error past its limit.
var errCellTooLong = errors.New("cell too long")

// readText reads up to the end of the element end and returns the text
// of its <t> elements (an inline or shared string; phonetic runs, <rPh>,
// left out) and of its <v>, whichever it holds.
func readText(dec *xmlStream, end string, limit int) (string, error) {
	var text []byte
	in, phonetic := false, 0
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return "", io.ErrUnexpectedEOF
			}
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t", "v":
				in = true
			case "rPh":
				phonetic++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case end:
				return string(text), nil
			case "t", "v":
				in = false
			case "rPh":
				phonetic--
			}
		case xml.CharData:
			if in && phonetic == 0 {
				if len(text)+len(t) > limit {
					return "", fmt.Errorf("%w: more than %d bytes", errCellTooLong, limit)
				}
				text = append(text, t...)
			}
		}
	}
}

// readToSheetData reads the sheet up to its rows, noting its dimension.
func (s *xlsxSource) readToSheetData() error {
	for {
		s.budget.reset(s.limits.MaxRowBytes)
		tok, err := s.dec.Token()
		if err != nil {
			return s.sheetError(err)
		}
		if start, ok := tok.(xml.StartElement); ok {
			switch start.Name.Local {
			case "dimension":
				s.all = lastRow(attr(start, "ref"))
			case "sheetData":
				return nil
			}
		}
	}
}

// lastRow is the last row of a dimension such as A1:F1000, or 0.
func lastRow(ref string) int64 {
	_, last, ok := strings.Cut(ref, ":")
	if !ok {
		return 0
	}
	_, row, err := excelize.SplitCellName(last)
	if err != nil {
		return 0
	}
	return int64(row)
}

func attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// sheetError is what stopped reading the sheet, as the list shows it.
func (s *xlsxSource) sheetError(err error) error {
	var fe *FileError
	row := s.row + 1
	switch {
	case errors.As(err, &fe):
		return err
	case s.budget.overTotal:
		return fileErrorf("the spreadsheet %s's sheet expands past the limit of %d bytes", s.name, s.limits.MaxSheetBytes)
	case errors.Is(err, errOverBudget):
		return fileErrorf("row %d of the spreadsheet is longer than the limit of %d bytes of XML (a cell too long?)", row, s.limits.MaxRowBytes)
	case errors.Is(err, errCellTooLong):
		return fileErrorf("row %d of the spreadsheet holds a cell of %v", row, strings.TrimPrefix(err.Error(), errCellTooLong.Error()+": "))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fileErrorf("the spreadsheet %s's sheet ends before its last row does (unexpected EOF)", s.name)
	}
	return fileErrorf("the spreadsheet %s cannot be read at row %d: %v", s.name, row, err)
}

func (s *xlsxSource) Next() ([]string, error) {
	if s.ahead == nil {
		r, err := s.readRow()
		if err != nil {
			return nil, err
		}
		if r.r <= s.row {
			r.r = s.row + 1
		}
		if r.r > maxSheetRows {
			return nil, fileErrorf("the spreadsheet %s has a row %d, past Excel's last row %d", s.name, r.r, maxSheetRows)
		}
		s.ahead = &r
	}
	s.row++
	if s.row < s.ahead.r {
		return []string{}, nil // a row the sheet leaves out is blank
	}
	cells := s.ahead.cells
	s.ahead = nil
	return cells, nil
}

// readRow reads the next row element; io.EOF after the last.
func (s *xlsxSource) readRow() (sheetRow, error) {
	s.budget.reset(s.limits.MaxRowBytes)
	for {
		tok, err := s.dec.Token()
		if err != nil {
			return sheetRow{}, s.sheetError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "row" {
				return s.readCells(t)
			}
		case xml.EndElement:
			if t.Name.Local == "sheetData" {
				return sheetRow{}, io.EOF
			}
		}
	}
}

// readCells reads a row element's cells, each at its column.
func (s *xlsxSource) readCells(start xml.StartElement) (sheetRow, error) {
	row := sheetRow{}
	if r, err := strconv.ParseInt(attr(start, "r"), 10, 64); err == nil && r > 0 {
		row.r = r
	}
	number := max(row.r, s.row+1)
	for {
		tok, err := s.dec.Token()
		if err != nil {
			return row, s.sheetError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "c" {
				continue
			}
			col := len(row.cells) + 1
			if ref := attr(t, "r"); ref != "" {
				if name, _, err := excelize.SplitCellName(ref); err == nil {
					if n, err := excelize.ColumnNameToNumber(name); err == nil && n > col {
						col = n
					}
				}
			}
			if col > s.limits.MaxColumns {
				return row, fileErrorf("row %d has a cell in column %d, over the limit of %d columns", number, col, s.limits.MaxColumns)
			}
			text, err := readText(s.dec, "c", s.limits.MaxCellBytes)
			if err != nil {
				return row, s.sheetError(err)
			}
			v, err := s.value(attr(t, "t"), text, number, col)
			if err != nil {
				return row, err
			}
			if v != "" {
				for len(row.cells) < col-1 {
					row.cells = append(row.cells, "")
				}
				row.cells = append(row.cells, v)
			}
		case xml.EndElement:
			if t.Name.Local == "row" {
				return row, nil
			}
		}
	}
}

// value is a cell's text as stored: numbers as written, not as displayed
// ("1.47E+10"), shared strings looked up.
func (s *xlsxSource) value(typ, text string, row int64, col int) (string, error) {
	if typ != "s" {
		return text, nil
	}
	if strings.TrimSpace(text) == "" {
		return "", nil
	}
	i, err := strconv.Atoi(strings.TrimSpace(text))
	v, ok := s.sst.get(i)
	if err != nil || !ok {
		return "", fileErrorf("row %d, column %d of the spreadsheet refers to shared string %q, which it does not have", row, col, storable(text, 40))
	}
	return v, nil
}

func (s *xlsxSource) Progress() (float64, bool) {
	if s.all == 0 {
		return 0, false
	}
	return float64(s.row) / float64(s.all), true
}

func (s *xlsxSource) Close() error {
	return errors.Join(s.sheet.Close(), s.z.Close())
}
