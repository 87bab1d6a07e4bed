package graph_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/relgraph/relgraph/graph"
)

// impactPortfolio stores a small tree whose names and descriptions hold
// what JSON must escape, and returns the id of its root application and the
// dependency that links each other application to its provider, by name.
func impactPortfolio(t *testing.T, s *testServer) (string, map[string]string) {
	t.Helper()
	names := []string{`root "core"`, `back\slash`, "tab\there", "<b>&amp;</b>", "ünïcødé ☃", "plain", "x"}
	ids := make([]string, len(names))
	links := map[string]string{}
	for i, n := range names {
		ids[i] = s.createApp(t, n)
		if i > 0 {
			links[n] = s.createDep(t, ids[i], ids[(i-1)/2])
		}
	}
	s.ok(t, `mutation($id:ID!) { updateApplication(id:$id, input:{description:"line\nbreak \u0001 \"q\"", owner:"Team </script>"}) { id } }`,
		vars("id", ids[1]), nil)
	return ids[0], links
}

// TestImpactedJSONMatchesGqlgen proves the hand-written JSON of impacted
// lists is byte for byte what gqlgen's marshalling writes, for every field
// it writes, aliases, fragments and directives, and that selections it
// does not write still get gqlgen's answer.
func TestImpactedJSONMatchesGqlgen(t *testing.T) {
	s := newTestServer(t)
	root, _ := impactPortfolio(t, s)
	queries := []string{
		`query($ids:[ID!]!) { impact(applicationIDs:$ids) { impacted { __typename distance application { __typename id name description owner criticality createdAt updatedAt version isShared } path { id name isShared } } } }`,
		`query($ids:[ID!]!) { impact(applicationIDs:$ids) { impacted { d: distance a: application { n: name } application { id } x: path { name } } } }`,
		`query($ids:[ID!]!,$yes:Boolean!) { impact(applicationIDs:$ids) { impacted { ...F application @include(if:$yes) { name } path @skip(if:$yes) { id } } } }
		 fragment F on ImpactedApplication { distance ... on ImpactedApplication { application { owner } } }`,
		`query($ids:[ID!]!) { impact(applicationIDs:$ids, maxDepth:1) { changed { name } impacted { distance application { name } } shared { id } } }`,
		`query($ids:[ID!]!) { impact(applicationIDs:$ids) { impacted { distance application { name dependsOn { name } upstreamDependencies { totalCount } } } } }`,
		`query($ids:[ID!]!) { a: impact(applicationIDs:$ids) { impacted { distance } } b: impact(applicationIDs:$ids) { impacted { application { ... on Node { id } } } } }`,
	}
	for _, q := range queries {
		variables := vars("ids", []string{root}, "yes", true)
		graph.UseHandWrittenImpactJSON(true)
		fast := s.raw(t, q, variables)
		graph.UseHandWrittenImpactJSON(false)
		slow := s.raw(t, q, variables)
		graph.UseHandWrittenImpactJSON(true)
		if string(fast) != string(slow) {
			t.Errorf("%s:\nhand-written: %s\ngqlgen:       %s", q, fast, slow)
		}
		if !json.Valid(fast) || !strings.HasPrefix(string(fast), `{"data":{"`) || strings.Contains(string(fast), `"errors"`) {
			t.Errorf("%s: not an impact answer: %s", q, fast)
		}
	}
}

// TestImpactedApplicationsPages walks the impacted applications a page at
// a time and finds exactly the full list, in its order.
func TestImpactedApplicationsPages(t *testing.T) {
	s := newTestServer(t)
	root, links := impactPortfolio(t, s)
	type entry struct {
		Application struct{ Name string }
		Distance    int
	}
	impacted := func() []entry {
		var full struct{ Impact struct{ Impacted []entry } }
		s.ok(t, `query($ids:[ID!]!) { impact(applicationIDs:$ids) { impacted { application { name } distance } } }`, vars("ids", []string{root}), &full)
		return full.Impact.Impacted
	}
	before := impacted()
	var want []string
	for _, it := range before {
		want = append(want, it.Application.Name)
	}
	if len(want) != 7 {
		t.Fatalf("impacted %v", want)
	}

	type page struct {
		Impact struct {
			ImpactedApplications struct {
				TotalCount int
				PageInfo   struct {
					HasNextPage, HasPreviousPage bool
					EndCursor                    *string
				}
				Edges []struct {
					Cursor string
					Node   struct {
						Application struct{ Name string }
						Path        []struct{ Name string }
					}
				}
			}
		}
	}
	var got []string
	var after any
	for pages := 0; ; pages++ {
		var p page
		s.ok(t, `query($ids:[ID!]!,$after:Cursor) { impact(applicationIDs:$ids) { impactedApplications(first:3, after:$after) {
			totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { application { name } path { name } } } } } }`,
			vars("ids", []string{root}, "after", after), &p)
		conn := p.Impact.ImpactedApplications
		if conn.TotalCount != len(want) || conn.PageInfo.HasPreviousPage != (pages > 0) {
			t.Fatalf("page %d: totalCount %d, hasPreviousPage %v", pages, conn.TotalCount, conn.PageInfo.HasPreviousPage)
		}
		for _, e := range conn.Edges {
			got = append(got, e.Node.Application.Name)
			if last := e.Node.Path[len(e.Node.Path)-1].Name; last != e.Node.Application.Name {
				t.Fatalf("path of %s ends at %s", e.Node.Application.Name, last)
			}
		}
		if !conn.PageInfo.HasNextPage {
			break
		}
		after = *conn.PageInfo.EndCursor
	}
	if !slices.Equal(got, want) {
		t.Fatalf("pages give %v, want %v", got, want)
	}

	// A cursor outlives its application's place in the answer: the next
	// page starts at the first application ordered after that place.
	var p page
	s.ok(t, `query($ids:[ID!]!) { impact(applicationIDs:$ids) { impactedApplications(first:2) { edges { cursor } } } }`,
		vars("ids", []string{root}), &p)
	cursor := p.Impact.ImpactedApplications.Edges[1].Cursor
	gone := before[1]
	s.ok(t, `mutation($id:ID!) { deleteDependency(id:$id) }`, vars("id", links[gone.Application.Name]), nil)
	var next string
	for _, it := range impacted() {
		if it.Application.Name == gone.Application.Name {
			t.Fatalf("%s still impacted", gone.Application.Name)
		}
		if it.Distance > gone.Distance || (it.Distance == gone.Distance && it.Application.Name > gone.Application.Name) {
			next = it.Application.Name
			break
		}
	}
	s.ok(t, `query($ids:[ID!]!,$after:Cursor) { impact(applicationIDs:$ids) { impactedApplications(first:1, after:$after) { edges { node { application { name } } } } } }`,
		vars("ids", []string{root}, "after", cursor), &p)
	if edges := p.Impact.ImpactedApplications.Edges; len(edges) != 1 || edges[0].Node.Application.Name != next {
		t.Fatalf("after %s left the impact, its cursor gives %+v, want %s", gone.Application.Name, edges, next)
	}

	s.fails(t, "BAD_USER_INPUT", `query($ids:[ID!]!) { impact(applicationIDs:$ids) { impactedApplications(first:-1) { totalCount } } }`, vars("ids", []string{root}))
	s.fails(t, "BAD_USER_INPUT", `query($ids:[ID!]!) { impact(applicationIDs:$ids) { impactedApplications(first:1, after:"bm90IGEgY3Vyc29y") { totalCount } } }`, vars("ids", []string{root}))
}
