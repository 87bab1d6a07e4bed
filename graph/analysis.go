package graph

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/graph/model"
	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/store"
)

// This file translates between GraphQL and the engines: arguments into
// engine inputs, and engine answers into GraphQL objects named by the graph
// snapshot's records, in the contract's orderings.

// checkDepth validates an optional maxDepth; nil means unbounded (-1).
func checkDepth(maxDepth *int) (int, error) {
	if maxDepth == nil {
		return -1, nil
	}
	if *maxDepth < 0 {
		return 0, fault.Invalid("maxDepth", "maxDepth must be zero or more, got %d", *maxDepth)
	}
	return *maxDepth, nil
}

// rangeOf turns optional from/to arguments into a window, open where nil.
// impact.Window reads a zero end as open, so a to at the zero instant
// (0001-01-01T00:00:00Z, before which nothing lies) ends the window just
// before it instead: it meets nothing, as asked.
func rangeOf(from, to *time.Time) (impact.Window, error) {
	var w impact.Window
	if from != nil {
		w.Start = *from
	}
	if to != nil {
		w.End = *to
		if w.End.IsZero() {
			w.End = w.End.Add(-time.Nanosecond)
		}
	}
	if from != nil && to != nil && !from.Before(*to) {
		return w, fault.Invalid("to", "to (%s) must be after from (%s)", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	return w, nil
}

// impactOf runs an impact analysis and names its applications from the
// graph's records: no query, however large the impact.
func impactOf(ctx context.Context, g *store.Graph, changed []int, maxDepth int) *model.Impact {
	items := g.Snapshot.Impact(changed, maxDepth)
	withPaths := selects(ctx, "impacted", "path")
	// One record per application for the whole answer, shared by the
	// entries and paths that name it.
	named := make(map[int]*ent.Application, len(items))
	app := func(id int) *ent.Application {
		a, ok := named[id]
		if !ok {
			a = g.Application(id)
			named[id] = a
		}
		return a
	}
	out := &model.Impact{
		Changed:  []*ent.Application{},
		Impacted: make([]*model.ImpactedApplication, 0, len(items)),
		Shared:   []*ent.Application{},
	}
	for _, it := range items {
		a := app(it.ID)
		if a == nil {
			continue
		}
		item := &model.ImpactedApplication{Application: a, Distance: it.Distance}
		if withPaths {
			item.Path = make([]*ent.Application, 0, len(it.Path))
			for _, id := range it.Path {
				if p := app(id); p != nil {
					item.Path = append(item.Path, p)
				}
			}
		}
		out.Impacted = append(out.Impacted, item)
		if it.Distance == 0 {
			out.Changed = append(out.Changed, a)
		}
		if g.Snapshot.IsShared(it.ID) {
			out.Shared = append(out.Shared, a)
		}
	}
	slices.SortFunc(out.Impacted, func(a, b *model.ImpactedApplication) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(a.Application.Name, b.Application.Name),
			cmp.Compare(a.Application.ID, b.Application.ID))
	})
	store.SortByName(out.Changed)
	store.SortByName(out.Shared)
	return out
}

// selects reports whether the current field's selection includes the given
// path of subfields, e.g. selects(ctx, "impacted", "path").
func selects(ctx context.Context, path ...string) bool {
	oc := graphql.GetOperationContext(ctx)
	fields := graphql.CollectFieldsCtx(ctx, nil)
	for _, name := range path {
		var next []graphql.CollectedField
		found := false
		for _, f := range fields {
			if f.Name == name {
				next = append(next, graphql.CollectFields(oc, f.Selections, nil)...)
				found = true
			}
		}
		if !found {
			return false
		}
		fields = next
	}
	return true
}

// uniqueSorted returns the distinct ids, ascending.
func uniqueSorted(ids []int) []int {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return slices.Compact(ids)
}
