package store_test

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relgraph/relgraph/internal/testdb"
	"github.com/relgraph/relgraph/store"
)

func TestSQLiteDSN(t *testing.T) {
	cases := []struct{ in, path, journal, fk string }{
		{"relgraph.db", "relgraph.db", "WAL", "1"},
		{"/var/lib/relgraph/data.db", "/var/lib/relgraph/data.db", "WAL", "1"},
		{"file:data.db?_journal_mode=DELETE", "data.db", "DELETE", "1"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			dsn := store.SQLiteDSN(tc.in)
			path, query, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
			q, err := url.ParseQuery(query)
			if err != nil {
				t.Fatal(err)
			}
			if path != tc.path || q.Get("_journal_mode") != tc.journal || q.Get("_fk") != tc.fk || q.Get("_txlock") != "immediate" || q.Get("_busy_timeout") == "" {
				t.Fatalf("SQLiteDSN(%q) = %q", tc.in, dsn)
			}
		})
	}
}

func TestOpenAppliesPragmasAndMigratesTwice(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")
	for range 2 {
		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var journal string
		var fk int
		if err := db.SQL().QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&journal); err != nil {
			t.Fatal(err)
		}
		if err := db.SQL().QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if journal != "wal" || fk != 1 {
			t.Fatalf("journal_mode=%s foreign_keys=%d", journal, fk)
		}
		db.Close()
	}
}

func TestRedact(t *testing.T) {
	if got := store.Redact("postgres://relgraph:secret@db:5432/relgraph"); strings.Contains(got, "secret") {
		t.Fatalf("password not redacted: %s", got)
	}
	if got := store.Redact("relgraph.db"); got != "relgraph.db" {
		t.Fatalf("path changed: %s", got)
	}
}

// TestConcurrentMigrations starts several servers' migrations on one fresh
// database at once, as replicas starting together do: all must succeed.
func TestConcurrentMigrations(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.New(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			db, err := store.Open(ctx, dsn)
			if err != nil {
				errs <- err
				return
			}
			defer db.Close()
			errs <- db.Migrate(ctx)
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
