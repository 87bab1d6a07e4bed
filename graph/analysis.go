package graph

import (
	"cmp"
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"entgo.io/contrib/entgql"

	"github.com/99designs/gqlgen/graphql"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/graph/model"
	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/internal/picture"
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

// impactOfChanged answers the impact, to maxDepth, of the applications
// that changed reads (a release's, a package's): a depth is checked before
// anything is read.
func (r *Resolver) impactOfChanged(ctx context.Context, maxDepth *int, changed func() ([]int, error)) (*model.Impact, error) {
	depth, err := checkDepth(maxDepth)
	if err != nil {
		return nil, err
	}
	g, err := r.graph.Current(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := changed()
	if err != nil {
		return nil, err
	}
	return r.impactOf(ctx, g, ids, depth), nil
}

// impactOf runs an impact analysis and names its applications from the
// graph's records: no query, however large the impact.
func (r *Resolver) impactOf(ctx context.Context, g *store.Graph, changed []int, maxDepth int) *model.Impact {
	items := g.Impact(changed, maxDepth)
	// The impacted list's own JSON reads the engine's entries and the
	// graph's records; model entries are for gqlgen's marshalling only.
	write := func(ctx context.Context, w io.Writer, entries []*model.ImpactedApplication) error {
		return r.writeImpacted(ctx, w, g, items, entries)
	}
	if writesOwnJSON(ctx) {
		return &model.Impact{Changed: []*ent.Application{}, Shared: []*ent.Application{}, Impacted: model.ImpactedList{Write: write}}
	}
	withPaths := selects(ctx, "impacted", "path") || selects(ctx, "impactedApplications", "edges", "node", "path")
	// Anything gqlgen marshals gets copies of the records, one allocation
	// for them all.
	records := g.Records(len(items))
	named := make(map[int]*ent.Application, len(items))
	app := func(id int) *ent.Application {
		a, ok := named[id]
		if !ok {
			a = records.Copy(id)
			named[id] = a
		}
		return a
	}
	// changed and shared are built only when asked for.
	withChanged, withShared := selects(ctx, "changed"), selects(ctx, "shared")
	entries := make([]model.ImpactedApplication, 0, len(items))
	out := &model.Impact{
		Changed: []*ent.Application{},
		Shared:  []*ent.Application{},
	}
	for _, it := range items {
		a := app(it.ID)
		if a == nil {
			continue
		}
		entry := model.ImpactedApplication{Application: a, Distance: it.Distance}
		if withPaths {
			entry.Path = make([]*ent.Application, 0, len(it.Path))
			for _, id := range it.Path {
				if p := app(id); p != nil {
					entry.Path = append(entry.Path, p)
				}
			}
		}
		entries = append(entries, entry)
		if withChanged && it.Distance == 0 {
			out.Changed = append(out.Changed, a)
		}
		if withShared && g.Snapshot.IsShared(it.ID) {
			out.Shared = append(out.Shared, a)
		}
	}
	impacted := make([]*model.ImpactedApplication, len(entries))
	for i := range entries {
		impacted[i] = &entries[i]
	}
	out.Impacted = model.ImpactedList{Items: impacted, Write: write}
	store.SortByName(out.Changed)
	store.SortByName(out.Shared)
	return out
}

// compareImpacted is the contract's order of impacted applications:
// distance, then name (then id, as names are unique).
func compareImpacted(a, b *model.ImpactedApplication) int {
	return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(a.Application.Name, b.Application.Name),
		cmp.Compare(a.Application.ID, b.Application.ID))
}

// impactedPage is a page of impacted applications, first of them after the
// cursor: by its position in the order, so that a cursor outlives the
// application it names.
func impactedPage(items []*model.ImpactedApplication, first int, after *entgql.Cursor[int]) (*model.ImpactedApplicationConnection, error) {
	if first < 0 {
		return nil, fault.Invalid("first", "first must be zero or more, got %d", first)
	}
	start := 0
	if after != nil {
		key, err := impactedKey(after)
		if err != nil {
			return nil, err
		}
		start, _ = slices.BinarySearchFunc(items, &key, func(e, key *model.ImpactedApplication) int {
			if c := compareImpacted(e, key); c != 0 {
				return c
			}
			return -1 // the entry the cursor names comes before its page
		})
	}
	end := min(start+first, len(items))
	conn := &model.ImpactedApplicationConnection{
		Edges:      make([]*model.ImpactedApplicationEdge, 0, end-start),
		PageInfo:   &entgql.PageInfo[int]{HasNextPage: end < len(items), HasPreviousPage: start > 0},
		TotalCount: len(items),
	}
	for _, item := range items[start:end] {
		conn.Edges = append(conn.Edges, &model.ImpactedApplicationEdge{Node: item, Cursor: impactedCursor(item)})
	}
	if n := len(conn.Edges); n > 0 {
		conn.PageInfo.StartCursor = &conn.Edges[0].Cursor
		conn.PageInfo.EndCursor = &conn.Edges[n-1].Cursor
	}
	return conn, nil
}

// impactedCursor names an entry's place in the order: its application id,
// and its distance and name as "distance:name".
func impactedCursor(item *model.ImpactedApplication) entgql.Cursor[int] {
	return entgql.Cursor[int]{ID: item.Application.ID, Value: strconv.Itoa(item.Distance) + ":" + item.Application.Name}
}

// impactedKey reads a cursor of impactedCursor back as an entry to compare.
func impactedKey(c *entgql.Cursor[int]) (model.ImpactedApplication, error) {
	bad := fault.Invalid("after", "after is not a cursor of impactedApplications")
	v, ok := c.Value.(string)
	if !ok {
		return model.ImpactedApplication{}, bad
	}
	d, name, ok := strings.Cut(v, ":")
	distance, err := strconv.Atoi(d)
	if !ok || err != nil || distance < 0 {
		return model.ImpactedApplication{}, bad
	}
	return model.ImpactedApplication{Application: &ent.Application{ID: c.ID, Name: name}, Distance: distance}, nil
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

// maxPictureNodes bounds the applications dependencyGraph draws.
const maxPictureNodes = 5000

// drawGraph draws the impact of roots (at most maxDepth hops; < 0 for all),
// or the whole graph without roots, as text in format: every dependency
// between two drawn applications, consumer to provider.
func drawGraph(g *store.Graph, roots []int, maxDepth int, format picture.Format) (string, error) {
	var pic picture.Graph
	if roots == nil {
		ids := g.Snapshot.IDs()
		if len(ids) > maxPictureNodes {
			return "", fault.Invalid("rootIDs", "the portfolio has %d applications, more than the %d a picture draws: give rootIDs (and maxDepth)", len(ids), maxPictureNodes)
		}
		for _, id := range ids {
			pic.Nodes = append(pic.Nodes, picture.Node{ID: strconv.Itoa(id), Label: g.Record(id).Name, Shared: g.Snapshot.IsShared(id)})
		}
	} else {
		items := g.Snapshot.Impact(roots, maxDepth)
		if len(items) > maxPictureNodes {
			return "", fault.Invalid("maxDepth", "the impact holds %d applications, more than the %d a picture draws: lower maxDepth", len(items), maxPictureNodes)
		}
		for _, it := range items {
			d := it.Distance
			pic.Nodes = append(pic.Nodes, picture.Node{ID: strconv.Itoa(it.ID), Label: g.Record(it.ID).Name,
				Distance: &d, Changed: d == 0, Shared: g.Snapshot.IsShared(it.ID)})
		}
	}
	drawn := make(map[string]bool, len(pic.Nodes))
	for _, n := range pic.Nodes {
		drawn[n.ID] = true
	}
	for _, n := range pic.Nodes {
		id, _ := strconv.Atoi(n.ID)
		for _, p := range g.Snapshot.DependsOn(id) {
			if provider := strconv.Itoa(p); drawn[provider] {
				pic.Edges = append(pic.Edges, picture.Edge{Consumer: n.ID, Provider: provider})
			}
		}
	}
	return picture.Render(format, pic)
}
