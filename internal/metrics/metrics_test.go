package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/relgraph/relgraph/internal/httpapi"
	"github.com/relgraph/relgraph/internal/metrics"
	"github.com/relgraph/relgraph/internal/testdb"
	"github.com/relgraph/relgraph/store"
)

// fixture is the public handler with metrics on, and the metrics handler,
// over a real database.
type fixture struct {
	db      *store.DB
	public  *httptest.Server
	metrics http.Handler
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, testdb.New(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	m := metrics.New(db)
	public := httptest.NewServer(httpapi.New(httpapi.Config{DB: db, Logger: slog.New(slog.DiscardHandler), Metrics: m}))
	t.Cleanup(public.Close)
	return &fixture{db: db, public: public, metrics: m.Handler()}
}

type response struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Extensions struct {
			Code string `json:"code"`
		} `json:"extensions"`
	} `json:"errors"`
}

var operationName = regexp.MustCompile(`^(?:query|mutation) (\w+)`)

// post sends a GraphQL request to the public handler.
func (f *fixture) post(t *testing.T, query string) response {
	t.Helper()
	// As clients such as Apollo's do, name the operation beside the query.
	params := map[string]any{"query": query}
	if m := operationName.FindStringSubmatch(query); m != nil {
		params["operationName"] = m[1]
	}
	body, _ := json.Marshal(params)
	req, _ := http.NewRequest(http.MethodPost, f.public.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	res, err := f.public.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var rsp response
	if err := json.NewDecoder(res.Body).Decode(&rsp); err != nil {
		t.Fatal(err)
	}
	return rsp
}

// scrape reads the metrics through the real handler, as Prometheus does,
// and parses them with Prometheus's own text parser.
func (f *fixture) scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", "text/plain")
	f.metrics.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("parse metrics: %v", err)
	}
	return families
}

// value returns the value of the family's series with the given labels
// (a counter's or gauge's value, a histogram's count), and whether there
// is one.
func value(families map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f := families[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

func mustValue(t *testing.T, families map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	v, ok := value(families, name, labels...)
	if !ok {
		t.Fatalf("no series %s%v", name, labels)
	}
	return v
}

func TestMetrics(t *testing.T) {
	f := newFixture(t)

	before := f.scrape(t)
	for _, name := range []string{
		"go_goroutines", "process_resident_memory_bytes",
		"go_sql_open_connections", "go_sql_in_use_connections", "go_sql_idle_connections",
		"go_sql_wait_count_total", "go_sql_wait_duration_seconds_total",
		"relgraph_graph_rebuilds_total", "relgraph_graph_catchups_total",
		"relgraph_graph_applications", "relgraph_graph_dependencies",
		"relgraph_audit_events_total", "relgraph_graphql_subscriptions_open",
	} {
		if before[name] == nil {
			t.Errorf("no %s before any request", name)
		}
	}
	if v := mustValue(t, before, "relgraph_graph_applications"); v != 0 {
		t.Errorf("applications before the first snapshot = %v, want 0", v)
	}
	if v := mustValue(t, before, "go_sql_open_connections", "db_name", "relgraph"); v < 1 {
		t.Errorf("go_sql_open_connections = %v, want at least 1", v)
	}

	rsp := f.post(t, `mutation CreateApps { a: createApplication(input:{name:"billing"}) { id } b: createApplication(input:{name:"ledger"}) { id } }`)
	if len(rsp.Errors) > 0 {
		t.Fatalf("create applications: %+v", rsp.Errors)
	}
	var a, b struct{ ID string }
	_ = json.Unmarshal(rsp.Data["a"], &a)
	_ = json.Unmarshal(rsp.Data["b"], &b)
	if rsp := f.post(t, fmt.Sprintf(`mutation Link { createDependency(input:{consumerID:%q, providerID:%q}) { id } }`, a.ID, b.ID)); len(rsp.Errors) > 0 {
		t.Fatalf("create dependency: %+v", rsp.Errors)
	}
	if rsp := f.post(t, `query Picture { dependencyGraph(format: DOT) }`); len(rsp.Errors) > 0 {
		t.Fatalf("dependency graph: %+v", rsp.Errors)
	}
	if rsp := f.post(t, `{ applications { totalCount } }`); len(rsp.Errors) > 0 {
		t.Fatalf("anonymous query: %+v", rsp.Errors)
	}
	// A query that does not validate, and a write that is refused.
	if rsp := f.post(t, `query Broken { noSuchField }`); len(rsp.Errors) == 0 || rsp.Errors[0].Extensions.Code != "GRAPHQL_VALIDATION_FAILED" {
		t.Fatalf("broken query: %+v", rsp)
	}
	dup := f.post(t, `mutation Again { createApplication(input:{name:"billing"}) { id } }`)
	if len(dup.Errors) == 0 || dup.Errors[0].Extensions.Code == "" {
		t.Fatalf("duplicate application: %+v", dup)
	}
	dupCode := dup.Errors[0].Extensions.Code

	built := f.scrape(t)
	for _, tc := range []struct {
		operation, outcome string
	}{
		{"CreateApps", "ok"},
		{"Link", "ok"},
		{"Picture", "ok"},
		{"anonymous", "ok"},
		{"Broken", "GRAPHQL_VALIDATION_FAILED"},
		{"Again", dupCode},
	} {
		if v := mustValue(t, built, "relgraph_graphql_requests_total", "operation", tc.operation, "outcome", tc.outcome); v != 1 {
			t.Errorf("requests{operation=%q,outcome=%q} = %v, want 1", tc.operation, tc.outcome, v)
		}
	}
	if v := mustValue(t, built, "relgraph_graphql_request_duration_seconds", "type", "query", "outcome", "ok"); v != 2 {
		t.Errorf("query latency count = %v, want 2", v)
	}
	if v := mustValue(t, built, "relgraph_graphql_request_duration_seconds", "type", "mutation", "outcome", "ok"); v != 2 {
		t.Errorf("mutation latency count = %v, want 2", v)
	}
	// A request refused before it had an operation has no type.
	if v, ok := value(built, "relgraph_graphql_request_duration_seconds", "outcome", "GRAPHQL_VALIDATION_FAILED"); ok {
		t.Errorf("refused query latency count = %v, want none", v)
	}
	if v := mustValue(t, built, "relgraph_graphql_request_duration_seconds", "type", "mutation", "outcome", dupCode); v != 1 {
		t.Errorf("refused mutation latency count = %v, want 1", v)
	}
	// Executed operations only: the query that did not validate has none.
	if v := mustValue(t, built, "relgraph_graphql_complexity", "type", "query"); v != 2 {
		t.Errorf("query complexity count = %v, want 2", v)
	}
	if h := built["relgraph_graphql_complexity"].GetMetric()[0].GetHistogram(); h.GetSampleSum() <= 0 {
		t.Errorf("complexity sum = %v, want > 0", h.GetSampleSum())
	}
	if v := mustValue(t, built, "relgraph_graph_applications"); v != 2 {
		t.Errorf("applications = %v, want 2", v)
	}
	if v := mustValue(t, built, "relgraph_graph_dependencies"); v != 1 {
		t.Errorf("dependencies = %v, want 1", v)
	}
	audits, err := f.db.Client.AuditEvent.Query().Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v := mustValue(t, built, "relgraph_audit_events_total"); audits == 0 || v != float64(audits) {
		t.Errorf("audit events = %v, want %d (the rolled-back write's not counted)", v, audits)
	}

	// A write moves the graph on: the next read catches up (or rebuilds).
	if rsp := f.post(t, `mutation More { createApplication(input:{name:"audit"}) { id } }`); len(rsp.Errors) > 0 {
		t.Fatalf("create application: %+v", rsp.Errors)
	}
	if rsp := f.post(t, `query Picture { dependencyGraph(format: DOT) }`); len(rsp.Errors) > 0 {
		t.Fatalf("dependency graph: %+v", rsp.Errors)
	}
	after := f.scrape(t)
	updates := func(fams map[string]*dto.MetricFamily) float64 {
		return mustValue(t, fams, "relgraph_graph_rebuilds_total") + mustValue(t, fams, "relgraph_graph_catchups_total")
	}
	if updates(after) <= updates(built) {
		t.Errorf("rebuilds + catch-ups did not move after a write: %v then %v", updates(built), updates(after))
	}
	if mustValue(t, after, "relgraph_graph_catchups_total") == 0 {
		t.Error("no catch-up counted after a small write")
	}
	histogram := mustValue(t, after, "relgraph_graph_update_duration_seconds", "kind", "rebuild") +
		mustValue(t, after, "relgraph_graph_update_duration_seconds", "kind", "catch_up")
	if histogram != updates(after) {
		t.Errorf("update duration count = %v, want %v", histogram, updates(after))
	}
	if v := mustValue(t, after, "relgraph_graph_applications"); v != 3 {
		t.Errorf("applications after the write = %v, want 3", v)
	}
	if v := mustValue(t, after, "relgraph_graphql_requests_total", "operation", "Picture", "outcome", "ok"); v != 2 {
		t.Errorf("Picture requests = %v, want 2", v)
	}
}

// The operation label takes at most MaxOperationNames names; the rest are
// "other".
func TestOperationNamesBounded(t *testing.T) {
	f := newFixture(t)
	for i := range metrics.MaxOperationNames + 5 {
		if rsp := f.post(t, fmt.Sprintf(`query Q%d { __typename }`, i)); len(rsp.Errors) > 0 {
			t.Fatal(rsp.Errors)
		}
	}
	fams := f.scrape(t)
	names := map[string]bool{}
	for _, m := range fams["relgraph_graphql_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "operation" {
				names[l.GetValue()] = true
			}
		}
	}
	if len(names) != metrics.MaxOperationNames+1 {
		t.Errorf("%d operation labels, want %d", len(names), metrics.MaxOperationNames+1)
	}
	if v := mustValue(t, fams, "relgraph_graphql_requests_total", "operation", "other", "outcome", "ok"); v != 5 {
		t.Errorf("other = %v, want 5", v)
	}
	// A name seen before keeps its series.
	f.post(t, `query Q0 { __typename }`)
	if v := mustValue(t, f.scrape(t), "relgraph_graphql_requests_total", "operation", "Q0", "outcome", "ok"); v != 2 {
		t.Errorf("Q0 = %v, want 2", v)
	}
}

// The public handler does not serve the metrics, even with them on.
func TestPublicHandlerHasNoMetrics(t *testing.T) {
	f := newFixture(t)
	res, err := f.public.Client().Get(f.public.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("public GET /metrics: %d %s", res.StatusCode, body)
	}
	if bytes.Contains(body, []byte("relgraph_")) || bytes.Contains(body, []byte("go_goroutines")) {
		t.Fatalf("public GET /metrics leaks metrics: %s", body)
	}
}
