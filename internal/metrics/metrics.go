// Package metrics exposes relgraph's Prometheus metrics: GraphQL requests
// by operation and outcome, their latency and complexity, the graph
// snapshot's rebuilds, catch-ups and size, the database connection pool,
// audit events written, and the Go runtime and process. They live in a
// registry of their own, served by Handler on a listener apart from the
// public one.
package metrics

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/store"
)

// MaxOperationNames bounds the distinct values of the operation label: the
// first names seen keep their own series, later ones count as "other".
const MaxOperationNames = 200

// maxOperationNameLen bounds an operation label's length; longer names
// count as "other".
const maxOperationNameLen = 100

// Metrics holds relgraph's collectors and their registry.
type Metrics struct {
	registry   *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	complexity *prometheus.HistogramVec
	updates    *prometheus.HistogramVec

	mu    sync.Mutex
	names map[string]bool
	// subscriptions counts the open GraphQL subscriptions, once set.
	subscriptions atomic.Pointer[func() int]
}

// New registers relgraph's metrics for db in a new registry, with the Go
// runtime and process collectors, and makes db's graph cache report its
// rebuilds and catch-ups to them.
func New(db *store.DB) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		names:    map[string]bool{},
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "relgraph_graphql_requests_total",
			Help: `GraphQL requests answered, by operation name ("anonymous" for unnamed, "other" past the first ` +
				`200 names) and outcome (the first error's extensions.code, or "ok").`,
		}, []string{"operation", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "relgraph_graphql_request_duration_seconds",
			Help:    "Time from reading a GraphQL request to its complete response, by operation type and outcome.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"type", "outcome"}),
		complexity: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "relgraph_graphql_complexity",
			Help:    "Complexity (cost) of the GraphQL operations executed, by operation type.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 11),
		}, []string{"type"}),
		updates: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "relgraph_graph_update_duration_seconds",
			Help:    `Time to bring a graph snapshot up to date, by kind: "rebuild" (read whole) or "catch_up" (from the change log).`,
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"kind"}),
	}
	graph := db.Graph
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.SQL(), "relgraph"),
		m.requests, m.latency, m.complexity, m.updates,
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "relgraph_graph_rebuilds_total",
			Help: "Graph snapshots read whole from the database.",
		}, func() float64 { return float64(graph.Builds()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "relgraph_graph_catchups_total",
			Help: "Graph snapshots brought up to date from the change log.",
		}, func() float64 { return float64(graph.CatchUps()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "relgraph_graph_applications",
			Help: "Applications in the current graph snapshot (0 before the first is built).",
		}, func() float64 { return graphSize(graph, (*impact.Snapshot).Len) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "relgraph_graph_dependencies",
			Help: "Dependencies in the current graph snapshot (0 before the first is built).",
		}, func() float64 { return graphSize(graph, (*impact.Snapshot).Dependencies) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "relgraph_audit_events_total",
			Help: "Audit events written and committed.",
		}, func() float64 { return float64(db.AuditEvents()) }),
		// Counted by the events broker, once ObserveSubscriptions names it.
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "relgraph_graphql_subscriptions_open",
			Help: "GraphQL subscriptions open.",
		}, func() float64 {
			if open := m.subscriptions.Load(); open != nil {
				return float64((*open)())
			}
			return 0
		}),
	)
	graph.SetObserver(m)
	return m
}

// graphSize reads a size of the cache's current graph, without building
// one.
func graphSize(cache *store.GraphCache, size func(*impact.Snapshot) int) float64 {
	g := cache.Loaded()
	if g == nil {
		return 0
	}
	return float64(size(g.Snapshot))
}

// ObserveSubscriptions makes the open-subscriptions gauge read open.
func (m *Metrics) ObserveSubscriptions(open func() int) { m.subscriptions.Store(&open) }

// Handler serves the metrics in Prometheus's text (or OpenMetrics) format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// Registry returns the registry the metrics are in, to add collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// GraphRebuilt observes a graph snapshot read whole (store.GraphObserver).
func (m *Metrics) GraphRebuilt(took time.Duration) {
	m.updates.WithLabelValues("rebuild").Observe(took.Seconds())
}

// GraphCaughtUp observes a graph snapshot brought up to date from the
// change log (store.GraphObserver).
func (m *Metrics) GraphCaughtUp(took time.Duration) {
	m.updates.WithLabelValues("catch_up").Observe(took.Seconds())
}

// GraphQL returns the gqlgen extension that measures GraphQL requests; add
// it with the server's Use.
func (m *Metrics) GraphQL() graphql.HandlerExtension { return graphQL{m} }

// graphQL measures every response gqlgen gives: as an operation
// interceptor, the response of an operation as the client gets it (after
// the transaction's commit or rollback); as a response interceptor, the
// refusal of a request that never became an operation (it did not parse,
// validate, or pass the caps).
type graphQL struct{ m *Metrics }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
	graphql.ResponseInterceptor
} = graphQL{}

// extensionName names the extension, and marks in an operation's stats
// that the operation interceptor measures it.
const extensionName = "RelgraphMetrics"

func (graphQL) ExtensionName() string { return extensionName }

func (graphQL) Validate(graphql.ExecutableSchema) error { return nil }

func (g graphQL) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	oc.Stats.SetExtension(extensionName, true)
	respond := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		rsp := respond(ctx)
		g.m.observe(ctx, oc, rsp, true)
		return rsp
	}
}

func (g graphQL) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	rsp := next(ctx)
	if !graphql.HasOperationContext(ctx) {
		// An unreadable request: no operation, no start time.
		g.m.requests.WithLabelValues("anonymous", outcome(rsp)).Inc()
		return rsp
	}
	if oc := graphql.GetOperationContext(ctx); oc.Stats.GetExtension(extensionName) == nil {
		g.m.observe(ctx, oc, rsp, false)
	}
	return rsp
}

// observe records one response to the operation of oc; executed says
// whether the operation ran (then its complexity is recorded).
func (m *Metrics) observe(ctx context.Context, oc *graphql.OperationContext, rsp *graphql.Response, executed bool) {
	out := outcome(rsp)
	op := oc.Operation
	name := "anonymous"
	switch {
	case op != nil && op.Name != "":
		name = m.operationLabel(op.Name)
	case op == nil && isName(oc.OperationName):
		// A request refused before it had an operation (it did not parse
		// or validate): the name the request gave, unchecked but bounded.
		name = m.operationLabel(oc.OperationName)
	}
	m.requests.WithLabelValues(name, out).Inc()
	if op == nil {
		return
	}
	typ := string(op.Operation)
	if !oc.Stats.OperationStart.IsZero() {
		m.latency.WithLabelValues(typ, out).Observe(time.Since(oc.Stats.OperationStart).Seconds())
	}
	if s := extension.GetComplexityStats(ctx); executed && s != nil {
		m.complexity.WithLabelValues(typ).Observe(float64(s.Complexity))
	}
}

// operationLabel returns the operation label for name: name itself for the
// first MaxOperationNames names, "other" after.
func (m *Metrics) operationLabel(name string) string {
	if len(name) > maxOperationNameLen {
		return "other"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.names[name] {
		return name
	}
	if len(m.names) >= MaxOperationNames {
		return "other"
	}
	m.names[name] = true
	return name
}

// isName reports whether s is a GraphQL name: [_A-Za-z][_0-9A-Za-z]*.
func isName(s string) bool {
	for i, c := range []byte(s) {
		if c != '_' && (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return s != ""
}

// outcome is the first error's code (extensions.code), "error" for an
// error without one, or "ok".
func outcome(rsp *graphql.Response) string {
	if rsp == nil || len(rsp.Errors) == 0 {
		return "ok"
	}
	return code(rsp.Errors)
}

func code(errs gqlerror.List) string {
	for _, e := range errs {
		if c, ok := e.Extensions["code"].(string); ok && c != "" {
			return c
		}
	}
	return "error"
}
