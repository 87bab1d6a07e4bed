package graph

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/99designs/gqlgen/graphql"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/application"
	"github.com/relgraph/relgraph/ent/change"
	"github.com/relgraph/relgraph/ent/predicate"
	"github.com/relgraph/relgraph/ent/release"
	"github.com/relgraph/relgraph/graph/model"
	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/store"
)

// This file is the glue between the analysis resolvers, Ent and the impact
// engine: it turns ids from the engine into Application objects (from the
// graph snapshot's records) and Release objects, and applies the contract's
// orderings (by name).

// appsByID indexes applications by id.
func appsByID(apps []*ent.Application) map[int]*ent.Application {
	m := make(map[int]*ent.Application, len(apps))
	for _, a := range apps {
		m[a.ID] = a
	}
	return m
}

// pick returns the loaded applications for ids, skipping any deleted since.
func pick(byID map[int]*ent.Application, ids []int) []*ent.Application {
	out := make([]*ent.Application, 0, len(ids))
	for _, id := range ids {
		if a := byID[id]; a != nil {
			out = append(out, a)
		}
	}
	return out
}

func byName(apps []*ent.Application) []*ent.Application {
	slices.SortFunc(apps, func(a, b *ent.Application) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return apps
}

func uniqueSorted(ids []int) []int {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return slices.Compact(ids)
}

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

// impactOf runs an impact analysis and names its applications from the
// graph's records: no query, however large the impact.
func impactOf(ctx context.Context, snap *store.Graph, changed []int, maxDepth int) *model.Impact {
	items := snap.Impact(changed, maxDepth)
	ids := make([]int, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	apps := appsByID(snap.Applications(ids))
	withPaths := selects(ctx, "impacted", "path")
	out := &model.Impact{
		Changed:  []*ent.Application{},
		Impacted: make([]*model.ImpactedApplication, 0, len(items)),
		Shared:   []*ent.Application{},
	}
	for _, it := range items {
		app := apps[it.ID]
		if app == nil {
			continue
		}
		item := &model.ImpactedApplication{Application: app, Distance: it.Distance}
		if withPaths {
			item.Path = pick(apps, it.Path)
		}
		out.Impacted = append(out.Impacted, item)
		if it.Distance == 0 {
			out.Changed = append(out.Changed, app)
		}
		if snap.IsShared(it.ID) {
			out.Shared = append(out.Shared, app)
		}
	}
	slices.SortFunc(out.Impacted, func(a, b *model.ImpactedApplication) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(a.Application.Name, b.Application.Name),
			cmp.Compare(a.Application.ID, b.Application.ID))
	})
	byName(out.Changed)
	byName(out.Shared)
	return out
}

// changedApplications returns the ids of the applications a release's
// changes touch.
func (r *Resolver) changedApplications(ctx context.Context, releaseID int) ([]int, error) {
	return r.db(ctx).Application.Query().
		Where(application.HasChangesWith(change.ReleaseID(releaseID))).
		IDs(ctx)
}

// window is an optional time range [from, to); nil ends are open.
type window struct{ from, to *time.Time }

func (w window) check() error {
	if w.from != nil && w.to != nil && !w.from.Before(*w.to) {
		return fault.Invalid("to", "to (%s) must be after from (%s)", w.to.Format(time.RFC3339), w.from.Format(time.RFC3339))
	}
	return nil
}

// intersects reports whether [start, end) meets the window.
func (w window) intersects(start, end time.Time) bool {
	return (w.to == nil || start.Before(*w.to)) && (w.from == nil || end.After(*w.from))
}

// conflicts finds the conflicting pairs among the releases that can
// conflict (not cancelled, with a window) and whose windows meet w; keep, if
// not nil, filters the pairs.
func (r *Resolver) conflicts(ctx context.Context, w window, keep func(impact.Conflict) bool) ([]*model.ReleaseConflict, error) {
	snap, err := r.graph.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	preds := []predicate.Release{release.StatusNEQ(release.StatusCANCELLED), release.StartsAtNotNil(), release.EndsAtNotNil()}
	if w.to != nil {
		preds = append(preds, release.StartsAtLT(*w.to))
	}
	if w.from != nil {
		preds = append(preds, release.EndsAtGT(*w.from))
	}
	releases, err := r.db(ctx).Release.Query().Where(preds...).All(ctx)
	if err != nil {
		return nil, err
	}
	if len(releases) < 2 {
		return []*model.ReleaseConflict{}, nil
	}
	// One statement for every release's changed applications: changes of
	// the candidate releases joined with the change-application table.
	var rows []struct {
		ReleaseID     int `json:"release_id"`
		ApplicationID int `json:"application_id"`
	}
	err = r.db(ctx).Change.Query().
		Where(change.HasReleaseWith(preds...)).
		Modify(func(s *entsql.Selector) {
			t := entsql.Table(change.ApplicationsTable)
			s.Join(t).On(s.C(change.FieldID), t.C(change.ApplicationsPrimaryKey[0]))
			s.Select(s.C(change.FieldReleaseID), entsql.As(t.C(change.ApplicationsPrimaryKey[1]), "application_id"))
		}).
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("load changed applications: %w", err)
	}
	changed := make(map[int][]int, len(releases))
	for _, row := range rows {
		changed[row.ReleaseID] = append(changed[row.ReleaseID], row.ApplicationID)
	}
	byID := make(map[int]*ent.Release, len(releases))
	input := make([]impact.Release, 0, len(releases))
	for _, rel := range releases {
		byID[rel.ID] = rel
		input = append(input, impact.Release{
			ID:      rel.ID,
			Window:  impact.Window{Start: *rel.StartsAt, End: *rel.EndsAt},
			Changed: uniqueSorted(changed[rel.ID]),
		})
	}
	var found []impact.Conflict
	var shared []int
	for _, c := range snap.Conflicts(input) {
		if !w.intersects(c.OverlapStart, c.OverlapEnd) || (keep != nil && !keep(c)) {
			continue
		}
		found = append(found, c)
		shared = append(shared, c.Shared...)
	}
	apps := appsByID(snap.Applications(uniqueSorted(shared)))
	out := make([]*model.ReleaseConflict, 0, len(found))
	for _, c := range found {
		out = append(out, &model.ReleaseConflict{
			Releases:           []*ent.Release{byID[c.A], byID[c.B]},
			OverlapStart:       c.OverlapStart,
			OverlapEnd:         c.OverlapEnd,
			SharedApplications: byName(pick(apps, c.Shared)),
		})
	}
	return out, nil
}

// named returns the graph's applications for ids, ordered by name.
func named(g *store.Graph, ids []int) []*ent.Application {
	return byName(g.Applications(ids))
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
