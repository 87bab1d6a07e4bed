// Package testdb gives each test a fresh, empty database: an SQLite file in
// a temporary directory, or, when RELGRAPH_TEST_POSTGRES holds a PostgreSQL
// URL of a role that may create databases, a new PostgreSQL database that is
// dropped when the test ends.
package testdb

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
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
		if _, err := admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// Postgres reports whether New hands out PostgreSQL databases.
func Postgres() bool { return os.Getenv(PostgresEnv) != "" }
