package model

import (
	"context"
	"errors"
	"io"

	"github.com/relgraph/relgraph/ent"
)

// Impact is what a set of changed applications affects.
type Impact struct {
	// Changed are the applications the changes touch, by name.
	Changed []*ent.Application
	// Impacted are the changed applications and everything that depends
	// on them, by distance, then name.
	Impacted ImpactedList
	// Shared are the impacted applications with two or more direct
	// consumers, by name.
	Shared []*ent.Application
}

// ImpactedList is an impact's impacted applications. It writes its own
// JSON: an answer can name every application of the portfolio, and gqlgen's
// generic list marshalling (a goroutine and field contexts per element)
// would cost many times what the engine does. Write, set by the graph
// package, does the writing for the selection in ctx.
type ImpactedList struct {
	Items []*ImpactedApplication
	Write func(ctx context.Context, w io.Writer, items []*ImpactedApplication) error
}

// MarshalGQLContext implements graphql.ContextMarshaler.
func (l ImpactedList) MarshalGQLContext(ctx context.Context, w io.Writer) error {
	return l.Write(ctx, w, l.Items)
}

// UnmarshalGQLContext implements graphql.ContextUnmarshaler, which gqlgen
// asks of a bound type; impacted lists are output only.
func (ImpactedList) UnmarshalGQLContext(context.Context, any) error {
	return errors.New("an impacted list is output only")
}
