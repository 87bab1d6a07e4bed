package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/privacy"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"

	"github.com/relgraph/relgraph/internal/freetext"
	"github.com/relgraph/relgraph/internal/viewer"
)

// Token is an API token: a named secret with a role. Only a hash of the
// secret is stored, so a copy of the database lets no one in; the secret is
// shown once, when the token is created. Managing tokens needs the ADMIN role.
type Token struct {
	ent.Schema
}

// Mixin of the Token.
func (Token) Mixin() []ent.Mixin {
	return []ent.Mixin{RecordMixin{Writer: viewer.Admin, NoMutations: true}}
}

// Fields of the Token.
func (Token) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			Validate(visibleText(freetext.MaxActor)).
			MaxLen(freetext.MaxActor).
			Unique().
			Immutable().
			Comment("Unique name of the token: who or what uses it. The audit trail names its writes so.").
			Annotations(entgql.OrderField("NAME")),
		field.Enum("role").
			GoType(viewer.Role("")).
			Immutable().
			Comment("What the token's bearer may do: VIEWER queries, EDITOR also writes, ADMIN also manages tokens.").
			Annotations(entgql.Type("Role")),
		field.String("hash").
			Unique().
			Immutable().
			Sensitive().
			Comment("SHA-256 of the secret, hex-encoded.").
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Policy of the Token: only an ADMIN may list tokens (writing them needs
// ADMIN too, see the mixin).
func (Token) Policy() ent.Policy {
	return privacy.Policy{Query: privacy.QueryPolicy{readableBy(viewer.Admin)}}
}

// Annotations of the Token.
func (Token) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("An API token: a named secret with a role; the secret itself is never stored or shown again."),
	}
}
