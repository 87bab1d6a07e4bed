package graph_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"testing"

	"github.com/relgraph/relgraph/store"
)

// TestRepeatImpactAnswersFromMemory proves that asking a release's impact
// again while nothing was written reads only the generations and the
// release, and that every kind of write that moves the answer is seen at
// once: a change joining the release through GraphQL, an application added
// to one of its changes by another process writing without a journal, and
// a dependency.
func TestRepeatImpactAnswersFromMemory(t *testing.T) {
	s := newTestServer(t)
	core, api, web, batch := s.createApp(t, "core"), s.createApp(t, "api"), s.createApp(t, "web"), s.createApp(t, "batch")
	s.createDep(t, api, core)
	s.createDep(t, web, api)
	rel := s.createRelease(t, "R1")
	change := s.createChange(t, "c1", rel, core)

	impacted := func() []string {
		t.Helper()
		var out struct {
			Node struct {
				Impact struct {
					Impacted []struct {
						Application struct{ Name string }
						Distance    int
					}
				}
			}
		}
		s.ok(t, `query($id:ID!) { node(id:$id) { ... on Release { impact { impacted { application { name } distance } } } } }`, vars("id", rel), &out)
		var names []string
		for _, it := range out.Node.Impact.Impacted {
			names = append(names, it.Application.Name+"@"+strconv.Itoa(it.Distance))
		}
		return names
	}
	statements := func() int64 {
		before := s.statements.Load()
		impacted()
		return s.statements.Load() - before
	}
	want := func(names ...string) {
		t.Helper()
		if got := impacted(); !slices.Equal(got, names) {
			t.Fatalf("impacted %v, want %v", got, names)
		}
	}

	want("core@0", "api@1", "web@2")
	// The generations only: the release, its changes and the graph come
	// from memory.
	if n := statements(); n != 1 {
		t.Fatalf("a repeated impact sent %d statements, want 1", n)
	}

	s.createChange(t, "c2", rel, batch)
	want("batch@0", "core@0", "api@1", "web@2")

	// Another process, writing through Ent without a journal.
	other, err := store.Open(context.Background(), s.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	changeID, _ := strconv.Atoi(change)
	webID, _ := strconv.Atoi(web)
	if err := other.Client.Change.UpdateOneID(changeID).AddApplicationIDs(webID).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	want("batch@0", "core@0", "web@0", "api@1")

	s.createDep(t, batch, web)
	want("batch@0", "core@0", "web@0", "api@1")
	s.createDep(t, core, batch) // a cycle through the changed applications
	want("batch@0", "core@0", "web@0", "api@1")
	if n := statements(); n != 1 {
		t.Fatalf("a repeated impact after writes sent %d statements, want 1", n)
	}

	var raw json.RawMessage
	s.ok(t, `mutation($id:ID!) { updateChange(id:$id, input:{clearRelease:true}) { id } }`, vars("id", change), &raw)
	want("batch@0", "core@1", "api@2", "web@3")
}

// TestReleaseNodeAnswersFromMemory proves that node(id) answers a release
// again without a statement of its own while nothing was written, and sees
// at once a rename through GraphQL, an edit by another process writing
// without a journal, and a deletion.
func TestReleaseNodeAnswersFromMemory(t *testing.T) {
	s := newTestServer(t)
	rel := s.createRelease(t, "R1")
	const query = `query($id:ID!) { node(id:$id) { ... on Release { name description version } } }`
	type answer struct {
		Node struct {
			Name, Description string
			Version           int
		}
	}
	read := func() answer {
		t.Helper()
		var out answer
		s.ok(t, query, vars("id", rel), &out)
		return out
	}
	want := func(name, description string) {
		t.Helper()
		if got := read().Node; got.Name != name || got.Description != description {
			t.Fatalf("node answered %q, %q; want %q, %q", got.Name, got.Description, name, description)
		}
	}
	want("R1", "")
	before := s.statements.Load()
	want("R1", "")
	if n := s.statements.Load() - before; n != 1 {
		t.Fatalf("a repeated release node sent %d statements, want 1 (the generations)", n)
	}

	var raw json.RawMessage
	s.ok(t, `mutation($id:ID!) { updateRelease(id:$id, input:{name:"R1 renamed"}) { id } }`, vars("id", rel), &raw)
	want("R1 renamed", "")

	other, err := store.Open(context.Background(), s.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	id, _ := strconv.Atoi(rel)
	if err := other.Client.Release.UpdateOneID(id).SetDescription("edited elsewhere").Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	want("R1 renamed", "edited elsewhere")
	if v := read().Node.Version; v < 2 {
		t.Fatalf("version %d after two edits", v)
	}

	s.ok(t, `mutation($id:ID!) { deleteRelease(id:$id) }`, vars("id", rel), &raw)
	s.fails(t, "NOT_FOUND", query, vars("id", rel))
}
