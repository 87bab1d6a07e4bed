package graph_test

import (
	"strings"
	"testing"
)

// TestDependencyGraph draws an impact and the whole portfolio in both
// formats, from the same graph the analyses use.
func TestDependencyGraph(t *testing.T) {
	s := newTestServer(t)
	db, api, web, other := s.createApp(t, "db"), s.createApp(t, "api"), s.createApp(t, "web"), s.createApp(t, "batch")
	s.createDep(t, api, db)
	s.createDep(t, web, api)
	s.createDep(t, other, db)
	draw := func(q string, v map[string]any) string {
		var out struct{ DependencyGraph string }
		s.ok(t, q, v, &out)
		return out.DependencyGraph
	}
	dot := draw(`query($r:[ID!]) { dependencyGraph(rootIDs:$r, maxDepth:1, format:DOT) }`, vars("r", []string{db}))
	for _, want := range []string{"digraph", `"` + api + `" -> "` + db + `"`, `"` + other + `" -> "` + db + `"`, "distance 1"} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT of db's impact within 1 hop lacks %q:\n%s", want, dot)
		}
	}
	if strings.Contains(dot, `"`+web+`"`) {
		t.Errorf("web is 2 hops away but drawn:\n%s", dot)
	}
	mermaid := draw(`{ dependencyGraph(format:MERMAID) }`, nil)
	for _, want := range []string{"flowchart", "db", "api", "web", "batch"} {
		if !strings.Contains(mermaid, want) {
			t.Errorf("Mermaid of the portfolio lacks %q:\n%s", want, mermaid)
		}
	}
	if got := strings.Count(mermaid, "-->"); got != 3 {
		t.Errorf("Mermaid of the portfolio has %d edges, want 3:\n%s", got, mermaid)
	}
	s.fails(t, "BAD_USER_INPUT", `{ dependencyGraph(maxDepth:1, format:DOT) }`, nil)
	s.fails(t, "NOT_FOUND", `{ dependencyGraph(rootIDs:["99999"], format:DOT) }`, nil)
	s.fails(t, "GRAPHQL_VALIDATION_FAILED", `{ dependencyGraph(format:SVG) }`, nil)
}
