package graph_test

import (
	"fmt"
	"testing"

	"github.com/relgraph/relgraph/graph"
)

// TestTimesAreUTC: times given with any offset are stored and compared as
// instants, so filters and conflicts work whatever offset clients send.
func TestTimesAreUTC(t *testing.T) {
	s := newTestServer(t)
	app := s.createApp(t, "app")
	x := s.createRelease(t, "TZ-X", "2027-01-01T04:00:00-05:00", "2027-01-01T06:00:00-05:00") // 09:00-11:00Z
	y := s.createRelease(t, "TZ-Y", "2027-01-01T10:00:00Z", "2027-01-01T12:00:00Z")
	s.createChange(t, "x", x, app)
	s.createChange(t, "y", y, app)
	var rel struct {
		Node struct {
			StartsAt  string
			Conflicts []struct{ OverlapStart, OverlapEnd string }
		}
	}
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on Release { startsAt conflicts { overlapStart overlapEnd } } } }`, vars("id", x), &rel)
	if rel.Node.StartsAt != "2027-01-01T09:00:00Z" {
		t.Fatalf("startsAt %s", rel.Node.StartsAt)
	}
	if len(rel.Node.Conflicts) != 1 || rel.Node.Conflicts[0].OverlapStart != "2027-01-01T10:00:00Z" {
		t.Fatalf("conflicts %+v", rel.Node.Conflicts)
	}
	var cal struct {
		Calendar struct{ Releases []struct{ Name string } }
	}
	s.ok(t, `{ calendar(from:"2027-01-01T05:30:00-05:00", to:"2027-01-01T10:45:00Z") { releases { name } } }`, nil, &cal)
	if got := names(cal.Calendar.Releases); len(got) != 2 {
		t.Fatalf("calendar %v", got)
	}
	var filtered struct {
		Releases struct{ TotalCount int }
	}
	s.ok(t, `{ releases(where:{startsAtLT:"2027-01-01T05:00:00-05:00"}) { totalCount } }`, nil, &filtered)
	if filtered.Releases.TotalCount != 1 {
		t.Fatalf("filter with an offset matched %d releases", filtered.Releases.TotalCount)
	}
}

func TestEnvironmentStageIsImmutable(t *testing.T) {
	s := newTestServer(t)
	f := newLifecycleFixture(t, s)
	s.fails(t, "GRAPHQL_VALIDATION_FAILED", `mutation($id:ID!) { updateEnvironment(id:$id, input:{stage:DEVELOPMENT}) { id } }`, vars("id", f.envs["PRODUCTION"]))
}

// TestSchedulingFromTheReleaseSideIsVersionedAndAudited: a change moved by
// createRelease/updateRelease(changeIDs) gets a new version and an audit
// event, so an updateChange holding the old version cannot undo it.
func TestSchedulingFromTheReleaseSideIsVersionedAndAudited(t *testing.T) {
	s := newTestServer(t)
	app := s.createApp(t, "app")
	ch := s.createChange(t, "c", "", app)
	var rel struct{ CreateRelease struct{ ID string } }
	s.ok(t, `mutation($c:ID!) { createRelease(input:{name:"R", changeIDs:[$c]}) { id } }`, vars("c", ch), &rel)
	var out struct {
		Node struct {
			Version int
			Release struct{ Name string }
		}
	}
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on Change { version release { name } } } }`, vars("id", ch), &out)
	if out.Node.Version != 2 || out.Node.Release.Name != "R" {
		t.Fatalf("change after scheduling: %+v", out.Node)
	}
	s.fails(t, "CONFLICT", `mutation($id:ID!) { updateChange(id:$id, input:{clearRelease:true}, expectedVersion:1) { id } }`, vars("id", ch))
	var audit struct {
		AuditEvents struct{ TotalCount int }
	}
	s.ok(t, `query($id:ID!) { auditEvents(where:{entityID:$id, action:UPDATE}) { totalCount } }`, vars("id", ch), &audit)
	if audit.AuditEvents.TotalCount != 1 {
		t.Fatalf("scheduling not audited on the change: %d events", audit.AuditEvents.TotalCount)
	}
	s.ok(t, `mutation($id:ID!,$c:ID!) { updateRelease(id:$id, input:{removeChangeIDs:[$c]}) { id } }`, vars("id", rel.CreateRelease.ID, "c", ch), nil)
	var after struct {
		Node struct {
			Version int
			Release *struct{ Name string }
		}
	}
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on Change { version release { name } } } }`, vars("id", ch), &after)
	if after.Node.Version != 3 || after.Node.Release != nil {
		t.Fatalf("change after unscheduling: %+v", after.Node)
	}
}

func TestHostileInput(t *testing.T) {
	s := newTestServer(t, func(o *graph.Options) { o.MaxPageSize = 3 })
	ids := []string{}
	for i := range 5 {
		ids = append(ids, s.createApp(t, fmt.Sprintf("app-%d", i)))
	}
	// A clique: every application depends on every other.
	for _, a := range ids {
		for _, b := range ids {
			if a != b {
				s.createDep(t, a, b)
			}
		}
	}
	nested := "name"
	for range 6 {
		nested = "dependents { " + nested + " }"
	}
	cases := []struct{ name, code, query string }{
		{"deeply nested lists", "COMPLEXITY_LIMIT", `{ applications(first:3) { edges { node { ` + nested + ` } } } }`},
		{"first and last", "BAD_USER_INPUT", `{ applications(first:1, last:1) { totalCount } }`},
		{"nested page too large, in a fragment", "BAD_USER_INPUT",
			`{ applications(first:1) { edges { node { ...F } } } } fragment F on Application { changes(first:4) { totalCount } }`},
		{"nested first and last", "BAD_USER_INPUT", `{ releases(first:1) { edges { node { changes(first:1, last:1) { totalCount } } } } }`},
		{"too many ids", "BAD_USER_INPUT", `{ nodes(ids:["1","2","3","4"]) { id } }`},
		{"NUL in a name", "BAD_USER_INPUT", `mutation { createApplication(input:{name:"a\u0000b"}) { id } }`},
		{"foreign cursor", "BAD_USER_INPUT", `{ applications(after:"bm90IGEgY3Vyc29y") { totalCount } }`},
		{"zero id", "BAD_USER_INPUT", `{ node(id:"0") { id } }`},
		{"negative id", "BAD_USER_INPUT", `{ node(id:"-1") { id } }`},
		{"huge id", "BAD_USER_INPUT", `{ node(id:"99999999999999999999999") { id } }`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s.fails(t, tc.code, tc.query, nil)
		})
	}
	// Duplicate ids resolve once each and answer in the order asked.
	var nodes struct{ Nodes []struct{ ID string } }
	s.ok(t, `query($ids:[ID!]!) { nodes(ids:$ids) { id } }`, vars("ids", []string{ids[1], ids[0], ids[1]}), &nodes)
	if len(nodes.Nodes) != 3 || nodes.Nodes[0].ID != ids[1] || nodes.Nodes[1].ID != ids[0] || nodes.Nodes[2].ID != ids[1] {
		t.Fatalf("nodes %+v", nodes.Nodes)
	}
	// A connection without first/last is paged by the server.
	var page struct {
		Applications struct {
			TotalCount int
			PageInfo   struct{ HasNextPage bool }
			Edges      []struct{ Node struct{ Name string } }
		}
	}
	s.ok(t, `{ applications { totalCount pageInfo { hasNextPage } edges { node { name } } } }`, nil, &page)
	if page.Applications.TotalCount != 5 || len(page.Applications.Edges) != 3 || !page.Applications.PageInfo.HasNextPage {
		t.Fatalf("default page: %+v", page.Applications)
	}
}

// TestFreshnessIsCheckedOncePerRequest: resolving the analysis fields
// (isShared, dependsOn, dependents) of every application on a page reads
// the graph generation once per request, not per field or per application,
// and sends no more statements for a long page than for a short one.
func TestFreshnessIsCheckedOncePerRequest(t *testing.T) {
	s := newTestServer(t)
	hub := s.createApp(t, "a-hub")
	for i := range 20 {
		s.createDep(t, s.createApp(t, fmt.Sprintf("app-%02d", i)), hub)
	}
	const q = `query($n:Int!) { applications(first:$n, orderBy:{field:NAME}) { edges { node { name isShared dependsOn { name } dependents { name } } } } }`
	count := func(n int) int64 {
		// The first request after writes rebuilds the graph: besides the
		// freshness check, the rebuild reads the generation it labels the
		// new graph with.
		if reads := s.measure(t, q, vars("n", n)).generationReads.Load(); reads < 1 || reads > 2 {
			t.Fatalf("the first request for %d applications read the graph generation %d times", n, reads)
		}
		before := s.statements.Load()
		c := s.measure(t, q, vars("n", n))
		statements := s.statements.Load() - before
		if reads := c.generationReads.Load(); reads != 1 {
			t.Fatalf("a request for %d applications read the graph generation %d times, want once", n, reads)
		}
		return statements
	}
	if small, large := count(2), count(21); small != large {
		t.Fatalf("statements grow with the page: %d for 2 applications, %d for 21", small, large)
	}
}

func TestPageLimitFromVariables(t *testing.T) {
	s := newTestServer(t, func(o *graph.Options) { o.MaxPageSize = 3 })
	s.fails(t, "BAD_USER_INPUT", `query($n:Int) { applications(last:$n) { totalCount } }`, vars("n", 4))
	s.ok(t, `query($n:Int) { applications(last:$n) { totalCount } }`, vars("n", 3), nil)
}
