package schema

import (
	"context"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/internal/freetext"
)

// AuditEvent records one successful write, in the same transaction as the
// write: who, when, what, and each changed field's old and new value. The
// API never edits or deletes audit events.
type AuditEvent struct {
	ent.Schema
}

// Fields of the AuditEvent.
func (AuditEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Time("at").
			Default(now).
			Immutable().
			Comment("When the write happened.").
			Annotations(entgql.OrderField("AT")),
		field.String("actor").
			Validate(visibleText(freetext.MaxActor)).
			Immutable().
			Comment("Who wrote: the caller's identity, or \"anonymous\"."),
		field.Enum("action").
			Values("CREATE", "UPDATE", "DELETE", "TRANSITION").
			Immutable().
			Comment("What kind of write it was.").
			Annotations(entgql.Type("AuditAction")),
		field.String("entity_type").
			Immutable().
			Comment("The type of the written record, e.g. Release."),
		field.Int("entity_id").
			Immutable().
			Comment("The id of the written record.").
			Annotations(entgql.Type("ID")),
		field.JSON("changes", map[string]any{}).
			Immutable().
			Comment("Per field, its old and new value: {\"name\": {\"old\": \"a\", \"new\": \"b\"}}; edges list the added and removed ids.").
			Annotations(entgql.Type("Map")),
		field.String("reason").
			Validate(visibleText(freetext.MaxReason)).
			Optional().
			Nillable().
			Immutable().
			Comment("Why, when the caller said so (e.g. a freeze override)."),
	}
}

// Indexes of the AuditEvent.
func (AuditEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("entity_type", "entity_id", "at"),
		index.Fields("at"),
		index.Fields("actor", "at"),
	}
}

// Hooks of the AuditEvent.
func (AuditEvent) Hooks() []ent.Hook {
	return []ent.Hook{refuseAuditRewrite()}
}

// Annotations of the AuditEvent.
func (AuditEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One successful write: who, when, what, and each changed field's old and new value."),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.MultiOrder(),
	}
}

// refuseAuditRewrite keeps the audit trail append-only, whatever code tries.
func refuseAuditRewrite() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if !m.Op().Is(ent.OpCreate) {
				return nil, fault.Precondition("audit events cannot be changed or deleted")
			}
			return next.Mutate(ctx, m)
		})
	}
}

// visibleText validates a free-text field of the audit trail: stored as
// written, it must already be what freetext.Clean makes of it.
func visibleText(max int) func(string) error {
	return func(s string) error {
		clean, err := freetext.Clean(s, max)
		if err != nil {
			return fault.Invalid("", "%s", err)
		}
		if clean != s {
			return fault.Invalid("", "must not begin or end with white space or invisible characters")
		}
		return nil
	}
}
