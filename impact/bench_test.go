package impact_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/impact/impacttest"
)

// benchSizes are the portfolio sizes benchmarked, each with 5 deps per app.
var benchSizes = []int{1000, 10000, 100000}

type fixture struct {
	ids  []int
	deps []impact.Dependency
	snap *impact.Snapshot
	rels []impact.Release // 1,000 releases over a year
}

var (
	fixturesMu sync.Mutex
	fixtures   = map[int]*fixture{}
)

// getFixture builds (once per size) a synthetic portfolio and its releases.
func getFixture(n int) *fixture {
	fixturesMu.Lock()
	defer fixturesMu.Unlock()
	if f, ok := fixtures[n]; ok {
		return f
	}
	ids, deps := impacttest.Portfolio(n, 5, int64(n))
	f := &fixture{ids: ids, deps: deps, snap: impact.NewSnapshot(ids, deps, 1)}
	f.rels = impacttest.Releases(ids, 1000, int64(n)+1, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	fixtures[n] = f
	return f
}

func forSizes(b *testing.B, run func(b *testing.B, f *fixture)) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("apps=%d", n), func(b *testing.B) {
			f := getFixture(n)
			b.ReportAllocs()
			b.ResetTimer()
			run(b, f)
		})
	}
}

// BenchmarkSnapshotBuild also reports what a snapshot holds: bytes per
// dependency (Snapshot.Bytes, an estimate) and in all.
func BenchmarkSnapshotBuild(b *testing.B) {
	forSizes(b, func(b *testing.B, f *fixture) {
		var s *impact.Snapshot
		for b.Loop() {
			s = impact.NewSnapshot(f.ids, f.deps, 1)
		}
		b.ReportMetric(float64(s.Bytes())/float64(s.Dependencies()), "snapshot-B/dep")
		b.ReportMetric(float64(s.Bytes())/(1<<20), "snapshot-MiB")
	})
}

// BenchmarkImpactOneRelease is Impact with paths, unbounded, for one
// release (5–50 changed apps), averaged over the 1,000 synthetic releases.
func BenchmarkImpactOneRelease(b *testing.B) {
	forSizes(b, func(b *testing.B, f *fixture) {
		k := 0
		for b.Loop() {
			f.snap.Impact(f.rels[k%len(f.rels)].Changed, -1)
			k++
		}
	})
}

// BenchmarkImpactSetOneRelease is ImpactSet for one release.
func BenchmarkImpactSetOneRelease(b *testing.B) {
	forSizes(b, func(b *testing.B, f *fixture) {
		k := 0
		for b.Loop() {
			f.snap.ImpactSet(f.rels[k%len(f.rels)].Changed)
			k++
		}
	})
}

func BenchmarkConflicts1000Releases(b *testing.B) {
	forSizes(b, func(b *testing.B, f *fixture) {
		var conflicts, shared int
		for b.Loop() {
			cs := f.snap.Conflicts(f.rels)
			conflicts, shared = len(cs), 0
			for _, c := range cs {
				shared += len(c.Shared)
			}
		}
		b.ReportMetric(float64(conflicts), "conflicts")
		b.ReportMetric(float64(shared), "shared-ids")
	})
}

// BenchmarkDeploymentWaves is DeploymentWaves for one release.
func BenchmarkDeploymentWaves(b *testing.B) {
	forSizes(b, func(b *testing.B, f *fixture) {
		k := 0
		for b.Loop() {
			f.snap.DeploymentWaves(f.rels[k%len(f.rels)].Changed)
			k++
		}
	})
}

func BenchmarkCycles(b *testing.B) {
	forSizes(b, func(b *testing.B, f *fixture) {
		for b.Loop() {
			f.snap.Cycles()
		}
	})
}

// randomDeps returns count dependencies between random applications of f.
func randomDeps(f *fixture, count int, seed uint64) []impact.Dependency {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]impact.Dependency, count)
	for i := range out {
		out[i] = impact.Dependency{Consumer: f.ids[rng.IntN(len(f.ids))], Provider: f.ids[rng.IntN(len(f.ids))]}
	}
	return out
}

// BenchmarkApplyOneDependency is one dependency write applied to the
// snapshot, then one query on the result: what serving a read right after
// a write costs. Additions join random applications, so about half of them
// go against the component order and some close a cycle; removals drop
// random existing dependencies. "add+waves" queries DeploymentWaves, which
// needs the components, instead of Impact.
func BenchmarkApplyOneDependency(b *testing.B) {
	for _, kind := range []string{"add", "remove", "add+waves"} {
		b.Run(kind, func(b *testing.B) {
			forSizes(b, func(b *testing.B, f *fixture) {
				deltas := make([]impact.Delta, 512)
				adds := randomDeps(f, len(deltas), 3)
				for i := range deltas {
					if kind == "remove" {
						deltas[i].RemoveDeps = []impact.Dependency{f.deps[i*len(f.deps)/len(deltas)]}
					} else {
						deltas[i].AddDeps = adds[i : i+1]
					}
				}
				k := 0
				for b.Loop() {
					s := f.snap.Apply(deltas[k%len(deltas)], 2)
					if kind == "add+waves" {
						s.DeploymentWaves(f.rels[k%len(f.rels)].Changed)
					} else {
						s.Impact(f.rels[k%len(f.rels)].Changed, -1)
					}
					k++
				}
			})
		})
	}
}

// BenchmarkApplyOneApplication is one new application, with an id above
// every other (autoincrement), alone or with five dependencies on existing
// applications, then Impact of one release on the result.
func BenchmarkApplyOneApplication(b *testing.B) {
	for _, deps := range []int{0, 5} {
		b.Run(fmt.Sprintf("deps=%d", deps), func(b *testing.B) {
			forSizes(b, func(b *testing.B, f *fixture) {
				id := slices.Max(f.ids) + 1
				provs := randomDeps(f, 512*deps, 4)
				deltas := make([]impact.Delta, 512)
				for i := range deltas {
					deltas[i].AddApps = []int{id}
					for _, e := range provs[i*deps : (i+1)*deps] {
						deltas[i].AddDeps = append(deltas[i].AddDeps, impact.Dependency{Consumer: id, Provider: e.Provider})
					}
				}
				k := 0
				for b.Loop() {
					s := f.snap.Apply(deltas[k%len(deltas)], 2)
					s.Impact(f.rels[k%len(f.rels)].Changed, -1)
					k++
				}
			})
		})
	}
}
