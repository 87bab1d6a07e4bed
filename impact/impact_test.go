package impact_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/impact/impacttest"
)

// big is a large, sparse id as real ones are.
const big = 1 << 32

// dep is shorthand: consumer depends on provider.
func dep(consumer, provider int) impact.Dependency {
	return impact.Dependency{Consumer: consumer, Provider: provider}
}

// Hand-drawn graphs. An arrow "a -> b" means a depends on b.
var (
	// diamond: 2 -> 1, 3 -> 1, 4 -> 2, 4 -> 3.
	diamondIDs  = []int{1, 2, 3, 4}
	diamondDeps = []impact.Dependency{dep(2, 1), dep(3, 1), dep(4, 2), dep(4, 3)}
	// chain: 2 -> 1, 3 -> 2, 4 -> 3, 5 -> 4.
	chainIDs  = []int{1, 2, 3, 4, 5}
	chainDeps = []impact.Dependency{dep(2, 1), dep(3, 2), dep(4, 3), dep(5, 4)}
	// cycle: 1 -> 2 -> 3 -> 1, 4 -> 3; 5 stands alone.
	cycleIDs  = []int{1, 2, 3, 4, 5}
	cycleDeps = []impact.Dependency{dep(1, 2), dep(2, 3), dep(3, 1), dep(4, 3)}
	// disconnected: 11 -> 10 and big+2 -> big+1, no edge between them.
	discIDs  = []int{10, 11, big + 1, big + 2}
	discDeps = []impact.Dependency{dep(11, 10), dep(big+2, big+1)}
)

func TestSnapshotBasics(t *testing.T) {
	ids := []int{5, 1, 5, big + 1, 3, -7}
	deps := []impact.Dependency{
		dep(1, 5), dep(1, 5), // duplicate pair
		dep(3, 5), dep(big+1, 5), dep(-7, 1),
		dep(3, 3),              // self-loop
		dep(99, 5), dep(5, 99), // unknown ids
	}
	s := impact.NewSnapshot(ids, deps, 42)
	if s.Generation() != 42 || s.Len() != 5 {
		t.Fatalf("Generation %d Len %d", s.Generation(), s.Len())
	}
	for _, c := range []struct {
		id          int
		has, shared bool
		dependsOn   []int
		dependents  []int
	}{
		{5, true, true, nil, []int{1, 3, big + 1}},
		{1, true, false, []int{5}, []int{-7}},
		{3, true, false, []int{5}, nil},
		{-7, true, false, []int{1}, nil},
		{big + 1, true, false, []int{5}, nil},
		{99, false, false, nil, nil},
	} {
		if s.Has(c.id) != c.has || s.IsShared(c.id) != c.shared {
			t.Errorf("%d: Has %v IsShared %v", c.id, s.Has(c.id), s.IsShared(c.id))
		}
		if got := s.DependsOn(c.id); !equalInts(got, c.dependsOn) {
			t.Errorf("DependsOn(%d) = %v, want %v", c.id, got, c.dependsOn)
		}
		if got := s.Dependents(c.id); !equalInts(got, c.dependents) {
			t.Errorf("Dependents(%d) = %v, want %v", c.id, got, c.dependents)
		}
	}
	// The caller owns results: mutating one must not affect the snapshot.
	s.Dependents(5)[0] = 1000
	if got := s.Dependents(5); got[0] != 1 {
		t.Errorf("Dependents aliased the snapshot: %v", got)
	}
	empty := impact.NewSnapshot(nil, nil, 0)
	if empty.Len() != 0 || empty.Impact([]int{1}, -1) != nil || empty.ImpactSet(nil) != nil ||
		empty.DeploymentWaves([]int{1}) != nil || empty.Cycles() != nil || empty.Conflicts(nil) != nil {
		t.Error("empty snapshot answered something")
	}
}

func TestImpact(t *testing.T) {
	type hit struct{ id, dist int }
	for _, c := range []struct {
		name     string
		ids      []int
		deps     []impact.Dependency
		changed  []int
		maxDepth int
		want     []hit
		paths    map[int][]int // exact paths where only one shortest exists
	}{
		{"diamond from root", diamondIDs, diamondDeps, []int{1}, -1,
			[]hit{{1, 0}, {2, 1}, {3, 1}, {4, 2}}, map[int][]int{1: {1}, 2: {1, 2}, 3: {1, 3}}},
		{"diamond middle", diamondIDs, diamondDeps, []int{3}, -1,
			[]hit{{3, 0}, {4, 1}}, map[int][]int{4: {3, 4}}},
		{"self-contained release", diamondIDs, diamondDeps, []int{4}, -1, []hit{{4, 0}}, nil},
		{"chain unbounded", chainIDs, chainDeps, []int{1}, -1,
			[]hit{{1, 0}, {2, 1}, {3, 2}, {4, 3}, {5, 4}}, map[int][]int{5: {1, 2, 3, 4, 5}}},
		{"chain depth 0", chainIDs, chainDeps, []int{1}, 0, []hit{{1, 0}}, nil},
		{"chain depth 1", chainIDs, chainDeps, []int{1}, 1, []hit{{1, 0}, {2, 1}}, nil},
		{"chain depth 3", chainIDs, chainDeps, []int{2}, 3, []hit{{2, 0}, {3, 1}, {4, 2}, {5, 3}}, nil},
		{"chain two sources", chainIDs, chainDeps, []int{4, 1}, -1,
			[]hit{{1, 0}, {4, 0}, {2, 1}, {5, 1}, {3, 2}}, map[int][]int{5: {4, 5}, 3: {1, 2, 3}}},
		{"cycle", cycleIDs, cycleDeps, []int{1}, -1,
			[]hit{{1, 0}, {3, 1}, {2, 2}, {4, 2}}, map[int][]int{3: {1, 3}, 2: {1, 3, 2}, 4: {1, 3, 4}}},
		{"cycle depth 1", cycleIDs, cycleDeps, []int{2}, 1, []hit{{2, 0}, {1, 1}}, nil},
		{"disconnected part", discIDs, discDeps, []int{big + 1}, -1, []hit{{big + 1, 0}, {big + 2, 1}}, nil},
		{"disconnected both", discIDs, discDeps, []int{10, big + 1}, -1,
			[]hit{{10, 0}, {big + 1, 0}, {11, 1}, {big + 2, 1}}, nil},
		{"unknown ids ignored", chainIDs, chainDeps, []int{99, 4, -1}, -1, []hit{{4, 0}, {5, 1}}, nil},
		{"only unknown ids", chainIDs, chainDeps, []int{99}, -1, nil, nil},
		{"duplicates", chainIDs, chainDeps, []int{4, 4, 4}, -1, []hit{{4, 0}, {5, 1}}, nil},
		{"empty changed", chainIDs, chainDeps, nil, -1, nil, nil},
		{"empty graph", nil, nil, []int{1}, -1, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := impact.NewSnapshot(c.ids, c.deps, 1)
			r := newRef(c.ids, c.deps)
			got := s.Impact(c.changed, c.maxDepth)
			var gotHits []hit
			for _, it := range got {
				gotHits = append(gotHits, hit{it.ID, it.Distance})
				if p, ok := c.paths[it.ID]; ok && !slices.Equal(p, it.Path) {
					t.Errorf("path of %d = %v, want %v", it.ID, it.Path, p)
				}
			}
			if !slices.Equal(gotHits, c.want) {
				t.Fatalf("Impact = %v, want %v", gotHits, c.want)
			}
			if err := checkImpact(s, r, c.changed, c.maxDepth); err != nil {
				t.Fatal(err)
			}
			var wantSet []int
			if c.maxDepth < 0 {
				for _, h := range c.want {
					wantSet = append(wantSet, h.id)
				}
				slices.Sort(wantSet)
				if got := s.ImpactSet(c.changed); !equalInts(got, wantSet) {
					t.Errorf("ImpactSet = %v, want %v", got, wantSet)
				}
			}
		})
	}
}

func TestDeploymentWaves(t *testing.T) {
	// cycle through an unchanged app: 1 -> 2 -> 3 -> 1 with 3 unchanged;
	// 5 -> 1; 1 -> 6; 7 -> 5 through unchanged 8: 7 -> 8 -> 5.
	viaIDs := []int{1, 2, 3, 5, 6, 7, 8}
	viaDeps := []impact.Dependency{dep(1, 2), dep(2, 3), dep(3, 1), dep(5, 1), dep(1, 6), dep(7, 8), dep(8, 5)}
	for _, c := range []struct {
		name    string
		ids     []int
		deps    []impact.Dependency
		changed []int
		want    [][]int
	}{
		{"chain all", chainIDs, chainDeps, []int{5, 3, 1, 2, 4}, [][]int{{1}, {2}, {3}, {4}, {5}}},
		{"chain through unchanged", chainIDs, chainDeps, []int{1, 5, 3}, [][]int{{1}, {3}, {5}}},
		{"chain one", chainIDs, chainDeps, []int{3}, [][]int{{3}}},
		{"diamond ends", diamondIDs, diamondDeps, []int{4, 1}, [][]int{{1}, {4}}},
		{"diamond middle", diamondIDs, diamondDeps, []int{3, 2}, [][]int{{2, 3}}},
		{"diamond all", diamondIDs, diamondDeps, []int{1, 2, 3, 4}, [][]int{{1}, {2, 3}, {4}}},
		{"cycle shares a wave", cycleIDs, cycleDeps, []int{1, 2, 3, 4}, [][]int{{1, 2, 3}, {4}}},
		{"cycle through unchanged app", viaIDs, viaDeps, []int{1, 2, 5}, [][]int{{1, 2}, {5}}},
		{"cycle after its provider", viaIDs, viaDeps, []int{7, 2, 6, 1}, [][]int{{6}, {1, 2}, {7}}},
		{"disconnected", discIDs, discDeps, []int{11, big + 2, big + 1}, [][]int{{11, big + 1}, {big + 2}}},
		{"unknown ignored", chainIDs, chainDeps, []int{99, 2, 1, 1}, [][]int{{1}, {2}}},
		{"only unknown", chainIDs, chainDeps, []int{99}, nil},
		{"empty", chainIDs, chainDeps, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := impact.NewSnapshot(c.ids, c.deps, 1)
			got := s.DeploymentWaves(c.changed)
			if !sameGroups(got, c.want) {
				t.Fatalf("DeploymentWaves(%v) = %v, want %v", c.changed, got, c.want)
			}
			if want := newRef(c.ids, c.deps).waves(c.changed); !sameGroups(want, c.want) {
				t.Fatalf("reference disagrees with the table: %v", want)
			}
		})
	}
}

func TestCycles(t *testing.T) {
	for _, c := range []struct {
		name string
		ids  []int
		deps []impact.Dependency
		want [][]int
	}{
		{"acyclic", diamondIDs, diamondDeps, nil},
		{"one cycle", cycleIDs, cycleDeps, [][]int{{1, 2, 3}}},
		{"self-loop ignored", []int{1}, []impact.Dependency{dep(1, 1)}, nil},
		{"several", []int{1, 2, 3, 4, 5, 6, big + 1, big + 9},
			[]impact.Dependency{dep(6, 2), dep(2, 6), dep(big+9, 1), dep(1, big+9), dep(3, 4), dep(4, 5), dep(5, 3), dep(5, 6)},
			[][]int{{1, big + 9}, {2, 6}, {3, 4, 5}}},
		{"two cycles joined into one", []int{1, 2, 3, 4},
			[]impact.Dependency{dep(1, 2), dep(2, 1), dep(3, 4), dep(4, 3), dep(2, 3), dep(4, 1)},
			[][]int{{1, 2, 3, 4}}},
		{"empty", nil, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := impact.NewSnapshot(c.ids, c.deps, 1).Cycles()
			if !sameGroups(got, c.want) {
				t.Fatalf("Cycles() = %v, want %v", got, c.want)
			}
		})
	}
}

func TestConflicts(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	rel := func(id, from, to int, changed ...int) impact.Release {
		return impact.Release{ID: id, Window: impact.Window{Start: at(from), End: at(to)}, Changed: changed}
	}
	ids := append(slices.Clone(chainIDs), discIDs...)
	deps := append(slices.Clone(chainDeps), discDeps...)
	for _, c := range []struct {
		name string
		rels []impact.Release
		want []impact.Conflict
	}{
		{"shared consumers", []impact.Release{rel(1, 0, 10, 1), rel(2, 5, 20, 3)},
			[]impact.Conflict{{A: 1, B: 2, OverlapStart: at(5), OverlapEnd: at(10), Shared: []int{3, 4, 5}}}},
		{"ids ordered A < B", []impact.Release{rel(9, 0, 10, 4), rel(2, 5, 20, 5)},
			[]impact.Conflict{{A: 2, B: 9, OverlapStart: at(5), OverlapEnd: at(10), Shared: []int{5}}}},
		{"touching windows", []impact.Release{rel(1, 0, 10, 1), rel(2, 10, 20, 1)}, nil},
		{"touching windows reversed", []impact.Release{rel(1, 10, 20, 1), rel(2, 0, 10, 1)}, nil},
		{"overlap, disjoint impacts", []impact.Release{rel(1, 0, 10, 10), rel(2, 5, 20, big+1), rel(3, 0, 30, 3)}, nil},
		{"no overlap, shared impacts", []impact.Release{rel(1, 0, 10, 1), rel(2, 11, 20, 1)}, nil},
		{"containment", []impact.Release{rel(1, 0, 100, 5), rel(2, 10, 20, 1)},
			[]impact.Conflict{{A: 1, B: 2, OverlapStart: at(10), OverlapEnd: at(20), Shared: []int{5}}}},
		{"same window", []impact.Release{rel(3, 0, 5, 10), rel(4, 0, 5, 11)},
			[]impact.Conflict{{A: 3, B: 4, OverlapStart: at(0), OverlapEnd: at(5), Shared: []int{11}}}},
		{"three in a row", []impact.Release{rel(3, 20, 40, 2), rel(1, 0, 21, 1), rel(2, 10, 30, 4)},
			[]impact.Conflict{
				{A: 1, B: 2, OverlapStart: at(10), OverlapEnd: at(21), Shared: []int{4, 5}},
				{A: 1, B: 3, OverlapStart: at(20), OverlapEnd: at(21), Shared: []int{2, 3, 4, 5}},
				{A: 2, B: 3, OverlapStart: at(20), OverlapEnd: at(30), Shared: []int{4, 5}},
			}},
		{"unknown apps only", []impact.Release{rel(1, 0, 10, 99), rel(2, 0, 10, 99)}, nil},
		{"no changes", []impact.Release{rel(1, 0, 10), rel(2, 0, 10, 1)}, nil},
		{"single release", []impact.Release{rel(1, 0, 10, 1)}, nil},
		{"empty", nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := impact.NewSnapshot(ids, deps, 1)
			got := s.Conflicts(c.rels)
			if !equalConflicts(got, c.want) {
				t.Fatalf("Conflicts = %v, want %v", got, c.want)
			}
			if want := newRef(ids, deps).conflicts(c.rels); !equalConflicts(want, c.want) {
				t.Fatalf("reference disagrees with the table: %v", want)
			}
		})
	}
}

// randomCase builds a random graph of 1..maxN applications with random
// density (so with cycles), random change sets and random releases.
func randomCase(seed uint64, maxN, maxRels int) (ids []int, deps []impact.Dependency, changedSets [][]int, rels []impact.Release) {
	rng := rand.New(rand.NewPCG(seed, seed^0x5bd1e995))
	n := 1 + rng.IntN(maxN)
	seen := map[int]bool{}
	for len(ids) < n {
		var id int
		switch rng.IntN(4) {
		case 0:
			id = rng.IntN(3 * maxN)
		case 1:
			id = big + rng.IntN(3*maxN)
		case 2:
			id = -1 - rng.IntN(3*maxN)
		default:
			id = int(rng.Int64())
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if rng.IntN(4) == 0 {
		ids = append(ids, ids[rng.IntN(n)]) // duplicate id
	}
	unknown := func() int {
		for {
			if id := rng.IntN(1000) - 500; !seen[id] {
				return id
			}
		}
	}
	pick := func() int { return ids[rng.IntN(n)] }
	density := rng.Float64() * 3 / float64(n)
	if rng.IntN(5) == 0 {
		density = rng.Float64() * 0.5
	}
	for range int(density*float64(n*n)) + rng.IntN(3) {
		deps = append(deps, dep(pick(), pick()))
	}
	for range rng.IntN(3) {
		if len(deps) > 0 {
			deps = append(deps, deps[rng.IntN(len(deps))]) // duplicate pair
		}
		deps = append(deps, dep(pick(), unknown()), dep(unknown(), pick()))
	}
	randomChanged := func() []int {
		var ch []int
		for range rng.IntN(min(n, 8) + 2) {
			if rng.IntN(8) == 0 {
				ch = append(ch, unknown())
			} else {
				ch = append(ch, pick())
			}
		}
		return ch
	}
	for range 3 {
		changedSets = append(changedSets, randomChanged())
	}
	changedSets = append(changedSets, slices.Clone(ids)) // everything changed
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for k := range rng.IntN(maxRels + 1) {
		start := rng.IntN(20)
		end := start + rng.IntN(8) // zero-length windows too
		rels = append(rels, impact.Release{
			ID:      1000 - 3*k,
			Window:  impact.Window{Start: base.Add(time.Duration(start) * time.Hour), End: base.Add(time.Duration(end) * time.Hour)},
			Changed: randomChanged(),
		})
	}
	return ids, deps, changedSets, rels
}

func TestRandomAgainstReference(t *testing.T) {
	cases := 3000
	if testing.Short() {
		cases = 300
	}
	for k := range cases {
		seed := uint64(k)*0x9e3779b97f4a7c15 + 1
		ids, deps, changed, rels := randomCase(seed, 40, 12)
		if err := checkAll(ids, deps, changed, rels); err != nil {
			t.Fatalf("seed %#x: %v\nids %v\ndeps %v", seed, err, ids, deps)
		}
	}
}

// TestRandomConflictsManyReleases crosses the 64-releases batch and
// multi-word bitsets of the conflict scan.
func TestRandomConflictsManyReleases(t *testing.T) {
	for k := range 40 {
		seed := uint64(k)*0x2545f4914f6cdd1d + 7
		ids, deps, _, rels := randomCase(seed, 200, 200)
		s := impact.NewSnapshot(ids, deps, 1)
		r := newRef(ids, deps)
		if got, want := s.Conflicts(rels), r.conflicts(rels); !equalConflicts(got, want) {
			t.Fatalf("seed %#x: %d releases, %d apps: got %d conflicts, want %d", seed, len(rels), s.Len(), len(got), len(want))
		}
	}
}

// TestDeepGraphs checks that nothing recurses: a 200k chain and a 200k cycle.
func TestDeepGraphs(t *testing.T) {
	const n = 200000
	ids := make([]int, n)
	deps := make([]impact.Dependency, 0, n)
	for i := range ids {
		ids[i] = big + i
		if i > 0 {
			deps = append(deps, dep(big+i, big+i-1))
		}
	}
	s := impact.NewSnapshot(ids, deps, 1)
	if s.Cycles() != nil {
		t.Fatal("chain has cycles")
	}
	if w := s.DeploymentWaves([]int{big + n - 1, big, big + n/2}); len(w) != 3 || w[2][0] != big+n-1 {
		t.Fatalf("waves %v", w)
	}
	if got := s.Impact([]int{big + n - 5}, -1); len(got) != 5 || got[4].Distance != 4 {
		t.Fatalf("impact %v", got)
	}
	if got := s.ImpactSet([]int{big}); len(got) != n {
		t.Fatalf("impact set has %d", len(got))
	}
	s = impact.NewSnapshot(ids, append(deps, dep(big, big+n-1)), 2)
	if c := s.Cycles(); len(c) != 1 || len(c[0]) != n {
		t.Fatalf("cycle: %d components", len(c))
	}
	if w := s.DeploymentWaves([]int{big + 3, big + 7}); len(w) != 1 || len(w[0]) != 2 {
		t.Fatalf("waves %v", w)
	}
}

// TestConcurrentUse shares one snapshot between goroutines (run with -race).
func TestConcurrentUse(t *testing.T) {
	ids, deps := impacttest.Portfolio(3000, 5, 3)
	s := impact.NewSnapshot(ids, deps, 1)
	rels := impacttest.Releases(ids, 150, 4, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	wantConf := s.Conflicts(rels)
	wantImp := make([][]impact.Impacted, len(rels))
	wantWaves := make([][][]int, len(rels))
	for k, r := range rels {
		wantImp[k] = s.Impact(r.Changed, -1)
		wantWaves[k] = s.DeploymentWaves(r.Changed)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for k := g; k < len(rels); k += 3 {
				got := s.Impact(rels[k].Changed, -1)
				if len(got) != len(wantImp[k]) || (len(got) > 0 && got[len(got)-1].ID != wantImp[k][len(got)-1].ID) {
					errs <- fmt.Errorf("goroutine %d: Impact of release %d differs", g, k)
					return
				}
				if !sameGroups(s.DeploymentWaves(rels[k].Changed), wantWaves[k]) {
					errs <- fmt.Errorf("goroutine %d: waves of release %d differ", g, k)
					return
				}
			}
			if !equalConflicts(s.Conflicts(rels), wantConf) {
				errs <- fmt.Errorf("goroutine %d: conflicts differ", g)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestSyntheticShape(t *testing.T) {
	ids, deps := impacttest.Portfolio(5000, 5, 1)
	ids2, deps2 := impacttest.Portfolio(5000, 5, 1)
	if !slices.Equal(ids, ids2) || !slices.Equal(deps, deps2) {
		t.Fatal("Synthetic is not deterministic")
	}
	s := impact.NewSnapshot(ids, deps, 1)
	if s.Len() != 5000 {
		t.Fatalf("Len %d", s.Len())
	}
	if avg := float64(len(deps)) / 5000; avg < 4 || avg > 6 {
		t.Errorf("average deps %.2f", avg)
	}
	maxIn, shared, large := 0, 0, 0
	for _, id := range ids {
		in := len(s.Dependents(id))
		maxIn = max(maxIn, in)
		if s.IsShared(id) {
			shared++
		}
		if id >= big {
			large++
		}
	}
	if maxIn < 100 || shared < 250 || shared > 2500 || large == 0 {
		t.Errorf("max in-degree %d, shared %d, ids above 1<<32 %d", maxIn, shared, large)
	}
	if len(s.Cycles()) == 0 {
		t.Error("no cycles")
	}
	rels := impacttest.Releases(ids, 300, 2, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, r := range rels {
		if len(r.Changed) < 5 || len(r.Changed) > 50 || !r.Window.Start.Before(r.Window.End) {
			t.Fatalf("release %+v", r)
		}
	}
	if len(s.Conflicts(rels)) == 0 {
		t.Error("no conflicts among 300 releases")
	}
}

func TestSyntheticTiny(t *testing.T) {
	for n := range 6 {
		ids, deps := impacttest.Portfolio(n, 5, int64(n))
		rels := impacttest.Releases(ids, 3, 1, time.Now())
		if err := checkAll(ids, deps, [][]int{ids}, rels); err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
	}
}

func FuzzImpact(f *testing.F) {
	f.Add([]byte{5, 1, 0, 2, 1, 3, 2, 0, 3, 0xff, 0, 2})
	f.Add([]byte{3, 0, 1, 1, 2, 2, 0, 0xff, 1})
	f.Add([]byte{12, 1, 0, 2, 0, 3, 1, 4, 2, 5, 4, 5, 3, 0xff, 0, 3, 5, 0xff, 2, 7})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		ids, deps, changed, rels := fromBytes(data)
		if err := checkAll(ids, deps, changed, rels); err != nil {
			t.Fatalf("%v\nids %v\ndeps %v", err, ids, deps)
		}
	})
}

// fromBytes decodes a fuzz input: n, then (consumer, provider) byte pairs up
// to a 0xff separator, then change sets separated by 0xff; the change sets
// double as releases with windows derived from their position. At most 12
// change sets are read.
func fromBytes(data []byte) ([]int, []impact.Dependency, [][]int, []impact.Release) {
	if len(data) == 0 {
		return nil, nil, nil, nil
	}
	n := int(data[0]%24) + 1
	id := func(b byte) int {
		k := int(b) % (n + 1) // k == n is an unknown id
		if k%3 == 1 {
			return big + k
		}
		return k
	}
	ids := make([]int, n)
	for i := range ids {
		ids[i] = id(byte(i))
	}
	data = data[1:]
	var deps []impact.Dependency
	for len(data) >= 2 && data[0] != 0xff {
		deps = append(deps, dep(id(data[0]), id(data[1])))
		data = data[2:]
	}
	var sets [][]int
	var cur []int
	for _, b := range data {
		if len(sets) == 12 {
			break // keep each input cheap
		}
		if b == 0xff {
			if cur != nil || len(sets) > 0 {
				sets = append(sets, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, id(b))
	}
	sets = append(sets, cur)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var rels []impact.Release
	for k, ch := range sets {
		start := base.Add(time.Duration(k%3) * time.Hour)
		rels = append(rels, impact.Release{ID: k, Window: impact.Window{Start: start, End: start.Add(time.Duration(1+k%2) * time.Hour)}, Changed: ch})
	}
	return ids, deps, sets, rels
}

// ---- Reference model ----

// ref is the obviously-correct reference model: an adjacency matrix and
// Floyd–Warshall shortest hop counts along dependsOn.
type ref struct {
	ids  []int       // sorted, distinct
	pos  map[int]int // id -> index into ids
	dep  [][]bool    // dep[x][y]: x depends directly on y
	dist [][]int     // fewest dependsOn hops from x to y; -1 if unreachable
}

func newRef(appIDs []int, deps []impact.Dependency) *ref {
	ids := slices.Clone(appIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	r := &ref{ids: ids, pos: map[int]int{}}
	for i, id := range ids {
		r.pos[id] = i
	}
	n := len(ids)
	r.dep = make([][]bool, n)
	r.dist = make([][]int, n)
	const inf = 1 << 30
	for i := range n {
		r.dep[i] = make([]bool, n)
		r.dist[i] = make([]int, n)
		for j := range n {
			r.dist[i][j] = inf
		}
		r.dist[i][i] = 0
	}
	for _, d := range deps {
		x, ok1 := r.pos[d.Consumer]
		y, ok2 := r.pos[d.Provider]
		if ok1 && ok2 && x != y {
			r.dep[x][y] = true
			r.dist[x][y] = 1
		}
	}
	for k := range n {
		for i := range n {
			for j := range n {
				if d := r.dist[i][k] + r.dist[k][j]; d < r.dist[i][j] {
					r.dist[i][j] = d
				}
			}
		}
	}
	for i := range n {
		for j := range n {
			if r.dist[i][j] >= inf {
				r.dist[i][j] = -1
			}
		}
	}
	return r
}

func (r *ref) reach(x, y int) bool { return r.dist[x][y] >= 0 }

// known returns the distinct known indexes among ids, ascending.
func (r *ref) known(ids []int) []int {
	var out []int
	for _, id := range ids {
		if i, ok := r.pos[id]; ok {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// impact maps each impacted id to its distance.
func (r *ref) impact(changed []int, maxDepth int) map[int]int {
	ch := r.known(changed)
	out := map[int]int{}
	for v := range r.ids {
		best := -1
		for _, c := range ch {
			if d := r.dist[v][c]; d >= 0 && (best < 0 || d < best) {
				best = d
			}
		}
		if best >= 0 && (maxDepth < 0 || best <= maxDepth) {
			out[r.ids[v]] = best
		}
	}
	return out
}

func (r *ref) impactSet(changed []int) []int {
	var out []int
	for id := range r.impact(changed, -1) {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func (r *ref) waves(changed []int) [][]int {
	ch := r.known(changed)
	memo := map[int]int{}
	var wave func(x int) int
	wave = func(x int) int {
		if w, ok := memo[x]; ok {
			return w
		}
		w := 0
		for _, y := range ch {
			if y != x && r.reach(x, y) && !r.reach(y, x) {
				w = max(w, wave(y)+1)
			}
		}
		memo[x] = w
		return w
	}
	byWave := map[int][]int{}
	var keys []int
	for _, x := range ch {
		w := wave(x)
		if _, ok := byWave[w]; !ok {
			keys = append(keys, w)
		}
		byWave[w] = append(byWave[w], r.ids[x])
	}
	slices.Sort(keys)
	var out [][]int
	for _, k := range keys {
		out = append(out, byWave[k]) // ch ascending, so ids ascending
	}
	return out
}

func (r *ref) cycles() [][]int {
	done := make([]bool, len(r.ids))
	var out [][]int
	for x := range r.ids {
		if done[x] {
			continue
		}
		var comp []int
		for y := range r.ids {
			if r.reach(x, y) && r.reach(y, x) {
				done[y] = true
				comp = append(comp, r.ids[y])
			}
		}
		if len(comp) >= 2 {
			out = append(out, comp)
		}
	}
	return out
}

func (r *ref) conflicts(rels []impact.Release) []impact.Conflict {
	var out []impact.Conflict
	for i := range rels {
		for j := i + 1; j < len(rels); j++ {
			a, b := rels[i], rels[j]
			if !(a.Window.Start.Before(b.Window.End) && b.Window.Start.Before(a.Window.End)) {
				continue
			}
			ia := r.impact(a.Changed, -1)
			var shared []int
			for id := range r.impact(b.Changed, -1) {
				if _, ok := ia[id]; ok {
					shared = append(shared, id)
				}
			}
			if len(shared) == 0 {
				continue
			}
			slices.Sort(shared)
			c := impact.Conflict{A: min(a.ID, b.ID), B: max(a.ID, b.ID), Shared: shared}
			c.OverlapStart = later(a.Window.Start, b.Window.Start)
			c.OverlapEnd = earlier(a.Window.End, b.Window.End)
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(x, y impact.Conflict) int {
		if c := cmp.Compare(x.A, y.A); c != 0 {
			return c
		}
		return cmp.Compare(x.B, y.B)
	})
	return out
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// checkImpact compares Impact against the reference and validates paths.
func checkImpact(s *impact.Snapshot, r *ref, changed []int, maxDepth int) error {
	got := s.Impact(changed, maxDepth)
	want := r.impact(changed, maxDepth)
	if len(got) != len(want) {
		return fmt.Errorf("Impact(%v, %d): %d results, want %d: got %v want %v", changed, maxDepth, len(got), len(want), got, want)
	}
	isChanged := map[int]bool{}
	for _, id := range changed {
		isChanged[id] = true
	}
	for k, it := range got {
		wd, ok := want[it.ID]
		if !ok || wd != it.Distance {
			return fmt.Errorf("Impact(%v, %d): %d at distance %d, want %d (present %v)", changed, maxDepth, it.ID, it.Distance, wd, ok)
		}
		if k > 0 {
			p := got[k-1]
			if p.Distance > it.Distance || (p.Distance == it.Distance && p.ID >= it.ID) {
				return fmt.Errorf("Impact(%v, %d): order %v before %v", changed, maxDepth, p, it)
			}
		}
		if err := checkPath(r, isChanged, it); err != nil {
			return fmt.Errorf("Impact(%v, %d): %w", changed, maxDepth, err)
		}
	}
	return nil
}

func checkPath(r *ref, isChanged map[int]bool, it impact.Impacted) error {
	p := it.Path
	if len(p) != it.Distance+1 {
		return fmt.Errorf("path %v of %d: length %d, want %d", p, it.ID, len(p), it.Distance+1)
	}
	if !isChanged[p[0]] {
		return fmt.Errorf("path %v of %d does not start at a changed app", p, it.ID)
	}
	if p[len(p)-1] != it.ID {
		return fmt.Errorf("path %v does not end at %d", p, it.ID)
	}
	for k := 0; k+1 < len(p); k++ {
		prov, ok1 := r.pos[p[k]]
		cons, ok2 := r.pos[p[k+1]]
		if !ok1 || !ok2 || !r.dep[cons][prov] {
			return fmt.Errorf("path %v of %d: %d does not depend on %d", p, it.ID, p[k+1], p[k])
		}
	}
	return nil
}

func equalInts(a, b []int) bool { return len(a) == len(b) && (len(a) == 0 || slices.Equal(a, b)) }

func equalConflicts(a, b []impact.Conflict) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		x, y := a[k], b[k]
		if x.A != y.A || x.B != y.B || !x.OverlapStart.Equal(y.OverlapStart) || !x.OverlapEnd.Equal(y.OverlapEnd) || !equalInts(x.Shared, y.Shared) {
			return false
		}
	}
	return true
}

// checkAll runs every question against the reference.
func checkAll(appIDs []int, deps []impact.Dependency, changedSets [][]int, rels []impact.Release) error {
	s := impact.NewSnapshot(appIDs, deps, 7)
	r := newRef(appIDs, deps)
	if s.Len() != len(r.ids) || s.Generation() != 7 {
		return fmt.Errorf("Len %d want %d, Generation %d", s.Len(), len(r.ids), s.Generation())
	}
	for x, id := range r.ids {
		if !s.Has(id) {
			return fmt.Errorf("Has(%d) false", id)
		}
		var prov, cons []int
		for y := range r.ids {
			if r.dep[x][y] {
				prov = append(prov, r.ids[y])
			}
			if r.dep[y][x] {
				cons = append(cons, r.ids[y])
			}
		}
		if got := s.DependsOn(id); !equalInts(got, prov) {
			return fmt.Errorf("DependsOn(%d) = %v, want %v", id, got, prov)
		}
		if got := s.Dependents(id); !equalInts(got, cons) {
			return fmt.Errorf("Dependents(%d) = %v, want %v", id, got, cons)
		}
		if s.IsShared(id) != (len(cons) >= 2) {
			return fmt.Errorf("IsShared(%d) = %v with consumers %v", id, s.IsShared(id), cons)
		}
	}
	for _, ch := range changedSets {
		for _, depth := range []int{-1, 0, 1, 2, 3} {
			if err := checkImpact(s, r, ch, depth); err != nil {
				return err
			}
		}
		if got, want := s.ImpactSet(ch), r.impactSet(ch); !equalInts(got, want) {
			return fmt.Errorf("ImpactSet(%v) = %v, want %v", ch, got, want)
		}
		if got, want := s.DeploymentWaves(ch), r.waves(ch); !sameGroups(got, want) {
			return fmt.Errorf("DeploymentWaves(%v) = %v, want %v", ch, got, want)
		}
	}
	if got, want := s.Cycles(), r.cycles(); !sameGroups(got, want) {
		return fmt.Errorf("Cycles() = %v, want %v", got, want)
	}
	if got, want := s.Conflicts(rels), r.conflicts(rels); !equalConflicts(got, want) {
		return fmt.Errorf("Conflicts = %v, want %v", got, want)
	}
	return nil
}

func sameGroups(a, b [][]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if len(a[k]) == 0 || !equalInts(a[k], b[k]) {
			return false
		}
	}
	return true
}
