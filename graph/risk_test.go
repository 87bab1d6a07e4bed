package graph_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
)

// riskFixture is a portfolio whose risk factors can be counted by hand:
//
//	a  (team A, CRITICAL)  shared: b and c depend on it
//	b  (team B, HIGH)      depends on a
//	c  (team B, LOW)       depends on a
//	d  (no owner, MEDIUM)  depends on b
//	e  (team C, LOW)       alone
//	f, g (team D, MEDIUM)  depend on each other: a dependency cycle
//
// Seven applications, four teams. R1 (03-01 → 03-03) changes a (HIGH) and
// e (LOW); R2 (03-02 → 03-04) changes b (MEDIUM); R3 (03-02 → 03-05)
// changes f (LOW); R4 has no changes and no window. The freeze F
// (03-01 → 03-02) covers d. R1 and R2 conflict (both impact b and d); R3's
// impact (f, g) meets neither; only R1's window overlaps F.
type riskFixture struct {
	s    *testServer
	apps map[string]string
	rels map[string]string
	// changes by release name, one each except R1's (a, then e).
	changes map[string][]string
}

func newRiskFixture(t *testing.T) *riskFixture {
	t.Helper()
	s := newTestServer(t)
	f := &riskFixture{s: s, apps: map[string]string{}, rels: map[string]string{}, changes: map[string][]string{}}
	for _, a := range []struct{ name, owner, criticality string }{
		{"a", "A", "CRITICAL"}, {"b", "B", "HIGH"}, {"c", "B", "LOW"}, {"d", "", "MEDIUM"},
		{"e", "C", "LOW"}, {"f", "D", "MEDIUM"}, {"g", "D", "MEDIUM"},
	} {
		var out struct{ CreateApplication struct{ ID string } }
		s.ok(t, `mutation($n:String!, $o:String, $c:Criticality) { createApplication(input:{name:$n, owner:$o, criticality:$c}) { id } }`,
			vars("n", a.name, "o", a.owner, "c", a.criticality), &out)
		f.apps[a.name] = out.CreateApplication.ID
	}
	for _, d := range [][2]string{{"b", "a"}, {"c", "a"}, {"d", "b"}, {"f", "g"}, {"g", "f"}} {
		s.createDep(t, f.apps[d[0]], f.apps[d[1]])
	}
	f.rels["R1"] = s.createRelease(t, "R1", "2027-03-01T00:00:00Z", "2027-03-03T00:00:00Z")
	f.rels["R2"] = s.createRelease(t, "R2", "2027-03-02T00:00:00Z", "2027-03-04T00:00:00Z")
	f.rels["R3"] = s.createRelease(t, "R3", "2027-03-02T00:00:00Z", "2027-03-05T00:00:00Z")
	f.rels["R4"] = s.createRelease(t, "R4")
	for _, c := range []struct{ release, ref, risk, app string }{
		{"R1", "X-1", "HIGH", "a"}, {"R1", "X-2", "LOW", "e"}, {"R2", "Y-1", "MEDIUM", "b"}, {"R3", "Z-1", "LOW", "f"},
	} {
		var out struct{ CreateChange struct{ ID string } }
		s.ok(t, `mutation($in:CreateChangeInput!) { createChange(input:$in) { id } }`, vars("in", map[string]any{
			"title": "change " + c.ref, "externalRef": c.ref, "kind": "FIX", "risk": c.risk,
			"applicationIDs": []string{f.apps[c.app]}, "releaseID": f.rels[c.release],
		}), &out)
		f.changes[c.release] = append(f.changes[c.release], out.CreateChange.ID)
	}
	s.ok(t, `mutation($d:ID!) { createFreezeWindow(input:{name:"F", startsAt:"2027-03-01T00:00:00Z", endsAt:"2027-03-02T00:00:00Z", applicationIDs:[$d]}) { id } }`,
		vars("d", f.apps["d"]), nil)
	return f
}

type riskJSON struct {
	Score   float64
	Level   string
	Factors []struct {
		Name        string
		Weight      float64
		Value       float64
		Explanation string
	}
}

const riskFields = `risk { score level factors { name weight value explanation } }`

// values lists the factors' values in order.
func (r riskJSON) values() []float64 {
	out := make([]float64, len(r.Factors))
	for i, f := range r.Factors {
		out[i] = f.Value
	}
	return out
}

func (r riskJSON) explanation(name string) string {
	for _, f := range r.Factors {
		if f.Name == name {
			return f.Explanation
		}
	}
	return ""
}

// ranked returns the releases ordered by RISK_SCORE in direction, with
// their risk.
func (f *riskFixture) ranked(t *testing.T, s *testServer, direction string) ([]string, []riskJSON) {
	t.Helper()
	var out struct {
		Releases struct {
			Edges []struct {
				Node struct {
					Name string
					Risk riskJSON
				}
			}
		}
	}
	s.ok(t, `query($d:OrderDirection!) { releases(orderBy:{field:RISK_SCORE, direction:$d}) { edges { node { name `+riskFields+` } } } }`,
		vars("d", direction), &out)
	var names []string
	var risks []riskJSON
	for _, e := range out.Releases.Edges {
		names = append(names, e.Node.Name)
		risks = append(risks, e.Node.Risk)
	}
	return names, risks
}

// checkRanking checks that releases ordered by RISK_SCORE both ways come
// in the order want (ascending), with the scores wantScores, each score as
// the release's risk field gives it.
func (f *riskFixture) checkRanking(t *testing.T, s *testServer, want []string, wantScores []float64) {
	t.Helper()
	asc, ascRisk := f.ranked(t, s, "ASC")
	desc, descRisk := f.ranked(t, s, "DESC")
	var scores []float64
	for _, r := range ascRisk {
		scores = append(scores, r.Score)
	}
	if !slices.Equal(asc, want) || !slices.Equal(scores, wantScores) {
		t.Fatalf("ascending by risk: %v %v, want %v %v", asc, scores, want, wantScores)
	}
	if !slices.IsSorted(scores) {
		t.Fatalf("ascending order does not follow risk.score: %v", scores)
	}
	// Descending: by score, ties still by id (the order want lists them in).
	byScore := make([]int, len(want))
	for i := range byScore {
		byScore[i] = i
	}
	slices.SortStableFunc(byScore, func(a, b int) int { return cmp.Compare(wantScores[b], wantScores[a]) })
	var wantDesc []string
	for _, i := range byScore {
		wantDesc = append(wantDesc, want[i])
	}
	if !slices.Equal(desc, wantDesc) {
		t.Fatalf("descending by risk: %v, want %v", desc, wantDesc)
	}
	for i := 1; i < len(descRisk); i++ {
		if descRisk[i].Score > descRisk[i-1].Score {
			t.Fatalf("descending order does not follow risk.score at %d: %v", i, descRisk)
		}
	}
}

func (f *riskFixture) releaseRisk(t *testing.T, name string) riskJSON {
	t.Helper()
	var out struct{ Node struct{ Risk riskJSON } }
	f.s.ok(t, `query($id:ID!) { node(id:$id) { ... on Release { `+riskFields+` } } }`, vars("id", f.rels[name]), &out)
	return out.Node.Risk
}

// TestReleaseRiskFactors checks every factor of each release against the
// values counted by hand from the portfolio (see riskFixture).
func TestReleaseRiskFactors(t *testing.T) {
	f := newRiskFixture(t)
	tests := []struct {
		release string
		values  []float64
		score   float64
		level   string
	}{
		// changeRisk HIGH, changed a CRITICAL, impacted b HIGH, 5 of 7
		// impacted, teams A, B, C of 4, a shared (1 of 2), one conflict
		// (R2), freeze F, no cycle: 20 + 15 + 7.5 + 10.71 + 7.5 + 5 + 3.33 + 5.
		{"R1", []float64{1, 1, 0.75, 0.714, 0.75, 0.5, 0.333, 1, 0}, 74.0, "HIGH"},
		// MEDIUM, b HIGH, d MEDIUM, 2 of 7, team B of 4, b not shared (d
		// alone depends on it), R1: 13.34 + 11.25 + 5 + 4.29 + 2.5 + 3.33.
		{"R2", []float64{0.667, 0.75, 0.5, 0.286, 0.25, 0, 0.333, 0, 0}, 39.7, "MEDIUM"},
		// LOW, f MEDIUM, g MEDIUM, 2 of 7, team D, on the cycle:
		// 6.66 + 7.5 + 5 + 4.29 + 2.5 + 5 = 30.95, rounded half up.
		{"R3", []float64{0.333, 0.5, 0.5, 0.286, 0.25, 0, 0, 0, 1}, 31.0, "MEDIUM"},
		{"R4", []float64{0, 0, 0, 0, 0, 0, 0, 0, 0}, 0, "LOW"},
	}
	for _, tc := range tests {
		t.Run(tc.release, func(t *testing.T) {
			r := f.releaseRisk(t, tc.release)
			if !slices.Equal(r.values(), tc.values) || r.Score != tc.score || r.Level != tc.level {
				t.Errorf("risk %v %s %v, want %v %s %v", r.Score, r.Level, r.values(), tc.score, tc.level, tc.values)
			}
			var weights float64
			for _, fac := range r.Factors {
				weights += fac.Weight
			}
			if weights != 100 {
				t.Errorf("weights add up to %v", weights)
			}
		})
	}
	r1 := f.releaseRisk(t, "R1")
	for name, want := range map[string]string{
		"changeRisk":          "highest declared change risk: HIGH (X-1), of 2 changes",
		"impactedCriticality": "highest criticality of 3 applications impacted but not changed: HIGH (b)",
		"impactBreadth":       "5 of 7 applications impacted",
		"teamBreadth":         "3 of 4 teams own an impacted application (A, B, C)",
		"conflicts":           "conflicts with 1 release (R2)",
		"freezeOverlap":       "overlaps 1 freeze window covering its impact (F)",
	} {
		if got := r1.explanation(name); got != want {
			t.Errorf("R1 %s: %q, want %q", name, got, want)
		}
	}
	if got, want := f.releaseRisk(t, "R3").explanation("dependencyCycle"), "changes 1 application on a dependency cycle (f)"; got != want {
		t.Errorf("R3 dependencyCycle: %q, want %q", got, want)
	}
}

// TestRiskRanking: releases(orderBy: RISK_SCORE) ranks by the current
// score, and follows writes that move scores: a dependency added and
// removed, a change's risk raised (in a mutation whose answer reads its own
// write).
func TestRiskRanking(t *testing.T) {
	f := newRiskFixture(t)
	s := f.s
	f.checkRanking(t, s, []string{"R4", "R3", "R2", "R1"}, []float64{0, 31.0, 39.7, 74.0})

	// b depends on f: R3 now impacts f, g, b, d (f is shared, conflicts
	// with R1 and R2; impacted b HIGH; teams D, B), and R1 and R2 each
	// conflict with R3 too.
	dep := s.createDep(t, f.apps["b"], f.apps["f"])
	f.checkRanking(t, s, []string{"R4", "R2", "R3", "R1"}, []float64{0, 43.1, 51.9, 77.4})

	s.ok(t, `mutation($id:ID!) { deleteDependency(id:$id) }`, vars("id", dep), nil)
	f.checkRanking(t, s, []string{"R4", "R3", "R2", "R1"}, []float64{0, 31.0, 39.7, 74.0})

	// R3's change becomes HIGH: 31.0 - 6.66 + 20.
	var out struct {
		UpdateChange struct{ Release struct{ Risk riskJSON } }
	}
	s.ok(t, `mutation($id:ID!) { updateChange(id:$id, input:{risk:HIGH}) { release { `+riskFields+` } } }`,
		vars("id", f.changes["R3"][0]), &out)
	if got := out.UpdateChange.Release.Risk.Score; got != 44.3 {
		t.Errorf("the mutation's answer gives R3 %v, want 44.3", got)
	}
	f.checkRanking(t, s, []string{"R4", "R2", "R3", "R1"}, []float64{0, 39.7, 44.3, 74.0})

	// A new release is scored by the next ranking: no release is left
	// without a score.
	s.createRelease(t, "R5")
	f.checkRanking(t, s, []string{"R4", "R5", "R2", "R3", "R1"}, []float64{0, 0, 39.7, 44.3, 74.0})
	var unscored int
	if err := s.DB.SQL().QueryRow("SELECT COUNT(*) FROM releases WHERE risk_score IS NULL").Scan(&unscored); err != nil {
		t.Fatal(err)
	}
	if unscored != 0 {
		t.Errorf("%d releases have no score after a ranking", unscored)
	}

	s.fails(t, "GRAPHQL_VALIDATION_FAILED", `{ releases(orderBy:{field:RISK}) { edges { node { name } } } }`, nil)
}

// TestRiskRankingAcrossReplicas: a write through one replica moves the
// ranking another replica gives, and replicas refreshing at once agree.
func TestRiskRankingAcrossReplicas(t *testing.T) {
	f := newRiskFixture(t)
	other := newReplica(t, f.s)
	f.checkRanking(t, other, []string{"R4", "R3", "R2", "R1"}, []float64{0, 31.0, 39.7, 74.0})

	f.createDepOn(t, "b", "f")
	want := []string{"R4", "R2", "R3", "R1"}
	var wg sync.WaitGroup
	results := make([][]string, 8)
	for i := range results {
		wg.Go(func() {
			srv := f.s
			if i%2 == 1 {
				srv = other
			}
			res := srv.query(t, `{ releases(orderBy:{field:RISK_SCORE}) { edges { node { name } } } }`, nil)
			if len(res.Errors) > 0 {
				t.Errorf("replica %d: %+v", i%2, res.Errors)
				return
			}
			var out struct {
				Releases struct {
					Edges []struct{ Node struct{ Name string } }
				}
			}
			if err := json.Unmarshal(res.Data, &out); err != nil {
				t.Error(err)
				return
			}
			for _, e := range out.Releases.Edges {
				results[i] = append(results[i], e.Node.Name)
			}
		})
	}
	wg.Wait()
	for i, got := range results {
		if !slices.Equal(got, want) {
			t.Errorf("request %d (replica %d) ranks %v, want %v", i, i%2, got, want)
		}
	}
	f.checkRanking(t, other, want, []float64{0, 43.1, 51.9, 77.4})
}

func (f *riskFixture) createDepOn(t *testing.T, consumer, provider string) {
	t.Helper()
	f.s.createDep(t, f.apps[consumer], f.apps[provider])
}

// TestPackageRisk: a package's risk is over the union of its releases;
// conflicts count releases outside it only.
func TestPackageRisk(t *testing.T) {
	f := newRiskFixture(t)
	var created struct{ CreateReleasePackage struct{ ID string } }
	f.s.ok(t, `mutation($r:[ID!]) { createReleasePackage(input:{name:"P", releaseIDs:$r}) { id } }`,
		vars("r", []string{f.rels["R1"], f.rels["R2"]}), &created)
	pkg := func() riskJSON {
		var out struct{ Node struct{ Risk riskJSON } }
		f.s.ok(t, `query($id:ID!) { node(id:$id) { ... on ReleasePackage { `+riskFields+` } } }`, vars("id", created.CreateReleasePackage.ID), &out)
		return out.Node.Risk
	}
	// Changes X-1 HIGH, X-2 LOW, Y-1 MEDIUM; changed a, b, e (a
	// CRITICAL); impacted beyond them c LOW, d MEDIUM; 5 of 7; teams A, B,
	// C of 4; a shared; R1 and R2 conflict with each other only (inside);
	// R1 violates F: 20 + 15 + 5 + 10.71 + 7.5 + 5 + 0 + 5.
	r := pkg()
	if want := []float64{1, 1, 0.5, 0.714, 0.75, 0.5, 0, 1, 0}; !slices.Equal(r.values(), want) || r.Score != 68.2 || r.Level != "HIGH" {
		t.Errorf("package risk %v %s %v, want 68.2 HIGH %v", r.Score, r.Level, r.values(), want)
	}
	if got, want := r.explanation("changeRisk"), "highest declared change risk: HIGH (X-1), of 3 changes"; got != want {
		t.Errorf("changeRisk: %q, want %q", got, want)
	}

	// With b depending on f, R3 (outside) conflicts with both.
	f.createDepOn(t, "b", "f")
	r = pkg()
	if got, want := r.explanation("conflicts"), "conflicts with 1 release (R3)"; got != want || r.Score != 71.5 {
		t.Errorf("package risk %v, conflicts %q; want 71.5, %q", r.Score, got, want)
	}

	var empty struct{ CreateReleasePackage struct{ Risk riskJSON } }
	f.s.ok(t, `mutation { createReleasePackage(input:{name:"Empty"}) { `+riskFields+` } }`, nil, &empty)
	if e := empty.CreateReleasePackage.Risk; e.Score != 0 || e.Level != "LOW" || len(e.Factors) != 9 {
		t.Errorf("empty package: %+v", e)
	}
}

// TestRiskPageStatementCount: a page of releases asking each for its risk
// sends as many statements for 4 releases as for 2.
func TestRiskPageStatementCount(t *testing.T) {
	f := newRiskFixture(t)
	s := f.s
	page := func(n int) {
		s.ok(t, `query($n:Int) { releases(first:$n, orderBy:{field:NAME}) { edges { node { name `+riskFields+` } } } }`, vars("n", n), nil)
	}
	bump := 0
	count := func(n int) int64 {
		// A write first, so that nothing is remembered from before.
		bump++
		s.ok(t, `mutation($id:ID!, $d:String) { updateRelease(id:$id, input:{description:$d}) { id } }`,
			vars("id", f.rels["R4"], "d", fmt.Sprint(bump)), nil)
		page(n) // the snapshot catches up
		bump++
		s.ok(t, `mutation($id:ID!, $d:String) { updateRelease(id:$id, input:{description:$d}) { id } }`,
			vars("id", f.rels["R4"], "d", fmt.Sprint(bump)), nil)
		before := s.statements.Load()
		page(n)
		return s.statements.Load() - before
	}
	if small, large := count(2), count(4); small != large {
		t.Fatalf("statements grow with the page: %d for 2 releases, %d for 4", small, large)
	}
}
