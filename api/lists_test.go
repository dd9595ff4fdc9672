package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"go.temporal.io/sdk/client"

	"github.com/outdial/outdial/activities"
	"github.com/outdial/outdial/api"
	"github.com/outdial/outdial/internal/listimport"
	"github.com/outdial/outdial/internal/services"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/worker"
)

// importHarness is an API with a worker on the test Temporal server, and
// small limits so that limit tests stay small; configure changes the
// worker's importer.
func newImportHarness(t *testing.T, configure ...func(*listimport.Importer)) *harness {
	db := testenv.DB(t)
	tc := testenv.Temporal(t)
	queue := testenv.TaskQueue(t)
	limits := listimport.Limits{MaxFileBytes: 5 << 20, MaxUnzippedBytes: 50 << 20}
	imports := listimport.New(db)
	imports.Limits = limits
	imports.BatchRows = 4 // several batches even for small files
	for _, c := range configure {
		c(imports)
	}
	w := worker.New(tc, worker.Config{TaskQueue: queue}, worker.NewActivities(services.New(db, tc, queue), &activities.Import{Lists: imports}))
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	return newHarnessWith(t, db, tc, queue, limits)
}

// newHarnessWith is an API on db that starts workflows on queue.
func newHarnessWith(t *testing.T, db *models.DB, tc client.Client, queue string, limits ...listimport.Limits) *harness {
	l := listimport.DefaultLimits
	if len(limits) > 0 {
		l = limits[0]
	}
	uploads := t.TempDir()
	s := &api.Server{Keyless: &models.APIKey{Name: "test", Role: models.RoleAdmin}, Services: services.New(db, tc, queue), Log: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		Uploads: api.Uploads{Dir: uploads, Limits: l}}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &harness{t: t, srv: srv, db: db, uploads: uploads}
}

func loadDemo(h *harness) error { return api.LoadDemo(context.Background(), h.srv.URL) }

// upload posts a file with form fields and returns the status and answer.
func (h *harness) upload(path, name string, content []byte, fields map[string]string) (int, map[string]any) {
	h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		require.NoError(h.t, mw.WriteField(k, v))
	}
	if name != "" {
		fw, err := mw.CreateFormFile("file", name)
		require.NoError(h.t, err)
		_, err = fw.Write(content)
		require.NoError(h.t, err)
	}
	require.NoError(h.t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+path, &body)
	require.NoError(h.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := h.srv.Client().Do(req)
	require.NoError(h.t, err)
	defer func() { _ = resp.Body.Close() }()
	var out map[string]any
	require.NoError(h.t, jsonDecode(resp.Body, &out))
	return resp.StatusCode, out
}

// waitList waits until the list's import has ended and returns the list.
func (h *harness) waitList(id uint64) map[string]any {
	h.t.Helper()
	var list map[string]any
	require.Eventually(h.t, func() bool {
		_, list = h.call(http.MethodGet, fmt.Sprintf("/api/v1/lists/%d", id), nil)
		return list["status"] != "importing"
	}, 60*time.Second, 100*time.Millisecond, "list %d never finished importing", id)
	return list
}

// importCampaign creates the configuration an import is checked against:
// modes Mobile and Home, a global NDNC list, a litigation list of the
// campaign's own and a corporate list of another campaign's.
func (h *harness) importCampaign() uint64 {
	h.create("/api/v1/modes", map[string]any{"name": "Mobile", "min_length": 8, "max_length": 16})
	h.create("/api/v1/modes", map[string]any{"name": "Home", "min_length": 8, "max_length": 16})
	zone := h.create("/api/v1/timezones", map[string]any{"display_name": "(UTC-05:00) Eastern Time (US and Canada)"})
	h.create("/api/v1/dnc-lists", map[string]any{"name": "National", "category": "ndnc", "entries": []any{
		map[string]any{"number": "214-334-5678"},
		map[string]any{"number": "713-334-5698", "expires_at": "2020-01-01T00:00:00Z"}}})
	litigation := h.create("/api/v1/dnc-lists", map[string]any{"name": "Litigators", "category": "litigation", "scope": "campaign",
		"entries": []any{map[string]any{"number": "713-334-5699"}}})
	h.create("/api/v1/dnc-lists", map[string]any{"name": "Other campaign's", "category": "corporate", "scope": "campaign",
		"entries": []any{map[string]any{"number": "713-334-5670"}}})
	return h.create("/api/v1/campaigns", map[string]any{"name": "kris_progressive", "pacing_mode": "preview", "time_zone_id": zone,
		"time_to_live_days": 365, "dnc_list_ids": []any{litigation}})
}

var listHeader = []string{"Name", "Number", "HomeNumber", "ZoneName", "AccountId", "Note"}

// listRows are the data rows every import test uploads; row 3 is blank.
// The comment on each says what becomes of it.
var listRows = [][]string{
	{"Ann", "(469) 562-2405", "", "(UTC-06:00) Central Time (US and Canada)", "A1", "vip"}, // 2 uploaded, Central
	{"", "", "", "", "", ""},                                                // 3 blank: not processed
	{"Bob", "14695622406", "212-736-5000", "", "A2", ""},                    // 4 uploaded, two numbers
	{"Cat", "555-0100", "", "", "A3", ""},                                   // 5 failed: invalid number
	{"Dan", "", "", "", "A4", ""},                                           // 6 failed: no number
	{"Eve", "(469) 562-2405", "", "", "A5", ""},                             // 7 duplicate of row 2
	{"Fay", "214-334-5678", "", "", "A6", ""},                               // 8 DNC (ndnc), suppressed
	{"Gus", "214-334-5678", "972-334-5678", "", "A7", ""},                   // 9 uploaded; its Mobile is on DNC
	{"Hal", "12", "+44 20 7946 0958", "", "A8", ""},                         // 10 uploaded; Mobile failed; London
	{"Ivy", "4695550000", "", "Mars/Base", "A9", ""},                        // 11 failed: unknown zone
	{"Jo", "312-334-5678", "", "", "A2", ""},                                // 12 duplicate external key of row 4
	{"Kim", "713-334-5670", "", "America/New_York", "A10", "note", "EXTRA"}, // 13 uploaded: other campaign's DNC does not apply; a Houston number declared in New York
	{"Lee", "713-334-5671"},                                                 // 14 uploaded: missing columns
	{"Max", "713-334-5699", "", "", "A11", ""},                              // 15 DNC (litigation, campaign's own)
	{"Ned", "312-334-0000", "", "", "A12", ""},                              // 16 duplicate of the earlier API list
	{"Zoë Ølsen", "832-334-5678", "", "", "A13", "café"},                    // 17 uploaded, non-ASCII kept
	{"Old", "713-334-5698", "", "", "A14", ""},                              // 18 uploaded: its DNC entry expired
}

func csvFile(t *testing.T, bom bool) []byte {
	var b bytes.Buffer
	if bom {
		b.WriteString("\ufeff")
	}
	w := csv.NewWriter(&b)
	require.NoError(t, w.Write(listHeader))
	require.NoError(t, w.WriteAll(listRows))
	return b.Bytes()
}

// xlsxFile writes the rows as Excel does, with a shared-strings table, and
// numbers stored as numbers where they look like one.
func xlsxFile(t *testing.T) []byte {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	set := func(row int, cells []string) {
		for i, v := range cells {
			if v == "" {
				continue
			}
			name, err := excelize.CoordinatesToCellName(i+1, row)
			require.NoError(t, err)
			var n int64
			if _, err := fmt.Sscanf(v, "%d", &n); err == nil && fmt.Sprint(n) == v {
				require.NoError(t, f.SetCellInt(sheet1, name, n))
			} else {
				require.NoError(t, f.SetCellStr(sheet1, name, v))
			}
		}
	}
	set(1, listHeader)
	for i, r := range listRows {
		set(i+2, r)
	}
	var b bytes.Buffer
	require.NoError(t, f.Write(&b))
	return b.Bytes()
}

const sheet1 = "Sheet1"

var listMapping = `{"modes":{"Mobile":"Number","Home":"HomeNumber"},"time_zone":"ZoneName","external_key":"AccountId"}`

// TestImportStatistics imports the same rows as CSV and as xlsx, with the
// DNC entries held in memory and, as for a campaign with too many of them,
// looked up in PostgreSQL.
func TestImportStatistics(t *testing.T) {
	for _, c := range []struct {
		name        string
		dncInMemory int
	}{{"dnc in memory", listimport.DefaultDNCInMemory}, {"too many dnc entries to hold", 1}} {
		t.Run(c.name, func(t *testing.T) {
			h := newImportHarness(t, func(im *listimport.Importer) { im.DNCInMemory = c.dncInMemory })
			campaign := h.importCampaign()
			// An earlier list of the campaign, through the JSON path.
			status, out := h.call(http.MethodPost, fmt.Sprintf("/api/v1/campaigns/%d/contacts", campaign), map[string]any{"contacts": []any{
				map[string]any{"external_key": "X1", "numbers": map[string]any{"Mobile": "312-334-0000"}},
			}})
			require.Equal(t, http.StatusOK, status, "%v", out)

			files := []struct{ name, format string }{{"outbound1.csv", "csv"}, {"outbound1.xlsx", "xlsx"}}
			for i, f := range files {
				t.Run(f.format, func(t *testing.T) {
					content := csvFile(t, true)
					if f.format == "xlsx" {
						content = xlsxFile(t)
					}
					if i > 0 {
						// The first list now holds these numbers; stop it so that they are not duplicates.
						first := h.firstList(campaign, "outbound1.csv")
						status, _ := h.call(http.MethodPost, fmt.Sprintf("/api/v1/lists/%d/stop", first), nil)
						require.Equal(t, http.StatusOK, status)
					}
					status, accepted := h.upload(fmt.Sprintf("/api/v1/campaigns/%d/lists", campaign), f.name, content, map[string]string{"mapping": listMapping})
					require.Equal(t, http.StatusAccepted, status, "%v", accepted)
					id := uint64(accepted["id"].(float64))
					list := h.waitList(id)
					require.Equal(t, "active", list["status"], "%v", list)
					require.Equal(t, 100.0, list["progress"])
					require.Equal(t, map[string]any{
						"processed": 16.0, "uploaded": 8.0, "failed": 3.0, "duplicate": 3.0, "dnc_suppressed": 2.0, "mode_failed": 1.0,
						"dnc": map[string]any{
							"ndnc":       map[string]any{"contacts": 2.0, "modes": 2.0},
							"corporate":  map[string]any{"contacts": 0.0, "modes": 0.0},
							"compliance": map[string]any{"contacts": 0.0, "modes": 0.0},
							"litigation": map[string]any{"contacts": 1.0, "modes": 1.0},
						},
					}, list["stats"])
					require.Equal(t, 8.0, list["records_available"])
					require.Equal(t, 8.0, list["records_pending"])
					upload := list["upload"].(map[string]any)
					require.Equal(t, "MANUALUPLOAD", upload["type"])
					require.Equal(t, "NEW", upload["sub_type"])
					require.Equal(t, f.name, upload["file_name"])
					require.Equal(t, 1.0, upload["mode_failed"])
					start, err := time.Parse(time.RFC3339Nano, list["start_time"].(string))
					require.NoError(t, err)
					end, err := time.Parse(time.RFC3339Nano, list["end_time"].(string))
					require.NoError(t, err)
					require.Equal(t, start.AddDate(0, 0, 365), end)

					h.checkContacts(id)
					h.checkFailedRows(id)
				})
			}
		})
	}
}

func (h *harness) firstList(campaign uint64, fileName string) uint64 {
	_, lists := h.call(http.MethodGet, fmt.Sprintf("/api/v1/campaigns/%d/lists", campaign), nil)
	for _, l := range lists["items"].([]any) {
		m := l.(map[string]any)
		if m["upload"].(map[string]any)["file_name"] == fileName {
			return uint64(m["id"].(float64))
		}
	}
	h.t.Fatalf("no list %s", fileName)
	return 0
}

func (h *harness) checkContacts(list uint64) {
	t := h.t
	status, out := h.call(http.MethodGet, fmt.Sprintf("/api/v1/lists/%d/contacts?per_page=100", list), nil)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, 8.0, out["total"])
	byName := map[string]map[string]any{}
	for _, c := range out["items"].([]any) {
		m := c.(map[string]any)
		byName[m["attributes"].(map[string]any)["Name"].(string)] = m
	}
	require.ElementsMatch(t, []string{"Ann", "Bob", "Gus", "Hal", "Kim", "Lee", "Zoë Ølsen", "Old"}, keys(byName))
	ann := byName["Ann"]
	require.Equal(t, "A1", ann["external_key"])
	require.Equal(t, "America/Chicago", ann["time_zone"])
	require.Equal(t, map[string]any{"Name": "Ann", "Note": "vip"}, ann["attributes"])
	require.Equal(t, []any{map[string]any{"mode": "Mobile", "number": "+14695622405", "time_zone": "America/Chicago"}}, ann["numbers"])
	require.Equal(t, "new", ann["status"])
	require.Equal(t, 2.0, ann["row_number"])
	// Bob's zone comes from his first number; each number keeps its own.
	require.Equal(t, "America/Chicago", byName["Bob"]["time_zone"])
	require.Equal(t, []any{
		map[string]any{"mode": "Mobile", "number": "+14695622406", "time_zone": "America/Chicago"},
		map[string]any{"mode": "Home", "number": "+12127365000", "time_zone": "America/New_York"},
	}, byName["Bob"]["numbers"])
	// Gus keeps only the number that is not on a DNC list.
	require.Equal(t, []any{map[string]any{"mode": "Home", "number": "+19723345678", "time_zone": "America/Chicago"}}, byName["Gus"]["numbers"])
	require.Equal(t, "Europe/London", byName["Hal"]["time_zone"])
	// Kim's list declares New York; her Houston number keeps its own zone
	// and names the declared one: both windows apply to it.
	require.Equal(t, "America/New_York", byName["Kim"]["time_zone"])
	require.Equal(t, []any{map[string]any{"mode": "Mobile", "number": "+17133345670", "time_zone": "America/Chicago", "declared_zone": "America/New_York"}},
		byName["Kim"]["numbers"])
	require.Equal(t, map[string]any{"Name": "Zoë Ølsen", "Note": "café"}, byName["Zoë Ølsen"]["attributes"])
	require.Equal(t, "", byName["Lee"]["external_key"])
}

// failedReasons downloads a list's failed rows of listRows as CSV and
// returns their reasons by row number.
func (h *harness) failedReasons(list uint64) map[string]string {
	t := h.t
	status, raw := h.raw(http.MethodGet, fmt.Sprintf("/api/v1/lists/%d/failed-rows?format=csv", list), nil)
	require.Equal(t, http.StatusOK, status, "%s", raw)
	records, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	require.NoError(t, err)
	require.Equal(t, append(append([]string{}, listHeader...), "row", "reason"), records[0])
	reasons := map[string]string{}
	for _, r := range records[1:] {
		reasons[r[len(r)-2]] = r[len(r)-1]
		require.Equal(t, listRows[atoi(t, r[len(r)-2])-2][0], r[0], "row %s is shown as it came", r[len(r)-2])
	}
	return reasons
}

func (h *harness) checkFailedRows(list uint64) {
	t := h.t
	reasons := h.failedReasons(list)
	require.Len(t, reasons, 8)
	require.Contains(t, reasons["5"], `"555-0100" is not a valid number`)
	require.Contains(t, reasons["6"], "no number in any mapped column")
	require.Equal(t, "number +14695622405 is already row 2", reasons["7"])
	require.Contains(t, reasons["8"], "every number is on a DNC list: Mobile +12143345678 (ndnc)")
	require.Equal(t, `time zone "Mars/Base" is not a known zone`, reasons["11"])
	require.Equal(t, "external key A2 is already row 4", reasons["12"])
	require.Contains(t, reasons["15"], "(litigation)")
	require.Regexp(t, `^number \+13123340000 is already contact \d+ of list \d+$`, reasons["16"])

	status, raw := h.raw(http.MethodGet, fmt.Sprintf("/api/v1/lists/%d/failed-rows?format=xlsx", list), nil)
	require.Equal(t, http.StatusOK, status)
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	require.NoError(t, err)
	rows, err := f.GetRows("Failed rows")
	require.NoError(t, err)
	require.Len(t, rows, 9)
	require.Equal(t, "reason", rows[0][len(rows[0])-1])
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func atoi(t *testing.T, s string) int {
	var n int
	_, err := fmt.Sscanf(s, "%d", &n)
	require.NoError(t, err)
	return n
}

func jsonDecode(r io.Reader, v any) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	return json.Unmarshal(b, v)
}

// zipBomb is an xlsx-named zip whose one entry expands to n zero bytes.
func zipBomb(t *testing.T, n int) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	w, err := z.Create("xl/worksheets/sheet1.xml")
	require.NoError(t, err)
	zeros := make([]byte, 1<<20)
	for range n >> 20 {
		_, err := w.Write(zeros)
		require.NoError(t, err)
	}
	require.NoError(t, z.Close())
	return b.Bytes()
}

// wideXLSX is a spreadsheet whose one row has n columns.
func wideXLSX(t *testing.T, n int) []byte {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	row := make([]any, n)
	for i := range row {
		row[i] = i
	}
	require.NoError(t, f.SetSheetRow(sheet1, "A1", &row))
	var b bytes.Buffer
	require.NoError(t, f.Write(&b))
	return b.Bytes()
}

// zipOf is a zip of one small part.
func zipOf(t *testing.T, name string) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	w, err := z.Create(name)
	require.NoError(t, err)
	_, err = w.Write([]byte("<document/>"))
	require.NoError(t, err)
	require.NoError(t, z.Close())
	return b.Bytes()
}

// requireNoUploads checks that no list's file is left in the upload
// directory: each is removed once its import has ended.
func (h *harness) requireNoUploads() {
	h.t.Helper()
	left, err := filepath.Glob(filepath.Join(h.uploads, "*"))
	require.NoError(h.t, err)
	require.Empty(h.t, left, "an upload is removed once its import has ended")
}

// TestImportBadFiles checks each bad file gets a clear error, on the
// request when it is refused there, else on the list.
func TestImportBadFiles(t *testing.T) {
	h := newImportHarness(t)
	campaign := h.importCampaign()
	path := fmt.Sprintf("/api/v1/campaigns/%d/lists", campaign)
	mapping := map[string]string{"mapping": listMapping}

	onList := []struct {
		name, file string
		content    []byte
		fields     map[string]string
		want       string
	}{
		{"not a spreadsheet", "list.xlsx", []byte("Name,Number\nAnn,4695622405\n"), mapping, "not an xlsx spreadsheet (not a zip archive)"},
		{"xlsx named csv", "list.csv", xlsxFile(t), mapping, "is a zip archive (an xlsx?)"},
		{"binary", "list.txt", []byte("\x00\x01\x02binary"), mapping, "not text"},
		{"empty", "list.csv", []byte{}, mapping, "is empty"},
		{"header only", "list.csv", []byte("Name,Number,HomeNumber,ZoneName,AccountId\n"), mapping, "has a header but no data rows"},
		{"no mapped number column", "list.csv", []byte("Name,Phone\nAnn,4695622405\n"), mapping, `mapped columns are not in the file's header: "HomeNumber" (mode Home), "Number" (mode Mobile); the header has: Name, Phone`},
		{"zip bomb", "list.xlsx", zipBomb(t, 60<<20), mapping, "over the limit of 52428800 (a zip bomb?)"},
		{"no such sheet", "list.xlsx", xlsxFile(t), map[string]string{"mapping": listMapping, "sheet": "Contacts"}, `has no sheet "Contacts" (sheets: Sheet1)`},
		{"10,000 columns", "wide.xlsx", wideXLSX(t, 10_000), mapping, "row 1 has a cell in column 1001, over the limit of 1000 columns"},
		{"a 5 MB cell", "cell.csv", []byte("Number,Note\n4695622405," + strings.Repeat("x", 5_000_000) + "\n"), map[string]string{"mapping": `{"modes":{"Mobile":"Number"}}`}, "row 2 is longer than the limit of 1048576 bytes"},
		{"a zip that is no spreadsheet", "list.xlsx", zipOf(t, "word/document.xml"), mapping, "is a zip archive but not an xlsx spreadsheet"},
	}
	for _, c := range onList {
		t.Run(c.name, func(t *testing.T) {
			status, accepted := h.upload(path, c.file, c.content, c.fields)
			require.Equal(t, http.StatusAccepted, status, "%v", accepted)
			list := h.waitList(uint64(accepted["id"].(float64)))
			require.Equal(t, "failed", list["status"])
			require.Contains(t, list["error"], c.want)
			require.Equal(t, 0.0, list["stats"].(map[string]any)["processed"])
			h.requireNoUploads()
		})
	}

	refused := []struct {
		name, file string
		content    []byte
		fields     map[string]string
		status     int
		field      string
	}{
		{"over the size limit", "big.csv", bytes.Repeat([]byte("4695622405\n"), 600_000), mapping, http.StatusRequestEntityTooLarge, ""},
		{"unsupported type", "list.pdf", []byte("%PDF"), mapping, 422, "file"},
		{"no file", "", nil, mapping, 422, "file"},
		{"no mapping", "list.csv", csvFile(t, false), nil, 422, "mapping"},
		{"bad mapping", "list.csv", csvFile(t, false), map[string]string{"mapping": `{"modes":`}, 422, "mapping"},
		{"unknown mode", "list.csv", csvFile(t, false), map[string]string{"mapping": `{"modes":{"Pager":"Number"}}`}, 422, "mapping.modes"},
		{"bad delimiter", "list.csv", csvFile(t, false), map[string]string{"mapping": listMapping, "delimiter": ";;"}, 422, "delimiter"},
		{"bad sub type", "list.csv", csvFile(t, false), map[string]string{"mapping": listMapping, "sub_type": "MERGE"}, 422, "sub_type"},
		{"append to nothing", "list.csv", csvFile(t, false), map[string]string{"mapping": listMapping, "sub_type": "APPEND", "global_list_id": "G9"}, 422, "global_list_id"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			var before int64
			require.NoError(t, h.db.Table("contact_lists").Count(&before).Error)
			status, out := h.upload(path, c.file, c.content, c.fields)
			requireProblem(t, status, out, c.status, c.field)
			var after int64
			require.NoError(t, h.db.Table("contact_lists").Count(&after).Error)
			require.Equal(t, before, after)
			left, err := filepath.Glob(filepath.Join(h.uploads, "*.part"))
			require.NoError(t, err)
			require.Empty(t, left, "a refused upload leaves no file behind")
		})
	}
}

// TestImportDelimiters reads tab-separated text and Windows-1252 text.
func TestImportDelimiters(t *testing.T) {
	h := newImportHarness(t)
	campaign := h.importCampaign()
	path := fmt.Sprintf("/api/v1/campaigns/%d/lists", campaign)
	tsv := "Name\tNumber\nAnn\t469 562 2405\n"
	status, accepted := h.upload(path, "list.txt", []byte(tsv), map[string]string{"mapping": `{"modes":{"Mobile":"Number"}}`, "delimiter": "tab"})
	require.Equal(t, http.StatusAccepted, status, "%v", accepted)
	list := h.waitList(uint64(accepted["id"].(float64)))
	require.Equal(t, 1.0, list["stats"].(map[string]any)["uploaded"], "%v", list)

	latin1 := []byte("Name;Number\nJos\xe9;214 334 0001\n") // José in Windows-1252
	status, accepted = h.upload(path, "list.csv", latin1, map[string]string{"mapping": `{"modes":{"Mobile":"Number"}}`, "delimiter": ";"})
	require.Equal(t, http.StatusAccepted, status, "%v", accepted)
	id := uint64(accepted["id"].(float64))
	list = h.waitList(id)
	require.Equal(t, 1.0, list["stats"].(map[string]any)["uploaded"], "%v", list)
	_, contacts := h.call(http.MethodGet, fmt.Sprintf("/api/v1/lists/%d/contacts", id), nil)
	require.Equal(t, "José", contacts["items"].([]any)[0].(map[string]any)["attributes"].(map[string]any)["Name"])
}

func TestListStopStart(t *testing.T) {
	h := newImportHarness(t)
	campaign := h.importCampaign()
	status, accepted := h.upload(fmt.Sprintf("/api/v1/campaigns/%d/lists", campaign), "l.csv", csvFile(t, false), map[string]string{"mapping": listMapping, "global_list_id": "G1"})
	require.Equal(t, http.StatusAccepted, status, "%v", accepted)
	id := uint64(accepted["id"].(float64))
	list := h.waitList(id)
	// The campaign's only list: the import finds its repeats in memory, the
	// key of row 12 by its hash, three batches after row 4.
	require.Equal(t, 2.0, list["stats"].(map[string]any)["duplicate"], "%v", list)
	reasons := h.failedReasons(id)
	require.Equal(t, "number +14695622405 is already row 2", reasons["7"])
	require.Equal(t, "external key A2 is already row 4", reasons["12"])
	status, out := h.call(http.MethodPost, fmt.Sprintf("/api/v1/lists/%d/stop", id), nil)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "stopped", out["status"])
	status, out = h.call(http.MethodPost, fmt.Sprintf("/api/v1/lists/%d/start", id), nil)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "active", out["status"])

	// APPEND adds a list under the same global list ID; its rows repeat the first list's.
	status, accepted = h.upload(fmt.Sprintf("/api/v1/campaigns/%d/lists", campaign), "l2.csv", csvFile(t, false), map[string]string{"mapping": listMapping, "sub_type": "APPEND", "global_list_id": "G1"})
	require.Equal(t, http.StatusAccepted, status, "%v", accepted)
	list = h.waitList(uint64(accepted["id"].(float64)))
	require.Equal(t, "APPEND", list["upload"].(map[string]any)["sub_type"])
	require.Equal(t, "G1", list["global_list_id"])
	stats := list["stats"].(map[string]any)
	require.Equal(t, 0.0, stats["uploaded"])
	require.Equal(t, 11.0, stats["duplicate"], "%v", stats) // every row that was uploaded or a duplicate before

	// While a list imports, its records are its statistics' uploaded
	// contacts, not a count of its rows on every poll.
	require.NoError(t, h.db.Exec("UPDATE contact_lists SET status = 'importing', uploaded = 1000 WHERE id = ?", id).Error)
	_, out = h.call(http.MethodGet, fmt.Sprintf("/api/v1/lists/%d", id), nil)
	require.Equal(t, []any{1000.0, 1000.0}, []any{out["records_available"], out["records_pending"]}, "%v", out)
	require.NoError(t, h.db.Exec("UPDATE contact_lists SET status = 'active' WHERE id = ?", id).Error)

	// An expired list is shown as expired.
	require.NoError(t, h.db.Exec("UPDATE contact_lists SET end_time = now() - interval '1 minute' WHERE id = ?", id).Error)
	_, out = h.call(http.MethodGet, fmt.Sprintf("/api/v1/lists/%d", id), nil)
	require.Equal(t, "expired", out["status"])
}

func TestDNCUpload(t *testing.T) {
	h := newImportHarness(t)
	dnc := h.create("/api/v1/dnc-lists", map[string]any{"name": "Corporate", "category": "corporate", "entries": []any{map[string]any{"number": "214-334-0001"}}})
	file := "Phone,Until\n214-334-0001,\n214 334 0002,2030-01-01\n2143340002,\nnot a number,\n214-334-0003,someday\n"
	status, accepted := h.upload(fmt.Sprintf("/api/v1/dnc-lists/%d/upload", dnc), "dnc.csv", []byte(file), map[string]string{"mapping": `{"number":"Phone","expires_at":"Until"}`})
	require.Equal(t, http.StatusAccepted, status, "%v", accepted)
	list := h.waitList(uint64(accepted["id"].(float64)))
	stats := list["stats"].(map[string]any)
	require.Equal(t, 5.0, stats["processed"])
	require.Equal(t, 1.0, stats["uploaded"])
	require.Equal(t, 2.0, stats["duplicate"])
	require.Equal(t, 2.0, stats["failed"])
	_, out := h.call(http.MethodGet, fmt.Sprintf("/api/v1/dnc-lists/%d/entries", dnc), nil)
	require.Equal(t, 2.0, out["total"])
	entry := out["items"].([]any)[1].(map[string]any)
	require.Equal(t, "+12143340002", entry["number"])
	require.True(t, strings.HasPrefix(entry["expires_at"].(string), "2030-01-01T23:59:59"), "%v", entry)
}

func TestAddContactsJSON(t *testing.T) {
	h := newImportHarness(t)
	campaign := h.importCampaign()
	path := fmt.Sprintf("/api/v1/campaigns/%d/contacts", campaign)
	status, out := h.call(http.MethodPost, path, map[string]any{"contacts": []any{
		map[string]any{"external_key": "K1", "numbers": map[string]any{"Mobile": "469-562-2405", "Home": "12"}, "attributes": map[string]any{"Name": "Ann"}},
		map[string]any{"external_key": "K2", "numbers": map[string]any{"Mobile": "214-334-5678"}},
		map[string]any{"external_key": "K3", "numbers": map[string]any{"Mobile": "469-562-2405"}},
		map[string]any{"external_key": "K4", "numbers": map[string]any{"Mobile": "nope"}, "time_zone": "America/Denver"},
	}})
	require.Equal(t, http.StatusOK, status, "%v", out)
	results := out["contacts"].([]any)
	require.Len(t, results, 4)
	statuses := make([]any, len(results))
	for i, r := range results {
		statuses[i] = r.(map[string]any)["status"]
	}
	require.Equal(t, []any{"uploaded", "dnc", "duplicate", "failed"}, statuses)
	require.NotZero(t, results[0].(map[string]any)["contact_id"])
	list := out["list"].(map[string]any)
	require.Equal(t, "API", list["upload"].(map[string]any)["type"])
	require.Equal(t, 1.0, list["stats"].(map[string]any)["mode_failed"])
	listID := list["id"]

	// A second batch appends to the same list, with row numbers after the first.
	status, out = h.call(http.MethodPost, path, map[string]any{"list_id": listID, "contacts": []any{
		map[string]any{"numbers": map[string]any{"Mobile": "832-334-0001"}}}})
	require.Equal(t, http.StatusOK, status, "%v", out)
	require.Equal(t, 5.0, out["list"].(map[string]any)["stats"].(map[string]any)["processed"])

	status, out = h.call(http.MethodPost, path, map[string]any{"contacts": []any{map[string]any{"numbers": map[string]any{"Pager": "832-334-0001"}}}})
	requireProblem(t, status, out, http.StatusUnprocessableEntity, "")
	status, out = h.call(http.MethodPost, path, map[string]any{"contacts": []any{}})
	requireProblem(t, status, out, http.StatusUnprocessableEntity, "contacts")
	status, out = h.call(http.MethodPost, path, map[string]any{"contacts": []any{map[string]any{"external_key": "x"}}})
	requireProblem(t, status, out, http.StatusUnprocessableEntity, "contacts[0].numbers")
}

// TestUploadsEndWithTheirImport: a list's file is removed once its import
// has ended, imported or failed, and a file name that climbs out of the
// upload directory writes nothing outside it.
func TestUploadsEndWithTheirImport(t *testing.T) {
	h := newImportHarness(t)
	campaign := h.importCampaign()
	path := fmt.Sprintf("/api/v1/campaigns/%d/lists", campaign)
	outside := filepath.Dir(h.uploads)
	for _, c := range []struct {
		name, status string
		content      []byte
	}{
		{"../../escape.csv", "active", csvFile(t, false)},
		{`..\..\escape.csv`, "active", []byte("Number\n4695622409\n")},
		{"../bad.csv", "failed", []byte("Number\n")},
	} {
		status, accepted := h.upload(path, c.name, c.content, map[string]string{"mapping": `{"modes":{"Mobile":"Number"}}`})
		require.Equal(t, http.StatusAccepted, status, "%v", accepted)
		list := h.waitList(uint64(accepted["id"].(float64)))
		require.Equal(t, c.status, list["status"], "%v", list["error"])
		h.requireNoUploads()
		for _, name := range []string{"escape.csv", "bad.csv"} {
			require.NoFileExists(t, filepath.Join(outside, name))
			require.NoFileExists(t, filepath.Join(filepath.Dir(outside), name))
		}
	}
}

// TestFailedRowsDoNotRunInASpreadsheet: a cell a spreadsheet would run as
// a formula comes back in the failed rows, CSV and xlsx, quoted as text.
func TestFailedRowsDoNotRunInASpreadsheet(t *testing.T) {
	h := newImportHarness(t)
	campaign := h.importCampaign()
	dangerous := []string{`=HYPERLINK("http://x","y")`, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	require.NoError(t, w.Write([]string{"Number", "=Note"}))
	for _, d := range dangerous {
		require.NoError(t, w.Write([]string{"12", d})) // 12 is no number: each row fails
	}
	w.Flush()
	status, accepted := h.upload(fmt.Sprintf("/api/v1/campaigns/%d/lists", campaign), "formulas.csv", b.Bytes(), map[string]string{"mapping": `{"modes":{"Mobile":"Number"}}`})
	require.Equal(t, http.StatusAccepted, status, "%v", accepted)
	id := uint64(accepted["id"].(float64))
	list := h.waitList(id)
	require.Equal(t, float64(len(dangerous)), list["stats"].(map[string]any)["failed"], "%v", list)

	want := [][]string{{"Number", "'=Note", "row", "reason"}}
	for _, d := range dangerous {
		want = append(want, []string{"12", "'" + d})
	}
	check := func(format string, rows [][]string) {
		require.Len(t, rows, len(want), format)
		require.Equal(t, want[0], rows[0], format)
		for i, r := range rows[1:] {
			require.Equal(t, want[i+1], r[:2], "%s row %d", format, i)
		}
	}
	status, raw := h.raw(http.MethodGet, fmt.Sprintf("/api/v1/lists/%d/failed-rows?format=csv", id), nil)
	require.Equal(t, http.StatusOK, status, "%s", raw)
	records, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	require.NoError(t, err)
	check("csv", records)

	status, raw = h.raw(http.MethodGet, fmt.Sprintf("/api/v1/lists/%d/failed-rows?format=xlsx", id), nil)
	require.Equal(t, http.StatusOK, status)
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	require.NoError(t, err)
	rows, err := f.GetRows("Failed rows")
	require.NoError(t, err)
	check("xlsx", rows)
}
