package graph_test

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/client"

	"github.com/relgraph/relgraph/graph"
	"github.com/relgraph/relgraph/internal/testdb"
	"github.com/relgraph/relgraph/store"
)

type raceKey struct{}

// TestRiskRemembersNoOlderRelease proves a release's risk, remembered
// under the generations its request read, is computed from the release as
// new as those generations: a write that commits after the request loaded
// the release but before it read the generations must not leave a stale
// risk behind for every later request.
func TestRiskRemembersNoOlderRelease(t *testing.T) {
	var fire atomic.Pointer[func()]
	dsn := testdb.New(t)
	db, err := store.Open(context.Background(), dsn, store.WithStatementHook(func(ctx context.Context, statement string) {
		if ctx.Value(raceKey{}) != nil && strings.Contains(statement, "generations") {
			if f := fire.Swap(nil); f != nil {
				(*f)()
			}
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := graph.NewServer(db.Client, db.Graph, graph.Options{Logger: slog.New(slog.DiscardHandler)})
	s := &testServer{gql: client.New(h), handler: h, DB: db, dsn: dsn}
	a := s.createApp(t, "a")
	rel := s.createRelease(t, "R", "2027-01-02T00:00:00Z", "2027-01-03T00:00:00Z")
	s.createChange(t, "c", rel, a)
	s.ok(t, `mutation($a:[ID!]) { createFreezeWindow(input:{name:"F", startsAt:"2027-01-01T00:00:00Z", endsAt:"2027-01-10T00:00:00Z", applicationIDs:$a}) { id } }`,
		vars("a", []string{a}), nil)

	const q = `query($id:ID!) { node(id:$id) { ... on Release { freezeViolations { name } risk { factors { name value } } } } }`
	type answer struct {
		Node struct {
			FreezeViolations []struct{ Name string }
			Risk             struct {
				Factors []struct {
					Name  string
					Value float64
				}
			}
		}
	}
	overlap := func(out answer) float64 {
		for _, f := range out.Node.Risk.Factors {
			if f.Name == "freezeOverlap" {
				return f.Value
			}
		}
		t.Fatal("no freezeOverlap factor")
		return 0
	}
	// The window moves out of the freeze between the release's load and the
	// request's first read of the generations.
	move := func() {
		s.ok(t, `mutation($id:ID!) { updateRelease(id:$id, input:{startsAt:"2027-02-01T00:00:00Z", endsAt:"2027-02-02T00:00:00Z"}) { id } }`, vars("id", rel), nil)
	}
	fire.Store(&move)
	s.post(t, q, vars("id", rel), func(r *client.Request) {
		r.HTTP = r.HTTP.WithContext(context.WithValue(r.HTTP.Context(), raceKey{}, true))
	})
	if fire.Load() != nil {
		t.Fatal("the racing write never ran")
	}
	var after answer
	s.ok(t, q, vars("id", rel), &after)
	if len(after.Node.FreezeViolations) != 0 || overlap(after) != 0 {
		t.Fatalf("after the window left the freeze: violations %v, freezeOverlap %v; want none and 0",
			after.Node.FreezeViolations, overlap(after))
	}
}
