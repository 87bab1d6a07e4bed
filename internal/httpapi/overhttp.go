package httpapi

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
// other response to a request that never executed, and each of its errors
// has an extensions.code. Successful responses
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
		body = withoutData(body)
	}
	g.Header().Set("Content-Length", strconv.Itoa(len(body)))
	g.ResponseWriter.WriteHeader(status)
	_, _ = g.ResponseWriter.Write(body)
}

func isJSON(contentType string) bool {
	return strings.HasPrefix(contentType, "application/json") || strings.HasPrefix(contentType, "application/graphql-response+json")
}

// withoutData drops a null "data" entry and gives every error an
// extensions.code: errors gqlgen's transports write themselves (a mutation
// sent with GET, unreadable variables) bypass the error presenter.
func withoutData(body []byte) []byte {
	var resp struct {
		Errors     []map[string]any `json:"errors"`
		Data       json.RawMessage  `json:"data,omitempty"`
		Extensions map[string]any   `json:"extensions,omitempty"`
	}
	if json.Unmarshal(body, &resp) != nil {
		return body
	}
	if string(resp.Data) == "null" {
		resp.Data = nil
	}
	for _, e := range resp.Errors {
		ext, _ := e["extensions"].(map[string]any)
		if ext == nil {
			ext = map[string]any{}
			e["extensions"] = ext
		}
		if _, ok := ext["code"]; !ok {
			ext["code"] = "BAD_USER_INPUT"
		}
	}
	out, err := json.Marshal(resp)
	if err != nil {
		return body
	}
	return out
}
