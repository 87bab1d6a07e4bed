package httpapi_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/relgraph/relgraph/internal/httpapi"
)

// TestSchemaIsServed: GET /schema.graphql is the repository's
// schema.graphql, also when the server requires a token for GraphQL.
func TestSchemaIsServed(t *testing.T) {
	want, err := os.ReadFile("../../schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, func(c *httpapi.Config) { c.AuthRequired = true })
	res := s.send(t, http.MethodGet, "/schema.graphql", "", "", nil)
	if res.Status != http.StatusOK || string(res.Body) != string(want) {
		t.Fatalf("status %d, %d bytes; want 200 and schema.graphql's %d bytes", res.Status, len(res.Body), len(want))
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("Content-Type %q", ct)
	}
	if res := s.send(t, http.MethodPost, "/schema.graphql", "text/plain", "", nil); res.Status != http.StatusMethodNotAllowed {
		t.Fatalf("POST /schema.graphql: status %d, want 405", res.Status)
	}
}
