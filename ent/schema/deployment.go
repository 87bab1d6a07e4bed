package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Deployment is one release going to one environment in a time window.
// Its release and environment are immutable; promotion gates decide when
// it may start or succeed.
type Deployment struct {
	ent.Schema
}

// Mixin of the Deployment.
func (Deployment) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}}
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
		field.Time("starts_at").
			Optional().
			Nillable().
			Comment("Start of the deployment window (the environment is booked from then).").
			Annotations(entgql.OrderField("STARTS_AT")),
		field.Time("ends_at").
			Optional().
			Nillable().
			Comment("End of the deployment window; after startsAt when both are set.").
			Annotations(entgql.OrderField("ENDS_AT")),
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
		index.Fields("starts_at"),
	}
}

// Hooks of the Deployment.
func (Deployment) Hooks() []ent.Hook {
	return []ent.Hook{
		cleanInput(),
		audited(),
		requireWindowOrder(),
		requirePromotionGates(),
	}
}

// Annotations of the Deployment.
func (Deployment) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One release going to one environment in a time window."),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
