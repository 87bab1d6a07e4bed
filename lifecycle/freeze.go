package lifecycle

import (
	"context"

	"github.com/relgraph/relgraph/impact"
)

// FreezeFinder answers the questions about freeze windows that the release
// rules need and that take the dependency graph: which freezes a window of
// changes violates, and which started releases a freeze covers. A freeze
// covers an application it lists (or, listing none, every application), and
// a release or deployment violates it when their windows overlap and the
// release's impact (its changed applications and everything that depends on
// them) reaches a covered application.
//
// store.GraphCache implements it on the graph snapshot, and the Ent client
// carries it as a dependency (see ent/entc.go), so every writer, not only
// GraphQL, meets the same checks.
type FreezeFinder interface {
	// FreezesOver lists, by start then name, the freeze windows that a
	// window w of changes to the changed applications violates.
	FreezesOver(ctx context.Context, w impact.Window, changed []int) ([]Freeze, error)
	// StartedReleasesUnder names the IN_PROGRESS releases that a freeze
	// over window w and applications apps (none: all) would cover.
	StartedReleasesUnder(ctx context.Context, w impact.Window, apps []int) ([]string, error)
	// FreezesReachedThrough names the IN_PROGRESS releases that a new
	// dependency of consumer on provider would carry into freezes they do
	// not violate yet, and those freezes.
	FreezesReachedThrough(ctx context.Context, consumer, provider int) (releases, freezes []string, err error)
}

// Freeze identifies a freeze window; names need not be unique.
type Freeze struct {
	ID   int
	Name string
}

// NewFreezes names the freezes of after that are not in before.
func NewFreezes(before, after []Freeze) []string {
	was := make(map[int]bool, len(before))
	for _, f := range before {
		was[f.ID] = true
	}
	var out []string
	for _, f := range after {
		if !was[f.ID] {
			out = append(out, f.Name)
		}
	}
	return out
}

// Names lists the freezes' names.
func Names(freezes []Freeze) []string {
	out := make([]string, len(freezes))
	for i, f := range freezes {
		out[i] = f.Name
	}
	return out
}
