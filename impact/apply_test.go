package impact_test

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/impact/impacttest"
)

// model is the reference for Apply: the sets a snapshot is built from.
type model struct {
	apps map[int]bool
	deps map[impact.Dependency]bool
}

func newModel(ids []int, deps []impact.Dependency) *model {
	m := &model{apps: map[int]bool{}, deps: map[impact.Dependency]bool{}}
	for _, id := range ids {
		m.apps[id] = true
	}
	for _, e := range deps {
		m.addDep(e)
	}
	return m
}

func (m *model) clone() *model {
	return &model{apps: maps.Clone(m.apps), deps: maps.Clone(m.deps)}
}

// addDep adds e under NewSnapshot's rules: known ids, no self-loop.
func (m *model) addDep(e impact.Dependency) {
	if m.apps[e.Consumer] && m.apps[e.Provider] && e.Consumer != e.Provider {
		m.deps[e] = true
	}
}

// apply is Delta's documented meaning: removals first, then additions;
// removing an application removes its dependencies.
func (m *model) apply(d impact.Delta) {
	for _, id := range d.RemoveApps {
		delete(m.apps, id)
		for e := range m.deps {
			if e.Consumer == id || e.Provider == id {
				delete(m.deps, e)
			}
		}
	}
	for _, id := range d.AddApps {
		m.apps[id] = true
	}
	for _, e := range d.RemoveDeps {
		delete(m.deps, e)
	}
	for _, e := range d.AddDeps {
		m.addDep(e)
	}
}

// lists returns the sets in a deterministic order.
func (m *model) lists() ([]int, []impact.Dependency) {
	ids := slices.Sorted(maps.Keys(m.apps))
	deps := slices.SortedFunc(maps.Keys(m.deps), func(a, b impact.Dependency) int {
		return cmp.Or(cmp.Compare(a.Consumer, b.Consumer), cmp.Compare(a.Provider, b.Provider))
	})
	return ids, deps
}

func (m *model) snapshot(generation int64) *impact.Snapshot {
	ids, deps := m.lists()
	return impact.NewSnapshot(ids, deps, generation)
}

// randomDelta draws a delta over m, using ref (m's snapshot) to aim at
// cycles: dependencies that close one, and dependencies inside one.
func randomDelta(rng *rand.Rand, m *model, ref *impact.Snapshot) impact.Delta {
	ids, deps := m.lists()
	var d impact.Delta
	unknown := func() int {
		for {
			if id := rng.IntN(2000) - 1000; !m.apps[id] {
				return id
			}
		}
	}
	pick := func() int {
		if len(ids) == 0 {
			return unknown()
		}
		return ids[rng.IntN(len(ids))]
	}
	// above returns an id larger than every application, or false.
	above := func() (int, bool) {
		top := -1 << 40
		if len(ids) > 0 {
			top = ids[len(ids)-1]
		}
		for _, id := range d.AddApps {
			top = max(top, id)
		}
		if top > math.MaxInt-100 {
			return 0, false
		}
		return top + 1 + rng.IntN(5), true
	}
	addDep := func(c, p int) { d.AddDeps = append(d.AddDeps, dep(c, p)) }

	steps := 1
	switch r := rng.IntN(20); {
	case r == 0:
		steps = 0
	case r <= 2:
		steps = 70 + rng.IntN(60) // large: may rebuild
	case r <= 8:
		steps = 2 + rng.IntN(3)
	}
	for range steps {
		switch rng.IntN(17) {
		case 0, 1, 2, 3: // any pair, often against the component order
			addDep(pick(), pick())
		case 4: // close a cycle: x depends on something that depends on x
			x := pick()
			if set := ref.ImpactSet([]int{x}); len(set) > 1 {
				addDep(x, set[rng.IntN(len(set))])
			}
		case 5, 6: // remove an existing dependency
			if len(deps) > 0 {
				e := deps[rng.IntN(len(deps))]
				d.RemoveDeps = append(d.RemoveDeps, e)
			}
		case 7: // remove a dependency inside a cycle
			if cycles := ref.Cycles(); len(cycles) > 0 {
				g := cycles[rng.IntN(len(cycles))]
				x := g[rng.IntN(len(g))]
				var in []int
				for _, p := range ref.DependsOn(x) {
					if slices.Contains(g, p) {
						in = append(in, p)
					}
				}
				d.RemoveDeps = append(d.RemoveDeps, dep(x, in[rng.IntN(len(in))]))
			}
		case 8, 9: // a new application with a larger id, with dependencies
			id, ok := above()
			if !ok {
				break
			}
			d.AddApps = append(d.AddApps, id)
			for range rng.IntN(3) {
				addDep(id, pick())
			}
			for range rng.IntN(2) {
				addDep(pick(), id)
			}
		case 10: // remove an application (and its dependencies)
			d.RemoveApps = append(d.RemoveApps, pick())
		case 11: // a new application below the largest id
			id := unknown()
			d.AddApps = append(d.AddApps, id)
			if rng.IntN(2) == 0 {
				addDep(pick(), id)
			}
		case 12: // remove and re-add: the application loses its dependencies
			id := pick()
			d.RemoveApps = append(d.RemoveApps, id)
			d.AddApps = append(d.AddApps, id)
		case 13: // ignored: self-loop, unknown ids, absent dependency, absent app, present app
			x := pick()
			addDep(x, x)
			addDep(x, unknown())
			addDep(unknown(), x)
			d.RemoveDeps = append(d.RemoveDeps, dep(unknown(), x), dep(x, x))
			d.RemoveApps = append(d.RemoveApps, unknown())
			d.AddApps = append(d.AddApps, x)
		case 14: // duplicates
			x, y := pick(), pick()
			addDep(x, y)
			addDep(x, y)
			d.RemoveDeps = append(d.RemoveDeps, dep(y, x), dep(y, x))
		case 15: // remove and add back the same dependency: it stays
			if len(deps) > 0 {
				e := deps[rng.IntN(len(deps))]
				d.RemoveDeps = append(d.RemoveDeps, e)
				d.AddDeps = append(d.AddDeps, e)
			}
		case 16: // a dependency on an application removed by the same delta: dropped
			x := pick()
			d.RemoveApps = append(d.RemoveApps, x)
			addDep(pick(), x)
		}
	}
	rng.Shuffle(len(d.AddDeps), func(i, j int) { d.AddDeps[i], d.AddDeps[j] = d.AddDeps[j], d.AddDeps[i] })
	return d
}

// probes draws change sets and releases over m's applications, the
// delta's ids and a few unknown ones.
func probes(rng *rand.Rand, m *model, d impact.Delta) ([][]int, []impact.Release) {
	ids, _ := m.lists()
	pick := func() int {
		if len(ids) == 0 || rng.IntN(10) == 0 {
			return rng.IntN(2000) - 1000
		}
		return ids[rng.IntN(len(ids))]
	}
	var touched []int
	touched = append(touched, d.AddApps...)
	touched = append(touched, d.RemoveApps...)
	for _, e := range slices.Concat(d.AddDeps, d.RemoveDeps) {
		touched = append(touched, e.Consumer, e.Provider)
	}
	sets := [][]int{ids, touched}
	for range 3 {
		var ch []int
		for range 1 + rng.IntN(6) {
			ch = append(ch, pick())
		}
		sets = append(sets, ch)
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var rels []impact.Release
	for k := range rng.IntN(10) {
		start := rng.IntN(20)
		ch := sets[2+k%3]
		if k%4 == 3 {
			ch = touched
		}
		rels = append(rels, impact.Release{
			ID:      100 - k,
			Window:  impact.Window{Start: base.Add(time.Duration(start) * time.Hour), End: base.Add(time.Duration(start+1+rng.IntN(8)) * time.Hour)},
			Changed: ch,
		})
	}
	return sets, rels
}

// sameAnswers compares every query of got with those of want.
func sameAnswers(got, want *impact.Snapshot, ids []int, changed [][]int, rels []impact.Release) error {
	if got.Generation() != want.Generation() || got.Len() != want.Len() || got.Dependencies() != want.Dependencies() {
		return fmt.Errorf("Generation/Len/Dependencies = %d/%d/%d, want %d/%d/%d",
			got.Generation(), got.Len(), got.Dependencies(), want.Generation(), want.Len(), want.Dependencies())
	}
	if got.Len() > 0 && got.Bytes() <= 0 {
		return fmt.Errorf("Bytes = %d", got.Bytes())
	}
	for _, id := range slices.Concat(ids, []int{-1 << 50, 1 << 50}, slices.Concat(changed...)) {
		if got.Has(id) != want.Has(id) || got.IsShared(id) != want.IsShared(id) {
			return fmt.Errorf("Has/IsShared(%d) = %v/%v, want %v/%v", id, got.Has(id), got.IsShared(id), want.Has(id), want.IsShared(id))
		}
		if g, w := got.DependsOn(id), want.DependsOn(id); !equalInts(g, w) {
			return fmt.Errorf("DependsOn(%d) = %v, want %v", id, g, w)
		}
		if g, w := got.Dependents(id), want.Dependents(id); !equalInts(g, w) {
			return fmt.Errorf("Dependents(%d) = %v, want %v", id, g, w)
		}
	}
	for _, ch := range changed {
		for _, depth := range []int{-1, 0, 1, 2} {
			if g, w := got.Impact(ch, depth), want.Impact(ch, depth); !reflect.DeepEqual(g, w) {
				return fmt.Errorf("Impact(%v, %d) = %v, want %v", ch, depth, g, w)
			}
		}
		if g, w := got.ImpactSet(ch), want.ImpactSet(ch); !equalInts(g, w) {
			return fmt.Errorf("ImpactSet(%v) = %v, want %v", ch, g, w)
		}
		if g, w := got.DeploymentWaves(ch), want.DeploymentWaves(ch); !sameGroups(g, w) {
			return fmt.Errorf("DeploymentWaves(%v) = %v, want %v", ch, g, w)
		}
	}
	if g, w := got.Cycles(), want.Cycles(); !sameGroups(g, w) {
		return fmt.Errorf("Cycles() = %v, want %v", g, w)
	}
	if g, w := got.Conflicts(rels), want.Conflicts(rels); !equalConflicts(g, w) {
		return fmt.Errorf("Conflicts = %v, want %v", g, w)
	}
	return nil
}

// TestApplyAgainstRebuild applies chains of random deltas to random
// cyclic graphs and compares every query of each result with a snapshot
// built from scratch, and the snapshot applied to with its own rebuild.
func TestApplyAgainstRebuild(t *testing.T) {
	cases := 600
	if testing.Short() {
		cases = 80
	}
	for k := range cases {
		seed := uint64(k)*0x9e3779b97f4a7c15 + 11
		rng := rand.New(rand.NewPCG(seed, 99))
		ids, deps, _, _ := randomCase(seed, 30, 0)
		m := newModel(ids, deps)
		cur := impact.NewSnapshot(ids, deps, 0)
		for step := range 15 {
			gen := int64(step + 1)
			ref := m.snapshot(gen - 1)
			d := randomDelta(rng, m, ref)
			next := cur.Apply(d, gen)
			prev := m
			m = m.clone()
			m.apply(d)
			fail := func(what string, err error) {
				t.Helper()
				pids, pdeps := prev.lists()
				t.Fatalf("seed %#x step %d: %s: %v\napps %v\ndeps %v\ndelta %+v", seed, step, what, err, pids, pdeps, d)
			}
			if rng.IntN(4) == 0 {
				// Apply to a snapshot whose components may not be computed
				// yet, then check both.
				m2 := m.clone()
				d2 := randomDelta(rng, m2, m2.snapshot(0))
				side := next.Apply(d2, -gen)
				m2.apply(d2)
				sids, _ := m2.lists()
				sets, rels := probes(rng, m2, d2)
				if err := sameAnswers(side, m2.snapshot(-gen), sids, sets, rels); err != nil {
					fail(fmt.Sprintf("side delta %+v", d2), err)
				}
			}
			nids, _ := m.lists()
			sets, rels := probes(rng, m, d)
			if err := sameAnswers(next, m.snapshot(gen), nids, sets, rels); err != nil {
				fail("applied", err)
			}
			pids, _ := prev.lists()
			if err := sameAnswers(cur, ref, pids, sets, rels); err != nil {
				fail("snapshot applied to changed", err)
			}
			cur = next
		}
	}
}

// TestApplyPortfolio runs a realistic write sequence on a synthetic
// portfolio: single dependency additions (many against the component
// order, some closing cycles) and removals, new applications, now and then
// a removed one.
func TestApplyPortfolio(t *testing.T) {
	ids, deps := impacttest.Portfolio(2000, 5, 21)
	rels := impacttest.Releases(ids, 60, 22, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	rng := rand.New(rand.NewPCG(23, 24))
	m := newModel(ids, deps)
	cur := impact.NewSnapshot(ids, deps, 0)
	steps := 120
	if testing.Short() {
		steps = 30
	}
	for step := range steps {
		gen := int64(step + 1)
		ref := m.snapshot(gen - 1)
		ids, deps := m.lists()
		var d impact.Delta
		switch r := rng.IntN(11); {
		case r < 4:
			d.AddDeps = []impact.Dependency{dep(ids[rng.IntN(len(ids))], ids[rng.IntN(len(ids))])}
		case r < 5:
			x := ids[rng.IntN(len(ids))]
			if set := ref.ImpactSet([]int{x}); len(set) > 1 {
				d.AddDeps = []impact.Dependency{dep(x, set[rng.IntN(len(set))])}
			}
		case r < 7:
			d.RemoveDeps = []impact.Dependency{deps[rng.IntN(len(deps))]}
		case r < 8: // inside a cycle
			if cycles := ref.Cycles(); len(cycles) > 0 {
				g := cycles[rng.IntN(len(cycles))]
				for _, p := range ref.DependsOn(g[0]) {
					if slices.Contains(g, p) {
						d.RemoveDeps = []impact.Dependency{dep(g[0], p)}
						break
					}
				}
			}
		case r < 9:
			id := ids[len(ids)-1] + 1
			d.AddApps = []int{id}
			d.AddDeps = []impact.Dependency{dep(id, ids[rng.IntN(len(ids))]), dep(id, ids[rng.IntN(len(ids))])}
		case r < 10:
			d.RemoveApps = []int{ids[rng.IntN(len(ids))]}
		default: // a batch: more order-violating additions than are repaired eagerly
			for range 30 {
				d.AddDeps = append(d.AddDeps, dep(ids[rng.IntN(len(ids))], ids[rng.IntN(len(ids))]))
			}
			d.RemoveDeps = deps[:5]
		}
		next := cur.Apply(d, gen)
		m.apply(d)
		want := m.snapshot(gen)
		var sets [][]int
		for _, r := range rels[:10] {
			sets = append(sets, r.Changed)
		}
		nids, _ := m.lists()
		var touched []int
		for _, e := range slices.Concat(d.AddDeps, d.RemoveDeps) {
			touched = append(touched, e.Consumer, e.Provider)
		}
		if err := sameAnswers(next, want, touched, append(sets, touched, nids), rels); err != nil {
			t.Fatalf("step %d, delta %+v: %v", step, d, err)
		}
		cur = next
	}
}

// TestApplyDeep closes and reopens a 200k-application cycle: nothing may
// recurse.
func TestApplyDeep(t *testing.T) {
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
	s = s.Apply(impact.Delta{AddDeps: []impact.Dependency{dep(big, big+n-1)}}, 2)
	if c := s.Cycles(); len(c) != 1 || len(c[0]) != n {
		t.Fatalf("closed: %d cycles", len(c))
	}
	if w := s.DeploymentWaves([]int{big + 3, big + 7}); len(w) != 1 || len(w[0]) != 2 {
		t.Fatalf("closed: waves %v", w)
	}
	s = s.Apply(impact.Delta{RemoveDeps: []impact.Dependency{dep(big+n/2, big+n/2-1)}}, 3)
	if c := s.Cycles(); c != nil {
		t.Fatalf("reopened: %d cycles", len(c))
	}
	if w := s.DeploymentWaves([]int{big + n/2 - 1, big + n/2, big}); len(w) != 3 || w[0][0] != big+n/2 || w[2][0] != big+n/2-1 {
		t.Fatalf("reopened: waves %v", w)
	}
	if got := s.ImpactSet([]int{big + n/2}); len(got) != n {
		t.Fatalf("reopened: impact set of %d", len(got))
	}
	if got := s.Impact([]int{big + n - 1}, 2); len(got) != 3 || got[2].ID != big+1 {
		t.Fatalf("reopened: impact %v", got)
	}
}

// TestApplyConcurrent applies deltas to a snapshot while other goroutines
// query it, and queries one derived snapshot whose components are computed
// on first use from several goroutines at once (run with -race).
func TestApplyConcurrent(t *testing.T) {
	ids, deps := impacttest.Portfolio(3000, 5, 5)
	s := impact.NewSnapshot(ids, deps, 1)
	rels := impacttest.Releases(ids, 80, 6, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	wantConf, wantCycles := s.Conflicts(rels), s.Cycles()
	// Removing an application renumbers: derived's components are computed
	// on first use.
	d := impact.Delta{RemoveApps: []int{ids[0]}, AddDeps: []impact.Dependency{dep(ids[1], ids[2])}}
	derived := s.Apply(d, 2)
	m := newModel(ids, deps)
	m.apply(d)
	ref := m.snapshot(2)
	wantDerived := ref.Cycles()

	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 4 {
		wg.Go(func() {
			if !equalConflicts(s.Conflicts(rels), wantConf) || !sameGroups(s.Cycles(), wantCycles) {
				errs <- fmt.Errorf("goroutine %d: snapshot changed under Apply", g)
			}
		})
		wg.Go(func() {
			if !sameGroups(derived.Cycles(), wantDerived) {
				errs <- fmt.Errorf("goroutine %d: derived cycles differ", g)
			}
			if got, want := derived.DeploymentWaves(rels[g].Changed), ref.DeploymentWaves(rels[g].Changed); !sameGroups(got, want) {
				errs <- fmt.Errorf("goroutine %d: derived waves differ", g)
			}
		})
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for range 20 {
				d := impact.Delta{AddDeps: []impact.Dependency{dep(ids[rng.IntN(len(ids))], ids[rng.IntN(len(ids))])}}
				if s.Apply(d, 3).Len() != len(ids) {
					errs <- fmt.Errorf("goroutine %d: Apply lost applications", g)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestApplyBytes(t *testing.T) {
	ids, deps := impacttest.Portfolio(1000, 5, 7)
	s := impact.NewSnapshot(ids, deps, 1)
	// ids (8) + index (~24) + four CSR arrays (4 each) + components.
	lo := 32*s.Len() + 4*2*(s.Len()+s.Dependencies())
	if b := s.Bytes(); b < lo || b > 3*lo {
		t.Errorf("Bytes = %d for %d apps and %d deps, want about %d", b, s.Len(), s.Dependencies(), lo)
	}
	if b := impact.NewSnapshot(nil, nil, 0).Bytes(); b > 1024 {
		t.Errorf("empty snapshot: Bytes = %d", b)
	}
}
