package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// graphQLOverHTTP brings gqlgen's error responses in line with the
// GraphQL-over-HTTP specification's recommendations, which clients and the
// graphql-http audit check: a client accepting application/json gets 200 for
// any well-formed request, GraphQL errors included (gqlgen answers parse,
// validation and variable errors with 422); and an
// application/graphql-response+json error response that never executed
// carries no "data" entry (gqlgen writes "data": null); neither does any
// other response to a request that never executed. Successful responses
// pass through unbuffered.
func graphQLOverHTTP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g := &errorResponseWriter{ResponseWriter: w}
		next.ServeHTTP(g, r)
		g.flush()
	})
}

// errorResponseWriter holds back 4xx responses so that their status and body
// can be corrected, and forwards everything else as it comes.
type errorResponseWriter struct {
	http.ResponseWriter
	held   bool
	status int
	body   bytes.Buffer
}

func (g *errorResponseWriter) WriteHeader(code int) {
	if code >= 400 && code < 500 && isJSON(g.Header().Get("Content-Type")) {
		g.held, g.status = true, code
		return
	}
	g.ResponseWriter.WriteHeader(code)
}

func (g *errorResponseWriter) Write(b []byte) (int, error) {
	if g.held {
		return g.body.Write(b)
	}
	return g.ResponseWriter.Write(b)
}

func (g *errorResponseWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

func (g *errorResponseWriter) flush() {
	if !g.held {
		return
	}
	status, body := g.status, g.body.Bytes()
	if strings.HasPrefix(g.Header().Get("Content-Type"), "application/json") && status == http.StatusUnprocessableEntity {
		status = http.StatusOK
	}
	if status >= 400 { // the request never executed: no data entry
		var fields map[string]json.RawMessage
		if json.Unmarshal(body, &fields) == nil {
			if data, ok := fields["data"]; ok && string(data) == "null" {
				delete(fields, "data")
				if b, err := json.Marshal(fields); err == nil {
					body = b
				}
			}
		}
	}
	g.Header().Set("Content-Length", strconv.Itoa(len(body)))
	g.ResponseWriter.WriteHeader(status)
	_, _ = g.ResponseWriter.Write(body)
}

func isJSON(contentType string) bool {
	return strings.HasPrefix(contentType, "application/json") || strings.HasPrefix(contentType, "application/graphql-response+json")
}
