package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/outdial/outdial/internal/contract"
	"github.com/outdial/outdial/internal/listgen"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
	"github.com/outdial/outdial/phone"
)

// TestImportSurvivesWorkerCrash kills the worker process in the middle of
// a large import and shows that, after a new worker takes over, the list
// ends with exactly the right rows: none lost, none doubled.
func TestImportSurvivesWorkerCrash(t *testing.T) {
	const rows = 60_000
	dsn := testenv.DatabaseURL(t)
	db, err := models.Open(context.Background(), dsn)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	tc := testenv.Temporal(t)
	queue := testenv.TaskQueue(t)
	uploads := t.TempDir()

	bin := buildOutdial(t)
	a := newTestAPI(t, db, tc, queue, uploads)
	for _, m := range []string{"Mobile", "Home", "Office"} {
		a.create("/api/v1/modes", map[string]any{"name": m, "min_length": 8, "max_length": 16})
	}
	zone := a.create("/api/v1/timezones", map[string]any{"display_name": "(UTC-06:00) Central Time (US and Canada)"})
	campaign := a.create("/api/v1/campaigns", map[string]any{"name": "crash", "pacing_mode": "preview", "time_zone_id": zone})
	dncList := a.create("/api/v1/dnc-lists", map[string]any{"name": "National", "category": "ndnc"})
	var dnc [][]any
	for _, n := range listgen.DNCNumbers(rows) {
		e164, err := phone.Normalize(n, "US")
		require.NoError(t, err)
		dnc = append(dnc, []any{dncList, e164})
	}
	_, err = db.Pool.CopyFrom(context.Background(), pgx.Identifier{"dnc_entries"}, []string{"dnc_list_id", "number"}, pgx.CopyFromRows(dnc))
	require.NoError(t, err)

	first := startWorkerProcess(t, bin, dsn, queue, uploads)
	var file bytes.Buffer
	require.NoError(t, listgen.WriteCSV(&file, rows))
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	require.NoError(t, mw.WriteField("mapping", listgen.Mapping))
	fw, err := mw.CreateFormFile("file", "big.csv")
	require.NoError(t, err)
	_, err = fw.Write(file.Bytes())
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	resp, err := http.Post(fmt.Sprintf("%s/api/v1/campaigns/%d/lists", a.url, campaign), mw.FormDataContentType(), &body)
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	var accepted struct{ ID uint64 }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&accepted))
	require.NoError(t, resp.Body.Close())
	listID := accepted.ID

	var list models.ContactList
	require.Eventually(t, func() bool {
		require.NoError(t, db.First(&list, listID).Error)
		return list.RowsRead >= 5000
	}, time.Minute, 10*time.Millisecond, "the import never got going")
	first.kill(t)
	require.NoError(t, db.First(&list, listID).Error)
	require.Less(t, list.RowsRead, int64(rows), "the worker finished before it was killed; the test proves nothing")
	t.Logf("worker killed after %d of %d rows", list.RowsRead, rows)

	startWorkerProcess(t, bin, dsn, queue, uploads)
	require.Eventually(t, func() bool {
		require.NoError(t, db.First(&list, listID).Error)
		return list.Status != models.ListImporting
	}, 3*time.Minute, 100*time.Millisecond, "the import did not finish after the restart")
	require.Equal(t, models.ListActive, list.Status, list.Error)

	want := listgen.Expect(rows)
	require.Equal(t, int64(rows), list.RowsRead)
	require.Equal(t, want.Processed, list.Processed)
	require.Equal(t, want.Uploaded, list.Uploaded)
	require.Equal(t, want.Failed, list.Failed)
	require.Equal(t, want.Duplicate, list.Duplicate)
	require.Equal(t, want.DNCSuppressed, list.DNCSuppressed)
	require.Equal(t, want.DNCContacts, list.DNCNdncContacts)
	require.Equal(t, want.DNCModes, list.DNCNdncModes)
	var contacts, numbers, rejections, distinctRows int64
	require.NoError(t, db.Raw("SELECT count(*), count(DISTINCT row_number) FROM contacts WHERE list_id = ?", listID).Row().Scan(&contacts, &distinctRows))
	require.NoError(t, db.Raw("SELECT count(*) FROM contact_numbers n JOIN contacts c ON c.id = n.contact_id WHERE c.list_id = ?", listID).Row().Scan(&numbers))
	require.NoError(t, db.Raw("SELECT count(*) FROM list_rejections WHERE list_id = ?", listID).Row().Scan(&rejections))
	require.Equal(t, want.Uploaded, contacts)
	require.Equal(t, contacts, distinctRows)
	require.Equal(t, 3*want.Uploaded, numbers)
	require.Equal(t, want.Failed+want.Duplicate+want.DNCSuppressed, rejections)

	// The activity really was retried: a second attempt resumed the import.
	iter := tc.GetWorkflowHistory(context.Background(), contract.ImportListWorkflowID(listID), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	attempts := int32(0)
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		if a := ev.GetActivityTaskStartedEventAttributes(); a != nil {
			attempts = max(attempts, a.GetAttempt())
		}
	}
	require.GreaterOrEqual(t, attempts, int32(2))
}
