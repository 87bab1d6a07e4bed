package graph_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// portfolio builds, through the API, the graph used by the analysis tests
// (an arrow reads "depends on"):
//
//	b → a, c → a, d → b, d → c, e → d   (a diamond under a chain)
//	y → a, x → y, y → x                  (a cycle hanging off a)
//	f                                    (disconnected)
type portfolio struct {
	s   *testServer
	ids map[string]string
}

func newPortfolio(t *testing.T, s *testServer) *portfolio {
	t.Helper()
	p := &portfolio{s: s, ids: map[string]string{}}
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "x", "y"} {
		p.ids[n] = s.createApp(t, n)
	}
	for _, d := range [][2]string{{"b", "a"}, {"c", "a"}, {"d", "b"}, {"d", "c"}, {"e", "d"}, {"y", "a"}, {"x", "y"}, {"y", "x"}} {
		s.createDep(t, p.ids[d[0]], p.ids[d[1]])
	}
	return p
}

func (p *portfolio) list(names ...string) []string {
	out := []string{}
	for _, n := range names {
		out = append(out, p.ids[n])
	}
	return out
}

type impactResult struct {
	Changed  []struct{ Name string }
	Impacted []struct {
		Application struct{ Name string }
		Distance    int
		Path        []struct{ Name string }
	}
	Shared []struct{ Name string }
}

func (r impactResult) summary() string {
	var parts []string
	for _, it := range r.Impacted {
		parts = append(parts, fmt.Sprintf("%s:%d", it.Application.Name, it.Distance))
	}
	return strings.Join(parts, " ")
}

func names(items []struct{ Name string }) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, it.Name)
	}
	return out
}

const impactFields = `changed { name } impacted { application { name } distance path { name } } shared { name }`

func TestImpactQuery(t *testing.T) {
	s := newTestServer(t)
	p := newPortfolio(t, s)
	depth := func(n int) *int { return &n }
	cases := []struct {
		name     string
		changed  []string
		maxDepth *int
		want     string
		shared   []string
	}{
		{"shared provider, unbounded", []string{"a"}, nil, "a:0 b:1 c:1 y:1 d:2 x:2 e:3", []string{"a"}},
		{"depth zero", []string{"a"}, depth(0), "a:0", []string{"a"}},
		{"depth one", []string{"a"}, depth(1), "a:0 b:1 c:1 y:1", []string{"a"}},
		{"leaf", []string{"e"}, nil, "e:0", []string{}},
		{"disconnected", []string{"f"}, nil, "f:0", []string{}},
		{"cycle", []string{"x"}, nil, "x:0 y:1", []string{}},
		{"two changed, nearest wins", []string{"a", "d"}, nil, "a:0 d:0 b:1 c:1 e:1 y:1 x:2", []string{"a"}},
		{"nothing changed", []string{}, nil, "", []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out struct{ Impact impactResult }
			s.ok(t, `query($ids:[ID!]!,$d:Int) { impact(applicationIDs:$ids, maxDepth:$d) { `+impactFields+` } }`,
				vars("ids", p.list(tc.changed...), "d", tc.maxDepth), &out)
			if got := out.Impact.summary(); got != tc.want {
				t.Fatalf("impacted = %q, want %q", got, tc.want)
			}
			if got := names(out.Impact.Shared); !slices.Equal(got, tc.shared) {
				t.Fatalf("shared = %v, want %v", got, tc.shared)
			}
			changed := slices.Sorted(slices.Values(tc.changed))
			if got := names(out.Impact.Changed); !slices.Equal(got, append([]string{}, changed...)) && len(changed) > 0 {
				t.Fatalf("changed = %v, want %v", got, changed)
			}
			p.checkPaths(t, out.Impact, tc.changed)
		})
	}
}

// checkPaths verifies each path is a real dependency chain from a changed
// application, as long as the distance says.
func (p *portfolio) checkPaths(t *testing.T, r impactResult, changed []string) {
	t.Helper()
	edges := map[[2]string]bool{}
	for _, d := range [][2]string{{"b", "a"}, {"c", "a"}, {"d", "b"}, {"d", "c"}, {"e", "d"}, {"y", "a"}, {"x", "y"}, {"y", "x"}} {
		edges[d] = true
	}
	for _, it := range r.Impacted {
		path := names(it.Path)
		if len(path) != it.Distance+1 || path[len(path)-1] != it.Application.Name || !slices.Contains(changed, path[0]) {
			t.Fatalf("bad path for %s at distance %d: %v", it.Application.Name, it.Distance, path)
		}
		for i := 1; i < len(path); i++ {
			if !edges[[2]string{path[i], path[i-1]}] {
				t.Fatalf("path %v: %s does not depend on %s", path, path[i], path[i-1])
			}
		}
	}
}

func TestImpactArgumentErrors(t *testing.T) {
	s := newTestServer(t)
	p := newPortfolio(t, s)
	rel := s.createRelease(t, "R")
	cases := []struct {
		name, code string
		ids        []string
		depth      int
	}{
		{"negative depth", "BAD_USER_INPUT", p.list("a"), -1},
		{"unknown application", "NOT_FOUND", []string{"4242"}, 1},
		{"id of another type", "NOT_FOUND", []string{rel}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s.fails(t, tc.code, `query($ids:[ID!]!,$d:Int) { impact(applicationIDs:$ids, maxDepth:$d) { changed { name } } }`,
				vars("ids", tc.ids, "d", tc.depth))
		})
	}
	s.fails(t, "BAD_USER_INPUT", `query($id:ID!) { node(id:$id) { ... on Release { impact(maxDepth:-2) { changed { name } } } } }`, vars("id", rel))
	s.fails(t, "BAD_USER_INPUT", `{ releaseConflicts(from:"2026-12-02T00:00:00Z", to:"2026-12-01T00:00:00Z") { overlapStart } }`, nil)
	s.fails(t, "BAD_USER_INPUT", `{ releaseConflicts(from:"2026-12-02T00:00:00Z", to:"2026-12-02T00:00:00Z") { overlapStart } }`, nil)
}

func TestApplicationNeighbours(t *testing.T) {
	s := newTestServer(t)
	newPortfolio(t, s)
	var out struct {
		Applications struct {
			Edges []struct {
				Node struct {
					Name       string
					IsShared   bool
					DependsOn  []struct{ Name string }
					Dependents []struct{ Name string }
				}
			}
		}
	}
	s.ok(t, `{ applications(orderBy:{field:NAME}) { edges { node { name isShared dependsOn { name } dependents { name } } } } }`, nil, &out)
	want := map[string]string{
		"a": "shared deps=[] dependents=[b c y]",
		"d": "deps=[b c] dependents=[e]",
		"f": "deps=[] dependents=[]",
		"y": "deps=[a x] dependents=[x]",
	}
	for _, e := range out.Applications.Edges {
		n := e.Node
		got := fmt.Sprintf("deps=%v dependents=%v", names(n.DependsOn), names(n.Dependents))
		if n.IsShared {
			got = "shared " + got
		}
		if w, ok := want[n.Name]; ok && got != w {
			t.Errorf("%s: %s, want %s", n.Name, got, w)
		}
	}
}

func TestDependencyCycles(t *testing.T) {
	s := newTestServer(t)
	p := newPortfolio(t, s)
	// A longer cycle through the diamond: a → e closes e → d → b → a.
	s.createDep(t, p.ids["a"], p.ids["e"])
	var out struct{ DependencyCycles [][]struct{ Name string } }
	s.ok(t, `{ dependencyCycles { name } }`, nil, &out)
	var got []string
	for _, c := range out.DependencyCycles {
		got = append(got, strings.Join(names(c), ","))
	}
	want := []string{"a,b,c,d,e", "x,y"}
	if !slices.Equal(got, want) {
		t.Fatalf("cycles = %v, want %v", got, want)
	}
}

func TestReleaseAnalysis(t *testing.T) {
	s := newTestServer(t)
	p := newPortfolio(t, s)
	r1 := s.createRelease(t, "R1", "2026-12-01T00:00:00Z", "2026-12-03T00:00:00Z")
	r2 := s.createRelease(t, "R2", "2026-12-02T00:00:00Z", "2026-12-04T00:00:00Z")
	r3 := s.createRelease(t, "R3", "2026-12-02T12:00:00Z", "2026-12-05T00:00:00Z")
	r4 := s.createRelease(t, "R4", "2026-12-01T00:00:00Z", "2026-12-06T00:00:00Z")
	r5 := s.createRelease(t, "R5", "2026-12-03T00:00:00Z", "2026-12-04T00:00:00Z")
	s.createRelease(t, "R6 unscheduled")
	s.createChange(t, "touch a", r1, p.ids["a"])
	s.createChange(t, "touch d", r2, p.ids["d"])
	s.createChange(t, "touch f", r3, p.ids["f"])
	s.createChange(t, "touch a too", r4, p.ids["a"])
	s.ok(t, `mutation($id:ID!) { transitionRelease(id:$id, to:CANCELLED) { id } }`, vars("id", r4), nil)
	s.createChange(t, "touch e", r5, p.ids["e"])

	type conflict struct {
		Releases           []struct{ Name string }
		OverlapStart       string
		OverlapEnd         string
		SharedApplications []struct{ Name string }
	}
	summary := func(cs []conflict) []string {
		var out []string
		for _, c := range cs {
			out = append(out, fmt.Sprintf("%s [%s,%s) %v", strings.Join(names(c.Releases), "+"), c.OverlapStart[8:13], c.OverlapEnd[8:13], names(c.SharedApplications)))
		}
		return out
	}
	var all struct{ ReleaseConflicts []conflict }
	s.ok(t, `{ releaseConflicts { releases { name } overlapStart overlapEnd sharedApplications { name } } }`, nil, &all)
	want := []string{
		// R1 reaches d and e through the diamond; R3 (f) and cancelled R4 never conflict;
		// R1 and R5 only touch at midnight on the 3rd (half-open windows).
		"R1+R2 [02T00,03T00) [d e]",
		"R2+R5 [03T00,04T00) [e]",
	}
	if got := summary(all.ReleaseConflicts); !slices.Equal(got, want) {
		t.Fatalf("releaseConflicts = %v\nwant %v", got, want)
	}

	var ranged struct{ ReleaseConflicts []conflict }
	s.ok(t, `{ releaseConflicts(from:"2026-12-03T00:00:00Z", to:"2026-12-10T00:00:00Z") { releases { name } overlapStart overlapEnd sharedApplications { name } } }`, nil, &ranged)
	if got := summary(ranged.ReleaseConflicts); !slices.Equal(got, want[1:]) {
		t.Fatalf("releaseConflicts in range = %v, want %v", got, want[1:])
	}
	// Nothing lies before the first instant; an open range after it is all.
	var edges struct{ Before, After []conflict }
	s.ok(t, `{ before: releaseConflicts(to:"0001-01-01T00:00:00Z") { overlapStart } after: releaseConflicts(from:"0001-01-01T00:00:00Z") { releases { name } overlapStart overlapEnd sharedApplications { name } } }`, nil, &edges)
	if len(edges.Before) != 0 || !slices.Equal(summary(edges.After), want) {
		t.Fatalf("releaseConflicts before the first instant = %v, after it = %v", edges.Before, summary(edges.After))
	}

	var rel struct {
		Node struct {
			Impact          impactResult
			Conflicts       []conflict
			DeploymentOrder [][]struct{ Name string }
		}
	}
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on Release { impact { `+impactFields+` } conflicts { releases { name } overlapStart overlapEnd sharedApplications { name } }
		deploymentOrder { name } } } }`, vars("id", r2), &rel)
	if got := rel.Node.Impact.summary(); got != "d:0 e:1" {
		t.Fatalf("R2 impact = %s", got)
	}
	if got := summary(rel.Node.Conflicts); !slices.Equal(got, want) {
		t.Fatalf("R2 conflicts = %v, want %v", got, want)
	}
	var cancelled struct {
		Node struct{ Conflicts []conflict }
	}
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on Release { conflicts { overlapStart } } } }`, vars("id", r4), &cancelled)
	if len(cancelled.Node.Conflicts) != 0 {
		t.Fatalf("a cancelled release has conflicts: %+v", cancelled.Node.Conflicts)
	}
}

func TestDeploymentOrder(t *testing.T) {
	s := newTestServer(t)
	p := newPortfolio(t, s)
	cases := []struct {
		name    string
		changed []string
		want    string
	}{
		{"providers first, through unchanged apps", []string{"e", "a"}, "[a] [e]"},
		{"diamond", []string{"d", "b", "c", "a"}, "[a] [b c] [d]"},
		{"cycle shares a wave", []string{"x", "y", "a", "e"}, "[a] [e x y]"},
		{"independent apps share the first wave", []string{"f", "b"}, "[b f]"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rel := s.createRelease(t, fmt.Sprintf("R%d", i))
			s.createChange(t, "c", rel, p.list(tc.changed...)...)
			var out struct {
				Node struct{ DeploymentOrder [][]struct{ Name string } }
			}
			s.ok(t, `query($id:ID!) { node(id:$id) { ... on Release { deploymentOrder { name } } } }`, vars("id", rel), &out)
			var waves []string
			for _, w := range out.Node.DeploymentOrder {
				waves = append(waves, fmt.Sprint(names(w)))
			}
			if got := strings.Join(waves, " "); got != tc.want {
				t.Fatalf("deploymentOrder = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestAnalysisSeesEveryWrite writes through one server and reads through
// another on the same database, as replicas would: each sees the other's
// writes on its next query, and an unchanged graph is not rebuilt.
func TestAnalysisSeesEveryWrite(t *testing.T) {
	a := newTestServer(t)
	b := newReplica(t, a)
	p := newPortfolio(t, a)
	impactOf := func(s *testServer, app string) string {
		var out struct{ Impact impactResult }
		s.ok(t, `query($ids:[ID!]!) { impact(applicationIDs:$ids) { `+impactFields+` } }`, vars("ids", p.list(app)), &out)
		return out.Impact.summary()
	}
	if got := impactOf(b, "e"); got != "e:0" {
		t.Fatalf("before: %s", got)
	}
	g := a.createApp(t, "g")
	a.createDep(t, g, p.ids["e"])
	if got := impactOf(b, "e"); got != "e:0 g:1" {
		t.Fatalf("replica did not see the new dependency: %s", got)
	}
	var dep struct {
		Dependencies struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	b.ok(t, `query($id:ID!) { dependencies(where:{hasConsumerWith:{id:$id}}) { edges { node { id } } } }`, vars("id", g), &dep)
	b.ok(t, `mutation($id:ID!) { deleteDependency(id:$id) }`, vars("id", dep.Dependencies.Edges[0].Node.ID), nil)
	if got := impactOf(a, "e"); got != "e:0" {
		t.Fatalf("first server did not see the replica's delete: %s", got)
	}
	// The mutation's own response reflects its write before commit.
	var created struct {
		CreateDependency struct {
			Consumer struct{ DependsOn []struct{ Name string } }
		}
	}
	a.ok(t, `mutation($c:ID!,$p:ID!) { createDependency(input:{consumerID:$c, providerID:$p}) { consumer { dependsOn { name } } } }`,
		vars("c", g, "p", p.ids["f"]), &created)
	if got := names(created.CreateDependency.Consumer.DependsOn); !slices.Equal(got, []string{"f"}) {
		t.Fatalf("mutation response dependsOn = %v", got)
	}
}

// TestImpactStatementCountIsConstant proves the applications of an impact
// are loaded in one batch, however many there are.
func TestImpactStatementCountIsConstant(t *testing.T) {
	s := newTestServer(t)
	chain := []string{s.createApp(t, "n00")}
	for i := 1; i < 40; i++ {
		chain = append(chain, s.createApp(t, fmt.Sprintf("n%02d", i)))
		s.createDep(t, chain[i], chain[i-1])
	}
	count := func(depth int) int64 {
		s.ok(t, `query($ids:[ID!]!,$d:Int) { impact(applicationIDs:$ids, maxDepth:$d) { `+impactFields+` } }`, vars("ids", chain[:1], "d", depth), nil)
		before := s.statements.Load()
		s.ok(t, `query($ids:[ID!]!,$d:Int) { impact(applicationIDs:$ids, maxDepth:$d) { `+impactFields+` } }`, vars("ids", chain[:1], "d", depth), nil)
		return s.statements.Load() - before
	}
	if small, large := count(1), count(39); small != large {
		t.Fatalf("statements grow with the impact: %d for 2 applications, %d for 40", small, large)
	}
}
