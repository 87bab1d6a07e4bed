package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/relgraph/relgraph/graph"
)

// TestWriteTurnRunsOut proves the write-turn gate (Options.ConcurrentWrites):
// while one mutation holds the only turn, another waits without writing and,
// when its time runs out, is refused with a retryable UNAVAILABLE; the first
// completes once the database lets it.
func TestWriteTurnRunsOut(t *testing.T) {
	s := newTestServer(t, func(o *graph.Options) { o.ConcurrentWrites = 1 })
	ctx := context.Background()

	// Someone else holds the graph generation's row (and, on SQLite, the
	// write lock), so the first mutation waits inside its turn.
	blocker, err := s.DB.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback()
	if _, err := blocker.ExecContext(ctx, "UPDATE generations SET value = value WHERE name = 'graph'"); err != nil {
		t.Fatal(err)
	}

	post := func(ctx context.Context, name string) map[string]any {
		body, _ := json.Marshal(map[string]any{"query": `mutation($n:String!) { createApplication(input:{name:$n}) { name } }`, "variables": map[string]any{"n": name}})
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.handler.ServeHTTP(rec, req)
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Errorf("%s: %v: %s", name, err, rec.Body)
		}
		return out
	}
	first := make(chan map[string]any, 1)
	go func() { first <- post(ctx, "first") }()
	time.Sleep(300 * time.Millisecond) // the first takes the turn and waits for the blocker

	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	second := post(short, "second")
	errs, _ := second["errors"].([]any)
	if len(errs) != 1 {
		t.Fatalf("second: want one error, got %v", second)
	}
	ext, _ := errs[0].(map[string]any)["extensions"].(map[string]any)
	if ext["code"] != "UNAVAILABLE" || ext["retryable"] != true {
		t.Fatalf("second: want a retryable UNAVAILABLE, got %v", errs[0])
	}

	if err := blocker.Rollback(); err != nil {
		t.Fatal(err)
	}
	select {
	case out := <-first:
		if out["errors"] != nil {
			t.Fatalf("first: %v", out)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the first mutation never finished")
	}
	var names struct {
		Applications struct{ TotalCount int }
	}
	s.ok(t, `{ applications(where:{name:"second"}) { totalCount } }`, nil, &names)
	if names.Applications.TotalCount != 0 {
		t.Fatal("the refused mutation wrote its application")
	}
}
