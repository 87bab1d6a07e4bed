package impact

import (
	"slices"
	"sync"
	"sync/atomic"
)

// Dependency is one edge of the portfolio: Consumer depends on Provider, so a
// change to Provider impacts Consumer.
type Dependency struct {
	Consumer, Provider int
}

// Snapshot is an immutable, indexed view of the applications and their
// dependencies at one point in time. Build it with [NewSnapshot], or derive
// it from another one with [Snapshot.Apply]. All methods are safe for
// concurrent use; none of them modifies the snapshot.
type Snapshot struct {
	generation int64

	ids   []int         // dense index -> application id, ascending
	index map[int]int32 // application id -> dense index (boundary only)

	// Providers (dependsOn) of i: prov[provOff[i]:provOff[i+1]], ascending.
	provOff []int32
	prov    []int32
	// Consumers (dependents) of i: cons[consOff[i]:consOff[i+1]], ascending.
	consOff []int32
	cons    []int32

	// Strongly connected components: computed by NewSnapshot, maintained
	// by Apply where it can, otherwise computed on first use.
	scc     atomic.Pointer[components]
	sccOnce sync.Once

	pool *sync.Pool // of *scratch, shared with the snapshots derived by Apply
}

// NewSnapshot builds a snapshot of the applications appIDs and the
// dependencies deps, tagged with generation. Duplicate application ids
// collapse; dependencies that reference an unknown id, and self-loops, are
// ignored; duplicate (consumer, provider) pairs collapse into one. The
// inputs are not retained. Construction is linear in len(appIDs)+len(deps)
// apart from sorting the ids.
func NewSnapshot(appIDs []int, deps []Dependency, generation int64) *Snapshot {
	ids := slices.Clone(appIDs)
	slices.Sort(ids)
	ids = slices.Clip(slices.Compact(ids))
	n := len(ids)
	s := &Snapshot{generation: generation, ids: ids, index: make(map[int]int32, n)}
	for i, id := range ids {
		s.index[id] = int32(i)
	}

	// Resolve ids, drop unknown ids and self-loops.
	pairs := make([]int32, 0, 2*len(deps))
	provCount := make([]int32, n+1)
	consCount := make([]int32, n+1)
	for _, d := range deps {
		c, ok := s.index[d.Consumer]
		if !ok {
			continue
		}
		p, ok := s.index[d.Provider]
		if !ok || p == c {
			continue
		}
		pairs = append(pairs, c, p)
		provCount[p+1]++
		consCount[c+1]++
	}
	m := len(pairs) / 2

	// Pass A: bucket consumers by provider (unsorted, with duplicates).
	for i := 1; i <= n; i++ {
		provCount[i] += provCount[i-1]
	}
	byProv := make([]int32, m)
	fill := slices.Clone(provCount[:n])
	for k := 0; k < len(pairs); k += 2 {
		c, p := pairs[k], pairs[k+1]
		byProv[fill[p]] = c
		fill[p]++
	}
	pairs = nil

	// Pass B: walk providers ascending and append each to its consumer's
	// list; lists come out sorted, duplicates adjacent and skipped.
	for i := 1; i <= n; i++ {
		consCount[i] += consCount[i-1]
	}
	provOff := consCount // offsets of each consumer's provider list (with room for duplicates)
	prov := make([]int32, m)
	end := slices.Clone(provOff[:n])
	for p := int32(0); p < int32(n); p++ {
		for _, c := range byProv[provCount[p]:provCount[p+1]] {
			if e := end[c]; e > provOff[c] && prov[e-1] == p {
				continue
			}
			prov[end[c]] = p
			end[c]++
		}
	}
	byProv = nil
	// Compact away the room left by duplicates.
	w := int32(0)
	for c := 0; c < n; c++ {
		start := provOff[c]
		copy(prov[w:], prov[start:end[c]])
		provOff[c] = w
		w += end[c] - start
	}
	provOff[n] = w
	s.provOff, s.prov = provOff, slices.Clip(prov[:w])

	// Pass C: reverse CSR; walking consumers ascending sorts each list.
	consOff := provCount
	clear(consOff)
	for _, p := range s.prov {
		consOff[p+1]++
	}
	for i := 1; i <= n; i++ {
		consOff[i] += consOff[i-1]
	}
	cons := make([]int32, w)
	copy(end, consOff[:n])
	for c := int32(0); c < int32(n); c++ {
		for _, p := range s.prov[provOff[c]:provOff[c+1]] {
			cons[end[p]] = c
			end[p]++
		}
	}
	s.consOff, s.cons = consOff, cons

	s.scc.Store(buildComponents(s.provOff, s.prov))
	s.pool = newScratchPool()
	return s
}

// components returns the strongly connected components, computing them on
// first use when Apply could not maintain them.
func (s *Snapshot) components() *components {
	if k := s.scc.Load(); k != nil {
		return k
	}
	s.sccOnce.Do(func() { s.scc.Store(buildComponents(s.provOff, s.prov)) })
	return s.scc.Load()
}

// Generation returns the generation the snapshot was built with.
func (s *Snapshot) Generation() int64 { return s.generation }

// Len returns the number of distinct applications in the snapshot.
func (s *Snapshot) Len() int { return len(s.ids) }

// Dependencies returns the number of distinct dependencies in the snapshot
// (self-loops and dependencies on unknown applications excluded).
func (s *Snapshot) Dependencies() int { return len(s.prov) }

// Bytes estimates the heap memory held by the snapshot: its arrays, its id
// index (counted at about 24 bytes an entry, what Go's map costs for this
// key and value) and its components once computed. It is an estimate for
// memory reporting, not an exact measure: arrays that a snapshot made by
// Apply shares with the snapshot it came from are counted in both, and
// pooled per-query scratch memory is not counted.
func (s *Snapshot) Bytes() int {
	b := 8*cap(s.ids) + 24*len(s.index) +
		4*(cap(s.provOff)+cap(s.prov)+cap(s.consOff)+cap(s.cons))
	if k := s.scc.Load(); k != nil {
		b += k.bytes()
	}
	return b
}

// IDs returns the snapshot's application ids, ascending. The caller owns
// the returned slice.
func (s *Snapshot) IDs() []int { return slices.Clone(s.ids) }

// Has reports whether id is an application of the snapshot.
func (s *Snapshot) Has(id int) bool {
	_, ok := s.index[id]
	return ok
}

// DependsOn returns the direct providers of id (the applications id depends
// on), ascending by id; nil when id is unknown or depends on nothing. The
// caller owns the returned slice.
func (s *Snapshot) DependsOn(id int) []int {
	i, ok := s.index[id]
	if !ok {
		return nil
	}
	return s.toIDs(s.prov[s.provOff[i]:s.provOff[i+1]])
}

// Dependents returns the direct consumers of id (the applications that
// depend on id), ascending by id; nil when id is unknown or has no
// consumers. The caller owns the returned slice.
func (s *Snapshot) Dependents(id int) []int {
	i, ok := s.index[id]
	if !ok {
		return nil
	}
	return s.toIDs(s.cons[s.consOff[i]:s.consOff[i+1]])
}

// IsShared reports whether id has at least two direct consumers.
func (s *Snapshot) IsShared(id int) bool {
	i, ok := s.index[id]
	return ok && s.consOff[i+1]-s.consOff[i] >= 2
}

// toIDs translates indexes to ids in a new slice (nil when empty).
func (s *Snapshot) toIDs(idx []int32) []int {
	if len(idx) == 0 {
		return nil
	}
	out := make([]int, len(idx))
	for k, i := range idx {
		out[k] = s.ids[i]
	}
	return out
}

// scratch is per-call working memory, pooled per snapshot and shared with
// the snapshots derived from it by Apply, so that the first query on a new
// snapshot finds its buffers ready. Slices are allocated on first use so
// that a query only pays for what it needs, and re-sized (see fit) when a
// snapshot of another size takes the scratch.
type scratch struct {
	n, nc int // sizes of the snapshot using the scratch; set by getScratch(C)

	epoch uint32
	stamp []uint32 // node visited iff stamp[i] == epoch
	dist  []int32
	par   []int32
	queue []int32 // capacity n

	cepoch uint32
	cstamp []uint32 // component visited iff cstamp[c] == cepoch
	cchg   []uint32 // component holds a changed app iff cchg[c] == cepoch
	cwave  []int32
	cqueue []int32  // capacity nc
	cbits  []uint64 // nc bits, all-zero (up to capacity) between calls

	// Conflict scan.
	cmask  []uint64 // one mask per component
	tbuf   []uint64 // 64 bitsets of n bits, one batch
	dense  []uint64 // arena of range-limited bitsets
	sparse []int32  // arena of sorted index lists
}

func newScratchPool() *sync.Pool {
	return &sync.Pool{New: func() any { return new(scratch) }}
}

func (s *Snapshot) getScratch() *scratch {
	sc := s.pool.Get().(*scratch)
	sc.n = len(s.ids)
	return sc
}

func (s *Snapshot) putScratch(sc *scratch) { s.pool.Put(sc) }

// getScratchC is getScratch for queries over the components k.
func (s *Snapshot) getScratchC(k *components) *scratch {
	sc := s.getScratch()
	sc.nc = int(k.ids())
	return sc
}

// fit returns buf with length n, reusing its array when large enough (the
// contents are then kept), else a new zeroed one with some room to grow.
func fit[T any](buf []T, n int) []T {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]T, n, n+n/16)
}

// nextEpoch returns a fresh node stamp; stamps never collide because the
// array is cleared, up to its capacity, on wrap-around.
func (sc *scratch) nextEpoch() uint32 {
	sc.stamp = fit(sc.stamp, sc.n)
	sc.epoch++
	if sc.epoch == 0 {
		clear(sc.stamp[:cap(sc.stamp)])
		sc.epoch = 1
	}
	return sc.epoch
}

// nextCEpoch is nextEpoch for component stamps.
func (sc *scratch) nextCEpoch() uint32 {
	sc.cstamp = fit(sc.cstamp, sc.nc)
	sc.cchg = fit(sc.cchg, sc.nc)
	sc.cepoch++
	if sc.cepoch == 0 {
		clear(sc.cstamp[:cap(sc.cstamp)])
		clear(sc.cchg[:cap(sc.cchg)])
		sc.cepoch = 1
	}
	return sc.cepoch
}

func (sc *scratch) nodeQueue() []int32 {
	if cap(sc.queue) < sc.n {
		sc.queue = make([]int32, 0, sc.n+sc.n/16)
	}
	return sc.queue[:0]
}

func (sc *scratch) paths() (dist, par []int32) {
	sc.dist = fit(sc.dist, sc.n)
	sc.par = fit(sc.par, sc.n)
	return sc.dist, sc.par
}
