package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/relgraph/relgraph/internal/httpapi"
)

func TestCORSPreflight(t *testing.T) {
	s := newTestServer(t, func(c *httpapi.Config) { c.CORSOrigins = []string{"https://releases.example.com"} })
	cases := []struct {
		name, origin string
		allowed      bool
	}{
		{"allowed origin", "https://releases.example.com", true},
		{"refused origin", "https://evil.example.net", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodOptions, s.URL+"/graphql", nil)
			req.Header.Set("Origin", tc.origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
			res, err := s.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			got := res.Header.Get("Access-Control-Allow-Origin")
			if tc.allowed && got != tc.origin {
				t.Fatalf("Access-Control-Allow-Origin = %q, want %q", got, tc.origin)
			}
			if !tc.allowed && got != "" {
				t.Fatalf("refused origin got Access-Control-Allow-Origin %q", got)
			}
			if tc.allowed && !strings.Contains(strings.ToLower(res.Header.Get("Access-Control-Allow-Headers")), "authorization") {
				t.Fatalf("Authorization header not allowed: %q", res.Header.Get("Access-Control-Allow-Headers"))
			}
		})
	}
	t.Run("no origins configured", func(t *testing.T) {
		s := newTestServer(t)
		req, _ := http.NewRequest(http.MethodOptions, s.URL+"/graphql", nil)
		req.Header.Set("Origin", "https://releases.example.com")
		req.Header.Set("Access-Control-Request-Method", "POST")
		res, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Fatalf("default allowed origin %q", got)
		}
	})
}

func TestHealthAndReadiness(t *testing.T) {
	s := newTestServer(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		res, err := s.Client().Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s = %d", path, res.StatusCode)
		}
	}
	s.DB.SQL().Close()
	res, err := s.Client().Get(s.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with the database gone = %d", res.StatusCode)
	}
}

func TestGraphiQLIsServedOffline(t *testing.T) {
	s := newTestServer(t)
	res, err := s.Client().Get(s.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET / = %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if m := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`).Find(html); m != nil {
		t.Fatalf("the page references an external URL: %s", m)
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllSubmatch(html, -1)
	if len(refs) < 3 {
		t.Fatalf("expected GraphiQL, React and the stylesheet to be referenced, found %d references", len(refs))
	}
	for _, ref := range refs {
		url := string(ref[1])
		if !strings.HasPrefix(url, "/") {
			url = "/" + url
		}
		res, err := s.Client().Get(s.URL + url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || len(body) == 0 {
			t.Errorf("asset %s = %d (%d bytes)", url, res.StatusCode, len(body))
		}
	}
	// The page's endpoint answers introspection, which GraphiQL needs.
	var schema struct {
		Schema struct{ QueryType struct{ Name string } } `json:"__schema"`
	}
	s.ok(t, `{ __schema { queryType { name } } }`, nil, &schema)
	if schema.Schema.QueryType.Name != "Query" {
		t.Fatalf("introspection: %+v", schema)
	}
}

func TestRequestLog(t *testing.T) {
	s := newTestServer(t)
	s.ok(t, `query ListApps { applications { totalCount } }`, nil, nil)
	line := s.waitLogLines(t, 1, " msg=request ", " operation=ListApps ")[0]
	for _, want := range []string{"level=INFO", "status=200", "duration=", "bytes=", "request_id="} {
		if !strings.Contains(line, want) {
			t.Errorf("request log lacks %q:\n%s", want, line)
		}
	}
	if strings.Contains(line, "codes=") {
		t.Errorf("codes logged for a request without errors: %s", line)
	}
}

// TestGraphQLOverHTTPStatus follows the GraphQL-over-HTTP recommendations
// for request errors, per accepted media type.
func TestGraphQLOverHTTPStatus(t *testing.T) {
	s := newTestServer(t)
	cases := []struct {
		name, accept, body string
		status             int
		hasData            bool
	}{
		{"parse error, json", "application/json", `{"query":"{"}`, 200, true},
		{"validation error, json", "application/json", `{"query":"{ nope }"}`, 200, true},
		{"variable error, json", "application/json", `{"query":"query($n:Int!){ applications(first:$n){ totalCount } }","variables":{"n":"x"}}`, 200, true},
		{"parse error, graphql-response", "application/graphql-response+json", `{"query":"{"}`, 400, false},
		{"validation error, graphql-response", "application/graphql-response+json", `{"query":"{ nope }"}`, 400, false},
		{"success, graphql-response", "application/graphql-response+json", `{"query":"{ applications { totalCount } }"}`, 200, true},
		{"malformed body", "application/json", `{"query":`, 400, false},
		{"unsupported content type", "application/json", `{"query":"{ applications { totalCount } }"}`, 400, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			if tc.name == "unsupported content type" {
				req.Header.Set("Content-Type", "text/plain")
			}
			req.Header.Set("Accept", tc.accept)
			res, err := s.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, body)
			}
			var out map[string]any
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatalf("not JSON: %s", body)
			}
			if _, has := out["data"]; has != tc.hasData {
				t.Fatalf("data entry present=%v, want %v: %s", has, tc.hasData, body)
			}
			errs, _ := out["errors"].([]any)
			for _, e := range errs {
				if ext, _ := e.(map[string]any)["extensions"].(map[string]any); ext["code"] == nil {
					t.Fatalf("error without extensions.code: %s", body)
				}
			}
		})
	}
}
