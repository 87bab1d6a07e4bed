package graphpage

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
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
	"/graph/favicon.svg":  "image/svg+xml",
	"/graph/graph.css":    "text/css; charset=utf-8",
	"/graph/dagre.min.js": "text/javascript; charset=utf-8",
	"/graph/graph.js":     "text/javascript; charset=utf-8",
}

// linkAttr matches the src and href attributes of the page.
var linkAttr = regexp.MustCompile(`\s(?:src|href)="([^"]*)"`)

// do sends a request straight to h and returns the response and its body.
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
		t.Fatal(err)
	}
	return res, string(body)
}

// assetLinks returns the page's src and href values that point to assets
// (the link home to GraphiQL is not one).
func assetLinks(page string) []string {
	var out []string
	for _, m := range linkAttr.FindAllStringSubmatch(page, -1) {
		if m[1] != "./" {
			out = append(out, m[1])
		}
	}
	return out
}

func TestPage(t *testing.T) {
	h := Handler("/graphql")
	res, body := do(t, h, http.MethodGet, "/graph?release=12884901891", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", res.StatusCode)
	}
	for header, want := range map[string]string{
		"Content-Type":           "text/html; charset=utf-8",
		"Cache-Control":          "no-cache",
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
	} {
		if got := res.Header.Get(header); got != want {
			t.Errorf("%s = %q, want %q", header, got, want)
		}
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, directive := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "form-action 'none'"} {
		if !strings.Contains(csp, directive) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, directive)
		}
	}
	if strings.Contains(csp, "unsafe-") {
		t.Errorf("Content-Security-Policy %q allows something unsafe", csp)
	}
	if !strings.Contains(body, `data-endpoint="/graphql"`) {
		t.Error("page lacks the GraphQL endpoint")
	}
	// The CSP forbids inline scripts, styles and event handlers; the page
	// must have none.
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`<script[^>]*>[^<]`),
		regexp.MustCompile(`<style`),
		regexp.MustCompile(`\sstyle=`),
		regexp.MustCompile(`\son[a-z]+=`),
		regexp.MustCompile(`javascript:`),
	} {
		if bad.MatchString(body) {
			t.Errorf("page matches %s, which its Content-Security-Policy forbids", bad)
		}
	}
}

func TestPageHasNoExternalURLs(t *testing.T) {
	_, body := do(t, Handler("/graphql"), http.MethodGet, "/graph", nil)
	for _, l := range assetLinks(body) {
		u, err := url.Parse(l)
		if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(l, "//") {
			t.Errorf("page links to %q, which is not on its own origin", l)
		}
	}
	// Nor may our own script or stylesheet load anything from elsewhere.
	for _, name := range []string{"graph.js", "graph.css"} {
		text := strings.ToLower(string(assets[name].Body))
		text = strings.ReplaceAll(text, "http://www.w3.org/2000/svg", "") // the SVG namespace, not a fetch
		for _, bad := range []string{"http://", "https://", "//cdn", "unpkg", "jsdelivr", "@import", "innerhtml", "eval(", "new function"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s contains %q", name, bad)
			}
		}
	}
}

// TestLinkedAssets fetches, over HTTP, every file the page links to.
func TestLinkedAssets(t *testing.T) {
	srv := httptest.NewServer(Handler("/graphql"))
	defer srv.Close()
	pageURL, _ := url.Parse(srv.URL + "/graph?release=1")
	res, err := srv.Client().Get(pageURL.String())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	seen := map[string]bool{}
	for _, l := range assetLinks(string(page)) {
		ref, err := url.Parse(l)
		if err != nil {
			t.Fatal(err)
		}
		u := pageURL.ResolveReference(ref)
		seen[u.Path] = true
		t.Run(u.Path, func(t *testing.T) {
			wantType, ok := wantAssets[u.Path]
			if !ok {
				t.Fatalf("page links to unexpected %s", u)
			}
			res, err := srv.Client().Get(u.String())
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || len(body) == 0 {
				t.Fatalf("GET %s: status %d, %d bytes", u, res.StatusCode, len(body))
			}
			if got := res.Header.Get("Content-Type"); got != wantType {
				t.Errorf("Content-Type %q, want %q", got, wantType)
			}
			if got := res.Header.Get("Cache-Control"); got != webpage.CacheImmutable {
				t.Errorf("Cache-Control %q, want %q", got, webpage.CacheImmutable)
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
	h := Handler("/graphql")
	tests := []struct {
		method, target string
		want           int
	}{
		{http.MethodGet, "/graph", http.StatusOK},
		{http.MethodGet, "/graph?release=1&maxDepth=2", http.StatusOK},
		{http.MethodHead, "/graph", http.StatusOK},
		{http.MethodGet, "/graph/graph.js", http.StatusOK},
		{http.MethodGet, "/graph/dagre.min.js", http.StatusOK},
		{http.MethodGet, "/graph/LICENSES.txt", http.StatusOK},
		{http.MethodHead, "/graph/graph.css", http.StatusOK},
		{http.MethodGet, "/graph/SHA256SUMS", http.StatusNotFound},
		{http.MethodGet, "/graph/", http.StatusNotFound},
		{http.MethodGet, "/graph/unknown.js", http.StatusNotFound},
		{http.MethodGet, "/graph/assets/graph.js", http.StatusNotFound},
		{http.MethodGet, "/graph/../graphpage.go", http.StatusNotFound},
		{http.MethodGet, "/graph/page.html.tmpl", http.StatusNotFound},
		{http.MethodGet, "/graphs", http.StatusNotFound},
		{http.MethodGet, "/", http.StatusNotFound},
		{http.MethodPost, "/graph", http.StatusMethodNotAllowed},
		{http.MethodPost, "/graph/graph.js", http.StatusMethodNotAllowed},
		{http.MethodPost, "/graph/unknown.js", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			res, body := do(t, h, tt.method, tt.target, nil)
			if res.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.want)
			}
			if tt.want == http.StatusMethodNotAllowed && res.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow = %q", res.Header.Get("Allow"))
			}
			if tt.method == http.MethodHead && body != "" {
				t.Errorf("HEAD: body of %d bytes", len(body))
			}
		})
	}
}

func TestCaching(t *testing.T) {
	h := Handler("/graphql")
	a := assets["graph.js"]
	res, _ := do(t, h, http.MethodGet, "/graph/graph.js", nil)
	if got := res.Header.Get("Cache-Control"); got != webpage.CacheRevalidate {
		t.Errorf("unversioned asset: Cache-Control %q, want %q", got, webpage.CacheRevalidate)
	}
	res, _ = do(t, h, http.MethodGet, "/graph/graph.js", http.Header{"If-None-Match": {`"` + a.Version + `"`}})
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("asset revalidation: status %d, want 304", res.StatusCode)
	}
	res, _ = do(t, h, http.MethodGet, "/graph", nil)
	res2, _ := do(t, h, http.MethodGet, "/graph?release=2", http.Header{"If-None-Match": {res.Header.Get("ETag")}})
	if res2.StatusCode != http.StatusNotModified {
		t.Errorf("page revalidation: status %d, want 304 (the page does not depend on the query)", res2.StatusCode)
	}
}

// TestStripPrefix checks that the page also works mounted under a prefix.
func TestStripPrefix(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/ui/", http.StripPrefix("/ui", Handler("/graphql")))
	res, page := do(t, mux, http.MethodGet, "/ui/graph", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /ui/graph: status %d", res.StatusCode)
	}
	base, _ := url.Parse("/ui/graph")
	for _, l := range assetLinks(page) {
		ref, _ := url.Parse(l)
		u := base.ResolveReference(ref)
		if res, _ := do(t, mux, http.MethodGet, u.String(), nil); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", u, res.StatusCode)
		}
	}
}

func TestHandlerRejectsEndpoint(t *testing.T) {
	for _, endpoint := range []string{"", "https://example.com/graphql", "//cdn.example.com/graphql", "javascript:alert(1)", "%zz"} {
		t.Run(endpoint, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Handler(%q) did not panic", endpoint)
				}
			}()
			Handler(endpoint)
		})
	}
	_, body := do(t, Handler(`/graphql?x="><script>alert(1)</script>`), http.MethodGet, "/graph", nil)
	if strings.Contains(body, "<script>alert") {
		t.Error("endpoint not escaped")
	}
}

// TestVendoredChecksums checks the embedded third-party files against the
// SHA-256 sums refresh.sh recorded when it downloaded them, so that a hand
// edit or a partial refresh cannot go unnoticed.
func TestVendoredChecksums(t *testing.T) {
	sums, err := fs.ReadFile(assetFiles, "assets/SHA256SUMS")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS: malformed line %q", sc.Text())
		}
		body, err := fs.ReadFile(assetFiles, "assets/"+name)
		if err != nil {
			t.Fatalf("SHA256SUMS names %s: %v", name, err)
		}
		got := sha256.Sum256(body)
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("assets/%s does not match SHA256SUMS: run refresh.sh rather than editing it", name)
		}
		names = append(names, name)
	}
	if !slices.Contains(names, "dagre.min.js") {
		t.Error("SHA256SUMS does not cover dagre.min.js")
	}
	licenses := string(assets["LICENSES.txt"].Body)
	for _, want := range []string{"npm package @dagrejs/dagre@", "npm package @dagrejs/graphlib@", "Chris Pettitt", "Permission is hereby granted"} {
		if !strings.Contains(licenses, want) {
			t.Errorf("LICENSES.txt lacks %q", want)
		}
	}
	if !strings.HasPrefix(string(assets["dagre.min.js"].Body), `"use strict";var dagre=`) {
		t.Error("dagre.min.js is not the browser build that defines the global dagre")
	}
}
