package graph_test

import (
	"encoding/json"
	"fmt"
	"testing"
)

// analysisFields asks a release for every analysis at once.
const analysisFields = `name
	impact { impacted { application { name } distance } shared { name } }
	conflicts { releases { name } overlapStart overlapEnd sharedApplications { name } }
	deploymentOrder { name }
	freezeViolations { name }`

// TestAnalysisFieldsStatementCountIsConstant proves a page of releases
// asking each for its impact, conflicts, deployment order and freeze
// violations sends as many statements for 12 releases as for 2, and that
// each answer equals the one the release gives alone.
func TestAnalysisFieldsStatementCountIsConstant(t *testing.T) {
	s := newTestServer(t)
	apps := make([]string, 16)
	for i := range apps {
		apps[i] = s.createApp(t, fmt.Sprintf("app%02d", i))
		if i > 0 {
			s.createDep(t, apps[i], apps[i/2]) // a tree: shared providers near the root
		}
	}
	s.ok(t, `mutation($a:ID!) { createFreezeWindow(input:{name:"Audit", startsAt:"2027-03-01T00:00:00Z", endsAt:"2027-03-05T00:00:00Z", applicationIDs:[$a]}) { id } }`,
		vars("a", apps[9]), nil)
	s.ok(t, `mutation { createFreezeWindow(input:{name:"Everything", startsAt:"2027-03-20T00:00:00Z", endsAt:"2027-03-21T00:00:00Z"}) { id } }`, nil, nil)
	var ids []string
	for i := range 12 {
		start := fmt.Sprintf("2027-03-%02dT00:00:00Z", 1+2*i)
		end := fmt.Sprintf("2027-03-%02dT00:00:00Z", 4+2*i)
		rel := s.createRelease(t, fmt.Sprintf("R%02d", i), start, end)
		s.createChange(t, "c", rel, apps[1+i], apps[(3*i+2)%len(apps)])
		ids = append(ids, rel)
	}

	page := func(n int) []json.RawMessage {
		var out struct {
			Releases struct {
				Edges []struct{ Node json.RawMessage }
			}
		}
		s.ok(t, `query($n:Int) { releases(first:$n, orderBy:{field:NAME}) { edges { node { `+analysisFields+` } } } }`, vars("n", n), &out)
		nodes := make([]json.RawMessage, len(out.Releases.Edges))
		for i, e := range out.Releases.Edges {
			nodes[i] = e.Node
		}
		return nodes
	}
	count := func(n int) int64 {
		page(n) // the snapshot is built
		before := s.statements.Load()
		page(n)
		return s.statements.Load() - before
	}
	if small, large := count(2), count(12); small != large {
		t.Fatalf("statements grow with the page: %d for 2 releases, %d for 12", small, large)
	}

	for i, node := range page(12) {
		var alone struct{ Node json.RawMessage }
		s.ok(t, `query($id:ID!) { node(id:$id) { ... on Release { `+analysisFields+` } } }`, vars("id", ids[i]), &alone)
		if string(alone.Node) != string(node) {
			t.Errorf("release %d in a page:\n%s\nalone:\n%s", i, node, alone.Node)
		}
	}
}

const packageFields = `name status
	impact { impacted { application { name } distance } }
	conflicts { inside { releases { name } sharedApplications { name } } outside { releases { name } overlapStart } }
	risk { score }`

// TestPackageFieldsStatementCountIsConstant: a page of release packages
// asking each for its status, impact, conflicts and risk sends as many
// statements for 6 packages as for 2, and each package answers in a page
// as it does alone.
func TestPackageFieldsStatementCountIsConstant(t *testing.T) {
	s := newTestServer(t)
	apps := make([]string, 8)
	for i := range apps {
		apps[i] = s.createApp(t, fmt.Sprintf("app%02d", i))
		if i > 0 {
			s.createDep(t, apps[i], apps[i/2])
		}
	}
	var packages []string
	for i := range 6 {
		var rels []string
		for j := range 2 {
			start := fmt.Sprintf("2027-04-%02dT00:00:00Z", 1+3*i+j)
			end := fmt.Sprintf("2027-04-%02dT00:00:00Z", 4+3*i+j)
			rel := s.createRelease(t, fmt.Sprintf("P%dR%d", i, j), start, end)
			s.createChange(t, "c", rel, apps[(i+j)%len(apps)])
			rels = append(rels, rel)
		}
		var pkg struct{ CreateReleasePackage struct{ ID string } }
		s.ok(t, `mutation($n:String!, $r:[ID!]) { createReleasePackage(input:{name:$n, releaseIDs:$r}) { id } }`,
			vars("n", fmt.Sprintf("P%d", i), "r", rels), &pkg)
		packages = append(packages, pkg.CreateReleasePackage.ID)
	}
	page := func(n int) []json.RawMessage {
		var out struct {
			ReleasePackages struct {
				Edges []struct{ Node json.RawMessage }
			}
		}
		s.ok(t, `query($n:Int) { releasePackages(first:$n) { edges { node { `+packageFields+` } } } }`, vars("n", n), &out)
		nodes := make([]json.RawMessage, len(out.ReleasePackages.Edges))
		for i, e := range out.ReleasePackages.Edges {
			nodes[i] = e.Node
		}
		return nodes
	}
	count := func(n int) int64 {
		page(n)
		before := s.statements.Load()
		page(n)
		return s.statements.Load() - before
	}
	if small, large := count(2), count(6); small != large {
		t.Fatalf("statements grow with the page: %d for 2 packages, %d for 6", small, large)
	}
	for i, node := range page(6) {
		var alone struct{ Node json.RawMessage }
		s.ok(t, `query($id:ID!) { node(id:$id) { ... on ReleasePackage { `+packageFields+` } } }`, vars("id", packages[i]), &alone)
		if string(alone.Node) != string(node) {
			t.Errorf("package %d in a page:\n%s\nalone:\n%s", i, node, alone.Node)
		}
	}
}
