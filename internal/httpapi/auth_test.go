package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/relgraph/relgraph/internal/auth"
	"github.com/relgraph/relgraph/internal/httpapi"
	"github.com/relgraph/relgraph/internal/viewer"
)

// call posts a GraphQL request with the given headers and returns the
// status and the decoded response.
func (s *testServer) call(t *testing.T, headers map[string]string, query string, vars map[string]any) (int, *gqlResponse) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := &gqlResponse{Status: res.StatusCode}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("not JSON (%d): %s", res.StatusCode, raw)
	}
	return res.StatusCode, out
}

func bearer(secret string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + secret}
}

func code(r *gqlResponse) any {
	if len(r.Errors) == 0 {
		return nil
	}
	return r.Errors[0].Extensions["code"]
}

func TestTokensAndRoles(t *testing.T) {
	s := newTestServer(t, func(c *httpapi.Config) { c.AuthRequired = true })
	ctx := context.Background()
	secrets := map[viewer.Role]string{}
	for _, role := range viewer.Roles() {
		_, secret, err := auth.Create(ctx, s.DB.Client, "bot-"+string(role), role)
		if err != nil {
			t.Fatal(err)
		}
		secrets[role] = secret
	}
	const create = `mutation { createApplication(input:{name:"billing"}) { id } }`
	const read = `{ applications { totalCount } }`

	// Anonymous and wrong tokens are 401, and write nothing.
	for _, h := range []map[string]string{nil, bearer("rg_wrong"), {"Authorization": "Basic YWxpY2U6c2VjcmV0"}, {"X-Actor": "mallory"}} {
		if status, res := s.call(t, h, create, nil); status != http.StatusUnauthorized || code(res) != "UNAUTHENTICATED" || res.Data != nil {
			t.Fatalf("headers %v: %d %s %+v", h, status, res.Data, res.Errors)
		}
	}
	// A VIEWER reads but cannot write; an EDITOR writes, named in the audit
	// trail by its token, whatever X-Actor says.
	if status, res := s.call(t, bearer(secrets[viewer.ViewerRole]), read, nil); status != 200 || res.Errors != nil {
		t.Fatalf("viewer read: %d %+v", status, res.Errors)
	}
	if _, res := s.call(t, bearer(secrets[viewer.ViewerRole]), create, nil); code(res) != "FORBIDDEN" {
		t.Fatalf("viewer write: %+v", res.Errors)
	}
	h := bearer(secrets[viewer.Editor])
	h["X-Actor"] = "someone-else"
	if _, res := s.call(t, h, create, nil); res.Errors != nil {
		t.Fatalf("editor write: %+v", res.Errors)
	}
	var audit struct {
		AuditEvents struct {
			Edges []struct{ Node struct{ Actor string } }
		}
	}
	_, res := s.call(t, h, `{ auditEvents(where:{entityType:"Application"}) { edges { node { actor } } } }`, nil)
	_ = json.Unmarshal(res.Data, &audit)
	if len(audit.AuditEvents.Edges) == 0 {
		t.Fatalf("no audit events: %s", res.Data)
	}
	for _, e := range audit.AuditEvents.Edges {
		if e.Node.Actor != "bot-EDITOR" {
			t.Fatalf("audit actor %q, want the token's name", e.Node.Actor)
		}
	}
	// Only an ADMIN manages tokens.
	const mint = `mutation { createToken(name:"ci", role:VIEWER) { secret token { name role } } }`
	for _, role := range []viewer.Role{viewer.ViewerRole, viewer.Editor} {
		if _, res := s.call(t, bearer(secrets[role]), mint, nil); code(res) != "FORBIDDEN" {
			t.Fatalf("%s created a token: %+v", role, res.Errors)
		}
		if _, res := s.call(t, bearer(secrets[role]), `{ tokens { totalCount } }`, nil); code(res) != "FORBIDDEN" {
			t.Fatalf("%s listed tokens: %+v", role, res.Errors)
		}
	}
	var minted struct{ CreateToken struct{ Secret string } }
	_, res = s.call(t, bearer(secrets[viewer.Admin]), mint, nil)
	if err := json.Unmarshal(res.Data, &minted); err != nil || minted.CreateToken.Secret == "" {
		t.Fatalf("admin createToken: %s %+v", res.Data, res.Errors)
	}
	var me struct{ Viewer struct{ Actor, Role string } }
	_, res = s.call(t, bearer(minted.CreateToken.Secret), `{ viewer { actor role } }`, nil)
	if _ = json.Unmarshal(res.Data, &me); me.Viewer.Actor != "ci" || me.Viewer.Role != "VIEWER" {
		t.Fatalf("the minted token is %+v", me.Viewer)
	}
	if _, res := s.call(t, bearer(secrets[viewer.Admin]), `mutation { revokeToken(name:"ci") }`, nil); res.Errors != nil {
		t.Fatalf("revoke: %+v", res.Errors)
	}
	if status, _ := s.call(t, bearer(minted.CreateToken.Secret), read, nil); status != http.StatusUnauthorized {
		t.Fatalf("a revoked token answered %d", status)
	}
	// The page and the probes need no token.
	for _, path := range []string{"/", "/healthz", "/readyz"} {
		if res := s.send(t, http.MethodGet, path, "", "", nil); res.Status != 200 {
			t.Errorf("GET %s = %d", path, res.Status)
		}
	}
}

func TestFailedAuthenticationIsRateLimited(t *testing.T) {
	s := newTestServer(t, func(c *httpapi.Config) { c.AuthRequired = true })
	_, secret, err := auth.Create(context.Background(), s.DB.Client, "ok", viewer.ViewerRole)
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[int]int{}
	for range 15 {
		status, _ := s.call(t, bearer("rg_guess"), `{ viewer { actor } }`, nil)
		statuses[status]++
	}
	if statuses[http.StatusUnauthorized] != 10 || statuses[http.StatusTooManyRequests] != 5 {
		t.Fatalf("statuses %v, want 10 × 401 then 429", statuses)
	}
	// While blocked, even the right token waits: guessing gains nothing.
	if status, _ := s.call(t, bearer(secret), `{ viewer { actor } }`, nil); status != http.StatusTooManyRequests {
		t.Fatalf("a blocked address got %d", status)
	}
}

func TestAuthOffTrustsXActor(t *testing.T) {
	s := newTestServer(t)
	_, res := s.call(t, map[string]string{"X-Actor": " carol\u200b "}, `{ viewer { actor role } }`, nil)
	var me struct{ Viewer struct{ Actor, Role string } }
	if _ = json.Unmarshal(res.Data, &me); me.Viewer.Actor != "carol" || me.Viewer.Role != "ADMIN" {
		t.Fatalf("viewer %+v", me.Viewer)
	}
}

func TestHostsAndOrigins(t *testing.T) {
	s := newTestServer(t, func(c *httpapi.Config) {
		c.AllowedHosts = []string{"127.0.0.1", "localhost"}
		c.CORSOrigins = []string{"https://releases.example.com"}
	})
	cases := []struct {
		name, host, origin string
		status             int
	}{
		{"own address", "", "", 200},
		{"localhost with port", "localhost:8080", "", 200},
		{"rebound name", "attacker.example", "", http.StatusForbidden},
		{"same origin", "", "SELF", 200},
		{"allowed origin", "", "https://releases.example.com", 200},
		{"foreign origin", "", "https://evil.example", http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, s.URL+"/graphql?query=%7Bviewer%7Bactor%7D%7D", nil)
			if tc.host != "" {
				req.Host = tc.host
			}
			switch tc.origin {
			case "":
			case "SELF":
				req.Header.Set("Origin", s.URL)
			default:
				req.Header.Set("Origin", tc.origin)
			}
			res, err := s.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, raw)
			}
			if tc.status != 200 && !bytes.Contains(raw, []byte(`"FORBIDDEN"`)) {
				t.Fatalf("refusal without a code: %s", raw)
			}
		})
	}
}
