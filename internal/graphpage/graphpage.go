// Package graphpage serves the release graph page: /graph?release=ID draws
// a release's impact in the browser, from assets embedded in the binary.
//
// The page shows the release's changed applications and everything that
// depends on them, in bands by distance (changed first, then one hop away,
// and so on; within a band, providers above their consumers), with an
// arrow from each consumer to the provider it depends on. Shared
// applications are marked, and so are the applications the release shares
// with each release it conflicts with, which are listed beside the graph.
// Clicking an application shows its path from a changed application.
//
// The page is static: its script (assets/graph.js) reads the release from
// the URL and asks the GraphQL endpoint for the data with the public API
// (Release.impact, with impactedApplications a page at a time, and
// Release.conflicts), exactly as any client would, with an API token the
// user pastes when the server requires one (kept in the tab's
// sessionStorage, sent as a bearer token). The layout is computed by dagre
// (npm package @dagrejs/dagre, see refresh.sh and assets/LICENSES.txt);
// the script draws the SVG itself.
//
// Like package graphiql, the page loads no inline script and nothing from
// another origin, so it is served with a strict Content-Security-Policy
// and works with no network access other than to the server itself.
package graphpage

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// Path is the URL path of the page.
const Path = "/graph"

// AssetPrefix is the URL path prefix under which Handler serves the page's
// embedded assets, e.g. /graph/graph.js.
const AssetPrefix = Path + "/"

// contentSecurityPolicy is sent with the HTML page: everything comes from
// the page's origin, and the page builds its SVG with DOM calls, so it
// needs neither inline scripts nor inline styles.
const contentSecurityPolicy = "default-src 'none'; " +
	"script-src 'self'; " +
	"style-src 'self'; " +
	"img-src 'self' data:; " +
	"connect-src 'self'; " +
	"base-uri 'none'; " +
	"form-action 'none'; " +
	"frame-ancestors 'self'"

// Cache-Control values, as in package graphiql: an asset requested with
// the version its content hash gives it may be cached for good; anything
// else, the page included, is revalidated on each use.
const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
)

// versionParam is the query parameter that carries an asset's version.
const versionParam = "v"

//go:embed assets
var assetFiles embed.FS

//go:embed page.html.tmpl
var pageSource string

// pageTemplate renders the HTML page; see pageData for its input.
var pageTemplate = template.Must(template.New("page").Parse(pageSource))

// contentTypes maps the extensions of embedded files to the Content-Type
// they are served with. Files with other extensions (SHA256SUMS) are not
// served.
var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
	".txt": "text/plain; charset=utf-8",
}

// asset is one embedded file, ready to serve.
type asset struct {
	body        []byte
	contentType string
	// version is a hash of body: the asset's ETag and the value of the
	// version query parameter in the URLs the page links to.
	version string
}

// assets holds every servable file of the embedded assets directory, by
// file name (e.g. "graph.js").
var assets = loadAssets()

// loadAssets reads the embedded assets directory into a map from file name
// to asset. It panics if the directory cannot be read, which can only
// happen if the embed directive and the directory disagree.
func loadAssets() map[string]asset {
	entries, err := fs.ReadDir(assetFiles, "assets")
	if err != nil {
		panic(fmt.Sprintf("graphpage: reading embedded assets: %v", err))
	}
	m := make(map[string]asset, len(entries))
	for _, e := range entries {
		ct, ok := contentTypes[path.Ext(e.Name())]
		if !e.Type().IsRegular() || !ok {
			continue
		}
		body, err := assetFiles.ReadFile("assets/" + e.Name())
		if err != nil {
			panic(fmt.Sprintf("graphpage: reading embedded asset %s: %v", e.Name(), err))
		}
		sum := sha256.Sum256(body)
		m[e.Name()] = asset{body: body, contentType: ct, version: hex.EncodeToString(sum[:8])}
	}
	return m
}

// pageData is the input of pageTemplate.
type pageData struct {
	// Endpoint is the GraphQL endpoint as given to Handler.
	Endpoint string
	// Assets maps each asset's file name to the relative URL the page loads
	// it from, e.g. "graph/graph.js?v=0123456789abcdef".
	Assets map[string]string
}

// handler is the http.Handler returned by Handler.
type handler struct {
	page     []byte // the rendered HTML page
	pageETag string // its strong ETag
}

// Handler returns an http.Handler that serves the release graph page for
// the GraphQL API at endpoint, a URL path on the page's origin such as
// "/graphql" (Handler panics on anything else: the page's
// Content-Security-Policy only lets it talk to its own origin).
//
// It answers two kinds of request paths:
//
//   - Path ("/graph"): the HTML page; the release to draw is the page's
//     query parameter release (an id), the depth to draw at most its
//     maxDepth (omitted: all of the impact);
//   - AssetPrefix + NAME ("/graph/NAME"): the embedded asset NAME:
//     graph.js, graph.css, dagre.min.js, favicon.svg, LICENSES.txt;
//   - anything else: 404 Not Found.
//
// Only GET and HEAD are allowed (else 405). Mount it on both:
//
//	h := graphpage.Handler("/graphql")
//	mux.Handle(graphpage.Path, h)
//	mux.Handle(graphpage.AssetPrefix, h)
//
// The page links its assets by URLs relative to it, so it also works
// mounted under a prefix that http.StripPrefix removes. Caching is as in
// package graphiql: the page and unversioned asset URLs are revalidated,
// the versioned URLs the page links to are immutable, and every response
// has an ETag.
func Handler(endpoint string) http.Handler {
	if err := checkEndpoint(endpoint); err != nil {
		panic("graphpage: " + err.Error())
	}
	data := pageData{Endpoint: endpoint, Assets: make(map[string]string, len(assets))}
	for name, a := range assets {
		data.Assets[name] = strings.TrimPrefix(AssetPrefix, "/") + name + "?" + versionParam + "=" + a.version
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, data); err != nil {
		// The template and its data are fixed; this is a programming error.
		panic(fmt.Sprintf("graphpage: rendering page: %v", err))
	}
	sum := sha256.Sum256(buf.Bytes())
	return &handler{page: buf.Bytes(), pageETag: `"` + hex.EncodeToString(sum[:8]) + `"`}
}

// checkEndpoint reports why endpoint cannot be the page's GraphQL
// endpoint, or nil if it can.
func checkEndpoint(endpoint string) error {
	if endpoint == "" {
		return fmt.Errorf("empty GraphQL endpoint")
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return fmt.Errorf("invalid GraphQL endpoint %q: %v", endpoint, err)
	}
	if u.Scheme != "" || u.Host != "" || u.Opaque != "" || u.User != nil {
		return fmt.Errorf("GraphQL endpoint %q is not a path on the page's origin", endpoint)
	}
	return nil
}

// ServeHTTP serves the page at Path, the assets under AssetPrefix, and 404
// Not Found for any other path.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == Path:
		if !allowMethod(w, r) {
			return
		}
		hdr := w.Header()
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		hdr.Set("Cache-Control", cacheRevalidate)
		hdr.Set("Content-Security-Policy", contentSecurityPolicy)
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "no-referrer")
		hdr.Set("ETag", h.pageETag)
		http.ServeContent(w, r, "graph.html", time.Time{}, bytes.NewReader(h.page))
	case strings.HasPrefix(p, AssetPrefix):
		a, ok := assets[strings.TrimPrefix(p, AssetPrefix)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if !allowMethod(w, r) {
			return
		}
		hdr := w.Header()
		hdr.Set("Content-Type", a.contentType)
		if r.URL.Query().Get(versionParam) == a.version {
			hdr.Set("Cache-Control", cacheImmutable)
		} else {
			hdr.Set("Cache-Control", cacheRevalidate)
		}
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("ETag", `"`+a.version+`"`)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
	default:
		http.NotFound(w, r)
	}
}

// allowMethod reports whether r's method is GET or HEAD. If it is not, it
// answers 405 Method Not Allowed.
func allowMethod(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	return false
}
