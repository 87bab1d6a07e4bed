package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// ReleasePackage groups releases for planning and reporting: a quarter's
// releases, a programme. Its status is rolled up from its releases, and its
// impact, conflicts and risk are those of their union.
type ReleasePackage struct {
	ent.Schema
}

// Mixin of the ReleasePackage.
func (ReleasePackage) Mixin() []ent.Mixin {
	return []ent.Mixin{
		RecordMixin{},
		WindowMixin{
			Optional: true,
			Starts:   "Start of the package's window.",
			Ends:     "End of the package's window; after startsAt when both are set.",
		},
	}
}

// Fields of the ReleasePackage.
func (ReleasePackage) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			Validate(length(1, 200)).
			MaxLen(200).
			Unique().
			Comment("Unique name of the package; surrounding whitespace is trimmed.").
			Annotations(entgql.OrderField("NAME")),
		field.String("description").
			Default("").
			Validate(length(0, 10000)).
			MaxLen(10000).
			Comment("What the package groups."),
	}
}

// Edges of the ReleasePackage.
func (ReleasePackage) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("releases", Release.Type).
			Comment("The releases in the package.").
			Annotations(entgql.RelayConnection()),
	}
}

// Hooks of the ReleasePackage.
func (ReleasePackage) Hooks() []ent.Hook {
	return []ent.Hook{trimField("name")}
}

// Annotations of the ReleasePackage.
func (ReleasePackage) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A group of releases planned and reported together: a quarter's releases, a programme."),
	}
}
