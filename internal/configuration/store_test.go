package configuration

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/outdial/outdial/internal/fault"
	"github.com/outdial/outdial/internal/testenv"
	"github.com/outdial/outdial/models"
)

func TestRefusal(t *testing.T) {
	cases := []struct {
		name   string
		err    *pgconn.PgError
		kind   fault.Kind
		fields []fault.Field
	}{
		{"duplicate name", &pgconn.PgError{Code: "23505", ConstraintName: "modes_name_key", Detail: "Key (name)=(Mobile) already exists."},
			fault.Conflict, []fault.Field{{Field: "name", Detail: "another mode has this name"}}},
		{"duplicate display name", &pgconn.PgError{Code: "23505", ConstraintName: "time_zones_display_name_key", Detail: "d"},
			fault.Conflict, []fault.Field{{Field: "display_name", Detail: "another time zone has this display name"}}},
		{"in use", &pgconn.PgError{Code: "23503", TableName: "campaigns", ConstraintName: "campaigns_time_zone_id_fkey", Detail: `Key (id)=(1) is still referenced from table "campaigns".`}, fault.Conflict, nil},
		{"missing reference", &pgconn.PgError{Code: "23503", TableName: "agents", ConstraintName: "agents_team_id_fkey", Detail: "Key (team_id)=(1) is not present"},
			fault.Invalid, []fault.Field{{Field: "team_id", Detail: "names no existing object"}}},
		{"check", &pgconn.PgError{Code: "23514", Message: "new row violates check constraint", ConstraintName: "modes_length_check"}, fault.Invalid, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, ok := fault.As(refusal("mode", c.err))
			require.True(t, ok)
			require.Equal(t, c.kind, f.Kind)
			require.Equal(t, fault.Fields(c.fields), f.Fields)
		})
	}
	require.NoError(t, refusal("mode", &pgconn.PgError{Code: "08006"}), "a broken connection is no refusal")
	for _, c := range cases {
		requireOutdialWords(t, refusal("mode", c.err).(*fault.Error))
	}
}

// requireOutdialWords: what a refusal answers says nothing of PostgreSQL's
// message (its tables, keys, values and constraints); the error keeps it
// for the log.
func requireOutdialWords(t *testing.T, f *fault.Error) {
	t.Helper()
	said := f.Detail
	for _, x := range f.Fields {
		said += " " + x.Detail
	}
	for _, w := range []string{"Key (", "referenced", "violates", "constraint", "_fkey", "_key", "table", "relation", "present"} {
		require.NotContains(t, said, w, "a PostgreSQL message leaked")
	}
	require.NotNil(t, f.Err, "the cause stays for the log")
}

// TestAForeignKeyViolationSaysWhatUsesTheObject: a real foreign-key
// violation, as a delete that the checks did not see coming meets it, is a
// conflict in Outdial's words naming what uses the object.
func TestAForeignKeyViolationSaysWhatUsesTheObject(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t)
	mode, err := Modes.Create(ctx, db, &models.Mode{Name: "Mobile", MinLength: 8, MaxLength: 16})
	require.NoError(t, err)
	_, err = ContactStrategies.Create(ctx, db, &models.ContactStrategy{Name: "kris_CS", Type: "simple", ModeIDs: []uint64{mode.ID}})
	require.NoError(t, err)
	deleted := db.Exec("DELETE FROM modes WHERE id = ?", mode.ID).Error
	require.Error(t, deleted)
	f, ok := fault.As(refusal("mode", deleted))
	require.True(t, ok, "%v", deleted)
	require.Equal(t, fault.Conflict, f.Kind)
	require.Equal(t, "this mode is in use by contact strategies: change them first", f.Detail)
	requireOutdialWords(t, f)

	// Through Delete, the check names them before PostgreSQL is asked.
	err = Modes.Delete(ctx, db, mode.ID)
	f, ok = fault.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, fault.Fields{{Field: "contact_strategies", Detail: fmt.Sprintf("mode %d is used by contact strategies kris_CS: change or delete them first", mode.ID)}}, f.Fields)
	require.NoError(t, refusal("mode", context.Canceled))
}

// A database that does not answer while a write's references are checked
// is an outage, not a field of the request at fault.
func TestCheckWithTheDatabaseDown(t *testing.T) {
	v := Campaigns.New()
	v.Name, v.PacingMode, v.TimeZoneID = "c", models.PacingPreview, 1
	_, err := Campaigns.Create(context.Background(), testenv.Unreachable(t), v)
	require.Error(t, err)
	_, isFault := fault.As(err)
	require.False(t, isFault, "%v", err)
	require.True(t, models.Unavailable(err), "%v", err)
}
