package graph

import (
	"context"

	"entgo.io/contrib/entgql"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/internal/fault"
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

// Server is the GraphQL endpoint: gqlgen's server, answering as the
// GraphQL-over-HTTP specification recommends (see graphQLOverHTTP).
type Server struct {
	*handler.Server
	present graphql.ErrorPresenterFunc
}

// ServeHTTP serves GraphQL over HTTP.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	graphQLOverHTTP(s.Server, s.present).ServeHTTP(w, r)
}

// NewServer builds the GraphQL handler with exactly the transports and
// extensions relgraph uses: GET and POST JSON, introspection, persisted
// queries, a complexity limit, one error presenter, and a transaction per
// mutation.
func NewServer(client *ent.Client, graph *store.GraphCache, opts Options) *Server {
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
	srv.Use(pageLimits{limit: opts.MaxPageSize})
	srv.Use(transactioner{client: client, present: present})
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(store.WithRequestGraph(ctx))
	})
	return &Server{Server: srv, present: present}
}

// pageLimits checks every paging argument of an operation once, before it
// runs: first/last at most limit and not both on one field, after/before
// cursors this server issued (a foreign cursor is the client's mistake,
// which the cursor's own decoder reports only as untyped text). Checking the document
// instead of each field as it resolves keeps per-field overhead (a field
// middleware costs about a fifth of a large response's time) off the hot path.
type pageLimits struct{ limit int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = pageLimits{}

func (pageLimits) ExtensionName() string { return "RelgraphPageLimits" }

func (pageLimits) Validate(graphql.ExecutableSchema) error { return nil }

func (p pageLimits) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	seen := map[string]bool{}
	var walk func(ast.SelectionSet) *gqlerror.Error
	walk = func(set ast.SelectionSet) *gqlerror.Error {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				if err := p.check(sel, oc.Variables); err != nil {
					return err
				}
				if err := walk(sel.SelectionSet); err != nil {
					return err
				}
			case *ast.InlineFragment:
				if err := walk(sel.SelectionSet); err != nil {
					return err
				}
			case *ast.FragmentSpread:
				if seen[sel.Name] || sel.Definition == nil {
					continue
				}
				seen[sel.Name] = true
				if err := walk(sel.Definition.SelectionSet); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(oc.Operation.SelectionSet)
}

func (p pageLimits) check(f *ast.Field, vars map[string]any) *gqlerror.Error {
	given := map[string]bool{}
	for _, name := range []string{"first", "last"} {
		arg := f.Arguments.ForName(name)
		if arg == nil {
			continue
		}
		v, err := arg.Value.Value(vars)
		if err != nil || v == nil {
			continue
		}
		given[name] = true
		if n, ok := v.(int64); ok && n > int64(p.limit) {
			return inputError(name, fmt.Sprintf("%s must be at most %d", name, p.limit))
		}
	}
	if given["first"] && given["last"] {
		return inputError("last", "pass first or last, not both")
	}
	for _, name := range []string{"after", "before"} {
		arg := f.Arguments.ForName(name)
		if arg == nil {
			continue
		}
		v, err := arg.Value.Value(vars)
		if err != nil || v == nil {
			continue
		}
		var c entgql.Cursor[int]
		if c.UnmarshalGQL(v) != nil {
			return inputError(name, "the cursor is not one this server issued")
		}
	}
	return nil
}

func inputError(field, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": string(fault.BadUserInput), "field": field}}
}

// page applies the default page size to a top-level connection called with
// neither first nor last, so no request reads a whole large table.
func (r *Resolver) page(first, last *int) *int {
	if first == nil && last == nil {
		return &r.maxIDs
	}
	return first
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
