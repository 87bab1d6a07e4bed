package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/client"

	"github.com/relgraph/relgraph/ent/generation"
	"github.com/relgraph/relgraph/graph"
	"github.com/relgraph/relgraph/internal/testdb"
	"github.com/relgraph/relgraph/internal/viewer"
	"github.com/relgraph/relgraph/store"
)

// testServer is the GraphQL handler graph.NewServer builds, over a fresh
// database (testdb), driven in-process by gqlgen's client.
type testServer struct {
	gql        *client.Client
	handler    http.Handler
	DB         *store.DB
	statements atomic.Int64
	logs       *bytes.Buffer
	dsn        string
}

func newTestServer(t *testing.T, configure ...func(*graph.Options)) *testServer {
	t.Helper()
	ts := &testServer{logs: &bytes.Buffer{}, dsn: testdb.New(t)}
	db, err := store.Open(context.Background(), ts.dsn, store.WithStatementHook(func(ctx context.Context, statement string) {
		ts.statements.Add(1)
		if c, ok := ctx.Value(statementCounterKey{}).(*statementCounter); ok {
			c.count(statement)
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	ts.DB = db
	opts := graph.Options{Logger: slog.New(slog.NewTextHandler(&lockedWriter{w: ts.logs}, nil))}
	for _, c := range configure {
		c(&opts)
	}
	ts.handler = graph.NewServer(db.Client, db.Graph, opts)
	ts.gql = client.New(ts.handler)
	return ts
}

// raw posts a GraphQL request and returns the response body as the server
// wrote it, byte for byte.
func (s *testServer) raw(t *testing.T, query string, vars map[string]any) []byte {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

// newReplica serves a second, independent GraphQL handler over the same
// database as s, with its own connection pool and graph cache, as a second
// replica would.
func newReplica(t *testing.T, s *testServer) *testServer {
	t.Helper()
	db, err := store.Open(context.Background(), s.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r := &testServer{logs: &bytes.Buffer{}, DB: db, dsn: s.dsn}
	opts := graph.Options{Logger: slog.New(slog.NewTextHandler(&lockedWriter{w: r.logs}, nil))}
	r.gql = client.New(graph.NewServer(db.Client, db.Graph, opts))
	return r
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// asActor puts actor into the request context, as the HTTP layer does with
// the X-Actor header.
func asActor(actor string) client.Option {
	return func(r *client.Request) {
		r.HTTP = r.HTTP.WithContext(viewer.WithActor(r.HTTP.Context(), actor))
	}
}

// statementCounter counts statements of interest among those sent on
// behalf of one request.
type statementCounter struct {
	generationReads atomic.Int64
}

type statementCounterKey struct{}

// readsGeneration matches the statements that read the graph generation
// (Ent's debug driver logs "driver.Query: query=SELECT ... FROM ...",
// "Tx(id).Query: ..." inside a transaction).
var readsGeneration = regexp.MustCompile(`(?is)\.Query: query=SELECT\b.*\bFROM\s+["` + "`" + `]?` + generation.Table + `["` + "`" + `]?(\s|$)`)

func (c *statementCounter) count(statement string) {
	if readsGeneration.MatchString(statement) {
		c.generationReads.Add(1)
	}
}

// countStatements makes the statement hook count the request's statements
// into c.
func countStatements(c *statementCounter) client.Option {
	return func(r *client.Request) {
		r.HTTP = r.HTTP.WithContext(context.WithValue(r.HTTP.Context(), statementCounterKey{}, c))
	}
}

// gqlResponse is a GraphQL response as a client sees it.
type gqlResponse struct {
	Data   json.RawMessage
	Errors []gqlError
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// query runs a GraphQL request and decodes the response; it fails the test
// only on transport problems, not on GraphQL errors.
func (s *testServer) query(t *testing.T, query string, vars map[string]any) *gqlResponse {
	t.Helper()
	return s.queryAs(t, "", query, vars)
}

// queryAs is query with the audit actor set to actor (none if empty).
func (s *testServer) queryAs(t *testing.T, actor, query string, vars map[string]any) *gqlResponse {
	t.Helper()
	var opts []client.Option
	if actor != "" {
		opts = append(opts, asActor(actor))
	}
	return s.post(t, query, vars, opts...)
}

// post runs a GraphQL request with the given variables and client options.
func (s *testServer) post(t *testing.T, query string, vars map[string]any, opts ...client.Option) *gqlResponse {
	t.Helper()
	for k, v := range vars {
		opts = append(opts, client.Var(k, v))
	}
	res, err := s.gql.RawPost(query, opts...)
	if err != nil {
		t.Fatal(err)
	}
	out := &gqlResponse{}
	if res.Data != nil {
		if out.Data, err = json.Marshal(res.Data); err != nil {
			t.Fatal(err)
		}
	}
	if len(res.Errors) > 0 {
		if err := json.Unmarshal(res.Errors, &out.Errors); err != nil {
			t.Fatalf("errors are not a list of GraphQL errors: %s", res.Errors)
		}
	}
	return out
}

// ok runs a request that must succeed and decodes its data into v.
func (s *testServer) ok(t *testing.T, query string, vars map[string]any, v any) {
	t.Helper()
	s.okWith(t, query, vars, v)
}

// okWith is ok with client options.
func (s *testServer) okWith(t *testing.T, query string, vars map[string]any, v any, opts ...client.Option) {
	t.Helper()
	res := s.post(t, query, vars, opts...)
	if len(res.Errors) > 0 {
		t.Fatalf("unexpected errors: %+v", res.Errors)
	}
	if v != nil {
		if err := json.Unmarshal(res.Data, v); err != nil {
			t.Fatalf("decode %s: %v", res.Data, err)
		}
	}
}

// measure runs a request that must succeed and returns the counts of the
// SQL statements it sent.
func (s *testServer) measure(t *testing.T, query string, vars map[string]any) *statementCounter {
	t.Helper()
	c := &statementCounter{}
	s.okWith(t, query, vars, nil, countStatements(c))
	return c
}

// fails runs a request that must fail with code and returns the error.
func (s *testServer) fails(t *testing.T, code, query string, vars map[string]any) gqlError {
	t.Helper()
	res := s.query(t, query, vars)
	if len(res.Errors) == 0 {
		t.Fatalf("expected %s error, got data %s", code, res.Data)
	}
	e := res.Errors[0]
	if got := e.Extensions["code"]; got != code {
		t.Fatalf("expected code %s, got %v: %q", code, got, e.Message)
	}
	for _, leak := range []string{"sqlite", "SQL", "constraint failed", "ent:", "goroutine", ".go:"} {
		if strings.Contains(e.Message, leak) {
			t.Errorf("error message leaks internals (%q): %q", leak, e.Message)
		}
	}
	return e
}

// vars builds a variables map from alternating keys and values.
func vars(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func (s *testServer) createApp(t *testing.T, name string) string {
	t.Helper()
	var out struct {
		CreateApplication struct{ ID string } `json:"createApplication"`
	}
	s.ok(t, `mutation($n:String!){ createApplication(input:{name:$n}){ id } }`, vars("n", name), &out)
	return out.CreateApplication.ID
}

func (s *testServer) createDep(t *testing.T, consumer, provider string) string {
	t.Helper()
	var out struct {
		CreateDependency struct{ ID string } `json:"createDependency"`
	}
	s.ok(t, `mutation($c:ID!,$p:ID!){ createDependency(input:{consumerID:$c, providerID:$p}){ id } }`,
		vars("c", consumer, "p", provider), &out)
	return out.CreateDependency.ID
}

func (s *testServer) createRelease(t *testing.T, name string, window ...string) string {
	t.Helper()
	in := map[string]any{"name": name}
	if len(window) == 2 {
		in["startsAt"], in["endsAt"] = window[0], window[1]
	}
	var out struct {
		CreateRelease struct{ ID string } `json:"createRelease"`
	}
	s.ok(t, `mutation($in:CreateReleaseInput!){ createRelease(input:$in){ id } }`, vars("in", in), &out)
	return out.CreateRelease.ID
}

func (s *testServer) createChange(t *testing.T, title string, release string, apps ...string) string {
	t.Helper()
	in := map[string]any{"title": title, "kind": "FEATURE", "risk": "LOW", "applicationIDs": apps}
	if release != "" {
		in["releaseID"] = release
	}
	var out struct {
		CreateChange struct{ ID string } `json:"createChange"`
	}
	s.ok(t, `mutation($in:CreateChangeInput!){ createChange(input:$in){ id } }`, vars("in", in), &out)
	return out.CreateChange.ID
}
