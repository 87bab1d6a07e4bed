package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"

	"github.com/relgraph/relgraph/graph"
)

// CompressMinBytes is the smallest response body compressed: below it the
// gzip header and the extra work gain nothing.
const CompressMinBytes = gzhttp.DefaultMinSize

// compress gzips responses for clients whose Accept-Encoding accepts gzip
// (q-values honoured: gzip;q=0 refuses it), using gzhttp: bodies of
// CompressMinBytes or more, of a type not already compressed, without a
// Content-Encoding or Content-Range of their own. A compressed response has
// Content-Encoding: gzip and loses the uncompressed Content-Length (net/http
// sets the compressed one when the handler wrote its body whole); every
// response has Vary: Accept-Encoding. Statuses, 304s and flushing (which
// sends what was compressed so far) work as without it; HEAD and range
// requests are answered uncompressed. zstd is not offered: gzip is what every
// client and proxy understands.
//
// Answers are made anew for each request, so the level is gzip's fastest,
// as nginx's default: a 150 KB impact answer takes 0.14 ms and 19 KB, where
// the default level takes 0.35 ms for 16 KB.
//
// It runs outside everything that writes a body, so that every answer is
// compressed the same way, an Idempotency-Key replay (kept uncompressed)
// included.
func compress(next http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(CompressMinBytes), gzhttp.CompressionLevel(gzip.BestSpeed), gzhttp.EnableZstd(false))
	if err != nil { // the options are fixed: a programming error
		panic(fmt.Sprintf("httpapi: gzip options: %v", err))
	}
	gz := wrap(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if graph.IsStream(r) {
			// A stream of events must reach the client as each is sent,
			// not when a gzip block fills; a WebSocket compresses (or not)
			// by its own protocol.
			next.ServeHTTP(w, r)
			return
		}
		gz.ServeHTTP(&weakETagWriter{ResponseWriter: w}, r)
	})
}

// weakETagWriter makes the strong ETag of a compressed response weak, as
// nginx does: the gzipped bytes are not the ones the validator was made
// for, which a strong ETag would promise (RFC 9110 section 8.8.1). A client
// revalidating with the weak tag still gets 304, as If-None-Match compares
// weakly. relgraph's own handlers never set Content-Encoding, so one found
// here is gzhttp's.
type weakETagWriter struct {
	http.ResponseWriter
	checked bool
}

func (w *weakETagWriter) weaken() {
	if w.checked {
		return
	}
	w.checked = true
	h := w.Header()
	if etag := h.Get("ETag"); h.Get("Content-Encoding") != "" && strings.HasPrefix(etag, `"`) {
		h.Set("ETag", "W/"+etag)
	}
}

func (w *weakETagWriter) WriteHeader(code int) {
	if code >= http.StatusOK {
		w.weaken()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *weakETagWriter) Write(b []byte) (int, error) {
	w.weaken()
	return w.ResponseWriter.Write(b)
}

func (w *weakETagWriter) Flush() {
	w.weaken() // flushing sends the header
	flush(w.ResponseWriter)
}

func (w *weakETagWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// flush flushes w, or what it wraps, if that can be flushed.
func flush(w http.ResponseWriter) { _ = http.NewResponseController(w).Flush() }
