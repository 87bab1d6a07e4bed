package httpapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestHostileRequestBody: a request body that is not a GraphQL request is
// refused with 400 and does not echo Go internals.
func TestHostileRequestBody(t *testing.T) {
	s := newTestServer(t)
	res, err := s.Client().Post(s.URL+"/graphql", "application/json", strings.NewReader(`{"query":5}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest || strings.Contains(string(body), "Go struct") || !strings.Contains(string(body), "BAD_USER_INPUT") {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
}

func TestActorHeaderIsCleaned(t *testing.T) {
	s := newTestServer(t)
	actor := strings.Repeat("a", 199) + "éé" + strings.Repeat("b", 10)
	s.queryAs(t, actor, `mutation { createApplication(input:{name:"x"}) { id } }`, nil)
	var out struct {
		AuditEvents struct {
			Edges []struct{ Node struct{ Actor string } }
		}
	}
	s.ok(t, `{ auditEvents { edges { node { actor } } } }`, nil, &out)
	got := out.AuditEvents.Edges[0].Node.Actor
	if !utf8.ValidString(got) || utf8.RuneCountInString(got) != 200 || !strings.HasSuffix(got, "é") {
		t.Fatalf("actor %q", got)
	}
}
