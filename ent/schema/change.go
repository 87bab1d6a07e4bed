package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Change is one unit of work that touches one or more applications, optionally
// scheduled in a release.
type Change struct {
	ent.Schema
}

// Mixin of the Change.
func (Change) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}, VersionMixin{}}
}

// Fields of the Change.
func (Change) Fields() []ent.Field {
	return []ent.Field{
		field.String("title").
			NotEmpty().
			MaxLen(500).
			Comment("Short summary of the change; surrounding whitespace is trimmed.").
			Annotations(entgql.OrderField("TITLE")),
		field.String("description").
			Default("").
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
	}
}

// Hooks of the Change.
func (Change) Hooks() []ent.Hook {
	return []ent.Hook{
		cleanInput(),
		audited(),
		trimField("title"),
		requireApplications(),
	}
}

// Annotations of the Change.
func (Change) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A unit of work that touches one or more applications, optionally scheduled in a release."),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
