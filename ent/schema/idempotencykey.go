package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// IdempotencyKey is a request a caller sent with an Idempotency-Key header:
// claimed while it runs, then holding the response to replay when the
// caller sends the same request again under the same key
// (internal/idempotency). Not exposed in GraphQL.
type IdempotencyKey struct {
	ent.Schema
}

// Fields of the IdempotencyKey.
func (IdempotencyKey) Fields() []ent.Field {
	return []ent.Field{
		field.String("caller").Immutable().Comment("Who sent the request: the token's name or the actor."),
		field.String("key").Immutable().MaxLen(255),
		field.String("request_hash").Immutable().Comment("SHA-256 of the request body, hex-encoded."),
		field.Time("created_at").Default(time.Now).Immutable(),
		field.Bool("done").Default(false).Comment("False while the first request runs."),
		field.Int("status").Optional().Comment("The stored response's HTTP status."),
		field.String("content_type").Optional(),
		field.Bytes("response").Optional().Comment("The stored response body."),
	}
}

// Indexes of the IdempotencyKey.
func (IdempotencyKey) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("caller", "key").Unique(),
		index.Fields("created_at"),
	}
}

// Annotations of the IdempotencyKey.
func (IdempotencyKey) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.Skip(entgql.SkipAll),
		schema.Comment("Requests sent with an Idempotency-Key, and their responses for replay."),
	}
}
