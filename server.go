// Command relgraph serves the release-portfolio GraphQL API. It reads its
// configuration, opens and migrates the database, optionally loads the demo
// portfolio, and serves until SIGINT or SIGTERM, then drains in-flight
// requests and closes the database.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"entgo.io/ent/dialect"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/token"
	"github.com/relgraph/relgraph/internal/auth"
	"github.com/relgraph/relgraph/internal/catalog"
	"github.com/relgraph/relgraph/internal/config"
	"github.com/relgraph/relgraph/internal/demo"
	"github.com/relgraph/relgraph/internal/events"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/internal/httpapi"
	"github.com/relgraph/relgraph/internal/metrics"
	"github.com/relgraph/relgraph/internal/tracing"
	"github.com/relgraph/relgraph/internal/viewer"
	"github.com/relgraph/relgraph/store"
)

func main() {
	cfg, err := config.Load(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "relgraph:", err)
		os.Exit(2)
	}
	logger := newLogger(cfg.LogFormat)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, logger); err != nil {
		logger.Error("relgraph stopped", "err", err)
		os.Exit(1)
	}
}

func newLogger(format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, nil))
}

func run(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	// Before the database opens, so that its statements are traced too.
	stopTracing, err := tracing.Setup(ctx)
	if err != nil {
		return err
	}
	defer func() {
		// Flush the spans not yet sent, even after the signal.
		flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := stopTracing(flushCtx); err != nil {
			logger.Warn("tracing: spans not flushed", "err", err)
		}
	}()
	if tracing.Enabled() {
		logger.Info("tracing on: spans are exported over OTLP/HTTP as OTEL_EXPORTER_OTLP_* say")
	}
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := prepareSchema(ctx, db, cfg, logger); err != nil {
		return err
	}
	switch cfg.Command {
	case "migrate":
		return nil
	case "token":
		return tokenCommand(ctx, db, cfg.Token, os.Stdout)
	case "import", "export":
		return catalogCommand(ctx, db, cfg.Command, cfg.Catalog, os.Stdout, os.Stderr)
	case "backup":
		if err := db.Backup(ctx, cfg.BackupOut); err != nil {
			return err
		}
		logger.Info("backup written", "out", cfg.BackupOut)
		return nil
	}
	if cfg.Demo {
		switch err := demo.Load(ctx, db.Client); {
		case errors.Is(err, demo.ErrNotEmpty):
			logger.Warn("demo data not loaded: the database is not empty")
		case err != nil:
			return fmt.Errorf("load demo data: %w", err)
		default:
			logger.Info("demo data loaded")
			if cfg.AuthRequired() {
				_, secret, err := auth.Create(ctx, db.Client, "demo-editor", viewer.Editor)
				if err != nil {
					return fmt.Errorf("create the demo token: %w", err)
				}
				logger.Info("demo EDITOR token created: send it as Authorization: Bearer <token>", "token", secret)
			}
		}
	}
	if cfg.AuthRequired() {
		logger.Info("authentication required: requests need an API token (relgraph token create)", "allowed_hosts", strings.Join(cfg.AllowedHosts, ","))
	} else {
		logger.Warn("authentication is off: anyone who can reach the listen address may read and write; X-Actor names the audit actor",
			"addr", cfg.Addr, "allowed_hosts", strings.Join(cfg.AllowedHosts, ","))
	}

	var m *metrics.Metrics
	if cfg.MetricsAddr != "" {
		m = metrics.New(db)
	}
	// Every committed audit event, whichever process wrote it, reaches
	// this process's subscriptions: on SQLite read from the audit trail, on
	// PostgreSQL received with LISTEN (see internal/events).
	broker := events.NewBroker(events.Options{})
	if db.Dialect == dialect.Postgres {
		events.StartBridge(ctx, broker, db.ConnectPostgres, logger)
	} else if _, err := events.StartTail(ctx, broker, db, logger); err != nil {
		return err
	}
	srv := &http.Server{
		Handler: httpapi.New(httpapi.Config{
			Events:         broker,
			DB:             db,
			Logger:         logger,
			CORSOrigins:    cfg.CORSOrigins,
			CORSHeaders:    cfg.CORSHeaders,
			AuthRequired:   cfg.AuthRequired(),
			AllowedHosts:   cfg.AllowedHosts,
			RequestTimeout: cfg.RequestTimeout,
			IdempotencyTTL: cfg.IdempotencyTTL,
			Metrics:        m,
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		// A response is written within the request's deadline; the margin
		// lets a cancelled request still say why.
		WriteTimeout: cfg.RequestTimeout + 5*time.Second,
		IdleTimeout:  2 * time.Minute,
		BaseContext:  func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	logger.Info("relgraph listening", "url", "http://"+ln.Addr().String()+"/")

	serveErr := make(chan error, 2)
	var metricsSrv *http.Server
	if m != nil {
		var mln net.Listener
		if metricsSrv, mln, err = metricsServer(cfg.MetricsAddr, m, logger); err != nil {
			ln.Close()
			return fmt.Errorf("metrics: %w", err)
		}
		go func() { serveErr <- metricsSrv.Serve(mln) }()
	}
	// Shutdown waits for open requests: end the subscriptions' streams.
	srv.RegisterOnShutdown(broker.Close)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	// The metrics outlive the public server, so a scrape during the drain
	// still answers.
	if metricsSrv != nil {
		if err := metricsSrv.Shutdown(shutdownCtx); err != nil {
			return fmt.Errorf("shutdown metrics: %w", err)
		}
	}
	logger.Info("stopped")
	return nil
}

// tokenCommand creates, lists or revokes API tokens.
func tokenCommand(ctx context.Context, db *store.DB, cmd config.TokenCommand, out io.Writer) error {
	ctx = viewer.WithActor(ctx, "relgraph token")
	switch cmd.Action {
	case "create":
		role, err := viewer.Parse(cmd.Role)
		if err != nil {
			return err
		}
		// Through WithTx, so that subscribers on PostgreSQL hear of it.
		var secret string
		err = db.WithTx(ctx, func(ctx context.Context, client *ent.Client) (err error) {
			_, secret, err = auth.Create(ctx, client, cmd.Name, role)
			return err
		})
		if err != nil {
			return fmt.Errorf("create token %q: %w", cmd.Name, err)
		}
		fmt.Fprintf(out, "%s\n", secret)
		return nil
	case "revoke":
		if err := db.WithTx(ctx, func(ctx context.Context, client *ent.Client) error {
			_, err := auth.Revoke(ctx, client, cmd.Name)
			return err
		}); err != nil {
			return fmt.Errorf("revoke token %q: %w", cmd.Name, err)
		}
		fmt.Fprintf(out, "revoked %s\n", cmd.Name)
		return nil
	}
	tokens, err := db.Client.Token.Query().Order(ent.Asc(token.FieldName)).All(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tROLE\tCREATED")
	for _, t := range tokens {
		fmt.Fprintf(w, "%s\t%s\t%s\n", t.Name, t.Role, t.CreatedAt.Format(time.RFC3339))
	}
	return w.Flush()
}

// catalogCommand imports Backstage catalog files or CSV files into the
// database (one transaction, rolled back with --dry-run), or exports the
// portfolio as CSV files. The summary goes to stdout; progress and the
// problems of a refused import, each at its file and line, to stderr.
func catalogCommand(ctx context.Context, db *store.DB, command string, cmd config.CatalogCommand, stdout, stderr io.Writer) error {
	if command == "export" {
		return exportCommand(ctx, db, cmd, stdout)
	}
	ctx = viewer.WithActor(ctx, "relgraph import")
	var run func(ctx context.Context, client *ent.Client, opts ...catalog.Option) (catalog.Summary, error)
	if cmd.Format == "backstage" {
		docs, err := catalog.ReadBackstage(cmd.Files...)
		if err != nil {
			return importFailed(err, stderr)
		}
		run = func(ctx context.Context, client *ent.Client, opts ...catalog.Option) (catalog.Summary, error) {
			return catalog.Import(ctx, client, docs, opts...)
		}
	} else {
		apps, deps, err := catalog.ReadCSV(cmd.Applications, cmd.Dependencies)
		if err != nil {
			return importFailed(err, stderr)
		}
		run = func(ctx context.Context, client *ent.Client, opts ...catalog.Option) (catalog.Summary, error) {
			return catalog.ImportCSV(ctx, client, apps, deps, opts...)
		}
	}
	progress := &catalog.Progress{W: stderr, Terminal: isTerminal(stderr), Min: 1000}
	summary, err := catalog.Apply(ctx, db, cmd.DryRun, func(ctx context.Context, client *ent.Client) (catalog.Summary, error) {
		return run(ctx, client, catalog.WithProgress(progress.Update))
	})
	if err != nil {
		return importFailed(err, stderr)
	}
	return summary.WriteText(stdout)
}

// importFailed prints what is wrong with an import's input, one problem a
// line, and returns a short error for the log.
func importFailed(err error, stderr io.Writer) error {
	var fe *fault.Error
	if catalog.Problems(err) == nil || !errors.As(err, &fe) {
		return err
	}
	fmt.Fprintln(stderr, fe.Message)
	return errors.New("import refused (see above): nothing was written")
}

// exportCommand writes the portfolio to the CSV files cmd names.
func exportCommand(ctx context.Context, db *store.DB, cmd config.CatalogCommand, stdout io.Writer) (err error) {
	var writers [2]io.Writer
	for i, path := range []string{cmd.Applications, cmd.Dependencies} {
		if path == "" {
			continue
		}
		f, ferr := os.Create(path)
		if ferr != nil {
			return ferr
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				_ = os.Remove(path)
			}
		}()
		writers[i] = f
	}
	counts, err := catalog.Export(ctx, db, writers[0], writers[1])
	if err != nil {
		return err
	}
	if cmd.Applications != "" {
		fmt.Fprintf(stdout, "exported %d applications to %s\n", counts.Applications, cmd.Applications)
	}
	if cmd.Dependencies != "" {
		fmt.Fprintf(stdout, "exported %d dependencies to %s\n", counts.Dependencies, cmd.Dependencies)
	}
	return nil
}

// isTerminal reports whether w is a terminal, where progress may redraw
// its line.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// prepareSchema applies the schema migrations the database lacks, or, with
// --no-migrate (except for `relgraph migrate` itself), only checks that it
// lacks none.
func prepareSchema(ctx context.Context, db *store.DB, cfg config.Config, logger *slog.Logger) error {
	if !cfg.NoMigrate || cfg.Command == "migrate" {
		if err := db.Migrate(ctx); err != nil {
			return err
		}
	}
	version, pending, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		return fmt.Errorf("the database schema (version %q) lacks migrations %s: run relgraph migrate, or start without --no-migrate", version, strings.Join(pending, ", "))
	}
	msg := "schema migrated"
	if cfg.NoMigrate && cfg.Command != "migrate" {
		msg = "schema up to date (--no-migrate)"
	}
	logger.Info(msg, "db", store.Redact(cfg.DB), "dialect", db.Dialect, "version", version)
	return nil
}
