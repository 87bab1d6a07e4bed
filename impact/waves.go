package impact

import (
	"math/bits"
	"slices"
)

// DeploymentWaves orders the changed applications into deployment waves.
// An application stands in a later wave than every other changed
// application it depends on, directly or transitively through any
// applications (changed or not); applications on one dependency cycle (one
// strongly connected component, which may run through unchanged
// applications) share a wave. Formally, for a changed application x, wave(x)
// is 0 when x depends on no changed application outside its own component,
// and otherwise 1 + the largest wave of the changed applications it depends
// on in other components. Unknown ids are ignored and duplicates count once.
// Each wave is ascending by id; no wave is empty. Nil when changed holds no
// known application. The caller owns the result.
//
// Cost: O(components and condensation edges reachable from changed), a
// longest-path layering over the condensation in topological order.
func (s *Snapshot) DeploymentWaves(changed []int) [][]int {
	cs := s.components()
	sc := s.getScratchC(cs)
	defer s.putScratch(sc)

	// Distinct changed applications, ascending by index (= by id).
	ep := sc.nextEpoch()
	ch := sc.nodeQueue()
	for _, id := range changed {
		if i, ok := s.index[id]; ok && sc.stamp[i] != ep {
			sc.stamp[i] = ep
			ch = append(ch, i)
		}
	}
	if len(ch) == 0 {
		return nil
	}
	slices.Sort(ch)

	// Mark changed components and every component they reach (dependsOn).
	cep := sc.nextCEpoch()
	if cap(sc.cqueue) < sc.nc {
		sc.cqueue = make([]int32, 0, sc.nc+sc.nc/16)
	}
	sc.cwave = fit(sc.cwave, sc.nc)
	sc.cbits = fit(sc.cbits, (sc.nc+63)/64)
	// cbits marks the positions (in topological order) of the components
	// visited; the rest is indexed by component.
	cstamp, cchg, cbits := sc.cstamp, sc.cchg, sc.cbits
	cq := sc.cqueue[:0]
	minP, maxP := int32(len(cs.order)), int32(-1)
	visit := func(c int32) {
		if cstamp[c] != cep {
			cstamp[c] = cep
			cq = append(cq, c)
			p := cs.pos[c]
			cbits[p>>6] |= 1 << (p & 63)
			minP, maxP = min(minP, p), max(maxP, p)
		}
	}
	for _, i := range ch {
		c := cs.comp[i]
		cchg[c] = cep
		visit(c)
	}
	for h := 0; h < len(cq); h++ {
		c := cq[h]
		for _, d := range cs.cprov[cs.cprovOff[c]:cs.cprovOff[c+1]] {
			visit(d)
		}
	}

	// Longest-path layering in topological order (ascending position =
	// providers first). wave[c] is, for a changed component, its wave; for
	// an unchanged one, the largest wave among the changed components it
	// reaches; -1 when it reaches none.
	wave := sc.cwave
	for k := minP >> 6; k <= maxP>>6; k++ {
		word := cbits[k]
		cbits[k] = 0 // leave the bitset clear for the next call
		for word != 0 {
			c := cs.order[k<<6|int32(bits.TrailingZeros64(word))]
			word &= word - 1
			best := int32(-1)
			for _, d := range cs.cprov[cs.cprovOff[c]:cs.cprovOff[c+1]] {
				best = max(best, wave[d])
			}
			if cchg[c] == cep {
				best++
			}
			wave[c] = best
		}
	}

	// Group by wave with a counting sort. Waves are dense by construction
	// (a changed component in wave k > 0 reaches one in wave k-1); empty
	// ones are skipped anyway.
	maxWave := int32(0)
	for _, i := range ch {
		maxWave = max(maxWave, wave[cs.comp[i]])
	}
	count := make([]int32, maxWave+2)
	for _, i := range ch {
		count[wave[cs.comp[i]]+1]++
	}
	for w := int32(1); w <= maxWave+1; w++ {
		count[w] += count[w-1]
	}
	flat := make([]int, len(ch))
	fill := count[:maxWave+1]
	for _, i := range ch {
		w := wave[cs.comp[i]]
		flat[fill[w]] = s.ids[i]
		fill[w]++
	}
	out := make([][]int, 0, maxWave+1)
	start := int32(0)
	for w := int32(0); w <= maxWave; w++ {
		if end := fill[w]; end > start {
			out = append(out, flat[start:end:end])
			start = end
		}
	}
	return out
}
