package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relgraph/relgraph/internal/config"
)

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestServeDemoAndShutDown runs the server as main does: it migrates, loads
// the demo, serves, and on cancellation (SIGINT/SIGTERM in main) finishes
// in-flight requests and returns cleanly.
func TestServeDemoAndShutDown(t *testing.T) {
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	cfg, err := config.Load([]string{"--addr", "127.0.0.1:0", "--demo", "--db", filepath.Join(t.TempDir(), "r.db")},
		func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, logger) }()

	var url string
	for deadline := time.Now().Add(30 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := regexp.MustCompile(`url=(http://\S+)/`).FindStringSubmatch(logs.String()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		t.Fatalf("server did not start:\n%s", logs.String())
	}
	res, err := http.Post(url+"/graphql", "application/json",
		strings.NewReader(`{"query":"{ applications { totalCount } releases { totalCount } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), `"applications":{"totalCount":30}`) {
		t.Fatalf("demo data not served: %s", body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not shut down")
	}
	for _, want := range []string{"demo data loaded", "shutting down", "stopped"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Fatal("server still accepts connections after shutdown")
	}
}

func TestMigrateCommandAndDemoRefusal(t *testing.T) {
	db := filepath.Join(t.TempDir(), "r.db")
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	load := func(args ...string) config.Config {
		cfg, err := config.Load(append([]string{"--db", db}, args...), func(string) string { return "" }, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	// migrate exits on its own, without serving.
	if err := run(context.Background(), load("--demo", "migrate"), logger); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "schema migrated") || strings.Contains(logs.String(), "listening") {
		t.Fatalf("migrate did not just migrate:\n%s", logs.String())
	}
	// A second --demo start on a filled database leaves the data alone.
	for i := range 2 {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { // stop the server once it has started
			for strings.Count(logs.String(), "relgraph listening") <= i {
				time.Sleep(10 * time.Millisecond)
			}
			cancel()
		}()
		if err := run(ctx, load("--demo", "--addr", "127.0.0.1:0"), logger); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(logs.String(), "demo data not loaded: the database is not empty") {
		t.Fatalf("second demo load was not refused:\n%s", logs.String())
	}
}
