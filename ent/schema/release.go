package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Release groups changes that ship together in a deployment window.
type Release struct {
	ent.Schema
}

// Mixin of the Release.
func (Release) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}}
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
			Comment("Where the release stands in its lifecycle.").
			Annotations(entgql.OrderField("STATUS")),
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
		trimField("name"),
		requireWindowOrder(),
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
