// Package webpage serves a browser page built into the binary: one HTML
// page, rendered once, and the files it loads (scripts, styles, icons), so
// that it works offline and under a strict Content-Security-Policy. GraphiQL
// (internal/graphiql) and the release graph page (internal/graphpage) are
// such pages; this package is what they share.
//
// Caching: every response has a strong ETag (a hash of its body). The page
// and unversioned asset URLs are revalidated on each use; the page links to
// its assets with their version (the same hash) in a query parameter, and
// those URLs may be cached for good.
package webpage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// Cache-Control values: an asset requested with the version its content
// hash gives it may be cached for good; anything else, the page included,
// is revalidated on each use.
const (
	CacheImmutable  = "public, max-age=31536000, immutable"
	CacheRevalidate = "no-cache"
)

// VersionParam is the query parameter that carries an asset's version.
const VersionParam = "v"

// ContentTypes maps the extensions of embedded files to the Content-Type
// they are served with. Files with other extensions (checksums, scripts
// that refresh the assets) are not served.
var ContentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
	".txt": "text/plain; charset=utf-8",
}

// Asset is one embedded file, ready to serve.
type Asset struct {
	Body        []byte
	ContentType string
	// Version is a hash of Body: the asset's ETag and the value of the
	// version query parameter in the URLs the page links to.
	Version string
}

// LoadAssets reads the regular files of directory dir of fsys whose
// extension ContentTypes knows, by file name. It panics if dir cannot be
// read: for an embedded directory, only a mismatch between the embed
// directive and the code can cause that.
func LoadAssets(fsys fs.FS, dir string) map[string]Asset {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		panic(fmt.Sprintf("webpage: reading embedded assets: %v", err))
	}
	m := make(map[string]Asset, len(entries))
	for _, e := range entries {
		ct, ok := ContentTypes[path.Ext(e.Name())]
		if !e.Type().IsRegular() || !ok {
			continue
		}
		body, err := fs.ReadFile(fsys, dir+"/"+e.Name())
		if err != nil {
			panic(fmt.Sprintf("webpage: reading embedded asset %s: %v", e.Name(), err))
		}
		m[e.Name()] = Asset{Body: body, ContentType: ct, Version: hash(body)}
	}
	return m
}

// AssetURLs maps each asset's file name to the relative URL a page served
// beside prefix loads it from, e.g. "graphiql/init.js?v=0123456789abcdef"
// for prefix "/graphiql/": relative, so that the page also works mounted
// under a prefix that http.StripPrefix removes.
func AssetURLs(assets map[string]Asset, prefix string) map[string]string {
	urls := make(map[string]string, len(assets))
	for name, a := range assets {
		urls[name] = strings.TrimPrefix(prefix, "/") + name + "?" + VersionParam + "=" + a.Version
	}
	return urls
}

// CheckEndpoint reports why endpoint cannot be a page's GraphQL endpoint,
// or nil if it can: it must be a path on the page's own origin, since the
// page's Content-Security-Policy lets it talk to nothing else.
func CheckEndpoint(endpoint string) error {
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

// Site serves one page and its assets.
type Site struct {
	// PagePaths are the URL paths the page answers at, e.g. "/" and "".
	PagePaths []string
	// PageName names the page for http.ServeContent, e.g. "index.html".
	PageName string
	// Page is the rendered HTML page.
	Page []byte
	// CSP is the page's Content-Security-Policy.
	CSP string
	// AssetPrefix is the URL path prefix of the assets, e.g. "/graphiql/".
	AssetPrefix string
	// Assets are the files served under AssetPrefix, by name.
	Assets map[string]Asset

	pageETag string
}

// NewSite returns s ready to serve.
func NewSite(s Site) *Site {
	s.pageETag = `"` + hash(s.Page) + `"`
	return &s
}

// ServeHTTP serves the page at its paths, the assets under AssetPrefix, and
// 404 Not Found for any other path. Only GET and HEAD are allowed (else
// 405).
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case isPagePath(s.PagePaths, p):
		if !allowMethod(w, r) {
			return
		}
		hdr := w.Header()
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		hdr.Set("Cache-Control", CacheRevalidate)
		hdr.Set("Content-Security-Policy", s.CSP)
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "no-referrer")
		hdr.Set("ETag", s.pageETag)
		http.ServeContent(w, r, s.PageName, time.Time{}, bytes.NewReader(s.Page))
	case strings.HasPrefix(p, s.AssetPrefix):
		a, ok := s.Assets[strings.TrimPrefix(p, s.AssetPrefix)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if !allowMethod(w, r) {
			return
		}
		hdr := w.Header()
		hdr.Set("Content-Type", a.ContentType)
		if r.URL.Query().Get(VersionParam) == a.Version {
			hdr.Set("Cache-Control", CacheImmutable)
		} else {
			hdr.Set("Cache-Control", CacheRevalidate)
		}
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("ETag", `"`+a.Version+`"`)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.Body))
	default:
		http.NotFound(w, r)
	}
}

func isPagePath(paths []string, p string) bool {
	for _, pp := range paths {
		if p == pp {
			return true
		}
	}
	return false
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

// hash is the first 8 bytes of body's SHA-256, hex-encoded.
func hash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:8])
}
