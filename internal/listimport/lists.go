package listimport

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/phone"
)

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
	Status           string    `json:"status" enum:"importing,active,stopped,expired,failed" doc:"importing, active (dialed), stopped, expired (past its time to live) or failed."`
	Error            string    `json:"error,omitempty"`
	Progress         int       `json:"progress"`
	Stats            ListStats `json:"stats"`
	Upload           struct {
		Time       time.Time `json:"time"`
		Type       string    `json:"type" doc:"How the contacts came: MANUALUPLOAD (a file) or API (JSON)."`
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

// Lists are the contact lists' operations: uploads, which start their
// import workflow, and each list's view, status, contacts and rejected
// rows.
type Lists struct {
	DB *models.DB
	// Temporal starts each accepted upload's import on TaskQueue.
	Temporal  client.Client
	TaskQueue string
	// ContactWorkflows ends contacts' workflows when a list is deleted.
	ContactWorkflows ContactWorkflows
}

// Campaign returns a campaign, for its lists.
func (l *Lists) Campaign(ctx context.Context, id uint64) (*models.Campaign, error) {
	return models.Find[models.Campaign](ctx, l.DB.DB, "campaign", id)
}

// DNCList returns a DNC list, for its uploads.
func (l *Lists) DNCList(ctx context.Context, id uint64) (*models.DNCList, error) {
	return models.Find[models.DNCList](ctx, l.DB.DB, "DNC list", id)
}

// Get returns a list with its statistics.
func (l *Lists) Get(ctx context.Context, id uint64) (ListView, error) {
	list, err := models.Find[models.ContactList](ctx, l.DB.DB, "list", id)
	if err != nil {
		return ListView{}, err
	}
	return l.view(ctx, list)
}

// OfCampaign returns a page of a campaign's lists, newest first.
func (l *Lists) OfCampaign(ctx context.Context, campaignID uint64, p models.PageRequest) (models.Page[ListView], error) {
	if _, err := l.Campaign(ctx, campaignID); err != nil {
		return models.Page[ListView]{}, err
	}
	lists, err := campaignLists(ctx, l.DB, campaignID, p)
	if err != nil {
		return models.Page[ListView]{}, err
	}
	return models.MapPage(lists, func(list *models.ContactList) (ListView, error) { return l.view(ctx, list) })
}

// view shows a list with its contacts still to dial.
func (l *Lists) view(ctx context.Context, list *models.ContactList) (ListView, error) {
	var available, pending int64
	switch {
	case list.CampaignID == nil:
	case list.Status == models.ListImporting:
		// Nothing dials a list while it imports: every contact stored so
		// far is new. Counting them would read the whole list on every
		// poll of its progress, which cost a million-row import a third
		// of its PostgreSQL time.
		available, pending = list.Uploaded, list.Uploaded
	default:
		var err error
		if available, pending, err = countContacts(ctx, l.DB, list.ID); err != nil {
			return ListView{}, err
		}
	}
	return viewList(list, available, pending, time.Now()), nil
}

// SetStatus stops a list (models.ListStopped) or resumes it
// (models.ListActive); a list whose import still runs resumes importing.
func (l *Lists) SetStatus(ctx context.Context, id uint64, status string) (ListView, error) {
	list, err := models.Find[models.ContactList](ctx, l.DB.DB, "list", id)
	if err != nil {
		return ListView{}, err
	}
	if list.DNCListID != nil || list.Status == models.ListFailed {
		return ListView{}, fault.Conflictf("status", "list %d is %s and cannot be started or stopped", list.ID, list.Status)
	}
	next := status
	if status == models.ListActive && list.ImportedAt == nil {
		next = models.ListImporting // its import is still running
	}
	if err := setListStatus(ctx, l.DB, list, next); err != nil {
		return ListView{}, fmt.Errorf("set status of list %d: %w", list.ID, err)
	}
	return l.Get(ctx, id)
}

// ContactFilter picks some of a list's contacts; its zero value picks all.
type ContactFilter struct {
	// Status is one of contract.ContactStatuses, or "" for any.
	Status string
	// Q is a phone number (in any form the campaign's region reads) or an
	// external key.
	Q string
}

// Contacts returns a page of a list's contacts that f picks, in row order:
// page p, or the contacts after row afterRow when it is positive.
func (l *Lists) Contacts(ctx context.Context, listID uint64, f ContactFilter, p models.PageRequest, afterRow int64) (ContactPage, error) {
	list, err := models.Find[models.ContactList](ctx, l.DB.DB, "list", listID)
	if err != nil {
		return ContactPage{}, err
	}
	var e fault.Fields
	if f.Status != "" && !slices.Contains(contract.ContactStatuses, f.Status) {
		e.Add("status", "must be one of %s, not %q", strings.Join(contract.ContactStatuses, ", "), f.Status)
	}
	if err := e.Err("query"); err != nil {
		return ContactPage{}, err
	}
	pick := contactPick{status: f.Status, key: strings.TrimSpace(f.Q)}
	if pick.key != "" && list.CampaignID != nil {
		campaign, err := models.Find[models.Campaign](ctx, l.DB.DB, "campaign", *list.CampaignID)
		if err != nil {
			return ContactPage{}, err
		}
		pick.campaignID = campaign.ID
		if n, err := phone.Normalize(pick.key, campaign.DefaultRegion); err == nil {
			pick.number, _ = strconv.ParseInt(strings.TrimPrefix(n, "+"), 10, 64)
		}
	}
	return listContacts(ctx, l.DB, listID, pick, p, afterRow)
}

// FailedRows hands write every row of a list that was not imported, in
// row order, each as it came with its row number and why, after the
// header: the list's columns, then row and reason. The rows are read as
// write ranges over them; an error reading them ends the range.
func (l *Lists) FailedRows(ctx context.Context, listID uint64, write func(header []string, rows iter.Seq2[[]string, error]) error) error {
	list, err := models.Find[models.ContactList](ctx, l.DB.DB, "list", listID)
	if err != nil {
		return err
	}
	rejections, done, err := rejectionRows(ctx, l.DB, list.ID)
	if err != nil {
		return err
	}
	defer done()
	width := len(list.Columns)
	header := append(slices.Clone([]string(list.Columns)), "row", "reason")
	return write(header, func(yield func([]string, error) bool) {
		for r, err := range rejections {
			if err != nil {
				yield(nil, err)
				return
			}
			out := make([]string, width, width+2)
			copy(out, r.Cells)
			if len(r.Cells) > width { // extra cells beyond the header are kept too
				out = append(out[:0], r.Cells...)
			}
			if !yield(append(out, fmt.Sprint(r.RowNumber), r.Reason), nil) {
				return
			}
		}
	})
}

// Upload is a list file as the API received it, and its form.
type Upload struct {
	File      File
	Mapping   models.ListMapping
	Delimiter string
	SubType   string // NEW or APPEND
	// GlobalListID names the list an APPEND adds to.
	GlobalListID string
	Sheet        string
	// Invalid are the form's problems the API found decoding it; they are
	// reported with the upload's own.
	Invalid fault.Fields
}

// File is an uploaded file, where the API streamed it.
type File struct {
	Name string // as uploaded; "" when no file came
	Size int64
	// Keep moves the file to its list's name once the list exists, and
	// returns its path, which the workers read.
	Keep func(listID uint64) (string, error)
}

// Upload accepts a list file for a campaign: it checks the form against
// the configuration, creates the list, keeps the file and starts the
// list's import.
func (l *Lists) Upload(ctx context.Context, campaign *models.Campaign, u Upload) (ListView, error) {
	e := u.Invalid
	modes, err := loadModes(ctx, l.DB)
	if err != nil {
		return ListView{}, err
	}
	if len(u.Mapping.Modes) == 0 && len(e) == 0 {
		e.Add("mapping.modes", "must map at least one mode to a column")
	}
	for name := range u.Mapping.Modes {
		if !slices.ContainsFunc(modes, func(m models.Mode) bool { return m.Name == name }) {
			e.Add("mapping.modes", "mode %q is not configured", name)
		}
	}
	if u.SubType == "APPEND" {
		if u.GlobalListID == "" {
			e.Add("global_list_id", "is required with sub_type APPEND: it names the list to add to")
		} else if found, err := hasGlobalList(ctx, l.DB, campaign.ID, u.GlobalListID); err != nil {
			return ListView{}, err
		} else if !found {
			e.Add("global_list_id", "campaign %d has no list %q to append to", campaign.ID, u.GlobalListID)
		}
	}
	list := &models.ContactList{CampaignID: &campaign.ID, Type: "MANUALUPLOAD", SubType: u.SubType, GlobalListID: u.GlobalListID,
		Delimiter: u.Delimiter, Sheet: u.Sheet, Mapping: models.JSONValue[models.ListMapping]{V: u.Mapping},
		StartTime: time.Now(), Status: models.ListImporting}
	list.EndTime = list.StartTime.AddDate(0, 0, campaign.TimeToLiveDays)
	return l.accept(ctx, list, u.File, e)
}

// UploadDNC accepts a file of numbers for a DNC list, as Upload does.
func (l *Lists) UploadDNC(ctx context.Context, dnc *models.DNCList, u Upload) (ListView, error) {
	list := &models.ContactList{DNCListID: &dnc.ID, Type: "MANUALUPLOAD", SubType: "APPEND", Delimiter: u.Delimiter,
		Sheet: u.Sheet, Mapping: models.JSONValue[models.ListMapping]{V: u.Mapping}, StartTime: time.Now(), Status: models.ListImporting}
	list.EndTime = list.StartTime
	return l.accept(ctx, list, u.File, u.Invalid)
}

// accept checks the file, stores the list and its file and starts its
// import workflow.
func (l *Lists) accept(ctx context.Context, list *models.ContactList, f File, e fault.Fields) (ListView, error) {
	if f.Name == "" {
		e.Add("file", "is required: send the list as a multipart file field named file")
	} else if ext := strings.ToLower(filepath.Ext(f.Name)); !slices.Contains(SupportedExtensions, ext) {
		e.Add("file", "%s is not a supported file: upload .xlsx, .csv or .txt", f.Name)
	}
	if err := e.Err("upload"); err != nil {
		return ListView{}, err
	}
	list.FileName, list.FileSize = f.Name, f.Size
	if err := createList(ctx, l.DB, list); err != nil {
		return ListView{}, fmt.Errorf("create list: %w", err)
	}
	path, err := f.Keep(list.ID)
	if err == nil {
		err = setFilePath(ctx, l.DB, list, path)
	}
	if err == nil {
		_, err = l.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: contract.ImportListWorkflowID(list.ID), TaskQueue: l.TaskQueue},
			contract.ImportListWorkflow, list.ID)
	}
	if err != nil {
		// Leave no list that would wait for an import forever.
		_ = failList(ctx, l.DB, list.ID, "the upload could not be stored or started")
		return ListView{}, contract.CallError(err, "accept list %d", list.ID)
	}
	list.FilePath = path
	return l.view(ctx, list)
}

// ContactBatchResult says what became of each contact of a batch, and
// shows the list they went to.
type ContactBatchResult struct {
	List     ListView        `json:"list"`
	Contacts []ContactResult `json:"contacts"`
}

// AddContacts adds contacts sent as JSON to the campaign's API list
// listID, or to a new one when it is 0.
func (l *Lists) AddContacts(ctx context.Context, campaign *models.Campaign, listID uint64, recs []ContactRecord) (ContactBatchResult, error) {
	list, results, err := AddContacts(ctx, l.DB, campaign.ID, listID, recs)
	var fe *FileError
	switch {
	case errors.As(err, &fe):
		return ContactBatchResult{}, fault.Invalidf("contacts", "%s", fe.Msg)
	case errors.Is(err, models.ErrCheckpointMoved):
		return ContactBatchResult{}, fault.Conflictf("list_id", "another batch was added to this list at the same time; nothing of this one was stored, send it again")
	case err != nil:
		return ContactBatchResult{}, err
	}
	v, err := l.view(ctx, list)
	if err != nil {
		return ContactBatchResult{}, err
	}
	return ContactBatchResult{List: v, Contacts: results}, nil
}
