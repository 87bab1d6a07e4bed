package store

import (
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/relgraph/relgraph/impact"
)

// A board refreshing a release asks for the same impact again and again
// while the graph stands still. Each Graph therefore remembers the ordered
// impacts it computed, keyed by the changed applications and the depth: a
// repeat costs a map lookup instead of a traversal and a sort. The memory is
// bounded (memoBudget); a new generation starts with an empty memo, so a
// write never serves a stale answer.

// memoBudget bounds the bytes of the impacts one graph remembers; answers
// larger than a quarter of it are not remembered.
const memoBudget = 32 << 20

// impactMemo is one graph's remembered impacts.
type impactMemo struct {
	mu    sync.Mutex
	byKey map[string][]impact.Impacted
	bytes int
}

// Impact is Snapshot.Impact in the contract's order: by distance, then by
// name. The result is shared with other callers: do not modify it.
func (g *Graph) Impact(changed []int, maxDepth int) []impact.Impacted {
	if !ascendingUnique(changed) {
		changed = uniqueSorted(changed)
	}
	key := memoKey(changed, maxDepth)
	g.memo.mu.Lock()
	items, ok := g.memo.byKey[key]
	g.memo.mu.Unlock()
	if ok {
		return items
	}
	items = g.Snapshot.Impact(changed, maxDepth)
	g.orderByName(items)
	size := impactBytes(items)
	if size > memoBudget/4 {
		return items
	}
	g.memo.mu.Lock()
	defer g.memo.mu.Unlock()
	if g.memo.byKey == nil || g.memo.bytes+size > memoBudget {
		g.memo.byKey, g.memo.bytes = map[string][]impact.Impacted{}, 0
	}
	if _, raced := g.memo.byKey[key]; !raced {
		g.memo.byKey[key] = items
		g.memo.bytes += size
	}
	return items
}

// orderByName sorts each distance's run of items (the engine orders them
// by distance, then id) by application name, unique, so no further key.
func (g *Graph) orderByName(items []impact.Impacted) {
	type named struct {
		name string
		item impact.Impacted
	}
	var run []named
	for lo := 0; lo < len(items); {
		hi := lo + 1
		for hi < len(items) && items[hi].Distance == items[lo].Distance {
			hi++
		}
		if hi-lo > 1 {
			run = run[:0]
			for _, it := range items[lo:hi] {
				var name string
				if a, ok := g.record(it.ID); ok {
					name = a.Name
				}
				run = append(run, named{name, it})
			}
			slices.SortFunc(run, func(a, b named) int { return strings.Compare(a.name, b.name) })
			for i, n := range run {
				items[lo+i] = n.item
			}
		}
		lo = hi
	}
}

func ascendingUnique(ids []int) bool {
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			return false
		}
	}
	return true
}

func memoKey(changed []int, maxDepth int) string {
	buf := make([]byte, 0, 8*len(changed)+8)
	buf = strconv.AppendInt(buf, int64(maxDepth), 36)
	for _, id := range changed {
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(id), 36)
	}
	return string(buf)
}

// impactBytes estimates the memory items hold.
func impactBytes(items []impact.Impacted) int {
	n := 40 * len(items)
	for _, it := range items {
		n += 8 * len(it.Path)
	}
	return n
}
