package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/relgraph/relgraph/internal/events"
	"github.com/relgraph/relgraph/internal/httpapi"
	"github.com/relgraph/relgraph/internal/testdb"
	"github.com/relgraph/relgraph/store"
)

// testServer is the real handler over a real SQLite file, served over HTTP.
type testServer struct {
	*httptest.Server
	DB         *store.DB
	statements atomic.Int64
	logs       *bytes.Buffer
	logw       *lockedWriter // writes to logs
	events     *events.Broker
}

func newTestServer(t *testing.T, configure ...func(*httpapi.Config)) *testServer {
	t.Helper()
	ts := &testServer{logs: &bytes.Buffer{}}
	ts.logw = &lockedWriter{w: ts.logs}
	db, err := store.Open(context.Background(), testdb.New(t), store.WithStatementHook(func(context.Context, string) {
		ts.statements.Add(1)
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	ts.DB = db
	cfg := httpapi.Config{DB: db, Logger: slog.New(slog.NewTextHandler(ts.logw, nil))}
	for _, c := range configure {
		c(&cfg)
	}
	if cfg.Events == nil {
		cfg.Events = events.NewBroker(events.Options{})
	}
	ts.events = cfg.Events
	ts.Server = httptest.NewServer(httpapi.New(cfg))
	t.Cleanup(ts.Close)
	return ts
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// logText returns what the server logged so far.
func (s *testServer) logText() string {
	s.logw.mu.Lock()
	defer s.logw.mu.Unlock()
	return s.logs.String()
}

// gqlResponse is a GraphQL response as a client sees it.
type gqlResponse struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// query posts a GraphQL request and decodes the response; it fails the test
// only on transport problems, not on GraphQL errors.
func (s *testServer) query(t *testing.T, query string, vars map[string]any) *gqlResponse {
	t.Helper()
	return s.queryAs(t, "", query, vars)
}

// queryAs is query with the X-Actor header naming actor (none if empty).
func (s *testServer) queryAs(t *testing.T, actor, query string, vars map[string]any) *gqlResponse {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if actor != "" {
		req.Header.Set(httpapi.ActorHeader, actor)
	}
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := &gqlResponse{Status: res.StatusCode}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("response is not JSON (%d): %s", res.StatusCode, raw)
	}
	return out
}

// ok posts a request that must succeed and decodes its data into v.
func (s *testServer) ok(t *testing.T, query string, vars map[string]any, v any) {
	t.Helper()
	res := s.query(t, query, vars)
	if len(res.Errors) > 0 {
		t.Fatalf("unexpected errors: %+v", res.Errors)
	}
	if v != nil {
		if err := json.Unmarshal(res.Data, v); err != nil {
			t.Fatalf("decode %s: %v", res.Data, err)
		}
	}
}

// rawResponse is an HTTP response read whole.
type rawResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// send makes one HTTP request to the server as given, without the helpers'
// JSON encoding, for requests a well-behaved client would not make.
func (s *testServer) send(t *testing.T, method, target, contentType, accept string, body io.Reader) *rawResponse {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+target, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &rawResponse{Status: res.StatusCode, Header: res.Header, Body: raw}
}
