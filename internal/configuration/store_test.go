package configuration

import (
	"context"
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
			fault.Conflict, []fault.Field{{Field: "name", Detail: "mode already exists: Key (name)=(Mobile) already exists."}}},
		{"duplicate display name", &pgconn.PgError{Code: "23505", ConstraintName: "time_zones_display_name_key", Detail: "d"},
			fault.Conflict, []fault.Field{{Field: "display_name", Detail: "mode already exists: d"}}},
		{"in use", &pgconn.PgError{Code: "23503", Detail: `Key (id)=(1) is still referenced from table "campaigns".`}, fault.Conflict, nil},
		{"missing reference", &pgconn.PgError{Code: "23503", Detail: "Key (team_id)=(1) is not present"}, fault.Invalid, nil},
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
