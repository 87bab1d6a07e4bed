package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/relgraph/relgraph/internal/testdb"
	"github.com/relgraph/relgraph/store"
)

// Constraint violations are told apart by the driver's error codes on
// SQLite and PostgreSQL alike, with the clashing key named as the schema
// names it.
func TestConstraintViolation(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t)
	a := db.Client.Application.Create().SetName("a").SaveX(ctx)
	b := db.Client.Application.Create().SetName("b").SaveX(ctx)
	db.Client.Dependency.Create().SetConsumerID(a.ID).SetProviderID(b.ID).ExecX(ctx)
	exec := func(q string) error {
		_, err := db.SQL().ExecContext(ctx, q)
		return err
	}
	cases := []struct {
		name  string
		err   error
		kind  store.ViolationKind
		table string
		key   []string
	}{
		{"unique column through Ent", db.Client.Application.Create().SetName("a").Exec(ctx),
			store.UniqueViolation, "applications", []string{"name"}},
		{"unique index", exec("INSERT INTO dependencies (created_at, updated_at, kind, description, consumer_id, provider_id) " +
			"SELECT created_at, updated_at, kind, description, consumer_id, provider_id FROM dependencies"),
			store.UniqueViolation, "dependencies", []string{"consumer_id", "provider_id"}},
		{"foreign key", exec("INSERT INTO change_applications (change_id, application_id) VALUES (999999, 999999)"),
			store.ForeignKeyViolation, "", nil},
		{"not a violation", exec("SELECT no_such_column FROM applications"), store.NoViolation, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil {
				t.Fatal("the write succeeded")
			}
			v := store.ConstraintViolation(tc.err)
			if v.Kind != tc.kind || v.Table != tc.table || !slices.Equal(v.Columns, tc.key) {
				t.Fatalf("got %+v for %v, want kind %d on %s%v", v, tc.err, tc.kind, tc.table, tc.key)
			}
		})
	}
}
