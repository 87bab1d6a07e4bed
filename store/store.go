// Package store is the one place that opens relgraph's database: SQLite (the
// embedded default) or PostgreSQL, with the settings each needs, and migrates
// the schema.
//
// SQLite runs with foreign keys on, WAL (readers never block the writer), a
// busy timeout, and BEGIN IMMEDIATE for transactions: a write transaction
// takes the write lock when it starts, so concurrent mutations queue on the
// busy timeout instead of failing with "database is locked" when a read lock
// cannot be upgraded.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/mattn/go-sqlite3"      // registers the "sqlite3" database/sql driver

	"github.com/relgraph/relgraph/ent"
	_ "github.com/relgraph/relgraph/ent/runtime" // schema hooks and defaults
	"github.com/relgraph/relgraph/ent/schema"
	"github.com/relgraph/relgraph/internal/tracing"
)

// migrationLock is the PostgreSQL advisory lock key that serializes
// migrations ("relgraph" in ASCII).
const migrationLock = 0x72656c6772617068

// BusyTimeout is how long an SQLite connection waits for the write lock.
const BusyTimeout = 30 * time.Second

// DB is an open database: the Ent client over it, what it is, and the
// graph snapshot cache that the client's lifecycle hooks and the GraphQL
// layer share.
type DB struct {
	Client  *ent.Client
	Dialect string
	// Graph caches the dependency graph of this database.
	Graph *GraphCache
	sql   *sql.DB
	// drv is the driver the client sends through (statement hook and
	// tracing included), for the few reads sent as fixed SQL.
	drv dialect.Driver
	dsn string
	// audits counts the audit events written (AuditEvents).
	audits *auditCounter
}

// Open connects to the database named by dsn: a postgres:// or
// postgresql:// URL selects PostgreSQL; anything else is an SQLite file path
// or file: URI.
func Open(ctx context.Context, dsn string, opts ...Option) (*DB, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	var (
		db  *sql.DB
		err error
		dia string
	)
	if IsPostgres(dsn) {
		dia = dialect.Postgres
		db, err = sql.Open("pgx", dsn)
		if err == nil {
			db.SetMaxOpenConns(20)
			db.SetMaxIdleConns(20)
		}
	} else {
		dia = dialect.SQLite
		db, err = sql.Open("sqlite3", SQLiteDSN(dsn))
		if err == nil {
			// Every pooled connection carries the pragmas of the DSN; a
			// bounded pool keeps file handles and WAL readers in check.
			db.SetMaxOpenConns(8)
			db.SetMaxIdleConns(8)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// A new SQLite file switching to WAL while another process does the same
	// can fail at once with "database is locked" (the busy handler does not
	// apply to a journal-mode change): try again shortly.
	err = db.PingContext(pingCtx)
	for attempt := 1; isBusy(err) && attempt < 20; attempt++ {
		time.Sleep(time.Duration(attempt) * 20 * time.Millisecond)
		err = db.PingContext(pingCtx)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	system := "sqlite"
	if dia == dialect.Postgres {
		system = "postgresql"
	}
	// A span per statement of a traced request, when tracing is on.
	drv := tracing.Driver(entsql.OpenDB(dia, db), system)
	if o.onStatement != nil {
		hook := o.onStatement
		drv = dialect.DebugWithContext(drv, func(ctx context.Context, v ...any) {
			hook(ctx, fmt.Sprint(v...))
		})
	}
	// The client's release state machine finds freeze violations through
	// the graph cache, which reads through the client: wire them both ways.
	graph := &GraphCache{sql: db, drv: drv}
	client := ent.NewClient(ent.Driver(capturingDriver{drv}), ent.Freezes(graph))
	graph.client = client
	client.Release.Intercept(registerReleases())
	client.ReleasePackage.Intercept(registerPackages())
	audits := &auditCounter{}
	client.AuditEvent.Use(audits.hook())
	return &DB{Client: client, Dialect: dia, Graph: graph, sql: db, drv: drv, dsn: dsn, audits: audits}, nil
}

// isBusy reports SQLite's refusal because another connection holds a lock.
func isBusy(err error) bool {
	var e sqlite3.Error
	return errors.As(err, &e) && (e.Code == sqlite3.ErrBusy || e.Code == sqlite3.ErrLocked)
}

// Option configures Open.
type Option func(*options)

type options struct {
	onStatement func(ctx context.Context, statement string)
}

// WithStatementHook calls f with every SQL statement Ent sends, for
// debugging and for tests that count statements.
func WithStatementHook(f func(ctx context.Context, statement string)) Option {
	return func(o *options) { o.onStatement = f }
}

// ConnectPostgres opens a connection of its own to the PostgreSQL
// database, outside the pool: for LISTEN, which holds its connection.
func (db *DB) ConnectPostgres(ctx context.Context) (*pgx.Conn, error) {
	if db.Dialect != dialect.Postgres {
		return nil, fmt.Errorf("store: %s has no LISTEN/NOTIFY", db.Dialect)
	}
	return pgx.Connect(ctx, db.dsn)
}

// IsPostgres reports whether dsn selects PostgreSQL.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// SQLiteDSN turns a file path or file: URI into a go-sqlite3 DSN carrying
// relgraph's connection settings; settings the caller gave win.
func SQLiteDSN(dsn string) string {
	path, query, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	params, err := url.ParseQuery(query)
	if err != nil {
		params = url.Values{}
	}
	defaults := map[string]string{
		"_fk":           "1",
		"_journal_mode": "WAL",
		"_busy_timeout": fmt.Sprint(BusyTimeout.Milliseconds()),
		"_txlock":       "immediate",
		"_synchronous":  "NORMAL",
		// Each pooled connection keeps its last statements prepared: a
		// repeated read (the generations, a release by id) skips SQLite's
		// parser, about a third of a one-row statement's cost.
		"_stmt_cache_size": "128",
	}
	for k, v := range defaults {
		if !params.Has(k) {
			params.Set(k, v)
		}
	}
	return "file:" + path + "?" + params.Encode()
}

// Ping reports whether the database answers.
func (d *DB) Ping(ctx context.Context) error {
	return d.sql.PingContext(ctx)
}

// SQL returns the underlying connection pool, for health checks and
// hand-written queries.
func (d *DB) SQL() *sql.DB { return d.sql }

// Close closes the Ent client and the connection pool.
func (d *DB) Close() error {
	return d.Client.Close()
}

// Redact hides the password of a PostgreSQL URL, for logs.
func Redact(dsn string) string {
	if !IsPostgres(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://(unparsable)"
	}
	return u.Redacted()
}

// Backup writes a consistent copy of a live SQLite database to the new
// file out (VACUUM INTO: one read transaction, so concurrent writers go on
// and the copy holds every write committed before it began). PostgreSQL
// has its own tools for this (pg_dump).
func (d *DB) Backup(ctx context.Context, out string) error {
	if d.Dialect != dialect.SQLite {
		return errors.New("backup: relgraph copies SQLite databases; back up PostgreSQL with pg_dump")
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("backup: %s already exists", out)
	}
	if _, err := d.sql.ExecContext(ctx, "VACUUM INTO ?", out); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// WithTx runs write in one transaction, as the GraphQL layer runs a
// mutation: its context carries the transaction and a journal
// (schema.Journal), so that many writes cost one graph-generation bump and
// bulk inserts of their change log and audit events. It commits if write
// succeeds and rolls back otherwise. For imports and scripts in Go.
//
// The audit events it commits reach the subscriptions of every server
// process on the database (internal/events): on SQLite they read them from
// the audit trail; on PostgreSQL WithTx sends them with NOTIFY inside the
// transaction, delivered only if it commits (and a commit fails if
// PostgreSQL's notification queue is full). A rolled-back write sends
// nothing.
func (db *DB) WithTx(ctx context.Context, write func(ctx context.Context, client *ent.Client) error) error {
	var raw dialect.Tx
	tx, err := db.Client.Tx(CaptureTx(ctx, &raw))
	if err != nil {
		return err
	}
	txCtx, journal := schema.WithJournal(ent.NewTxContext(ctx, tx))
	if err := write(txCtx, tx.Client()); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			err = fmt.Errorf("%w (rolling back: %v)", err, rerr)
		}
		return err
	}
	if err := journal.Flush(txCtx, tx.Client()); err != nil {
		_ = tx.Rollback()
		return err
	}
	if db.Dialect == dialect.Postgres {
		if err := notifyCommitted(txCtx, raw, tx.Client(), journal.Flushed()); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("announce the write's audit events: %w", err)
		}
	}
	return tx.Commit()
}
