package graph_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/relgraph/relgraph/ent/generation"
	"github.com/relgraph/relgraph/ent/graphchange"
	"github.com/relgraph/relgraph/ent/schema"
	"github.com/relgraph/relgraph/graph"
)

// graphGeneration reads the committed graph generation.
func graphGeneration(t *testing.T, s *testServer) int64 {
	t.Helper()
	g, err := s.DB.Client.Generation.Query().Where(generation.Name(schema.GraphGeneration)).Only(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return g.Value
}

func auditCount(t *testing.T, s *testServer) int {
	t.Helper()
	var out struct{ AuditEvents struct{ TotalCount int } }
	s.ok(t, `{ auditEvents { totalCount } }`, nil, &out)
	return out.AuditEvents.TotalCount
}

// TestBulkCreates: createApplications and createDependencies write every
// record under its single mutation's rules, in one transaction with one
// generation bump, a change-log entry and an audit event per record; the
// response sees the request's own writes.
func TestBulkCreates(t *testing.T) {
	s := newTestServer(t)
	s.createApp(t, "seed")
	gen, audits := graphGeneration(t, s), auditCount(t, s)

	var apps struct {
		CreateApplications []struct{ ID, Name string }
	}
	s.ok(t, `mutation { createApplications(input:[{name:"api"},{name:"db", owner:"dba"},{name:"web"}]) { id name } }`, nil, &apps)
	if len(apps.CreateApplications) != 3 || apps.CreateApplications[1].Name != "db" {
		t.Fatalf("created %+v", apps.CreateApplications)
	}
	if got := graphGeneration(t, s); got != gen+1 {
		t.Fatalf("generation moved from %d to %d for one request", gen, got)
	}
	if n := s.DB.Client.GraphChange.Query().Where(graphchange.Generation(gen + 1)).CountX(context.Background()); n != 3 {
		t.Fatalf("%d change-log entries for 3 applications", n)
	}
	if got := auditCount(t, s); got != audits+3 {
		t.Fatalf("%d audit events for 3 applications", got-audits)
	}
	api, db, web := apps.CreateApplications[0].ID, apps.CreateApplications[1].ID, apps.CreateApplications[2].ID

	var deps struct {
		CreateDependencies []struct {
			Consumer struct {
				Name      string
				DependsOn []struct{ Name string }
			}
		}
	}
	s.ok(t, `mutation($api:ID!,$db:ID!,$web:ID!) { createDependencies(input:[{consumerID:$api, providerID:$db},{consumerID:$web, providerID:$api}]) {
		consumer { name dependsOn { name } } } }`, vars("api", api, "db", db, "web", web), &deps)
	if got := deps.CreateDependencies[1].Consumer; got.Name != "web" || len(got.DependsOn) != 1 || got.DependsOn[0].Name != "api" {
		t.Fatalf("the response does not see its own writes: %+v", deps.CreateDependencies)
	}
	var impact struct {
		Impact struct {
			Impacted []struct{ Application struct{ Name string } }
		}
	}
	s.ok(t, `query($db:ID!) { impact(applicationIDs:[$db]) { impacted { application { name } } } }`, vars("db", db), &impact)
	if len(impact.Impact.Impacted) != 3 {
		t.Fatalf("impact after bulk dependencies: %+v", impact.Impact.Impacted)
	}

	// All or nothing: the third record is refused, nothing is written, and
	// the error names it.
	gen, audits = graphGeneration(t, s), auditCount(t, s)
	e := s.fails(t, "CONFLICT", `mutation { createApplications(input:[{name:"new1"},{name:"new2"},{name:"api"}]) { id } }`, nil)
	if e.Extensions["index"] != float64(2) {
		t.Fatalf("error does not name the refused record: %+v", e)
	}
	e = s.fails(t, "BAD_USER_INPUT", `mutation($a:ID!) { createDependencies(input:[{consumerID:$a, providerID:$a}]) { id } }`, vars("a", api))
	if e.Extensions["index"] != float64(0) {
		t.Fatalf("error does not name the refused record: %+v", e)
	}
	if graphGeneration(t, s) != gen || auditCount(t, s) != audits {
		t.Fatal("a refused bulk write left traces")
	}
	var count struct{ Applications struct{ TotalCount int } }
	s.ok(t, `{ applications { totalCount } }`, nil, &count)
	if count.Applications.TotalCount != 4 {
		t.Fatalf("%d applications after a refused bulk write, want 4", count.Applications.TotalCount)
	}
}

func TestBulkSizeIsBounded(t *testing.T) {
	s := newTestServer(t, func(o *graph.Options) { o.MaxBulkItems = 2 })
	s.fails(t, "BAD_USER_INPUT", `mutation { createApplications(input:[{name:"a"},{name:"b"},{name:"c"}]) { id } }`, nil)
	s.fails(t, "BAD_USER_INPUT", `mutation { upsertApplications(input:[{name:"a"},{name:"b"},{name:"c"}]) { created } }`, nil)
	s.ok(t, `mutation { createApplications(input:[{name:"a"},{name:"b"}]) { id } }`, nil, nil)
}

type upserts struct {
	Results []struct {
		Outcome     string
		Application struct {
			Name, Owner string
			Version     int
		}
		Change struct {
			Title        string
			Version      int
			Applications struct {
				Edges []struct{ Node struct{ Name string } }
			}
		}
	}
	Created, Updated, Unchanged int
}

func (u upserts) outcomes() []string {
	var out []string
	for _, r := range u.Results {
		out = append(out, r.Outcome)
	}
	return out
}

// TestUpsertApplications mirrors a list twice: the second run changes only
// what differs and reports the rest unchanged, without new versions.
func TestUpsertApplications(t *testing.T) {
	s := newTestServer(t)
	s.createApp(t, "api")
	const q = `mutation($in:[CreateApplicationInput!]!) { upsertApplications(input:$in) { created updated unchanged results { outcome application { name owner version } } } }`
	run := func(in ...map[string]any) upserts {
		var out struct{ UpsertApplications upserts }
		s.ok(t, q, vars("in", in), &out)
		return out.UpsertApplications
	}
	first := run(map[string]any{"name": "api", "owner": "core"}, map[string]any{"name": " db "}, map[string]any{"name": "web"})
	if !slices.Equal(first.outcomes(), []string{"UPDATED", "CREATED", "CREATED"}) || first.Created != 2 || first.Updated != 1 {
		t.Fatalf("first run: %+v", first)
	}
	audits := auditCount(t, s)
	second := run(map[string]any{"name": "api", "owner": "core"}, map[string]any{"name": "db"}, map[string]any{"name": "web", "owner": "front"})
	if !slices.Equal(second.outcomes(), []string{"UNCHANGED", "UNCHANGED", "UPDATED"}) || second.Unchanged != 2 || second.Updated != 1 {
		t.Fatalf("second run: %+v", second)
	}
	if second.Results[0].Application.Version != first.Results[0].Application.Version || second.Results[0].Application.Owner != "core" {
		t.Fatalf("an unchanged application was written: %+v then %+v", first.Results[0], second.Results[0])
	}
	if got := auditCount(t, s); got != audits+1 {
		t.Fatalf("%d audit events for one update", got-audits)
	}
	// A name twice in one request: created, then found.
	third := run(map[string]any{"name": "cache"}, map[string]any{"name": "cache", "owner": "ops"})
	if !slices.Equal(third.outcomes(), []string{"CREATED", "UPDATED"}) {
		t.Fatalf("repeated name: %+v", third)
	}
}

// TestUpsertChanges mirrors tickets by externalRef.
func TestUpsertChanges(t *testing.T) {
	s := newTestServer(t)
	a, b, c := s.createApp(t, "a"), s.createApp(t, "b"), s.createApp(t, "c")
	const q = `mutation($in:[CreateChangeInput!]!) { upsertChanges(input:$in) { created updated unchanged
		results { outcome change { title version applications(orderBy:{field:NAME}) { edges { node { name } } } } } } }`
	run := func(in ...map[string]any) upserts {
		var out struct{ UpsertChanges upserts }
		s.ok(t, q, vars("in", in), &out)
		return out.UpsertChanges
	}
	ticket := func(ref, title string, apps ...string) map[string]any {
		return map[string]any{"externalRef": ref, "title": title, "applicationIDs": apps}
	}
	first := run(ticket("JIRA-1", "one", a, b), ticket("JIRA-2", "two", c))
	if !slices.Equal(first.outcomes(), []string{"CREATED", "CREATED"}) {
		t.Fatalf("first run: %+v", first)
	}
	second := run(ticket("JIRA-1", "one", b, c), ticket("JIRA-2", "two", c))
	if !slices.Equal(second.outcomes(), []string{"UPDATED", "UNCHANGED"}) {
		t.Fatalf("second run: %+v", second)
	}
	var names []string
	for _, e := range second.Results[0].Change.Applications.Edges {
		names = append(names, e.Node.Name)
	}
	if !slices.Equal(names, []string{"b", "c"}) {
		t.Fatalf("JIRA-1's applications became %v, want [b c]", names)
	}
	if second.Results[1].Change.Version != first.Results[1].Change.Version {
		t.Fatal("an unchanged change was written")
	}

	e := s.fails(t, "BAD_USER_INPUT", q, vars("in", []any{ticket("JIRA-3", "x", a), map[string]any{"title": "no ref", "applicationIDs": []string{a}}}))
	if e.Extensions["index"] != float64(1) {
		t.Fatalf("missing externalRef not pinned to its record: %+v", e)
	}
	s.createChange(t, "copy", "", a) // then give it JIRA-2 too
	var changes struct {
		Changes struct {
			Edges []struct{ Node struct{ ID, Title string } }
		}
	}
	s.ok(t, `{ changes(where:{title:"copy"}) { edges { node { id title } } } }`, nil, &changes)
	s.ok(t, `mutation($id:ID!) { updateChange(id:$id, input:{externalRef:"JIRA-2"}) { id } }`, vars("id", changes.Changes.Edges[0].Node.ID), nil)
	s.fails(t, "CONFLICT", q, vars("in", []any{ticket("JIRA-2", "two", c)}))
	if got := fmt.Sprint(run(ticket("JIRA-1", "one", b, c)).outcomes()); got != "[UNCHANGED]" {
		t.Fatalf("rerun: %s", got)
	}
}
