// Command gen writes a versioned migration for each dialect: the SQL that
// takes a database from the state the committed migrations leave it in to
// the state the Ent schema (ent/schema) declares, as the next numbered file in
// ent/migrate/migrations/sqlite and ent/migrate/migrations/postgres, with
// their atlas.sum updated.
//
//	go run -mod=mod ./ent/migrate/gen NAME     # write NNN_NAME.sql for each dialect
//	go run -mod=mod ./ent/migrate/gen -check   # fail if the schema has changes no migration holds
//
// It replays the committed migrations on a scratch database and diffs that
// with the Ent schema: an in-memory SQLite, and a PostgreSQL database it
// creates (and drops) through RELGRAPH_DEV_POSTGRES, the URL of a role that may
// create databases (`bash .ci/postgres.sh` prints one). Run it from the
// module root.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	_ "github.com/mattn/go-sqlite3"    // the "sqlite3" driver

	entmigrate "github.com/relgraph/relgraph/ent/migrate"
)

// DevPostgresEnv names the variable holding the PostgreSQL URL of a role
// that may create databases.
const DevPostgresEnv = "RELGRAPH_DEV_POSTGRES"

// root is the migration directories' parent, relative to the module root.
const root = "ent/migrate/migrations"

func main() {
	check := flag.Bool("check", false, "write nothing; fail if the Ent schema has changes that no committed migration holds, or an atlas.sum does not match its directory")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: go run -mod=mod ./ent/migrate/gen NAME | -check")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *check == (flag.NArg() == 1) || flag.NArg() > 1 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// One version for the migration of every dialect.
	version := migrate.NewVersion()
	failed := false
	for _, d := range []string{dialect.SQLite, dialect.Postgres} {
		if err := run(ctx, d, flag.Arg(0), version, *check); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", d, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

// run diffs the Ent schema against the migrations of dialect d and writes
// the difference as migration version_name.sql, or with check reports it.
func run(ctx context.Context, d, name, version string, check bool) error {
	local, err := migrate.NewLocalDir(filepath.Join(root, DirName(d)))
	if err != nil {
		return err
	}
	if files, err := local.Files(); err == nil && len(files) == 0 && !check {
		// The first migration: start the directory's atlas.sum.
		sum, err := local.Checksum()
		if err != nil {
			return err
		}
		if err := migrate.WriteSumFile(local, sum); err != nil {
			return err
		}
	}
	if err := migrate.Validate(local); err != nil {
		return fmt.Errorf("%s: %w (a migration file was edited or added by hand; never edit released migrations)", local.Path(), err)
	}
	var dir migrate.Dir = local
	if check {
		// Plan into a copy: a plan written there is a missing migration.
		mem := &migrate.MemDir{}
		files, err := local.Files()
		if err != nil {
			return err
		}
		for _, f := range files {
			if err := mem.WriteFile(f.Name(), f.Bytes()); err != nil {
				return err
			}
		}
		sum, err := local.Checksum()
		if err != nil {
			return err
		}
		if err := migrate.WriteSumFile(mem, sum); err != nil {
			return err
		}
		dir = mem
	}
	db, cleanup, err := devDB(ctx, d)
	if err != nil {
		return err
	}
	defer cleanup()
	m, err := schema.NewMigrate(entsql.OpenDB(d, db),
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithFormatter(versioned(version)),
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
		schema.WithErrNoPlan(true),
	)
	if err != nil {
		return err
	}
	if check {
		name = "check"
	}
	switch err := m.NamedDiff(ctx, name, entmigrate.Tables...); {
	case errors.Is(err, migrate.ErrNoPlan):
		fmt.Printf("%s: the migrations match the Ent schema\n", d)
		return nil
	case err != nil:
		return err
	}
	if !check {
		fmt.Printf("%s: wrote a migration in %s\n", d, local.Path())
		return nil
	}
	files, err := dir.Files()
	if err != nil {
		return err
	}
	last := files[len(files)-1]
	return fmt.Errorf("the Ent schema has changes that no migration holds; run `go run -mod=mod ./ent/migrate/gen NAME` and commit the files. The missing migration:\n%s", last.Bytes())
}

// versioned formats plans as migrate.DefaultFormatter does, with the
// given version.
type versioned string

func (v versioned) Format(plan *migrate.Plan) ([]migrate.File, error) {
	plan.Version = string(v)
	return migrate.DefaultFormatter.Format(plan)
}

// DirName is the name of dialect d's migration directory.
func DirName(d string) string {
	if d == dialect.SQLite {
		return "sqlite"
	}
	return d
}

// devDB opens a clean scratch database of dialect d.
func devDB(ctx context.Context, d string) (*sql.DB, func(), error) {
	if d == dialect.SQLite {
		db, err := sql.Open("sqlite3", "file:relgraph-dev?mode=memory&cache=shared&_fk=1")
		if err != nil {
			return nil, nil, err
		}
		db.SetMaxOpenConns(1)
		return db, func() { db.Close() }, nil
	}
	base := os.Getenv(DevPostgresEnv)
	if base == "" {
		return nil, nil, fmt.Errorf("set %s to the URL of a PostgreSQL role that may create databases (bash .ci/postgres.sh prints one)", DevPostgresEnv)
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", DevPostgresEnv, err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return nil, nil, err
	}
	name := fmt.Sprintf("relgraph_dev_%d", os.Getpid())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return nil, nil, fmt.Errorf("create the scratch database: %w", err)
	}
	u.Path = "/" + name
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		admin.Close()
		return nil, nil, err
	}
	return db, func() {
		db.Close()
		_, _ = admin.ExecContext(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	}, nil
}
