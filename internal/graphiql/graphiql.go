// Package graphiql serves the GraphiQL IDE for the relgraph GraphQL API
// entirely from assets embedded in the binary.
//
// gqlgen ships its own playground handlers (playground.Handler,
// playground.ApolloSandboxHandler, ...), but the pages they serve load
// GraphiQL, React and fonts from public CDNs at run time. On an air-gapped
// network, or behind a proxy that blocks those hosts, they render an empty
// page. This package instead embeds GraphiQL's UMD bundle and stylesheet and
// React's UMD builds (see assets/LICENSES.txt for versions and licenses,
// refresh.sh to update them), so the IDE works with no network access other
// than to the server itself.
//
// The page loads no inline script, which allows a strict
// Content-Security-Policy: scripts, styles and fetches are limited to the
// page's own origin. GraphQL requests therefore go to an endpoint on the same
// origin. Subscriptions over WebSocket are not supported: GraphiQL's UMD
// bundle does not include the graphql-ws client.
package graphiql

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"

	"github.com/relgraph/relgraph/internal/webpage"
)

// AssetPrefix is the URL path prefix under which Handler serves the
// embedded GraphiQL assets, e.g. /graphiql/graphiql.min.js.
const AssetPrefix = "/graphiql/"

// contentSecurityPolicy is sent with the HTML page. GraphiQL's stylesheet
// embeds its fonts and a few images as data: URIs; everything else comes
// from the page's origin. Inline styles stay forbidden: GraphiQL works
// without them. (Its dialogs try to add a <style> element that locks page
// scrolling; the browser refuses it and logs a CSP error to the console.
// page.css already keeps the page from scrolling, so nothing changes.)
const contentSecurityPolicy = "default-src 'none'; " +
	"script-src 'self'; " +
	"style-src 'self'; " +
	"img-src 'self' data:; " +
	"font-src 'self' data:; " +
	// 'self' covers ws: and wss: to the page's own host and port (CSP
	// Level 3; every current browser), so the subscription WebSocket
	// needs no wider source.
	"connect-src 'self'; " +
	"base-uri 'none'; " +
	"form-action 'none'; " +
	"frame-ancestors 'self'"

//go:embed assets
var assetFiles embed.FS

//go:embed page.html.tmpl
var pageSource string

// startQuery is what the editor holds in a new tab, instead of GraphiQL's
// generic welcome text: a commented relgraph query to start from.
//
//go:embed start.graphql
var startQuery string

// pageTemplate renders the HTML page; see pageData for its input.
var pageTemplate = template.Must(template.New("page").Parse(pageSource))

// assets holds every servable file of the embedded assets directory, by
// file name (e.g. "graphiql.min.js").
var assets = webpage.LoadAssets(assetFiles, "assets")

// pageData is the input of pageTemplate.
type pageData struct {
	// Title is the page title and the name shown in place of GraphiQL's
	// logo.
	Title string
	// Endpoint is the GraphQL endpoint as given to Handler.
	Endpoint string
	// DefaultQuery is the text of a new editor tab (startQuery).
	DefaultQuery string
	// Assets maps each asset's file name to the relative URL the page
	// loads it from, e.g. "graphiql/init.js?v=0123456789abcdef".
	Assets map[string]string
}

// Handler returns an http.Handler that serves GraphiQL for the GraphQL API
// at endpoint, with title as the page title and as the name shown in the
// top-left corner (an empty title means "GraphiQL").
//
// endpoint is the URL path of the GraphQL API on the same origin as the
// page, such as "/graphql"; a relative path is resolved against the page's
// URL in the browser. Handler panics if endpoint is empty or not a path
// (e.g. "https://example.com/graphql"): the page's Content-Security-Policy
// only lets it talk to its own origin.
//
// A single handler serves both the page and its assets, at request paths:
//
//   - "/": the HTML page (also for an empty path);
//   - "/graphiql/NAME": the embedded asset NAME, e.g.
//     "/graphiql/graphiql.min.js" (see AssetPrefix); the assets are
//     graphiql.min.js, graphiql.min.css, react.production.min.js,
//     react-dom.production.min.js, init.js, page.css, favicon.svg and
//     LICENSES.txt;
//   - anything else: 404 Not Found.
//
// Only GET and HEAD are allowed; other methods get 405 Method Not Allowed.
// Mount it on the root of a mux, where more specific patterns such as
// "/graphql" still take precedence:
//
//	h := graphiql.Handler("relgraph", "/graphql")
//	mux.Handle("/", h)
//
// or, to leave other paths to other handlers, on exactly these two
// patterns (Go 1.22 or later):
//
//	mux.Handle("/{$}", h)
//	mux.Handle(graphiql.AssetPrefix, h)
//
// The page links its assets by relative URLs, so it also works under a
// prefix whose URL ends in a slash, with the prefix stripped:
//
//	mux.Handle("/ide/", http.StripPrefix("/ide", h)) // page at /ide/
//
// A new editor tab (the first one on a first visit, and each one opened
// with +) holds a commented relgraph starter query (start.graphql) rather
// than GraphiQL's generic welcome text; tabs a browser kept from earlier
// visits stay as they were.
//
// The page is sent with Cache-Control: no-cache and a strict
// Content-Security-Policy. Its asset URLs carry a hash of the asset's
// content (?v=...); such requests are answered with a one-year, immutable
// Cache-Control, other asset requests with no-cache. Every response to a
// GET or HEAD has an ETag, and conditional requests are honoured.
func Handler(title, endpoint string) http.Handler {
	if err := webpage.CheckEndpoint(endpoint); err != nil {
		panic("graphiql: " + err.Error())
	}
	if title == "" {
		title = "GraphiQL"
	}
	data := pageData{
		Title:        title,
		Endpoint:     endpoint,
		DefaultQuery: startQuery,
		Assets:       webpage.AssetURLs(assets, AssetPrefix),
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, data); err != nil {
		// The template and its data are fixed; this is a programming error.
		panic(fmt.Sprintf("graphiql: rendering page: %v", err))
	}
	return webpage.NewSite(webpage.Site{
		PagePaths:   []string{"/", ""},
		PageName:    "index.html",
		Page:        buf.Bytes(),
		CSP:         contentSecurityPolicy,
		AssetPrefix: AssetPrefix,
		Assets:      assets,
	})
}
