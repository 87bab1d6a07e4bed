// Package httpapi assembles relgraph's HTTP surface in one place: the GraphQL
// endpoint, the offline GraphiQL page, health and readiness probes, and the
// middleware around them (CORS, body limit, request log, authentication,
// Idempotency-Key). server.go and the end-to-end tests both serve exactly
// what New returns.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"entgo.io/ent/dialect"
	"github.com/99designs/gqlgen/graphql"
	"github.com/rs/cors"

	"github.com/relgraph/relgraph/graph"
	"github.com/relgraph/relgraph/internal/graphiql"
	"github.com/relgraph/relgraph/internal/idempotency"
	"github.com/relgraph/relgraph/store"
)

// Config is what the HTTP surface needs.
type Config struct {
	DB     *store.DB
	Logger *slog.Logger
	// CORSOrigins are the browser origins allowed to call the API; "*"
	// allows any. None means cross-origin browser calls are refused.
	CORSOrigins []string
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
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.GraphQL.Logger == nil {
		cfg.GraphQL.Logger = cfg.Logger
	}
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
	gql := graph.NewServer(cfg.DB.Client, cfg.DB.Graph, cfg.GraphQL)
	gql.AroundOperations(recordOperation)

	// A request sent with an Idempotency-Key runs at most once per caller
	// and key: after authentication (keys are the caller's), inside the body
	// limit and the deadline (a repeat waits for the first until then).
	keys := idempotency.New(cfg.DB.Client, idempotency.Options{
		TTL: cfg.IdempotencyTTL, MaxRun: cfg.RequestTimeout, Logger: cfg.Logger,
	})

	mux := http.NewServeMux()
	mux.Handle("/graphql", authenticate(keys.Handler(gql), cfg.DB.Client, cfg.AuthRequired, cfg.Logger))
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

	var h http.Handler = mux
	h = withDeadline(h, cfg.RequestTimeout)
	h = limitBody(h, cfg.MaxBodyBytes)
	h = allowHosts(h, cfg.AllowedHosts, cfg.CORSOrigins)
	h = corsPolicy(cfg.CORSOrigins).Handler(h)
	h = logRequests(h, cfg.Logger)
	return h
}

// corsPolicy allows exactly the configured origins. rs/cors treats an empty
// list as "allow all", so the decision is made by AllowOriginFunc instead.
func corsPolicy(origins []string) *cors.Cors {
	any := slices.Contains(origins, "*")
	return cors.New(cors.Options{
		AllowOriginFunc: func(origin string) bool {
			return any || slices.Contains(origins, origin)
		},
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: []string{"Content-Type", "Authorization", "Accept", ActorHeader, idempotency.Header},
		ExposedHeaders: []string{idempotency.ReplayedHeader},
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

// requestInfo collects what the request log reports about the GraphQL
// operation; the operation interceptor fills it in.
type requestInfo struct {
	operation string
}

type requestInfoKey struct{}

func recordOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if info, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		oc := graphql.GetOperationContext(ctx)
		switch {
		case oc.OperationName != "":
			info.operation = oc.OperationName
		case oc.Operation != nil && oc.Operation.Name != "":
			info.operation = oc.Operation.Name
		case oc.Operation != nil:
			info.operation = "anonymous " + string(oc.Operation.Operation)
		}
	}
	return next(ctx)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// logRequests writes one structured line per request.
func logRequests(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{}
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info)))
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		attrs := []any{
			"method", r.Method,
			"path", r.URL.Path,
			"status", rec.status,
			"duration", time.Since(start),
			"bytes", rec.bytes,
		}
		if info.operation != "" {
			attrs = append(attrs, "operation", info.operation)
		}
		logger.InfoContext(r.Context(), "request", attrs...)
	})
}
