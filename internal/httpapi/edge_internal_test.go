package httpapi

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestGzipStreams: what a handler flushes reaches the client, decompressible,
// before the handler is done; the status is the handler's.
func TestGzipStreams(t *testing.T) {
	chunk := strings.Repeat("relgraph streams ", 200) // over CompressMinBytes
	proceed := make(chan struct{})
	var logs bytes.Buffer
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, chunk)
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Error(err)
		}
		w.(http.Flusher).Flush() // the wrappers are Flushers themselves, too
		<-proceed
		_, _ = io.WriteString(w, chunk)
	})
	// The wrappers of New, in its order.
	srv := httptest.NewServer(withRequestID(logRequests(compress(sniffCodes(h)), slog.New(slog.NewTextHandler(&logs, nil)))))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusAccepted || res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get(RequestIDHeader) == "" {
		t.Fatalf("%d %v", res.StatusCode, res.Header)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	// Unblock the handler after a while should the chunk never come.
	var once sync.Once
	timedOut := false
	timer := time.AfterFunc(10*time.Second, func() { once.Do(func() { timedOut = true; close(proceed) }) })
	got := make([]byte, len(chunk))
	_, err = io.ReadFull(zr, got)
	timer.Stop()
	once.Do(func() { close(proceed) })
	if timedOut || err != nil || string(got) != chunk {
		t.Fatalf("first chunk (not before the handler finished: %v): %v %.100q", timedOut, err, got)
	}
	rest, err := io.ReadAll(zr)
	if err != nil || string(rest) != chunk {
		t.Fatalf("rest: %v %d bytes", err, len(rest))
	}
}

func TestRequestIDInContext(t *testing.T) {
	var seen string
	h := withRequestID(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen = RequestID(r.Context()) }))
	for _, tc := range []struct{ sent, want string }{
		{"client-id-1", "client-id-1"},
		{"", ""},
		{"two words", ""},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if tc.sent != "" {
			req.Header.Set(RequestIDHeader, tc.sent)
		}
		h.ServeHTTP(rec, req)
		if seen != rec.Header().Get(RequestIDHeader) || (tc.want != "" && seen != tc.want) || (tc.want == "" && len(seen) != 32) {
			t.Errorf("sent %q: context %q, header %q", tc.sent, seen, rec.Header().Get(RequestIDHeader))
		}
	}
	if RequestID(t.Context()) != "" {
		t.Error("a request id outside a request")
	}
}

func TestValidRequestID(t *testing.T) {
	for id, want := range map[string]bool{
		"a":                       true,
		"0f8e2c1a-7b3d-4e5f":      true,
		"!~":                      true,
		strings.Repeat("x", 128):  true,
		"":                        false,
		strings.Repeat("x", 129):  false,
		"has space":               false,
		"tab\tinside":             false,
		"new\nline":               false,
		"del\x7f":                 false,
		"caf\u00e9":               false,
		"nul\x00":                 false,
		"level=ERROR msg=forged ": false,
	} {
		if got := validRequestID(id); got != want {
			t.Errorf("validRequestID(%q) = %v, want %v", id, got, want)
		}
	}
}
