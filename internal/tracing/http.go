package tracing

import (
	"net/http"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/relgraph/relgraph/internal/requestid"
)

// TraceIDHeader carries the trace id of a traced request in its response,
// beside traceparent.
const TraceIDHeader = "X-Trace-ID"

// Handler wraps next in a server span per request, continuing the caller's
// trace when the request carries a W3C traceparent, and answers with the
// trace's traceparent and X-Trace-ID; the span names the request id
// (internal/requestid) when it has one. With tracing off it returns next.
func Handler(next http.Handler) http.Handler {
	if !Enabled() {
		return next
	}
	tracer := otel.Tracer(instrumentation)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := otel.GetTextMapPropagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, r.Method+" "+r.URL.Path,
			trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(
				attribute.String("http.request.method", r.Method),
				attribute.String("url.path", r.URL.Path),
			))
		defer span.End()
		if id := requestid.From(ctx); id != "" {
			span.SetAttributes(attribute.String("relgraph.request_id", id))
		}
		propagation.TraceContext{}.Inject(ctx, propagation.HeaderCarrier(w.Header()))
		w.Header().Set(TraceIDHeader, span.SpanContext().TraceID().String())
		rec := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(ctx))
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		span.SetAttributes(attribute.Int("http.response.status_code", rec.status))
		if rec.status >= http.StatusInternalServerError {
			span.SetStatus(codes.Error, http.StatusText(rec.status))
		}
	})
}

// statusWriter records the status of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 && code >= http.StatusOK {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Flush() { _ = http.NewResponseController(s.ResponseWriter).Flush() }

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
