package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relgraph/relgraph/internal/subclient"
	"github.com/relgraph/relgraph/internal/testdb"
)

// TestSubscriptionAcrossReplicas runs two server processes on one
// PostgreSQL database: a release transition written through replica A
// reaches subscribers on replica B, over WebSocket and over SSE, within a
// second (LISTEN/NOTIFY).
func TestSubscriptionAcrossReplicas(t *testing.T) {
	if !testdb.Postgres() {
		t.Skip("needs PostgreSQL: set " + testdb.PostgresEnv)
	}
	if testing.Short() {
		t.Skip("builds the binary and runs two servers")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "relgraph")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dsn := testdb.New(t)
	dirA, dirB := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for _, d := range []string{dirA, dirB} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// One after the other: the first migrates the database.
	a, logA := startReadmeServer(t, bin, dirA, []string{"--db", dsn, "--addr", "127.0.0.1:0"})
	b, logB := startReadmeServer(t, bin, dirB, []string{"--db", dsn, "--addr", "127.0.0.1:0"})
	defer func() {
		if t.Failed() {
			t.Logf("replica A:\n%s\nreplica B:\n%s", readFile(t, logA), readFile(t, logB))
		}
	}()

	post := func(query string, vars map[string]any) json.RawMessage {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		res, err := http.Post(a+"/graphql", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out struct {
			Data   json.RawMessage
			Errors []any
		}
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil || len(out.Errors) > 0 {
			t.Fatalf("%s: %v %v", query, err, out.Errors)
		}
		return out.Data
	}
	var created struct{ CreateRelease struct{ ID string } }
	if err := json.Unmarshal(post(`mutation { createRelease(input: {name: "board"}) { id } }`, nil), &created); err != nil {
		t.Fatal(err)
	}
	id := created.CreateRelease.ID

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const sub = `subscription($ids: [ID!]) { releaseEvents(releaseIDs: $ids) { kind release { id status } } }`
	vars := map[string]any{"ids": []string{id}}
	ws, err := subclient.Dial(ctx, "ws"+strings.TrimPrefix(b, "http")+"/graphql", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.Subscribe(ctx, "1", sub, vars); err != nil {
		t.Fatal(err)
	}
	sse, err := subclient.SSE(ctx, b+"/graphql", nil, sub, vars)
	if err != nil {
		t.Fatal(err)
	}
	defer sse.Close()
	// The WebSocket's subscribe message has no answer until an event: give
	// replica B a moment to have both subscriptions open.
	time.Sleep(300 * time.Millisecond)

	start := time.Now()
	post(`mutation($id: ID!) { transitionRelease(id: $id, to: CANCELLED) { id } }`, map[string]any{"id": id})
	want := `{"releaseEvents":{"kind":"TRANSITION","release":{"id":"` + id + `","status":"CANCELLED"}}}`

	// The release's CREATE may come first: its NOTIFY can reach replica B
	// after the client, answered by replica A, subscribed there.
	got := make(chan string, 2)
	go func() {
		for {
			m, err := ws.Read(ctx)
			if err != nil {
				got <- "websocket: " + err.Error()
				return
			}
			var p struct{ Data json.RawMessage }
			_ = json.Unmarshal(m.Payload, &p)
			if !strings.Contains(string(p.Data), `"CREATE"`) {
				got <- "websocket " + string(p.Data)
				return
			}
		}
	}()
	go func() {
		for {
			raw, err := sse.Next()
			if err != nil {
				got <- "sse: " + err.Error()
				return
			}
			var p struct{ Data json.RawMessage }
			_ = json.Unmarshal(raw, &p)
			if !strings.Contains(string(p.Data), `"CREATE"`) {
				got <- "sse " + string(p.Data)
				return
			}
		}
	}()
	for range 2 {
		select {
		case g := <-got:
			transport, data, _ := strings.Cut(g, " ")
			if data != want {
				t.Errorf("%s got %s, want %s", transport, g, want)
			}
		case <-time.After(time.Second - time.Since(start) + 100*time.Millisecond):
			t.Fatalf("no event on replica B %v after the write on replica A", time.Since(start))
		}
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("the event took %v to reach replica B", took)
	}
}
