package schema

import (
	"context"
	"slices"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/application"
	"github.com/relgraph/relgraph/ent/change"
	"github.com/relgraph/relgraph/ent/hook"
	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/internal/viewer"
	"github.com/relgraph/relgraph/lifecycle"
)

// Change is one unit of work that touches one or more applications, optionally
// scheduled in a release.
type Change struct {
	ent.Schema
}

// Mixin of the Change.
func (Change) Mixin() []ent.Mixin {
	return []ent.Mixin{RecordMixin{}, VersionMixin{}}
}

// Fields of the Change.
func (Change) Fields() []ent.Field {
	return []ent.Field{
		field.String("title").
			Validate(length(1, 500)).
			MaxLen(500).
			Comment("Short summary of the change; surrounding whitespace is trimmed.").
			Annotations(entgql.OrderField("TITLE")),
		field.String("description").
			Default("").
			Validate(length(0, 10000)).
			MaxLen(10000).
			Comment("Details of the change."),
		field.Enum("kind").
			Values("FEATURE", "FIX", "CONFIGURATION", "INFRASTRUCTURE", "SECURITY").
			Default("FEATURE").
			Comment("What sort of change this is."),
		field.Enum("risk").
			Values("LOW", "MEDIUM", "HIGH").
			Annotations(entgql.Type("Risk")).
			Default("MEDIUM").
			Comment("How risky the change is to deploy."),
		field.String("external_ref").
			Optional().
			Nillable().
			Validate(length(0, 200)).
			MaxLen(200).
			Comment("Key of the ticket that tracks the change elsewhere, e.g. JIRA-123."),
		field.Int("release_id").
			Optional().
			Nillable().
			Comment("The release the change is scheduled in, if any."),
	}
}

// Edges of the Change.
func (Change) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("applications", Application.Type).
			Through("change_applications", ChangeApplication.Type).
			Required().
			Comment("The applications the change touches: at least one.").
			Annotations(entgql.RelayConnection()),
		edge.From("release", Release.Type).
			Ref("changes").
			Field("release_id").
			Unique().
			Comment("The release the change is scheduled in, if any."),
	}
}

// Indexes of the Change.
func (Change) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("release_id"),
		// upsertChanges finds a change by its ticket key.
		index.Fields("external_ref"),
	}
}

// Hooks of the Change.
func (Change) Hooks() []ent.Hook {
	return []ent.Hook{
		trimField("title"),
		requireApplications(),
		changesFollowTheirRelease(),
		recordMembershipWrite(),
	}
}

// changesFollowTheirRelease applies the release invariants to writes of
// its changes (lifecycle.CheckReleaseEdit): a DEPLOYED or CANCELLED
// release's changes are read-only and none join it; an IN_PROGRESS release
// keeps at least one change, and a change that joins it or touches more
// applications may not carry it into a freeze without an override (on the
// change's write, or on the release's when updateRelease moves it in).
func changesFollowTheirRelease() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return hook.ChangeFunc(func(ctx context.Context, m *gen.ChangeMutation) (ent.Value, error) {
			client := m.Client()
			type write struct {
				id       int // viewer.NewRecord for a create
				from, to *int
			}
			var writes []write
			if m.Op().Is(ent.OpCreate) {
				to, ok := m.ReleaseID()
				if ok {
					writes = append(writes, write{id: viewer.NewRecord, to: &to})
				}
			} else {
				ids, err := m.IDs(ctx)
				if err != nil {
					return nil, err
				}
				changes, err := client.Change.Query().Where(change.IDIn(ids...)).All(ctx)
				if err != nil {
					return nil, err
				}
				for _, c := range changes {
					w := write{id: c.ID, from: c.ReleaseID, to: c.ReleaseID}
					// A write that clears and sets the release (as
					// clearRelease with releaseID does) stores the set value.
					switch to, set := m.ReleaseID(); {
					case m.Op().Is(ent.OpDelete | ent.OpDeleteOne):
						w.to = nil
					case set:
						w.to = &to
					case m.ReleaseIDCleared():
						w.to = nil
					}
					writes = append(writes, w)
				}
				// Every change leaving a release at once counts when it
				// comes to keeping one.
				leaving := map[int][]int{}
				for _, w := range writes {
					if w.from != nil && (w.to == nil || *w.to != *w.from) {
						leaving[*w.from] = append(leaving[*w.from], w.id)
					}
				}
				for rel, ids := range leaving {
					if err := checkLeaving(ctx, client, rel, ids); err != nil {
						return nil, err
					}
				}
			}
			for _, w := range writes {
				if w.from != nil {
					if err := checkHistory(ctx, client, *w.from); err != nil {
						return nil, err
					}
				}
				joins := w.to != nil && (w.from == nil || *w.to != *w.from)
				if w.to == nil || (!joins && len(m.ApplicationsIDs()) == 0) {
					continue
				}
				if err := checkJoining(ctx, m, *w.to, w.id); err != nil {
					return nil, err
				}
			}
			return next.Mutate(ctx, m)
		})
	}
}

// checkHistory refuses the write of a change of a final release.
func checkHistory(ctx context.Context, client *gen.Client, releaseID int) error {
	rel, err := client.Release.Get(ctx, releaseID)
	if err != nil {
		return err
	}
	return lifecycle.CheckHistory(rel.Name, rel.Status)
}

// checkLeaving refuses changes leaving a started release that would be left
// with none.
func checkLeaving(ctx context.Context, client *gen.Client, releaseID int, leaving []int) error {
	rel, err := client.Release.Get(ctx, releaseID)
	if err != nil {
		return err
	}
	remaining, err := client.Change.Query().Where(change.ReleaseID(releaseID), change.IDNotIn(leaving...)).Count(ctx)
	if err != nil {
		return err
	}
	return lifecycle.CheckReleaseEdit(rel.Name, rel.Status, lifecycle.ReleaseEdit{RemovesLastChange: remaining == 0}, lifecycle.Override{})
}

// checkJoining judges change id joining release releaseID, or touching more
// applications in it, as m writes it.
func checkJoining(ctx context.Context, m *gen.ChangeMutation, releaseID, id int) error {
	client := m.Client()
	rel, err := client.Release.Get(ctx, releaseID)
	if err != nil {
		return err
	}
	if err := lifecycle.CheckHistory(rel.Name, rel.Status); err != nil {
		return err
	}
	if rel.Status != lifecycle.InProgress || rel.StartsAt == nil || rel.EndsAt == nil {
		return nil
	}
	finder, fctx, err := freezeFinder(ctx, m, m.Freezes)
	if err != nil {
		return err
	}
	changed, err := changedApplications(ctx, client, releaseID)
	if err != nil {
		return err
	}
	touched := slices.Clone(m.ApplicationsIDs())
	if id != viewer.NewRecord {
		current, err := client.Application.Query().Where(application.HasChangesWith(change.ID(id))).IDs(ctx)
		if err != nil {
			return err
		}
		touched = append(touched, current...)
	}
	w := impact.Window{Start: *rel.StartsAt, End: *rel.EndsAt}
	before, err := finder.FreezesOver(fctx, w, changed)
	if err != nil {
		return err
	}
	after, err := finder.FreezesOver(fctx, w, append(changed, touched...))
	if err != nil {
		return err
	}
	override, err := overrideFor(ctx, id, releaseID)
	if err != nil {
		return err
	}
	return lifecycle.CheckReleaseEdit(rel.Name, rel.Status, lifecycle.ReleaseEdit{NewFreezes: lifecycle.NewFreezes(before, after)}, override)
}

// requireApplications keeps every change touching at least one application,
// on creation and after any update that removes applications.
func requireApplications() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return hook.ChangeFunc(func(ctx context.Context, m *gen.ChangeMutation) (ent.Value, error) {
			const msg = "a change must touch at least one application"
			switch {
			case m.Op().Is(ent.OpCreate):
				if len(m.ApplicationsIDs()) == 0 {
					return nil, fault.Invalid("applicationIDs", msg)
				}
			case m.Op().Is(ent.OpUpdate | ent.OpUpdateOne):
				if !m.ApplicationsCleared() && len(m.RemovedApplicationsIDs()) == 0 {
					break
				}
				ids, err := m.IDs(ctx)
				if err != nil {
					return nil, err
				}
				for _, id := range ids {
					var current []int
					if !m.ApplicationsCleared() {
						current, err = m.Client().Application.Query().
							Where(application.HasChangesWith(change.ID(id))).IDs(ctx)
						if err != nil {
							return nil, err
						}
					}
					if remaining(current, m.RemovedApplicationsIDs(), m.ApplicationsIDs()) == 0 {
						return nil, fault.Invalid("removeApplicationIDs", msg)
					}
				}
			}
			return next.Mutate(ctx, m)
		})
	}
}

// remaining counts the distinct ids of current minus removed plus added.
func remaining(current, removed, added []int) int {
	set := make(map[int]bool, len(current)+len(added))
	for _, id := range current {
		set[id] = true
	}
	for _, id := range removed {
		delete(set, id)
	}
	for _, id := range added {
		set[id] = true
	}
	return len(set)
}

// Annotations of the Change.
func (Change) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A unit of work that touches one or more applications, optionally scheduled in a release."),
	}
}

// ChangeApplication records that a change touches an application: the join
// of the many-to-many edge between them, declared as an edge schema so that
// its index on application_id ("which changes touch this application") is
// part of the schema like every other index.
type ChangeApplication struct {
	ent.Schema
}

// Annotations of the ChangeApplication: keyed by the pair, not exposed in
// GraphQL (the edge is, as Change.applications and Application.changes).
func (ChangeApplication) Annotations() []schema.Annotation {
	return []schema.Annotation{
		field.ID("change_id", "application_id"),
		entgql.Skip(entgql.SkipAll),
	}
}

// Fields of the ChangeApplication.
func (ChangeApplication) Fields() []ent.Field {
	return []ent.Field{
		field.Int("change_id"),
		field.Int("application_id"),
	}
}

// Edges of the ChangeApplication.
func (ChangeApplication) Edges() []ent.Edge {
	return []ent.Edge{
		// Deleting a change unlinks its applications (an application still
		// touched by a change cannot be deleted: see its hooks).
		edge.To("change", Change.Type).Field("change_id").Unique().Required().
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("application", Application.Type).Field("application_id").Unique().Required().
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Hooks of the ChangeApplication: a link is written through its change
// (applicationIDs), where "at least one application" and the audit trail
// apply; Ent writes those links without passing through these hooks.
func (ChangeApplication) Hooks() []ent.Hook {
	return []ent.Hook{
		func(ent.Mutator) ent.Mutator {
			return ent.MutateFunc(func(context.Context, ent.Mutation) (ent.Value, error) {
				return nil, fault.Precondition("a change's applications are written through the change (applicationIDs)")
			})
		},
	}
}

// Indexes of the ChangeApplication. The storage key is the name the index
// had when store.Migrate created it by hand, so existing databases keep it.
func (ChangeApplication) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("application_id").StorageKey("change_applications_application_id"),
	}
}
