package graph_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/relgraph/relgraph/internal/viewer"
)

// pkgFixture is a small portfolio for release packages:
//
//	ledger ← pay ← shop ← web      (web depends on shop, shop on pay, ...)
//	crm ← mail, crm ← loop-a ⇄ loop-b   (a dependency cycle)
//
// and five releases: Payments (changes ledger, 10–20 Jan) and Checkout
// (changes shop, 15–25 Jan) conflict over shop and web; Outside (changes
// pay, 22–30 Jan) conflicts with Checkout only, over shop and web; CRM
// (changes crm, all January) overlaps every window but shares nothing;
// Unplanned (changes ledger) has no window, so it conflicts with nothing.
type pkgFixture struct {
	s   *testServer
	app map[string]string
	rel map[string]string
}

func newPkgFixture(t *testing.T, s *testServer) *pkgFixture {
	t.Helper()
	f := &pkgFixture{s: s, app: map[string]string{}, rel: map[string]string{}}
	for _, name := range []string{"ledger", "pay", "shop", "web", "crm", "mail", "loop-a", "loop-b"} {
		f.app[name] = s.createApp(t, name)
	}
	for _, d := range [][2]string{{"pay", "ledger"}, {"shop", "pay"}, {"web", "shop"},
		{"mail", "crm"}, {"loop-a", "crm"}, {"loop-a", "loop-b"}, {"loop-b", "loop-a"}} {
		s.createDep(t, f.app[d[0]], f.app[d[1]])
	}
	for _, r := range []struct{ name, app, start, end string }{
		{"Payments", "ledger", "2027-01-10T00:00:00Z", "2027-01-20T00:00:00Z"},
		{"Checkout", "shop", "2027-01-15T00:00:00Z", "2027-01-25T00:00:00Z"},
		{"Outside", "pay", "2027-01-22T00:00:00Z", "2027-01-30T00:00:00Z"},
		{"CRM", "crm", "2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z"},
		{"Unplanned", "ledger", "", ""},
	} {
		if r.start == "" {
			f.rel[r.name] = s.createRelease(t, r.name)
		} else {
			f.rel[r.name] = s.createRelease(t, r.name, r.start, r.end)
		}
		s.createChange(t, r.name+" change", f.rel[r.name], f.app[r.app])
	}
	return f
}

// pkgIDs returns the ids of the named records of m.
func pkgIDs(m map[string]string, names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = m[n]
	}
	return out
}

// createPackage creates a package of the named releases and returns its id.
func (f *pkgFixture) createPackage(t *testing.T, name string, releases ...string) string {
	t.Helper()
	var out struct{ CreateReleasePackage struct{ ID string } }
	f.s.ok(t, `mutation($n:String!, $r:[ID!]) { createReleasePackage(input:{name:$n, releaseIDs:$r}) { id } }`,
		vars("n", name, "r", pkgIDs(f.rel, releases...)), &out)
	return out.CreateReleasePackage.ID
}

// pkgConflictFields selects a ReleaseConflict, read as a pkgConflict.
const pkgConflictFields = `releases { name } overlapStart overlapEnd sharedApplications { name }`

// pkgConflict is a ReleaseConflict as the tests ask for it.
type pkgConflict struct {
	Releases           []struct{ Name string }
	OverlapStart       string
	OverlapEnd         string
	SharedApplications []struct{ Name string }
}

// String writes a conflict as "A+B start..end [shared]".
func (c pkgConflict) String() string {
	var rels, shared []string
	for _, r := range c.Releases {
		rels = append(rels, r.Name)
	}
	for _, a := range c.SharedApplications {
		shared = append(shared, a.Name)
	}
	return fmt.Sprintf("%s %s..%s %v", strings.Join(rels, "+"), c.OverlapStart, c.OverlapEnd, shared)
}

func pkgConflictStrings(cs []pkgConflict) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.String()
	}
	return out
}

// packageConflicts asks package id for its conflicts.
func (f *pkgFixture) packageConflicts(t *testing.T, id string) (inside, outside []string) {
	t.Helper()
	var out struct {
		Node struct {
			Conflicts struct{ Inside, Outside []pkgConflict }
		}
	}
	f.s.ok(t, `query($id:ID!) { node(id:$id) { ... on ReleasePackage { conflicts { inside { `+pkgConflictFields+` } outside { `+pkgConflictFields+` } } } } }`,
		vars("id", id), &out)
	return pkgConflictStrings(out.Node.Conflicts.Inside), pkgConflictStrings(out.Node.Conflicts.Outside)
}

// releaseConflicts asks release name for its conflicts (Release.conflicts),
// the semantics a package's conflicts share.
func (f *pkgFixture) releaseConflicts(t *testing.T, name string) []string {
	t.Helper()
	var out struct {
		Node struct{ Conflicts []pkgConflict }
	}
	f.s.ok(t, `query($id:ID!) { node(id:$id) { ... on Release { conflicts { `+pkgConflictFields+` } } } }`,
		vars("id", f.rel[name]), &out)
	return pkgConflictStrings(out.Node.Conflicts)
}

const pkgImpactFields = `changed { name } impacted { application { name } distance path { name } } shared { name }`

// packageImpact asks package id for its impact, as JSON.
func (f *pkgFixture) packageImpact(t *testing.T, id string, maxDepth *int) json.RawMessage {
	t.Helper()
	var out struct {
		Node struct{ Impact json.RawMessage }
	}
	f.s.ok(t, `query($id:ID!, $d:Int) { node(id:$id) { ... on ReleasePackage { impact(maxDepth:$d) { `+pkgImpactFields+` } } } }`,
		vars("id", id, "d", maxDepth), &out)
	return out.Node.Impact
}

// whatIf asks Query.impact about the named applications, as JSON.
func (f *pkgFixture) whatIf(t *testing.T, maxDepth *int, apps ...string) json.RawMessage {
	t.Helper()
	var out struct{ Impact json.RawMessage }
	f.s.ok(t, `query($a:[ID!]!, $d:Int) { impact(applicationIDs:$a, maxDepth:$d) { `+pkgImpactFields+` } }`,
		vars("a", pkgIDs(f.app, apps...), "d", maxDepth), &out)
	return out.Impact
}

// impactSummary reads an impact's JSON as "name:distance" entries, in order.
func impactSummary(t *testing.T, raw json.RawMessage) (changed, impacted []string) {
	t.Helper()
	var imp struct {
		Changed  []struct{ Name string }
		Impacted []struct {
			Application struct{ Name string }
			Distance    int
		}
	}
	if err := json.Unmarshal(raw, &imp); err != nil {
		t.Fatal(err)
	}
	for _, c := range imp.Changed {
		changed = append(changed, c.Name)
	}
	for _, i := range imp.Impacted {
		impacted = append(impacted, fmt.Sprintf("%s:%d", i.Application.Name, i.Distance))
	}
	return changed, impacted
}

func TestReleasePackageImpactIsThatOfTheUnion(t *testing.T) {
	s := newTestServer(t)
	f := newPkgFixture(t, s)
	peak := f.createPackage(t, "Peak", "Payments", "Checkout")

	changed, impacted := impactSummary(t, f.packageImpact(t, peak, nil))
	if want := []string{"ledger", "shop"}; !slices.Equal(changed, want) {
		t.Errorf("changed %v, want %v", changed, want)
	}
	if want := []string{"ledger:0", "shop:0", "pay:1", "web:1"}; !slices.Equal(impacted, want) {
		t.Errorf("impacted %v, want %v", impacted, want)
	}
	zero := 0
	if _, impacted := impactSummary(t, f.packageImpact(t, peak, &zero)); !slices.Equal(impacted, []string{"ledger:0", "shop:0"}) {
		t.Errorf("impact(maxDepth:0) %v, want the changed applications only", impacted)
	}

	// Through the dependency cycle, and with a release that has no window:
	// the impact is the union's whatever the windows.
	s.ok(t, `mutation($id:ID!, $r:[ID!]) { updateReleasePackage(id:$id, input:{addReleaseIDs:$r}) { id } }`,
		vars("id", peak, "r", pkgIDs(f.rel, "CRM", "Unplanned")), nil)
	changed, impacted = impactSummary(t, f.packageImpact(t, peak, nil))
	if want := []string{"crm", "ledger", "shop"}; !slices.Equal(changed, want) {
		t.Errorf("changed %v, want %v", changed, want)
	}
	if want := []string{"crm:0", "ledger:0", "shop:0", "loop-a:1", "mail:1", "pay:1", "web:1", "loop-b:2"}; !slices.Equal(impacted, want) {
		t.Errorf("impacted %v, want %v", impacted, want)
	}
	one := 1
	for _, depth := range []*int{nil, &zero, &one} {
		got, want := f.packageImpact(t, peak, depth), f.whatIf(t, depth, "shop", "crm", "ledger")
		if string(got) != string(want) {
			t.Errorf("maxDepth %v: package impact\n%s\nwhat-if impact of its changed applications\n%s", depth, got, want)
		}
	}

	// impactedApplications pages the package's impact like any other.
	var paged struct {
		Node struct {
			Impact struct {
				ImpactedApplications struct {
					TotalCount int
					Edges      []struct {
						Node struct{ Application struct{ Name string } }
					}
					PageInfo struct{ HasNextPage bool }
				}
			}
		}
	}
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on ReleasePackage { impact { impactedApplications(first:3) { totalCount edges { node { application { name } } } pageInfo { hasNextPage } } } } } }`,
		vars("id", peak), &paged)
	if p := paged.Node.Impact.ImpactedApplications; p.TotalCount != 8 || len(p.Edges) != 3 || !p.PageInfo.HasNextPage || p.Edges[2].Node.Application.Name != "shop" {
		t.Errorf("impactedApplications(first:3) %+v", p)
	}

	// An empty package changes nothing.
	empty := f.createPackage(t, "Empty")
	if changed, impacted := impactSummary(t, f.packageImpact(t, empty, nil)); len(changed)+len(impacted) != 0 {
		t.Errorf("an empty package's impact: %v %v", changed, impacted)
	}
	minus := -1
	s.fails(t, "BAD_USER_INPUT", `query($id:ID!, $d:Int) { node(id:$id) { ... on ReleasePackage { impact(maxDepth:$d) { changed { name } } } } }`,
		vars("id", peak, "d", minus))
}

func TestReleasePackageConflictsInsideAndOutside(t *testing.T) {
	s := newTestServer(t)
	f := newPkgFixture(t, s)
	payCheckout := "Payments+Checkout 2027-01-15T00:00:00Z..2027-01-20T00:00:00Z [shop web]"
	checkoutOutside := "Checkout+Outside 2027-01-22T00:00:00Z..2027-01-25T00:00:00Z [shop web]"

	peak := f.createPackage(t, "Peak", "Payments", "Checkout", "CRM", "Unplanned")
	inside, outside := f.packageConflicts(t, peak)
	if !slices.Equal(inside, []string{payCheckout}) || !slices.Equal(outside, []string{checkoutOutside}) {
		t.Fatalf("inside %q, outside %q", inside, outside)
	}
	// The same conflicts the releases report, each pair once.
	all := append(f.releaseConflicts(t, "Payments"), f.releaseConflicts(t, "Checkout")...)
	slices.Sort(all)
	if want := []string{checkoutOutside, payCheckout, payCheckout}; !slices.Equal(all, want) {
		t.Fatalf("the releases report %q", all)
	}

	// Seen from the other side, Checkout-Outside is outside too.
	other := f.createPackage(t, "Other", "Outside", "CRM")
	if inside, outside := f.packageConflicts(t, other); len(inside) != 0 || !slices.Equal(outside, []string{checkoutOutside}) {
		t.Fatalf("other package: inside %q, outside %q", inside, outside)
	}

	// With every conflicting release inside, inside is releaseConflicts,
	// in its order, and nothing is outside.
	every := f.createPackage(t, "Every", "Outside", "Checkout", "Payments")
	var portfolio struct{ ReleaseConflicts []pkgConflict }
	s.ok(t, `{ releaseConflicts { `+pkgConflictFields+` } }`, nil, &portfolio)
	if inside, outside := f.packageConflicts(t, every); !slices.Equal(inside, pkgConflictStrings(portfolio.ReleaseConflicts)) || len(outside) != 0 {
		t.Fatalf("every conflicting release inside: inside %q, outside %q; releaseConflicts %q", inside, outside, pkgConflictStrings(portfolio.ReleaseConflicts))
	}
	if want := []string{payCheckout, checkoutOutside}; !slices.Equal(pkgConflictStrings(portfolio.ReleaseConflicts), want) {
		t.Fatalf("releaseConflicts %v", portfolio.ReleaseConflicts)
	}

	// A package of one release asked alone, and a mutation's answer (in its
	// transaction), agree with the release's own conflicts.
	solo := f.createPackage(t, "Solo", "Checkout")
	if inside, outside := f.packageConflicts(t, solo); len(inside) != 0 || !slices.Equal(outside, f.releaseConflicts(t, "Checkout")) {
		t.Fatalf("solo: inside %q, outside %q, release %q", inside, outside, f.releaseConflicts(t, "Checkout"))
	}
	var created struct {
		CreateReleasePackage struct {
			Conflicts struct{ Inside, Outside []pkgConflict }
		}
	}
	s.ok(t, `mutation($r:[ID!]) { createReleasePackage(input:{name:"Created", releaseIDs:$r}) { conflicts { inside { `+pkgConflictFields+` } outside { `+pkgConflictFields+` } } } }`,
		vars("r", pkgIDs(f.rel, "Payments", "Checkout")), &created)
	if c := created.CreateReleasePackage.Conflicts; !slices.Equal(pkgConflictStrings(c.Inside), []string{payCheckout}) ||
		!slices.Equal(pkgConflictStrings(c.Outside), []string{checkoutOutside}) {
		t.Fatalf("createReleasePackage answers inside %v, outside %v", c.Inside, c.Outside)
	}

	// A cancelled release conflicts with nothing, inside a package or out.
	s.ok(t, `mutation($id:ID!) { transitionRelease(id:$id, to:CANCELLED) { status } }`, vars("id", f.rel["Outside"]), nil)
	if inside, outside := f.packageConflicts(t, peak); !slices.Equal(inside, []string{payCheckout}) || len(outside) != 0 {
		t.Fatalf("after cancelling Outside: inside %q, outside %q", inside, outside)
	}
	if inside, outside := f.packageConflicts(t, other); len(inside)+len(outside) != 0 {
		t.Fatalf("after cancelling Outside, its package: inside %q, outside %q", inside, outside)
	}
}

// TestReleasePackagePageIsNotPerRelease proves a page of packages asking
// each for its status, impact and conflicts sends no statement per
// release, and that each package answers in the page as it does alone.
func TestReleasePackagePageIsNotPerRelease(t *testing.T) {
	s := newTestServer(t)
	apps := make([]string, 12)
	for i := range apps {
		apps[i] = s.createApp(t, fmt.Sprintf("app%02d", i))
		if i > 0 {
			s.createDep(t, apps[i], apps[(i-1)/2])
		}
	}
	const packages = 3
	pkgs := make([]string, packages)
	n := 0
	addReleases := func(count int) {
		for p := range pkgs {
			var ids []string
			for range count {
				day := 1 + n%20
				rel := s.createRelease(t, fmt.Sprintf("R%02d", n), fmt.Sprintf("2027-03-%02dT00:00:00Z", day), fmt.Sprintf("2027-03-%02dT00:00:00Z", day+3))
				s.createChange(t, "c", rel, apps[n%len(apps)])
				ids = append(ids, rel)
				n++
			}
			if pkgs[p] == "" {
				var out struct{ CreateReleasePackage struct{ ID string } }
				s.ok(t, `mutation($n:String!, $r:[ID!]) { createReleasePackage(input:{name:$n, releaseIDs:$r}) { id } }`,
					vars("n", fmt.Sprintf("P%d", p), "r", ids), &out)
				pkgs[p] = out.CreateReleasePackage.ID
			} else {
				s.ok(t, `mutation($id:ID!, $r:[ID!]) { updateReleasePackage(id:$id, input:{addReleaseIDs:$r}) { id } }`,
					vars("id", pkgs[p], "r", ids), nil)
			}
		}
	}
	const fields = `name status impact { changed { name } impacted { application { name } distance } }
		conflicts { inside { ` + pkgConflictFields + ` } outside { ` + pkgConflictFields + ` } }`
	page := func() []json.RawMessage {
		var out struct {
			ReleasePackages struct {
				Edges []struct{ Node json.RawMessage }
			}
		}
		s.ok(t, `{ releasePackages(first:10, orderBy:{field:NAME}) { edges { node { `+fields+` } } } }`, nil, &out)
		nodes := make([]json.RawMessage, len(out.ReleasePackages.Edges))
		for i, e := range out.ReleasePackages.Edges {
			nodes[i] = e.Node
		}
		return nodes
	}
	bump := 0
	count := func() int64 {
		page() // the snapshot is built
		// A release write moves the changes generation: the page reads the
		// changed applications again instead of from memory.
		bump++
		s.createRelease(t, fmt.Sprintf("bump%d", bump))
		before := s.statements.Load()
		page()
		return s.statements.Load() - before
	}

	addReleases(2)
	small := count()
	addReleases(5)
	large := count()
	// The packages' impacts ask for the changed applications of the
	// releases the request has loaded so far, so how many of these loads
	// (one or two statements each) a page needs depends on timing, up to
	// two per package; a read per release would add at least 15.
	if large > small+2*packages {
		t.Fatalf("statements grow with the releases: %d for 2 releases a package, %d for 7", small, large)
	}

	for i, node := range page() {
		var alone struct{ Node json.RawMessage }
		s.ok(t, `query($id:ID!) { node(id:$id) { ... on ReleasePackage { `+fields+` } } }`, vars("id", pkgs[i]), &alone)
		if string(alone.Node) != string(node) {
			t.Errorf("package %d in a page:\n%s\nalone:\n%s", i, node, alone.Node)
		}
	}
}

func TestReleasePackageStatusRollsUp(t *testing.T) {
	s := newTestServer(t)
	var env struct{ CreateEnvironment struct{ ID string } }
	s.ok(t, `mutation { createEnvironment(input:{name:"prod", stage:PRODUCTION}) { id } }`, nil, &env)
	app := s.createApp(t, "billing")
	rel := map[string]string{}
	for i, name := range []string{"A", "B"} {
		var out struct{ CreateRelease struct{ ID string } }
		s.ok(t, `mutation($n:String!, $s:Time!, $e:Time!) { createRelease(input:{name:$n, stages:[PRODUCTION], startsAt:$s, endsAt:$e}) { id } }`,
			vars("n", name, "s", fmt.Sprintf("2027-0%d-01T00:00:00Z", i+4), "e", fmt.Sprintf("2027-0%d-05T00:00:00Z", i+4)), &out)
		rel[name] = out.CreateRelease.ID
		s.createChange(t, "c", rel[name], app)
	}
	var pkg struct{ CreateReleasePackage struct{ ID, Status string } }
	s.ok(t, `mutation { createReleasePackage(input:{name:"Q2"}) { id status } }`, nil, &pkg)
	id := pkg.CreateReleasePackage.ID
	if got := pkg.CreateReleasePackage.Status; got != "DRAFT" {
		t.Fatalf("an empty package is %s", got)
	}
	var only struct{ CreateReleasePackage struct{ ID string } }
	s.ok(t, `mutation($r:[ID!]) { createReleasePackage(input:{name:"B only", releaseIDs:$r}) { id } }`, vars("r", []string{rel["B"]}), &only)

	status := func(pkg string) string {
		var out struct{ Node struct{ Status string } }
		s.ok(t, `query($id:ID!) { node(id:$id) { ... on ReleasePackage { status } } }`, vars("id", pkg), &out)
		return out.Node.Status
	}
	move := func(release, to string) {
		t.Helper()
		s.ok(t, `mutation($id:ID!, $to:ReleaseStatus!) { transitionRelease(id:$id, to:$to) { status } }`, vars("id", rel[release], "to", to), nil)
	}
	var upd struct{ UpdateReleasePackage struct{ Status string } }
	s.ok(t, `mutation($id:ID!, $r:[ID!]) { updateReleasePackage(id:$id, input:{addReleaseIDs:$r}) { status } }`,
		vars("id", id, "r", []string{rel["A"], rel["B"]}), &upd)
	if upd.UpdateReleasePackage.Status != "DRAFT" {
		t.Fatalf("two drafts: %s", upd.UpdateReleasePackage.Status)
	}
	for _, step := range []struct {
		release, to, want string
	}{
		{"A", "PLANNED", "PLANNED"},
		{"A", "IN_PROGRESS", "IN_PROGRESS"},
		{"A", "DEPLOYED", "IN_PROGRESS"}, // B is still a draft
		{"B", "CANCELLED", "DEPLOYED"},
	} {
		if step.to == "DEPLOYED" {
			s.ok(t, `mutation($r:ID!, $e:ID!) { createDeployment(input:{releaseID:$r, environmentID:$e, status:SUCCEEDED}) { id } }`,
				vars("r", rel[step.release], "e", env.CreateEnvironment.ID), nil)
		}
		move(step.release, step.to)
		if got := status(id); got != step.want {
			t.Fatalf("after %s became %s the package is %s, want %s", step.release, step.to, got, step.want)
		}
	}
	if got := status(only.CreateReleasePackage.ID); got != "CANCELLED" {
		t.Fatalf("a package of a cancelled release is %s", got)
	}
}

func TestReleasePackageWrites(t *testing.T) {
	s := newTestServer(t)
	f := newPkgFixture(t, s)
	count := func() int {
		var out struct{ ReleasePackages struct{ TotalCount int } }
		s.ok(t, `{ releasePackages { totalCount } }`, nil, &out)
		return out.ReleasePackages.TotalCount
	}
	var created struct {
		CreateReleasePackage struct {
			ID, Name string
			StartsAt string
			Releases struct{ TotalCount int }
		}
	}
	res := s.queryAs(t, "alice", `mutation($r:[ID!]) { createReleasePackage(input:{name:"  Peak ", description:"Q1 peak", startsAt:"2027-01-01T00:00:00Z", endsAt:"2027-02-01T00:00:00Z", releaseIDs:$r}) { id name startsAt releases { totalCount } } }`,
		vars("r", pkgIDs(f.rel, "Payments", "Checkout")))
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	if err := json.Unmarshal(res.Data, &created); err != nil {
		t.Fatal(err)
	}
	peak := created.CreateReleasePackage.ID
	if c := created.CreateReleasePackage; c.Name != "Peak" || c.Releases.TotalCount != 2 || c.StartsAt != "2027-01-01T00:00:00Z" {
		t.Fatalf("created %+v", c)
	}

	// Bad input, each refused with its code and nothing written.
	unknown := "12884901999" // in the release range, but no release
	for _, tc := range []struct {
		name, code, query, mentions string
		vars                        map[string]any
	}{
		{"duplicate name", "CONFLICT", `mutation { createReleasePackage(input:{name:"Peak"}) { id } }`, "name", nil},
		{"duplicate name after trimming", "CONFLICT", `mutation { createReleasePackage(input:{name:" Peak  "}) { id } }`, "name", nil},
		{"rename onto another", "CONFLICT", `mutation($id:ID!) { updateReleasePackage(id:$id, input:{name:"Peak"}) { id } }`, "name",
			vars("id", "$other")},
		{"empty name", "BAD_USER_INPUT", `mutation { createReleasePackage(input:{name:"   "}) { id } }`, "name", nil},
		{"unknown release", "NOT_FOUND", `mutation($r:[ID!]) { createReleasePackage(input:{name:"New", releaseIDs:$r}) { id } }`, unknown,
			vars("r", []string{f.rel["Payments"], unknown})},
		{"an application as a release", "NOT_FOUND", `mutation($r:[ID!]) { createReleasePackage(input:{name:"New", releaseIDs:$r}) { id } }`, f.app["shop"],
			vars("r", []string{f.app["shop"]})},
		{"unknown release added", "NOT_FOUND", `mutation($id:ID!, $r:[ID!]) { updateReleasePackage(id:$id, input:{addReleaseIDs:$r}) { id } }`, unknown,
			vars("id", "$peak", "r", []string{unknown})},
		{"empty window", "BAD_USER_INPUT", `mutation { createReleasePackage(input:{name:"New", startsAt:"2027-01-01T00:00:00Z", endsAt:"2027-01-01T00:00:00Z"}) { id } }`, "endsAt", nil},
		{"end moved before start", "BAD_USER_INPUT", `mutation($id:ID!) { updateReleasePackage(id:$id, input:{endsAt:"2026-12-31T00:00:00Z"}) { id } }`, "endsAt",
			vars("id", "$peak")},
		{"update of a missing package", "NOT_FOUND", `mutation { updateReleasePackage(id:"64424509999", input:{name:"x"}) { id } }`, "", nil},
		{"delete of a missing package", "NOT_FOUND", `mutation { deleteReleasePackage(id:"64424509999") }`, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var other struct{ CreateReleasePackage struct{ ID string } }
			s.ok(t, `mutation { createReleasePackage(input:{name:"Other"}) { id } }`, nil, &other)
			defer s.ok(t, `mutation($id:ID!) { deleteReleasePackage(id:$id) }`, vars("id", other.CreateReleasePackage.ID), nil)
			for k, v := range tc.vars {
				switch v {
				case "$peak":
					tc.vars[k] = peak
				case "$other":
					tc.vars[k] = other.CreateReleasePackage.ID
				}
			}
			before := count()
			e := s.fails(t, tc.code, tc.query, tc.vars)
			if !strings.Contains(e.Message, tc.mentions) {
				t.Errorf("%q does not mention %q", e.Message, tc.mentions)
			}
			if after := count(); after != before {
				t.Errorf("a refused write changed the packages: %d, then %d", before, after)
			}
		})
	}

	// A viewer may read packages but not write them, whatever the input.
	for _, q := range []string{
		`mutation($r:[ID!]) { createReleasePackage(input:{name:"Viewer's", releaseIDs:$r}) { id } }`,
		`mutation($id:ID!, $r:[ID!]) { updateReleasePackage(id:$id, input:{addReleaseIDs:$r}) { id } }`,
		`mutation($id:ID!) { deleteReleasePackage(id:$id) }`,
	} {
		for _, ids := range [][]string{pkgIDs(f.rel, "CRM"), {"12884901999"}} {
			res := s.post(t, q, vars("id", peak, "r", ids), as(viewer.ViewerRole))
			if len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "FORBIDDEN" {
				t.Errorf("a viewer's %s: %s %+v", q, res.Data, res.Errors)
			}
		}
	}
	var readable struct{ ReleasePackages struct{ TotalCount int } }
	s.okWith(t, `{ releasePackages { totalCount } }`, nil, &readable, as(viewer.ViewerRole))
	if readable.ReleasePackages.TotalCount != 1 {
		t.Fatalf("a viewer sees %d packages", readable.ReleasePackages.TotalCount)
	}

	// Releases come and go; adding one twice keeps it once.
	names := func(pkg string) []string {
		var out struct {
			Node struct {
				Releases struct {
					Edges []struct{ Node struct{ Name string } }
				}
			}
		}
		s.ok(t, `query($id:ID!) { node(id:$id) { ... on ReleasePackage { releases(orderBy:[{field:NAME}]) { edges { node { name } } } } } }`, vars("id", pkg), &out)
		var ns []string
		for _, e := range out.Node.Releases.Edges {
			ns = append(ns, e.Node.Name)
		}
		return ns
	}
	res = s.queryAs(t, "bob", `mutation($id:ID!, $add:[ID!], $rm:[ID!]) { updateReleasePackage(id:$id, input:{addReleaseIDs:$add, removeReleaseIDs:$rm, description:"Q1"}) { id } }`,
		vars("id", peak, "add", pkgIDs(f.rel, "CRM", "Checkout"), "rm", pkgIDs(f.rel, "Payments")))
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	if got := names(peak); !slices.Equal(got, []string{"CRM", "Checkout"}) {
		t.Fatalf("releases after the update: %v", got)
	}

	// Release.packages is the other side of the edge.
	var packagesOf struct {
		Node struct {
			Packages struct {
				TotalCount int
				Edges      []struct{ Node struct{ Name string } }
			}
		}
	}
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on Release { packages { totalCount edges { node { name } } } } } }`, vars("id", f.rel["CRM"]), &packagesOf)
	if p := packagesOf.Node.Packages; p.TotalCount != 1 || p.Edges[0].Node.Name != "Peak" {
		t.Fatalf("CRM's packages %+v", p)
	}

	// Deleting a release takes it out of its packages (the join rows
	// cascade), under the release's own delete rules.
	spare := s.createRelease(t, "Spare")
	s.ok(t, `mutation($id:ID!, $r:[ID!]) { updateReleasePackage(id:$id, input:{addReleaseIDs:$r}) { id } }`, vars("id", peak, "r", []string{spare}), nil)
	s.ok(t, `mutation($id:ID!) { deleteRelease(id:$id) }`, vars("id", spare), nil)
	if got := names(peak); !slices.Equal(got, []string{"CRM", "Checkout"}) {
		t.Fatalf("releases after deleting Spare: %v", got)
	}
	s.ok(t, `mutation($id:ID!) { transitionRelease(id:$id, to:CANCELLED) { status } }`, vars("id", f.rel["CRM"]), nil)
	s.fails(t, "FAILED_PRECONDITION", `mutation($id:ID!) { deleteRelease(id:$id) }`, vars("id", f.rel["CRM"]))
	if got := names(peak); !slices.Equal(got, []string{"CRM", "Checkout"}) {
		t.Fatalf("releases after a refused delete: %v", got)
	}

	s.ok(t, `mutation($id:ID!) { updateReleasePackage(id:$id, input:{clearReleases:true}) { id } }`, vars("id", peak), nil)
	if got := names(peak); len(got) != 0 {
		t.Fatalf("releases after clearReleases: %v", got)
	}
	s.queryAs(t, "carol", `mutation($id:ID!) { deleteReleasePackage(id:$id) }`, vars("id", peak))
	s.fails(t, "NOT_FOUND", `query($id:ID!) { node(id:$id) { id } }`, vars("id", peak))
	// Its releases stay.
	s.ok(t, `query($id:ID!) { node(id:$id) { id } }`, vars("id", f.rel["Checkout"]), nil)

	// Every write is in the audit trail, with the releases it added or
	// removed.
	type event struct {
		Actor, Action string
		Changes       map[string]map[string]any
	}
	var audit struct {
		AuditEvents struct{ Edges []struct{ Node event } }
	}
	s.ok(t, `query($id:ID!) { auditEvents(where:{entityType:"ReleasePackage", entityID:$id}, orderBy:{field:AT}) { edges { node { actor action changes } } } }`,
		vars("id", peak), &audit)
	var trail []string
	for _, e := range audit.AuditEvents.Edges {
		trail = append(trail, e.Node.Actor+":"+e.Node.Action)
	}
	if len(trail) < 5 || trail[0] != "alice:CREATE" || trail[1] != "bob:UPDATE" || trail[len(trail)-1] != "carol:DELETE" {
		t.Fatalf("audit trail %v", trail)
	}
	ev := audit.AuditEvents.Edges
	idsOf := func(v any) []string {
		var out []string
		for _, id := range v.([]any) {
			out = append(out, fmt.Sprint(int64(id.(float64)))) // the trail's ids are JSON numbers
		}
		slices.Sort(out)
		return out
	}
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
	if c := ev[0].Node.Changes; c["name"]["new"] != "Peak" || !slices.Equal(idsOf(c["releases"]["added"]), sorted(pkgIDs(f.rel, "Payments", "Checkout")...)) {
		t.Errorf("create event %+v", c)
	}
	if c := ev[1].Node.Changes; c["description"]["new"] != "Q1" ||
		!slices.Equal(idsOf(c["releases"]["added"]), sorted(pkgIDs(f.rel, "CRM", "Checkout")...)) ||
		!slices.Equal(idsOf(c["releases"]["removed"]), pkgIDs(f.rel, "Payments")) {
		t.Errorf("update event %+v", c)
	}
	if c := ev[len(ev)-2].Node.Changes; c["releases"]["cleared"] != true {
		t.Errorf("clearReleases event %+v", c)
	}
	if c := ev[len(ev)-1].Node.Changes; c["name"]["old"] != "Peak" {
		t.Errorf("delete event %+v", c)
	}
}

// TestDeletingAReleaseIsWrittenOnItsChangesAndPackages: a deleted release's
// changes are unscheduled and its packages lose it through their own
// writes: the change's version moves and the audit trail records both.
func TestDeletingAReleaseIsWrittenOnItsChangesAndPackages(t *testing.T) {
	s := newTestServer(t)
	app := s.createApp(t, "a")
	doomed, kept := s.createRelease(t, "doomed"), s.createRelease(t, "kept")
	change := s.createChange(t, "c", doomed, app)
	var pkg struct{ CreateReleasePackage struct{ ID string } }
	s.ok(t, `mutation($r:[ID!]) { createReleasePackage(input:{name:"P", releaseIDs:$r}) { id } }`, vars("r", []string{doomed, kept}), &pkg)
	p := pkg.CreateReleasePackage.ID
	s.ok(t, `mutation($id:ID!) { deleteRelease(id:$id) }`, vars("id", doomed), nil)

	var after struct {
		C struct {
			Version int
			Release *struct{ ID string }
		}
		P struct {
			Releases struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
	}
	s.ok(t, `query($c:ID!, $p:ID!) { c: node(id:$c) { ... on Change { version release { id } } }
		p: node(id:$p) { ... on ReleasePackage { releases { edges { node { id } } } } } }`, vars("c", change, "p", p), &after)
	if after.C.Release != nil || after.C.Version != 2 {
		t.Errorf("change after its release's deletion: %+v, want unscheduled at version 2", after.C)
	}
	if len(after.P.Releases.Edges) != 1 || after.P.Releases.Edges[0].Node.ID != kept {
		t.Errorf("package after a release's deletion: %+v, want only %s", after.P, kept)
	}
	audited := func(id string) []map[string]any {
		t.Helper()
		var out struct {
			AuditEvents struct {
				Edges []struct {
					Node struct{ Changes map[string]any }
				}
			}
		}
		s.ok(t, `query($id:ID!) { auditEvents(where:{entityID:$id, action:UPDATE}) { edges { node { changes } } } }`, vars("id", id), &out)
		var changes []map[string]any
		for _, e := range out.AuditEvents.Edges {
			changes = append(changes, e.Node.Changes)
		}
		return changes
	}
	doomedID, _ := strconv.Atoi(doomed)
	if got := audited(change); len(got) != 1 || fmt.Sprint(got[0]["releaseID"]) != fmt.Sprint(map[string]any{"old": float64(doomedID), "new": nil}) {
		t.Errorf("the change's audit trail: %v", got)
	}
	if got := audited(p); len(got) != 1 || fmt.Sprint(got[0]["releases"]) != fmt.Sprint(map[string]any{"removed": []any{float64(doomedID)}}) {
		t.Errorf("the package's audit trail: %v", got)
	}
}
