package listimport

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/models"
)

// importFixture is a campaign list whose file is on disk, for the engine
// alone: no API, no Temporal.
func importFixture(t *testing.T, content string) (*Importer, uint64) {
	f := newSinkFixture(t)
	ctx := context.Background()
	_, err := f.db.Pool.Exec(ctx, `INSERT INTO modes (name, min_length, max_length) VALUES ('Mobile', 8, 15)`)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "list.csv")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	list := models.ContactList{CampaignID: &f.cc.Campaign.ID, Status: models.ListImporting, Type: "MANUALUPLOAD", SubType: "NEW",
		Delimiter: ",", FileName: "list.csv", FilePath: path, Mapping: models.JSONValue[models.ListMapping]{V: models.ListMapping{Modes: map[string]string{"Mobile": "Number"}}}}
	require.NoError(t, f.db.WithContext(ctx).Create(&list).Error)
	im := New(f.db)
	im.BatchRows = 4
	return im, list.ID
}

// TestImportResumesAfterItsCheckpoint stops an import after its first
// batch commits and runs it again: progress starts at the checkpoint the
// first run left, and every row is stored once.
func TestImportResumesAfterItsCheckpoint(t *testing.T) {
	const rows = 20
	var file strings.Builder
	file.WriteString("Number\n")
	for i := range rows {
		fmt.Fprintf(&file, "469-562-%04d\n", 2400+i)
	}
	im, listID := importFixture(t, file.String())

	ctx, cancel := context.WithCancel(context.Background())
	var first []int64
	_, err := im.Import(ctx, listID, func(rowsRead int64) {
		first = append(first, rowsRead)
		if rowsRead > 0 {
			cancel() // as a worker that dies after a commit
		}
	})
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, int64(0), first[0], "a new import starts at row 0")
	checkpoint := first[len(first)-1]
	require.Positive(t, checkpoint)
	require.Less(t, checkpoint, int64(rows))

	var second []int64
	res, err := im.Import(context.Background(), listID, func(rowsRead int64) { second = append(second, rowsRead) })
	require.NoError(t, err)
	require.Equal(t, checkpoint, second[0], "a retry starts at the checkpoint")
	require.IsNonDecreasing(t, second)
	require.Equal(t, int64(rows), res.RowsRead)
	require.Equal(t, int64(rows), res.Stats.Uploaded)
	var stored, distinct int64
	require.NoError(t, im.DB.Pool.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT row_number) FROM contacts WHERE list_id = $1`, listID).
		Scan(&stored, &distinct))
	require.Equal(t, []int64{rows, rows}, []int64{stored, distinct})
}

// TestImportReportsFileErrors: a problem with the file is a *FileError,
// which the activity does not retry.
func TestImportReportsFileErrors(t *testing.T) {
	im, listID := importFixture(t, "Number\n")
	_, err := im.Import(context.Background(), listID, func(int64) {})
	var fe *FileError
	require.True(t, errors.As(err, &fe), "%v", err)
	require.Contains(t, fe.Msg, "has a header but no data rows")
}
