package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/relgraph/relgraph/lifecycle"
)

// Release groups changes that ship together in a deployment window.
type Release struct {
	ent.Schema
}

// Mixin of the Release.
func (Release) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}, VersionMixin{}}
}

// Fields of the Release.
func (Release) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			NotEmpty().
			MaxLen(200).
			Unique().
			Comment("Unique name of the release; surrounding whitespace is trimmed.").
			Annotations(entgql.OrderField("NAME")),
		field.String("description").
			Default("").
			MaxLen(10000).
			Comment("What the release is about."),
		field.Enum("status").
			Values("DRAFT", "PLANNED", "IN_PROGRESS", "DEPLOYED", "CANCELLED").
			Default("DRAFT").
			Comment("Where the release stands in its lifecycle; changed only by transitionRelease.").
			Annotations(
				entgql.OrderField("STATUS"),
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
		field.JSON("stages", []lifecycle.Stage{}).
			Default(lifecycle.Stages()).
			Comment("The stages the release must pass, in flow order; all six by default. A deployment to a stage may start or succeed only after the release succeeded in every earlier one.").
			Annotations(entgql.Type("[EnvironmentStage!]")),
		field.Time("starts_at").
			Optional().
			Nillable().
			Comment("Start of the deployment window.").
			Annotations(entgql.OrderField("STARTS_AT")),
		field.Time("ends_at").
			Optional().
			Nillable().
			Comment("End of the deployment window; after startsAt when both are set.").
			Annotations(entgql.OrderField("ENDS_AT")),
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
	}
}

// Indexes of the Release: windows are searched and ordered by start.
func (Release) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("starts_at"),
		index.Fields("ends_at"),
	}
}

// Hooks of the Release.
func (Release) Hooks() []ent.Hook {
	return []ent.Hook{
		cleanInput(),
		audited(),
		trimField("name"),
		requireWindowOrder(),
		normalizeStages(),
		statusOnlyByTransition(),
		refuseReleaseDeleteWithDeployments(),
		scheduleChangesFromTheChangeSide(),
	}
}

// Annotations of the Release.
func (Release) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A set of changes that ship together in a deployment window."),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
