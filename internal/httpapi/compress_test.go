package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/relgraph/relgraph/internal/httpapi"
)

// do sends req as it is, without Go's transparent gzip (which would ask for
// gzip and decompress behind the test's back), and reads the answer whole.
func (s *testServer) do(t *testing.T, req *http.Request) *rawResponse {
	t.Helper()
	transport := &http.Transport{DisableCompression: true}
	defer transport.CloseIdleConnections()
	res, err := (&http.Client{Transport: transport}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &rawResponse{Status: res.StatusCode, Header: res.Header, Body: body}
}

// request builds a request to the test server with headers.
func (s *testServer) request(t *testing.T, method, target string, body []byte, headers map[string]string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", acceptJSON)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return req
}

// gunzip returns the body of r decompressed if its Content-Encoding is gzip,
// and whether it was.
func gunzip(t *testing.T, r *rawResponse) ([]byte, bool) {
	t.Helper()
	if r.Header.Get("Content-Encoding") != "gzip" {
		return r.Body, false
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("Content-Encoding gzip, but %v", err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("Content-Encoding gzip, but %v", err)
	}
	return plain, true
}

// compressedLength reports whether a compressed response's Content-Length is
// absent or the compressed length (which net/http sets for a body that the
// handler wrote whole), not the uncompressed one.
func compressedLength(r *rawResponse) bool {
	cl := r.Header.Get("Content-Length")
	return cl == "" || cl == fmt.Sprint(len(r.Body))
}

func varies(r *rawResponse) bool {
	for _, v := range r.Header.Values("Vary") {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), "Accept-Encoding") {
				return true
			}
		}
	}
	return false
}

// bigQuery answers with several KiB of JSON.
const bigQuery = `{"query":"{ __schema { types { name kind } } }"}`

// TestGzip: GraphQL answers are gzipped for clients that accept it, and only
// for them, big answers only; the client gets the same JSON either way.
func TestGzip(t *testing.T) {
	s := newTestServer(t)
	plain := s.do(t, s.request(t, http.MethodPost, "/graphql", []byte(bigQuery), nil))
	if plain.Status != http.StatusOK || len(plain.Body) < 2*httpapi.CompressMinBytes || plain.Header.Get("Content-Encoding") != "" || !varies(plain) {
		t.Fatalf("without Accept-Encoding: %d %v, %d bytes", plain.Status, plain.Header, len(plain.Body))
	}
	cases := []struct {
		name, acceptEncoding, body string
		gzipped                    bool
	}{
		{"gzip", "gzip", bigQuery, true},
		{"browser", "gzip, deflate, br, zstd", bigQuery, true},
		{"upper case, q-value", "GZIP;q=0.5, br;q=1", bigQuery, true},
		{"gzip refused", "gzip;q=0", bigQuery, false},
		{"gzip refused, spaced", "br, gzip ; q=0.000", bigQuery, false},
		{"identity", "identity", bigQuery, false},
		{"any", "*", bigQuery, false},
		{"small answer", "gzip", `{"query":"{ applications { totalCount } }"}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := s.do(t, s.request(t, http.MethodPost, "/graphql", []byte(tc.body), map[string]string{"Accept-Encoding": tc.acceptEncoding}))
			body, gzipped := gunzip(t, res)
			if res.Status != http.StatusOK || gzipped != tc.gzipped || !varies(res) {
				t.Fatalf("%d, gzipped %v (want %v), headers %v", res.Status, gzipped, tc.gzipped, res.Header)
			}
			if gzipped && (!compressedLength(res) || len(res.Body) >= len(body)) {
				t.Fatalf("gzipped to %d bytes from %d, Content-Length %q", len(res.Body), len(body), res.Header.Get("Content-Length"))
			}
			if !json.Valid(body) {
				t.Fatalf("not JSON: %.200s", body)
			}
			if tc.body == bigQuery && !bytes.Equal(body, plain.Body) {
				t.Fatalf("the answer differs from the uncompressed one")
			}
		})
	}
	t.Run("error status kept", func(t *testing.T) {
		// A parse error under graphql-response+json is a 400; one with a
		// long query echoes enough to be compressed.
		query := fmt.Sprintf(`{"query":"{ %s"}`, strings.Repeat("a ", 1000))
		res := s.do(t, s.request(t, http.MethodPost, "/graphql", []byte(query), map[string]string{"Accept-Encoding": "gzip", "Accept": acceptGraphQLResponse}))
		body, _ := gunzip(t, res)
		if res.Status != http.StatusBadRequest || !strings.Contains(string(body), "GRAPHQL_PARSE_FAILED") {
			t.Fatalf("%d %v %.200s", res.Status, res.Header, body)
		}
	})
	t.Run("GET", func(t *testing.T) {
		res := s.do(t, s.request(t, http.MethodGet, "/graphql?query="+strings.ReplaceAll("{ __schema { types { name kind } } }", " ", "+"), nil,
			map[string]string{"Accept-Encoding": "gzip", "Accept": acceptJSON}))
		body, gzipped := gunzip(t, res)
		if res.Status != http.StatusOK || !gzipped || !bytes.Equal(body, plain.Body) {
			t.Fatalf("%d gzipped %v %v", res.Status, gzipped, res.Header)
		}
	})
}

// TestGzipGraphiQL: the page and its assets are gzipped, those under
// CompressMinBytes excepted; conditional requests still get 304, HEAD still
// gets no body.
func TestGzipGraphiQL(t *testing.T) {
	s := newTestServer(t)
	sizes := map[bool]int{} // compressed or not: how many
	for _, target := range []string{"/", "/graphiql/graphiql.min.js", "/graphiql/graphiql.min.css", "/graphiql/react-dom.production.min.js", "/graphiql/favicon.svg"} {
		t.Run(target, func(t *testing.T) {
			plain := s.do(t, s.request(t, http.MethodGet, target, nil, nil))
			if plain.Status != http.StatusOK || len(plain.Body) == 0 {
				t.Fatalf("%d, %d bytes", plain.Status, len(plain.Body))
			}
			big := len(plain.Body) >= httpapi.CompressMinBytes
			sizes[big]++
			res := s.do(t, s.request(t, http.MethodGet, target, nil, map[string]string{"Accept-Encoding": "gzip"}))
			body, gzipped := gunzip(t, res)
			if res.Status != http.StatusOK || gzipped != big || !bytes.Equal(body, plain.Body) || !varies(res) || !compressedLength(res) {
				t.Fatalf("%d gzipped %v, %d bytes (plain %d), headers %v", res.Status, gzipped, len(body), len(plain.Body), res.Header)
			}
			if got := res.Header.Get("Content-Type"); got != plain.Header.Get("Content-Type") {
				t.Fatalf("Content-Type %q, uncompressed %q", got, plain.Header.Get("Content-Type"))
			}
			// The compressed representation's validator is weak; it
			// still revalidates, compressed or not.
			etag, plainETag := res.Header.Get("ETag"), plain.Header.Get("ETag")
			if !strings.HasPrefix(plainETag, `"`) || big && etag != "W/"+plainETag || !big && etag != plainETag {
				t.Fatalf("ETag %q, uncompressed %q", etag, plainETag)
			}
			for _, ae := range []string{"gzip", ""} {
				again := s.do(t, s.request(t, http.MethodGet, target, nil, map[string]string{"Accept-Encoding": ae, "If-None-Match": etag}))
				if again.Status != http.StatusNotModified || len(again.Body) != 0 || again.Header.Get("Content-Encoding") != "" {
					t.Fatalf("revalidation (Accept-Encoding %q): %d %v %d bytes", ae, again.Status, again.Header, len(again.Body))
				}
			}
			head := s.do(t, s.request(t, http.MethodHead, target, nil, map[string]string{"Accept-Encoding": "gzip"}))
			if head.Status != http.StatusOK || len(head.Body) != 0 || head.Header.Get("Content-Encoding") != "" ||
				head.Header.Get("Content-Length") != fmt.Sprint(len(plain.Body)) {
				t.Fatalf("HEAD: %d %v %d bytes", head.Status, head.Header, len(head.Body))
			}
		})
	}
	if sizes[true] < 3 || sizes[false] < 1 {
		t.Fatalf("want big assets and a small one, got %v", sizes)
	}
	t.Run("range", func(t *testing.T) {
		res := s.do(t, s.request(t, http.MethodGet, "/graphiql/graphiql.min.js", nil, map[string]string{"Accept-Encoding": "gzip", "Range": "bytes=0-4095"}))
		if res.Status != http.StatusPartialContent || len(res.Body) != 4096 || res.Header.Get("Content-Encoding") != "" {
			t.Fatalf("%d %v %d bytes", res.Status, res.Header, len(res.Body))
		}
	})
}

// TestGzipIdempotencyReplay: a request sent with an Idempotency-Key is kept
// uncompressed and its replays are compressed on the way out like any answer,
// or not, as each client asks.
func TestGzipIdempotencyReplay(t *testing.T) {
	s := newTestServer(t)
	inputs := make([]map[string]any, 40)
	for i := range inputs {
		inputs[i] = map[string]any{"name": fmt.Sprintf("application-%02d", i)}
	}
	body, err := json.Marshal(map[string]any{
		"query":     `mutation($in:[CreateApplicationInput!]!){ createApplications(input:$in) { id name } }`,
		"variables": map[string]any{"in": inputs},
	})
	if err != nil {
		t.Fatal(err)
	}
	send := func(acceptEncoding string) ([]byte, *rawResponse) {
		res := s.do(t, s.request(t, http.MethodPost, "/graphql", body, map[string]string{"Idempotency-Key": "bulk-1", "Accept-Encoding": acceptEncoding}))
		plain, gzipped := gunzip(t, res)
		if res.Status != http.StatusOK || gzipped != (acceptEncoding == "gzip") || !varies(res) {
			t.Fatalf("Accept-Encoding %q: %d gzipped %v %v", acceptEncoding, res.Status, gzipped, res.Header)
		}
		return plain, res
	}
	first, res := send("gzip")
	if replayed(res) || len(first) < httpapi.CompressMinBytes || strings.Contains(string(first), `"errors"`) {
		t.Fatalf("first: %v %.300s", res.Header, first)
	}
	for _, ae := range []string{"gzip", "identity", "gzip"} {
		again, res := send(ae)
		if !replayed(res) || !bytes.Equal(again, first) {
			t.Fatalf("replay (Accept-Encoding %q): %v %.300s", ae, res.Header, again)
		}
		if ae == "identity" && res.Header.Get("Content-Length") != fmt.Sprint(len(first)) {
			t.Fatalf("uncompressed replay's Content-Length %q, want %d", res.Header.Get("Content-Length"), len(first))
		}
	}
	if all, _ := s.apps(t, ""); all != len(inputs) {
		t.Fatalf("%d applications, want %d", all, len(inputs))
	}
}

// TestGzipRequestBodyIsNotDecompressed: only answers are compressed; a
// gzip-encoded request is refused as the non-JSON it is, never inflated.
func TestGzipRequestBodyIsNotDecompressed(t *testing.T) {
	s := newTestServer(t)
	var body bytes.Buffer
	zw := gzip.NewWriter(&body)
	_, _ = zw.Write([]byte(`{"query":"{ applications { totalCount } }"}`))
	_ = zw.Close()
	res := s.do(t, s.request(t, http.MethodPost, "/graphql", body.Bytes(), map[string]string{"Content-Encoding": "gzip"}))
	if res.Status != http.StatusBadRequest || code(decode(t, res)) != "BAD_USER_INPUT" {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
}

// TestAnswerDeclaresItsLength proves a POST answer, large or an error,
// declares its length instead of being sent in chunks, and that the length
// is the body's.
func TestAnswerDeclaresItsLength(t *testing.T) {
	s := newTestServer(t)
	for name, body := range map[string]string{
		"large answer": bigQuery,
		"error":        `{"query":"{ nothing }"}`,
	} {
		t.Run(name, func(t *testing.T) {
			res := s.do(t, s.request(t, http.MethodPost, "/graphql", []byte(body), map[string]string{"Accept-Encoding": "identity"}))
			if got := res.Header.Get("Content-Length"); got != strconv.Itoa(len(res.Body)) || len(res.Body) == 0 {
				t.Fatalf("Content-Length %q for a %d-byte body (status %d)", got, len(res.Body), res.Status)
			}
		})
	}
}
