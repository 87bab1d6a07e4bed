package graph_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/99designs/gqlgen/client"

	"github.com/relgraph/relgraph/internal/requestid"
)

// TestErrorsNameTheRequest checks that every presented error carries the
// request's id in extensions.requestId, and no traceId with tracing off.
func TestErrorsNameTheRequest(t *testing.T) {
	s := newTestServer(t)
	withID := func(r *client.Request) { r.HTTP = r.HTTP.WithContext(requestid.With(r.HTTP.Context(), "req-1")) }
	cases := []struct{ name, query string }{
		{"validation", `{ nope }`},
		{"resolver", `mutation { createApplication(input:{name:"   "}) { id } }`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var rsp struct{}
			err := client.New(s.handler).Post(tc.query, &rsp, withID)
			var list client.RawJsonError
			if !errors.As(err, &list) {
				t.Fatalf("err = %v, want the response's errors", err)
			}
			var errs []struct {
				Extensions map[string]any `json:"extensions"`
			}
			if err := json.Unmarshal(list.RawMessage, &errs); err != nil {
				t.Fatal(err)
			}
			if len(errs) == 0 || errs[0].Extensions["requestId"] != "req-1" {
				t.Fatalf("errors = %s, want extensions.requestId req-1", list.RawMessage)
			}
			if _, ok := errs[0].Extensions["traceId"]; ok {
				t.Errorf("extensions.traceId with tracing off: %s", list.RawMessage)
			}
		})
	}
}
