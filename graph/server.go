package graph

import (
	"context"
	"log/slog"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/fault"
	"github.com/relgraph/relgraph/store"
)

// Options tune the GraphQL server; zero values take the defaults.
type Options struct {
	// Logger receives internal errors and panics.
	Logger *slog.Logger
	// ComplexityLimit bounds a query's cost: one per field, times the page
	// size for the selections under a connection (ListComplexity for other
	// lists).
	ComplexityLimit int
	// MaxPageSize bounds first/last on every connection.
	MaxPageSize int
}

// Defaults for Options.
const (
	DefaultComplexityLimit = 100000
	DefaultMaxPageSize     = 1000
)

// NewServer builds the GraphQL handler with exactly the transports and
// extensions relgraph uses: GET and POST JSON, introspection, persisted
// queries, a complexity limit, one error presenter, and a transaction per
// mutation.
func NewServer(client *ent.Client, graph *store.GraphCache, opts Options) *handler.Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.ComplexityLimit == 0 {
		opts.ComplexityLimit = DefaultComplexityLimit
	}
	if opts.MaxPageSize == 0 {
		opts.MaxPageSize = DefaultMaxPageSize
	}
	resolver := &Resolver{client: client, graph: graph, maxIDs: opts.MaxPageSize}
	srv := handler.New(pricedSchema{NewExecutableSchema(Config{Resolvers: resolver})})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	srv.Use(extension.FixedComplexityLimit(opts.ComplexityLimit))

	present := presentError(opts.Logger)
	srv.SetErrorPresenter(present)
	srv.SetRecoverFunc(recoverPanic(opts.Logger))
	srv.AroundFields(guardFields(opts.MaxPageSize))
	srv.Use(transactioner{client: client, present: present})
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(store.WithRequestGraph(ctx))
	})
	return srv
}

// guardFields is the one field middleware. On every connection it refuses
// first/last above limit or both at once, and pages by limit when neither is
// given, so no request reads a whole large table. Plain struct fields, the
// bulk of any large response, pass straight through.
func guardFields(limit int) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if fc == nil || (!fc.IsResolver && !fc.IsMethod) {
			return next(ctx)
		}
		if first, isConnection := fc.Args["first"].(*int); isConnection {
			last, _ := fc.Args["last"].(*int)
			switch {
			case first != nil && last != nil:
				return nil, fault.Invalid("last", "pass first or last, not both")
			case first == nil && last == nil:
				// An unbounded page is a full table scan waiting to happen.
				fc.Args["first"] = &limit
			}
			for arg, n := range map[string]*int{"first": first, "last": last} {
				if n != nil && *n > limit {
					return nil, fault.Invalid(arg, "%s must be at most %d", arg, limit)
				}
			}
		}
		return next(ctx)
	}
}

// ListComplexity is what a list field without paging arguments (dependsOn,
// impacted, path, ...) multiplies the cost of its selection by.
const ListComplexity = 20

// pricedSchema prices selections under lists: a connection's selection costs
// its first/last times over, any other list's ListComplexity times, so
// nesting lists cannot multiply a small query into a huge response unnoticed.
type pricedSchema struct {
	graphql.ExecutableSchema
}

func (p pricedSchema) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	if first, isConnection := args["first"]; isConnection {
		// An unpaged connection returns up to maxPage records but is priced
		// like a plain list: nested edges (a change's applications) are
		// usually short, and pricing them at the page cap would refuse
		// ordinary nested queries.
		n := ListComplexity
		for _, v := range []any{first, args["last"]} {
			if size, ok := v.(*int); ok && size != nil {
				n = max(*size, 0)
			}
		}
		return 1 + child*n, true
	}
	// A connection's edges are priced by the connection's page size above.
	if fd := p.Schema().Types[typeName]; fd != nil && !strings.HasSuffix(typeName, "Connection") {
		if f := fd.Fields.ForName(field); f != nil && f.Type.Elem != nil {
			return 1 + child*ListComplexity, true
		}
	}
	return p.ExecutableSchema.Complexity(ctx, typeName, field, child, args)
}
