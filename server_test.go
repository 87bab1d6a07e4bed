package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
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

// startServer runs the server with args until the test ends and returns
// its URL and log.
func startServer(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	cfg, err := config.Load(args, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, logger) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run returned %v", err)
		}
	})
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := regexp.MustCompile(`url=http://\S+:(\d+)/`).FindStringSubmatch(logs.String()); m != nil {
			return "http://127.0.0.1:" + m[1], logs
		}
	}
	t.Fatalf("server did not start:\n%s", logs.String())
	return "", nil
}

func post(t *testing.T, url, token, query string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", strings.NewReader(`{"query":`+strconv.Quote(query)+`}`))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// A server others can reach needs tokens by default: anonymous requests
// get 401, and --demo prints an EDITOR token that reads and writes.
func TestReachableServerRequiresTokens(t *testing.T) {
	url, logs := startServer(t, "--addr", "0.0.0.0:0", "--demo", "--db", filepath.Join(t.TempDir(), "r.db"))
	if status, body := post(t, url, "", `{ applications { totalCount } }`); status != http.StatusUnauthorized || !strings.Contains(body, "UNAUTHENTICATED") {
		t.Fatalf("anonymous request: %d %s", status, body)
	}
	m := regexp.MustCompile(`demo EDITOR token created.* token=(rg_\S+)`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no demo token in the log:\n%s", logs.String())
	}
	if status, body := post(t, url, m[1], `mutation { createApplication(input:{name:"tax"}) { name } }`); status != 200 || !strings.Contains(body, `"tax"`) {
		t.Fatalf("demo token write: %d %s", status, body)
	}
	if !strings.Contains(logs.String(), "authentication required") {
		t.Errorf("the log does not say authentication is required:\n%s", logs.String())
	}
}

// On loopback, authentication is off by default, and the log says so.
func TestLoopbackServerWarnsAuthIsOff(t *testing.T) {
	url, logs := startServer(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "r.db"))
	if status, body := post(t, url, "", `{ viewer { role } }`); status != 200 || !strings.Contains(body, "ADMIN") {
		t.Fatalf("anonymous request on loopback: %d %s", status, body)
	}
	if !strings.Contains(logs.String(), "level=WARN msg=\"authentication is off") {
		t.Errorf("no warning that authentication is off:\n%s", logs.String())
	}
}

// The token command creates, lists and revokes tokens, and a created
// token authenticates against a server on the same database.
func TestTokenCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "r.db")
	command := func(args ...string) string {
		t.Helper()
		cfg, err := config.Load(append([]string{"--db", db}, args...), func(string) string { return "" }, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		old := os.Stdout
		r, w, _ := os.Pipe()
		os.Stdout = w
		err = run(context.Background(), cfg, slog.New(slog.DiscardHandler))
		w.Close()
		os.Stdout = old
		_, _ = out.ReadFrom(r)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out.String()
	}
	secret := strings.TrimSpace(command("token", "create", "--name", "ci", "--role", "VIEWER"))
	if !strings.HasPrefix(secret, "rg_") {
		t.Fatalf("token create printed %q", secret)
	}
	if list := command("token", "list"); !strings.Contains(list, "ci") || !strings.Contains(list, "VIEWER") || strings.Contains(list, secret) {
		t.Fatalf("token list printed %q", list)
	}
	url, _ := startServer(t, "--addr", "127.0.0.1:0", "--auth", "required", "--db", db)
	if status, body := post(t, url, secret, `{ viewer { actor role } }`); status != 200 || !strings.Contains(body, `"actor":"ci"`) {
		t.Fatalf("token request: %d %s", status, body)
	}
	if status, body := post(t, url, secret, `mutation { createApplication(input:{name:"x"}) { id } }`); !strings.Contains(body, "FORBIDDEN") {
		t.Fatalf("a VIEWER token wrote: %d %s", status, body)
	}
	command("token", "revoke", "ci")
	if status, _ := post(t, url, secret, `{ viewer { actor } }`); status != http.StatusUnauthorized {
		t.Fatalf("a revoked token answered %d", status)
	}
}
