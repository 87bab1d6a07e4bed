package graph_test

import (
	"fmt"
	"slices"
	"testing"
)

func TestApplicationCRUD(t *testing.T) {
	s := newTestServer(t)
	var created struct {
		CreateApplication struct {
			ID, Name, Description, Owner, Criticality, CreatedAt, UpdatedAt string
		} `json:"createApplication"`
	}
	s.ok(t, `mutation { createApplication(input:{name:"  billing  ", description:"Bills customers", owner:"Payments", criticality:HIGH}) {
		id name description owner criticality createdAt updatedAt } }`, nil, &created)
	app := created.CreateApplication
	if app.Name != "billing" || app.Description != "Bills customers" || app.Owner != "Payments" || app.Criticality != "HIGH" {
		t.Fatalf("created %+v", app)
	}
	if app.CreatedAt == "" || app.UpdatedAt == "" {
		t.Fatalf("timestamps missing: %+v", app)
	}

	var def struct {
		CreateApplication struct{ Criticality, Description string } `json:"createApplication"`
	}
	s.ok(t, `mutation { createApplication(input:{name:"ledger"}) { criticality description } }`, nil, &def)
	if def.CreateApplication.Criticality != "MEDIUM" || def.CreateApplication.Description != "" {
		t.Fatalf("defaults: %+v", def.CreateApplication)
	}

	var updated struct {
		UpdateApplication struct{ Name, Owner, Criticality string } `json:"updateApplication"`
	}
	s.ok(t, `mutation($id:ID!) { updateApplication(id:$id, input:{owner:"Finance", criticality:CRITICAL}) { name owner criticality } }`,
		vars("id", app.ID), &updated)
	if updated.UpdateApplication != (struct{ Name, Owner, Criticality string }{"billing", "Finance", "CRITICAL"}) {
		t.Fatalf("updated %+v", updated.UpdateApplication)
	}

	var read struct {
		Node struct{ Name, Owner string } `json:"node"`
	}
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on Application { name owner } } }`, vars("id", app.ID), &read)
	if read.Node.Owner != "Finance" {
		t.Fatalf("read back %+v", read.Node)
	}

	var deleted struct {
		DeleteApplication string `json:"deleteApplication"`
	}
	s.ok(t, `mutation($id:ID!) { deleteApplication(id:$id) }`, vars("id", app.ID), &deleted)
	if deleted.DeleteApplication != app.ID {
		t.Fatalf("deleted %q, want %q", deleted.DeleteApplication, app.ID)
	}
	s.fails(t, "NOT_FOUND", `query($id:ID!) { node(id:$id) { id } }`, vars("id", app.ID))
	s.fails(t, "NOT_FOUND", `mutation($id:ID!) { deleteApplication(id:$id) }`, vars("id", app.ID))
}

func TestDependencyCRUD(t *testing.T) {
	s := newTestServer(t)
	web, api := s.createApp(t, "web"), s.createApp(t, "api")
	var created struct {
		CreateDependency struct {
			ID, Kind string
			Consumer struct{ Name string }
			Provider struct{ Name string }
		} `json:"createDependency"`
	}
	s.ok(t, `mutation($c:ID!,$p:ID!) { createDependency(input:{consumerID:$c, providerID:$p, kind:DATA, description:"reads"}) {
		id kind consumer { name } provider { name } } }`, vars("c", web, "p", api), &created)
	d := created.CreateDependency
	if d.Kind != "DATA" || d.Consumer.Name != "web" || d.Provider.Name != "api" {
		t.Fatalf("created %+v", d)
	}
	var updated struct {
		UpdateDependency struct{ Kind, Description string } `json:"updateDependency"`
	}
	s.ok(t, `mutation($id:ID!) { updateDependency(id:$id, input:{kind:RUNTIME, description:"calls"}) { kind description } }`,
		vars("id", d.ID), &updated)
	if updated.UpdateDependency.Kind != "RUNTIME" || updated.UpdateDependency.Description != "calls" {
		t.Fatalf("updated %+v", updated.UpdateDependency)
	}
	var edges struct {
		Node struct {
			UpstreamDependencies struct {
				TotalCount int
				Edges      []struct {
					Node struct{ Provider struct{ Name string } }
				}
			}
		} `json:"node"`
	}
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on Application { upstreamDependencies { totalCount edges { node { provider { name } } } } } } }`,
		vars("id", web), &edges)
	if edges.Node.UpstreamDependencies.TotalCount != 1 || edges.Node.UpstreamDependencies.Edges[0].Node.Provider.Name != "api" {
		t.Fatalf("upstream %+v", edges.Node.UpstreamDependencies)
	}
	s.ok(t, `mutation($id:ID!) { deleteDependency(id:$id) }`, vars("id", d.ID), nil)
	var count struct{ Dependencies struct{ TotalCount int } }
	s.ok(t, `{ dependencies { totalCount } }`, nil, &count)
	if count.Dependencies.TotalCount != 0 {
		t.Fatalf("dependency not deleted")
	}
	// Both ends are free again.
	s.ok(t, `mutation($id:ID!) { deleteApplication(id:$id) }`, vars("id", api), nil)
}

func TestChangeAndReleaseCRUD(t *testing.T) {
	s := newTestServer(t)
	a, b, c := s.createApp(t, "a"), s.createApp(t, "b"), s.createApp(t, "c")
	rel := s.createRelease(t, "R1", "2026-12-01T10:00:00Z", "2026-12-02T10:00:00Z")

	var created struct {
		CreateChange struct {
			ID, Title, Kind, Risk string
			ExternalRef           *string
			Release               struct{ Name string }
			Applications          struct {
				TotalCount int
				Edges      []struct{ Node struct{ Name string } }
			}
		} `json:"createChange"`
	}
	s.ok(t, `mutation($in:CreateChangeInput!) { createChange(input:$in) {
		id title kind risk externalRef release { name } applications(orderBy:{field:NAME}) { totalCount edges { node { name } } } } }`,
		vars("in", map[string]any{"title": " Rotate keys ", "kind": "SECURITY", "risk": "HIGH", "externalRef": "SEC-1",
			"applicationIDs": []string{b, a}, "releaseID": rel}), &created)
	ch := created.CreateChange
	if ch.Title != "Rotate keys" || ch.Kind != "SECURITY" || ch.Risk != "HIGH" || *ch.ExternalRef != "SEC-1" || ch.Release.Name != "R1" {
		t.Fatalf("created %+v", ch)
	}
	if ch.Applications.TotalCount != 2 || ch.Applications.Edges[0].Node.Name != "a" {
		t.Fatalf("applications %+v", ch.Applications)
	}

	var updated struct {
		UpdateChange struct {
			Applications struct {
				Edges []struct{ Node struct{ Name string } }
			}
			Release     *struct{ Name string }
			ExternalRef *string
		} `json:"updateChange"`
	}
	s.ok(t, `mutation($id:ID!,$add:[ID!],$rm:[ID!]) { updateChange(id:$id, input:{addApplicationIDs:$add, removeApplicationIDs:$rm, clearRelease:true, clearExternalRef:true}) {
		applications(orderBy:{field:NAME}) { edges { node { name } } } release { name } externalRef } }`,
		vars("id", ch.ID, "add", []string{c}, "rm", []string{a}), &updated)
	var names []string
	for _, e := range updated.UpdateChange.Applications.Edges {
		names = append(names, e.Node.Name)
	}
	if !slices.Equal(names, []string{"b", "c"}) || updated.UpdateChange.Release != nil || updated.UpdateChange.ExternalRef != nil {
		t.Fatalf("updated %+v", updated.UpdateChange)
	}

	var relUpd struct {
		UpdateRelease struct {
			Name, Status, Description string
			StartsAt, EndsAt          *string
			Changes                   struct{ TotalCount int }
		} `json:"updateRelease"`
	}
	s.ok(t, `mutation($id:ID!,$ch:[ID!]) { updateRelease(id:$id, input:{description:"Q4", addChangeIDs:$ch, clearStartsAt:true}) {
		name status description startsAt endsAt changes { totalCount } } }`, vars("id", rel, "ch", []string{ch.ID}), &relUpd)
	r := relUpd.UpdateRelease
	if r.Status != "DRAFT" || r.Description != "Q4" || r.StartsAt != nil || r.EndsAt == nil || r.Changes.TotalCount != 1 {
		t.Fatalf("release %+v", r)
	}

	s.ok(t, `mutation($id:ID!) { deleteRelease(id:$id) }`, vars("id", rel), nil)
	var after struct {
		Node struct{ Release *struct{ Name string } } `json:"node"`
	}
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on Change { release { name } } } }`, vars("id", ch.ID), &after)
	if after.Node.Release != nil {
		t.Fatalf("change still scheduled in a deleted release")
	}
	s.ok(t, `mutation($id:ID!) { deleteChange(id:$id) }`, vars("id", ch.ID), nil)
	s.fails(t, "NOT_FOUND", `query($id:ID!) { node(id:$id) { id } }`, vars("id", ch.ID))
}

func TestNodeResolvesEveryType(t *testing.T) {
	s := newTestServer(t)
	a, b := s.createApp(t, "a"), s.createApp(t, "b")
	dep := s.createDep(t, a, b)
	rel := s.createRelease(t, "R")
	ch := s.createChange(t, "C", rel, a)
	cases := []struct{ id, typename string }{
		{a, "Application"}, {dep, "Dependency"}, {ch, "Change"}, {rel, "Release"},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.typename, func(t *testing.T) {
			if seen[tc.id] {
				t.Fatalf("id %s is not unique across types", tc.id)
			}
			seen[tc.id] = true
			var out struct {
				Node struct {
					ID       string
					Typename string `json:"__typename"`
				} `json:"node"`
			}
			s.ok(t, `query($id:ID!) { node(id:$id) { id __typename } }`, vars("id", tc.id), &out)
			if out.Node.Typename != tc.typename || out.Node.ID != tc.id {
				t.Fatalf("node(%s) = %+v", tc.id, out.Node)
			}
		})
	}
	var many struct {
		Nodes []struct {
			Typename string `json:"__typename"`
		} `json:"nodes"`
	}
	s.ok(t, `query($ids:[ID!]!) { nodes(ids:$ids) { __typename } }`, vars("ids", []string{rel, a, ch, dep}), &many)
	var got []string
	for _, n := range many.Nodes {
		got = append(got, n.Typename)
	}
	if !slices.Equal(got, []string{"Release", "Application", "Change", "Dependency"}) {
		t.Fatalf("nodes = %v", got)
	}
}

func TestPaginationBothDirections(t *testing.T) {
	s := newTestServer(t)
	var want []string
	for i := range 7 {
		name := fmt.Sprintf("app-%02d", i)
		s.createApp(t, name)
		want = append(want, name)
	}
	type page struct {
		Applications struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage, HasPreviousPage bool
				StartCursor, EndCursor       *string
			}
			Edges []struct {
				Cursor string
				Node   struct{ Name string }
			}
		}
	}
	// Forwards, three at a time.
	var got []string
	var after *string
	for {
		var p page
		s.ok(t, `query($after:Cursor) { applications(first:3, after:$after, orderBy:{field:NAME}) {
			totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { name } } } }`,
			vars("after", after), &p)
		if p.Applications.TotalCount != 7 {
			t.Fatalf("totalCount %d", p.Applications.TotalCount)
		}
		for _, e := range p.Applications.Edges {
			got = append(got, e.Node.Name)
		}
		if !p.Applications.PageInfo.HasNextPage {
			break
		}
		after = p.Applications.PageInfo.EndCursor
	}
	if !slices.Equal(got, want) {
		t.Fatalf("forward pages = %v, want %v", got, want)
	}
	// Backwards, three at a time.
	got = nil
	var before *string
	for {
		var p page
		s.ok(t, `query($before:Cursor) { applications(last:3, before:$before, orderBy:{field:NAME}) {
			totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { name } } } }`,
			vars("before", before), &p)
		var names []string
		for _, e := range p.Applications.Edges {
			names = append(names, e.Node.Name)
		}
		got = append(names, got...)
		if !p.Applications.PageInfo.HasPreviousPage {
			break
		}
		before = p.Applications.PageInfo.StartCursor
	}
	if !slices.Equal(got, want) {
		t.Fatalf("backward pages = %v, want %v", got, want)
	}
}

func TestFiltersAndOrdering(t *testing.T) {
	s := newTestServer(t)
	for _, a := range []struct{ name, crit, owner string }{
		{"payments", "CRITICAL", "Payments"}, {"identity", "CRITICAL", "Platform"},
		{"reports", "LOW", "Data"}, {"search", "MEDIUM", "Platform"},
	} {
		s.ok(t, `mutation($n:String!,$c:Criticality!,$o:String!) { createApplication(input:{name:$n, criticality:$c, owner:$o}) { id } }`,
			vars("n", a.name, "c", a.crit, "o", a.owner), nil)
	}
	s.createRelease(t, "late", "2027-03-01T00:00:00Z", "2027-03-02T00:00:00Z")
	s.createRelease(t, "early", "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z")
	s.createRelease(t, "unscheduled")

	names := func(query string, v map[string]any, field string) []string {
		t.Helper()
		var out map[string]struct {
			Edges []struct{ Node struct{ Name string } }
		}
		s.ok(t, query, v, &out)
		var got []string
		for _, e := range out[field].Edges {
			got = append(got, e.Node.Name)
		}
		return got
	}
	cases := []struct {
		name, query, field string
		want               []string
	}{
		{"name ascending", `{ applications(orderBy:{field:NAME}) { edges { node { name } } } }`, "applications",
			[]string{"identity", "payments", "reports", "search"}},
		{"name descending", `{ applications(orderBy:{field:NAME, direction:DESC}) { edges { node { name } } } }`, "applications",
			[]string{"search", "reports", "payments", "identity"}},
		{"created ascending", `{ applications(orderBy:{field:CREATED_AT}) { edges { node { name } } } }`, "applications",
			[]string{"payments", "identity", "reports", "search"}},
		{"criticality filter", `{ applications(where:{criticality:CRITICAL}, orderBy:{field:NAME}) { edges { node { name } } } }`, "applications",
			[]string{"identity", "payments"}},
		{"owner and name prefix", `{ applications(where:{owner:"Platform", nameHasPrefix:"s"}) { edges { node { name } } } }`, "applications",
			[]string{"search"}},
		{"or filter", `{ applications(where:{or:[{name:"reports"},{name:"payments"}]}, orderBy:{field:NAME}) { edges { node { name } } } }`, "applications",
			[]string{"payments", "reports"}},
		{"releases by start", `{ releases(where:{startsAtNotNil:true}, orderBy:{field:STARTS_AT}) { edges { node { name } } } }`, "releases",
			[]string{"early", "late"}},
		{"releases by start descending", `{ releases(where:{startsAtNotNil:true}, orderBy:[{field:STARTS_AT, direction:DESC}]) { edges { node { name } } } }`, "releases",
			[]string{"late", "early"}},
		{"releases by status", `{ releases(where:{status:DRAFT, nameContainsFold:"EARL"}) { edges { node { name } } } }`, "releases",
			[]string{"early"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := names(tc.query, nil, tc.field); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestStatementCountDoesNotGrowWithPageSize proves nested selections are
// loaded per level, not per row: entgql's field collection eager-loads them.
func TestStatementCountDoesNotGrowWithPageSize(t *testing.T) {
	s := newTestServer(t)
	shared := s.createApp(t, "a-shared") // first by name: on every page
	rel := s.createRelease(t, "R")
	for i := range 30 {
		app := s.createApp(t, fmt.Sprintf("app-%02d", i))
		s.createDep(t, app, shared)
		s.createChange(t, fmt.Sprintf("change %d", i), rel, app, shared)
	}
	const query = `query($n:Int!) { applications(first:$n, orderBy:{field:NAME}) { totalCount edges { node {
		name
		changes { totalCount edges { node { title release { name } } } }
		upstreamDependencies { edges { node { kind provider { name owner } } } }
		downstreamDependencies(first: 3) { totalCount edges { node { consumer { name } } } }
	} } } }`
	count := func(n int) int64 {
		before := s.statements.Load()
		s.ok(t, query, vars("n", n), nil)
		return s.statements.Load() - before
	}
	small, large := count(2), count(30)
	if small != large {
		t.Fatalf("statement count grows with the page size: %d statements for 2 rows, %d for 30", small, large)
	}
	t.Logf("%d statements for any page size", large)
}
