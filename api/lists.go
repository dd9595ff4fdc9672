package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/internal/listimport"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/workflows"
)

// Uploads is where uploaded files wait for their import, and their limits.
// The API and the workers must share the directory.
type Uploads struct {
	Dir    string
	Limits listimport.Limits
}

// ListView is a contact list as the API shows it: the seed's contact-list
// screen, with its statistics and upload details.
type ListView struct {
	ID               uint64    `json:"id"`
	CampaignID       *uint64   `json:"campaign_id,omitempty"`
	DNCListID        *uint64   `json:"dnc_list_id,omitempty"`
	GlobalListID     string    `json:"global_list_id"`
	StartTime        time.Time `json:"start_time"`
	EndTime          time.Time `json:"end_time"`
	RecordsAvailable int64     `json:"records_available"`
	RecordsPending   int64     `json:"records_pending"`
	Status           string    `json:"status"`
	Error            string    `json:"error,omitempty"`
	Progress         int       `json:"progress"`
	Stats            ListStats `json:"stats"`
	Upload           struct {
		Time       time.Time `json:"time"`
		Type       string    `json:"type"`
		SubType    string    `json:"sub_type"`
		ModeFailed int64     `json:"mode_failed"`
		FileName   string    `json:"file_name"`
	} `json:"upload"`
	Columns []string `json:"columns"`
}

// ListStats are an import's counters; processed = uploaded + failed +
// duplicate + dnc_suppressed.
type ListStats struct {
	Processed     int64                `json:"processed"`
	Uploaded      int64                `json:"uploaded"`
	Failed        int64                `json:"failed"`
	Duplicate     int64                `json:"duplicate"`
	DNCSuppressed int64                `json:"dnc_suppressed"`
	ModeFailed    int64                `json:"mode_failed"`
	DNC           map[string]DNCCounts `json:"dnc"`
}

// DNCCounts are one DNC category's hits, per contact and per mode.
type DNCCounts struct {
	Contacts int64 `json:"contacts"`
	Modes    int64 `json:"modes"`
}

func viewList(l *models.ContactList, available, pending int64, now time.Time) ListView {
	v := ListView{ID: l.ID, CampaignID: l.CampaignID, DNCListID: l.DNCListID, GlobalListID: l.GlobalListID,
		StartTime: l.StartTime, EndTime: l.EndTime, RecordsAvailable: available, RecordsPending: pending,
		Status: l.Status, Error: l.Error, Progress: int(l.Progress), Columns: l.Columns}
	if v.Columns == nil {
		v.Columns = []string{}
	}
	if l.ImportedAt != nil {
		v.Progress = 100
	}
	if l.CampaignID != nil && (l.Status == models.ListActive || l.Status == models.ListStopped) && now.After(l.EndTime) {
		v.Status = models.ListExpired
	}
	s := l.ListStats
	v.Stats = ListStats{Processed: s.Processed, Uploaded: s.Uploaded, Failed: s.Failed, Duplicate: s.Duplicate,
		DNCSuppressed: s.DNCSuppressed, ModeFailed: s.ModeFailed, DNC: map[string]DNCCounts{}}
	for _, c := range models.DNCCategories {
		contacts, modes := s.DNCCounts(c)
		v.Stats.DNC[c] = DNCCounts{Contacts: *contacts, Modes: *modes}
	}
	v.Upload.Time, v.Upload.Type, v.Upload.SubType, v.Upload.ModeFailed, v.Upload.FileName = l.CreatedAt, l.Type, l.SubType, s.ModeFailed, l.FileName
	return v
}

// lists serves contact lists.
type lists struct {
	db        *models.DB
	temporal  client.Client
	taskQueue string
	uploads   Uploads
}

func registerLists(r *routes, l *lists) {
	const tag = "Contact lists"
	r.handle(http.MethodPost, "/campaigns/:id/lists", op{summary: "Upload a contact list (multipart: file, mapping, delimiter, sub_type, global_list_id, sheet); the import runs in the background", tag: tag, consumes: "multipart/form-data", response: ListView{}, status: http.StatusAccepted}, l.upload)
	r.handle(http.MethodGet, "/campaigns/:id/lists", op{summary: "A campaign's contact lists, newest first", tag: tag, response: page[ListView]{}, query: []string{"page", "per_page"}}, l.listOfCampaign)
	r.handle(http.MethodGet, "/lists/:id", op{summary: "A contact list with its statistics", tag: tag, response: ListView{}}, l.get)
	r.handle(http.MethodPost, "/lists/:id/stop", op{summary: "Stop dialing a list", tag: tag, response: ListView{}}, l.setStatus(models.ListStopped))
	r.handle(http.MethodPost, "/lists/:id/start", op{summary: "Resume dialing a stopped list", tag: tag, response: ListView{}}, l.setStatus(models.ListActive))
	r.handle(http.MethodGet, "/lists/:id/contacts", op{summary: "A list's contacts", tag: tag, response: page[ContactView]{}, query: []string{"page", "per_page"}}, l.contacts)
	r.handle(http.MethodGet, "/lists/:id/failed-rows", op{summary: "Every row not imported, as it came, with a reason column", tag: tag, query: []string{"format"}, produces: "text/csv"}, l.failedRows)
	r.handle(http.MethodPost, "/dnc-lists/:id/upload", op{summary: "Upload numbers to a DNC list (multipart: file, mapping {number, expires_at}, delimiter)", tag: "Configuration", consumes: "multipart/form-data", response: ListView{}, status: http.StatusAccepted}, l.uploadDNC)
	r.handle(http.MethodPost, "/campaigns/:id/contacts", op{summary: "Add contacts as JSON, through the same checks as an upload", tag: tag, request: ContactBatch{}, response: ContactBatchResult{}}, l.addContacts)
}

func (l *lists) view(ctx context.Context, list *models.ContactList) (ListView, error) {
	var counts struct{ Available, Pending int64 }
	switch {
	case list.CampaignID == nil:
	case list.Status == models.ListImporting:
		// Nothing dials a list while it imports: every contact stored so
		// far is new. Counting them would read the whole list on every
		// poll of its progress, which cost a million-row import a third
		// of its PostgreSQL time.
		counts.Available, counts.Pending = list.Uploaded, list.Uploaded
	default:
		err := l.db.WithContext(ctx).Raw(`SELECT count(*) FILTER (WHERE status NOT IN ('closed', 'expired')) AS available,
			count(*) FILTER (WHERE status = 'new') AS pending FROM contacts WHERE list_id = ?`, list.ID).Scan(&counts).Error
		if err != nil {
			return ListView{}, fmt.Errorf("count contacts of list %d: %w", list.ID, err)
		}
	}
	return viewList(list, counts.Available, counts.Pending, time.Now()), nil
}

func (l *lists) find(c *gin.Context) (*models.ContactList, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	var list models.ContactList
	if err := l.db.WithContext(c.Request.Context()).First(&list, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, notFound("list", id)
		}
		return nil, fmt.Errorf("read list %d: %w", id, err)
	}
	return &list, nil
}

func (l *lists) get(c *gin.Context) {
	list, err := l.find(c)
	if err != nil {
		fail(c, err)
		return
	}
	v, err := l.view(c.Request.Context(), list)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

func (l *lists) listOfCampaign(c *gin.Context) {
	campaign, err := l.campaign(c)
	if err != nil {
		fail(c, err)
		return
	}
	q := l.db.WithContext(c.Request.Context()).Model(&models.ContactList{}).Where("campaign_id = ?", campaign.ID)
	listPage(c, q, "id DESC", fmt.Sprintf("lists of campaign %d", campaign.ID), func(m *models.ContactList) (ListView, error) { return l.view(c.Request.Context(), m) })
}

func (l *lists) campaign(c *gin.Context) (*models.Campaign, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	var campaign models.Campaign
	if err := l.db.WithContext(c.Request.Context()).First(&campaign, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, notFound("campaign", id)
		}
		return nil, fmt.Errorf("read campaign %d: %w", id, err)
	}
	return &campaign, nil
}

func (l *lists) setStatus(status string) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := l.find(c)
		if err != nil {
			fail(c, err)
			return
		}
		if list.DNCListID != nil || list.Status == models.ListFailed {
			fail(c, conflict("status", "list %d is %s and cannot be started or stopped", list.ID, list.Status))
			return
		}
		next := status
		if status == models.ListActive && list.ImportedAt == nil {
			next = models.ListImporting // its import is still running
		}
		if err := l.db.WithContext(c.Request.Context()).Model(list).Updates(map[string]any{"status": next, "updated_at": time.Now()}).Error; err != nil {
			fail(c, fmt.Errorf("set status of list %d: %w", list.ID, err))
			return
		}
		l.get(c)
	}
}

// uploadForm is an upload's form fields besides the file.
type uploadForm struct {
	mapping   models.ListMapping
	delimiter string
	subType   string
	global    string
	sheet     string
}

func readUploadForm(fields url.Values, dnc bool) (uploadForm, fieldErrors) {
	var f uploadForm
	var e fieldErrors
	value := func(name, def string) string {
		if v, ok := fields[name]; ok {
			return v[0]
		}
		return def
	}
	f.delimiter = value("delimiter", ",")
	switch strings.ToLower(f.delimiter) {
	case "tab", `\t`:
		f.delimiter = "\t"
	case "pipe":
		f.delimiter = "|"
	case "semicolon":
		f.delimiter = ";"
	}
	if r, size := utf8.DecodeRuneInString(f.delimiter); size != len(f.delimiter) || r == '"' || r == '\r' || r == '\n' || r == utf8.RuneError {
		e.add("delimiter", "must be one character (or tab), not %q", f.delimiter)
	}
	f.subType = strings.ToUpper(value("sub_type", "NEW"))
	if f.subType != "NEW" && f.subType != "APPEND" {
		e.add("sub_type", "must be NEW or APPEND, not %q", f.subType)
	}
	f.global = strings.TrimSpace(value("global_list_id", ""))
	f.sheet = strings.TrimSpace(value("sheet", ""))
	raw := value("mapping", "")
	switch {
	case raw == "" && !dnc:
		e.add("mapping", `is required: {"modes":{"Mobile":"Number"}}`)
	case raw != "":
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f.mapping); err != nil {
			e.add("mapping", "is not valid: %v", err)
		}
	}
	return f, e
}

// received is a multipart upload as it was read: its form fields, and its
// file, streamed into a temporary file in the upload directory that is
// renamed once the list exists, so that the file is written only once.
type received struct {
	fields url.Values
	name   string // the file's name as uploaded; "" when no file came
	size   int64
	path   string // the temporary file; "" once kept or removed
}

// maxFieldBytes bounds a form field: a mapping is a few hundred bytes.
const maxFieldBytes = 1 << 20

// receive reads the upload's parts as they stream in, refusing a body over
// the upload limit. A body that is not multipart yields no fields and no
// file, which validation reports.
func (l *lists) receive(c *gin.Context) (*received, error) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, l.uploads.Limits.MaxFileBytes+1<<20)
	r := &received{fields: url.Values{}}
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return r, nil
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return r, nil
		}
		if err == nil {
			err = r.read(part, l.uploads.Dir)
			_ = part.Close()
		}
		if err != nil {
			r.discard()
			var maxErr *http.MaxBytesError
			var pathErr *os.PathError
			switch {
			case errors.As(err, &maxErr):
				return nil, &Problem{Type: "/problems/too-large", Title: "File too large", Status: http.StatusRequestEntityTooLarge,
					Detail: fmt.Sprintf("the upload is over the limit of %d bytes", l.uploads.Limits.MaxFileBytes)}
			case errors.As(err, &pathErr):
				return nil, fmt.Errorf("store upload: %w", err)
			}
			return nil, badRequest("the upload is not a readable multipart form: %v", err)
		}
	}
}

// read takes one part: the first file named "file" goes to a temporary
// file in dir, a field is kept, and any other file is skipped.
func (r *received) read(part *multipart.Part, dir string) error {
	switch {
	case part.FileName() == "":
		v, err := io.ReadAll(io.LimitReader(part, maxFieldBytes))
		r.fields.Add(part.FormName(), string(v))
		return err
	case part.FormName() != "file" || r.path != "":
		_, err := io.Copy(io.Discard, part)
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "upload-*.part")
	if err != nil {
		return err
	}
	r.name, r.path = part.FileName(), f.Name()
	r.size, err = io.Copy(f, part)
	return errors.Join(err, f.Close())
}

// keep moves the file to its list's name and returns its absolute path.
func (r *received) keep(dir string, listID uint64) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("upload dir: %w", err)
	}
	path := filepath.Join(dir, fmt.Sprintf("list-%d%s", listID, strings.ToLower(filepath.Ext(r.name))))
	if err := os.Rename(r.path, path); err != nil {
		return "", fmt.Errorf("store upload: %w", err)
	}
	r.path = ""
	return path, nil
}

// discard removes the temporary file, unless it was kept.
func (r *received) discard() {
	if r.path != "" {
		_ = os.Remove(r.path)
		r.path = ""
	}
}

func (l *lists) upload(c *gin.Context) {
	campaign, err := l.campaign(c)
	if err != nil {
		fail(c, err)
		return
	}
	upload, err := l.receive(c)
	if err != nil {
		fail(c, err)
		return
	}
	defer upload.discard()
	form, e := readUploadForm(upload.fields, false)
	var modes []models.Mode
	if err := l.db.WithContext(c.Request.Context()).Find(&modes).Error; err != nil {
		fail(c, fmt.Errorf("load modes: %w", err))
		return
	}
	if len(form.mapping.Modes) == 0 && len(e) == 0 {
		e.add("mapping.modes", "must map at least one mode to a column")
	}
	for name := range form.mapping.Modes {
		if !slices.ContainsFunc(modes, func(m models.Mode) bool { return m.Name == name }) {
			e.add("mapping.modes", "mode %q is not configured", name)
		}
	}
	if form.subType == "APPEND" {
		var n int64
		if form.global == "" {
			e.add("global_list_id", "is required with sub_type APPEND: it names the list to add to")
		} else if err := l.db.WithContext(c.Request.Context()).Model(&models.ContactList{}).Where("campaign_id = ? AND global_list_id = ?", campaign.ID, form.global).Count(&n).Error; err != nil || n == 0 {
			e.add("global_list_id", "campaign %d has no list %q to append to", campaign.ID, form.global)
		}
	}
	list := &models.ContactList{CampaignID: &campaign.ID, Type: "MANUALUPLOAD", SubType: form.subType, GlobalListID: form.global,
		Delimiter: form.delimiter, Sheet: form.sheet, Mapping: models.JSONValue[models.ListMapping]{V: form.mapping},
		StartTime: time.Now(), Status: models.ListImporting}
	list.EndTime = list.StartTime.AddDate(0, 0, campaign.TimeToLiveDays)
	l.accept(c, list, upload, e)
}

func (l *lists) uploadDNC(c *gin.Context) {
	id, err := dncListID(c, l.db.DB)
	if err != nil {
		fail(c, err)
		return
	}
	upload, err := l.receive(c)
	if err != nil {
		fail(c, err)
		return
	}
	defer upload.discard()
	form, e := readUploadForm(upload.fields, true)
	list := &models.ContactList{DNCListID: &id, Type: "MANUALUPLOAD", SubType: "APPEND", Delimiter: form.delimiter,
		Sheet: form.sheet, Mapping: models.JSONValue[models.ListMapping]{V: form.mapping}, StartTime: time.Now(), Status: models.ListImporting}
	list.EndTime = list.StartTime
	l.accept(c, list, upload, e)
}

// accept stores the uploaded file and starts its import workflow.
func (l *lists) accept(c *gin.Context, list *models.ContactList, upload *received, e fieldErrors) {
	if upload.name == "" {
		e.add("file", "is required: send the list as a multipart file field named file")
	} else {
		ext := strings.ToLower(filepath.Ext(upload.name))
		if !slices.Contains(listimport.SupportedExtensions, ext) {
			e.add("file", "%s is not a supported file: upload .xlsx, .csv or .txt", upload.name)
		}
		if upload.size > l.uploads.Limits.MaxFileBytes {
			fail(c, &Problem{Type: "/problems/too-large", Title: "File too large", Status: http.StatusRequestEntityTooLarge,
				Detail: fmt.Sprintf("%s is %d bytes, over the limit of %d", upload.name, upload.size, l.uploads.Limits.MaxFileBytes)})
			return
		}
	}
	if p := e.problem("upload"); p != nil {
		fail(c, p)
		return
	}
	list.FileName, list.FileSize = upload.name, upload.size
	if err := l.db.WithContext(c.Request.Context()).Create(list).Error; err != nil {
		fail(c, fmt.Errorf("create list: %w", err))
		return
	}
	path, err := upload.keep(l.uploads.Dir, list.ID)
	if err == nil {
		err = l.db.WithContext(c.Request.Context()).Model(list).Update("file_path", path).Error
	}
	if err == nil {
		_, err = l.temporal.ExecuteWorkflow(c.Request.Context(), client.StartWorkflowOptions{ID: contract.ImportListWorkflowID(list.ID), TaskQueue: l.taskQueue},
			workflows.ImportList, list.ID)
	}
	if err != nil {
		// Leave no list that would wait for an import forever.
		_ = l.db.WithContext(c.Request.Context()).Model(list).Updates(map[string]any{"status": models.ListFailed, "error": "the upload could not be stored or started"}).Error
		fail(c, fmt.Errorf("accept list %d: %w", list.ID, err))
		return
	}
	list.FilePath = path
	v, err := l.view(c.Request.Context(), list)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/v1/lists/%d", list.ID))
	c.JSON(http.StatusAccepted, v)
}
