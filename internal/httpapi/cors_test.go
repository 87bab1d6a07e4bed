package httpapi_test

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/relgraph/relgraph/internal/config"
	"github.com/relgraph/relgraph/internal/httpapi"
	"github.com/relgraph/relgraph/internal/idempotency"
)

const browserOrigin = "https://releases.example.com"

// preflight asks, as a browser on browserOrigin would, whether a POST with
// the request headers (lower case, sorted, comma-separated, as browsers list
// them) may be sent, and reports whether it may.
func (s *testServer) preflight(t *testing.T, headers string) bool {
	t.Helper()
	req := s.request(t, http.MethodOptions, "/graphql", nil, map[string]string{
		"Origin":                         browserOrigin,
		"Access-Control-Request-Method":  http.MethodPost,
		"Access-Control-Request-Headers": headers,
	})
	res := s.do(t, req)
	if res.Status >= 300 {
		t.Fatalf("preflight: %d", res.Status)
	}
	allowed := res.Header.Get("Access-Control-Allow-Origin") == browserOrigin
	if allowed && !strings.EqualFold(res.Header.Get("Access-Control-Allow-Headers"), headers) {
		t.Fatalf("preflight for %q allows %q", headers, res.Header.Get("Access-Control-Allow-Headers"))
	}
	return allowed
}

// TestCORSHeaders: browsers may send relgraph's headers and the tracing and
// Apollo client headers by default, others only once configured.
func TestCORSHeaders(t *testing.T) {
	s := newTestServer(t, func(c *httpapi.Config) { c.CORSOrigins = []string{browserOrigin} })
	for _, h := range httpapi.DefaultCORSHeaders {
		if !s.preflight(t, strings.ToLower(h)) {
			t.Errorf("default header %s refused", h)
		}
	}
	cases := []struct {
		headers string
		allowed bool
	}{
		{"apollographql-client-name,content-type,traceparent", true},
		{"apollo-require-preflight,apollographql-client-name,apollographql-client-version,authorization,content-type,idempotency-key,traceparent,tracestate,x-actor,x-request-id", true},
		{"content-type,x-tenant", false},
		{"x-tenant", false},
		{"baggage,content-type", false},
	}
	for _, tc := range cases {
		if got := s.preflight(t, tc.headers); got != tc.allowed {
			t.Errorf("preflight for %s: allowed %v, want %v", tc.headers, got, tc.allowed)
		}
	}

	// An actual request: browsers may read the request id and whether an
	// answer was replayed.
	res := s.do(t, s.request(t, http.MethodPost, "/graphql", []byte(`{"query":"{ applications { totalCount } }"}`), map[string]string{"Origin": browserOrigin}))
	var exposed []string
	for h := range strings.SplitSeq(res.Header.Get("Access-Control-Expose-Headers"), ",") {
		exposed = append(exposed, strings.ToLower(strings.TrimSpace(h)))
	}
	for _, h := range []string{httpapi.RequestIDHeader, idempotency.ReplayedHeader} {
		if !slices.Contains(exposed, strings.ToLower(h)) {
			t.Errorf("%s not exposed: %q", h, exposed)
		}
	}
}

// TestCORSHeadersConfigured: --cors-headers (RELGRAPH_CORS_HEADERS) adds to
// the defaults.
func TestCORSHeadersConfigured(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		allowed map[string]bool
	}{
		{name: "flag", args: []string{"--cors-origins", browserOrigin, "--cors-headers", "X-Tenant, baggage"},
			allowed: map[string]bool{"content-type,x-tenant": true, "baggage,traceparent": true, "content-type,x-other": false}},
		{name: "environment", env: map[string]string{"RELGRAPH_CORS_ORIGINS": browserOrigin, "RELGRAPH_CORS_HEADERS": "x-tenant"},
			allowed: map[string]bool{"content-type,x-tenant": true, "apollographql-client-name,x-tenant": true, "baggage,content-type": false}},
		{name: "any", args: []string{"--cors-origins", browserOrigin, "--cors-headers", "*"},
			allowed: map[string]bool{"content-type,x-tenant": true, "x-anything": true}},
		{name: "origin not allowed", args: []string{"--cors-origins", "https://other.example.com", "--cors-headers", "X-Tenant"},
			allowed: map[string]bool{"x-tenant": false, "content-type": false}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Load(tc.args, func(k string) string { return tc.env[k] }, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			s := newTestServer(t, func(c *httpapi.Config) {
				c.CORSOrigins = cfg.CORSOrigins
				c.CORSHeaders = cfg.CORSHeaders
			})
			for headers, want := range tc.allowed {
				if got := s.preflight(t, headers); got != want {
					t.Errorf("preflight for %s: allowed %v, want %v", headers, got, want)
				}
			}
		})
	}
}
