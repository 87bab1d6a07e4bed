package ent

// NodeTable names the table of the type a universal id belongs to, as
// Noder resolves it, without reading anything; false for an id outside
// every type's range. (Written by hand, not generated: it lets callers
// route an id before choosing how to load it.)
func NodeTable(id int) (string, bool) {
	table, ok := nodeTypes[int(id/(1<<32-1))<<32]
	return table, ok
}
