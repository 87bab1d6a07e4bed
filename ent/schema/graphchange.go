package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// GraphChange is one entry of the graph's change log: what a write at a
// graph generation did to the dependency graph. A server whose snapshot is a
// few generations old reads the entries since and applies them to its
// snapshot instead of reading the whole graph again (store.GraphCache). An
// entry names either an application whose record changed (created, updated
// or deleted: the reader looks it up) or a dependency pair added or removed.
// Old entries are pruned; a reader that finds a gap rebuilds. Not exposed in
// GraphQL.
type GraphChange struct {
	ent.Schema
}

// Fields of the GraphChange.
func (GraphChange) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("generation").Immutable(),
		field.Int("application_id").Optional().Nillable().Immutable(),
		field.Int("consumer_id").Optional().Nillable().Immutable(),
		field.Int("provider_id").Optional().Nillable().Immutable(),
		field.Bool("removed").Default(false).Immutable(),
	}
}

// Indexes of the GraphChange.
func (GraphChange) Indexes() []ent.Index {
	return []ent.Index{index.Fields("generation")}
}

// Annotations of the GraphChange.
func (GraphChange) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Skip(entgql.SkipAll),
		schema.Comment("The graph's change log: what each graph generation changed."),
	}
}
