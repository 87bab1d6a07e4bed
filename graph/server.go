package graph

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/internal/events"
	"github.com/relgraph/relgraph/internal/tracing"
	"github.com/relgraph/relgraph/store"
)

// Options tune the GraphQL server; zero values take the defaults. The caps
// are checked once per operation, before anything runs (see limits.go).
type Options struct {
	// Logger receives internal errors and panics.
	Logger *slog.Logger
	// ConcurrentWrites bounds the mutation requests that write at once;
	// others wait their turn without holding a database connection, until
	// their deadline (then UNAVAILABLE, retryable). SQLite has one writer
	// at a time anyway: 1 there keeps queued writers from holding every
	// pooled connection while reads wait. 0 means no bound.
	ConcurrentWrites int
	// ComplexityLimit bounds an operation's cost: one per field, plus the
	// cost of its selection times the records it may return (a connection's
	// first/last or default page, the ids of nodes, ListComplexity for other
	// lists). Over it: COMPLEXITY_LIMIT.
	ComplexityLimit int
	// MaxPageSize bounds first/last on every connection (BAD_USER_INPUT), and
	// is the page of a top-level connection given neither, and the most ids
	// nodes(ids:) takes.
	MaxPageSize int
	// NestedPageCost is what a nested connection given neither first nor
	// last (a release's changes) multiplies the cost of its selection by.
	// It is a price, not a cap: such a connection returns all its edges,
	// which are few (ask with first: where they may not be).
	NestedPageCost int
	// MaxTokens bounds the tokens (names, punctuation, values) of a
	// document, so that no document takes long to parse and validate
	// (COMPLEXITY_LIMIT).
	MaxTokens int
	// MaxFields bounds the fields of an operation, counting a fragment's in
	// full at each spread, and the selections of the document as written
	// (COMPLEXITY_LIMIT).
	MaxFields int
	// MaxAliases bounds the aliased fields of an operation, fragments
	// expanded (COMPLEXITY_LIMIT).
	MaxAliases int
	// MaxMutationFields bounds the writes of one request: the top-level
	// fields of a mutation (COMPLEXITY_LIMIT).
	MaxMutationFields int
	// MaxBulkItems bounds the records of one bulk write (createApplications,
	// upsertChanges, ...) (BAD_USER_INPUT).
	MaxBulkItems int
	// MaxFilterConditions bounds the conditions (input fields, at any
	// depth) of one where-filter (BAD_USER_INPUT).
	MaxFilterConditions int
	// MaxFilterDepth bounds how deep a where-filter nests (and, or, not,
	// has...With) (BAD_USER_INPUT).
	MaxFilterDepth int
	// MaxFilterValues bounds the values of a where-filter's lists (idIn,
	// nameIn, ...) together (BAD_USER_INPUT).
	MaxFilterValues int
	// MaxFilterString bounds, in characters, each string of a where-filter
	// (nameContains, titleHasPrefix, ...) (BAD_USER_INPUT).
	MaxFilterString int
	// Events delivers committed audit events to subscriptions; nil means
	// a broker of this process alone (events.NewBroker).
	Events *events.Broker
	// WebsocketInit, if set, admits a WebSocket connection from its
	// connection_init payload (authentication); an error refuses it.
	WebsocketInit transport.WebsocketInitFunc
	// OperationTimeout bounds a query or mutation sent over a long-lived
	// transport (WebSocket, SSE), which the HTTP request deadline does not
	// cover. 0 means no bound.
	OperationTimeout time.Duration
	// KeepAlive is the interval of WebSocket pings and SSE keep-alive
	// comments; 0 means DefaultKeepAlive.
	KeepAlive time.Duration
}

// DefaultKeepAlive is how often an idle subscription connection is pinged,
// so that proxies keep it open and a dead peer is noticed.
const DefaultKeepAlive = 15 * time.Second

// Defaults for Options.
const (
	DefaultComplexityLimit     = 500000
	DefaultMaxPageSize         = 1000
	DefaultNestedPageCost      = 10
	DefaultMaxTokens           = 20000
	DefaultMaxFields           = 1000
	DefaultMaxAliases          = 100
	DefaultMaxMutationFields   = 100
	DefaultMaxFilterConditions = 100
	DefaultMaxFilterDepth      = 10
	DefaultMaxFilterValues     = 1000
	DefaultMaxFilterString     = 1000
)

// withDefaults returns opts with every zero field set to its default.
func (opts Options) withDefaults() Options {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Events == nil {
		opts.Events = events.NewBroker(events.Options{})
	}
	if opts.KeepAlive == 0 {
		opts.KeepAlive = DefaultKeepAlive
	}
	for _, o := range []struct {
		v   *int
		def int
	}{
		{&opts.ComplexityLimit, DefaultComplexityLimit},
		{&opts.MaxPageSize, DefaultMaxPageSize},
		{&opts.NestedPageCost, DefaultNestedPageCost},
		{&opts.MaxTokens, DefaultMaxTokens},
		{&opts.MaxFields, DefaultMaxFields},
		{&opts.MaxAliases, DefaultMaxAliases},
		{&opts.MaxMutationFields, DefaultMaxMutationFields},
		{&opts.MaxBulkItems, DefaultMaxBulkItems},
		{&opts.MaxFilterConditions, DefaultMaxFilterConditions},
		{&opts.MaxFilterDepth, DefaultMaxFilterDepth},
		{&opts.MaxFilterValues, DefaultMaxFilterValues},
		{&opts.MaxFilterString, DefaultMaxFilterString},
	} {
		if *o.v == 0 {
			*o.v = o.def
		}
	}
	return opts
}

// Server is the GraphQL endpoint: gqlgen's server, answering as the
// GraphQL-over-HTTP specification recommends (see graphQLOverHTTP).
type Server struct {
	*handler.Server
	present graphql.ErrorPresenterFunc
	sdl     string
}

// SDL serves the public schema (PublicSDL) as text, for GET /schema.graphql:
// what code generators and schema registries read.
func (s *Server) SDL(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = io.WriteString(w, s.sdl)
}

// ServeHTTP serves GraphQL over HTTP.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Answers are JSON, never to be sniffed as HTML (postTransport writes
	// data without escaping <, > and &).
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// An answer holds what the caller's token may read, as of now: no cache
	// may keep it (a GET is otherwise cacheable, and a PERSISTED_QUERY_NOT_FOUND
	// kept by one would keep a client from registering its query).
	w.Header().Set("Cache-Control", "no-store")
	if IsStream(r) {
		// Long-lived transports answer by their own protocol: the
		// GraphQL-over-HTTP adjustments are for single answers.
		s.Server.ServeHTTP(w, r.WithContext(events.WithConnection(r.Context())))
		return
	}
	graphQLOverHTTP(s.Server, s.present).ServeHTTP(w, r)
}

// IsStream reports whether r asks for a long-lived GraphQL transport (a
// WebSocket upgrade, or server-sent events), which middleware must neither
// bound by the request deadline nor buffer.
func IsStream(r *http.Request) bool {
	return r.Header.Get("Upgrade") != "" || strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

// NewServer builds the GraphQL handler with exactly the transports and
// extensions relgraph uses: GET and POST JSON, introspection, persisted
// queries, the caps of opts and a complexity limit (limits.go), one error
// presenter, and a transaction per mutation.
func NewServer(client *ent.Client, graph *store.GraphCache, opts Options) *Server {
	opts = opts.withDefaults()
	resolver := &Resolver{client: client, graph: graph, maxIDs: opts.MaxPageSize, maxBulk: opts.MaxBulkItems, events: opts.Events}
	exec := NewExecutableSchema(Config{Resolvers: resolver})
	resolver.exec = exec.(*executableSchema)
	schema := newPricedSchema(exec, opts)
	cache := lru.New[*ast.QueryDocument](1000)
	srv := handler.New(schema)
	srv.AddTransport(transport.Options{})
	// Subscriptions: graphql-transport-ws (and the older graphql-ws) over
	// WebSocket, and server-sent events; before GET and POST, which would
	// claim their requests. The Origin of a WebSocket was already checked
	// against the CORS origins (httpapi's allowHosts), hence no second,
	// same-origin-only check by the library.
	srv.AddTransport(transport.Websocket{
		Implementation: transport.CoderWebsocketImplementation{
			AcceptOptions: websocket.AcceptOptions{InsecureSkipVerify: true},
		},
		InitFunc:              opts.WebsocketInit,
		InitTimeout:           10 * time.Second,
		KeepAlivePingInterval: opts.KeepAlive,
	})
	srv.AddTransport(transport.SSE{KeepAlivePingInterval: opts.KeepAlive})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(postTransport{})
	srv.SetQueryCache(cache)
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	// After the persisted query is known; before the complexity walk, which
	// the caps on the document's shape bound, and which must not refuse as
	// too costly what is a bad page size.
	srv.Use(&limits{opts: opts, schema: schema.Schema(), cache: cache})
	srv.Use(extension.FixedComplexityLimit(opts.ComplexityLimit))
	if tracing.Enabled() {
		srv.Use(tracing.GraphQL{})
	}

	present := presentError(opts.Logger)
	srv.SetErrorPresenter(present)
	srv.SetRecoverFunc(recoverPanic(opts.Logger))
	t := transactioner{client: client, present: present, events: opts.Events}
	if opts.ConcurrentWrites > 0 {
		t.turns = make(chan struct{}, opts.ConcurrentWrites)
	}
	srv.Use(t)
	// A request reads one graph and batches its reads (store.WithRequestGraph).
	// A subscription is one operation that answers once per event: each
	// answer is a request of its own, as new as the event.
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		if isSubscription(ctx) {
			return next(ctx)
		}
		return next(store.WithRequestGraph(ctx))
	})
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		if isSubscription(ctx) {
			return next(store.WithRequestGraph(ctx))
		}
		return next(ctx)
	})
	srv.AroundOperations(aroundStreams(opts.OperationTimeout))
	srv.AroundResponses(endStreams(present))
	return &Server{Server: srv, present: present, sdl: PublicSDL(exec.Schema())}
}

// isSubscription reports whether ctx's operation is a subscription.
func isSubscription(ctx context.Context) bool {
	if !graphql.HasOperationContext(ctx) {
		return false
	}
	op := graphql.GetOperationContext(ctx).Operation
	return op != nil && op.Operation == ast.Subscription
}

// page applies the default page size to a top-level connection called with
// neither first nor last, so no request reads a whole large table.
func (r *Resolver) page(first, last *int) *int {
	if first == nil && last == nil {
		return &r.maxIDs
	}
	return first
}
