package graph

import (
	"context"
	"log/slog"

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
	// ComplexityLimit bounds a query's cost (one per field selected).
	ComplexityLimit int
	// MaxPageSize bounds first/last on every connection.
	MaxPageSize int
}

// Defaults for Options.
const (
	DefaultComplexityLimit = 2000
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
	resolver := &Resolver{client: client, graph: graph}
	srv := handler.New(NewExecutableSchema(Config{Resolvers: resolver}))
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
	return srv
}

// guardFields is the one field middleware: it refuses first/last above
// limit on any connection, so no request can ask for a whole large table at
// once, and tags errors returned by resolvers (see resolverError). Plain
// struct fields, the bulk of any large response, pass straight through.
func guardFields(limit int) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if fc == nil || (!fc.IsResolver && !fc.IsMethod) {
			return next(ctx)
		}
		for _, arg := range []string{"first", "last"} {
			if n, ok := fc.Args[arg].(*int); ok && n != nil && *n > limit {
				return nil, fault.Invalid(arg, "%s must be at most %d", arg, limit)
			}
		}
		res, err := next(ctx)
		return res, markResolverError(err)
	}
}
