package httpapi_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/relgraph/relgraph/internal/httpapi"
	"github.com/relgraph/relgraph/internal/idempotency"
)

// logLines returns the lines logged so far that contain every one of want.
func (s *testServer) logLines(want ...string) []string {
	var found []string
	for line := range strings.Lines(s.logText()) {
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(line, w)
		}
		if ok {
			found = append(found, strings.TrimSpace(line))
		}
	}
	return found
}

// waitLogLines returns the lines that contain every one of want, once there
// are n of them. The request line is written when the handler returns, which
// may be after the client has read the whole answer.
func (s *testServer) waitLogLines(t *testing.T, n int, want ...string) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		lines := s.logLines(want...)
		if len(lines) == n || time.Now().After(deadline) {
			if len(lines) != n {
				t.Fatalf("%d lines with %q, want %d:\n%s", len(lines), want, n, s.logText())
			}
			return lines
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// requestLine returns the one request log line with request id id.
func (s *testServer) requestLine(t *testing.T, id string) string {
	t.Helper()
	return s.waitLogLines(t, 1, " msg=request ", " request_id="+id)[0]
}

var generatedID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// TestRequestID: a valid X-Request-ID is echoed, an invalid or missing one is
// replaced by a generated one; the request log line names it.
func TestRequestID(t *testing.T) {
	s := newTestServer(t)
	cases := []struct {
		name   string
		ids    []string // X-Request-ID values sent
		echoed bool
	}{
		{"uuid", []string{"0f8e2c1a-7b3d-4e5f-9a6b-1c2d3e4f5a6b"}, true},
		{"visible ASCII", []string{"trace:42/span#7~!"}, true},
		{"128 characters", []string{strings.Repeat("r", httpapi.MaxRequestIDLength)}, true},
		{"none", nil, false},
		{"empty", []string{""}, false},
		{"129 characters", []string{strings.Repeat("r", httpapi.MaxRequestIDLength+1)}, false},
		{"space", []string{"level=ERROR msg=forged"}, false},
		{"not ASCII", []string{"caf\u00e9"}, false},
		{"two values", []string{"one", "two"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := s.request(t, http.MethodPost, "/graphql", []byte(`{"query":"query Apps { applications { totalCount } }"}`), nil)
			for _, id := range tc.ids {
				req.Header.Add(httpapi.RequestIDHeader, id)
			}
			res := s.do(t, req)
			got := res.Header.Values(httpapi.RequestIDHeader)
			if res.Status != http.StatusOK || len(got) != 1 {
				t.Fatalf("%d, X-Request-ID %q", res.Status, got)
			}
			if tc.echoed && got[0] != tc.ids[0] {
				t.Fatalf("X-Request-ID %q, sent %q", got[0], tc.ids[0])
			}
			if !tc.echoed && !generatedID.MatchString(got[0]) {
				t.Fatalf("X-Request-ID %q, want a generated one", got[0])
			}
			line := s.requestLine(t, got[0])
			if !strings.Contains(line, "operation=Apps") || !strings.HasSuffix(line, "request_id="+got[0]) {
				t.Fatalf("request line: %s", line)
			}
		})
	}
	// Each request gets its own.
	a := s.send(t, http.MethodGet, "/healthz", "", "", nil).Header.Get(httpapi.RequestIDHeader)
	b := s.send(t, http.MethodGet, "/healthz", "", "", nil).Header.Get(httpapi.RequestIDHeader)
	if a == b || !generatedID.MatchString(a) || !generatedID.MatchString(b) {
		t.Fatalf("generated ids %q, %q", a, b)
	}
}

// TestRequestIDInEveryLogLine: what is logged while serving a request, not
// only its request line, names its id; refusals at the edge and CORS
// preflights have one too.
func TestRequestIDInEveryLogLine(t *testing.T) {
	s := newTestServer(t, func(c *httpapi.Config) { c.CORSOrigins = []string{"https://releases.example.com"} })
	s.DB.SQL().Close()
	res := s.do(t, s.request(t, http.MethodGet, "/readyz", nil, map[string]string{httpapi.RequestIDHeader: "probe-7"}))
	if res.Status != http.StatusServiceUnavailable || res.Header.Get(httpapi.RequestIDHeader) != "probe-7" {
		t.Fatalf("%d %v", res.Status, res.Header)
	}
	s.waitLogLines(t, 1, "readiness check failed", "request_id=probe-7")
	s.requestLine(t, "probe-7")

	preflight := s.request(t, http.MethodOptions, "/graphql", nil, map[string]string{
		"Origin": "https://releases.example.com", "Access-Control-Request-Method": "POST", httpapi.RequestIDHeader: "preflight-1",
	})
	if res := s.do(t, preflight); res.Header.Get(httpapi.RequestIDHeader) != "preflight-1" {
		t.Fatalf("preflight: %d %v", res.Status, res.Header)
	}
	s.requestLine(t, "preflight-1")
}

// TestRequestLogCodes: the request line names the distinct codes of the
// answer's errors, sorted, whoever wrote the answer.
func TestRequestLogCodes(t *testing.T) {
	s := newTestServer(t, func(c *httpapi.Config) { c.AllowedHosts = []string{"127.0.0.1"} })
	cases := []struct {
		name, body string
		headers    map[string]string
		status     int
		codes      string // "" for none
	}{
		{name: "success", body: `{"query":"{ applications { totalCount } }"}`, status: 200},
		{name: "two codes", body: `{"query":"{ a: node(id:\"99999\") { id } b: node(id:\"x\") { id } c: node(id:\"y\") { id } }"}`,
			status: 200, codes: "BAD_USER_INPUT,NOT_FOUND"},
		{name: "mutation rolled back", body: `{"query":"mutation { a: updateApplication(id:\"4294967297\", input:{}) { id } b: createApplication(input:{name:\"x\"}) { id } }"}`,
			status: 200, codes: "FAILED_PRECONDITION,NOT_FOUND"},
		{name: "cap", body: `{"query":"{ applications(first: -1) { totalCount } }"}`, status: 200, codes: "BAD_USER_INPUT"},
		{name: "parse error", body: `{"query":"{"}`, headers: map[string]string{"Accept": acceptGraphQLResponse}, status: 400, codes: "GRAPHQL_PARSE_FAILED"},
		{name: "validation error", body: `{"query":"{ nope }"}`, status: 200, codes: "GRAPHQL_VALIDATION_FAILED"},
		// Tens of KiB of errors: not read back from the body.
		{name: "many validation errors", body: `{"query":"{ ` + strings.Repeat("nope ", 200) + `}"}`, status: 200, codes: "GRAPHQL_VALIDATION_FAILED"},
		{name: "not JSON", body: `{"query":`, status: 400, codes: "BAD_USER_INPUT"},
		{name: "bad Idempotency-Key", body: `{"query":"{ applications { totalCount } }"}`, headers: map[string]string{idempotency.Header: "caf\u00e9"},
			status: 200, codes: "BAD_USER_INPUT"},
		{name: "wrong host", body: `{"query":"{ applications { totalCount } }"}`, headers: map[string]string{"Host": "evil.example"},
			status: 403, codes: "FORBIDDEN"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := "codes-" + string(rune('a'+i))
			req := s.request(t, http.MethodPost, "/graphql", []byte(tc.body), tc.headers)
			req.Header.Set(httpapi.RequestIDHeader, id)
			if h := tc.headers["Host"]; h != "" {
				req.Host = h
			}
			res := s.do(t, req)
			if res.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", res.Status, tc.status, res.Body)
			}
			line := s.requestLine(t, id)
			if tc.codes == "" && strings.Contains(line, "codes=") || tc.codes != "" && !strings.Contains(line, " codes="+tc.codes+" ") {
				t.Fatalf("want codes=%s: %s", tc.codes, line)
			}
		})
	}
	t.Run("unauthenticated", func(t *testing.T) {
		s := newTestServer(t, func(c *httpapi.Config) { c.AuthRequired = true })
		req := s.request(t, http.MethodPost, "/graphql", []byte(`{"query":"{ applications { totalCount } }"}`), map[string]string{httpapi.RequestIDHeader: "anon"})
		if res := s.do(t, req); res.Status != http.StatusUnauthorized {
			t.Fatalf("%d", res.Status)
		}
		if line := s.requestLine(t, "anon"); !strings.Contains(line, " codes=UNAUTHENTICATED ") {
			t.Fatal(line)
		}
	})
}

// TestHealthProbesLogAtDebug: probes, sent every few seconds, do not fill the
// log at the default level; a failing one still warns.
func TestHealthProbesLogAtDebug(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		t.Run(level.String(), func(t *testing.T) {
			logs := &bytes.Buffer{}
			logw := &lockedWriter{w: logs}
			s := newTestServer(t, func(c *httpapi.Config) {
				c.Logger = slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: level}))
			})
			s.logs, s.logw = logs, logw
			for _, path := range []string{"/healthz", "/readyz"} {
				if res := s.send(t, http.MethodGet, path, "", "", nil); res.Status != http.StatusOK {
					t.Fatalf("%s: %d", path, res.Status)
				}
				if level == slog.LevelDebug {
					s.waitLogLines(t, 1, "level=DEBUG msg=request ", " path="+path+" ", " status=200 ")
				}
			}
			s.ok(t, listApps, nil, nil)
			s.waitLogLines(t, 1, "level=INFO msg=request ", " path=/graphql ")
			s.DB.SQL().Close()
			if res := s.send(t, http.MethodGet, "/readyz", "", "", nil); res.Status != http.StatusServiceUnavailable {
				t.Fatalf("/readyz with the database gone: %d", res.Status)
			}
			s.waitLogLines(t, 1, "level=WARN msg=request ", " path=/readyz ", " status=503 ")
			s.waitLogLines(t, 1, "level=WARN msg=\"readiness check failed\"")
			for _, path := range []string{"/healthz", "/readyz"} {
				if lines := s.logLines(" msg=request ", " path="+path+" ", " status=200 "); level == slog.LevelInfo && len(lines) != 0 {
					t.Fatalf("probes logged at %s: %q", level, lines)
				}
			}
		})
	}
}
