package graph_test

import (
	"slices"
	"testing"
)

// TestNestedOrderByOneObject proves a nested connection's orderBy given one
// object, not a list (GraphQL coerces it to a list of one), orders the
// edges as the list form does, in both directions.
func TestNestedOrderByOneObject(t *testing.T) {
	s := newTestServer(t)
	app := s.createApp(t, "app")
	rel := s.createRelease(t, "R")
	for _, title := range []string{"bravo", "alpha", "charlie"} {
		s.createChange(t, title, rel, app)
	}
	titles := func(order string) []string {
		t.Helper()
		var out struct {
			Node struct {
				Changes struct {
					Edges []struct{ Node struct{ Title string } }
				}
			}
		}
		s.ok(t, `query($id:ID!) { node(id:$id) { ... on Release { changes(orderBy: `+order+`) { edges { node { title } } } } } }`, vars("id", rel), &out)
		var got []string
		for _, e := range out.Node.Changes.Edges {
			got = append(got, e.Node.Title)
		}
		return got
	}
	for _, c := range []struct {
		order string
		want  []string
	}{
		{`{field: TITLE}`, []string{"alpha", "bravo", "charlie"}},
		{`{field: TITLE, direction: DESC}`, []string{"charlie", "bravo", "alpha"}},
		{`[{field: TITLE, direction: DESC}]`, []string{"charlie", "bravo", "alpha"}},
	} {
		if got := titles(c.order); !slices.Equal(got, c.want) {
			t.Errorf("orderBy: %s gave %v, want %v", c.order, got, c.want)
		}
	}
}
