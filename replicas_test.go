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

// TestReplicasAnnounceEachWriteOnce: with two server processes on one
// PostgreSQL database, each write through either reaches the subscribers
// of both exactly once and in order (its NOTIFY is sent inside the write's
// transaction, its own process delivers it directly), and a mutation that
// fails and rolls back reaches none.
func TestReplicasAnnounceEachWriteOnce(t *testing.T) {
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
	replicas := map[string]string{}
	for _, name := range []string{"a", "b"} {
		d := filepath.Join(dir, name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		replicas[name], _ = startReadmeServer(t, bin, d, []string{"--db", dsn, "--addr", "127.0.0.1:0"})
	}
	post := func(replica, query string, vars map[string]any) (data json.RawMessage, failed bool) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		res, err := http.Post(replicas[replica]+"/graphql", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out struct {
			Data   json.RawMessage
			Errors []any
		}
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out.Data, len(out.Errors) > 0
	}
	data, failed := post("a", `mutation { createRelease(input: {name: "board"}) { id } }`, nil)
	var created struct{ CreateRelease struct{ ID string } }
	if err := json.Unmarshal(data, &created); failed || err != nil {
		t.Fatalf("createRelease: %s", data)
	}
	id := created.CreateRelease.ID

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	heard := map[string]chan string{}
	for name, url := range replicas {
		sse, err := subclient.SSE(ctx, url+"/graphql", nil, `subscription($ids: [ID!]) { releaseEvents(releaseIDs: $ids) { kind release { description } } }`,
			map[string]any{"ids": []string{id}})
		if err != nil {
			t.Fatal(err)
		}
		defer sse.Close()
		ch := make(chan string, 10)
		heard[name] = ch
		go func() {
			for {
				raw, err := sse.Next()
				if err != nil {
					return
				}
				var p struct {
					Data struct {
						ReleaseEvents struct {
							Kind    string
							Release struct{ Description string }
						}
					}
				}
				_ = json.Unmarshal(raw, &p)
				// The release's CREATE may come late to replica B.
				if e := p.Data.ReleaseEvents; e.Kind != "CREATE" {
					ch <- e.Kind
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)

	if _, failed := post("a", `mutation($id: ID!) { a: updateRelease(id: $id, input: {description: "never"}) { id } b: transitionRelease(id: "999999", to: CANCELLED) { id } }`, map[string]any{"id": id}); !failed {
		t.Fatal("the failing mutation succeeded")
	}
	writes := []struct{ replica, query, kind string }{
		{"a", `mutation($id: ID!) { updateRelease(id: $id, input: {description: "one"}) { id } }`, "UPDATE"},
		{"b", `mutation($id: ID!) { updateRelease(id: $id, input: {description: "two"}) { id } }`, "UPDATE"},
		{"a", `mutation($id: ID!) { transitionRelease(id: $id, to: CANCELLED) { id } }`, "TRANSITION"},
	}
	for _, w := range writes {
		if data, failed := post(w.replica, w.query, map[string]any{"id": id}); failed {
			t.Fatalf("%s: %s", w.query, data)
		}
	}
	for name, ch := range heard {
		for i, w := range writes {
			select {
			case kind := <-ch:
				if kind != w.kind {
					t.Fatalf("replica %s, event %d: %s, want %s", name, i, kind, w.kind)
				}
			case <-time.After(3 * time.Second):
				t.Fatalf("replica %s heard %d of %d writes", name, i, len(writes))
			}
		}
		select {
		case kind := <-ch:
			t.Fatalf("replica %s heard one more: %s", name, kind)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
