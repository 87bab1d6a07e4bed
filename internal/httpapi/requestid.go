package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"

	"github.com/relgraph/relgraph/internal/requestid"
	"github.com/relgraph/relgraph/internal/tracing"
)

// RequestIDHeader carries a request's id. A client may send one (1 to
// MaxRequestIDLength visible ASCII characters; anything else is ignored);
// otherwise the server makes one up. Either way the response carries it, the
// request's context holds it (RequestID), and every line logged for the
// request names it as request_id.
const RequestIDHeader = "X-Request-ID"

// MaxRequestIDLength bounds the length of a client's X-Request-ID.
const MaxRequestIDLength = 128

// RequestID returns the id of the request ctx belongs to, or "" outside a
// request served by New.
func RequestID(ctx context.Context) string { return requestid.From(ctx) }

// withRequestID names each request: by the client's X-Request-ID if it is
// one valid value, else by a new random id.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var id string
		if ids := r.Header.Values(RequestIDHeader); len(ids) == 1 && validRequestID(ids[0]) {
			id = ids[0]
		} else {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(requestid.With(r.Context(), id)))
	})
}

// validRequestID reports whether id is 1 to MaxRequestIDLength visible
// ASCII characters (no spaces, no control characters), so that it can go
// into a log line and a response header as it is.
func validRequestID(id string) bool {
	if id == "" || len(id) > MaxRequestIDLength {
		return false
	}
	for i := range len(id) {
		if id[i] < '!' || id[i] > '~' {
			return false
		}
	}
	return true
}

// newRequestID returns 16 random bytes in hex.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail (it crashes the program instead)
	return hex.EncodeToString(b[:])
}

// requestIDHandler adds the request id of a record's context, if any, to the
// record as request_id, and, when tracing is on, its trace id as trace_id:
// every line logged with a request's context (the request log, the GraphQL
// error presenter, the Idempotency-Key keeper, the readiness probe) names
// the request and its trace.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	if id := tracing.TraceID(ctx); id != "" {
		r.AddAttrs(slog.String("trace_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// withRequestIDs returns logger with request ids added to its lines.
func withRequestIDs(logger *slog.Logger) *slog.Logger {
	if _, done := logger.Handler().(requestIDHandler); done {
		return logger
	}
	return slog.New(requestIDHandler{logger.Handler()})
}
