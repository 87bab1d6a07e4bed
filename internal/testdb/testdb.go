// Package testdb gives each test a fresh, empty database: an SQLite file in
// a temporary directory, or, when RELGRAPH_TEST_POSTGRES holds a PostgreSQL
// URL of a role that may create databases, a new PostgreSQL database that is
// dropped when the test ends.
package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver

	"github.com/relgraph/relgraph/store"
)

// PostgresEnv names the variable that selects PostgreSQL.
const PostgresEnv = "RELGRAPH_TEST_POSTGRES"

var created atomic.Int64

// New returns the DSN of a fresh database for t.
func New(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		return filepath.Join(t.TempDir(), "relgraph.db")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("relgraph_test_%d_%d", os.Getpid(), created.Add(1))
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		// A backend the role may not signal (say, one of the server's own
		// workers still attached) can delay the drop; a leftover test
		// database is untidy, not a failure of the code under test.
		var err error
		for attempt := 1; attempt <= 10; attempt++ {
			if _, err = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err == nil {
				return
			}
			time.Sleep(time.Duration(attempt) * 100 * time.Millisecond)
		}
		t.Logf("could not drop test database %s: %v", name, err)
	})
	u.Path = "/" + name
	return u.String()
}

// Postgres reports whether New hands out PostgreSQL databases.
func Postgres() bool { return os.Getenv(PostgresEnv) != "" }

// Open opens a fresh, migrated database for t (see New), closed when the
// test ends.
func Open(t testing.TB, opts ...store.Option) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, New(t), opts...)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return db
}
