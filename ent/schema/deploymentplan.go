package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/relgraph/relgraph/deployplan"
)

// DeploymentPlan is the ordered, editable runbook for deploying one release
// to one environment, generated from the release's deployment waves
// (generateDeploymentPlan). One per release and environment.
type DeploymentPlan struct {
	ent.Schema
}

// Mixin of the DeploymentPlan.
func (DeploymentPlan) Mixin() []ent.Mixin {
	return []ent.Mixin{RecordMixin{NoMutations: true}}
}

// Fields of the DeploymentPlan.
func (DeploymentPlan) Fields() []ent.Field {
	return []ent.Field{
		field.Int("release_id").
			Immutable().
			Comment("The release the plan deploys."),
		field.Int("environment_id").
			Immutable().
			Comment("The environment the plan deploys to."),
	}
}

// Edges of the DeploymentPlan.
func (DeploymentPlan) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("release", Release.Type).
			Ref("deployment_plans").
			Field("release_id").
			Unique().
			Required().
			Immutable().
			Comment("The release the plan deploys."),
		edge.From("environment", Environment.Type).
			Ref("deployment_plans").
			Field("environment_id").
			Unique().
			Required().
			Immutable().
			Comment("The environment the plan deploys to."),
		edge.To("steps", DeploymentStep.Type).
			Comment("The plan's steps: its DEPLOY steps in wave order, then its ROLLBACK steps in reverse order.").
			Annotations(entgql.RelayConnection()),
	}
}

// Indexes of the DeploymentPlan: one plan per release and environment.
func (DeploymentPlan) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("release_id", "environment_id").Unique(),
		index.Fields("environment_id"),
	}
}

// Annotations of the DeploymentPlan.
func (DeploymentPlan) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("The ordered, editable runbook for deploying one release to one environment, generated from the release's deployment waves."),
	}
}

// DeploymentStep is one step of a deployment plan: deploying, or rolling
// back, one application. Scripts move its status as they deploy; the wave
// gate (deployplan) decides when it may start.
type DeploymentStep struct {
	ent.Schema
}

// Mixin of the DeploymentStep.
func (DeploymentStep) Mixin() []ent.Mixin {
	return []ent.Mixin{
		RecordMixin{Transitions: "status", NoMutations: true},
		VersionMixin{},
	}
}

// Fields of the DeploymentStep.
func (DeploymentStep) Fields() []ent.Field {
	return []ent.Field{
		field.Int("plan_id").
			Immutable().
			Comment("The plan the step belongs to."),
		field.Int("application_id").
			Immutable().
			Comment("The application the step deploys or rolls back."),
		field.Enum("kind").
			GoType(deployplan.Kind("")).
			Immutable().
			Comment("DEPLOY, or ROLLBACK: undoing the application's deployment if the release must be backed out.").
			Annotations(entgql.Type("DeploymentStepKind")),
		field.Int("wave").
			Min(1).
			Immutable().
			Comment("The deployment wave of the application, from 1: DEPLOY steps of one wave may run in parallel, after every earlier wave.").
			Annotations(entgql.OrderField("WAVE")),
		field.Int("position").
			Min(1).
			Immutable().
			Comment("The step's place in the plan, from 1: DEPLOY steps by wave then application name, then ROLLBACK steps in the reverse order.").
			Annotations(entgql.OrderField("POSITION")),
		field.Enum("status").
			GoType(deployplan.Status("")).
			Default(string(deployplan.Pending)).
			Comment("Where the step stands: PENDING, RUNNING, DONE, FAILED or SKIPPED. A DEPLOY step may become RUNNING or DONE only once every DEPLOY step of the earlier waves is DONE or SKIPPED (ROLLBACK steps likewise, in their reverse order).").
			Annotations(entgql.Type("DeploymentStepStatus"), entgql.OrderField("STATUS")),
		field.String("owner").
			Default("").
			Validate(length(0, 200)).
			MaxLen(200).
			Comment("Who carries the step out: the application's owning team when generated; editable."),
		field.String("notes").
			Default("").
			Validate(length(0, 10000)).
			MaxLen(10000).
			Comment("Free text for the runbook: commands, checks, contacts."),
		field.Time("started_at").
			Optional().
			Nillable().
			Comment("When the step last became RUNNING.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Time("finished_at").
			Optional().
			Nillable().
			Comment("When the step last became DONE, FAILED or SKIPPED.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Edges of the DeploymentStep.
func (DeploymentStep) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("plan", DeploymentPlan.Type).
			Ref("steps").
			Field("plan_id").
			Unique().
			Required().
			Immutable().
			Comment("The plan the step belongs to."),
		edge.From("application", Application.Type).
			Ref("deployment_steps").
			Field("application_id").
			Unique().
			Required().
			Immutable().
			Comment("The application the step deploys or rolls back."),
	}
}

// Indexes of the DeploymentStep.
func (DeploymentStep) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("plan_id", "kind", "application_id").Unique(),
		index.Fields("application_id"),
	}
}

// Annotations of the DeploymentStep.
func (DeploymentStep) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One step of a deployment plan: deploying, or rolling back, one application."),
	}
}
