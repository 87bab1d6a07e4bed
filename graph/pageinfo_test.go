package graph_test

import (
	"encoding/json"
	"fmt"
	"testing"
)

// TestPageInfoWhateverIsSelected: a connection's pageInfo is the same
// whether or not edges are selected, at the top level and nested (loaded
// with its parent list or on its own), forwards and backwards; and a client
// paging on pageInfo alone stops at the last page.
func TestPageInfoWhateverIsSelected(t *testing.T) {
	s := newTestServer(t)
	var apps []string
	for i := range 33 {
		apps = append(apps, s.createApp(t, fmt.Sprintf("app-%02d", i)))
	}
	rel := s.createRelease(t, "R")
	for i := range 5 {
		s.createChange(t, fmt.Sprintf("change %d", i), rel, apps[i])
	}
	const pageInfo = `pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`
	pageOf := func(query string, v map[string]any, path ...string) json.RawMessage {
		t.Helper()
		res := s.query(t, query, v)
		if len(res.Errors) > 0 {
			t.Fatalf("%s: %v", query, res.Errors)
		}
		var cur any
		if err := json.Unmarshal(res.Data, &cur); err != nil {
			t.Fatal(err)
		}
		for _, p := range path {
			switch c := cur.(type) {
			case map[string]any:
				cur = c[p]
			case []any:
				cur = c[0].(map[string]any)[p]
			}
		}
		out, _ := json.Marshal(cur)
		return out
	}
	var cursor string
	{
		var out struct {
			Applications struct{ Edges []struct{ Cursor string } }
		}
		s.ok(t, `{ applications(first: 20, orderBy: {field: NAME}) { edges { cursor } } }`, nil, &out)
		cursor = out.Applications.Edges[9].Cursor
	}
	cases := []struct {
		name, args string
		vars       map[string]any
	}{
		{"first beyond the end", `first: 50`, nil},
		{"first within", `first: 10`, nil},
		{"last", `last: 10`, nil},
		{"after", `first: 10, after: $c`, map[string]any{"c": cursor}},
		{"before", `last: 5, before: $c`, map[string]any{"c": cursor}},
		{"empty page", `first: 0`, nil},
	}
	for _, c := range cases {
		decl := ""
		if c.vars != nil {
			decl = "($c: Cursor)"
		}
		top := func(sel string) json.RawMessage {
			return pageOf(fmt.Sprintf(`query%s { applications(%s, orderBy: {field: NAME}) { %s } }`, decl, c.args, sel), c.vars, "applications", "pageInfo")
		}
		if with, without := top("edges { cursor } "+pageInfo), top(pageInfo); string(with) != string(without) {
			t.Errorf("%s: pageInfo with edges %s, without %s", c.name, with, without)
		}
		if with, without := top("totalCount edges { node { id } } "+pageInfo), top("totalCount "+pageInfo); string(with) != string(without) {
			t.Errorf("%s: pageInfo with edges and totalCount %s, without edges %s", c.name, with, without)
		}
	}
	// Nested: a release's changes, loaded with the releases' page or alone.
	for _, args := range []string{`first: 2`, `first: 5`, `last: 2`, `first: 9`} {
		listed := func(sel string) json.RawMessage {
			return pageOf(`{ releases(first: 5) { edges { node { changes(`+args+`) { `+sel+` } } } } }`, nil, "releases", "edges", "node", "changes", "pageInfo")
		}
		alone := func(sel string) json.RawMessage {
			return pageOf(`query($id: ID!) { node(id: $id) { ... on Release { changes(`+args+`) { `+sel+` } } } }`, vars("id", rel), "node", "changes", "pageInfo")
		}
		want := listed("edges { cursor } " + pageInfo)
		for name, got := range map[string]json.RawMessage{
			"listed, pageInfo only": listed(pageInfo),
			"alone, with edges":     alone("edges { cursor } " + pageInfo),
			"alone, pageInfo only":  alone(pageInfo),
		} {
			if string(got) != string(want) {
				t.Errorf("changes(%s), %s: %s, want %s", args, name, got, want)
			}
		}
	}

	// Load more on pageInfo alone, as Apollo Client's helpers do.
	var after any
	pages := 0
	for ; pages < 10; pages++ {
		var out struct {
			Applications struct {
				PageInfo struct {
					HasNextPage bool
					EndCursor   *string
				}
			}
		}
		s.ok(t, `query($a: Cursor) { applications(first: 10, after: $a, orderBy: {field: NAME}) { pageInfo { hasNextPage endCursor } } }`, vars("a", after), &out)
		if !out.Applications.PageInfo.HasNextPage {
			break
		}
		if out.Applications.PageInfo.EndCursor == nil {
			t.Fatal("hasNextPage without an endCursor")
		}
		after = *out.Applications.PageInfo.EndCursor
	}
	if pages != 3 {
		t.Fatalf("paging 33 applications by 10 on pageInfo alone took %d pages, want 4 (stop after the 4th)", pages+1)
	}
}
