package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"strings"
	"testing"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"
	"entgo.io/ent/dialect"

	"github.com/relgraph/relgraph/ent/generation"
	entschema "github.com/relgraph/relgraph/ent/schema"

	"github.com/relgraph/relgraph/internal/testdb"
	"github.com/relgraph/relgraph/store"
)

// open opens a fresh, unmigrated database.
func open(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), testdb.New(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// inspect reads the schema of db, without the revisions table, and the
// start of each table's ids.
func inspect(t *testing.T, db *store.DB) (*schema.Schema, migrate.Driver, string) {
	t.Helper()
	ctx := context.Background()
	var (
		drv migrate.Driver
		err error
		// The range's start: rows written since (seeded counters) move seq within it.
		seq = "SELECT name || '=' || ((seq >> 32) << 32) FROM sqlite_sequence ORDER BY name"
	)
	if db.Dialect == dialect.Postgres {
		drv, err = postgres.Open(db.SQL())
		seq = "SELECT sequencename || '=' || start_value FROM pg_sequences WHERE schemaname = current_schema() AND sequencename NOT LIKE 'atlas%' ORDER BY sequencename"
	} else {
		drv, err = sqlite.Open(db.SQL())
	}
	if err != nil {
		t.Fatal(err)
	}
	s, err := drv.InspectSchema(ctx, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, tb := range s.Tables {
		if tb.Name == store.RevisionsTable {
			s.Tables = append(s.Tables[:i], s.Tables[i+1:]...)
			break
		}
	}
	rows, err := db.SQL().QueryContext(ctx, seq)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var starts []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		starts = append(starts, s)
	}
	return s, drv, strings.Join(starts, " ")
}

// The migrations create exactly the schema that auto-migration (Ent's
// schema.Create, what relgraph did before versioned migrations) creates:
// tables, columns, indexes, foreign keys and the global-id ranges.
func TestMigrationsMatchAutoMigration(t *testing.T) {
	ctx := context.Background()
	auto, versioned := open(t), open(t)
	if err := auto.Client.Schema.Create(ctx); err != nil {
		t.Fatal(err)
	}
	if err := versioned.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a, drv, aStarts := inspect(t, auto)
	v, _, vStarts := inspect(t, versioned)
	changes, err := drv.SchemaDiff(a, v)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		t.Errorf("migrated schema differs from auto-migration: %T %+v", c, c)
	}
	if len(a.Tables) == 0 || len(a.Tables) != len(v.Tables) {
		t.Errorf("tables: auto-migration %d, migrations %d", len(a.Tables), len(v.Tables))
	}
	t.Logf("id ranges: %s", vStarts)
	if aStarts != vStarts {
		t.Errorf("id ranges: auto-migration %s, migrations %s", aStarts, vStarts)
	}
}

// A database created by release e4199a4 (auto-migration, the demo
// portfolio; testdata holds its dump) is adopted: brought up to date and
// baselined, with every row kept.
func TestUpgradeFromPreviousRelease(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.New(t)
	fixture, driver, conn := "testdata/e4199a4.sqlite.sql", "sqlite3", dsn
	if store.IsPostgres(dsn) {
		fixture, driver = "testdata/e4199a4.postgres.sql", "pgx"
	}
	dump, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open(driver, conn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, string(dump)); err != nil {
		t.Fatalf("load %s: %v", fixture, err)
	}
	raw.Close()

	tables := []string{"applications", "dependencies", "releases", "changes", "change_applications", "environments", "deployments", "freeze_windows", "audit_events", "tokens", "generations"}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(table string) int {
		t.Helper()
		var n int
		if err := db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		return n
	}
	before := map[string]int{}
	for _, tb := range tables {
		before[tb] = count(tb)
	}
	if before["applications"] == 0 || before["releases"] == 0 {
		t.Fatalf("fixture without data: %v", before)
	}
	for range 2 {
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, tb := range tables {
		if n := count(tb); n != before[tb] && tb != "generations" {
			t.Errorf("%s: %d rows before the upgrade, %d after", tb, before[tb], n)
		}
	}
	for _, tb := range []string{"graph_changes", "idempotency_keys"} {
		count(tb) // exists
	}
	dir, err := store.MigrationDir(db.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := dir.Files()
	var version string
	var typ int
	if err := db.SQL().QueryRowContext(ctx, "SELECT version, type FROM "+store.RevisionsTable).Scan(&version, &typ); err != nil {
		t.Fatal(err)
	}
	if version != files[len(files)-1].Version() || migrate.RevisionType(typ) != migrate.RevisionTypeBaseline {
		t.Errorf("revision %s type %d, want the baseline %s", version, typ, files[len(files)-1].Version())
	}
	// The data is usable: new rows take ids after the old ones, in the
	// type's range.
	app, err := db.Client.Application.Create().SetName("after-upgrade").Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var maxID int
	if err := db.SQL().QueryRowContext(ctx, "SELECT max(id) FROM applications WHERE name <> 'after-upgrade'").Scan(&maxID); err != nil {
		t.Fatal(err)
	}
	if app.ID <= maxID || app.ID>>32 != maxID>>32 {
		t.Errorf("new application id %d after %d", app.ID, maxID)
	}
	if n := count("applications"); n != before["applications"]+1 {
		t.Errorf("applications: %d", n)
	}
}

// A database migrated by a newer relgraph is refused, naming both versions.
func TestMigrateRefusesNewerDatabase(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	q := "INSERT INTO " + store.RevisionsTable + " (version, description, type, applied, total, executed_at, execution_time, hash, operator_version) VALUES ('99990101000000', 'future', 2, 1, 1, CURRENT_TIMESTAMP, 0, '', 'relgraph')"
	if _, err := db.SQL().ExecContext(ctx, q); err != nil {
		t.Fatal(err)
	}
	err := db.Migrate(ctx)
	dir, _ := store.MigrationDir(db.Dialect)
	files, _ := dir.Files()
	latest := files[len(files)-1].Version()
	if !errors.Is(err, store.ErrNewerSchema) || !strings.Contains(err.Error(), "99990101000000") || !strings.Contains(err.Error(), latest) {
		t.Fatalf("Migrate = %v, want ErrNewerSchema naming 99990101000000 and %s", err, latest)
	}
}

// A database with relgraph's tables changed by hand is not adopted.
func TestMigrateRefusesForeignSchema(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	if err := db.Client.Schema.Create(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, "ALTER TABLE applications ADD COLUMN extra text"); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "applications") {
		t.Fatalf("Migrate = %v, want a refusal naming applications", err)
	}
}

// TestMigrateSeedsTheCounters proves migrating creates the generation rows
// that writers bump, so no two first writers race to create one, and that
// migrating again keeps their values.
func TestMigrateSeedsTheCounters(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	names := []string{entschema.GraphGeneration, entschema.ChangesGeneration, entschema.PlansGeneration}
	rows := db.Client.Generation.Query().Where(generation.NameIn(names...)).AllX(ctx)
	if len(rows) != len(names) {
		t.Fatalf("%d of the %d counters after migrating", len(rows), len(names))
	}
	if err := entschema.BumpGeneration(ctx, db.Client, entschema.ChangesGeneration); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if v := db.Client.Generation.Query().Where(generation.Name(entschema.ChangesGeneration)).OnlyX(ctx).Value; v != 1 {
		t.Fatalf("changes generation %d after migrating again, want 1", v)
	}
}
