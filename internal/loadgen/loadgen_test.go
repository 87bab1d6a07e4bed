package loadgen_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/relgraph/relgraph/internal/httpapi"
	"github.com/relgraph/relgraph/internal/loadgen"
	"github.com/relgraph/relgraph/internal/testdb"
)

// TestRun drives the real handler, over a small seeded portfolio, with a
// few clients for a second: every operation runs, and none fails.
func TestRun(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t)
	seeded, err := loadgen.Seed(ctx, db, 200, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	if seeded.Applications != 200 || seeded.Dependencies == 0 || seeded.Releases != loadgen.SeedReleases || seeded.Changes < seeded.Releases {
		t.Fatalf("seeded %+v", seeded)
	}
	if _, err := loadgen.Seed(ctx, db, 200, 3, 1); !errors.Is(err, loadgen.ErrNotEmpty) {
		t.Fatalf("seeding again: %v, want ErrNotEmpty", err)
	}

	srv := httptest.NewServer(httpapi.New(httpapi.Config{DB: db, Logger: slog.New(slog.DiscardHandler)}))
	defer srv.Close()
	rep, err := loadgen.Run(ctx, loadgen.Config{
		URL:      srv.URL + "/graphql",
		Clients:  5,
		Duration: time.Second,
		Mix:      loadgen.Mix{Impact: 2, List: 2, Write: 2, Edit: 2},
		Seed:     1,
		PID:      os.Getpid(),
	})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := rep.WriteMarkdown(&out); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", out.String())
	if rep.Applications != 200 || rep.Releases != loadgen.SeedReleases {
		t.Errorf("learnt %d applications and %d releases, want 200 and %d", rep.Applications, rep.Releases, loadgen.SeedReleases)
	}
	ran := map[string]loadgen.OpStats{}
	for _, op := range rep.Ops {
		ran[op.Name] = op
	}
	for _, name := range []string{loadgen.OpImpact, loadgen.OpListApplications, loadgen.OpListReleases, loadgen.OpCreateDependency, loadgen.OpCreateApplication,
		loadgen.OpEditRelease, loadgen.OpMoveChange} {
		op := ran[name]
		if op.Count == 0 {
			t.Errorf("%s never ran", name)
		}
		if op.P50 <= 0 || op.P50 > op.P99 || op.P99 > op.Max {
			t.Errorf("%s: p50 %s, p99 %s, max %s", name, op.P50, op.P99, op.Max)
		}
	}
	if rep.Total.Errors != 0 || len(rep.Errors) != 0 {
		t.Errorf("%d errors: %v", rep.Total.Errors, rep.Errors)
	}
	if rep.Throughput <= 0 || rep.PeakRSS <= 0 || rep.HWM < rep.PeakRSS/2 {
		t.Errorf("throughput %.1f/s, peak RSS %d, HWM %d", rep.Throughput, rep.PeakRSS, rep.HWM)
	}
}

// TestRunCountsErrors serves canned answers: a GraphQL error (after the
// data) and a status 500 are errors, a duplicate dependency's CONFLICT is a
// refusal, and each error is reported with its message.
func TestRunCountsErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Query string }
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &req); err != nil {
			t.Errorf("request %q: %v", body, err)
		}
		q := req.Query
		switch {
		case strings.Contains(q, "releases(first: 1000)"):
			io.WriteString(w, `{"data":{"releases":{"edges":[{"node":{"id":"7"}}]}}}`)
		case strings.Contains(q, "applications(first: 1000"):
			io.WriteString(w, `{"data":{"applications":{"edges":[{"cursor":"c1","node":{"id":"1"}},{"cursor":"c2","node":{"id":"2"}}],"pageInfo":{"hasNextPage":false,"endCursor":"c2"}}}}`)
		case strings.Contains(q, "impact"):
			io.WriteString(w, `{"data":{"node":null},"errors":[{"message":"boom","extensions":{"code":"INTERNAL"}}]}`)
		case strings.Contains(q, "applications(first: 50"):
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, "oops")
		case strings.Contains(q, "releases(first: 20)"):
			io.WriteString(w, `{"data":{"releases":{"edges":[],"pageInfo":{"hasNextPage":false,"endCursor":null}}}}`)
		case strings.Contains(q, "createDependency"):
			io.WriteString(w, `{"errors":[{"message":"the consumer already depends on this provider","extensions":{"code":"CONFLICT"}}],"data":null}`)
		case strings.Contains(q, "createApplication"):
			io.WriteString(w, `{"data":{"createApplication":{"id":"3","name":"x"}}}`)
		default:
			t.Errorf("unexpected query %q", q)
		}
	}))
	defer srv.Close()
	rep, err := loadgen.Run(context.Background(), loadgen.Config{URL: srv.URL, Clients: 2, Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]func(loadgen.OpStats) bool{
		loadgen.OpImpact:            func(op loadgen.OpStats) bool { return op.Errors == op.Count && op.Refused == 0 },
		loadgen.OpListApplications:  func(op loadgen.OpStats) bool { return op.Errors == op.Count && op.Refused == 0 },
		loadgen.OpListReleases:      func(op loadgen.OpStats) bool { return op.Errors == 0 && op.Refused == 0 },
		loadgen.OpCreateDependency:  func(op loadgen.OpStats) bool { return op.Errors == 0 && op.Refused == op.Count },
		loadgen.OpCreateApplication: func(op loadgen.OpStats) bool { return op.Errors == 0 && op.Refused == 0 },
	}
	for _, op := range rep.Ops {
		if op.Count == 0 || !want[op.Name](op) {
			t.Errorf("%s: %d requests, %d errors, %d refused", op.Name, op.Count, op.Errors, op.Refused)
		}
		delete(want, op.Name)
	}
	if len(want) > 0 {
		t.Errorf("operations that never ran: %v", want)
	}
	var messages []string
	for _, e := range rep.Errors {
		messages = append(messages, e.Message)
	}
	if got := strings.Join(messages, "; "); !strings.Contains(got, "impact: INTERNAL: boom") || !strings.Contains(got, "list applications: HTTP 500: oops") {
		t.Errorf("errors reported: %s", got)
	}
}

func TestRunRefusesRemoteServers(t *testing.T) {
	for _, url := range []string{
		"http://192.0.2.1:8080/graphql",
		"http://[2001:db8::1]/graphql",
		"http://0.0.0.0:8080/graphql",
		"http://10.0.0.1/graphql",
	} {
		t.Run(url, func(t *testing.T) {
			_, err := loadgen.Run(context.Background(), loadgen.Config{URL: url, Clients: 1, Duration: time.Second})
			if !errors.Is(err, loadgen.ErrNotLoopback) {
				t.Fatalf("Run(%s) = %v, want ErrNotLoopback", url, err)
			}
		})
	}
	for _, url := range []string{"http://127.0.0.1:1/graphql", "http://[::1]:1/graphql", "http://localhost:1/graphql", "http://127.8.9.10:1/graphql"} {
		if err := loadgen.CheckLoopback(context.Background(), url); err != nil {
			t.Errorf("CheckLoopback(%s) = %v", url, err)
		}
	}
}

func TestParseMix(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want loadgen.Mix
		err  string
	}{
		{in: "impact=4,list=4,write=2", want: loadgen.Mix{Impact: 4, List: 4, Write: 2}},
		{in: "impact=1", want: loadgen.Mix{Impact: 1}},
		{in: "impact=4,list=4,write=1,edit=1", want: loadgen.Mix{Impact: 4, List: 4, Write: 1, Edit: 1}},
		{in: " list = 3 , write=0 ", want: loadgen.Mix{List: 3}},
		{in: "read=1", err: "operations are"},
		{in: "impact=-1", err: "non-negative"},
		{in: "impact=0", err: "weighs nothing"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := loadgen.ParseMix(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseMix(%q) = %v, %v; want an error with %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseMix(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

// TestImport loads a portfolio through the bulk mutations, in several
// requests, and finds every record, with one graph change-log generation per
// request.
func TestImport(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t)
	srv := httptest.NewServer(httpapi.New(httpapi.Config{DB: db, Logger: slog.New(slog.DiscardHandler)}))
	defer srv.Close()
	rep, err := loadgen.Import(ctx, loadgen.ImportConfig{URL: srv.URL + "/graphql", Apps: 300, DepsPerApp: 3, Batch: 100, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	deps := db.Client.Dependency.Query().CountX(ctx)
	if rep.Apps != 300 || db.Client.Application.Query().CountX(ctx) != 300 || rep.Dependencies != deps || deps < 600 {
		t.Fatalf("imported %+v; stored %d dependencies", rep, deps)
	}
	if audits := db.Client.AuditEvent.Query().CountX(ctx); audits != 300+deps {
		t.Fatalf("%d audit events for %d records", audits, 300+deps)
	}
	if rep.Requests != 3+(deps+99)/100 {
		t.Fatalf("%d requests", rep.Requests)
	}
}
