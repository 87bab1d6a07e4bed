package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// requestInfo collects what the request log reports about a GraphQL
// request: the operation, and the codes (extensions.code) of the errors of
// its response. gqlgen's interceptors fill it in; for an answer gqlgen did
// not give, codeSniffer keeps the body to read the codes from.
type requestInfo struct {
	operation string
	codes     []string
	// answered is set once gqlgen produced the response.
	answered bool
	// body is a copy of a small JSON answer that gqlgen did not give.
	body []byte
}

type requestInfoKey struct{}

func infoOf(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return info
}

// setCodes records codes, the codes of the response's errors.
func (info *requestInfo) setCodes(codes []string) {
	info.answered = true
	slices.Sort(codes)
	info.codes = slices.Compact(codes)
}

// codesOf returns the codes (extensions.code) of errs.
func codesOf(errs gqlerror.List) []string {
	var codes []string
	for _, e := range errs {
		if c, ok := e.Extensions["code"].(string); ok && c != "" {
			codes = append(codes, c)
		}
	}
	return codes
}

// recordOperation is an operation interceptor: it records the operation's
// name, and the codes of the errors of the response as the client gets it
// (the transaction may still turn a response into an error after the
// response interceptors that follow run).
func recordOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	info := infoOf(ctx)
	if info == nil {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	switch {
	case oc.OperationName != "":
		info.operation = oc.OperationName
	case oc.Operation != nil && oc.Operation.Name != "":
		info.operation = oc.Operation.Name
	case oc.Operation != nil:
		info.operation = "anonymous " + string(oc.Operation.Operation)
	}
	respond := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		rsp := respond(ctx)
		if rsp != nil {
			info.setCodes(codesOf(rsp.Errors))
		}
		return rsp
	}
}

// recordResponse is a response interceptor: it records the codes of the
// errors of a request that failed before it had an operation (it did not
// parse, validate, or pass the caps), which no operation interceptor sees.
func recordResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	rsp := next(ctx)
	if info := infoOf(ctx); info != nil && rsp != nil {
		info.setCodes(codesOf(rsp.Errors))
	}
	return rsp
}

// maxSniffedBytes bounds the answers codeSniffer copies: the edge's refusals
// are a few hundred bytes.
const maxSniffedBytes = 4 << 10

// sniffCodes lets the request log name the error codes of the answers that
// gqlgen did not give: the edge's refusals (a wrong host or origin, a missing
// token, a bad Idempotency-Key, a request that is not GraphQL over HTTP),
// which are small JSON bodies written by other packages. Answers gqlgen gave
// are not copied: their codes were recorded without reading JSON.
func sniffCodes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info := infoOf(r.Context()); info != nil {
			w = &codeSniffer{ResponseWriter: w, info: info}
		}
		next.ServeHTTP(w, r)
	})
}

type codeSniffer struct {
	http.ResponseWriter
	info *requestInfo
	done bool
}

func (c *codeSniffer) Write(b []byte) (int, error) {
	if !c.done {
		if c.info.answered || !isJSON(c.Header().Get("Content-Type")) || len(c.info.body)+len(b) > maxSniffedBytes {
			c.done = true
			c.info.body = nil
		} else {
			c.info.body = append(c.info.body, b...)
		}
	}
	return c.ResponseWriter.Write(b)
}

func (c *codeSniffer) Flush() { flush(c.ResponseWriter) }

func (c *codeSniffer) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// isJSON reports whether contentType is application/json or a +json type
// (application/graphql-response+json).
func isJSON(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"))
}

// errorCodes returns the codes of the response's errors.
func (info *requestInfo) errorCodes() []string {
	if !info.answered && len(info.body) > 0 {
		var rsp struct {
			Errors []struct {
				Extensions struct {
					Code string `json:"code"`
				} `json:"extensions"`
			} `json:"errors"`
		}
		if json.Unmarshal(info.body, &rsp) == nil {
			var codes []string
			for _, e := range rsp.Errors {
				if e.Extensions.Code != "" {
					codes = append(codes, e.Extensions.Code)
				}
			}
			info.setCodes(codes)
		}
	}
	return info.codes
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 && code >= http.StatusOK {
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

func (s *statusRecorder) Flush() { flush(s.ResponseWriter) }

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// isProbe reports whether r is a health or readiness probe, which orchestrators
// send every few seconds: their lines are logged at debug level, unless they
// fail.
func isProbe(r *http.Request) bool {
	return r.URL.Path == "/healthz" || r.URL.Path == "/readyz"
}

// logRequests writes one structured line per request: method, path, status,
// duration, bytes sent (compressed, if the response was) and, for GraphQL,
// the operation and the codes of the response's errors. Its logger adds the
// request id.
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
		if codes := info.errorCodes(); len(codes) > 0 {
			attrs = append(attrs, "codes", strings.Join(codes, ","))
		}
		level := slog.LevelInfo
		if isProbe(r) {
			level = slog.LevelDebug
			if rec.status >= http.StatusBadRequest {
				level = slog.LevelWarn
			}
		}
		logger.Log(r.Context(), level, "request", attrs...)
	})
}
