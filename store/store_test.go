package store_test

import (
	"context"
	"fmt"
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

// A backup taken while writers write is a consistent database holding
// every write committed before it began, and it opens and migrates as is.
func TestBackupWhileWriting(t *testing.T) {
	if testdb.Postgres() {
		t.Skip("backup copies SQLite databases")
	}
	ctx := context.Background()
	db := testdb.Open(t)
	for i := range 50 {
		db.Client.Application.Create().SetName(fmt.Sprintf("app-%03d", i)).ExecX(ctx)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
				// As the server writes: one transaction per write, so
				// a record and its audit event commit together.
				tx, err := db.Client.Tx(ctx)
				if err != nil {
					panic(err)
				}
				tx.Application.Create().SetName(fmt.Sprintf("late-%05d", i)).ExecX(ctx)
				if err := tx.Commit(); err != nil {
					panic(err)
				}
			}
		}
	}()
	out := filepath.Join(t.TempDir(), "copy.db")
	err := db.Backup(ctx, out)
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, out); err == nil {
		t.Fatal("a backup overwrote an existing file")
	}
	restored, err := store.Open(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	if err := restored.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var check string
	if err := restored.SQL().QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	n := restored.Client.Application.Query().CountX(ctx)
	audits := restored.Client.AuditEvent.Query().CountX(ctx)
	if n < 50 || audits != n {
		t.Fatalf("the copy has %d applications and %d audit events; want at least 50, one event each", n, audits)
	}
}
