package impact

import "slices"

// maxReorders bounds the order-violating dependency additions that one
// Apply repairs eagerly; past it, the components are recomputed on first use.
const maxReorders = 8

// updateComponents returns the components of t's graph given the
// components k of the graph t was derived from, whose applications keep
// their indexes in t (applications past len(k.comp) are new), and the
// dependency changes eff that turn one graph into the other (each changes
// something; row is the consumer, col the provider, in t's indexes). It
// returns nil when repairing would cost more than recomputing on first use.
//
// What a change can do:
//   - a new application is a new singleton component, placed last;
//   - an added dependency inside a component, or towards an earlier
//     component in the order, keeps the components and the order and at
//     most adds a condensation edge;
//   - a removed dependency between components keeps the components and the
//     order and at most removes a condensation edge;
//   - a removed dependency inside a component may split it: the component
//     alone is run through Tarjan again (see split);
//   - an added dependency towards a later component breaks the order, and
//     closes a cycle when the provider already depends on the consumer:
//     the affected components are reordered, and the cycle's components
//     merged, as in Pearce and Kelly's dynamic topological order (see
//     reorder).
//
// Components keep their ids throughout, so only what changed is written:
// the order entries that move, the members of new, split or merged
// components, and the condensation rows of components whose members, or
// their providers' components, changed.
func updateComponents(k *components, t *Snapshot, eff []edge) *components {
	r := &repair{g: t, k: k, comp: k.comp, order: k.order, pos: k.pos, nids: k.ids()}
	if n := len(t.ids); n > len(k.comp) {
		r.extend(n)
	}
	var splits []int32 // components that may split
	var cross []edge   // additions between components
	for _, e := range eff {
		c, p := r.comp[e.row], r.comp[e.col]
		switch {
		case c != p:
			r.dirty = append(r.dirty, e.row)
			if e.add {
				cross = append(cross, e)
			}
		case !e.add:
			splits = append(splits, c)
		}
	}

	// The order is now valid for the new graph without cross, and so,
	// after each step below, for the new graph without cross[i+1:].
	slices.Sort(splits)
	for _, c := range slices.Compact(splits) {
		r.split(c)
	}
	reorders := 0
	for i, e := range cross {
		if r.pos[r.comp[e.col]] <= r.pos[r.comp[e.row]] {
			continue // consistent with the current order
		}
		if reorders == maxReorders {
			return nil
		}
		reorders++
		r.reorder(e, cross[i+1:])
	}
	if retired := int(r.nids) - len(r.order); retired > 64 && retired > len(r.order)/8 {
		return nil // leave it to a fresh Tarjan to number them densely
	}
	return r.finish()
}

// repair carries components through the steps of updateComponents. The
// arrays of k are never written: comp, order and pos are copied on first
// change, and new member lists are kept aside until finish.
type repair struct {
	g *Snapshot   // the new graph
	k *components // the components repaired

	comp       []int32 // k.comp, or a changed copy
	order, pos []int32 // k.order and k.pos, or changed copies
	ownComp    bool
	ownOrder   bool
	nids       int32             // component ids in use, retired ones included
	mem        map[int32][]int32 // changed member lists by id, empty for retired ids
	retired    []int32
	// Applications whose component's condensation row must be recomputed
	// from the dependencies: consumers of changed dependencies, members of
	// split or merged components and their consumers.
	dirty []int32
}

func (r *repair) members(c int32) []int32 {
	if m, ok := r.mem[c]; ok {
		return m
	}
	return r.k.members(c)
}

func (r *repair) setMembers(c int32, m []int32) {
	if r.mem == nil {
		r.mem = make(map[int32][]int32)
	}
	r.mem[c] = m
}

func (r *repair) setComp(v, c int32) {
	if !r.ownComp {
		r.comp, r.ownComp = slices.Clone(r.comp), true
	}
	r.comp[v] = c
}

func (r *repair) ownOrderPos() {
	if !r.ownOrder {
		r.order, r.pos, r.ownOrder = slices.Clone(r.order), slices.Clone(r.pos), true
	}
}

// newID returns a fresh component id, without position yet.
func (r *repair) newID() int32 {
	r.ownOrderPos()
	r.pos = append(r.pos, -1)
	r.nids++
	return r.nids - 1
}

// touch marks the members of component c, and their consumers, dirty.
func (r *repair) touch(c int32) {
	for _, v := range r.members(c) {
		r.dirty = append(r.dirty, v)
		r.dirty = append(r.dirty, r.g.cons[r.g.consOff[v]:r.g.consOff[v+1]]...)
	}
}

// extend adds the applications len(r.comp)..n-1 as singleton components,
// placed last.
func (r *repair) extend(n int) {
	comp := make([]int32, n)
	copy(comp, r.comp)
	n0 := len(r.comp)
	r.comp, r.ownComp = comp, true
	for v := int32(n0); v < int32(n); v++ {
		c := r.newID()
		r.comp[v] = c
		r.setMembers(c, []int32{v})
		r.pos[c] = int32(len(r.order))
		r.order = append(r.order, c)
	}
}

// split recomputes component c, which lost a dependency between two of its
// members, by running Tarjan over the dependencies among its members. When
// it falls apart, its pieces take its place in the order, in their own
// topological order: a piece can only depend on earlier pieces, or on what
// the whole component depended on, which comes before it. The first piece
// keeps the id.
func (r *repair) split(c int32) {
	mem := r.members(c)
	prov, provOff := r.g.prov, r.g.provOff
	loff := make([]int32, 1, len(mem)+1)
	var ladj []int32
	for _, v := range mem {
		for _, w := range prov[provOff[v]:provOff[v+1]] {
			if r.comp[w] == c {
				j, _ := slices.BinarySearch(mem, w)
				ladj = append(ladj, int32(j))
			}
		}
		loff = append(loff, int32(len(ladj)))
	}
	local, m := tarjan(loff, ladj)
	if m == 1 {
		return
	}
	r.touch(c)
	ids := make([]int32, m)
	ids[0] = c
	for j := int32(1); j < m; j++ {
		ids[j] = r.newID()
	}
	lists := make([][]int32, m)
	for i, v := range mem {
		p := local[i]
		lists[p] = append(lists[p], v)
		if p != 0 {
			r.setComp(v, ids[p])
		}
	}
	for j, l := range lists {
		r.setMembers(ids[j], l)
	}
	at := r.pos[c]
	r.order = slices.Insert(r.order, int(at)+1, ids[1:]...)
	for p := at; p < int32(len(r.order)); p++ {
		r.pos[r.order[p]] = p
	}
}

// reorder repairs the order after the addition of e, a dependency of a
// consumer in component C on a provider in component P placed after C, to
// the graph r.g without the dependencies pending (for which the order is
// valid). Let lo and hi be the positions of C and P.
//
// This is Pearce and Kelly's dynamic topological order on the
// condensation. F is the set of components that depend on C (C included)
// placed up to hi, B the set of those P depends on (P included) placed
// from lo; every other component keeps its place. F and B are laid out in
// the positions they held, each in its previous order, B's first, so a
// component of B only moves earlier and one of F only moves later. That
// keeps every dependency right: a component outside F and B that depends
// on one of F is placed after hi (else it would be in F), one that B
// depends on before lo (else in B); one depended on by F, or depending on
// B, was already on the right side and the move only widens the gap. No
// component of B depends on one of F unless it is in both: F and B meet
// exactly when P already depended on C, and the new dependency closes a
// cycle through the components in both. Those merge into C, placed between
// B and F, and their other ids retire.
func (r *repair) reorder(e edge, pending []edge) {
	g := r.g
	C, P := r.comp[e.row], r.comp[e.col]
	lo, hi := r.pos[C], r.pos[P]
	skip := pendingSet(pending)
	const inF, inB = 1, 2
	mark := make([]uint8, r.nids)

	fw := []int32{C}
	mark[C] = inF
	for h := 0; h < len(fw); h++ {
		for _, v := range r.members(fw[h]) {
			for _, u := range g.cons[g.consOff[v]:g.consOff[v+1]] {
				y := r.comp[u]
				if mark[y]&inF != 0 || r.pos[y] > hi || (skip != nil && skip[[2]int32{u, v}]) {
					continue
				}
				mark[y] |= inF
				fw = append(fw, y)
			}
		}
	}
	bw := []int32{P}
	mark[P] |= inB
	for h := 0; h < len(bw); h++ {
		for _, v := range r.members(bw[h]) {
			for _, w := range g.prov[g.provOff[v]:g.provOff[v+1]] {
				y := r.comp[w]
				if mark[y]&inB != 0 || r.pos[y] < lo || (skip != nil && skip[[2]int32{v, w}]) {
					continue
				}
				mark[y] |= inB
				bw = append(bw, y)
			}
		}
	}

	// The positions of F and B, ascending: sorted when few, else found by
	// a scan of [lo, hi].
	var slots []int32
	if 8*(len(fw)+len(bw)) < int(hi-lo) {
		for _, c := range fw {
			slots = append(slots, r.pos[c])
		}
		for _, c := range bw {
			if mark[c]&inF == 0 {
				slots = append(slots, r.pos[c])
			}
		}
		slices.Sort(slots)
	} else {
		for p := lo; p <= hi; p++ {
			if mark[r.order[p]] != 0 {
				slots = append(slots, p)
			}
		}
	}
	var seq, fOnly, both []int32 // seq: B's components, then the rest
	for _, p := range slots {
		switch c := r.order[p]; mark[c] {
		case inB:
			seq = append(seq, c)
		case inF:
			fOnly = append(fOnly, c)
		default:
			both = append(both, c)
		}
	}
	r.ownOrderPos()
	if len(both) == 0 {
		seq = append(seq, fOnly...)
		for i, p := range slots {
			r.order[p], r.pos[seq[i]] = seq[i], p
		}
		return
	}

	// Merge the cycle into C.
	var mem []int32
	for _, c := range both {
		r.touch(c)
		mem = append(mem, r.members(c)...)
	}
	slices.Sort(mem)
	for _, c := range both {
		if c == C {
			continue
		}
		for _, v := range r.members(c) {
			r.setComp(v, C)
		}
		r.setMembers(c, nil)
		r.pos[c] = -1
		r.retired = append(r.retired, c)
	}
	r.setMembers(C, mem)
	// B's components, C, the freed slots, then F's; then close up.
	seq = append(seq, C)
	for range len(both) - 1 {
		seq = append(seq, -1)
	}
	seq = append(seq, fOnly...)
	for i, p := range slots {
		r.order[p] = seq[i]
	}
	first := slots[0]
	kept := r.order[:first]
	for _, c := range r.order[first:] {
		if c >= 0 {
			kept = append(kept, c)
		}
	}
	r.order = kept
	for p := first; p < int32(len(r.order)); p++ {
		r.pos[r.order[p]] = p
	}
}

// finish builds the repaired components.
func (r *repair) finish() *components {
	k := r.k
	x := &components{comp: r.comp, order: r.order, pos: r.pos, cycles: k.cycles}
	nids := int(r.nids)
	x.compOff, x.compMem = k.compOff, k.compMem
	if len(r.mem) > 0 {
		edits := make([]rowEdit, 0, len(r.mem))
		for c, m := range r.mem {
			edits = append(edits, rowEdit{c, m})
		}
		slices.SortFunc(edits, func(a, b rowEdit) int { return int(a.row - b.row) })
		x.compOff, x.compMem = replaceRows(k.compOff, k.compMem, nids, edits)

		// Cycles: the unchanged ones, and changed components of two or more.
		var cycles []int32
		for _, c := range k.cycles {
			if _, changed := r.mem[c]; !changed {
				cycles = append(cycles, c)
			}
		}
		for c, m := range r.mem {
			if len(m) >= 2 {
				cycles = append(cycles, c)
			}
		}
		slices.SortFunc(cycles, func(a, b int32) int { return int(x.members(a)[0] - x.members(b)[0]) })
		x.cycles = cycles
	}

	rows := make([]int32, 0, len(r.dirty)+len(r.retired))
	for _, v := range r.dirty {
		rows = append(rows, x.comp[v])
	}
	rows = append(rows, r.retired...)
	slices.Sort(rows)
	rows = slices.Compact(rows)
	var edits []rowEdit
	for _, c := range rows {
		row := x.condensationRow(c, r.g.provOff, r.g.prov)
		if c < k.ids() {
			old := slices.Clone(k.cprov[k.cprovOff[c]:k.cprovOff[c+1]])
			if slices.Sort(old); slices.Equal(old, row) {
				continue // say, a dependency doubling an existing condensation edge
			}
		}
		edits = append(edits, rowEdit{c, row})
	}
	x.cprovOff, x.cprov = replaceRows(k.cprovOff, k.cprov, nids, edits)
	return x
}

// condensationRow computes the distinct provider components of c, ascending.
func (k *components) condensationRow(c int32, provOff, prov []int32) []int32 {
	var row []int32
	for _, v := range k.members(c) {
		for _, w := range prov[provOff[v]:provOff[v+1]] {
			if d := k.comp[w]; d != c {
				row = append(row, d)
			}
		}
	}
	slices.Sort(row)
	return slices.Compact(row)
}

// pendingSet returns the (consumer, provider) pairs of pending, nil when
// there are none.
func pendingSet(pending []edge) map[[2]int32]bool {
	if len(pending) == 0 {
		return nil
	}
	set := make(map[[2]int32]bool, len(pending))
	for _, e := range pending {
		set[[2]int32{e.row, e.col}] = true
	}
	return set
}
