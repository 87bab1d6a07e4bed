package impact

import "slices"

// Impacted is one application reached by a change.
type Impacted struct {
	// ID is the impacted application.
	ID int
	// Distance is the number of dependency hops from the nearest changed
	// application: 0 for a changed application, 1 for its direct consumers.
	Distance int
	// Path is one shortest path from a changed application to ID, both ends
	// included: Path[0] is changed, Path[len(Path)-1] == ID,
	// len(Path) == Distance+1, and each Path[k+1] depends on Path[k].
	Path []int
}

// Impact returns every application that reaches one of changed by
// following dependsOn edges: the changed applications themselves at distance
// 0, their consumers at 1, and so on, each with its shortest distance and one
// shortest path. maxDepth < 0 means unbounded; maxDepth >= 0 stops after that
// many hops (0 returns only the changed applications). Unknown ids in changed
// are ignored, duplicates count once. The result is ordered by distance, then
// by id; nil when nothing is impacted. Paths share one backing array; the
// caller owns the result.
//
// Cost: O(impacted applications + their consumer edges + total path length).
func (s *Snapshot) Impact(changed []int, maxDepth int) []Impacted {
	sc := s.getScratch()
	defer s.putScratch(sc)
	ep := sc.nextEpoch()
	stamp := sc.stamp
	dist, par := sc.paths()
	q := sc.nodeQueue()
	for _, id := range changed {
		i, ok := s.index[id]
		if !ok || stamp[i] == ep {
			continue
		}
		stamp[i], dist[i], par[i] = ep, 0, -1
		q = append(q, i)
	}
	if len(q) == 0 {
		return nil
	}

	// Level-synchronous BFS along consumers; each level is sorted before it
	// is expanded, so the output order is (distance, id) and the parent
	// choice is deterministic.
	consOff, cons := s.consOff, s.cons
	pathTotal := 0
	lo := 0
	for d := int32(0); lo < len(q); d++ {
		hi := len(q)
		level := q[lo:hi]
		slices.Sort(level)
		pathTotal += len(level) * int(d+1)
		if maxDepth >= 0 && int(d) >= maxDepth {
			break
		}
		for _, v := range level {
			for _, w := range cons[consOff[v]:consOff[v+1]] {
				if stamp[w] != ep {
					stamp[w], dist[w], par[w] = ep, d+1, v
					q = append(q, w) // never reallocates: capacity n
				}
			}
		}
		lo = hi
	}

	out := make([]Impacted, len(q))
	flat := make([]int, pathTotal)
	off := 0
	for k, v := range q {
		d := int(dist[v])
		p := flat[off : off+d+1 : off+d+1]
		off += d + 1
		for j, x := d, v; j >= 0; j-- {
			p[j] = s.ids[x]
			x = par[x]
		}
		out[k] = Impacted{ID: s.ids[v], Distance: d, Path: p}
	}
	return out
}

// ImpactSet returns the ids Impact(changed, -1) would report, ascending,
// without distances or paths. Unknown ids in changed are ignored. Nil when
// nothing is impacted; the caller owns the result.
func (s *Snapshot) ImpactSet(changed []int) []int {
	sc := s.getScratch()
	defer s.putScratch(sc)
	ep := sc.nextEpoch()
	q := s.reach(sc, ep, changed)
	if len(q) == 0 {
		return nil
	}
	out := make([]int, len(q))
	if len(q) > len(s.ids)/16 {
		// Large: a linear scan of the stamps beats sorting.
		k := 0
		for i, st := range sc.stamp {
			if st == ep {
				out[k] = s.ids[i]
				k++
			}
		}
		return out
	}
	slices.Sort(q)
	for k, i := range q {
		out[k] = s.ids[i]
	}
	return out
}

// reach stamps with ep every application that reaches one of changed and
// returns them in BFS order (in sc's queue).
func (s *Snapshot) reach(sc *scratch, ep uint32, changed []int) []int32 {
	stamp := sc.stamp
	q := sc.nodeQueue()
	for _, id := range changed {
		if i, ok := s.index[id]; ok && stamp[i] != ep {
			stamp[i] = ep
			q = append(q, i)
		}
	}
	consOff, cons := s.consOff, s.cons
	for h := 0; h < len(q); h++ {
		v := q[h]
		for _, w := range cons[consOff[v]:consOff[v+1]] {
			if stamp[w] != ep {
				stamp[w] = ep
				q = append(q, w)
			}
		}
	}
	return q
}
