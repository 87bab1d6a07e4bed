package main

import (
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// With --metrics-addr, /metrics is served there, and only there.
func TestMetricsListener(t *testing.T) {
	url, logs := startServer(t, "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "r.db"))
	var m []string
	for deadline := time.Now().Add(10 * time.Second); m == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		m = regexp.MustCompile(`"metrics listening" url=(\S+)`).FindStringSubmatch(logs.String())
	}
	if m == nil {
		t.Fatalf("no metrics listener logged:\n%s", logs.String())
	}
	if status, body := post(t, url, "", `query Count { applications { totalCount } }`); status != http.StatusOK {
		t.Fatalf("query: %d %s", status, body)
	}
	get := func(u string) (int, string) {
		t.Helper()
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	status, body := get(m[1])
	if status != http.StatusOK || !strings.Contains(body, `relgraph_graphql_requests_total{operation="Count",outcome="ok"} 1`) {
		t.Fatalf("GET %s: %d\n%s", m[1], status, body)
	}
	if status, _ := get(url + "/metrics"); status != http.StatusNotFound {
		t.Errorf("public GET /metrics: %d, want 404", status)
	}
	if status, _ := get(strings.TrimSuffix(m[1], "/metrics") + "/graphql"); status != http.StatusNotFound {
		t.Errorf("metrics listener GET /graphql: %d, want 404", status)
	}
}

// Without --metrics-addr there is no metrics listener.
func TestNoMetricsByDefault(t *testing.T) {
	url, logs := startServer(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "r.db"))
	if strings.Contains(logs.String(), "metrics listening") {
		t.Fatalf("metrics listener started without --metrics-addr:\n%s", logs.String())
	}
	res, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("public GET /metrics: %d, want 404", res.StatusCode)
	}
}
