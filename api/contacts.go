package api

import (
	"encoding/csv"
	"fmt"
	"iter"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

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
}

func viewContact(c *models.Contact) ContactView {
	v := ContactView{ID: c.ID, CampaignID: c.CampaignID, ListID: c.ListID, RowNumber: c.RowNumber, ExternalKey: c.ExternalKey,
		Attributes: c.Attributes.V, Numbers: c.Numbers, TimeZone: c.TimeZone, Status: c.Status, CreatedAt: c.CreatedAt}
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
	page, err := models.MapPage(found.Page, func(m *models.Contact) (ContactView, error) { return viewContact(m), nil })
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
		name := fmt.Sprintf("list-%d-failed-rows.%s", id, format)
		c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
		if format == "csv" {
			writeCSV(c, header, rows)
			return nil
		}
		return writeXLSX(c, header, rows)
	})
	if err != nil {
		fail(c, err)
	}
}

// writeCSV streams the rows as they are read.
func writeCSV(c *gin.Context, header []string, rows iter.Seq2[[]string, error]) {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	w := csv.NewWriter(c.Writer)
	_ = w.Write(header)
	for record, err := range rows {
		if err != nil {
			c.Error(err) //nolint:errcheck // the response has started; the log gets it
			return
		}
		_ = w.Write(record)
	}
	w.Flush()
}

// writeXLSX builds the spreadsheet before answering, so a failure is
// answered as a problem.
func writeXLSX(c *gin.Context, header []string, rows iter.Seq2[[]string, error]) error {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return fmt.Errorf("write failed rows: %w", err)
	}
	n := 1
	write := func(cells []string) error {
		vals := make([]any, len(cells))
		for i, v := range cells {
			vals[i] = v
		}
		cellName, _ := excelize.CoordinatesToCellName(1, n)
		n++
		return sw.SetRow(cellName, vals)
	}
	if err := write(header); err != nil {
		return fmt.Errorf("write failed rows: %w", err)
	}
	for record, err := range rows {
		if err != nil {
			return err
		}
		if err := write(record); err != nil {
			return fmt.Errorf("write failed rows: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("write failed rows: %w", err)
	}
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Status(http.StatusOK)
	if err := f.Write(c.Writer); err != nil {
		c.Error(err) //nolint:errcheck // the response has started; the log gets it
	}
	return nil
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
