package schema

import (
	"context"
	"errors"
	"fmt"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/deployment"
	"github.com/relgraph/relgraph/ent/environment"
	"github.com/relgraph/relgraph/ent/hook"
	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/internal/viewer"
	"github.com/relgraph/relgraph/lifecycle"
)

// Deployment is one release going to one environment in a time window.
// Its release and environment are immutable; promotion gates decide when
// it may start or succeed.
type Deployment struct {
	ent.Schema
}

// Mixin of the Deployment.
func (Deployment) Mixin() []ent.Mixin {
	return []ent.Mixin{
		RecordMixin{},
		WindowMixin{
			Optional: true,
			Starts:   "Start of the deployment window (the environment is booked from then).",
			Ends:     "End of the deployment window; after startsAt when both are set.",
		},
	}
}

// Fields of the Deployment.
func (Deployment) Fields() []ent.Field {
	return []ent.Field{
		field.Int("release_id").
			Immutable().
			Comment("The release being deployed."),
		field.Int("environment_id").
			Immutable().
			Comment("The environment deployed to."),
		field.Enum("status").
			GoType(lifecycle.DeploymentStatus("")).
			Default(string(lifecycle.DeploymentScheduled)).
			Comment("Where the deployment stands: SCHEDULED, then IN_PROGRESS, then SUCCEEDED or FAILED (a scheduled deployment may be recorded as done or failed directly); a SUCCEEDED one may be ROLLED_BACK. FAILED and ROLLED_BACK are final. It may become IN_PROGRESS or SUCCEEDED only once the release has succeeded in every earlier stage it must pass.").
			Annotations(entgql.Type("DeploymentStatus"), entgql.OrderField("STATUS")),
	}
}

// Edges of the Deployment.
func (Deployment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("release", Release.Type).
			Ref("deployments").
			Field("release_id").
			Unique().
			Required().
			Immutable().
			Comment("The release being deployed."),
		edge.From("environment", Environment.Type).
			Ref("deployments").
			Field("environment_id").
			Unique().
			Required().
			Immutable().
			Comment("The environment deployed to."),
	}
}

// Indexes of the Deployment.
func (Deployment) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("release_id"),
		index.Fields("environment_id", "starts_at"),
	}
}

// Hooks of the Deployment.
func (Deployment) Hooks() []ent.Hook {
	return []ent.Hook{
		deploymentsFollowTheirRelease(),
		requirePromotionGates(),
	}
}

// deploymentsFollowTheirRelease applies the deployment state machine and
// the rules that tie a deployment to its release, on every write:
// a deployment is born anything but ROLLED_BACK and moves only as
// lifecycle.CheckDeploymentMove allows; a DRAFT release can only book
// (SCHEDULED), a DEPLOYED or CANCELLED one's deployments are read-only; a
// SUCCEEDED deployment that a later stage passed its gate on cannot stop
// counting; and a deployment's window may not meet a freeze that covers
// its release's impact without an override.
func deploymentsFollowTheirRelease() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return hook.DeploymentFunc(func(ctx context.Context, m *gen.DeploymentMutation) (ent.Value, error) {
			client := m.Client()
			deleting := m.Op().Is(ent.OpDelete | ent.OpDeleteOne)
			var olds []*gen.Deployment
			if m.Op().Is(ent.OpCreate) {
				r, _ := m.ReleaseID()
				e, _ := m.EnvironmentID()
				olds = []*gen.Deployment{{ID: viewer.NewRecord, ReleaseID: r, EnvironmentID: e}}
			} else {
				ids, err := m.IDs(ctx)
				if err != nil {
					return nil, err
				}
				if olds, err = client.Deployment.Query().Where(deployment.IDIn(ids...)).All(ctx); err != nil {
					return nil, err
				}
			}
			for _, old := range olds {
				rel, err := client.Release.Get(ctx, old.ReleaseID)
				if err != nil {
					return nil, err
				}
				status, set := m.Status()
				switch {
				case deleting:
					err = lifecycle.CheckHistory(rel.Name, rel.Status)
				case old.ID == viewer.NewRecord:
					err = errors.Join(lifecycle.CheckDeploymentBirth(status), lifecycle.CheckDeploymentOfRelease(rel.Name, rel.Status, status))
				case !set:
					status = old.Status
					err = lifecycle.CheckHistory(rel.Name, rel.Status)
				default:
					err = lifecycle.CheckDeploymentMove(old.Status, status)
					if err == nil {
						err = lifecycle.CheckDeploymentOfRelease(rel.Name, rel.Status, status)
					}
				}
				if err != nil {
					return nil, firstFault(err)
				}
				if old.Status == lifecycle.DeploymentSucceeded && (deleting || status != lifecycle.DeploymentSucceeded) {
					if err := checkEvidence(ctx, client, rel, old); err != nil {
						return nil, err
					}
				}
				if !deleting {
					if err := checkDeploymentFreezes(ctx, m, rel, old, status); err != nil {
						return nil, err
					}
				}
			}
			return next.Mutate(ctx, m)
		})
	}
}

// firstFault unwraps the first of joined errors, so the client hears one
// refusal.
func firstFault(err error) error {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			return e
		}
	}
	return err
}

// checkEvidence refuses to let deployment dep stop being SUCCEEDED while a
// later stage's active deployment passed its promotion gate on it.
func checkEvidence(ctx context.Context, client *gen.Client, rel *gen.Release, dep *gen.Deployment) error {
	env, err := client.Environment.Get(ctx, dep.EnvironmentID)
	if err != nil {
		return err
	}
	others, err := client.Deployment.Query().
		Where(deployment.ReleaseID(rel.ID), deployment.IDNEQ(dep.ID)).
		WithEnvironment().
		All(ctx)
	if err != nil {
		return err
	}
	var active []lifecycle.Stage
	same := 0
	for _, o := range others {
		if o.Status.Active() {
			active = append(active, o.Edges.Environment.Stage)
		}
		if o.Status == lifecycle.DeploymentSucceeded && o.Edges.Environment.Stage == env.Stage {
			same++
		}
	}
	return lifecycle.CheckEvidence(rel.Name, rel.Stages, env.Stage, active, same)
}

// checkDeploymentFreezes refuses, without an override, a deployment whose
// window meets a freeze covering its release's impact: when it starts or
// succeeds (created so, or moved to IN_PROGRESS or SUCCEEDED), whatever
// happened to freezes and impact since it was booked; and when it is booked
// or its window moves, if that newly meets a freeze. FAILED and ROLLED_BACK
// deployments hold no window that matters.
func checkDeploymentFreezes(ctx context.Context, m *gen.DeploymentMutation, rel *gen.Release, old *gen.Deployment, status lifecycle.DeploymentStatus) error {
	creating := old.ID == viewer.NewRecord
	_, statusSet := m.Status()
	starts := status.Active() && (creating || (statusSet && status != old.Status))
	windowTouched := fieldTouched(m, deployment.FieldStartsAt) || fieldTouched(m, deployment.FieldEndsAt)
	if status == lifecycle.DeploymentFailed || status == lifecycle.DeploymentRolledBack || (!creating && !starts && !windowTouched) {
		return nil
	}
	var before, after impact.Window
	if old.StartsAt != nil {
		after.Start = *old.StartsAt
	}
	if old.EndsAt != nil {
		after.End = *old.EndsAt
	}
	if !creating && !starts && old.StartsAt != nil && old.EndsAt != nil {
		before = after
	}
	if t, ok := m.StartsAt(); ok {
		after.Start = t
	}
	if t, ok := m.EndsAt(); ok {
		after.End = t
	}
	if m.StartsAtCleared() || m.EndsAtCleared() || after.Start.IsZero() || after.End.IsZero() {
		return nil
	}
	finder, fctx, err := freezeFinder(ctx, m, m.Freezes)
	if err != nil {
		return err
	}
	changed, err := changedApplications(ctx, m.Client(), rel.ID)
	if err != nil {
		return err
	}
	var was []lifecycle.Freeze
	if !before.Start.IsZero() {
		if was, err = finder.FreezesOver(fctx, before, changed); err != nil {
			return err
		}
	}
	is, err := finder.FreezesOver(fctx, after, changed)
	if err != nil {
		return err
	}
	override, err := overrideFor(ctx, old.ID)
	if err != nil {
		return err
	}
	return lifecycle.CheckFreezeOverride(fmt.Sprintf("the deployment of release %q", rel.Name), lifecycle.NewFreezes(was, is), override, "deploy")
}

// requirePromotionGates enforces the promotion gates: a deployment may become
// IN_PROGRESS or SUCCEEDED only once its release has a SUCCEEDED deployment
// in every earlier stage of the release's stages.
func requirePromotionGates() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.DeploymentFunc(func(ctx context.Context, m *gen.DeploymentMutation) (ent.Value, error) {
			status, ok := m.Status()
			if !ok || !status.Active() {
				return next.Mutate(ctx, m)
			}
			ids, err := deploymentTargets(ctx, m)
			if err != nil {
				return nil, err
			}
			client := m.Client()
			for _, t := range ids {
				rel, err := client.Release.Get(ctx, t.release)
				if err != nil {
					return nil, err
				}
				env, err := client.Environment.Get(ctx, t.environment)
				if err != nil {
					return nil, err
				}
				envs, err := client.Environment.Query().
					Where(environment.HasDeploymentsWith(
						deployment.ReleaseID(t.release), deployment.StatusEQ(lifecycle.DeploymentSucceeded))).
					All(ctx)
				if err != nil {
					return nil, err
				}
				succeeded := make([]lifecycle.Stage, len(envs))
				for i, e := range envs {
					succeeded[i] = e.Stage
				}
				if err := lifecycle.CheckPromotion(rel.Name, rel.Stages, env.Stage, succeeded); err != nil {
					return nil, err
				}
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne)
}

type deploymentTarget struct{ release, environment int }

// deploymentTargets returns the (release, environment) pairs a deployment
// mutation writes.
func deploymentTargets(ctx context.Context, m *gen.DeploymentMutation) ([]deploymentTarget, error) {
	if m.Op().Is(ent.OpCreate) {
		r, _ := m.ReleaseID()
		e, _ := m.EnvironmentID()
		return []deploymentTarget{{r, e}}, nil
	}
	ids, err := m.IDs(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := m.Client().Deployment.Query().Where(deployment.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]deploymentTarget, len(rows))
	for i, d := range rows {
		out[i] = deploymentTarget{d.ReleaseID, d.EnvironmentID}
	}
	return out, nil
}

// Annotations of the Deployment.
func (Deployment) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One release going to one environment in a time window."),
	}
}
