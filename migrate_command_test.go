package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relgraph/relgraph/internal/config"
)

// With --no-migrate the server refuses a database that lacks migrations,
// and starts once `relgraph migrate` (which ignores --no-migrate) applied
// them.
func TestNoMigrateRefusesAnUnmigratedDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "r.db")
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	load := func(args ...string) config.Config {
		cfg, err := config.Load(append([]string{"--db", db, "--addr", "127.0.0.1:0"}, args...), func(string) string { return "" }, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	err := run(context.Background(), load("--no-migrate"), logger)
	if err == nil || !strings.Contains(err.Error(), "relgraph migrate") {
		t.Fatalf("run --no-migrate on an empty database = %v, want a refusal", err)
	}
	if err := run(context.Background(), load("--no-migrate", "migrate"), logger); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for !strings.Contains(logs.String(), "relgraph listening") {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	if err := run(ctx, load("--no-migrate"), logger); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "schema up to date (--no-migrate)") {
		t.Fatalf("log:\n%s", logs.String())
	}
}
