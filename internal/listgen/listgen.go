// Package listgen writes synthetic contact lists for the import crash test
// and the import benchmark: three number columns, with 10% duplicate rows,
// 5% rows whose numbers are all on a DNC list and 2% rows whose numbers are
// all invalid, in a fixed pattern so the expected statistics are known.
package listgen

import (
	"archive/zip"
	"bufio"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
)

// Header is the generated file's header.
var Header = []string{"Name", "Mobile", "Home", "Office", "AccountId", "City"}

// Mapping is the upload mapping for a generated file.
const Mapping = `{"modes":{"Mobile":"Mobile","Home":"Home","Office":"Office"},"external_key":"AccountId"}`

// Kind is what a generated row should become.
type Kind int

// Row kinds.
const (
	Unique Kind = iota
	Duplicate
	DNC
	Invalid
)

// KindOf is the kind of data row i (0-based): the first hundred rows are
// unique, then each hundred has 10 duplicates, 5 DNC and 2 invalid rows.
func KindOf(i int) Kind {
	if i < 100 {
		return Unique
	}
	switch r := i % 100; {
	case r < 10:
		return Duplicate
	case r < 15:
		return DNC
	case r < 17:
		return Invalid
	}
	return Unique
}

// Expected are the statistics an import of n rows must end with.
type Expected struct {
	Processed, Uploaded, Failed, Duplicate, DNCSuppressed int64
	DNCContacts, DNCModes                                 int64
}

// Expect counts what n rows become.
func Expect(n int) Expected {
	var e Expected
	for i := range n {
		e.Processed++
		switch KindOf(i) {
		case Unique:
			e.Uploaded++
		case Duplicate:
			e.Duplicate++
		case DNC:
			e.DNCSuppressed++
			e.DNCContacts++
			e.DNCModes += 3
		case Invalid:
			e.Failed++
		}
	}
	return e
}

var areaCodes = []string{"212", "312", "469", "713", "832", "214", "972", "415", "617", "305"}

// exchanges are the central-office codes used: N11, fictional and
// special-service exchanges are not valid numbers.
var exchanges = func() []int {
	var out []int
	for e := 200; e < 1000; e++ {
		if e%100 != 11 && e != 555 && e != 950 && e != 958 && e != 959 && e != 976 {
			out = append(out, e)
		}
	}
	return out
}()

// number is the idx-th distinct valid US number, national format.
func number(idx int) string {
	area := areaCodes[idx%len(areaCodes)]
	rest := idx / len(areaCodes)
	exchange := exchanges[(rest/10000)%len(exchanges)]
	return fmt.Sprintf("(%s) %03d-%04d", area, exchange, rest%10000)
}

// Row returns data row i's cells.
func Row(i int) []string {
	src := i
	switch KindOf(i) {
	case Duplicate:
		src = i - 10 // a unique row of the previous ten
	case Invalid:
		return []string{"Invalid " + strconv.Itoa(i), "555-01" + strconv.Itoa(i%10), "12", "call me", "ACC" + strconv.Itoa(i), "Nowhere"}
	}
	return []string{"Contact " + strconv.Itoa(i), number(src * 3), number(src*3 + 1), number(src*3 + 2), "ACC" + strconv.Itoa(src), "Dallas"}
}

// DNCNumbers returns the numbers of the DNC rows among n rows, national
// format, for loading into a DNC list.
func DNCNumbers(n int) []string {
	var out []string
	for i := range n {
		if KindOf(i) == DNC {
			r := Row(i)
			out = append(out, r[1], r[2], r[3])
		}
	}
	return out
}

// WriteCSV writes n rows as CSV.
func WriteCSV(w io.Writer, n int) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Header); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for i := range n {
		if err := cw.Write(Row(i)); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes n rows as Excel writes them: every text cell is an
// index into the shared-strings table. It streams the zip entries itself,
// since building a million rows in excelize's memory model takes minutes.
func WriteXLSX(w io.Writer, n int) error {
	z := zip.NewWriter(w)
	for _, part := range xlsxParts {
		fw, err := z.Create(part.name)
		if err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
		if _, err := io.WriteString(fw, part.body); err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
	}
	cells := (n + 1) * len(Header)
	sheet, err := z.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	bw := bufio.NewWriterSize(sheet, 1<<16)
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:%s%d"/><sheetData>`,
		string(rune('A'+len(Header)-1)), n+1)
	k := 0
	for r := 0; r <= n; r++ {
		fmt.Fprintf(bw, `<row r="%d">`, r+1)
		for c := range Header {
			fmt.Fprintf(bw, `<c r="%c%d" t="s"><v>%d</v></c>`, 'A'+c, r+1, k)
			k++
		}
		bw.WriteString("</row>")
	}
	bw.WriteString("</sheetData></worksheet>")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	strs, err := z.Create("xl/sharedStrings.xml")
	if err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	bw = bufio.NewWriterSize(strs, 1<<16)
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+
		`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, cells, cells)
	for r := 0; r <= n; r++ {
		row := Header
		if r > 0 {
			row = Row(r - 1)
		}
		for _, v := range row {
			bw.WriteString("<si><t>")
			if err := xml.EscapeText(bw, []byte(v)); err != nil {
				return fmt.Errorf("write xlsx: %w", err)
			}
			bw.WriteString("</t></si>")
		}
	}
	bw.WriteString("</sst>")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	if err := z.Close(); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}

// xlsxParts are the fixed parts of a one-sheet workbook.
var xlsxParts = []struct{ name, body string }{
	{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`},
	{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
	{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
	{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
}
