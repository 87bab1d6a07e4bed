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
	"github.com/relgraph/relgraph/ent/application"
	"github.com/relgraph/relgraph/ent/change"
	"github.com/relgraph/relgraph/ent/deployment"
	"github.com/relgraph/relgraph/ent/deploymentplan"
	"github.com/relgraph/relgraph/ent/environment"
	"github.com/relgraph/relgraph/ent/hook"
	"github.com/relgraph/relgraph/ent/release"
	"github.com/relgraph/relgraph/ent/releasepackage"
	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/lifecycle"
)

// Release groups changes that ship together in a deployment window.
type Release struct {
	ent.Schema
}

// Mixin of the Release.
func (Release) Mixin() []ent.Mixin {
	return []ent.Mixin{
		RecordMixin{Transitions: "status"},
		VersionMixin{},
		WindowMixin{
			Optional: true,
			Starts:   "Start of the deployment window.",
			Ends:     "End of the deployment window; after startsAt when both are set.",
		},
	}
}

// Fields of the Release.
func (Release) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			Validate(length(1, 200)).
			MaxLen(200).
			Unique().
			Comment("Unique name of the release; surrounding whitespace is trimmed.").
			Annotations(entgql.OrderField("NAME")),
		field.String("description").
			Default("").
			Validate(length(0, 10000)).
			MaxLen(10000).
			Comment("What the release is about."),
		field.Enum("status").
			GoType(lifecycle.Status("")).
			Default(string(lifecycle.Draft)).
			Comment("Where the release stands in its lifecycle; changed only by transitionRelease.").
			Annotations(
				entgql.Type("ReleaseStatus"),
				entgql.OrderField("STATUS"),
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
		field.Float("risk_score").
			Optional().
			Nillable().
			Comment("The release's risk score as last ranked (store.RefreshRiskScores), for ordering by RISK_SCORE; read the score from risk.").
			Annotations(
				entgql.OrderField("RISK_SCORE"),
				entgql.Skip(entgql.SkipType, entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
		field.JSON("stages", []lifecycle.Stage{}).
			Default(lifecycle.Stages()).
			Comment("The stages the release must pass, in flow order; all six by default. A deployment to a stage may start or succeed only after the release succeeded in every earlier one.").
			Annotations(entgql.Type("[EnvironmentStage!]")),
	}
}

// Edges of the Release.
func (Release) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("changes", Change.Type).
			Comment("The changes scheduled in this release.").
			Annotations(entgql.RelayConnection()),
		edge.To("deployments", Deployment.Type).
			Comment("The release's deployments to environments.").
			Annotations(
				entgql.RelayConnection(),
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
		edge.To("deployment_plans", DeploymentPlan.Type).
			Comment("The release's deployment plans, one per environment (generateDeploymentPlan).").
			Annotations(
				entgql.RelayConnection(),
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
		edge.From("packages", ReleasePackage.Type).
			Ref("releases").
			Comment("The release packages that include the release.").
			Annotations(
				entgql.RelayConnection(),
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
	}
}

// Hooks of the Release.
func (Release) Hooks() []ent.Hook {
	return []ent.Hook{
		trimField("name"),
		writtenElsewhere(map[string]string{"deployments": "a deployment's release is fixed when it is created"}),
		normalizeStages(),
		releaseStateMachine(),
		releaseInvariants(),
		refuseDeleteWhileReferenced("a release with deployments can be cancelled, not deleted",
			referrer{noun: "deployment", count: func(ctx context.Context, c *gen.Client, id int) (int, error) {
				return c.Deployment.Query().Where(deployment.ReleaseID(id)).Count(ctx)
			}},
		),
		refuseDeleteWhileReferenced("delete its deployment plans first",
			referrer{noun: "deployment plan", count: func(ctx context.Context, c *gen.Client, id int) (int, error) {
				return c.DeploymentPlan.Query().Where(deploymentplan.ReleaseID(id)).Count(ctx)
			}},
		),
		scheduleChangesFromTheChangeSide(),
		leaveBeforeDelete(),
		recordMembershipWrite(),
	}
}

// leaveBeforeDelete makes a release that is deleted let go of its changes
// and packages through their own writes, once every rule allowed the
// deletion: each change is unscheduled and each package loses the release
// as updateChange and updateReleasePackage would do it, so their versions
// move and the audit trail (and releaseEvents, portfolioEvents) records it;
// the database's foreign keys would otherwise do it silently.
func leaveBeforeDelete() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ReleaseFunc(func(ctx context.Context, m *gen.ReleaseMutation) (ent.Value, error) {
			ids, err := mutationIDs(ctx, m)
			if err != nil {
				return nil, err
			}
			if len(ids) == 0 {
				return next.Mutate(ctx, m)
			}
			client := m.Client()
			if err := client.Change.Update().Where(change.ReleaseIDIn(ids...)).ClearReleaseID().Exec(ctx); err != nil {
				return nil, err
			}
			packages, err := client.ReleasePackage.Query().Where(releasepackage.HasReleasesWith(release.IDIn(ids...))).
				Order(releasepackage.ByID()).IDs(ctx)
			if err != nil {
				return nil, err
			}
			for _, p := range packages {
				if err := client.ReleasePackage.UpdateOneID(p).RemoveReleaseIDs(ids...).Exec(ctx); err != nil {
					return nil, err
				}
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpDelete|ent.OpDeleteOne)
}

// normalizeStages keeps a release's stages in flow order, without repeats.
func normalizeStages() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ReleaseFunc(func(ctx context.Context, m *gen.ReleaseMutation) (ent.Value, error) {
			stages, set := m.Stages()
			if extra, _ := m.AppendedStages(); len(extra) > 0 {
				if !set {
					if !m.Op().Is(ent.OpUpdateOne) {
						return nil, fault.Invalid("appendStages", "appending stages needs a single release")
					}
					old, err := m.OldStages(ctx)
					if err != nil {
						return nil, err
					}
					stages = old
				}
				stages, set = append(slices.Clone(stages), extra...), true
			}
			if set {
				norm, err := lifecycle.NormalizeStages(stages)
				if err != nil {
					return nil, fault.Invalid("stages", "%s", err.Error())
				}
				m.SetStages(norm)
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne)
}

// releaseStateMachine applies the release state machine to every write of a
// release's status, whoever writes it: a release is created DRAFT, and each
// later move must be one lifecycle.CheckTransition allows, given the facts
// gathered here in the write's own transaction. A move writes the status
// alone, so no other field can change under the rule's feet.
func releaseStateMachine() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ReleaseFunc(func(ctx context.Context, m *gen.ReleaseMutation) (ent.Value, error) {
			to, ok := m.Status()
			if !ok {
				return next.Mutate(ctx, m)
			}
			if m.Op().Is(ent.OpCreate) {
				if to != lifecycle.Draft {
					return nil, fault.Precondition("a release is created DRAFT; move it on with transitionRelease")
				}
				return next.Mutate(ctx, m)
			}
			if err := statusAlone(m); err != nil {
				return nil, err
			}
			ids, err := m.IDs(ctx)
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				facts, err := releaseFacts(ctx, m, id, to)
				if err != nil {
					return nil, err
				}
				override, err := overrideFor(ctx, id)
				if err != nil {
					return nil, err
				}
				if err := lifecycle.CheckTransition(facts, to, override); err != nil {
					return nil, err
				}
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne)
}

// statusAlone refuses a status write that changes anything else too.
func statusAlone(m *gen.ReleaseMutation) error {
	for _, f := range m.Fields() {
		if f != release.FieldStatus && f != release.FieldUpdatedAt {
			return fault.Precondition("a release's status changes on its own: write %s separately", GraphQLName(f))
		}
	}
	if len(m.ClearedFields())+len(m.AddedEdges())+len(m.RemovedEdges())+len(m.ClearedEdges()) > 0 {
		return fault.Precondition("a release's status changes on its own: write other changes separately")
	}
	return nil
}

// releaseFacts gathers what the state machine needs to know about release
// id before it moves to status to.
func releaseFacts(ctx context.Context, m *gen.ReleaseMutation, id int, to lifecycle.Status) (lifecycle.ReleaseFacts, error) {
	client := m.Client()
	rel, err := client.Release.Get(ctx, id)
	if err != nil {
		return lifecycle.ReleaseFacts{}, err
	}
	facts := lifecycle.ReleaseFacts{Status: rel.Status, HasWindow: rel.StartsAt != nil && rel.EndsAt != nil}
	if facts.Changes, err = client.Change.Query().Where(change.ReleaseID(id)).Count(ctx); err != nil {
		return facts, err
	}
	if facts.Deploying, err = deploying(ctx, client, id); err != nil {
		return facts, err
	}
	if facts.ProductionSucceeded, err = client.Deployment.Query().Where(
		deployment.ReleaseID(id),
		deployment.StatusEQ(lifecycle.DeploymentSucceeded),
		deployment.HasEnvironmentWith(environment.StageEQ(lifecycle.Production)),
	).Exist(ctx); err != nil {
		return facts, err
	}
	if to == lifecycle.InProgress && facts.HasWindow {
		finder, fctx, err := freezeFinder(ctx, m, m.Freezes)
		if err != nil {
			return facts, err
		}
		changed, err := changedApplications(ctx, client, id)
		if err != nil {
			return facts, err
		}
		freezes, err := finder.FreezesOver(fctx, impact.Window{Start: *rel.StartsAt, End: *rel.EndsAt}, changed)
		if err != nil {
			return facts, err
		}
		facts.Freezes = lifecycle.Names(freezes)
	}
	return facts, nil
}

// deploying reports whether release id has an IN_PROGRESS or SUCCEEDED
// deployment.
func deploying(ctx context.Context, c *gen.Client, id int) (bool, error) {
	return c.Deployment.Query().
		Where(deployment.ReleaseID(id), deployment.StatusIn(lifecycle.DeploymentInProgress, lifecycle.DeploymentSucceeded)).
		Exist(ctx)
}

// changedApplications returns the ids of the applications release id's
// changes touch.
func changedApplications(ctx context.Context, c *gen.Client, id int) ([]int, error) {
	return c.Application.Query().Where(application.HasChangesWith(change.ReleaseID(id))).IDs(ctx)
}

// releaseInvariants keeps a started release whole and a finished one
// untouched (lifecycle.CheckReleaseEdit) on every write other than a move
// of its status, which the state machine judges: an IN_PROGRESS release
// keeps its window and stages and moves its window into a freeze only with
// an override; DEPLOYED and CANCELLED releases are read-only; only DRAFT and
// PLANNED releases can be deleted.
func releaseInvariants() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ReleaseFunc(func(ctx context.Context, m *gen.ReleaseMutation) (ent.Value, error) {
			if _, isMove := m.Status(); isMove {
				return next.Mutate(ctx, m)
			}
			ids, err := m.IDs(ctx)
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				rel, err := m.Client().Release.Get(ctx, id)
				if err != nil {
					return nil, err
				}
				edit := lifecycle.ReleaseEdit{
					Deletes:      m.Op().Is(ent.OpDelete | ent.OpDeleteOne),
					ClearsWindow: m.StartsAtCleared() || m.EndsAtCleared(),
				}
				if stages, set := m.Stages(); set && !slices.Equal(stages, rel.Stages) {
					edit.ChangesStages = true
					if edit.Deploying, err = deploying(ctx, m.Client(), id); err != nil {
						return nil, err
					}
				}
				if rel.Status == lifecycle.InProgress && !edit.ClearsWindow && (fieldTouched(m, release.FieldStartsAt) || fieldTouched(m, release.FieldEndsAt)) {
					if edit.NewFreezes, err = windowMoveFreezes(ctx, m, rel); err != nil {
						return nil, err
					}
				}
				override, err := overrideFor(ctx, id)
				if err != nil {
					return nil, err
				}
				if err := lifecycle.CheckReleaseEdit(rel.Name, rel.Status, edit, override); err != nil {
					return nil, err
				}
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpUpdate|ent.OpUpdateOne|ent.OpDelete|ent.OpDeleteOne)
}

// windowMoveFreezes lists the freezes that moving rel's window as m does
// would newly violate.
func windowMoveFreezes(ctx context.Context, m *gen.ReleaseMutation, rel *gen.Release) ([]string, error) {
	finder, fctx, err := freezeFinder(ctx, m, m.Freezes)
	if err != nil {
		return nil, err
	}
	changed, err := changedApplications(ctx, m.Client(), rel.ID)
	if err != nil {
		return nil, err
	}
	var old, moved impact.Window
	if rel.StartsAt != nil && rel.EndsAt != nil {
		old = impact.Window{Start: *rel.StartsAt, End: *rel.EndsAt}
	}
	moved = old
	if t, ok := m.StartsAt(); ok {
		moved.Start = t
	}
	if t, ok := m.EndsAt(); ok {
		moved.End = t
	}
	if moved.Start.IsZero() || moved.End.IsZero() {
		return nil, nil
	}
	var before []lifecycle.Freeze
	if !old.Start.IsZero() {
		if before, err = finder.FreezesOver(fctx, old, changed); err != nil {
			return nil, err
		}
	}
	after, err := finder.FreezesOver(fctx, moved, changed)
	if err != nil {
		return nil, err
	}
	return lifecycle.NewFreezes(before, after), nil
}

// scheduleChangesFromTheChangeSide applies a release mutation's changeIDs
// (create, add, remove, clear) as updates of the changes themselves, after
// the release is saved, so those changes' versions are bumped and their
// audit trail records the move like any updateChange would. Changes that do
// not exist or are scheduled in another release are refused.
func scheduleChangesFromTheChangeSide() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ReleaseFunc(func(ctx context.Context, m *gen.ReleaseMutation) (ent.Value, error) {
			added, removed, cleared := m.ChangesIDs(), m.RemovedChangesIDs(), m.ChangesCleared()
			if len(added) == 0 && len(removed) == 0 && !cleared {
				return next.Mutate(ctx, m)
			}
			m.ResetChanges()
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			id, _ := m.ID()
			client := m.Client()
			switch {
			case cleared:
				err = client.Change.Update().Where(change.ReleaseID(id)).ClearReleaseID().Exec(ctx)
			case len(removed) > 0:
				err = client.Change.Update().Where(change.IDIn(removed...), change.ReleaseID(id)).ClearReleaseID().Exec(ctx)
			}
			if err != nil {
				return nil, err
			}
			if len(added) == 0 {
				return v, nil
			}
			added = slices.Compact(slices.Sorted(slices.Values(added)))
			free, err := client.Change.Query().
				Where(change.IDIn(added...), change.Or(change.ReleaseIDIsNil(), change.ReleaseID(id))).
				IDs(ctx)
			if err != nil {
				return nil, err
			}
			if len(free) != len(added) {
				var taken []int
				for _, c := range added {
					if !slices.Contains(free, c) {
						taken = append(taken, c)
					}
				}
				return nil, fault.Conflicting("changes %v do not exist or are already scheduled in another release: move them with updateChange(releaseID)", taken)
			}
			if err := client.Change.Update().Where(change.IDIn(added...)).SetReleaseID(id).Exec(ctx); err != nil {
				return nil, err
			}
			return v, nil
		})
	}, ent.OpCreate|ent.OpUpdateOne)
}

// Annotations of the Release.
func (Release) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A set of changes that ship together in a deployment window."),
	}
}
