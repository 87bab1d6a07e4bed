package schema

import (
	"context"

	"entgo.io/ent"
	"entgo.io/ent/privacy"

	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/internal/viewer"
)

// requireRole lets a request's viewer write only with role need or more.
// Code running without a viewer (the demo loader, command-line tools, a Go
// program with the database in hand) is trusted.
func requireRole(need viewer.Role) privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		if v, ok := viewer.From(ctx); ok && !v.Role.Allows(need) {
			return fault.Denied("%s needs the %s role (%s has %s)", writeName(m), need, v.Actor, v.Role)
		}
		return privacy.Skip
	})
}

// readableBy lets a request's viewer read only with role need or more.
type readableBy viewer.Role

// EvalQuery implements privacy.QueryRule.
func (need readableBy) EvalQuery(ctx context.Context, _ ent.Query) error {
	if v, ok := viewer.From(ctx); ok && !v.Role.Allows(viewer.Role(need)) {
		return fault.Denied("reading this needs the %s role (%s has %s)", viewer.Role(need), v.Actor, v.Role)
	}
	return privacy.Skip
}

func writeName(m ent.Mutation) string {
	switch {
	case m.Op().Is(ent.OpCreate):
		return "creating a " + m.Type()
	case m.Op().Is(ent.OpDelete | ent.OpDeleteOne):
		return "deleting a " + m.Type()
	}
	return "changing a " + m.Type()
}
