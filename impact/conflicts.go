package impact

import (
	"cmp"
	"math/bits"
	"slices"
	"time"
)

// Window is a half-open time interval [Start, End): a release's or a
// deployment's window, a freeze, or the range a query asks about. It is the
// one time-window type of relgraph. A zero Start or End leaves that end
// open, as in a query for everything after a date.
type Window struct {
	Start, End time.Time
}

// Overlaps reports whether w and o share an instant. Half-open: a window
// ending exactly when the other starts does not overlap it.
func (w Window) Overlaps(o Window) bool {
	return (w.End.IsZero() || o.Start.IsZero() || o.Start.Before(w.End)) &&
		(o.End.IsZero() || w.Start.IsZero() || w.Start.Before(o.End))
}

// Overlap is the common part of w and o: the later start and the earlier
// end. Meaningful only when they overlap.
func (w Window) Overlap(o Window) Window {
	out := w
	if o.Start.After(out.Start) {
		out.Start = o.Start
	}
	if out.End.IsZero() || (!o.End.IsZero() && o.End.Before(out.End)) {
		out.End = o.End
	}
	return out
}

// Release is a planned change: the applications it changes and when. The
// caller passes only releases that are not cancelled and have both window
// ends set.
type Release struct {
	// ID identifies the release in the resulting conflicts.
	ID int
	// Window is when the release happens.
	Window Window
	// Changed lists the applications the release changes; unknown ids are
	// ignored.
	Changed []int
}

// Conflict is a pair of releases whose windows overlap and whose impacts
// share at least one application.
type Conflict struct {
	// A and B are the release ids, A < B.
	A, B int
	// OverlapStart and OverlapEnd delimit the common part of both windows:
	// the later start and the earlier end.
	OverlapStart, OverlapEnd time.Time
	// Shared lists, ascending, the applications in both releases'
	// unbounded impacts.
	Shared []int
}

// Conflicts returns every pair of releases whose windows overlap
// (half-open: a.Start < b.End && b.Start < a.End, so a window ending exactly
// when another starts does not overlap it) and whose unbounded impacts (see
// [Snapshot.ImpactSet]) share at least one application, sorted by (A, B).
// Nil when there is none. The caller owns the result; the Shared slices share
// one backing array.
//
// Releases are sorted by start and swept, so only pairs whose windows overlap
// are compared. The impact of every release in such a pair is computed once,
// 64 releases at a time, by propagating one bit per release along the
// condensation in topological order; each impact is then kept as a sorted
// index slice when small or as a word-range bitset when large, and each pair
// is intersected accordingly.
func (s *Snapshot) Conflicts(releases []Release) []Conflict {
	if len(releases) < 2 || len(s.ids) == 0 {
		return nil
	}

	// Sweep in start order; active holds the releases whose window may still
	// overlap a later start.
	order := make([]int32, len(releases))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := releases[a].Window.Start.Compare(releases[b].Window.Start); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	type pair struct{ a, b int32 }
	var pairs []pair
	var active []int32
	for _, j := range order {
		cur := &releases[j].Window
		keep := active[:0]
		for _, i := range active {
			a := &releases[i].Window
			// Every later start is >= cur.Start >= a.End: a is done.
			if !a.End.After(cur.Start) {
				continue
			}
			keep = append(keep, i)
			if a.Start.Before(cur.End) && cur.Start.Before(a.End) {
				pairs = append(pairs, pair{i, j})
			}
		}
		active = append(keep, j)
	}
	if len(pairs) == 0 {
		return nil
	}

	// Compute the impact of each release that takes part in a pair, once.
	slot := make([]int32, len(releases))
	for i := range slot {
		slot[i] = -1
	}
	var need []int32
	for _, p := range pairs {
		for _, x := range [2]int32{p.a, p.b} {
			if slot[x] < 0 {
				slot[x] = int32(len(need))
				need = append(need, x)
			}
		}
	}
	cs := s.components()
	sc := s.getScratchC(cs)
	defer s.putScratch(sc)
	sets := s.impactSets(cs, sc, releases, need)

	// Two passes over the pairs: count each intersection, then fill one
	// exactly sized array (outputs can hold millions of ids; growing a
	// slice would copy them several times). Hits are sorted as small
	// pointer-free records before the conflicts are materialized.
	type hit struct {
		a, b   int   // release ids, a < b
		ra, rb int32 // release positions
		cnt    int
	}
	var hits []hit
	total := 0
	for _, p := range pairs {
		a, b := sets[slot[p.a]], sets[slot[p.b]]
		if a.count == 0 || b.count == 0 {
			continue
		}
		cnt := s.intersect(sc, a, b, nil)
		if cnt == 0 {
			continue
		}
		h := hit{a: releases[p.a].ID, b: releases[p.b].ID, ra: p.a, rb: p.b, cnt: cnt}
		if h.b < h.a {
			h.a, h.b = h.b, h.a
		}
		hits = append(hits, h)
		total += cnt
	}
	if len(hits) == 0 {
		return nil
	}
	overlap := func(h hit) (time.Time, time.Time) {
		x, y := &releases[h.ra].Window, &releases[h.rb].Window
		start, end := x.Start, x.End
		if y.Start.After(start) {
			start = y.Start
		}
		if y.End.Before(end) {
			end = y.End
		}
		return start, end
	}
	slices.SortFunc(hits, func(x, y hit) int {
		if c := cmp.Compare(x.a, y.a); c != 0 {
			return c
		}
		if c := cmp.Compare(x.b, y.b); c != 0 {
			return c
		}
		// Only with duplicate release ids.
		xs, xe := overlap(x)
		ys, ye := overlap(y)
		if c := xs.Compare(ys); c != 0 {
			return c
		}
		if c := xe.Compare(ye); c != 0 {
			return c
		}
		if c := cmp.Compare(min(x.ra, x.rb), min(y.ra, y.rb)); c != 0 {
			return c
		}
		return cmp.Compare(max(x.ra, x.rb), max(y.ra, y.rb))
	})
	out := make([]Conflict, len(hits))
	shared := make([]int, total)
	off := 0
	for k, h := range hits {
		dst := shared[off : off+h.cnt : off+h.cnt]
		s.intersect(sc, sets[slot[h.ra]], sets[slot[h.rb]], dst)
		off += h.cnt
		start, end := overlap(h)
		out[k] = Conflict{A: h.a, B: h.b, OverlapStart: start, OverlapEnd: end, Shared: dst}
	}
	return out
}

// relSet is one release's impact inside a scratch arena: either count
// sorted indexes at sc.sparse[off:], or the bitset words [lo, hi) (all other
// words zero) at sc.dense[off:].
type relSet struct {
	count  int32
	sparse bool
	off    int32
	lo, hi int32
}

// impactSets computes the unbounded impact of releases[need[k]] for every k.
func (s *Snapshot) impactSets(cs *components, sc *scratch, releases []Release, need []int32) []relSet {
	n := len(s.ids)
	nc := cs.ids()
	words := (n + 63) / 64
	sc.cmask = fit(sc.cmask, int(nc))
	nb := min(64, len(need))
	if cap(sc.tbuf) < nb*words {
		sc.tbuf = make([]uint64, nb*words)
	}
	tbuf := sc.tbuf[:nb*words]
	cm := sc.cmask
	dense, sparse := sc.dense[:0], sc.sparse[:0]
	sets := make([]relSet, len(need))
	var blk [64]uint64

	for b0 := 0; b0 < len(need); b0 += 64 {
		batch := need[b0:min(b0+64, len(need))]

		// Seed: bit r on the component of every application release r changes.
		clear(cm)
		minP := int32(len(cs.order))
		for r, ri := range batch {
			bit := uint64(1) << r
			for _, id := range releases[ri].Changed {
				if i, ok := s.index[id]; ok {
					c := cs.comp[i]
					cm[c] |= bit
					minP = min(minP, cs.pos[c])
				}
			}
		}
		// Propagate to consumers: providers come first in topological order,
		// so each mask is final when read. Components before minP reach no
		// seed and stay zero.
		for _, c := range cs.order[minP:] {
			m := cm[c]
			for _, d := range cs.cprov[cs.cprovOff[c]:cs.cprovOff[c+1]] {
				m |= cm[d]
			}
			cm[c] = m
		}
		// Transpose 64 applications × 64 releases at a time into one bitset
		// per release.
		for w := 0; w < words; w++ {
			base := w << 6
			nodes := cs.comp[base:min(base+64, n)]
			var any uint64
			for j, c := range nodes {
				x := cm[c]
				blk[j] = x
				any |= x
			}
			if any == 0 {
				for r := range batch {
					tbuf[r*words+w] = 0
				}
				continue
			}
			clear(blk[len(nodes):])
			transpose64(&blk)
			for r := range batch {
				tbuf[r*words+w] = blk[r]
			}
		}
		// Store each bitset in its cheaper form.
		for r := range batch {
			bs := tbuf[r*words : (r+1)*words]
			lo, hi, cnt := -1, 0, 0
			for k, x := range bs {
				if x != 0 {
					if lo < 0 {
						lo = k
					}
					hi = k + 1
					cnt += bits.OnesCount64(x)
				}
			}
			set := relSet{count: int32(cnt)}
			switch {
			case cnt == 0:
			case cnt <= 2*(hi-lo): // 4 bytes per index vs 8 per word
				set.sparse, set.off = true, int32(len(sparse))
				for k, x := range bs[lo:hi] {
					for x != 0 {
						sparse = append(sparse, int32((lo+k)<<6|bits.TrailingZeros64(x)))
						x &= x - 1
					}
				}
			default:
				set.off, set.lo, set.hi = int32(len(dense)), int32(lo), int32(hi)
				dense = append(dense, bs[lo:hi]...)
			}
			sets[b0+r] = set
		}
	}
	sc.dense, sc.sparse = dense, sparse
	return sets
}

// intersect counts the applications in both a and b and, when out is not
// nil, writes their ids to out (exactly that long), ascending.
func (s *Snapshot) intersect(sc *scratch, a, b relSet, out []int) int {
	ids := s.ids
	n := 0
	switch {
	case a.sparse && b.sparse:
		x := sc.sparse[a.off : a.off+a.count]
		y := sc.sparse[b.off : b.off+b.count]
		for len(x) > 0 && len(y) > 0 {
			switch {
			case x[0] < y[0]:
				x = x[1:]
			case x[0] > y[0]:
				y = y[1:]
			default:
				if out != nil {
					out[n] = ids[x[0]]
				}
				n++
				x, y = x[1:], y[1:]
			}
		}
	case a.sparse || b.sparse:
		if b.sparse {
			a, b = b, a
		}
		words := sc.dense[b.off : b.off+b.hi-b.lo]
		for _, i := range sc.sparse[a.off : a.off+a.count] {
			k := i>>6 - b.lo
			if k >= 0 && k < int32(len(words)) && words[k]&(1<<(i&63)) != 0 {
				if out != nil {
					out[n] = ids[i]
				}
				n++
			}
		}
	default:
		lo, hi := max(a.lo, b.lo), min(a.hi, b.hi)
		x := sc.dense[a.off+lo-a.lo : a.off+hi-a.lo]
		y := sc.dense[b.off+lo-b.lo : b.off+hi-b.lo]
		y = y[:len(x)]
		if out == nil {
			for k := range x {
				n += bits.OnesCount64(x[k] & y[k])
			}
			return n
		}
		for k := range x {
			w := x[k] & y[k]
			base := int(lo+int32(k)) << 6
			for w != 0 {
				out[n] = ids[base|bits.TrailingZeros64(w)]
				n++
				w &= w - 1
			}
		}
	}
	return n
}

// transpose64 transposes a 64×64 bit matrix in place: on return, bit j of
// a[i] is what bit i of a[j] was.
func transpose64(a *[64]uint64) {
	m := uint64(0x00000000FFFFFFFF)
	for j := 32; j != 0; j >>= 1 {
		for k := 0; k < 64; k = (k + j + 1) &^ j {
			t := (a[k]>>j ^ a[k+j]) & m
			a[k+j] ^= t
			a[k] ^= t << j
		}
		m ^= m << (j >> 1)
	}
}
