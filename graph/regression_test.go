package graph_test

import (
	"cmp"
	"slices"
	"strings"
	"testing"
)

// regressionQuery asks for everything Release.regressionScope answers.
const regressionQuery = `query($id: ID!) { node(id: $id) { ... on Release { regressionScope {
	totalCount
	applications { application { id name owner criticality } distance path { name } reason }
	teams { owner applications { application { name owner criticality } distance path { name } reason } }
} } } }`

type regressionItem struct {
	Application struct{ ID, Name, Owner, Criticality string }
	Distance    int
	Path        []struct{ Name string }
	Reason      string
}

type regressionAnswer struct {
	Node struct {
		RegressionScope struct {
			TotalCount   int
			Applications []regressionItem
			Teams        []struct {
				Owner        *string
				Applications []regressionItem
			}
		}
	}
}

func (s *testServer) regressionScope(t *testing.T, release string) regressionAnswer {
	t.Helper()
	var out regressionAnswer
	s.ok(t, regressionQuery, vars("id", release), &out)
	return out
}

// regressionApp creates an application with an owner and a criticality.
func (s *testServer) regressionApp(t *testing.T, name, owner, criticality string) string {
	t.Helper()
	var out struct {
		CreateApplication struct{ ID string } `json:"createApplication"`
	}
	s.ok(t, `mutation($n:String!, $o:String!, $c:Criticality!){ createApplication(input:{name:$n, owner:$o, criticality:$c}){ id } }`,
		vars("n", name, "o", owner, "c", criticality), &out)
	return out.CreateApplication.ID
}

func (it regressionItem) pathNames() []string {
	names := make([]string, len(it.Path))
	for i, p := range it.Path {
		names[i] = p.Name
	}
	return names
}

func itemNames(items []regressionItem) []string {
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = it.Application.Name
	}
	return names
}

// reasonOf words a chain as the schema's description of reason does.
func reasonOf(path []string) string {
	words := path[len(path)-1]
	for i := len(path) - 2; i >= 0; i-- {
		if i == len(path)-2 {
			words += " depends on " + path[i]
		} else {
			words += ", which depends on " + path[i]
		}
	}
	return words + " (changed)"
}

var criticalityOrder = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW"}

// TestRegressionScope checks Release.regressionScope on a portfolio of
// three teams and unowned applications, with a dependency cycle among
// impacted applications, one through a changed application, a changed
// application depending on another changed one, a tie between two shortest
// chains, and providers and bystanders that are out of scope. The
// expectations come from a breadth-first walk of the test's own dependency
// list and the orders the schema describes, and are spelled out by hand for
// this portfolio too.
func TestRegressionScope(t *testing.T) {
	s := newTestServer(t)
	type app struct{ name, owner, criticality string }
	apps := []app{
		{"vault", "Payments", "HIGH"},     // pay's provider: not impacted
		{"pay", "Payments", "CRITICAL"},   // changed
		{"ledger", "Payments", "HIGH"},    // changed, depends on pay
		{"cache", "Payments", "MEDIUM"},   // on a cycle with ledger
		{"api", "Web", "HIGH"},            // 1 hop
		{"web", "Web", "CRITICAL"},        // 2 hops
		{"mobile", "Web", "LOW"},          // 2 hops
		{"report", "Data", "MEDIUM"},      // 1 hop, on a cycle with etl
		{"etl", "Data", "HIGH"},           // 2 hops
		{"dash", "Data", "HIGH"},          // 3 hops, by two shortest chains
		{"kiosk", "", "MEDIUM"},           // unowned, 3 hops
		{"scratch", "", "LOW"},            // unowned, 1 hop
		{"island", "Data", "LOW"},         // depends on nothing
		{"Data-consumer", "Data", "HIGH"}, // depends on island only
	}
	deps := [][2]string{ // consumer, provider
		{"pay", "vault"},
		{"ledger", "pay"},
		{"ledger", "cache"}, {"cache", "ledger"},
		{"api", "pay"},
		{"web", "api"}, {"mobile", "api"},
		{"report", "ledger"},
		{"etl", "report"}, {"report", "etl"},
		{"dash", "etl"}, {"dash", "web"},
		{"kiosk", "web"},
		{"scratch", "ledger"},
		{"Data-consumer", "island"},
	}
	id := map[string]string{}
	info := map[string]app{}
	for _, a := range apps {
		id[a.name] = s.regressionApp(t, a.name, a.owner, a.criticality)
		info[a.name] = a
	}
	for _, d := range deps {
		s.createDep(t, id[d[0]], id[d[1]])
	}
	rel := s.createRelease(t, "2027.01 Ledger")
	// Two changes whose applications overlap: the scope follows their union.
	s.createChange(t, "Harden payments", rel, id["pay"])
	s.createChange(t, "New ledger", rel, id["ledger"], id["pay"])
	changed := []string{"ledger", "pay"}

	// The reference: distances by a breadth-first walk along consumers.
	consumers := map[string][]string{}
	isDep := map[[2]string]bool{}
	for _, d := range deps {
		consumers[d[1]] = append(consumers[d[1]], d[0])
		isDep[d] = true
	}
	dist := map[string]int{}
	queue := slices.Clone(changed)
	for _, c := range changed {
		dist[c] = 0
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, c := range consumers[n] {
			if _, seen := dist[c]; !seen {
				dist[c] = dist[n] + 1
				queue = append(queue, c)
			}
		}
	}

	got := s.regressionScope(t, rel).Node.RegressionScope

	// Membership and the whole list's order (distance, then name).
	var want []string
	for name, d := range dist {
		if d > 0 {
			want = append(want, name)
		}
	}
	slices.SortFunc(want, func(a, b string) int { return cmp.Or(cmp.Compare(dist[a], dist[b]), cmp.Compare(a, b)) })
	if names := itemNames(got.Applications); !slices.Equal(names, want) {
		t.Fatalf("applications %v, want %v", names, want)
	}
	if hand := []string{"api", "cache", "report", "scratch", "etl", "mobile", "web", "dash", "kiosk"}; !slices.Equal(want, hand) {
		t.Fatalf("the reference walk gives %v, by hand %v: the test is wrong", want, hand)
	}
	if got.TotalCount != len(want) {
		t.Errorf("totalCount %d, want %d", got.TotalCount, len(want))
	}

	// Each item: its record, its distance, a shortest chain from a changed
	// application through dependencies, and the chain in words.
	check := func(where string, it regressionItem) {
		t.Helper()
		name := it.Application.Name
		a := info[name]
		if it.Application.Criticality != a.criticality || it.Application.Owner != a.owner {
			t.Errorf("%s %s: owner %q criticality %s, want %q %s", where, name, it.Application.Owner, it.Application.Criticality, a.owner, a.criticality)
		}
		if it.Distance != dist[name] {
			t.Errorf("%s %s: distance %d, want %d", where, name, it.Distance, dist[name])
		}
		path := it.pathNames()
		if len(path) != it.Distance+1 || path[len(path)-1] != name || !slices.Contains(changed, path[0]) {
			t.Fatalf("%s %s: path %v is not a shortest chain from a changed application", where, name, path)
		}
		for k := 1; k < len(path); k++ {
			if !isDep[[2]string{path[k], path[k-1]}] {
				t.Errorf("%s %s: path %v: %s does not depend on %s", where, name, path, path[k], path[k-1])
			}
			if slices.Contains(changed, path[k]) {
				t.Errorf("%s %s: path %v passes through a changed application", where, name, path)
			}
		}
		if it.Reason != reasonOf(path) {
			t.Errorf("%s %s: reason %q, want %q", where, name, it.Reason, reasonOf(path))
		}
	}
	byName := map[string]regressionItem{}
	for _, it := range got.Applications {
		check("applications", it)
		byName[it.Application.Name] = it
	}
	if r := byName["web"].Reason; r != "web depends on api, which depends on pay (changed)" {
		t.Errorf("web's reason %q", r)
	}
	if r := byName["cache"].Reason; r != "cache depends on ledger (changed)" {
		t.Errorf("cache's reason %q", r)
	}
	// dash is three hops away by dash → etl → report → ledger and by
	// dash → web → api → pay: either is a right answer (check accepted it),
	// but the same one every time.
	if again := s.regressionScope(t, rel).Node.RegressionScope; !slices.Equal(itemNames(again.Applications), itemNames(got.Applications)) ||
		!slices.Equal(again.Applications[7].pathNames(), byName["dash"].pathNames()) {
		t.Errorf("a second answer differs: %v", again.Applications[7].pathNames())
	}

	// Teams: by owner name, no owner last; within one, by criticality,
	// distance, name; together, the whole scope once.
	var owners []string
	seen := 0
	for ti, team := range got.Teams {
		owner := ""
		if team.Owner != nil {
			owner = *team.Owner
			if owner == "" {
				t.Errorf("team %d: owner is the empty string, want null", ti)
			}
		} else if ti != len(got.Teams)-1 {
			t.Errorf("the team without an owner is not last")
		}
		owners = append(owners, owner)
		for k, it := range team.Applications {
			check("team "+owner, it)
			if it.Application.Owner != owner {
				t.Errorf("team %q lists %s, owned by %q", owner, it.Application.Name, it.Application.Owner)
			}
			if it.Reason != byName[it.Application.Name].Reason {
				t.Errorf("%s: the team's reason %q differs from the list's %q", it.Application.Name, it.Reason, byName[it.Application.Name].Reason)
			}
			if k > 0 {
				prev := team.Applications[k-1]
				if c := cmp.Or(
					cmp.Compare(slices.Index(criticalityOrder, prev.Application.Criticality), slices.Index(criticalityOrder, it.Application.Criticality)),
					cmp.Compare(prev.Distance, it.Distance),
					cmp.Compare(prev.Application.Name, it.Application.Name)); c >= 0 {
					t.Errorf("team %q: %s before %s", owner, prev.Application.Name, it.Application.Name)
				}
			}
		}
		seen += len(team.Applications)
	}
	if want := []string{"Data", "Payments", "Web", ""}; !slices.Equal(owners, want) {
		t.Errorf("teams %q, want %q", owners, want)
	}
	if seen != len(want) {
		t.Errorf("the teams list %d applications, the scope %d", seen, len(want))
	}
	if len(got.Teams) == 4 {
		for i, hand := range [][]string{{"etl", "dash", "report"}, {"cache"}, {"web", "api", "mobile"}, {"kiosk", "scratch"}} {
			if names := itemNames(got.Teams[i].Applications); !slices.Equal(names, hand) {
				t.Errorf("team %q: %v, want %v", owners[i], names, hand)
			}
		}
	}

	// The scope is Release.impact less the changed applications.
	var imp struct {
		Node struct {
			Impact struct {
				Impacted []struct {
					Application struct{ Name string }
					Distance    int
					Path        []struct{ Name string }
				}
			}
		}
	}
	s.ok(t, `query($id: ID!) { node(id: $id) { ... on Release { impact { impacted { application { name } distance path { name } } } } } }`, vars("id", rel), &imp)
	k := 0
	for _, it := range imp.Node.Impact.Impacted {
		if it.Distance == 0 {
			continue
		}
		if k >= len(got.Applications) {
			t.Fatalf("impact has more than the scope's %d applications", len(got.Applications))
		}
		sc := got.Applications[k]
		var path []string
		for _, p := range it.Path {
			path = append(path, p.Name)
		}
		if sc.Application.Name != it.Application.Name || sc.Distance != it.Distance || !slices.Equal(sc.pathNames(), path) {
			t.Errorf("scope entry %d is %s %d %v, impact's %s %d %v", k, sc.Application.Name, sc.Distance, sc.pathNames(), it.Application.Name, it.Distance, path)
		}
		k++
	}
	if k != len(got.Applications) {
		t.Errorf("impact has %d applications besides the changed, the scope %d", k, len(got.Applications))
	}

	// The scope follows the records: scratch changes hands and becomes
	// CRITICAL, so it leads the Data team's list and the unowned are kiosk
	// alone.
	s.ok(t, `mutation($id:ID!) { updateApplication(id:$id, input:{owner:"Data", criticality:CRITICAL}) { id } }`, vars("id", id["scratch"]), nil)
	after := s.regressionScope(t, rel).Node.RegressionScope
	if len(after.Teams) != 4 || after.Teams[0].Owner == nil || *after.Teams[0].Owner != "Data" || after.Teams[3].Owner != nil {
		t.Fatalf("teams after the update: %+v", after.Teams)
	}
	if names := itemNames(after.Teams[0].Applications); !slices.Equal(names, []string{"scratch", "etl", "dash", "report"}) {
		t.Errorf("Data after the update: %v", names)
	}
	if names := itemNames(after.Teams[3].Applications); !slices.Equal(names, []string{"kiosk"}) {
		t.Errorf("no owner after the update: %v", names)
	}

	// A new dependency on a changed application brings its consumer in;
	// island's consumer only reaches island, which the release does not change.
	s.createDep(t, id["island"], id["web"])
	after = s.regressionScope(t, rel).Node.RegressionScope
	if names := itemNames(after.Applications); !slices.Contains(names, "island") || !slices.Contains(names, "Data-consumer") || after.TotalCount != len(want)+2 {
		t.Errorf("after island depends on web: %v (totalCount %d)", names, after.TotalCount)
	}
	for _, it := range after.Applications {
		if it.Application.Name == "Data-consumer" && it.Reason != "Data-consumer depends on island, which depends on web, which depends on api, which depends on pay (changed)" {
			t.Errorf("Data-consumer's reason %q", it.Reason)
		}
	}
}

// TestRegressionScopeEmpty checks the releases with nothing to test: one
// without changes, one changing only applications nothing depends on, and
// one whose changed applications depend only on each other.
func TestRegressionScopeEmpty(t *testing.T) {
	s := newTestServer(t)
	lone := s.regressionApp(t, "lone", "Ops", "LOW")
	a := s.regressionApp(t, "a", "Ops", "HIGH")
	b := s.regressionApp(t, "b", "", "HIGH")
	s.createDep(t, a, b)
	s.createDep(t, b, a) // a cycle of two changed applications

	none := s.createRelease(t, "no changes")
	leaf := s.createRelease(t, "leaf")
	s.createChange(t, "tweak", leaf, lone)
	cycle := s.createRelease(t, "cycle")
	s.createChange(t, "both", cycle, a, b)

	for name, rel := range map[string]string{"no changes": none, "leaf": leaf, "cycle": cycle} {
		raw := s.raw(t, regressionQuery, vars("id", rel))
		want := `{"data":{"node":{"regressionScope":{"totalCount":0,"applications":[],"teams":[]}}}}`
		if strings.TrimSpace(string(raw)) != want {
			t.Errorf("%s: %s, want %s", name, raw, want)
		}
	}
}
