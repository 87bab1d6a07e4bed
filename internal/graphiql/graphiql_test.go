package graphiql

import (
	"html"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/relgraph/relgraph/internal/webpage"
)

// wantAssets lists the files the page must link to, with the Content-Type
// each must be served with.
var wantAssets = map[string]string{
	"/graphiql/favicon.svg":                 "image/svg+xml",
	"/graphiql/graphiql.min.css":            "text/css; charset=utf-8",
	"/graphiql/page.css":                    "text/css; charset=utf-8",
	"/graphiql/react.production.min.js":     "text/javascript; charset=utf-8",
	"/graphiql/react-dom.production.min.js": "text/javascript; charset=utf-8",
	"/graphiql/graphiql.min.js":             "text/javascript; charset=utf-8",
	"/graphiql/init.js":                     "text/javascript; charset=utf-8",
}

// linkAttr matches the src and href attributes of the page.
var linkAttr = regexp.MustCompile(`\s(?:src|href)="([^"]*)"`)

// get sends a GET request for target straight to h and returns the
// recorded response and its body.
func get(t *testing.T, h http.Handler, target string) (*http.Response, string) {
	t.Helper()
	return do(t, h, http.MethodGet, target, nil)
}

// do sends a request with the given method, target and extra headers
// straight to h and returns the recorded response and its body.
func do(t *testing.T, h http.Handler, method, target string, header http.Header) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, target, err)
	}
	return res, string(body)
}

// fetch GETs u from a live test server and returns the response and body.
func fetch(t *testing.T, client *http.Client, u string) (*http.Response, string) {
	t.Helper()
	res, err := client.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", u, err)
	}
	return res, string(body)
}

// links returns the src and href values of page.
func links(page string) []string {
	var out []string
	for _, m := range linkAttr.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestPage(t *testing.T) {
	h := Handler("relgraph", "/graphql")
	res, body := get(t, h, "/")

	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /: status %d, want 200", res.StatusCode)
	}
	for header, want := range map[string]string{
		"Content-Type":           "text/html; charset=utf-8",
		"Cache-Control":          "no-cache",
		"X-Content-Type-Options": "nosniff",
	} {
		if got := res.Header.Get(header); got != want {
			t.Errorf("GET /: %s = %q, want %q", header, got, want)
		}
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, directive := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'"} {
		if !strings.Contains(csp, directive) {
			t.Errorf("GET /: Content-Security-Policy %q lacks %q", csp, directive)
		}
	}
	if res.Header.Get("ETag") == "" {
		t.Error("GET /: no ETag")
	}
	for _, want := range []string{
		"<title>relgraph</title>",
		`data-endpoint="/graphql"`,
		`data-title="relgraph"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /: page lacks %s", want)
		}
	}
	// The editor starts from relgraph's starter query, not GraphiQL's
	// welcome text.
	m := regexp.MustCompile(`data-default-query="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("GET /: page lacks data-default-query")
	}
	if got := html.UnescapeString(m[1]); got != startQuery {
		t.Errorf("GET /: data-default-query is %q, want start.graphql", got)
	}
	for _, want := range []string{"# Welcome to relgraph", "query Start", "impact", "conflicts", "Authorization"} {
		if !strings.Contains(startQuery, want) {
			t.Errorf("start.graphql lacks %q", want)
		}
	}
	// The CSP forbids inline scripts, so the page must have none.
	if strings.Contains(body, "<script>") || regexp.MustCompile(`<script[^>]*>[^<]`).MatchString(body) {
		t.Error("GET /: page has an inline script")
	}
}

func TestPageHasNoExternalURLs(t *testing.T) {
	_, body := get(t, Handler("relgraph", "/graphql"), "/")
	lower := strings.ToLower(body)
	for _, bad := range []string{"http://", "https://", "//cdn", "unpkg", "jsdelivr", "cdnjs", "googleapis"} {
		if strings.Contains(lower, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	for _, l := range links(body) {
		u, err := url.Parse(l)
		if err != nil {
			t.Errorf("page links to unparsable %q: %v", l, err)
			continue
		}
		if u.Scheme != "" || u.Host != "" || strings.HasPrefix(l, "//") {
			t.Errorf("page links to %q, which is not on its own origin", l)
		}
	}
}

// TestLinkedAssets fetches, over HTTP, every file the page links to.
func TestLinkedAssets(t *testing.T) {
	srv := httptest.NewServer(Handler("relgraph", "/graphql"))
	defer srv.Close()
	client := srv.Client()

	pageURL, err := url.Parse(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	_, page := fetch(t, client, pageURL.String())

	seen := map[string]bool{}
	for _, l := range links(page) {
		ref, err := url.Parse(l)
		if err != nil {
			t.Fatalf("page links to unparsable %q: %v", l, err)
		}
		u := pageURL.ResolveReference(ref)
		seen[u.Path] = true
		t.Run(u.Path, func(t *testing.T) {
			wantType, ok := wantAssets[u.Path]
			if !ok {
				t.Fatalf("page links to unexpected %s", u)
			}
			res, body := fetch(t, client, u.String())
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: status %d, want 200", u, res.StatusCode)
			}
			if body == "" {
				t.Errorf("GET %s: empty body", u)
			}
			if got := res.Header.Get("Content-Type"); got != wantType {
				t.Errorf("GET %s: Content-Type %q, want %q", u, got, wantType)
			}
			// Linked URLs carry the asset's version, so they may be cached.
			if got := res.Header.Get("Cache-Control"); got != webpage.CacheImmutable {
				t.Errorf("GET %s: Cache-Control %q, want %q", u, got, webpage.CacheImmutable)
			}
			if res.Header.Get("ETag") == "" {
				t.Errorf("GET %s: no ETag", u)
			}
		})
	}
	for p := range wantAssets {
		if !seen[p] {
			t.Errorf("page does not link to %s", p)
		}
	}
}

func TestStatus(t *testing.T) {
	h := Handler("relgraph", "/graphql")
	tests := []struct {
		method, target string
		want           int
	}{
		{http.MethodGet, "/", http.StatusOK},
		{http.MethodHead, "/", http.StatusOK},
		{http.MethodGet, "/graphiql/graphiql.min.js", http.StatusOK},
		{http.MethodGet, "/graphiql/graphiql.min.css", http.StatusOK},
		{http.MethodGet, "/graphiql/LICENSES.txt", http.StatusOK},
		{http.MethodHead, "/graphiql/init.js", http.StatusOK},
		{http.MethodGet, "/graphiql/unknown.js", http.StatusNotFound},
		{http.MethodGet, "/graphiql/graphiql.min.js.map", http.StatusNotFound},
		{http.MethodGet, "/graphiql/", http.StatusNotFound},
		{http.MethodGet, "/graphiql", http.StatusNotFound},
		{http.MethodGet, "/graphiql/assets/init.js", http.StatusNotFound},
		{http.MethodGet, "/graphiql/../graphiql.go", http.StatusNotFound},
		{http.MethodGet, "/graphiql/page.html.tmpl", http.StatusNotFound},
		{http.MethodGet, "/index.html", http.StatusNotFound},
		{http.MethodGet, "/graphql", http.StatusNotFound},
		{http.MethodGet, "/favicon.ico", http.StatusNotFound},
		{http.MethodPost, "/", http.StatusMethodNotAllowed},
		{http.MethodPost, "/graphiql/init.js", http.StatusMethodNotAllowed},
		{http.MethodDelete, "/graphiql/init.js", http.StatusMethodNotAllowed},
		{http.MethodPost, "/graphiql/unknown.js", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			res, body := do(t, h, tt.method, tt.target, nil)
			if res.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.want)
			}
			switch {
			case tt.want == http.StatusMethodNotAllowed:
				if got := res.Header.Get("Allow"); got != "GET, HEAD" {
					t.Errorf("Allow = %q, want %q", got, "GET, HEAD")
				}
			case tt.method == http.MethodHead:
				if body != "" {
					t.Errorf("HEAD: body of %d bytes", len(body))
				}
				if res.Header.Get("Content-Length") == "" {
					t.Error("HEAD: no Content-Length")
				}
			}
		})
	}
}

func TestAssetCaching(t *testing.T) {
	h := Handler("relgraph", "/graphql")
	a := assets["graphiql.min.js"]
	tests := []struct {
		name, target string
		header       http.Header
		wantStatus   int
		wantCache    string
	}{
		{"current version", "/graphiql/graphiql.min.js?v=" + a.Version, nil, http.StatusOK, webpage.CacheImmutable},
		{"no version", "/graphiql/graphiql.min.js", nil, http.StatusOK, webpage.CacheRevalidate},
		{"other version", "/graphiql/graphiql.min.js?v=0000000000000000", nil, http.StatusOK, webpage.CacheRevalidate},
		{"revalidation", "/graphiql/graphiql.min.js", http.Header{"If-None-Match": {`"` + a.Version + `"`}}, http.StatusNotModified, webpage.CacheRevalidate},
		{"stale revalidation", "/graphiql/graphiql.min.js", http.Header{"If-None-Match": {`"0000000000000000"`}}, http.StatusOK, webpage.CacheRevalidate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := do(t, h, http.MethodGet, tt.target, tt.header)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.wantStatus)
			}
			if got := res.Header.Get("Cache-Control"); got != tt.wantCache {
				t.Errorf("Cache-Control %q, want %q", got, tt.wantCache)
			}
			if got, want := res.Header.Get("ETag"), `"`+a.Version+`"`; got != want {
				t.Errorf("ETag %q, want %q", got, want)
			}
			if tt.wantStatus == http.StatusOK && len(body) != len(a.Body) {
				t.Errorf("body of %d bytes, want %d", len(body), len(a.Body))
			}
		})
	}

	// The page is revalidated too.
	res, _ := get(t, h, "/")
	res2, _ := do(t, h, http.MethodGet, "/", http.Header{"If-None-Match": {res.Header.Get("ETag")}})
	if res2.StatusCode != http.StatusNotModified {
		t.Errorf("GET / with If-None-Match: status %d, want 304", res2.StatusCode)
	}
}

// TestStripPrefix checks that the page also works mounted under a prefix,
// because it links to its assets by relative URLs.
func TestStripPrefix(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/ide/", http.StripPrefix("/ide", Handler("relgraph", "/graphql")))
	res, page := get(t, mux, "/ide/")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /ide/: status %d, want 200", res.StatusCode)
	}
	base, _ := url.Parse("/ide/")
	n := 0
	for _, l := range links(page) {
		ref, err := url.Parse(l)
		if err != nil {
			t.Fatal(err)
		}
		u := base.ResolveReference(ref)
		if !strings.HasPrefix(u.Path, "/ide/graphiql/") {
			t.Errorf("link %q resolves to %s, outside /ide/graphiql/", l, u)
		}
		if res, _ := get(t, mux, u.String()); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", u, res.StatusCode)
		}
		n++
	}
	if n != len(wantAssets) {
		t.Errorf("page has %d links, want %d", n, len(wantAssets))
	}
}

func TestEscaping(t *testing.T) {
	title := `<script>alert("t")</script>`
	endpoint := `/graphql?x="><script>alert(1)</script>`
	_, body := get(t, Handler(title, endpoint), "/")
	if strings.Contains(body, "<script>alert") {
		t.Fatalf("title or endpoint not escaped:\n%s", body)
	}
	if !strings.Contains(body, "<title>&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;</title>") {
		t.Errorf("title not HTML-escaped:\n%s", body)
	}
	if !strings.Contains(body, `data-endpoint="/graphql?x=&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`) {
		t.Errorf("endpoint not escaped as an attribute value:\n%s", body)
	}
}

func TestDefaultTitle(t *testing.T) {
	_, body := get(t, Handler("", "/graphql"), "/")
	if !strings.Contains(body, "<title>GraphiQL</title>") {
		t.Errorf("empty title: page lacks <title>GraphiQL</title>")
	}
}

func TestHandlerRejectsEndpoint(t *testing.T) {
	for _, endpoint := range []string{
		"",
		"https://example.com/graphql",
		"http://127.0.0.1:8080/graphql",
		"//cdn.example.com/graphql",
		"javascript:alert(1)",
		"%zz",
	} {
		t.Run(endpoint, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Handler(_, %q) did not panic", endpoint)
				}
			}()
			Handler("relgraph", endpoint)
		})
	}
	for _, endpoint := range []string{"/graphql", "graphql", "../api/graphql", "/query?x=1"} {
		t.Run(endpoint, func(t *testing.T) {
			Handler("relgraph", endpoint) // must not panic
		})
	}
}

// TestEmbeddedFiles checks that every embedded file is served, with a
// non-default Content-Type, and that the upstream license texts are there.
func TestEmbeddedFiles(t *testing.T) {
	entries, err := fs.ReadDir(assetFiles, "assets")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		if _, ok := assets[e.Name()]; !ok {
			t.Errorf("embedded file %s is not served (unknown extension?)", e.Name())
		}
	}
	for _, want := range []string{"LICENSES.txt", "graphiql.min.js", "graphiql.min.css", "react.production.min.js", "react-dom.production.min.js", "init.js", "page.css", "favicon.svg"} {
		if !slices.Contains(names, want) {
			t.Errorf("assets/%s is missing", want)
		}
	}
	licenses := string(assets["LICENSES.txt"].Body)
	for _, want := range []string{"npm package graphiql@", "npm package react@", "npm package react-dom@", "MIT License", "GraphQL Contributors", "Facebook, Inc."} {
		if !strings.Contains(licenses, want) {
			t.Errorf("LICENSES.txt lacks %q", want)
		}
	}
}

// TestStylesheetIsSelfContained checks that GraphiQL's stylesheet loads
// nothing: its fonts and images must be inlined as data: URIs.
func TestStylesheetIsSelfContained(t *testing.T) {
	for _, name := range []string{"graphiql.min.css", "page.css"} {
		css := string(assets[name].Body)
		if strings.Contains(css, "@import") {
			t.Errorf("%s uses @import", name)
		}
		for _, m := range regexp.MustCompile(`url\(\s*['"]?([^'")]*)`).FindAllStringSubmatch(css, -1) {
			if !strings.HasPrefix(m[1], "data:") {
				t.Errorf("%s references %.80q, which is not embedded", name, m[1])
			}
		}
	}
}
