package api

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

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
	Status      string                 `json:"status"`
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

func (l *lists) contacts(c *gin.Context) {
	list, err := l.find(c)
	if err != nil {
		fail(c, err)
		return
	}
	q := l.db.WithContext(c.Request.Context()).Model(&models.Contact{}).Where("list_id = ?", list.ID)
	listPage(c, q, "row_number", fmt.Sprintf("contacts of list %d", list.ID), func(m *models.Contact) (ContactView, error) { return viewContact(m), nil })
}

// failedRows streams every rejected row as it came, with a reason column,
// in row order, as CSV or xlsx.
func (l *lists) failedRows(c *gin.Context) {
	list, err := l.find(c)
	if err != nil {
		fail(c, err)
		return
	}
	format := c.DefaultQuery("format", "csv")
	if format != "csv" && format != "xlsx" {
		fail(c, fieldErrors{{Field: "format", Detail: fmt.Sprintf("must be csv or xlsx, not %q", format)}}.problem("query"))
		return
	}
	header := append(slices.Clone([]string(list.Columns)), "row", "reason")
	rows, err := l.db.WithContext(c.Request.Context()).Model(&models.Rejection{}).Where("list_id = ?", list.ID).Order("row_number").Rows()
	if err != nil {
		fail(c, fmt.Errorf("failed rows of list %d: %w", list.ID, err))
		return
	}
	defer func() { _ = rows.Close() }()
	name := fmt.Sprintf("list-%d-failed-rows.%s", list.ID, format)
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	width := len(list.Columns)
	record := func(r *models.Rejection) []string {
		out := make([]string, width, width+2)
		copy(out, r.Cells)
		if len(r.Cells) > width { // extra cells beyond the header are kept too
			out = append(out[:0], r.Cells...)
		}
		return append(out, fmt.Sprint(r.RowNumber), r.Reason)
	}
	if format == "csv" {
		c.Header("Content-Type", "text/csv; charset=utf-8")
		w := csv.NewWriter(c.Writer)
		_ = w.Write(header)
		for rows.Next() {
			var r models.Rejection
			if err := l.db.ScanRows(rows, &r); err != nil {
				c.Error(err) //nolint:errcheck // the response has started; the log gets it
				return
			}
			_ = w.Write(record(&r))
		}
		w.Flush()
		return
	}
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		fail(c, fmt.Errorf("failed rows of list %d: %w", list.ID, err))
		return
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
		fail(c, err)
		return
	}
	for rows.Next() {
		var r models.Rejection
		if err := l.db.ScanRows(rows, &r); err != nil {
			fail(c, fmt.Errorf("failed rows of list %d: %w", list.ID, err))
			return
		}
		if err := write(record(&r)); err != nil {
			fail(c, fmt.Errorf("failed rows of list %d: %w", list.ID, err))
			return
		}
	}
	if err := sw.Flush(); err != nil {
		fail(c, fmt.Errorf("failed rows of list %d: %w", list.ID, err))
		return
	}
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Status(http.StatusOK)
	if err := f.Write(c.Writer); err != nil {
		c.Error(err) //nolint:errcheck // the response has started; the log gets it
	}
}

// ContactBatch is contacts sent as JSON: the API path of an import.
type ContactBatch struct {
	// ListID appends to an earlier API list of the campaign; 0 starts a new one.
	ListID   uint64         `json:"list_id"`
	Contacts []ContactInput `json:"contacts"`
}

// ContactInput is one contact of a batch.
type ContactInput struct {
	ExternalKey string            `json:"external_key"`
	Numbers     map[string]string `json:"numbers"` // mode name → number
	TimeZone    string            `json:"time_zone"`
	Attributes  map[string]string `json:"attributes"`
}

// ContactBatchResult says what became of each contact of a batch.
type ContactBatchResult struct {
	List     ListView                   `json:"list"`
	Contacts []listimport.ContactResult `json:"contacts"`
}

func (l *lists) addContacts(c *gin.Context) {
	campaign, err := l.campaign(c)
	if err != nil {
		fail(c, err)
		return
	}
	var batch ContactBatch
	if err := decodeJSON(c.Request.Body, &batch); err != nil {
		fail(c, err)
		return
	}
	var e fieldErrors
	switch {
	case len(batch.Contacts) == 0:
		e.add("contacts", "is empty: send at least one contact")
	case len(batch.Contacts) > 10000:
		e.add("contacts", "holds %d contacts; send at most 10000 a request, or upload a file", len(batch.Contacts))
	}
	inputs := make([]listimport.ContactRecord, len(batch.Contacts))
	for i, ci := range batch.Contacts {
		if len(ci.Numbers) == 0 {
			e.add(fmt.Sprintf("contacts[%d].numbers", i), "is empty: give at least one mode's number")
		}
		inputs[i] = listimport.ContactRecord{ExternalKey: ci.ExternalKey, Numbers: ci.Numbers, TimeZone: ci.TimeZone, Attributes: ci.Attributes}
	}
	if p := e.problem("contacts"); p != nil {
		fail(c, p)
		return
	}
	list, results, err := listimport.AddContacts(c.Request.Context(), l.db, campaign.ID, batch.ListID, inputs)
	if err != nil {
		fail(c, asProblem(err))
		return
	}
	v, err := l.view(c.Request.Context(), list)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, ContactBatchResult{List: v, Contacts: results})
}

// asProblem turns an import's problem with its input into a 422.
func asProblem(err error) error {
	var fe *listimport.FileError
	if errors.As(err, &fe) {
		return &Problem{Type: "/problems/validation", Title: "Invalid contacts", Status: http.StatusUnprocessableEntity, Detail: fe.Msg}
	}
	if errors.Is(err, models.ErrCheckpointMoved) {
		return conflict("list_id", "another batch was added to this list at the same time; nothing of this one was stored, send it again")
	}
	return err
}
