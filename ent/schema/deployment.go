package schema

import (
	"context"

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
			Values("SCHEDULED", "IN_PROGRESS", "SUCCEEDED", "FAILED", "ROLLED_BACK").
			Default("SCHEDULED").
			Comment("Where the deployment stands. It may become IN_PROGRESS or SUCCEEDED only once the release has succeeded in every earlier stage it must pass.").
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
		requirePromotionGates(),
	}
}

// requirePromotionGates enforces the promotion gates: a deployment may become
// IN_PROGRESS or SUCCEEDED only once its release has a SUCCEEDED deployment
// in every earlier stage of the release's stages.
func requirePromotionGates() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.DeploymentFunc(func(ctx context.Context, m *gen.DeploymentMutation) (ent.Value, error) {
			status, ok := m.Status()
			if !ok || (status != deployment.StatusIN_PROGRESS && status != deployment.StatusSUCCEEDED) {
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
						deployment.ReleaseID(t.release), deployment.StatusEQ(deployment.StatusSUCCEEDED))).
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
