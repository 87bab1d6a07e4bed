// Package impacttest generates synthetic portfolios shaped like real ones,
// for the engine's and the server's benchmarks and randomized tests (as
// net/http/httptest serves net/http's tests). Production code never imports it.
package impacttest

import (
	"math/rand/v2"
	"time"

	"github.com/relgraph/relgraph/impact"
)

// Portfolio generates a portfolio of n applications with about avgDeps
// dependencies per application, shaped like real ones, deterministically from
// seed. It is meant for benchmarks and load tests, here and in other
// packages.
//
// Shape: about 1% platform services (identity, logging, messaging...) that
// depend on little and are heavily shared; about a quarter domain services
// that depend on the platform and on each other; the rest edge applications
// (front ends, batch jobs, reports) that consume services and are rarely
// consumed themselves. Providers are chosen by preferential attachment (an
// urn that gets one more ticket per consumer), so in-degrees are long-tailed
// with a few hubs, and apart from a few deliberate back edges every
// application depends only on applications created before it. The back
// edges (about 0.3% of the applications) close small cycles among services.
// Ids are sparse and large (some above 1<<32); both slices come out shuffled.
func Portfolio(n int, avgDeps float64, seed int64) ([]int, []impact.Dependency) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	ids := make([]int, n)
	for i, p := range rng.Perm(n) {
		ids[i] = int(uint64(rng.IntN(4))<<32 | uint64(p+1))
	}
	nPlat := max(1, n/100)
	nSvc := n / 4

	deps := make([]impact.Dependency, 0, int(float64(n)*avgDeps)+n/100+16)
	urn := make([]int32, 0, int(float64(n)*avgDeps)+n)
	provs := make([][]int32, n) // kept for the back edges
	var picked []int32
	for i := 0; i < n; i++ {
		var k int
		switch {
		case i < nPlat:
			k = rng.IntN(3) // platform: a couple of deps on older platform
		default:
			k = int(rng.ExpFloat64()*avgDeps*1.03 + 0.5)
		}
		k = min(k, i)
		picked = picked[:0]
		for tries := 0; len(picked) < k && tries < 4*k+8 && len(urn) > 0; tries++ {
			var p int32
			if rng.IntN(10) < 8 {
				p = urn[rng.IntN(len(urn))] // preferential
			} else {
				p = int32(rng.IntN(min(i, nPlat+nSvc))) // uniform over older providers
			}
			dup := false
			for _, q := range picked {
				dup = dup || q == p
			}
			if dup {
				continue
			}
			picked = append(picked, p)
		}
		for _, p := range picked {
			deps = append(deps, impact.Dependency{Consumer: ids[i], Provider: ids[p]})
			urn = append(urn, p)
		}
		if i < nPlat+nSvc {
			provs[i] = append([]int32(nil), picked...)
		}
		// Make i available as a provider: platform services start with many
		// tickets, services with one, edge applications rarely.
		switch {
		case i < nPlat:
			for t := 0; t < 20; t++ {
				urn = append(urn, int32(i))
			}
		case i < nPlat+nSvc:
			urn = append(urn, int32(i))
		case rng.IntN(50) == 0:
			urn = append(urn, int32(i))
		}
	}

	// Back edges among domain services: a provider y of x (or a provider z
	// of such a y) also depends on x, closing a 2- or 3-cycle.
	for c := 0; c < n*3/1000 && nSvc > 0; c++ {
		x := nPlat + rng.IntN(nSvc)
		if len(provs[x]) == 0 {
			continue
		}
		y := provs[x][rng.IntN(len(provs[x]))]
		if y < int32(nPlat) {
			continue
		}
		if len(provs[y]) > 0 && rng.IntN(2) == 0 {
			if z := provs[y][rng.IntN(len(provs[y]))]; z >= int32(nPlat) {
				y = z
			}
		}
		deps = append(deps, impact.Dependency{Consumer: ids[y], Provider: ids[x]})
	}

	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	rng.Shuffle(len(deps), func(i, j int) { deps[i], deps[j] = deps[j], deps[i] })
	return ids, deps
}

// Releases generates count releases over appIDs, deterministically
// from seed: each changes 5 to 50 distinct applications (fewer if appIDs is
// smaller) and has a window starting at a uniformly random time within a
// year after base and lasting from two hours to two weeks (exponentially
// distributed, mean about a day and a half), so windows overlap often.
// Release ids are 1..count.
func Releases(appIDs []int, count int, seed int64, base time.Time) []impact.Release {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6a09e667f3bcc909))
	out := make([]impact.Release, count)
	const year = 365 * 24 * time.Hour
	for r := range out {
		k := min(5+rng.IntN(46), len(appIDs))
		changed := make([]int, 0, k)
		for len(changed) < k {
			id := appIDs[rng.IntN(len(appIDs))]
			dup := false
			for _, x := range changed {
				dup = dup || x == id
			}
			if !dup {
				changed = append(changed, id)
			}
		}
		start := base.Add(time.Duration(rng.Int64N(int64(year)))).Truncate(time.Minute)
		d := 2*time.Hour + time.Duration(rng.ExpFloat64()*float64(34*time.Hour))
		d = min(d, 14*24*time.Hour).Truncate(time.Minute)
		out[r] = impact.Release{ID: r + 1, Window: impact.Window{Start: start, End: start.Add(d)}, Changed: changed}
	}
	return out
}
