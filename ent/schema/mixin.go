// Package schema is the single source of truth for relgraph's data model:
// fields, validation, defaults, enums, indexes, edges, how each is exposed
// through GraphQL, and every rule a write must obey, as hooks. Everything
// else (ent/, graph/ent.graphqls) is generated from it.
//
// Each entity's file is its complete description, including the hooks only
// it has; what several entities share is a mixin in this file (records,
// versions, time windows) or a hook in hooks.go and audit.go. A rule lives
// here, not in a resolver, so that GraphQL, the demo loader and any Go
// program writing through the Ent client obey it alike.
package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"entgo.io/ent/schema/mixin"

	"entgo.io/ent/privacy"
	"github.com/relgraph/relgraph/internal/viewer"
)

// RecordMixin makes an entity a portfolio record: createdAt/updatedAt
// timestamps that clients can order by but never set; every write cleaned
// (valid UTF-8, times in UTC) and recorded in the audit trail in its own
// transaction; and entgql's standard GraphQL surface (a Relay connection on
// Query with ordering and filters, node(id:), create and update mutations).
type RecordMixin struct {
	mixin.Schema
	// Transitions names the field whose updates the audit trail records as
	// TRANSITION rather than UPDATE (a release's status), if any.
	Transitions string
	// Writer is the role a request's viewer needs to write the record;
	// EDITOR when empty.
	Writer viewer.Role
	// NoMutations leaves out entgql's create and update mutations, for
	// records written through hand-written mutations only.
	NoMutations bool
}

// Fields of the RecordMixin.
func (RecordMixin) Fields() []ent.Field {
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

// Indexes of the RecordMixin: lists are ordered by creation time by default.
func (RecordMixin) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("created_at"),
	}
}

// Hooks of the RecordMixin. They run outside every entity's own hooks, so
// the audit trail sees the write as it is finally stored; first of all, an
// update or delete locks its rows (lockRows), so that every hook reads them
// as this write will overwrite them.
func (m RecordMixin) Hooks() []ent.Hook {
	return []ent.Hook{lockRows(), cleanInput(), audited(m.Transitions)}
}

// Policy of the RecordMixin: a request's viewer writes only with the
// record's Writer role (privacy rules run before every hook, so a refused
// write does nothing).
func (m RecordMixin) Policy() ent.Policy {
	need := m.Writer
	if need == "" {
		need = viewer.Editor
	}
	return privacy.Policy{Mutation: privacy.MutationPolicy{requireRole(need)}}
}

// Annotations of the RecordMixin.
func (m RecordMixin) Annotations() []schema.Annotation {
	out := []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.MultiOrder(),
	}
	if !m.NoMutations {
		out = append(out, entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()))
	}
	return out
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

// WindowMixin gives an entity a time window [startsAt, endsAt): both ends
// indexed (windows are searched by overlap and ordered by start), and
// endsAt after startsAt whenever both are set, whichever a write touches.
type WindowMixin struct {
	mixin.Schema
	// Optional lets a record have no window, or only one end of it.
	Optional bool
	// Starts and Ends describe the two ends, for the GraphQL documentation.
	Starts, Ends string
}

// Fields of the WindowMixin.
func (w WindowMixin) Fields() []ent.Field {
	starts := field.Time("starts_at").
		Comment(w.Starts).
		Annotations(entgql.OrderField("STARTS_AT"))
	ends := field.Time("ends_at").
		Comment(w.Ends).
		Annotations(entgql.OrderField("ENDS_AT"))
	if w.Optional {
		starts, ends = starts.Optional().Nillable(), ends.Optional().Nillable()
	}
	return []ent.Field{starts, ends}
}

// Indexes of the WindowMixin.
func (WindowMixin) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("starts_at"),
		index.Fields("ends_at"),
	}
}

// Hooks of the WindowMixin.
func (WindowMixin) Hooks() []ent.Hook {
	return []ent.Hook{requireWindowOrder()}
}

// now is the current time in UTC: every stored time is UTC, so SQLite, which
// compares times as text, orders and filters them correctly.
func now() time.Time { return time.Now().UTC() }
