package impact

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestTranspose64(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100 {
		var a, orig [64]uint64
		for i := range a {
			a[i] = rng.Uint64() & rng.Uint64()
		}
		orig = a
		transpose64(&a)
		for i := range 64 {
			for j := range 64 {
				if (a[i]>>j)&1 != (orig[j]>>i)&1 {
					t.Fatalf("bit (%d,%d) wrong", i, j)
				}
			}
		}
	}
}

// checkComponents verifies the components of s against a Tarjan run: the
// same partition, a topological order, sorted members, the exact
// condensation and the cycles in order; retired ids hold nothing.
func checkComponents(s *Snapshot) error {
	k := s.scc.Load()
	if k == nil {
		return fmt.Errorf("components not kept")
	}
	want := buildComponents(s.provOff, s.prov)
	n := len(s.ids)
	if len(k.comp) != n || len(k.order) != len(want.order) || len(k.pos) != int(k.ids()) || len(k.cprovOff) != len(k.compOff) {
		return fmt.Errorf("%d nodes in %d components (%d ids, %d positions, %d rows), want %d in %d",
			len(k.comp), len(k.order), k.ids(), len(k.pos), len(k.cprovOff)-1, n, len(want.order))
	}
	for p, c := range k.order {
		if k.pos[c] != int32(p) {
			return fmt.Errorf("order[%d] = %d but pos[%d] = %d", p, c, c, k.pos[c])
		}
	}
	same := make(map[int32]int32) // k's component -> Tarjan's
	for v := range n {
		c, w := k.comp[v], want.comp[v]
		if x, ok := same[c]; ok && x != w {
			return fmt.Errorf("node %d: component %d also holds nodes of Tarjan's %d and %d", v, c, x, w)
		}
		same[c] = w
	}
	for c := range k.ids() {
		mem := k.members(c)
		got := slices.Clone(k.cprov[k.cprovOff[c]:k.cprovOff[c+1]])
		if k.pos[c] < 0 {
			if len(mem) != 0 || len(got) != 0 {
				return fmt.Errorf("retired component %d: members %v, condensation %v", c, mem, got)
			}
			continue
		}
		if len(mem) == 0 || !slices.IsSorted(mem) {
			return fmt.Errorf("component %d: members %v", c, mem)
		}
		var row []int32
		for _, v := range mem {
			if k.comp[v] != c {
				return fmt.Errorf("component %d lists %d of %d", c, v, k.comp[v])
			}
			for _, p := range s.prov[s.provOff[v]:s.provOff[v+1]] {
				if d := k.comp[p]; d != c {
					if k.pos[d] > k.pos[c] {
						return fmt.Errorf("dependency %d -> %d goes from component %d to later %d", v, p, c, d)
					}
					row = append(row, d)
				}
			}
		}
		slices.Sort(row)
		row = slices.Compact(row)
		slices.Sort(got)
		if !slices.Equal(got, row) {
			return fmt.Errorf("component %d: condensation %v, want %v", c, got, row)
		}
	}
	var cycles []int32
	for _, c := range want.cycles {
		cycles = append(cycles, k.comp[want.members(c)[0]])
	}
	if !slices.Equal(k.cycles, cycles) {
		return fmt.Errorf("cycles %v, want %v", k.cycles, cycles)
	}
	return nil
}

// TestApplyKeepsComponents checks that Apply maintains the components for
// dependency writes and new applications with larger ids (rather than
// leaving them to be recomputed on first use), and maintains them right.
func TestApplyKeepsComponents(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for round := range 300 {
		n := 2 + rng.IntN(60)
		ids := make([]int, n)
		for i := range ids {
			ids[i] = 10 * i
		}
		pick := func() int { return ids[rng.IntN(len(ids))] }
		var deps []Dependency
		for range rng.IntN(3 * n) {
			deps = append(deps, Dependency{pick(), pick()})
		}
		s := NewSnapshot(ids, deps, 0)
		for step := range 25 {
			var d Delta
			for range 1 + rng.IntN(3) {
				switch rng.IntN(5) {
				case 0, 1:
					d.AddDeps = append(d.AddDeps, Dependency{pick(), pick()})
				case 2, 3:
					if m := len(s.prov); m > 0 {
						e := int32(rng.IntN(m))
						c, _ := slices.BinarySearchFunc(s.provOff, e+1, func(off, e int32) int { return cmp.Compare(off, e) })
						d.RemoveDeps = append(d.RemoveDeps, Dependency{s.ids[c-1], s.ids[s.prov[e]]})
					}
				case 4:
					id := ids[len(ids)-1] + 10
					ids = append(ids, id)
					d.AddApps = append(d.AddApps, id)
					d.AddDeps = append(d.AddDeps, Dependency{id, pick()}, Dependency{pick(), id})
				}
			}
			s = s.Apply(d, int64(step))
			if err := checkComponents(s); err != nil {
				t.Fatalf("round %d step %d, delta %+v: %v", round, step, d, err)
			}
		}
	}
}
