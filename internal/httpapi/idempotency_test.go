package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relgraph/relgraph/ent/application"
	"github.com/relgraph/relgraph/internal/auth"
	"github.com/relgraph/relgraph/internal/httpapi"
	"github.com/relgraph/relgraph/internal/idempotency"
	"github.com/relgraph/relgraph/internal/viewer"
)

const createApp = `mutation($n:String!){ createApplication(input:{name:$n}) { id name } }`

// createBody is the body of a createApplication request for name.
func createBody(t *testing.T, name string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"query": createApp, "variables": map[string]any{"n": name}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// post sends body to /graphql with the headers (an Idempotency-Key among
// them) and reads the response whole.
func (s *testServer) post(t *testing.T, headers map[string]string, body []byte) *rawResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Error(err)
		return nil
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", acceptJSON)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := s.Client().Do(req)
	if err != nil {
		t.Error(err) // also from other goroutines than the test's
		return nil
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Error(err)
		return nil
	}
	return &rawResponse{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// decode reads a raw response as a GraphQL response.
func decode(t *testing.T, r *rawResponse) *gqlResponse {
	t.Helper()
	out := &gqlResponse{Status: r.Status}
	if err := json.Unmarshal(r.Body, out); err != nil {
		t.Fatalf("not JSON (%d): %s", r.Status, r.Body)
	}
	return out
}

func replayed(r *rawResponse) bool { return r.Header.Get(idempotency.ReplayedHeader) == "true" }

// apps counts the applications, and those named name.
func (s *testServer) apps(t *testing.T, name string) (all, named int) {
	t.Helper()
	ctx := context.Background()
	all, err := s.DB.Client.Application.Query().Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	named, err = s.DB.Client.Application.Query().Where(application.Name(name)).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return all, named
}

func key(k string) map[string]string { return map[string]string{idempotency.Header: k} }

// TestIdempotencyRetryReplays: a create retried under its key creates once,
// and the retry gets the first response byte for byte, marked as replayed.
func TestIdempotencyRetryReplays(t *testing.T) {
	s := newTestServer(t)
	body := createBody(t, "billing")
	first := s.post(t, key("create-billing-1"), body)
	if first.Status != http.StatusOK || decode(t, first).Errors != nil || replayed(first) {
		t.Fatalf("first: %d %v %s", first.Status, first.Header, first.Body)
	}
	for range 2 {
		again := s.post(t, key("create-billing-1"), body)
		if again.Status != http.StatusOK || !bytes.Equal(again.Body, first.Body) || !replayed(again) {
			t.Fatalf("retry: %d %v %s, want %s", again.Status, again.Header, again.Body, first.Body)
		}
		if got, want := again.Header.Get("Content-Type"), first.Header.Get("Content-Type"); got != want {
			t.Fatalf("retry's Content-Type %q, want %q", got, want)
		}
	}
	if all, _ := s.apps(t, "billing"); all != 1 {
		t.Fatalf("%d applications, want 1", all)
	}
	// A new key is a new request.
	if res := decode(t, s.post(t, key("create-billing-2"), body)); code(res) != "CONFLICT" {
		t.Fatalf("a new key replayed: %+v", res)
	}
}

// TestIdempotencyKeyReusedForAnotherRequest: a different request under a
// used key is refused, and writes nothing.
func TestIdempotencyKeyReusedForAnotherRequest(t *testing.T) {
	s := newTestServer(t)
	if res := decode(t, s.post(t, key("k"), createBody(t, "billing"))); res.Errors != nil {
		t.Fatalf("%+v", res.Errors)
	}
	for _, accept := range []struct {
		mediaType string
		status    int
	}{{acceptJSON, http.StatusOK}, {acceptGraphQLResponse, http.StatusConflict}} {
		raw := s.post(t, map[string]string{idempotency.Header: "k", "Accept": accept.mediaType}, createBody(t, "payments"))
		res := decode(t, raw)
		if raw.Status != accept.status || code(res) != "CONFLICT" || res.Data != nil || replayed(raw) ||
			!strings.Contains(res.Errors[0].Message, "different request") || res.Errors[0].Extensions["retryable"] != nil {
			t.Fatalf("%s: %d %s", accept.mediaType, raw.Status, raw.Body)
		}
		if ct := raw.Header.Get("Content-Type"); ct != accept.mediaType {
			t.Fatalf("Content-Type %q, want %q", ct, accept.mediaType)
		}
	}
	if all, named := s.apps(t, "payments"); all != 1 || named != 0 {
		t.Fatalf("%d applications, %d payments; want 1 and 0", all, named)
	}
}

// TestIdempotencyConcurrentRequests: identical requests sent at once under
// one key run once; every caller gets the same answer.
func TestIdempotencyConcurrentRequests(t *testing.T) {
	s := newTestServer(t)
	body := createBody(t, "billing")
	const n = 8
	responses := make([]*rawResponse, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { responses[i] = s.post(t, key("burst"), body) })
	}
	wg.Wait()
	runs := 0
	for i, r := range responses {
		if r == nil {
			t.FailNow()
		}
		if r.Status != http.StatusOK || !bytes.Equal(r.Body, responses[0].Body) {
			t.Fatalf("response %d: %d %s, want %s", i, r.Status, r.Body, responses[0].Body)
		}
		if !replayed(r) {
			runs++
		}
	}
	if res := decode(t, responses[0]); res.Errors != nil {
		t.Fatalf("%+v", res.Errors)
	}
	if all, _ := s.apps(t, "billing"); all != 1 || runs != 1 {
		t.Fatalf("%d applications, %d responses not replayed; want 1 and 1", all, runs)
	}
}

// TestIdempotencyFailedRequestIsNotKept: a request that fails wrote nothing
// and keeps nothing; once the cause is gone, a retry under the same key runs.
func TestIdempotencyFailedRequestIsNotKept(t *testing.T) {
	s := newTestServer(t)
	var existing struct{ CreateApplication struct{ ID string } }
	s.ok(t, createApp, map[string]any{"n": "billing"}, &existing)
	body := createBody(t, "billing")
	for range 2 {
		if raw := s.post(t, key("k"), body); code(decode(t, raw)) != "CONFLICT" || replayed(raw) {
			t.Fatalf("duplicate name: %s", raw.Body)
		}
	}
	s.ok(t, `mutation($id:ID!){ deleteApplication(id:$id) }`, map[string]any{"id": existing.CreateApplication.ID}, nil)
	raw := s.post(t, key("k"), body)
	if res := decode(t, raw); res.Errors != nil || replayed(raw) {
		t.Fatalf("retry after the conflict is gone: %s", raw.Body)
	}
	if again := s.post(t, key("k"), body); !replayed(again) || !bytes.Equal(again.Body, raw.Body) {
		t.Fatalf("the successful retry was not kept: %s", again.Body)
	}
	if all, _ := s.apps(t, "billing"); all != 1 {
		t.Fatalf("%d applications, want 1", all)
	}
}

// TestIdempotencyKeysAreTheCallers: the same key from different callers
// names different requests, with authentication off (X-Actor) and on
// (tokens).
func TestIdempotencyKeysAreTheCallers(t *testing.T) {
	t.Run("X-Actor", func(t *testing.T) {
		s := newTestServer(t)
		for i, actor := range []string{"alice", "bob", ""} {
			h := map[string]string{idempotency.Header: "same", httpapi.ActorHeader: actor}
			raw := s.post(t, h, createBody(t, "app-"+string(rune('a'+i))))
			if res := decode(t, raw); res.Errors != nil || replayed(raw) {
				t.Fatalf("%q: %s", actor, raw.Body)
			}
		}
		if all, _ := s.apps(t, ""); all != 3 {
			t.Fatalf("%d applications, want 3", all)
		}
	})
	t.Run("tokens", func(t *testing.T) {
		s := newTestServer(t, func(c *httpapi.Config) { c.AuthRequired = true })
		for i, name := range []string{"bot-1", "bot-2"} {
			_, secret, err := auth.Create(context.Background(), s.DB.Client, name, viewer.Editor)
			if err != nil {
				t.Fatal(err)
			}
			h := bearer(secret)
			h[idempotency.Header] = "same"
			h[httpapi.ActorHeader] = "alice" // not the caller: the token is
			body := createBody(t, "app-"+string(rune('a'+i)))
			raw := s.post(t, h, body)
			if res := decode(t, raw); res.Errors != nil || replayed(raw) {
				t.Fatalf("%s: %s", name, raw.Body)
			}
			if again := s.post(t, h, body); !replayed(again) {
				t.Fatalf("%s's retry ran: %s", name, again.Body)
			}
		}
		if all, _ := s.apps(t, ""); all != 2 {
			t.Fatalf("%d applications, want 2", all)
		}
	})
}

// TestIdempotencyKeysExpire: after the TTL a key is free again, and
// expired rows are deleted.
func TestIdempotencyKeysExpire(t *testing.T) {
	const ttl = 200 * time.Millisecond
	s := newTestServer(t, func(c *httpapi.Config) { c.IdempotencyTTL = ttl })
	if res := decode(t, s.post(t, key("k"), createBody(t, "billing"))); res.Errors != nil {
		t.Fatalf("%+v", res.Errors)
	}
	time.Sleep(ttl + 50*time.Millisecond)
	// Another request under the expired key runs: no CONFLICT, no replay.
	raw := s.post(t, key("k"), createBody(t, "payments"))
	if res := decode(t, raw); res.Errors != nil || replayed(raw) {
		t.Fatalf("expired key: %s", raw.Body)
	}
	time.Sleep(ttl + 50*time.Millisecond)
	// Claiming another key deletes the expired rows.
	if res := decode(t, s.post(t, key("other"), createBody(t, "ledger"))); res.Errors != nil {
		t.Fatalf("%+v", res.Errors)
	}
	rows, err := s.DB.Client.IdempotencyKey.Query().All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Key != "other" {
		t.Fatalf("rows left: %+v", rows)
	}
	if all, _ := s.apps(t, ""); all != 3 {
		t.Fatalf("%d applications, want 3", all)
	}
}

// TestIdempotencyBadKey: a key that is empty, too long or not printable
// ASCII, or given twice, is refused before anything runs.
func TestIdempotencyBadKey(t *testing.T) {
	s := newTestServer(t)
	cases := []struct {
		name string
		keys []string
	}{
		{"empty", []string{""}},
		{"too long", []string{strings.Repeat("k", idempotency.MaxKeyLength+1)}},
		{"not ASCII", []string{"clé"}},
		{"control character", []string{"a\tb"}},
		{"two keys", []string{"a", "b"}},
	}
	for _, tc := range cases {
		for _, accept := range []struct {
			mediaType string
			status    int
		}{{acceptJSON, http.StatusOK}, {acceptGraphQLResponse, http.StatusBadRequest}} {
			t.Run(tc.name+", "+accept.mediaType, func(t *testing.T) {
				req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(createBody(t, "billing")))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", accept.mediaType)
				for _, k := range tc.keys {
					req.Header.Add(idempotency.Header, k)
				}
				res, err := s.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				raw, _ := io.ReadAll(res.Body)
				out := decode(t, &rawResponse{Status: res.StatusCode, Body: raw})
				if res.StatusCode != accept.status || code(out) != "BAD_USER_INPUT" || out.Data != nil {
					t.Fatalf("%d %s", res.StatusCode, raw)
				}
			})
		}
	}
	// The longest key is fine.
	if res := decode(t, s.post(t, key(strings.Repeat("~", idempotency.MaxKeyLength)), createBody(t, "ledger"))); res.Errors != nil {
		t.Fatalf("%+v", res.Errors)
	}
	if all, named := s.apps(t, "billing"); all != 1 || named != 0 {
		t.Fatalf("%d applications, %d billing; want 1 and 0", all, named)
	}
}

// TestIdempotencyKeepsTheEdgeRules: a request with a key is still held to
// the body limit, and a request without one is not recorded.
func TestIdempotencyKeepsTheEdgeRules(t *testing.T) {
	s := newTestServer(t, func(c *httpapi.Config) { c.MaxBodyBytes = edgeLimit })
	big := createBody(t, strings.Repeat("x", 2*edgeLimit))
	for range 2 {
		raw := s.post(t, key("big"), big)
		if res := decode(t, raw); raw.Status != http.StatusRequestEntityTooLarge || code(res) != "BAD_USER_INPUT" {
			t.Fatalf("%d %s", raw.Status, raw.Body)
		}
	}
	s.ok(t, createApp, map[string]any{"n": "billing"}, nil)
	if n, err := s.DB.Client.IdempotencyKey.Query().Count(context.Background()); err != nil || n != 0 {
		t.Fatalf("%d rows kept (%v), want 0", n, err)
	}
}

// TestIdempotencyKeyFromBrowsers: a browser front end may send the key and
// read whether the answer was replayed.
func TestIdempotencyKeyFromBrowsers(t *testing.T) {
	const origin = "https://releases.example.com"
	s := newTestServer(t, func(c *httpapi.Config) { c.CORSOrigins = []string{origin} })
	req, _ := http.NewRequest(http.MethodOptions, s.URL+"/graphql", nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", http.MethodPost)
	req.Header.Set("Access-Control-Request-Headers", "content-type,idempotency-key")
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := strings.ToLower(res.Header.Get("Access-Control-Allow-Headers")); !strings.Contains(got, "idempotency-key") {
		t.Fatalf("preflight allows %q", got)
	}
	raw := s.post(t, map[string]string{idempotency.Header: "k", "Origin": origin}, createBody(t, "billing"))
	got := raw.Header.Get("Access-Control-Expose-Headers")
	if !slices.ContainsFunc(strings.Split(got, ","), func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), idempotency.ReplayedHeader) }) {
		t.Fatalf("exposed headers %q", got)
	}
}
