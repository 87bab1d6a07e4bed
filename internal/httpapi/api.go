// Package httpapi assembles relgraph's HTTP surface in one place: the GraphQL
// endpoint, the offline GraphiQL page, health and readiness probes, and the
// middleware around them (request id, tracing, request log, gzip, CORS, body
// limit, authentication, Idempotency-Key). server.go and the end-to-end tests
// both serve exactly what New returns.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"entgo.io/ent/dialect"
	"github.com/rs/cors"

	"github.com/relgraph/relgraph/graph"
	"github.com/relgraph/relgraph/internal/auth"
	"github.com/relgraph/relgraph/internal/events"
	"github.com/relgraph/relgraph/internal/graphiql"
	"github.com/relgraph/relgraph/internal/graphpage"
	"github.com/relgraph/relgraph/internal/idempotency"
	"github.com/relgraph/relgraph/internal/metrics"
	"github.com/relgraph/relgraph/internal/tracing"
	"github.com/relgraph/relgraph/store"
)

// Config is what the HTTP surface needs.
type Config struct {
	DB     *store.DB
	Logger *slog.Logger
	// CORSOrigins are the browser origins allowed to call the API; "*"
	// allows any. None means cross-origin browser calls are refused.
	CORSOrigins []string
	// CORSHeaders are request headers that browsers on those origins may
	// send, besides DefaultCORSHeaders; "*" allows any.
	CORSHeaders []string
	// MaxBodyBytes bounds a request body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// GraphQL tunes the GraphQL server.
	GraphQL graph.Options
	// AuthRequired makes GraphQL requests need an API token; without it,
	// every caller is an ADMIN and X-Actor names the audit actor.
	AuthRequired bool
	// AllowedHosts are the Host names answered ("*" or none: any).
	AllowedHosts []string
	// RequestTimeout bounds one request's work; 0 means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// IdempotencyTTL is how long the response to a request sent with an
	// Idempotency-Key is kept for replay to the same caller; 0 means
	// DefaultIdempotencyTTL.
	IdempotencyTTL time.Duration
	// Events delivers committed audit events to subscriptions; nil means
	// a broker of this process alone. server.go bridges it to the other
	// processes on PostgreSQL.
	Events *events.Broker
	// Metrics, if set, measures the GraphQL requests. Its handler is not
	// served here: server.go serves it on a listener of its own.
	Metrics *metrics.Metrics
}

// DefaultRequestTimeout bounds a request's work unless configured otherwise.
const DefaultRequestTimeout = 10 * time.Second

// DefaultMaxBodyBytes bounds request bodies unless configured otherwise.
const DefaultMaxBodyBytes = 1 << 20

// DefaultIdempotencyTTL is how long Idempotency-Key responses are kept
// unless configured otherwise.
const DefaultIdempotencyTTL = idempotency.DefaultTTL

// New returns the complete HTTP handler.
func New(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Logger = withRequestIDs(cfg.Logger)
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.GraphQL.Logger == nil {
		cfg.GraphQL.Logger = cfg.Logger
	}
	cfg.GraphQL.Logger = withRequestIDs(cfg.GraphQL.Logger)
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.IdempotencyTTL == 0 {
		cfg.IdempotencyTTL = DefaultIdempotencyTTL
	}
	if len(cfg.AllowedHosts) == 0 {
		cfg.AllowedHosts = []string{"*"}
	}
	if cfg.GraphQL.ConcurrentWrites == 0 && cfg.DB.Dialect == dialect.SQLite {
		cfg.GraphQL.ConcurrentWrites = 1
	}
	if cfg.Events == nil {
		cfg.Events = events.NewBroker(events.Options{})
	}
	if cfg.Metrics != nil {
		cfg.Metrics.ObserveSubscriptions(cfg.Events.Open)
	}
	limiter := &auth.FailureLimiter{Max: authFailures, Window: authFailureWindow}
	cfg.GraphQL.Events = cfg.Events
	cfg.GraphQL.OperationTimeout = cfg.RequestTimeout
	if cfg.AuthRequired {
		cfg.GraphQL.WebsocketInit = websocketInit(cfg.DB.Client, limiter, cfg.Logger)
	}
	gql := graph.NewServer(cfg.DB.Client, cfg.DB.Graph, cfg.GraphQL)
	gql.AroundOperations(recordOperation)
	gql.AroundResponses(recordResponse)
	if cfg.Metrics != nil {
		gql.Use(cfg.Metrics.GraphQL())
	}

	// A request sent with an Idempotency-Key runs at most once per caller
	// and key: after authentication (keys are the caller's), inside the body
	// limit and the deadline (a repeat waits for the first until then).
	keys := idempotency.New(cfg.DB.Client, idempotency.Options{
		TTL: cfg.IdempotencyTTL, MaxRun: cfg.RequestTimeout, Logger: cfg.Logger,
	})

	mux := http.NewServeMux()
	mux.Handle("/graphql", authenticate(keys.Handler(gql), cfg.DB.Client, cfg.AuthRequired, true, limiter, cfg.Logger))
	mux.Handle("GET /releases/{id}/regression.csv", authenticate(regressionCSV(cfg.DB, cfg.Logger), cfg.DB.Client, cfg.AuthRequired, false, limiter, cfg.Logger))
	// The public schema (the repository's schema.graphql), for code
	// generators and schema registries: it holds no data, so no token.
	mux.HandleFunc("GET /schema.graphql", gql.SDL)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := cfg.DB.Ping(ctx); err != nil {
			cfg.Logger.WarnContext(ctx, "readiness check failed", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("database unreachable\n"))
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	ide := graphiql.Handler("relgraph", "/graphql")
	mux.Handle("/{$}", ide)
	mux.Handle(graphiql.AssetPrefix, ide)
	// The release graph page: /graph?release=ID, assets under /graph/.
	gp := graphpage.Handler("/graphql")
	mux.Handle(graphpage.Path, gp)
	mux.Handle(graphpage.AssetPrefix, gp)

	var h http.Handler = mux
	h = withDeadline(h, cfg.RequestTimeout)
	h = limitBody(h, cfg.MaxBodyBytes)
	h = allowHosts(h, cfg.AllowedHosts, cfg.CORSOrigins)
	h = corsPolicy(cfg.CORSOrigins, cfg.CORSHeaders).Handler(h)
	h = sniffCodes(h)
	// Outside everything that writes a body: what the log counts is what
	// was sent.
	h = compress(h)
	h = logRequests(h, cfg.Logger)
	// Inside the request id, so that its span and the request log see
	// both.
	h = tracing.Handler(h)
	h = withRequestID(h)
	return h
}

// DefaultCORSHeaders are the request headers browsers on an allowed origin
// may send: relgraph's own, W3C Trace Context's, and those Apollo's clients
// send.
var DefaultCORSHeaders = []string{
	"Content-Type", "Authorization", "Accept",
	ActorHeader, idempotency.Header, RequestIDHeader,
	"traceparent", "tracestate",
	"apollographql-client-name", "apollographql-client-version", "apollo-require-preflight",
}

// corsPolicy allows exactly the configured origins to send
// DefaultCORSHeaders and headers, and to read X-Request-ID,
// Idempotent-Replayed and, when tracing is on, X-Trace-ID and traceparent.
// rs/cors treats an empty list of origins as "allow all", so the decision
// is made by AllowOriginFunc instead.
func corsPolicy(origins, headers []string) *cors.Cors {
	any := slices.Contains(origins, "*")
	return cors.New(cors.Options{
		AllowOriginFunc: func(origin string) bool {
			return any || slices.Contains(origins, origin)
		},
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: slices.Concat(DefaultCORSHeaders, headers),
		ExposedHeaders: []string{idempotency.ReplayedHeader, RequestIDHeader, tracing.TraceIDHeader, "traceparent"},
		MaxAge:         600,
	})
}

// ActorHeader names who is calling, for the audit trail. Until relgraph
// authenticates callers it is taken on trust; without it writes are recorded
// as viewer.Anonymous.
const ActorHeader = "X-Actor"

func limitBody(next http.Handler, limit int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}
