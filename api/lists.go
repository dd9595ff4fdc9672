package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"github.com/outdial/outdial/internal/listimport"
	"github.com/outdial/outdial/models"
)

// Uploads is where uploaded files wait for their import, and their limits.
// The API and the workers must share the directory.
type Uploads struct {
	Dir    string
	Limits listimport.Limits
}

// lists serves contact lists: the HTTP side of listimport.
type lists struct {
	lists   *listimport.Lists
	uploads Uploads
	links   WorkflowLinks
}

func registerLists(r *routes, l *lists) {
	const tag = "Contact lists"
	r.handle(http.MethodPost, "/campaigns/:id/lists", op{summary: "Upload a contact list; the import runs in the background", tag: tag, form: uploadForm(false), response: ListBody{}, status: http.StatusAccepted}, l.upload)
	r.handle(http.MethodGet, "/campaigns/:id/lists", op{summary: "A campaign's contact lists, newest first", tag: tag, response: models.Page[ListBody]{}, query: []string{"page", "per_page"}}, l.listOfCampaign)
	r.handle(http.MethodGet, "/lists/:id", op{summary: "A contact list with its statistics", tag: tag, response: ListBody{}}, l.get)
	r.handle(http.MethodDelete, "/lists/:id", op{summary: "Delete a failed, stopped or expired list with its contacts (their workflows end first; their attempts stay)", tag: tag, status: http.StatusNoContent}, l.delete)
	r.handle(http.MethodPost, "/lists/:id/stop", op{summary: "Stop dialing a list", tag: tag, response: ListBody{}}, l.setStatus(models.ListStopped))
	r.handle(http.MethodPost, "/lists/:id/start", op{summary: "Resume dialing a stopped list", tag: tag, response: ListBody{}}, l.setStatus(models.ListActive))
	r.handle(http.MethodGet, "/lists/:id/contacts", op{summary: "A list's contacts, in row order; a page stops short of per_page at 4 MiB (truncated) and next continues after its last row", tag: tag, response: ContactPage{}, query: []string{"status", "q", "page", "per_page", "after_row"}}, l.contacts)
	r.handle(http.MethodGet, "/lists/:id/failed-rows", op{summary: "Every row not imported, as it came, with a reason column", tag: tag, query: []string{"format"}, produces: "text/csv"}, l.failedRows)
	r.handle(http.MethodPost, "/dnc-lists/:id/upload", op{summary: "Upload numbers to a DNC list", tag: "Configuration", form: uploadForm(true), response: ListBody{}, status: http.StatusAccepted}, l.uploadDNC)
	r.handle(http.MethodPost, "/campaigns/:id/contacts", op{summary: "Add contacts as JSON, through the same checks as an upload", tag: tag, request: ContactBatch{}, response: listimport.ContactBatchResult{}}, l.addContacts)
}

// reply answers with v, or with err as a problem.
func reply(c *gin.Context, status int, v any, err error) {
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(status, v)
}

func (l *lists) get(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	v, err := l.lists.Get(c.Request.Context(), id)
	reply(c, http.StatusOK, l.links.list(v), err)
}

func (l *lists) delete(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	if err := l.lists.Delete(c.Request.Context(), id); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (l *lists) listOfCampaign(c *gin.Context) {
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
	found, err := l.lists.OfCampaign(c.Request.Context(), id, p)
	if err != nil {
		fail(c, err)
		return
	}
	out, err := models.MapPage(found, func(v *listimport.ListView) (ListBody, error) { return l.links.list(*v), nil })
	reply(c, http.StatusOK, out, err)
}

func (l *lists) setStatus(status string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := pathID(c, "id")
		if err != nil {
			fail(c, err)
			return
		}
		v, err := l.lists.SetStatus(c.Request.Context(), id, status)
		reply(c, http.StatusOK, l.links.list(v), err)
	}
}

// uploadForm describes an upload's multipart form, as readUploadForm reads it.
func uploadForm(dnc bool) *openapi3.Schema {
	described := func(s *openapi3.Schema, doc string) *openapi3.Schema { s.Description = doc; return s }
	text := func(doc string) *openapi3.Schema { return described(openapi3.NewStringSchema(), doc) }
	form := openapi3.NewObjectSchema().
		WithProperty("file", described(openapi3.NewStringSchema().WithFormat("binary"), "The file: CSV or text with a delimiter, or an xlsx workbook.")).
		WithProperty("delimiter", text(`The CSV delimiter: one character, or "tab", "pipe", "semicolon"; "," when left out.`))
	form.Required = []string{"file", "mapping"}
	if dnc {
		return form.WithProperty("mapping", text(`JSON: the column of the number and, optionally, of each entry's expiry: {"number":"Phone","expires_at":"Until"}.`))
	}
	return form.
		WithProperty("mapping", text(`JSON: each mode's number column, and optionally the columns of the time zone and external key: {"modes":{"Mobile":"Number"},"time_zone":"TZ","external_key":"Customer"}.`)).
		WithProperty("sub_type", described(openapi3.NewStringSchema().WithEnum("NEW", "APPEND"), "NEW starts a list; APPEND adds to the list global_list_id names. NEW when left out.")).
		WithProperty("global_list_id", text("The list an APPEND adds to.")).
		WithProperty("sheet", text("The sheet of an xlsx workbook to read; its first when left out."))
}

// readUploadForm reads an upload's form fields besides the file; what is
// wrong with them is in the upload's Invalid.
func readUploadForm(fields url.Values, dnc bool) listimport.Upload {
	var u listimport.Upload
	e := &u.Invalid
	value := func(name, def string) string {
		if v, ok := fields[name]; ok {
			return v[0]
		}
		return def
	}
	for name, vs := range fields {
		for _, v := range vs {
			if _, err := storableText(v, name, "upload"); err != nil {
				e.Add(name, "is not storable text: it must be valid UTF-8 without NUL bytes")
			}
		}
	}
	u.Delimiter = value("delimiter", ",")
	switch strings.ToLower(u.Delimiter) {
	case "tab", `\t`:
		u.Delimiter = "\t"
	case "pipe":
		u.Delimiter = "|"
	case "semicolon":
		u.Delimiter = ";"
	}
	if r, size := utf8.DecodeRuneInString(u.Delimiter); size != len(u.Delimiter) || r == '"' || r == '\r' || r == '\n' || r == utf8.RuneError {
		e.Add("delimiter", "must be one character (or tab), not %q", u.Delimiter)
	}
	u.SubType = strings.ToUpper(value("sub_type", "NEW"))
	if u.SubType != "NEW" && u.SubType != "APPEND" {
		e.Add("sub_type", "must be NEW or APPEND, not %q", u.SubType)
	}
	u.GlobalListID = strings.TrimSpace(value("global_list_id", ""))
	u.Sheet = strings.TrimSpace(value("sheet", ""))
	raw := value("mapping", "")
	switch {
	case raw == "" && !dnc:
		e.Add("mapping", `is required: {"modes":{"Mobile":"Number"}}`)
	case raw != "":
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&u.Mapping); err != nil {
			e.Add("mapping", "is not valid: %v", err)
		}
	}
	return u
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
				return nil, tooLarge("File too large", "the upload is over the limit of %d bytes", l.uploads.Limits.MaxFileBytes)
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
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	campaign, err := l.lists.Campaign(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	l.takeUpload(c, false, func(u listimport.Upload) (listimport.ListView, error) {
		return l.lists.Upload(c.Request.Context(), campaign, u)
	})
}

func (l *lists) uploadDNC(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	dnc, err := l.lists.DNCList(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	l.takeUpload(c, true, func(u listimport.Upload) (listimport.ListView, error) {
		return l.lists.UploadDNC(c.Request.Context(), dnc, u)
	})
}

// takeUpload reads an upload whose campaign or DNC list was found first, so
// that an upload to a missing one is refused before it is read, and hands
// it to accept, which answers with the list created.
func (l *lists) takeUpload(c *gin.Context, dnc bool, accept func(listimport.Upload) (listimport.ListView, error)) {
	upload, err := l.receive(c)
	if err != nil {
		fail(c, err)
		return
	}
	defer upload.discard()
	if upload.size > l.uploads.Limits.MaxFileBytes {
		fail(c, tooLarge("File too large", "%s is %d bytes, over the limit of %d", upload.name, upload.size, l.uploads.Limits.MaxFileBytes))
		return
	}
	u := readUploadForm(upload.fields, dnc)
	u.File = listimport.File{Name: upload.name, Size: upload.size, Keep: func(listID uint64) (string, error) { return upload.keep(l.uploads.Dir, listID) }}
	v, err := accept(u)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/v1/lists/%d", v.ID))
	c.JSON(http.StatusAccepted, l.links.list(v))
}
