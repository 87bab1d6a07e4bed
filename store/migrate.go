package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	atlas "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	atschema "ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"
	"entgo.io/ent/dialect"
	entschema "entgo.io/ent/dialect/sql/schema"

	"github.com/relgraph/relgraph/ent/generation"
	entmigrate "github.com/relgraph/relgraph/ent/migrate"
	"github.com/relgraph/relgraph/ent/migrate/migrations"
	"github.com/relgraph/relgraph/ent/schema"
)

// RevisionsTable records which migrations a database has had, in the
// layout of the Atlas CLI's table of the same name, so that `atlas migrate`
// can take over.
const RevisionsTable = "atlas_schema_revisions"

// ErrNewerSchema is returned by Migrate for a database that has a migration
// this binary does not know: it was migrated by a newer relgraph.
var ErrNewerSchema = errors.New("the database was migrated by a newer relgraph")

// Migrate brings the schema up to date by applying the versioned migrations
// of ent/migrate/migrations that the database has not had, in one
// transaction, recording each in RevisionsTable. It is safe to run on every
// start and from several processes.
//
// A database created before versioned migrations (by auto-migration, with
// tables but no RevisionsTable) is adopted: the old auto-migration brings it
// up to this binary's Ent schema one last time, Migrate checks that the
// result matches that schema exactly, and records the latest migration as its
// baseline.
func (d *DB) Migrate(ctx context.Context) error {
	if d.Dialect == dialect.Postgres {
		// Replicas starting together take turns: a session-level advisory
		// lock held on one connection while the migration runs on others.
		conn, err := d.sql.Conn(ctx)
		if err != nil {
			return fmt.Errorf("migrate schema: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
			return fmt.Errorf("migrate schema: lock: %w", err)
		}
		defer func() {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock)
		}()
	}
	// SQLite has no advisory lock: the migration transaction begins
	// IMMEDIATE and so takes turns on the busy timeout, but adopting a
	// legacy database runs the old auto-migration, which a concurrent
	// process can make fail; it then looks again.
	attempts := 1
	if d.Dialect == dialect.SQLite {
		attempts = 10
	}
	var err error
	for attempt := 1; attempt <= attempts; attempt++ {
		if err = d.migrate(ctx); err == nil || ctx.Err() != nil || errors.Is(err, ErrNewerSchema) {
			break
		}
		time.Sleep(time.Duration(attempt) * 50 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	return d.seedCounters(ctx)
}

// seedCounters creates the generation rows writers bump, so that no writer
// creates one: two transactions creating the same row at once on
// PostgreSQL would fail one of them. Replicas seed under the migration
// lock; on SQLite a racing process's row is as good as ours.
func (d *DB) seedCounters(ctx context.Context) error {
	for _, name := range []string{schema.GraphGeneration, schema.ChangesGeneration, schema.PlansGeneration} {
		exists, err := d.Client.Generation.Query().Where(generation.Name(name)).Exist(ctx)
		if err != nil {
			return fmt.Errorf("seed counters: %w", err)
		}
		if exists {
			continue
		}
		if err := d.Client.Generation.Create().SetName(name).Exec(ctx); err != nil && ConstraintViolation(err).Kind != UniqueViolation {
			return fmt.Errorf("seed counters: %w", err)
		}
	}
	return nil
}

func (d *DB) migrate(ctx context.Context) error {
	dir, err := MigrationDir(d.Dialect)
	if err != nil {
		return err
	}
	files, err := dir.Files()
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no migrations for %s: %v", d.Dialect, err)
	}
	latest := files[len(files)-1].Version()
	legacy, err := d.isLegacy(ctx)
	if err != nil {
		return err
	}
	if legacy {
		if err := d.adopt(ctx); err != nil {
			return err
		}
	}
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	rrw := &revisions{tx: tx, dialect: d.Dialect}
	if err := rrw.init(ctx); err != nil {
		return err
	}
	revs, err := rrw.ReadRevisions(ctx)
	if err != nil {
		return err
	}
	known := make(map[string]bool, len(files))
	for _, f := range files {
		known[f.Version()] = true
	}
	for _, r := range revs {
		if !known[r.Version] {
			return fmt.Errorf("%w: it is at schema version %s (%s), this binary knows versions up to %s; run a relgraph release that has version %s, or restore a backup taken before the upgrade",
				ErrNewerSchema, r.Version, r.Description, latest, r.Version)
		}
	}
	var drv atlas.Driver
	if d.Dialect == dialect.Postgres {
		drv, err = postgres.Open(tx)
	} else {
		drv, err = sqlite.Open(tx)
	}
	if err != nil {
		return err
	}
	opts := []atlas.ExecutorOption{atlas.WithOperatorVersion("relgraph")}
	if len(revs) == 0 {
		if legacy {
			opts = append(opts, atlas.WithBaselineVersion(latest))
		} else {
			// Tables of other applications may share the database.
			opts = append(opts, atlas.WithAllowDirty(true))
		}
	}
	ex, err := atlas.NewExecutor(drv, dir, rrw, opts...)
	if err != nil {
		return err
	}
	if err := ex.ExecuteN(ctx, 0); err != nil && !errors.Is(err, atlas.ErrNoPendingFiles) {
		return err
	}
	return tx.Commit()
}

// SchemaVersion reports the latest migration the database has had ("" for
// none) and the versions of those it lacks, without changing it. It returns
// ErrNewerSchema for a database migrated by a newer relgraph.
func (d *DB) SchemaVersion(ctx context.Context) (current string, pending []string, err error) {
	dir, err := MigrationDir(d.Dialect)
	if err != nil {
		return "", nil, err
	}
	files, err := dir.Files()
	if err != nil {
		return "", nil, err
	}
	var revs []*atlas.Revision
	if versioned, err := d.tableExists(ctx, RevisionsTable); err != nil {
		return "", nil, err
	} else if versioned {
		if revs, err = (&revisions{tx: d.sql, dialect: d.Dialect}).ReadRevisions(ctx); err != nil {
			return "", nil, err
		}
	}
	applied := map[string]bool{}
	for _, r := range revs {
		applied[r.Version] = true
		current = r.Version
	}
	for _, f := range files {
		if !applied[f.Version()] && f.Version() > current {
			pending = append(pending, f.Version())
		}
		delete(applied, f.Version())
	}
	for v := range applied {
		return current, nil, fmt.Errorf("%w: it is at schema version %s, this binary knows versions up to %s", ErrNewerSchema, v, files[len(files)-1].Version())
	}
	return current, pending, nil
}

func (d *DB) tableExists(ctx context.Context, table string) (bool, error) {
	q := "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	if d.Dialect == dialect.Postgres {
		q = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
	}
	var n int
	err := d.sql.QueryRowContext(ctx, q, table).Scan(&n)
	return n > 0, err
}

// isLegacy reports whether the database has relgraph's tables but no
// RevisionsTable: it was created by auto-migration, before versioned
// migrations.
func (d *DB) isLegacy(ctx context.Context) (bool, error) {
	revs, err := d.tableExists(ctx, RevisionsTable)
	if err != nil || revs {
		return false, err
	}
	return d.tableExists(ctx, entmigrate.ApplicationsTable.Name)
}

// adopt runs the auto-migration of relgraph before versioned migrations,
// which only adds tables, columns and indexes, then checks that the schema
// is now exactly the Ent schema, which the latest migration produces.
func (d *DB) adopt(ctx context.Context) error {
	if err := d.Client.Schema.Create(ctx); err != nil {
		return fmt.Errorf("bring the pre-versioning schema up to date: %w", err)
	}
	var diff []atschema.Change
	check := func(next entschema.Differ) entschema.Differ {
		return entschema.DiffFunc(func(current, desired *atschema.Schema) ([]atschema.Change, error) {
			changes, err := next.Diff(current, desired)
			diff = changes
			if err == nil && len(changes) > 0 {
				err = errSchemaDiffers
			}
			return changes, err
		})
	}
	err := d.Client.Schema.Create(ctx, entschema.WithDropColumn(true), entschema.WithDropIndex(true), entschema.WithDiffHook(check))
	if errors.Is(err, errSchemaDiffers) {
		var what []string
		for _, c := range diff {
			what = append(what, describe(c))
		}
		return fmt.Errorf("the database has tables but no %s, and its schema differs from this version's (%s): it was not created by relgraph, or was changed by hand; migrate it yourself or start from a backup", RevisionsTable, strings.Join(what, "; "))
	}
	return err
}

var errSchemaDiffers = errors.New("schema differs")

// describe names a schema change, for the adoption error.
func describe(c atschema.Change) string {
	switch c := c.(type) {
	case *atschema.AddTable:
		return "missing table " + c.T.Name
	case *atschema.DropTable:
		return "extra table " + c.T.Name
	case *atschema.ModifyTable:
		var parts []string
		for _, tc := range c.Changes {
			parts = append(parts, strings.TrimPrefix(fmt.Sprintf("%T", tc), "*schema."))
		}
		return fmt.Sprintf("table %s: %s", c.T.Name, strings.Join(parts, ", "))
	}
	return fmt.Sprintf("%T", c)
}

// MigrationDir returns the embedded migration directory of dialect d.
func MigrationDir(d string) (atlas.Dir, error) {
	name := "sqlite"
	if d == dialect.Postgres {
		name = "postgres"
	}
	entries, err := fs.ReadDir(migrations.FS, name)
	if err != nil {
		return nil, err
	}
	dir := &atlas.MemDir{}
	for _, e := range entries {
		b, err := fs.ReadFile(migrations.FS, path.Join(name, e.Name()))
		if err != nil {
			return nil, err
		}
		if err := dir.WriteFile(e.Name(), b); err != nil {
			return nil, err
		}
	}
	return dir, nil
}

// revisions keeps Atlas's migration revisions in RevisionsTable, within the
// migration's transaction.
type revisions struct {
	tx interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	}
	dialect string
}

var _ atlas.RevisionReadWriter = (*revisions)(nil)

const revisionColumns = "version, description, type, applied, total, executed_at, execution_time, error, error_stmt, hash, partial_hashes, operator_version"

func (r *revisions) init(ctx context.Context) error {
	ts := "datetime"
	if r.dialect == dialect.Postgres {
		ts = "timestamptz"
	}
	_, err := r.tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+RevisionsTable+` (
	version varchar(255) NOT NULL PRIMARY KEY,
	description varchar(255) NOT NULL,
	type bigint NOT NULL DEFAULT 2,
	applied bigint NOT NULL DEFAULT 0,
	total bigint NOT NULL DEFAULT 0,
	executed_at `+ts+` NOT NULL,
	execution_time bigint NOT NULL,
	error text NULL,
	error_stmt text NULL,
	hash varchar(255) NOT NULL,
	partial_hashes text NULL,
	operator_version varchar(255) NOT NULL
)`)
	return err
}

// arg is the n-th (from 1) placeholder of the dialect.
func (r *revisions) arg(n int) string {
	if r.dialect == dialect.Postgres {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}

// Ident implements atlas.RevisionReadWriter.
func (r *revisions) Ident() *atlas.TableIdent {
	return &atlas.TableIdent{Name: RevisionsTable}
}

// ReadRevisions implements atlas.RevisionReadWriter.
func (r *revisions) ReadRevisions(ctx context.Context) ([]*atlas.Revision, error) {
	return r.read(ctx, "ORDER BY version")
}

// ReadRevision implements atlas.RevisionReadWriter.
func (r *revisions) ReadRevision(ctx context.Context, v string) (*atlas.Revision, error) {
	revs, err := r.read(ctx, "WHERE version = "+r.arg(1), v)
	if err != nil {
		return nil, err
	}
	if len(revs) == 0 {
		return nil, atlas.ErrRevisionNotExist
	}
	return revs[0], nil
}

func (r *revisions) read(ctx context.Context, where string, args ...any) ([]*atlas.Revision, error) {
	rows, err := r.tx.QueryContext(ctx, "SELECT "+revisionColumns+" FROM "+RevisionsTable+" "+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var revs []*atlas.Revision
	for rows.Next() {
		var (
			rev             atlas.Revision
			typ             int64
			exec            int64
			errMsg, errStmt sql.NullString
			partial         sql.NullString
		)
		if err := rows.Scan(&rev.Version, &rev.Description, &typ, &rev.Applied, &rev.Total, &rev.ExecutedAt, &exec,
			&errMsg, &errStmt, &rev.Hash, &partial, &rev.OperatorVersion); err != nil {
			return nil, err
		}
		rev.Type = atlas.RevisionType(typ)
		rev.ExecutionTime = time.Duration(exec)
		rev.Error, rev.ErrorStmt = errMsg.String, errStmt.String
		if partial.Valid && partial.String != "" {
			if err := json.Unmarshal([]byte(partial.String), &rev.PartialHashes); err != nil {
				return nil, fmt.Errorf("%s %s: partial_hashes: %w", RevisionsTable, rev.Version, err)
			}
		}
		revs = append(revs, &rev)
	}
	return revs, rows.Err()
}

// WriteRevision implements atlas.RevisionReadWriter.
func (r *revisions) WriteRevision(ctx context.Context, rev *atlas.Revision) error {
	var partial sql.NullString
	if len(rev.PartialHashes) > 0 {
		b, err := json.Marshal(rev.PartialHashes)
		if err != nil {
			return err
		}
		partial = sql.NullString{String: string(b), Valid: true}
	}
	null := func(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
	ph := make([]string, 12)
	for i := range ph {
		ph[i] = r.arg(i + 1)
	}
	set := []string{}
	for _, c := range strings.Split(revisionColumns, ", ")[1:] {
		set = append(set, c+" = excluded."+c)
	}
	_, err := r.tx.ExecContext(ctx, "INSERT INTO "+RevisionsTable+" ("+revisionColumns+") VALUES ("+strings.Join(ph, ", ")+
		") ON CONFLICT (version) DO UPDATE SET "+strings.Join(set, ", "),
		rev.Version, rev.Description, int64(rev.Type), rev.Applied, rev.Total, rev.ExecutedAt.UTC(), int64(rev.ExecutionTime),
		null(rev.Error), null(rev.ErrorStmt), rev.Hash, partial, rev.OperatorVersion)
	return err
}

// DeleteRevision implements atlas.RevisionReadWriter.
func (r *revisions) DeleteRevision(ctx context.Context, v string) error {
	_, err := r.tx.ExecContext(ctx, "DELETE FROM "+RevisionsTable+" WHERE version = "+r.arg(1), v)
	return err
}
