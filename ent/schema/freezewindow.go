package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// FreezeWindow is a period in which some applications, or the whole
// portfolio, must not change: a release whose impact reaches them may not
// start in it without an explicit, audited override.
type FreezeWindow struct {
	ent.Schema
}

// Mixin of the FreezeWindow.
func (FreezeWindow) Mixin() []ent.Mixin {
	return []ent.Mixin{
		RecordMixin{},
		WindowMixin{Starts: "Start of the freeze.", Ends: "End of the freeze; after startsAt."},
	}
}

// Fields of the FreezeWindow.
func (FreezeWindow) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			Validate(length(1, 200)).
			MaxLen(200).
			Comment("Name of the freeze, e.g. \"Year-end freeze\"; surrounding whitespace is trimmed.").
			Annotations(entgql.OrderField("NAME")),
		field.String("reason").
			Default("").
			Validate(length(0, 10000)).
			MaxLen(10000).
			Comment("Why nothing may change."),
	}
}

// Edges of the FreezeWindow.
func (FreezeWindow) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("applications", Application.Type).
			Comment("The frozen applications; none means the whole portfolio is frozen.").
			Annotations(entgql.RelayConnection()),
	}
}

// Hooks of the FreezeWindow.
func (FreezeWindow) Hooks() []ent.Hook {
	return []ent.Hook{
		trimField("name"),
	}
}

// Annotations of the FreezeWindow.
func (FreezeWindow) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A period in which the listed applications (or, with none listed, the whole portfolio) must not change."),
	}
}
