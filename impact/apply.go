package impact

import (
	"cmp"
	"maps"
	"slices"
)

// Delta is a set of writes to apply to a snapshot with [Snapshot.Apply]:
// removals first, then additions.
type Delta struct {
	// AddApps and RemoveApps are application ids. Removing an application
	// removes its dependencies; removing and adding the same id leaves it
	// without dependencies (but for those in AddDeps).
	AddApps, RemoveApps []int
	// AddDeps and RemoveDeps are applied after the application changes.
	AddDeps, RemoveDeps []Dependency
}

// rebuildMinOps is the size from which a delta that is also large relative
// to the graph is applied by rebuilding the snapshot with NewSnapshot.
const rebuildMinOps = 64

// Apply returns a new snapshot, tagged with generation, equal to the one
// NewSnapshot would build from this snapshot's applications and
// dependencies with d applied: removals first, then additions, under the
// rules of NewSnapshot (dependencies on unknown ids and self-loops are
// ignored, duplicates collapse, removing an absent application or
// dependency is a no-op). s is not modified and stays valid for concurrent
// readers; the new snapshot shares unchanged arrays with it.
//
// Cost, for a small delta: a copy of the changed adjacency arrays (a few MB
// at 100k applications) and of the id index when applications are added;
// components are kept or repaired locally (see the package documentation).
// Adding applications whose ids are larger than every existing id is the
// fast case; removing applications or adding smaller ids renumbers the
// applications, which relabels the arrays, rebuilds the id index and leaves
// the components to be recomputed on first use. Large deltas rebuild the
// snapshot with NewSnapshot.
func (s *Snapshot) Apply(d Delta, generation int64) *Snapshot {
	ops := len(d.AddApps) + len(d.RemoveApps) + len(d.AddDeps) + len(d.RemoveDeps)
	if ops > rebuildMinOps && 8*ops > len(s.ids)+len(s.prov) {
		ids, deps := s.applied(d)
		return NewSnapshot(ids, deps, generation)
	}

	t := &Snapshot{generation: generation, pool: s.pool}
	// relabel is the new index of each application, nil when they keep it.
	var relabel []int32
	t.ids, t.index, relabel = s.withApps(d)
	n := len(t.ids)

	provOff, prov, consOff, cons := s.provOff, s.prov, s.consOff, s.cons
	if relabel != nil {
		provOff, prov = relabelCSR(provOff, prov, relabel, n)
		consOff, cons = relabelCSR(consOff, cons, relabel, n)
	}

	// Net dependency operations in new indexes, one per pair: an addition
	// wins over a removal of the same pair since it comes after it (and
	// sorts before it, so Compact keeps it).
	var edits []edge
	resolve := func(deps []Dependency, add bool) {
		for _, e := range deps {
			c, ok := t.index[e.Consumer]
			if !ok {
				continue
			}
			if p, ok := t.index[e.Provider]; ok && p != c {
				edits = append(edits, edge{c, p, add})
			}
		}
	}
	resolve(d.RemoveDeps, false)
	resolve(d.AddDeps, true)
	slices.SortFunc(edits, compareEdges)
	edits = slices.CompactFunc(edits, func(a, b edge) bool { return a.row == b.row && a.col == b.col })

	// Patch the providers, keeping the edits that change something, then
	// the consumers with those.
	rows, eff := patchRows(provOff, prov, edits)
	t.provOff, t.prov = replaceRows(provOff, prov, n, rows)
	tr := make([]edge, len(eff))
	for i, e := range eff {
		tr[i] = edge{e.col, e.row, e.add}
	}
	slices.SortFunc(tr, compareEdges)
	rows, _ = patchRows(consOff, cons, tr)
	t.consOff, t.cons = replaceRows(consOff, cons, n, rows)

	if relabel == nil {
		if k := s.scc.Load(); k != nil {
			if k = updateComponents(k, t, eff); k != nil {
				t.scc.Store(k)
			}
		}
	}
	return t
}

// withApps returns s's ids and index with d's application changes, and
// relabel: nil when every application of s keeps its index (no removal,
// additions only above the largest id), else the new index of each
// application of s, -1 for the removed ones. Unchanged ids and index are
// shared with s.
func (s *Snapshot) withApps(d Delta) (ids []int, index map[int]int32, relabel []int32) {
	var removed []int32
	for _, id := range d.RemoveApps {
		if i, ok := s.index[id]; ok {
			removed = append(removed, i)
		}
	}
	slices.Sort(removed)
	removed = slices.Compact(removed)
	isRemoved := func(id int) bool {
		i, ok := s.index[id]
		_, found := slices.BinarySearch(removed, i)
		return ok && found
	}
	var added []int
	for _, id := range d.AddApps {
		if !s.Has(id) || isRemoved(id) {
			added = append(added, id)
		}
	}
	slices.Sort(added)
	added = slices.Compact(added)

	n := len(s.ids)
	switch {
	case len(removed) == 0 && len(added) == 0:
		return s.ids, s.index, nil
	case len(removed) == 0 && (n == 0 || added[0] > s.ids[n-1]):
		ids = make([]int, n+len(added))
		copy(ids, s.ids)
		copy(ids[n:], added)
		index = maps.Clone(s.index)
		for k, id := range added {
			index[id] = int32(n + k)
		}
		return ids, index, nil
	}

	// Renumber: merge the kept ids with the added ones.
	relabel = make([]int32, n)
	ids = make([]int, 0, n-len(removed)+len(added))
	a := 0
	for i, id := range s.ids {
		for a < len(added) && added[a] < id {
			ids = append(ids, added[a])
			a++
		}
		if _, gone := slices.BinarySearch(removed, int32(i)); gone {
			relabel[i] = -1
			continue
		}
		relabel[i] = int32(len(ids))
		ids = append(ids, id)
	}
	ids = append(ids, added[a:]...)
	index = make(map[int]int32, len(ids))
	for i, id := range ids {
		index[id] = int32(i)
	}
	return ids, index, relabel
}

// applied returns s's applications and dependencies with d applied, for
// NewSnapshot.
func (s *Snapshot) applied(d Delta) ([]int, []Dependency) {
	gone := make(map[int]bool, len(d.RemoveApps))
	for _, id := range d.RemoveApps {
		gone[id] = true
	}
	cut := make(map[Dependency]bool, len(d.RemoveDeps))
	for _, e := range d.RemoveDeps {
		cut[e] = true
	}
	ids := make([]int, 0, len(s.ids)+len(d.AddApps))
	for _, id := range s.ids {
		if !gone[id] {
			ids = append(ids, id)
		}
	}
	ids = append(ids, d.AddApps...)
	deps := make([]Dependency, 0, len(s.prov)+len(d.AddDeps))
	for c, id := range s.ids {
		if gone[id] {
			continue
		}
		for _, p := range s.prov[s.provOff[c]:s.provOff[c+1]] {
			e := Dependency{Consumer: id, Provider: s.ids[p]}
			if !gone[e.Provider] && !cut[e] {
				deps = append(deps, e)
			}
		}
	}
	return ids, append(deps, d.AddDeps...)
}

// edge is an entry (row, col) of a CSR adjacency, added or removed; for the
// providers, row is the consumer and col the provider.
type edge struct {
	row, col int32
	add      bool
}

// compareEdges orders by row, then col, additions before removals.
func compareEdges(a, b edge) int {
	if c := cmp.Compare(a.row, b.row); c != 0 {
		return c
	}
	if c := cmp.Compare(a.col, b.col); c != 0 {
		return c
	}
	switch {
	case a.add == b.add:
		return 0
	case a.add:
		return -1
	}
	return 1
}

// rowEdit replaces one row of a CSR adjacency.
type rowEdit struct {
	row  int32
	vals []int32
}

// patchRows applies edits (sorted by compareEdges, one per entry) to the
// sorted rows of the CSR (off, adj); rows at or past len(off)-1 are empty.
// It returns the rows that change and the edits that change something.
func patchRows(off, adj []int32, edits []edge) (rows []rowEdit, eff []edge) {
	for len(edits) > 0 {
		r := edits[0].row
		j := 1
		for j < len(edits) && edits[j].row == r {
			j++
		}
		var old []int32
		if int(r) < len(off)-1 {
			old = adj[off[r]:off[r+1]]
		}
		before := len(eff)
		out := make([]int32, 0, len(old)+j)
		i := 0
		for _, e := range edits[:j] {
			for i < len(old) && old[i] < e.col {
				out = append(out, old[i])
				i++
			}
			present := i < len(old) && old[i] == e.col
			if present {
				i++
			}
			if e.add {
				out = append(out, e.col)
			}
			if present != e.add {
				eff = append(eff, e)
			}
		}
		if len(eff) > before {
			rows = append(rows, rowEdit{r, append(out, old[i:]...)})
		}
		edits = edits[j:]
	}
	return rows, eff
}

// replaceRows returns the CSR (off, adj) extended with empty rows to n rows
// and with the rows of edits (ascending) replaced. Without edits the
// adjacency is shared.
func replaceRows(off, adj []int32, n int, edits []rowEdit) ([]int32, []int32) {
	nOld := len(off) - 1
	if len(edits) == 0 {
		if n == nOld {
			return off, adj
		}
		noff := make([]int32, n+1)
		copy(noff, off)
		for i := nOld + 1; i <= n; i++ {
			noff[i] = off[nOld]
		}
		return noff, adj
	}
	size := len(adj)
	for _, e := range edits {
		if int(e.row) < nOld {
			size -= int(off[e.row+1] - off[e.row])
		}
		size += len(e.vals)
	}
	noff := make([]int32, n+1)
	nadj := make([]int32, size)
	w := int32(0)
	// copyRows copies rows [a, b) unchanged.
	copyRows := func(a, b int) {
		if e := min(b, nOld); a < e {
			shift := w - off[a]
			w += int32(copy(nadj[w:], adj[off[a]:off[e]]))
			for i := a; i < e; i++ {
				noff[i] = off[i] + shift
			}
			a = e
		}
		for i := a; i < b; i++ {
			noff[i] = w
		}
	}
	next := 0
	for _, e := range edits {
		copyRows(next, int(e.row))
		noff[e.row] = w
		w += int32(copy(nadj[w:], e.vals))
		next = int(e.row) + 1
	}
	copyRows(next, n)
	noff[n] = w
	return noff, nadj
}

// relabelCSR renumbers the CSR (off, adj): old row or column i becomes
// relabel[i], dropped when -1; the result has n rows. relabel must be
// increasing on the kept entries, so rows stay sorted.
func relabelCSR(off, adj []int32, relabel []int32, n int) ([]int32, []int32) {
	noff := make([]int32, n+1)
	nadj := make([]int32, 0, len(adj))
	next := int32(0) // next new row to start
	for v, r := range relabel {
		if r < 0 {
			continue
		}
		for ; next <= r; next++ {
			noff[next] = int32(len(nadj))
		}
		for _, w := range adj[off[v]:off[v+1]] {
			if x := relabel[w]; x >= 0 {
				nadj = append(nadj, x)
			}
		}
	}
	for ; int(next) <= n; next++ {
		noff[next] = int32(len(nadj))
	}
	return noff, slices.Clip(nadj)
}
