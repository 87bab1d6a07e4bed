package graph

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// graphQLOverHTTP brings gqlgen's error responses in line with the
// GraphQL-over-HTTP specification's recommendations, which clients and the
// graphql-http audit check: a client accepting application/json gets 200 for
// any well-formed request, GraphQL errors included (gqlgen answers parse,
// validation and variable errors with 422); and an
// application/graphql-response+json error response that never executed
// carries no "data" entry (gqlgen writes "data": null); neither does any
// other response to a request that never executed. Errors that gqlgen's
// transports write themselves (a mutation sent with GET, unreadable
// variables) bypass its error presenter: present routes them through it, so
// they carry an extensions.code like every other. Successful responses
// pass through unbuffered.
func graphQLOverHTTP(next http.Handler, present graphql.ErrorPresenterFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g := &errorResponseWriter{ResponseWriter: w, present: func(msg string) *gqlerror.Error {
			return present(r.Context(), &requestError{msg: msg})
		}}
		next.ServeHTTP(g, r)
		g.flush()
	})
}

// requestError is a request gqlgen's transport refused before the error
// presenter saw it: the client's, by construction.
type requestError struct{ msg string }

func (e *requestError) Error() string { return e.msg }

// errorResponseWriter holds back 4xx responses so that their status and body
// can be corrected, and forwards everything else as it comes.
type errorResponseWriter struct {
	http.ResponseWriter
	present func(msg string) *gqlerror.Error
	held    bool
	status  int
	body    bytes.Buffer
}

func (g *errorResponseWriter) WriteHeader(code int) {
	// gqlgen answers a request no transport accepts (a PUT, an unknown
	// content type) with a JSON body but no Content-Type: hold it too.
	if ct := g.Header().Get("Content-Type"); code >= 400 && code < 500 && (isJSON(ct) || ct == "") {
		if ct == "" {
			g.Header().Set("Content-Type", "application/json")
		}
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
		body = withoutData(body, g.present)
	}
	g.Header().Set("Content-Length", strconv.Itoa(len(body)))
	g.ResponseWriter.WriteHeader(status)
	_, _ = g.ResponseWriter.Write(body)
}

func isJSON(contentType string) bool {
	return strings.HasPrefix(contentType, "application/json") || strings.HasPrefix(contentType, "application/graphql-response+json")
}

// withoutData drops a null "data" entry and presents every error that has
// no extensions.code yet.
func withoutData(body []byte, present func(msg string) *gqlerror.Error) []byte {
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
	for i, e := range resp.Errors {
		if ext, _ := e["extensions"].(map[string]any); ext["code"] != nil {
			continue
		}
		msg, _ := e["message"].(string)
		presented := present(msg)
		resp.Errors[i] = map[string]any{"message": presented.Message, "extensions": presented.Extensions}
	}
	out, err := json.Marshal(resp)
	if err != nil {
		return body
	}
	return out
}
