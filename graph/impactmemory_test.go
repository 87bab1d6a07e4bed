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
	// The generations and the release: nothing about changes or the graph.
	if n := statements(); n != 2 {
		t.Fatalf("a repeated impact sent %d statements, want 2", n)
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
	if n := statements(); n != 2 {
		t.Fatalf("a repeated impact after writes sent %d statements, want 2", n)
	}

	var raw json.RawMessage
	s.ok(t, `mutation($id:ID!) { updateChange(id:$id, input:{clearRelease:true}) { id } }`, vars("id", change), &raw)
	want("batch@0", "core@1", "api@2", "web@3")
}
