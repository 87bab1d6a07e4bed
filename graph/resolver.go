// Package graph is relgraph's GraphQL layer: the gqlgen schema, thin
// resolvers that translate arguments into calls on Ent and store and results
// back, the one error presenter that gives every failure an extensions.code,
// and the GraphQL endpoint (NewServer) that internal/httpapi mounts.
package graph

import (
	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/internal/events"
	"github.com/relgraph/relgraph/store"
)

//go:generate go run -mod=mod github.com/99designs/gqlgen
//go:generate go run sdlgen.go ../schema.graphql

// Resolver is the root resolver; its dependencies are injected once by
// NewServer. Resolvers that write take their client from the request
// context (ent.FromContext) so they run inside the request's transaction.
type Resolver struct {
	client *ent.Client
	graph  *store.GraphCache
	// maxIDs bounds the ids one nodes(ids:) call may ask for, and is the
	// page size of a top-level connection given neither first nor last.
	maxIDs int
	// maxBulk bounds the records of one bulk write.
	maxBulk int
	// exec is the schema these resolvers serve, for the answers that write
	// their own JSON and hand what they cannot to gqlgen's marshalling.
	exec *executableSchema
	// events delivers committed audit events to subscriptions.
	events *events.Broker
}
