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
	"embed"
	"fmt"
	"html/template"
	"net/http"

	"github.com/relgraph/relgraph/internal/webpage"
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

//go:embed assets
var assetFiles embed.FS

//go:embed page.html.tmpl
var pageSource string

// pageTemplate renders the HTML page; see pageData for its input.
var pageTemplate = template.Must(template.New("page").Parse(pageSource))

// assets holds every servable file of the embedded assets directory, by
// file name (e.g. "graph.js").
var assets = webpage.LoadAssets(assetFiles, "assets")

// pageData is the input of pageTemplate.
type pageData struct {
	// Endpoint is the GraphQL endpoint as given to Handler.
	Endpoint string
	// Assets maps each asset's file name to the relative URL the page loads
	// it from, e.g. "graph/graph.js?v=0123456789abcdef".
	Assets map[string]string
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
	if err := webpage.CheckEndpoint(endpoint); err != nil {
		panic("graphpage: " + err.Error())
	}
	data := pageData{Endpoint: endpoint, Assets: webpage.AssetURLs(assets, AssetPrefix)}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, data); err != nil {
		// The template and its data are fixed; this is a programming error.
		panic(fmt.Sprintf("graphpage: rendering page: %v", err))
	}
	return webpage.NewSite(webpage.Site{
		PagePaths:   []string{Path},
		PageName:    "graph.html",
		Page:        buf.Bytes(),
		CSP:         contentSecurityPolicy,
		AssetPrefix: AssetPrefix,
		Assets:      assets,
	})
}
