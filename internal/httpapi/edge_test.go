package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/relgraph/relgraph/internal/httpapi"
)

const (
	acceptJSON            = "application/json"
	acceptGraphQLResponse = "application/graphql-response+json"
	listApps              = `{ applications { totalCount } }`
)

// edgeCase is a request a client should not have made, and the answer it
// must get.
type edgeCase struct {
	name                string
	method, contentType string
	target              string // path and query; /graphql if empty
	body                string
	status              int
	code                string
	allow               string // the Allow header, for a 405
}

// edgeLimit is the body limit of the edge tests' server.
const edgeLimit = 1024

func edgeCases() []edgeCase {
	getMutation := "/graphql?query=" + url.QueryEscape(`mutation { createApplication(input:{name:"billing"}) { id } }`)
	q := func(query string, vars map[string]any) string {
		b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		return string(b)
	}
	return []edgeCase{
		{name: "body over the limit", method: http.MethodPost, contentType: "application/json",
			body: q(listApps, map[string]any{"pad": strings.Repeat("x", 2*edgeLimit)}), status: http.StatusRequestEntityTooLarge, code: "BAD_USER_INPUT"},
		{name: "text/plain", method: http.MethodPost, contentType: "text/plain", body: q(listApps, nil), status: http.StatusBadRequest, code: "BAD_USER_INPUT"},
		{name: "form", method: http.MethodPost, contentType: "application/x-www-form-urlencoded",
			body: "query=" + url.QueryEscape(listApps), status: http.StatusBadRequest, code: "BAD_USER_INPUT"},
		{name: "multipart", method: http.MethodPost, contentType: "multipart/form-data; boundary=b",
			body: "--b\r\nContent-Disposition: form-data; name=\"query\"\r\n\r\n" + listApps + "\r\n--b--\r\n", status: http.StatusBadRequest, code: "BAD_USER_INPUT"},
		{name: "no content type", method: http.MethodPost, body: q(listApps, nil), status: http.StatusBadRequest, code: "BAD_USER_INPUT"},
		{name: "PUT", method: http.MethodPut, contentType: "application/json", body: q(listApps, nil),
			status: http.StatusMethodNotAllowed, code: "BAD_USER_INPUT", allow: "OPTIONS, GET, POST"},
		{name: "DELETE", method: http.MethodDelete, status: http.StatusMethodNotAllowed, code: "BAD_USER_INPUT", allow: "OPTIONS, GET, POST"},
		{name: "PATCH", method: http.MethodPatch, contentType: "application/json", body: q(listApps, nil),
			status: http.StatusMethodNotAllowed, code: "BAD_USER_INPUT", allow: "OPTIONS, GET, POST"},
		{name: "mutation by GET", method: http.MethodGet, target: getMutation,
			status: http.StatusMethodNotAllowed, code: "BAD_USER_INPUT", allow: "POST"},
		{name: "unreadable GET variables", method: http.MethodGet, target: "/graphql?query=" + url.QueryEscape(listApps) + "&variables=%7B",
			status: http.StatusBadRequest, code: "BAD_USER_INPUT"},
		{name: "malformed JSON", method: http.MethodPost, contentType: "application/json", body: `{"query":`, status: http.StatusBadRequest, code: "BAD_USER_INPUT"},
		{name: "invalid UTF-8 in the query", method: http.MethodPost, contentType: "application/json",
			body: "{\"query\":\"mutation { createApplication(input:{name:\\\"bill\xffing\\\"}) { id } }\"}", status: http.StatusBadRequest, code: "BAD_USER_INPUT"},
		{name: "invalid UTF-8 in a variable", method: http.MethodPost, contentType: "application/json; charset=utf-8",
			body:   `{"query":"mutation($n:String!){ createApplication(input:{name:$n}) { id } }","variables":{"n":"bill` + "\xc3\x28" + `ing"}}`,
			status: http.StatusBadRequest, code: "BAD_USER_INPUT"},
	}
}

// TestEdgeErrorsAreCoded: every request refused at the HTTP edge gets its
// status, a JSON body with no data entry, and errors carrying extensions.code,
// whichever JSON media type the client accepts.
func TestEdgeErrorsAreCoded(t *testing.T) {
	s := newTestServer(t, func(c *httpapi.Config) { c.MaxBodyBytes = edgeLimit })
	for _, accept := range []string{acceptJSON, acceptGraphQLResponse} {
		for _, tc := range edgeCases() {
			t.Run(tc.name+", "+accept, func(t *testing.T) {
				target := tc.target
				if target == "" {
					target = "/graphql"
				}
				res := s.send(t, tc.method, target, tc.contentType, accept, strings.NewReader(tc.body))
				if res.Status != tc.status {
					t.Fatalf("status %d, want %d: %s", res.Status, tc.status, res.Body)
				}
				if got := res.Header.Get("Allow"); got != tc.allow {
					t.Errorf("Allow %q, want %q", got, tc.allow)
				}
				if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, acceptGraphQLResponse) {
					t.Errorf("Content-Type %q", ct)
				}
				var out map[string]json.RawMessage
				if err := json.Unmarshal(res.Body, &out); err != nil {
					t.Fatalf("not JSON: %s", res.Body)
				}
				if _, has := out["data"]; has {
					t.Errorf("a request that never executed has a data entry: %s", res.Body)
				}
				var errs []gqlError
				if err := json.Unmarshal(out["errors"], &errs); err != nil || len(errs) == 0 {
					t.Fatalf("no errors: %s", res.Body)
				}
				for _, e := range errs {
					if e.Extensions["code"] != tc.code {
						t.Errorf("code %v, want %s: %s", e.Extensions["code"], tc.code, res.Body)
					}
				}
			})
		}
	}
	var apps struct{ Applications struct{ TotalCount int } }
	s.ok(t, listApps, nil, &apps)
	if apps.Applications.TotalCount != 0 {
		t.Fatalf("a refused request wrote %d applications", apps.Applications.TotalCount)
	}
}

// TestBodyLimit: a body up to the limit is served; one byte more is 413,
// detected by the reader's *http.MaxBytesError, at the configured and at the
// default limit.
func TestBodyLimit(t *testing.T) {
	// body is a request listing applications, padded to size bytes with
	// JSON whitespace.
	body := func(size int) string {
		b := `{"query":"{ applications { totalCount } }"}`
		return b + strings.Repeat(" ", size-len(b))
	}
	cases := []struct {
		name   string
		limit  int64
		size   int
		status int
	}{
		{"at the configured limit", edgeLimit, edgeLimit, http.StatusOK},
		{"over the configured limit", edgeLimit, edgeLimit + 1, http.StatusRequestEntityTooLarge},
		{"at the default limit", 0, httpapi.DefaultMaxBodyBytes, http.StatusOK},
		{"over the default limit", 0, httpapi.DefaultMaxBodyBytes + 1, http.StatusRequestEntityTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, func(c *httpapi.Config) { c.MaxBodyBytes = tc.limit })
			b := body(tc.size)
			if len(b) != tc.size {
				t.Fatalf("body of %d bytes, want %d", len(b), tc.size)
			}
			res := s.send(t, http.MethodPost, "/graphql", "application/json", acceptJSON, strings.NewReader(b))
			if res.Status != tc.status {
				t.Fatalf("status %d, want %d: %.200s", res.Status, tc.status, res.Body)
			}
			if tc.status == http.StatusOK {
				return
			}
			var out gqlResponse
			if err := json.Unmarshal(res.Body, &out); err != nil || len(out.Errors) != 1 {
				t.Fatalf("%s", res.Body)
			}
			if e := out.Errors[0]; e.Extensions["code"] != "BAD_USER_INPUT" || !strings.Contains(e.Message, "limit") {
				t.Fatalf("%+v", e)
			}
		})
	}
}

// TestValidUTF8IsAccepted: the UTF-8 check refuses broken bytes, not
// non-ASCII text.
func TestValidUTF8IsAccepted(t *testing.T) {
	s := newTestServer(t)
	var out struct{ CreateApplication struct{ Name string } }
	s.ok(t, `mutation($n:String!){ createApplication(input:{name:$n}) { name } }`, map[string]any{"n": "café ☕"}, &out)
	if out.CreateApplication.Name != "café ☕" {
		t.Fatalf("name %q", out.CreateApplication.Name)
	}
}

// TestPersistedQueries: gqlgen's automatic persisted queries are served,
// and a hash the server does not know, or one that does not match its
// query, is coded rather than INTERNAL; no answer may be cached, by GET
// least of all: a cached PERSISTED_QUERY_NOT_FOUND would stop the client's
// query from ever being registered.
func TestPersistedQueries(t *testing.T) {
	s := newTestServer(t)
	sum := sha256.Sum256([]byte(listApps))
	hash := hex.EncodeToString(sum[:])
	unknown := `{"persistedQuery":{"version":1,"sha256Hash":"` + strings.Repeat("1", 64) + `"}}`
	res := s.send(t, http.MethodGet, "/graphql?extensions="+url.QueryEscape(unknown), "", acceptJSON, nil)
	if res.Status != http.StatusOK || !strings.Contains(string(res.Body), "PERSISTED_QUERY_NOT_FOUND") || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET of an unknown hash: %d, Cache-Control %q: %s", res.Status, res.Header.Get("Cache-Control"), res.Body)
	}
	apq := func(query, hash string, version int) string {
		req := map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": version, "sha256Hash": hash}}}
		if query != "" {
			req["query"] = query
		}
		b, _ := json.Marshal(req)
		return string(b)
	}
	cases := []struct {
		name, body, code string
	}{
		{"unknown hash", apq("", hash, 1), "PERSISTED_QUERY_NOT_FOUND"},
		{"hash of another query", apq(listApps, strings.Repeat("0", 64), 1), "BAD_USER_INPUT"},
		{"unsupported version", apq(listApps, hash, 2), "BAD_USER_INPUT"},
		{"malformed extension", `{"query":"{ applications { totalCount } }","extensions":{"persistedQuery":"x"}}`, "BAD_USER_INPUT"},
		{"query with its hash", apq(listApps, hash, 1), ""},
		{"known hash", apq("", hash, 1), ""},
	}
	for _, tc := range cases { // in order: the query with its hash registers it
		t.Run(tc.name, func(t *testing.T) {
			res := s.send(t, http.MethodPost, "/graphql", "application/json", acceptJSON, strings.NewReader(tc.body))
			var out gqlResponse
			if err := json.Unmarshal(res.Body, &out); err != nil {
				t.Fatalf("not JSON: %s", res.Body)
			}
			if res.Status != http.StatusOK {
				t.Fatalf("status %d: %s", res.Status, res.Body)
			}
			if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", cc)
			}
			if tc.code == "" {
				if len(out.Errors) > 0 || !strings.Contains(string(out.Data), "totalCount") {
					t.Fatalf("%s", res.Body)
				}
				return
			}
			if len(out.Errors) != 1 || out.Errors[0].Extensions["code"] != tc.code {
				t.Fatalf("want %s: %s", tc.code, res.Body)
			}
		})
	}
}

// TestEnumVariablesAreCaseSensitive: gqlparser accepts enum variables in any
// case; the enum itself refuses them, and that is the client's input, not
// an internal error, on a filter or on a write.
func TestEnumVariablesAreCaseSensitive(t *testing.T) {
	s := newTestServer(t)
	cases := []struct {
		name, query string
		vars        map[string]any
	}{
		{"filter", `query($s:ReleaseStatus){ releases(where:{status:$s}){ totalCount } }`, map[string]any{"s": "draft"}},
		{"filter list", `query($s:[ReleaseStatus!]){ releases(where:{statusIn:$s}){ totalCount } }`, map[string]any{"s": []string{"DRAFT", "Planned"}}},
		{"nested field", `query($k:ChangeKind){ releases { edges { node { changes(where:{kind:$k}) { totalCount } } } } }`, map[string]any{"k": "fix"}},
		{"write", `mutation($c:Criticality!){ createApplication(input:{name:"billing", criticality:$c}) { id } }`, map[string]any{"c": "high"}},
	}
	s.ok(t, `mutation { createRelease(input:{name:"R1"}) { id } }`, nil, nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := s.query(t, tc.query, tc.vars)
			if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" || !strings.Contains(res.Errors[0].Message, "not a valid") {
				t.Fatalf("%d %+v", res.Status, res.Errors)
			}
		})
	}
	s.ok(t, `query($s:ReleaseStatus){ releases(where:{status:$s}){ totalCount } }`, map[string]any{"s": "DRAFT"}, nil)
	var apps struct{ Applications struct{ TotalCount int } }
	s.ok(t, listApps, nil, &apps)
	if apps.Applications.TotalCount != 0 {
		t.Fatalf("the refused write stored %d applications", apps.Applications.TotalCount)
	}
	if strings.Contains(s.logs.String(), "level=ERROR") {
		t.Fatalf("a client's enum value was logged as an error:\n%s", s.logs)
	}
}

// TestClientMistakesAreNotLoggedAsErrors: the request log and the error
// presenter log a client's mistake below ERROR; only INTERNAL errors are.
func TestClientMistakesAreNotLoggedAsErrors(t *testing.T) {
	s := newTestServer(t, func(c *httpapi.Config) { c.MaxBodyBytes = edgeLimit })
	for _, tc := range edgeCases() {
		target := tc.target
		if target == "" {
			target = "/graphql"
		}
		s.send(t, tc.method, target, tc.contentType, acceptJSON, strings.NewReader(tc.body))
	}
	for _, body := range []string{
		`{"query":"{"}`,
		`{"query":"{ nope }"}`,
		`{"query":"query($s:ReleaseStatus){ releases(where:{status:$s}){ totalCount } }","variables":{"s":"draft"}}`,
		fmt.Sprintf(`{"query":%q,"extensions":{"persistedQuery":{"version":1,"sha256Hash":"%s"}}}`, listApps, strings.Repeat("0", 64)),
		`{"query":"mutation { createApplication(input:{name:\"   \"}) { id } }"}`,
	} {
		s.send(t, http.MethodPost, "/graphql", "application/json", acceptJSON, strings.NewReader(body))
	}
	logs := s.logs.String()
	if strings.Contains(logs, "level=ERROR") {
		t.Fatalf("a client's mistake was logged at ERROR:\n%s", logs)
	}
	if !strings.Contains(logs, "status=413") || !strings.Contains(logs, "status=405") {
		t.Fatalf("the request log lacks the refused requests:\n%s", logs)
	}
}

// The yardstick: a 2 MiB body is refused with 413 by default.
func TestTwoMebibyteBodyIsRefused(t *testing.T) {
	s := newTestServer(t)
	body := `{"query":"{ applications { totalCount } }","variables":{"pad":"` + strings.Repeat("x", 2<<20) + `"}}`
	res := s.send(t, http.MethodPost, "/graphql", "application/json", "application/json", strings.NewReader(body))
	if res.Status != http.StatusRequestEntityTooLarge || !strings.Contains(string(res.Body), "BAD_USER_INPUT") {
		t.Fatalf("2 MiB body: %d %.200s", res.Status, res.Body)
	}
}
