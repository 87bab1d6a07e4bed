package impact

// components are the strongly connected components of a snapshot's graph
// and its condensation. They are immutable once built and may be shared by
// snapshots derived with [Snapshot.Apply].
//
// A component is known by an id that indexes the arrays below; its place in
// the topological order is separate (order and pos), so that Apply can
// reorder components without renumbering them. Tarjan's ids are their
// positions; ids retired by Apply (components merged into another) have no
// members and no position.
type components struct {
	// comp[i] is the component of application i.
	comp []int32
	// Members of component c: compMem[compOff[c]:compOff[c+1]], ascending.
	compOff []int32
	compMem []int32
	// Condensation: distinct provider components of component c,
	// cprov[cprovOff[c]:cprovOff[c+1]], in no particular order.
	cprovOff []int32
	cprov    []int32
	// order lists the live components in a topological order of the
	// condensation, providers first; pos[c] is the index of c in order (-1
	// for a retired id). For every dependency x -> y between components,
	// pos[comp[y]] < pos[comp[x]].
	order []int32
	pos   []int32
	// Components with at least two members, ordered by smallest member.
	cycles []int32
}

// ids returns the number of component ids, retired ones included: the size
// of arrays indexed by component.
func (k *components) ids() int32 { return int32(len(k.compOff) - 1) }

// members returns the applications of component c, ascending.
func (k *components) members(c int32) []int32 { return k.compMem[k.compOff[c]:k.compOff[c+1]] }

// bytes is the size of the arrays.
func (k *components) bytes() int {
	return 4 * (cap(k.comp) + cap(k.compOff) + cap(k.compMem) + cap(k.cprovOff) + cap(k.cprov) +
		cap(k.order) + cap(k.pos) + cap(k.cycles))
}

// buildComponents computes the components of the graph whose providers
// are given in CSR form.
func buildComponents(provOff, prov []int32) *components {
	comp, nc := tarjan(provOff, prov)
	k := &components{comp: comp}
	k.compOff, k.compMem = groupMembers(comp, nc)
	k.condense(provOff, prov)
	k.order = make([]int32, nc)
	for c := range nc {
		k.order[c] = c
	}
	k.pos = k.order
	k.findCycles()
	return k
}

// tarjan runs an iterative Tarjan over the dependsOn direction of the graph
// whose providers are given in CSR form, and returns the component of each
// node and the number of components.
//
// Tarjan completes a component only after every component reachable from it,
// so component numbers form a topological order of the condensation with
// providers first: for a dependency c -> p across components, comp[p] <
// comp[c].
func tarjan(provOff, prov []int32) (comp []int32, nc int32) {
	n := int32(len(provOff) - 1)
	comp = make([]int32, n)
	for i := range comp {
		comp[i] = -1
	}
	num := make([]int32, n) // DFS discovery number + 1; 0 = unvisited
	low := make([]int32, n)
	var stack []int32 // Tarjan stack: visited, not yet assigned to a component
	type frame struct{ v, e int32 }
	var call []frame // explicit DFS call stack; e = next edge to explore
	counter := int32(0)

	for root := int32(0); root < n; root++ {
		if num[root] != 0 {
			continue
		}
		counter++
		num[root], low[root] = counter, counter
		stack = append(stack, root)
		call = append(call, frame{root, provOff[root]})
		for len(call) > 0 {
			top := len(call) - 1
			v := call[top].v
			if e := call[top].e; e < provOff[v+1] {
				call[top].e++
				w := prov[e]
				if num[w] == 0 {
					counter++
					num[w], low[w] = counter, counter
					stack = append(stack, w)
					call = append(call, frame{w, provOff[w]})
				} else if comp[w] < 0 && num[w] < low[v] {
					// w is still on the Tarjan stack.
					low[v] = num[w]
				}
				continue
			}
			call = call[:top]
			if top > 0 {
				if u := call[top-1].v; low[v] < low[u] {
					low[u] = low[v]
				}
			}
			if low[v] == num[v] {
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					comp[w] = nc
					if w == v {
						break
					}
				}
				nc++
			}
		}
	}
	return comp, nc
}

// groupMembers lists the members of each of the nc components of comp in
// CSR form; walking nodes ascending sorts each list.
func groupMembers(comp []int32, nc int32) (compOff, compMem []int32) {
	compOff = make([]int32, nc+1)
	for _, c := range comp {
		compOff[c+1]++
	}
	for c := int32(1); c <= nc; c++ {
		compOff[c] += compOff[c-1]
	}
	compMem = make([]int32, len(comp))
	fill := make([]int32, nc)
	copy(fill, compOff[:nc])
	for v, c := range comp {
		compMem[fill[c]] = int32(v)
		fill[c]++
	}
	return compOff, compMem
}

// condense fills the condensation from comp and the members; edges are
// de-duplicated with a per-component mark.
func (k *components) condense(provOff, prov []int32) {
	nc := k.ids()
	comp := k.comp
	mark := make([]int32, nc)
	for i := range mark {
		mark[i] = -1
	}
	cprovOff := make([]int32, nc+1)
	cprov := make([]int32, 0, len(prov)/2+1)
	for c := int32(0); c < nc; c++ {
		for _, v := range k.members(c) {
			for _, w := range prov[provOff[v]:provOff[v+1]] {
				if d := comp[w]; d != c && mark[d] != c {
					mark[d] = c
					cprov = append(cprov, d)
				}
			}
		}
		cprovOff[c+1] = int32(len(cprov))
	}
	k.cprovOff, k.cprov = cprovOff, cprov
}

// findCycles fills cycles from comp and the members.
func (k *components) findCycles() {
	var cycles []int32
	for v, c := range k.comp {
		if k.compMem[k.compOff[c]] == int32(v) && k.compOff[c+1]-k.compOff[c] >= 2 {
			cycles = append(cycles, c)
		}
	}
	k.cycles = cycles
}

// Cycles returns every strongly connected component with at least two
// applications (every group of applications that depend on each other,
// directly or indirectly), each sorted by id, the components sorted by their
// smallest id. Nil when the graph is acyclic. The caller owns the result.
func (s *Snapshot) Cycles() [][]int {
	k := s.components()
	if len(k.cycles) == 0 {
		return nil
	}
	total := 0
	for _, c := range k.cycles {
		total += int(k.compOff[c+1] - k.compOff[c])
	}
	flat := make([]int, total)
	out := make([][]int, len(k.cycles))
	off := 0
	for j, c := range k.cycles {
		mem := k.members(c)
		part := flat[off : off+len(mem) : off+len(mem)]
		for i, v := range mem {
			part[i] = s.ids[v]
		}
		out[j] = part
		off += len(mem)
	}
	return out
}
