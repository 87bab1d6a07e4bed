package idempotency_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/relgraph/relgraph/internal/idempotency"
	"github.com/relgraph/relgraph/internal/testdb"
	"github.com/relgraph/relgraph/internal/viewer"
	"github.com/relgraph/relgraph/store"
)

func TestValidKey(t *testing.T) {
	cases := []struct {
		name string
		key  string
		ok   bool
	}{
		{"one character", "k", true},
		{"a UUID", "8f14e45f-ceea-467f-a0e2-6c1b5e1f2d3c", true},
		{"printable ASCII with spaces", `deploy 2026-12-01 #3 "a"~`, true},
		{"the longest", strings.Repeat("k", idempotency.MaxKeyLength), true},
		{"empty", "", false},
		{"too long", strings.Repeat("k", idempotency.MaxKeyLength+1), false},
		{"tab", "a\tb", false},
		{"NUL", "a\x00b", false},
		{"DEL", "a\x7fb", false},
		{"not ASCII", "clé", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := idempotency.ValidKey(tc.key); got != tc.ok {
				t.Fatalf("ValidKey(%q) = %v, want %v", tc.key, got, tc.ok)
			}
		})
	}
}

// fixture is a Keeper over a fresh database in front of a handler that
// the test scripts.
type fixture struct {
	db   *store.DB
	runs atomic.Int64
	h    http.Handler
}

// newFixture serves next (which may look at the run number, from 1) behind
// a Keeper with opts.
func newFixture(t *testing.T, opts idempotency.Options, next func(run int64, w http.ResponseWriter, r *http.Request)) *fixture {
	t.Helper()
	f := &fixture{db: testdb.Open(t)}
	opts.Logger = discard
	f.h = idempotency.New(f.db.Client, opts).Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next(f.runs.Add(1), w, r)
	}))
	return f
}

var discard = slog.New(slog.DiscardHandler)

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// send serves one POST with key (none if empty) and body, as alice.
func (f *fixture) send(ctx context.Context, key, body, accept string) *httptest.ResponseRecorder {
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/graphql", strings.NewReader(body))
	r = r.WithContext(viewer.With(r.Context(), viewer.Viewer{Actor: "alice", Role: viewer.Admin}))
	r.Header.Set("Content-Type", "application/json")
	if accept != "" {
		r.Header.Set("Accept", accept)
	}
	if key != "" {
		r.Header.Set(idempotency.Header, key)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

func (f *fixture) rows(t *testing.T) int {
	t.Helper()
	n, err := f.db.Client.IdempotencyKey.Query().Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func writeJSON(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, body)
}

type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// refusal decodes a refusal's one error.
func refusal(t *testing.T, w *httptest.ResponseRecorder) gqlError {
	t.Helper()
	var rsp struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &rsp); err != nil || len(rsp.Errors) != 1 || rsp.Data != nil {
		t.Fatalf("not a refusal (%v): %s", err, w.Body)
	}
	return rsp.Errors[0]
}

// blocking is a next handler whose first run waits for release and then
// answers first; later runs answer later.
func blocking(started chan<- struct{}, release <-chan struct{}, first, later string) func(int64, http.ResponseWriter, *http.Request) {
	return func(run int64, w http.ResponseWriter, r *http.Request) {
		if run == 1 {
			close(started)
			<-release
			writeJSON(w, first)
			return
		}
		writeJSON(w, later)
	}
}

// TestWaiterReplaysTheFirst: a repeat sent while the first request runs
// waits for it and gets its response.
func TestWaiterReplaysTheFirst(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	f := newFixture(t, idempotency.Options{}, blocking(started, release, `{"data":{"run":1}}`, `{"data":{"run":2}}`))
	first := make(chan *httptest.ResponseRecorder)
	go func() { first <- f.send(context.Background(), "k", `{"query":"mutation"}`, "") }()
	<-started
	second := make(chan *httptest.ResponseRecorder)
	go func() { second <- f.send(context.Background(), "k", `{"query":"mutation"}`, "") }()
	select {
	case w := <-second:
		t.Fatalf("the repeat did not wait: %s", w.Body)
	case <-time.After(10 * idempotency.PollInterval):
	}
	close(release)
	a, b := <-first, <-second
	if a.Body.String() != `{"data":{"run":1}}` || a.Header().Get(idempotency.ReplayedHeader) != "" {
		t.Fatalf("first: %v %s", a.Header(), a.Body)
	}
	if b.Code != http.StatusOK || b.Body.String() != a.Body.String() || b.Header().Get(idempotency.ReplayedHeader) != "true" ||
		b.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("repeat: %d %v %s", b.Code, b.Header(), b.Body)
	}
	if n := f.runs.Load(); n != 1 {
		t.Fatalf("%d runs, want 1", n)
	}
}

// TestWaiterRunsWhenTheFirstFails: when the request a repeat waits for
// fails (and so wrote nothing), the repeat runs itself.
func TestWaiterRunsWhenTheFirstFails(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	failed := `{"errors":[{"message":"busy","extensions":{"code":"UNAVAILABLE"}}],"data":null}`
	f := newFixture(t, idempotency.Options{}, blocking(started, release, failed, `{"data":{"run":2}}`))
	first := make(chan *httptest.ResponseRecorder)
	go func() { first <- f.send(context.Background(), "k", `{}`, "") }()
	<-started
	second := make(chan *httptest.ResponseRecorder)
	go func() { second <- f.send(context.Background(), "k", `{}`, "") }()
	time.Sleep(5 * idempotency.PollInterval)
	close(release)
	if a := <-first; a.Body.String() != failed {
		t.Fatalf("first: %s", a.Body)
	}
	b := <-second
	if b.Body.String() != `{"data":{"run":2}}` || b.Header().Get(idempotency.ReplayedHeader) != "" {
		t.Fatalf("repeat: %v %s", b.Header(), b.Body)
	}
	if c := f.send(context.Background(), "k", `{}`, ""); c.Body.String() != b.Body.String() || c.Header().Get(idempotency.ReplayedHeader) != "true" {
		t.Fatalf("third: %v %s", c.Header(), c.Body)
	}
	if n := f.runs.Load(); n != 2 {
		t.Fatalf("%d runs, want 2", n)
	}
}

// TestWaiterGivesUpAtItsDeadline: a repeat that waits past its deadline
// is told to retry, with the status the client's media type calls for.
func TestWaiterGivesUpAtItsDeadline(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	f := newFixture(t, idempotency.Options{}, blocking(started, release, `{"data":{}}`, `{"data":{}}`))
	first := make(chan *httptest.ResponseRecorder)
	go func() { first <- f.send(context.Background(), "k", `{}`, "") }()
	<-started
	for _, tc := range []struct {
		accept string
		status int
	}{{"application/json", http.StatusOK}, {"application/graphql-response+json", http.StatusConflict}} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*idempotency.PollInterval)
		w := f.send(ctx, "k", `{}`, tc.accept)
		cancel()
		e := refusal(t, w)
		if w.Code != tc.status || w.Header().Get("Content-Type") != tc.accept || e.Extensions["code"] != "CONFLICT" ||
			e.Extensions["retryable"] != true || !strings.Contains(e.Message, "still in progress") {
			t.Fatalf("%s: %d %v %s", tc.accept, w.Code, w.Header(), w.Body)
		}
	}
	close(release)
	<-first
	if n := f.runs.Load(); n != 1 {
		t.Fatalf("%d runs, want 1", n)
	}
}

// TestInterruptedClaim: a claim that should long have finished but never
// kept a response (the server stopped) has an unknown outcome: a repeat is
// refused for good rather than run again.
func TestInterruptedClaim(t *testing.T) {
	f := newFixture(t, idempotency.Options{MaxRun: time.Second}, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, `{"data":{}}`)
	})
	if w := f.send(context.Background(), "k", `{}`, ""); w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	// A claim from two minutes ago, never finished.
	if err := f.db.Client.IdempotencyKey.Create().SetCaller("alice").SetKey("lost").SetRequestHash(sha256Hex(`{}`)).
		SetCreatedAt(time.Now().Add(-2 * time.Minute).UTC()).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	w := f.send(context.Background(), "lost", `{}`, "")
	if e := refusal(t, w); e.Extensions["code"] != "CONFLICT" || e.Extensions["retryable"] != nil || !strings.Contains(e.Message, "interrupted") {
		t.Fatalf("%s", w.Body)
	}
	if n := f.runs.Load(); n != 1 {
		t.Fatalf("%d runs, want 1", n)
	}
}

// TestResponsesThatAreNotKept: errors, other statuses, bodies over the cap
// and panics release the key: the response is sent as it was, and a retry
// runs again.
func TestResponsesThatAreNotKept(t *testing.T) {
	large := `{"data":{"pad":"` + strings.Repeat("x", idempotency.MaxResponseBytes) + `"}}`
	cases := []struct {
		name   string
		status int
		body   string
		panics bool
	}{
		{name: "errors", status: http.StatusOK, body: `{"errors":[{"message":"no"}],"data":null}`},
		{name: "errors beside data", status: http.StatusOK, body: `{"data":{"a":1},"errors":[{"message":"no"}]}`},
		{name: "4xx", status: http.StatusBadRequest, body: `{"errors":[{"message":"no"}]}`},
		{name: "not JSON", status: http.StatusOK, body: `ok`},
		{name: "over the cap", status: http.StatusOK, body: large},
		{name: "panic", panics: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, idempotency.Options{}, func(_ int64, w http.ResponseWriter, _ *http.Request) {
				if tc.panics {
					panic(http.ErrAbortHandler)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				// In pieces, as an encoder writes.
				for s := tc.body; s != ""; {
					n := min(len(s), 4096)
					_, _ = io.WriteString(w, s[:n])
					s = s[n:]
				}
			})
			for range 2 {
				func() {
					defer func() {
						if r := recover(); r != nil && !tc.panics {
							panic(r)
						}
					}()
					w := f.send(context.Background(), "k", `{}`, "")
					if w.Code != tc.status || w.Body.String() != tc.body || w.Header().Get(idempotency.ReplayedHeader) != "" {
						t.Fatalf("%d %.100s", w.Code, w.Body)
					}
				}()
			}
			if n := f.runs.Load(); n != 2 {
				t.Fatalf("%d runs, want 2", n)
			}
			if n := f.rows(t); n != 0 {
				t.Fatalf("%d rows kept, want 0", n)
			}
		})
	}
}

// TestExpiredKeys: a key older than the TTL is free again, and claiming
// keys deletes the expired ones.
func TestExpiredKeys(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	f := newFixture(t, idempotency.Options{TTL: time.Hour, Now: clock}, func(_ int64, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, `{"data":{}}`)
	})
	for _, k := range []string{"a", "b"} {
		f.send(context.Background(), k, `{}`, "")
	}
	advance(59 * time.Minute)
	if w := f.send(context.Background(), "a", `{}`, ""); w.Header().Get(idempotency.ReplayedHeader) != "true" {
		t.Fatalf("not replayed within the TTL")
	}
	advance(2 * time.Minute)
	// Another request under an expired key runs.
	if w := f.send(context.Background(), "a", `{"other":1}`, ""); w.Code != http.StatusOK || w.Header().Get(idempotency.ReplayedHeader) != "" {
		t.Fatalf("expired key: %d %s", w.Code, w.Body)
	}
	// Claiming deleted "b" (and "a", claimed again since).
	if n := f.rows(t); n != 1 {
		t.Fatalf("%d rows, want 1", n)
	}
	if n := f.runs.Load(); n != 3 {
		t.Fatalf("%d runs, want 3", n)
	}
}

// TestRequestsLeftAlone: requests without a key, and GET requests, pass
// through untouched; a body that cannot be read is handed on with its error.
func TestRequestsLeftAlone(t *testing.T) {
	var bodyErr error
	f := newFixture(t, idempotency.Options{}, func(_ int64, w http.ResponseWriter, r *http.Request) {
		_, bodyErr = io.ReadAll(r.Body)
		writeJSON(w, `{"data":{}}`)
	})
	f.send(context.Background(), "", `{}`, "")
	r := httptest.NewRequest(http.MethodGet, "/graphql?query=%7B__typename%7D", nil)
	r.Header.Set(idempotency.Header, "k")
	f.h.ServeHTTP(httptest.NewRecorder(), r)
	if n := f.rows(t); n != 0 {
		t.Fatalf("%d rows, want 0", n)
	}
	w := httptest.NewRecorder()
	r = httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ a }"}`))
	r.Header.Set(idempotency.Header, "k")
	r.Body = http.MaxBytesReader(w, r.Body, 4)
	f.h.ServeHTTP(w, r)
	var tooLarge *http.MaxBytesError
	if !errors.As(bodyErr, &tooLarge) {
		t.Fatalf("next read %v, want the body limit's error", bodyErr)
	}
	if n := f.runs.Load(); n != 3 || f.rows(t) != 0 {
		t.Fatalf("%d runs, %d rows; want 3 and 0", n, f.rows(t))
	}
}

// TestKeyUsedForAnotherRequest: the same key with a different body is
// refused, whether the first has finished or not.
func TestKeyUsedForAnotherRequest(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	f := newFixture(t, idempotency.Options{}, blocking(started, release, `{"data":{}}`, `{"data":{}}`))
	first := make(chan *httptest.ResponseRecorder)
	go func() { first <- f.send(context.Background(), "k", `{"a":1}`, "") }()
	<-started
	check := func() {
		t.Helper()
		w := f.send(context.Background(), "k", `{"a":2}`, "application/graphql-response+json")
		if e := refusal(t, w); w.Code != http.StatusConflict || e.Extensions["code"] != "CONFLICT" || !strings.Contains(e.Message, "different request") {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	}
	check()
	close(release)
	<-first
	check()
	if n := f.runs.Load(); n != 1 {
		t.Fatalf("%d runs, want 1", n)
	}
}
