package api

import (
	"archive/zip"
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"github.com/outdial/outdial/internal/export"
	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/internal/listimport"
	"github.com/outdial/outdial/models"
)

// ContactView is a contact as the API shows it.
type ContactView struct {
	ID          uint64                 `json:"id"`
	CampaignID  uint64                 `json:"campaign_id"`
	ListID      uint64                 `json:"list_id"`
	RowNumber   int64                  `json:"row_number"`
	ExternalKey string                 `json:"external_key"`
	Attributes  map[string]string      `json:"attributes"`
	Numbers     []models.ContactNumber `json:"numbers"`
	TimeZone    string                 `json:"time_zone"`
	Status      string                 `json:"status" enum:"new,scheduled,ready,released,dialing,closed" doc:"Where the contact is: new (never dialed), scheduled, ready (due), released (to the dialer), dialing or closed."`
	CreatedAt   time.Time              `json:"created_at"`
	// WorkflowURL is the contact's workflow in the Temporal Web UI.
	WorkflowURL string `json:"workflow_url"`
}

func viewContact(c *models.Contact, links WorkflowLinks) ContactView {
	v := ContactView{ID: c.ID, CampaignID: c.CampaignID, ListID: c.ListID, RowNumber: c.RowNumber, ExternalKey: c.ExternalKey,
		Attributes: c.Attributes.V, Numbers: c.Numbers, TimeZone: c.TimeZone, Status: c.Status, CreatedAt: c.CreatedAt, WorkflowURL: links.contact(c)}
	if v.Attributes == nil {
		v.Attributes = map[string]string{}
	}
	if v.Numbers == nil {
		v.Numbers = []models.ContactNumber{}
	}
	return v
}

// ContactPage is a page of contacts, bounded by bytes as well as by count.
type ContactPage struct {
	models.Page[ContactView]
	// Truncated is set when the page stops short of per_page because its
	// contacts reached the size a page may have.
	Truncated bool `json:"truncated,omitempty"`
	// Next is the path of the contacts after this page's last, when there are.
	Next string `json:"next,omitempty"`
}

func (l *lists) contacts(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	p, err := paging(c)
	if err != nil {
		fail(c, err)
		return
	}
	var afterRow int64
	if s := c.Query("after_row"); s != "" {
		if afterRow, err = strconv.ParseInt(s, 10, 64); err != nil || afterRow < 1 {
			fail(c, fieldErrors{{Field: "after_row", Detail: fmt.Sprintf("must be a row number from 1 to %d, not %q", int64(math.MaxInt64), s)}}.problem("query"))
			return
		}
	}
	var filter listimport.ContactFilter
	if filter.Status, err = queryText(c, "status"); err != nil {
		fail(c, err)
		return
	}
	if filter.Q, err = queryText(c, "q"); err != nil {
		fail(c, err)
		return
	}
	found, err := l.lists.Contacts(c.Request.Context(), id, filter, p, afterRow)
	if err != nil {
		fail(c, err)
		return
	}
	page, err := models.MapPage(found.Page, func(m *models.Contact) (ContactView, error) { return viewContact(m, l.links), nil })
	out := ContactPage{Page: page, Truncated: found.Truncated}
	if found.More && len(page.Items) > 0 {
		next := url.Values{"after_row": {strconv.FormatInt(page.Items[len(page.Items)-1].RowNumber, 10)}, "per_page": {strconv.Itoa(p.PerPage)}}
		for name, v := range map[string]string{"status": filter.Status, "q": filter.Q} {
			if v != "" {
				next.Set(name, v)
			}
		}
		out.Next = c.Request.URL.Path + "?" + next.Encode()
	}
	reply(c, http.StatusOK, out, err)
}

// failedRows streams every rejected row as it came, with a reason column,
// in row order, as CSV or xlsx.
func (l *lists) failedRows(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	format := c.DefaultQuery("format", "csv")
	if format != "csv" && format != "xlsx" {
		var e fault.Fields
		e.Add("format", "must be csv or xlsx, not %q", format)
		fail(c, e.Err("query"))
		return
	}
	err = l.lists.FailedRows(c.Request.Context(), id, func(header []string, rows iter.Seq2[[]string, error]) error {
		sheet := export.Sheet{Name: "Failed rows", Header: header, Rows: rows}
		name := fmt.Sprintf("list-%d-failed-rows.%s", id, format)
		if format == "csv" {
			writeCSV(c, name, sheet)
			return nil
		}
		return writeXLSX(c, name, sheet)
	})
	if err != nil {
		fail(c, err)
	}
}

// spreadsheetSafe is cells with each one a spreadsheet would run as a
// formula (one starting with =, +, -, @, a tab or a carriage return)
// prefixed with a single quote, which spreadsheets show as text: a
// failed row or a contact's field is what anyone put in a file (OWASP's
// CSV injection).
func spreadsheetSafe(cells []string) []string {
	for i, v := range cells {
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			cells[i] = "'" + v
		}
	}
	return cells
}

// writeCSV streams the sheet's rows as they are read, as the file name.
func writeCSV(c *gin.Context, name string, sheet export.Sheet) {
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Content-Type", "text/csv; charset=utf-8")
	w := csv.NewWriter(c.Writer)
	_ = w.Write(spreadsheetSafe(sheet.Header))
	for record, err := range sheet.Rows {
		if err != nil {
			c.Error(err) //nolint:errcheck // the response has started; the log gets it
			return
		}
		_ = w.Write(spreadsheetSafe(record))
	}
	w.Flush()
}

// writeXLSX writes each sheet through excelize's stream writer, which
// keeps what it has written in a temporary file rather than in memory,
// and answers once all are written, so a failure is answered as a
// problem.
func writeXLSX(c *gin.Context, name string, sheets ...export.Sheet) error {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	for i, sheet := range sheets {
		if err := writeSheet(f, i, sheet); err != nil {
			return fmt.Errorf("write %s: sheet %s: %w", name, sheet.Name, err)
		}
	}
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Status(http.StatusOK)
	// excelize builds the whole zip in a buffer before it writes it: its
	// zip writer is pointed at the answer instead, so the buffer stays
	// empty and the file streams out.
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(c.Writer) })
	if err := f.Write(io.Discard); err != nil {
		c.Error(err) //nolint:errcheck // the response has started; the log gets it
	}
	return nil
}

func writeSheet(f *excelize.File, i int, sheet export.Sheet) error {
	if i == 0 {
		if err := f.SetSheetName("Sheet1", sheet.Name); err != nil {
			return err
		}
	} else if _, err := f.NewSheet(sheet.Name); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet.Name)
	if err != nil {
		return err
	}
	n := 1
	write := func(cells []string) error {
		if n > excelize.TotalRows {
			var f fault.Fields
			f.Add("format", "sheet %s has more than the %d rows a spreadsheet holds: export it as csv", sheet.Name, excelize.TotalRows)
			return f.Err("export")
		}
		vals := make([]any, len(cells))
		for i, v := range spreadsheetSafe(cells) {
			vals[i] = v
		}
		cellName, err := excelize.CoordinatesToCellName(1, n)
		if err != nil {
			return err
		}
		n++
		return sw.SetRow(cellName, vals)
	}
	if err := write(sheet.Header); err != nil {
		return err
	}
	for record, err := range sheet.Rows {
		if err != nil {
			return err
		}
		if err := write(record); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// ContactBatch is contacts sent as JSON: the API path of an import.
type ContactBatch struct {
	// ListID appends to an earlier API list of the campaign; 0 starts a new one.
	ListID   uint64         `json:"list_id"`
	Contacts []ContactInput `json:"contacts" required:"true"`
}

// ContactInput is one contact of a batch.
type ContactInput struct {
	ExternalKey string            `json:"external_key"`
	Numbers     map[string]string `json:"numbers" required:"true"` // mode name → number
	TimeZone    string            `json:"time_zone"`
	Attributes  map[string]string `json:"attributes"`
}

func (l *lists) addContacts(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	// The campaign first, as for an upload.
	campaign, err := l.lists.Campaign(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	var batch ContactBatch
	if err := decodeJSON(c.Request.Body, &batch); err != nil {
		fail(c, err)
		return
	}
	var e fault.Fields
	switch {
	case len(batch.Contacts) == 0:
		e.Add("contacts", "is empty: send at least one contact")
	case len(batch.Contacts) > 10000:
		e.Add("contacts", "holds %d contacts; send at most 10000 a request, or upload a file", len(batch.Contacts))
	}
	inputs := make([]listimport.ContactRecord, len(batch.Contacts))
	for i, ci := range batch.Contacts {
		if len(ci.Numbers) == 0 {
			e.Add(fmt.Sprintf("contacts[%d].numbers", i), "is empty: give at least one mode's number")
		}
		inputs[i] = listimport.ContactRecord{ExternalKey: ci.ExternalKey, Numbers: ci.Numbers, TimeZone: ci.TimeZone, Attributes: ci.Attributes}
	}
	if err := e.Err("contacts"); err != nil {
		fail(c, err)
		return
	}
	out, err := l.lists.AddContacts(c.Request.Context(), campaign, batch.ListID, inputs)
	reply(c, http.StatusOK, out, err)
}
