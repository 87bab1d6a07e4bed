package schema

import (
	"context"
	"slices"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	gen "github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/freezewindow"
	"github.com/relgraph/relgraph/ent/hook"
	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/internal/viewer"
	"github.com/relgraph/relgraph/lifecycle"
)

// FreezeWindow is a period in which some applications, or the whole
// portfolio, must not change: a release whose impact reaches them may not
// start in it without an explicit, audited override.
type FreezeWindow struct {
	ent.Schema
}

// Mixin of the FreezeWindow.
func (FreezeWindow) Mixin() []ent.Mixin {
	return []ent.Mixin{
		RecordMixin{},
		WindowMixin{Starts: "Start of the freeze.", Ends: "End of the freeze; after startsAt."},
	}
}

// Fields of the FreezeWindow.
func (FreezeWindow) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			Validate(length(1, 200)).
			MaxLen(200).
			Comment("Name of the freeze, e.g. \"Year-end freeze\"; surrounding whitespace is trimmed.").
			Annotations(entgql.OrderField("NAME")),
		field.String("reason").
			Default("").
			Validate(length(0, 10000)).
			MaxLen(10000).
			Comment("Why nothing may change."),
	}
}

// Edges of the FreezeWindow.
func (FreezeWindow) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("applications", Application.Type).
			Comment("The frozen applications; none means the whole portfolio is frozen.").
			Annotations(entgql.RelayConnection()),
	}
}

// Hooks of the FreezeWindow.
func (FreezeWindow) Hooks() []ent.Hook {
	return []ent.Hook{
		trimField("name"),
		freezesSpareStartedReleases(),
		recordMembershipWrite(),
	}
}

// Annotations of the FreezeWindow.
func (FreezeWindow) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A period in which the listed applications (or, with none listed, the whole portfolio) must not change."),
	}
}

// freezesSpareStartedReleases refuses, without an override, a freeze
// window write (created, moved, widened, or given other applications)
// after which an IN_PROGRESS release violates it that did not before.
func freezesSpareStartedReleases() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.FreezeWindowFunc(func(ctx context.Context, m *gen.FreezeWindowMutation) (ent.Value, error) {
			finder, fctx, err := freezeFinder(ctx, m, m.Freezes)
			if err != nil {
				return nil, err
			}
			var olds []*gen.FreezeWindow
			if m.Op().Is(ent.OpCreate) {
				olds = []*gen.FreezeWindow{{ID: viewer.NewRecord}}
			} else {
				ids, err := m.IDs(ctx)
				if err != nil {
					return nil, err
				}
				if olds, err = m.Client().FreezeWindow.Query().Where(freezewindow.IDIn(ids...)).WithApplications().All(ctx); err != nil {
					return nil, err
				}
			}
			for _, old := range olds {
				var before []string
				oldApps := make([]int, len(old.Edges.Applications))
				for i, a := range old.Edges.Applications {
					oldApps[i] = a.ID
				}
				if old.ID != viewer.NewRecord {
					if before, err = finder.StartedReleasesUnder(fctx, impact.Window{Start: old.StartsAt, End: old.EndsAt}, oldApps); err != nil {
						return nil, err
					}
				}
				w := impact.Window{Start: old.StartsAt, End: old.EndsAt}
				if t, ok := m.StartsAt(); ok {
					w.Start = t
				}
				if t, ok := m.EndsAt(); ok {
					w.End = t
				}
				after, err := finder.StartedReleasesUnder(fctx, w, appsAfter(oldApps, m))
				if err != nil {
					return nil, err
				}
				override, err := overrideFor(ctx, old.ID)
				if err != nil {
					return nil, err
				}
				name := old.Name
				if n, ok := m.Name(); ok {
					name = n
				}
				if err := lifecycle.CheckFreezeOverStarted(name, newNames(before, after), override); err != nil {
					return nil, err
				}
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne)
}

// appsAfter is the freeze's application list once m is applied.
func appsAfter(old []int, m *gen.FreezeWindowMutation) []int {
	var apps []int
	if !m.ApplicationsCleared() {
		for _, id := range old {
			if !slices.Contains(m.RemovedApplicationsIDs(), id) {
				apps = append(apps, id)
			}
		}
	}
	return append(apps, m.ApplicationsIDs()...)
}

// newNames lists the names of after that are not in before.
func newNames(before, after []string) []string {
	var out []string
	for _, n := range after {
		if !slices.Contains(before, n) {
			out = append(out, n)
		}
	}
	return out
}
