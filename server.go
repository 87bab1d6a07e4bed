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
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/relgraph/relgraph/internal/config"
	"github.com/relgraph/relgraph/internal/demo"
	"github.com/relgraph/relgraph/internal/httpapi"
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
	if os.Getenv("GOGC") == "" {
		// Responses allocate many short-lived objects while the live heap
		// (the graph snapshot) stays small and steady: collecting less often
		// trades some memory for latency. GOGC in the environment wins.
		debug.SetGCPercent(400)
	}
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
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	logger.Info("schema migrated", "db", store.Redact(cfg.DB), "dialect", db.Dialect)
	if cfg.Command == "migrate" {
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
		}
	}

	srv := &http.Server{
		Handler: httpapi.New(httpapi.Config{
			DB:          db,
			Logger:      logger,
			CORSOrigins: cfg.CORSOrigins,
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	logger.Info("relgraph listening", "url", "http://"+ln.Addr().String()+"/")

	serveErr := make(chan error, 1)
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
	logger.Info("stopped")
	return nil
}
