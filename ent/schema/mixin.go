// Package schema is the single source of truth for relgraph's data model:
// fields, validation, defaults, enums, indexes, edges and how each is exposed
// through GraphQL. Everything else (ent/, graph/ent.graphqls) is generated
// from it.
package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"entgo.io/ent/schema/mixin"
)

// TimeMixin gives an entity createdAt/updatedAt timestamps that clients can
// order by but never set.
type TimeMixin struct {
	mixin.Schema
}

// Fields of the TimeMixin.
func (TimeMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").
			Default(now).
			Immutable().
			Comment("When the record was created.").
			Annotations(
				entgql.OrderField("CREATED_AT"),
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
		field.Time("updated_at").
			Default(now).
			UpdateDefault(now).
			Comment("When the record was last changed.").
			Annotations(
				entgql.OrderField("UPDATED_AT"),
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
	}
}

// Indexes of the TimeMixin: lists are ordered by creation time by default.
func (TimeMixin) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("created_at"),
	}
}

// VersionMixin gives an entity a version that every update bumps, so that
// writers can refuse to overwrite changes they have not seen (expectedVersion).
type VersionMixin struct {
	mixin.Schema
}

// Fields of the VersionMixin.
func (VersionMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Int("version").
			Default(1).
			Comment("Bumped by every update. Pass it back as expectedVersion to refuse an update over changes you have not seen.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Hooks of the VersionMixin.
func (VersionMixin) Hooks() []ent.Hook {
	return []ent.Hook{versioned()}
}

// now is the current time in UTC: every stored time is UTC, so SQLite, which
// compares times as text, orders and filters them correctly.
func now() time.Time { return time.Now().UTC() }
