// Package tracing is relgraph's OpenTelemetry tracing: off, and free, unless
// the standard OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set; then spans go to that OTLP/HTTP
// endpoint through a batch span processor, configured by the standard
// OTEL_* variables (service name "relgraph" unless OTEL_SERVICE_NAME).
//
// It provides the spans relgraph makes: one per HTTP request (Handler), one
// per GraphQL operation and one per analysis field (GraphQL), one per SQL
// statement (Driver), and Start for anything else.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// ServiceName names relgraph's spans unless OTEL_SERVICE_NAME says otherwise.
const ServiceName = "relgraph"

// instrumentation names the tracer of relgraph's own spans.
const instrumentation = "github.com/relgraph/relgraph"

// enabled is set while Setup's tracer provider is installed.
var enabled atomic.Bool

// Enabled reports whether tracing is on: Setup found an endpoint and its
// shutdown has not run. Handler, Driver and the GraphQL extension are only
// put in place when it is.
func Enabled() bool { return enabled.Load() }

// Setup turns tracing on if the environment names an OTLP endpoint and
// OTEL_SDK_DISABLED is not true, and returns the function that flushes the
// spans not yet sent and turns tracing off again; otherwise it creates
// nothing and the function does nothing.
func Setup(ctx context.Context) (shutdown func(context.Context) error, err error) {
	off := os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == ""
	if off || strings.EqualFold(os.Getenv("OTEL_SDK_DISABLED"), "true") {
		return func(context.Context) error { return nil }, nil
	}
	exporter, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override the default.
	res, err := resource.Merge(
		resource.NewSchemaless(attribute.String("service.name", ServiceName)),
		resource.Environment(),
	)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("tracing: %w", err), exporter.Shutdown(ctx))
	}
	provider := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
	otel.SetTracerProvider(provider)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	enabled.Store(true)
	return func(ctx context.Context) error {
		enabled.Store(false)
		err := provider.Shutdown(ctx)
		otel.SetTracerProvider(noop.NewTracerProvider())
		otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator())
		return err
	}, nil
}

// noSpan is what Start returns when tracing is off.
var noSpan = noop.Span{}

// Start starts a span named name as a child of ctx's span. When tracing is
// off, or ctx is in no trace (work outside a request), it returns ctx and a
// span that records nothing.
func Start(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	if !Enabled() || !trace.SpanFromContext(ctx).IsRecording() {
		return ctx, noSpan
	}
	return otel.Tracer(instrumentation).Start(ctx, name, trace.WithAttributes(attrs...))
}

// End ends span, marking it failed if err is not nil.
func End(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// TraceID returns the id of the trace ctx is in, in hex, or "" when there
// is none (tracing is off).
func TraceID(ctx context.Context) string {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return ""
	}
	return sc.TraceID().String()
}
