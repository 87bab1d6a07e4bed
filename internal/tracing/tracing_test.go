package tracing_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/relgraph/relgraph/internal/httpapi"
	"github.com/relgraph/relgraph/internal/testdb"
	"github.com/relgraph/relgraph/internal/tracing"
	"github.com/relgraph/relgraph/store"
)

// collector is an in-process OTLP/HTTP trace receiver: it keeps every span
// exported to it, with the service name of its resource.
type collector struct {
	*httptest.Server
	mu       sync.Mutex
	spans    []*tracepb.Span
	services []string
}

func newCollector(t *testing.T) *collector {
	c := &collector{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" {
			http.NotFound(w, r)
			return
		}
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		data, err := io.ReadAll(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(data, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		for _, rs := range req.GetResourceSpans() {
			service := stringAttr(rs.GetResource().GetAttributes(), "service.name")
			for _, ss := range rs.GetScopeSpans() {
				for _, span := range ss.GetSpans() {
					c.spans = append(c.spans, span)
					c.services = append(c.services, service)
				}
			}
		}
		c.mu.Unlock()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *collector) received() ([]*tracepb.Span, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.spans, c.services
}

func stringAttr(attrs []*commonpb.KeyValue, key string) string {
	for _, kv := range attrs {
		if kv.GetKey() == key {
			return kv.GetValue().GetStringValue()
		}
	}
	return ""
}

func hasAttr(attrs []*commonpb.KeyValue, key string) bool {
	for _, kv := range attrs {
		if kv.GetKey() == key {
			return true
		}
	}
	return false
}

// lockedBuffer is a log destination safe for concurrent writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serve opens a fresh database and serves the whole HTTP surface over it,
// as server.go does after tracing.Setup.
func serve(t *testing.T) (*httptest.Server, *lockedBuffer) {
	t.Helper()
	db, err := store.Open(context.Background(), testdb.New(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	srv := httptest.NewServer(httpapi.New(httpapi.Config{DB: db, Logger: slog.New(slog.NewTextHandler(logs, nil))}))
	t.Cleanup(srv.Close)
	return srv, logs
}

type response struct {
	header http.Header
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func post(t *testing.T, srv *httptest.Server, query string, headers map[string]string) *response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rsp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer rsp.Body.Close()
	out := &response{header: rsp.Header}
	if err := json.NewDecoder(rsp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
	return out
}

const (
	callerTrace = "0af7651916cd43dd8448eb211c80319c"
	callerSpan  = "b7ad6b7169203331"
	traceparent = "00-" + callerTrace + "-" + callerSpan + "-01"
)

func TestTracingExportsSpans(t *testing.T) {
	c := newCollector(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", c.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	t.Setenv("OTEL_SERVICE_NAME", "")
	shutdown, err := tracing.Setup(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			if err := shutdown(context.Background()); err != nil {
				t.Errorf("shutdown: %v", err)
			}
		}
	}
	t.Cleanup(stop)
	if !tracing.Enabled() {
		t.Fatal("tracing is off with OTEL_EXPORTER_OTLP_ENDPOINT set")
	}
	srv, logs := serve(t)

	rsp := post(t, srv, `query Portfolio { dependencyGraph(format: DOT) }`, map[string]string{"traceparent": traceparent})
	if len(rsp.Errors) > 0 {
		t.Fatalf("errors: %+v", rsp.Errors)
	}
	if got := rsp.header.Get(tracing.TraceIDHeader); got != callerTrace {
		t.Errorf("%s = %q, want the caller's trace %s", tracing.TraceIDHeader, got, callerTrace)
	}
	if got := rsp.header.Get("traceparent"); !strings.HasPrefix(got, "00-"+callerTrace+"-") {
		t.Errorf("traceparent = %q, want one in the caller's trace", got)
	}

	// An error names the request and the trace.
	bad := post(t, srv, `query Broken { nope }`, map[string]string{"traceparent": traceparent, httpapi.RequestIDHeader: "req-42"})
	if len(bad.Errors) == 0 {
		t.Fatal("no error for an unknown field")
	}
	if ext := bad.Errors[0].Extensions; ext["requestId"] != "req-42" || ext["traceId"] != callerTrace {
		t.Errorf("extensions = %v, want requestId req-42 and traceId %s", ext, callerTrace)
	}
	if !strings.Contains(logs.String(), "trace_id="+callerTrace) {
		t.Errorf("the request log names no trace_id:\n%s", logs.String())
	}

	// A mutation's transaction is traced; a failed operation's span names
	// its error codes.
	create := `mutation Create { createApplication(input: {name: "payments"}) { id } }`
	if rsp := post(t, srv, create, map[string]string{"traceparent": traceparent}); len(rsp.Errors) > 0 {
		t.Fatalf("errors: %+v", rsp.Errors)
	}
	if rsp := post(t, srv, strings.Replace(create, "Create", "Again", 1), map[string]string{"traceparent": traceparent}); len(rsp.Errors) == 0 {
		t.Fatal("no error for a duplicate name")
	}

	stop() // flushes
	spans, services := c.received()
	byID := map[string]*tracepb.Span{}
	var httpSpan, opSpan, fieldSpan, snapshotSpan, createSpan, againSpan *tracepb.Span
	var dbSpans []*tracepb.Span
	for i, s := range spans {
		if hex.EncodeToString(s.GetTraceId()) != callerTrace {
			continue
		}
		if services[i] != tracing.ServiceName {
			t.Errorf("span %q of service %q, want %q", s.GetName(), services[i], tracing.ServiceName)
		}
		byID[hex.EncodeToString(s.GetSpanId())] = s
		switch {
		case s.GetName() == "POST /graphql" && httpSpan == nil:
			httpSpan = s
		case s.GetName() == "mutation Create":
			createSpan = s
		case s.GetName() == "mutation Again":
			againSpan = s
		case s.GetName() == "query Portfolio":
			opSpan = s
		case s.GetName() == "Query.dependencyGraph":
			fieldSpan = s
		case s.GetName() == "graph snapshot catch-up":
			snapshotSpan = s
		case stringAttr(s.GetAttributes(), "db.system") != "":
			dbSpans = append(dbSpans, s)
		}
	}
	if httpSpan == nil || opSpan == nil || fieldSpan == nil || snapshotSpan == nil || createSpan == nil || againSpan == nil || len(dbSpans) == 0 {
		var names []string
		for _, s := range spans {
			names = append(names, s.GetName())
		}
		t.Fatalf("missing spans (http %v, operations %v %v %v, field %v, snapshot %v, db %d) among %q",
			httpSpan != nil, opSpan != nil, createSpan != nil, againSpan != nil, fieldSpan != nil, snapshotSpan != nil, len(dbSpans), names)
	}
	parent := func(s *tracepb.Span) string { return hex.EncodeToString(s.GetParentSpanId()) }
	id := func(s *tracepb.Span) string { return hex.EncodeToString(s.GetSpanId()) }
	if parent(httpSpan) != callerSpan {
		t.Errorf("HTTP span's parent = %s, want the caller's span %s", parent(httpSpan), callerSpan)
	}
	if httpSpan.GetKind() != tracepb.Span_SPAN_KIND_SERVER {
		t.Errorf("HTTP span kind = %v", httpSpan.GetKind())
	}
	if parent(opSpan) != id(httpSpan) {
		t.Errorf("operation span's parent = %s, want the HTTP span %s", parent(opSpan), id(httpSpan))
	}
	if got := stringAttr(opSpan.GetAttributes(), "graphql.operation.type"); got != "query" {
		t.Errorf("graphql.operation.type = %q", got)
	}
	if got := stringAttr(opSpan.GetAttributes(), "graphql.operation.name"); got != "Portfolio" {
		t.Errorf("graphql.operation.name = %q", got)
	}
	if !hasAttr(opSpan.GetAttributes(), "graphql.operation.complexity") {
		t.Error("the operation span has no complexity")
	}
	if parent(fieldSpan) != id(opSpan) {
		t.Errorf("analysis field span's parent = %s, want the operation span %s", parent(fieldSpan), id(opSpan))
	}
	// descends reports whether s is below ancestor in the trace.
	descends := func(s, ancestor *tracepb.Span) bool {
		for p := byID[parent(s)]; p != nil; p = byID[parent(p)] {
			if p == ancestor {
				return true
			}
		}
		return false
	}
	if !descends(snapshotSpan, opSpan) {
		t.Error("the snapshot catch-up span is not inside the operation")
	}
	for _, s := range dbSpans {
		top := s
		for byID[parent(top)] != nil {
			top = byID[parent(top)]
		}
		if top.GetName() != "POST /graphql" || parent(top) != callerSpan {
			t.Errorf("DB span %q is not inside a request of the caller's", s.GetName())
		}
		if stmt := stringAttr(s.GetAttributes(), "db.statement"); stmt == "" || len(stmt) > tracing.MaxStatement {
			t.Errorf("DB span %q: db.statement of %d bytes", s.GetName(), len(stmt))
		}
	}
	var underField bool
	for _, s := range dbSpans {
		underField = underField || descends(s, opSpan)
	}
	if !underField {
		t.Error("no DB span inside the operation")
	}
	var commit bool
	for _, s := range dbSpans {
		commit = commit || s.GetName() == "COMMIT" && descends(s, createSpan)
	}
	if !commit {
		t.Error("no COMMIT span inside the mutation")
	}
	if againSpan.GetStatus().GetCode() != tracepb.Status_STATUS_CODE_ERROR {
		t.Errorf("failed mutation's span status = %v", againSpan.GetStatus())
	}
	var codes []string
	for _, kv := range againSpan.GetAttributes() {
		if kv.GetKey() == "graphql.error.codes" {
			for _, v := range kv.GetValue().GetArrayValue().GetValues() {
				codes = append(codes, v.GetStringValue())
			}
		}
	}
	if strings.Join(codes, ",") != "CONFLICT" {
		t.Errorf("graphql.error.codes = %q, want CONFLICT", codes)
	}
}

func TestTracingOff(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	shutdown, err := tracing.Setup(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	if tracing.Enabled() {
		t.Fatal("tracing is on without an endpoint")
	}
	if _, ok := otel.GetTracerProvider().(*sdktrace.TracerProvider); ok {
		t.Fatal("a tracer provider was installed without an endpoint")
	}
	srv, logs := serve(t)
	rsp := post(t, srv, `query Broken { nope }`, map[string]string{"traceparent": traceparent, httpapi.RequestIDHeader: "req-7"})
	for _, h := range []string{tracing.TraceIDHeader, "traceparent"} {
		if got := rsp.header.Get(h); got != "" {
			t.Errorf("%s = %q with tracing off", h, got)
		}
	}
	if len(rsp.Errors) == 0 {
		t.Fatal("no error for an unknown field")
	}
	ext := rsp.Errors[0].Extensions
	if ext["requestId"] != "req-7" {
		t.Errorf("extensions.requestId = %v, want req-7", ext["requestId"])
	}
	if _, ok := ext["traceId"]; ok {
		t.Errorf("extensions.traceId = %v with tracing off", ext["traceId"])
	}
	if strings.Contains(logs.String(), "trace_id") {
		t.Errorf("a log line names a trace_id with tracing off:\n%s", logs.String())
	}
}
