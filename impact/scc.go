package impact

// buildComponents runs an iterative Tarjan over the dependsOn direction and
// fills comp, compOff/compMem, the condensation cprovOff/cprov and cycles.
//
// Tarjan completes a component only after every component reachable from it,
// so component numbers form a topological order of the condensation with
// providers first: for a dependency c -> p across components, comp[p] <
// comp[c].
func (s *Snapshot) buildComponents() {
	n := int32(len(s.ids))
	provOff, prov := s.provOff, s.prov

	comp := make([]int32, n)
	for i := range comp {
		comp[i] = -1
	}
	num := make([]int32, n) // DFS discovery number + 1; 0 = unvisited
	low := make([]int32, n)
	var stack []int32 // Tarjan stack: visited, not yet assigned to a component
	type frame struct{ v, e int32 }
	var call []frame // explicit DFS call stack; e = next edge to explore
	counter, nc := int32(0), int32(0)

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
	num, low, stack, call = nil, nil, nil, nil

	// Members per component; walking nodes ascending sorts each list.
	compOff := make([]int32, nc+1)
	for _, c := range comp {
		compOff[c+1]++
	}
	for c := int32(1); c <= nc; c++ {
		compOff[c] += compOff[c-1]
	}
	compMem := make([]int32, n)
	fill := make([]int32, nc)
	copy(fill, compOff[:nc])
	for v := int32(0); v < n; v++ {
		c := comp[v]
		compMem[fill[c]] = v
		fill[c]++
	}

	// Condensation edges, de-duplicated with a per-component mark.
	mark := fill
	for i := range mark {
		mark[i] = -1
	}
	cprovOff := make([]int32, nc+1)
	cprov := make([]int32, 0, len(prov)/2+1)
	for c := int32(0); c < nc; c++ {
		for _, v := range compMem[compOff[c]:compOff[c+1]] {
			for _, w := range prov[provOff[v]:provOff[v+1]] {
				if d := comp[w]; d != c && mark[d] != c {
					mark[d] = c
					cprov = append(cprov, d)
				}
			}
		}
		cprovOff[c+1] = int32(len(cprov))
	}

	var cycles []int32
	for v := int32(0); v < n; v++ {
		c := comp[v]
		if compMem[compOff[c]] == v && compOff[c+1]-compOff[c] >= 2 {
			cycles = append(cycles, c)
		}
	}

	s.comp, s.compOff, s.compMem = comp, compOff, compMem
	s.cprovOff, s.cprov = cprovOff, cprov
	s.cycles = cycles
}

// Cycles returns every strongly connected component with at least two
// applications (every group of applications that depend on each other,
// directly or indirectly), each sorted by id, the components sorted by their
// smallest id. Nil when the graph is acyclic. The caller owns the result.
func (s *Snapshot) Cycles() [][]int {
	if len(s.cycles) == 0 {
		return nil
	}
	total := 0
	for _, c := range s.cycles {
		total += int(s.compOff[c+1] - s.compOff[c])
	}
	flat := make([]int, total)
	out := make([][]int, len(s.cycles))
	off := 0
	for k, c := range s.cycles {
		mem := s.compMem[s.compOff[c]:s.compOff[c+1]]
		part := flat[off : off+len(mem) : off+len(mem)]
		for j, v := range mem {
			part[j] = s.ids[v]
		}
		out[k] = part
		off += len(mem)
	}
	return out
}
