package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

// Generation is a named counter that writers bump in the same transaction as
// the data it tracks. The "graph" generation changes with every application
// or dependency write, so any server process can tell with one cheap query
// whether its in-memory dependency graph is stale. Not exposed in GraphQL.
type Generation struct {
	ent.Schema
}

// Fields of the Generation.
func (Generation) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().Unique().Immutable(),
		field.Int64("value").Default(0),
	}
}

// Annotations of the Generation.
func (Generation) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Skip(entgql.SkipAll),
		schema.Comment("A named counter bumped by every write to the data it tracks."),
	}
}
