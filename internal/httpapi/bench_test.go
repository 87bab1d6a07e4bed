package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/impact/impacttest"
	"github.com/relgraph/relgraph/internal/httpapi"
	"github.com/relgraph/relgraph/store"
)

// benchPortfolio is a synthetic portfolio stored in a real SQLite file, shared
// by the benchmarks of one run.
type benchPortfolio struct {
	db        *store.DB
	releaseID int
	changed   int
}

var (
	benchOnce sync.Map // apps -> *sync.Once
	benchDBs  sync.Map // apps -> *benchPortfolio
	benchDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// loadBenchPortfolio stores impacttest.Portfolio(n, 5) and one release whose
// changes are those of impact.SyntheticReleases' first release.
func loadBenchPortfolio(b *testing.B, n int) *benchPortfolio {
	once, _ := benchOnce.LoadOrStore(n, &sync.Once{})
	once.(*sync.Once).Do(func() {
		ctx := context.Background()
		if benchDir == "" {
			dir, err := os.MkdirTemp("", "relgraph-bench-")
			if err != nil {
				b.Fatal(err)
			}
			benchDir = dir
		}
		db, err := store.Open(ctx, filepath.Join(benchDir, fmt.Sprintf("apps-%d.db", n)))
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		ids, all := impacttest.Portfolio(n, 5, 1)
		// The engine collapses repeated pairs; the database refuses them.
		var deps []impact.Dependency
		seen := make(map[impact.Dependency]bool, len(all))
		for _, d := range all {
			if !seen[d] && d.Consumer != d.Provider {
				seen[d] = true
				deps = append(deps, d)
			}
		}
		rel := impacttest.Releases(ids, 1, 1, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))[0]
		var releaseID int
		err = db.WithTx(ctx, func(ctx context.Context, tx *ent.Client) error {
			dbID := make(map[int]int, n)
			const chunk = 1000
			for start := 0; start < len(ids); start += chunk {
				part := ids[start:min(start+chunk, len(ids))]
				builders := make([]*ent.ApplicationCreate, len(part))
				for i, id := range part {
					builders[i] = tx.Application.Create().SetName(fmt.Sprintf("app-%d", id))
				}
				apps, err := tx.Application.CreateBulk(builders...).Save(ctx)
				if err != nil {
					b.Fatal(err)
				}
				for i, a := range apps {
					dbID[part[i]] = a.ID
				}
			}
			for start := 0; start < len(deps); start += chunk {
				part := deps[start:min(start+chunk, len(deps))]
				builders := make([]*ent.DependencyCreate, len(part))
				for i, d := range part {
					builders[i] = tx.Dependency.Create().SetConsumerID(dbID[d.Consumer]).SetProviderID(dbID[d.Provider])
				}
				if _, err := tx.Dependency.CreateBulk(builders...).Save(ctx); err != nil {
					b.Fatal(err)
				}
			}
			r, err := tx.Release.Create().SetName("bench").SetStartsAt(rel.Window.Start).SetEndsAt(rel.Window.End).Save(ctx)
			if err != nil {
				b.Fatal(err)
			}
			for _, app := range rel.Changed {
				if err := tx.Change.Create().SetTitle("change").AddApplicationIDs(dbID[app]).SetReleaseID(r.ID).Exec(ctx); err != nil {
					b.Fatal(err)
				}
			}
			releaseID = r.ID
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		benchDBs.Store(n, &benchPortfolio{db: db, releaseID: releaseID, changed: len(rel.Changed)})
	})
	p, ok := benchDBs.Load(n)
	if !ok {
		b.Fatal("portfolio setup failed")
	}
	return p.(*benchPortfolio)
}

var benchSizes = []int{1000, 10000}

// BenchmarkReleaseImpactHTTP is the end-to-end cost of a release's impact:
// HTTP, GraphQL, the snapshot freshness check, the engine, loading the
// impacted applications and writing JSON.
//
// The answer is not compressed, as for a client that does not ask for gzip:
// BenchmarkReleaseImpactHTTPGzip is the same with gzip.
func BenchmarkReleaseImpactHTTP(b *testing.B) { benchmarkReleaseImpactHTTP(b, "identity") }

// BenchmarkReleaseImpactHTTPGzip is BenchmarkReleaseImpactHTTP for a client
// that accepts gzip, as browsers do: the server compresses the answer and
// the client decompresses it.
func BenchmarkReleaseImpactHTTPGzip(b *testing.B) { benchmarkReleaseImpactHTTP(b, "gzip") }

func benchmarkReleaseImpactHTTP(b *testing.B, acceptEncoding string) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("apps=%d", n), func(b *testing.B) {
			p := loadBenchPortfolio(b, n)
			srv := httptest.NewServer(httpapi.New(httpapi.Config{DB: p.db, Logger: discardLogger()}))
			defer srv.Close()
			body, _ := json.Marshal(map[string]any{
				"query":     `query($id:ID!) { node(id:$id) { ... on Release { impact { impacted { application { name } distance } } } } }`,
				"variables": map[string]any{"id": fmt.Sprint(p.releaseID)},
			})
			// The first response is checked in full; timed ones are read to the
			// end but not decoded, so the client's JSON decoding is not billed
			// to the server.
			// Go's client asks for gzip and decompresses the answer unless
			// the request names its own Accept-Encoding.
			transport := &http.Transport{DisableCompression: acceptEncoding != "gzip"}
			defer transport.CloseIdleConnections()
			client := &http.Client{Transport: transport}
			send := func() (*http.Response, error) {
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				if acceptEncoding != "gzip" {
					req.Header.Set("Accept-Encoding", acceptEncoding)
				}
				return client.Do(req)
			}
			post := func() int {
				res, err := send()
				if err != nil {
					b.Fatal(err)
				}
				var out struct {
					Data struct {
						Node struct {
							Impact struct{ Impacted []json.RawMessage }
						}
					}
					Errors []any
				}
				raw, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if err := json.Unmarshal(raw, &out); err != nil || len(out.Errors) > 0 || res.StatusCode != http.StatusOK ||
					res.Uncompressed != (acceptEncoding == "gzip") {
					b.Fatalf("bad response %d (decompressed: %v): %.300s", res.StatusCode, res.Uncompressed, raw)
				}
				return len(out.Data.Node.Impact.Impacted)
			}
			impacted := post() // also builds the snapshot
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				res, err := send()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, res.Body); err != nil || res.StatusCode != http.StatusOK {
					b.Fatalf("status %d, %v", res.StatusCode, err)
				}
				res.Body.Close()
			}
			b.ReportMetric(float64(impacted), "impacted")
			b.ReportMetric(float64(p.changed), "changed")
		})
	}
}

// impactCTE is the impact query a user would write without relgraph: a
// recursive CTE over the dependency table. It returns the impacted set only
// (UNION deduplicates, which is what makes it terminate on cycles), without
// the distances and paths relgraph also computes.
const impactCTE = `
WITH RECURSIVE impacted(id) AS (
	SELECT ca.application_id FROM change_applications ca JOIN changes c ON c.id = ca.change_id WHERE c.release_id = ?
	UNION
	SELECT d.consumer_id FROM dependencies d JOIN impacted i ON d.provider_id = i.id
)
SELECT a.name FROM impacted i JOIN applications a ON a.id = i.id`

// BenchmarkReleaseImpactRecursiveCTE runs impactCTE directly on SQLite, for
// comparison with BenchmarkReleaseImpactHTTP.
func BenchmarkReleaseImpactRecursiveCTE(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("apps=%d", n), func(b *testing.B) {
			p := loadBenchPortfolio(b, n)
			ctx := context.Background()
			run := func() int {
				rows, err := p.db.SQL().QueryContext(ctx, impactCTE, p.releaseID)
				if err != nil {
					b.Fatal(err)
				}
				defer rows.Close()
				count := 0
				for rows.Next() {
					var name string
					if err := rows.Scan(&name); err != nil {
						b.Fatal(err)
					}
					count++
				}
				if err := rows.Err(); err != nil {
					b.Fatal(err)
				}
				return count
			}
			impacted := run()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				run()
			}
			b.ReportMetric(float64(impacted), "impacted")
		})
	}
}

// BenchmarkGraphRebuild is what a stale server pays once after a graph write:
// reading every application and dependency from SQLite and building the
// engine's snapshot.
func BenchmarkGraphRebuild(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("apps=%d", n), func(b *testing.B) {
			p := loadBenchPortfolio(b, n)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := store.NewGraphCache(p.db).Current(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkImpactAfterWrite is a release's impact over HTTP right after one
// write to the graph (in turn: a new dependency, its removal, a new
// application), which the server applies to its snapshot from the change
// log before answering; warm is the same query with nothing written since,
// for comparison in the same run.
func BenchmarkImpactAfterWrite(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		p := loadBenchPortfolio(b, n)
		srv := httptest.NewServer(httpapi.New(httpapi.Config{DB: p.db, Logger: discardLogger()}))
		body, _ := json.Marshal(map[string]any{
			"query":     `query($id:ID!) { node(id:$id) { ... on Release { impact { impacted { application { name } distance } } } } }`,
			"variables": map[string]any{"id": fmt.Sprint(p.releaseID)},
		})
		post := func(b *testing.B) {
			res, err := srv.Client().Post(srv.URL+"/graphql", "application/json", bytes.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, res.Body); err != nil || res.StatusCode != http.StatusOK {
				b.Fatalf("status %d, %v", res.StatusCode, err)
			}
			res.Body.Close()
		}
		ctx := context.Background()
		apps := p.db.Client.Application.Query().Limit(2).IDsX(ctx)
		b.Run(fmt.Sprintf("apps=%d/warm", n), func(b *testing.B) {
			post(b)
			b.ReportAllocs()
			for b.Loop() {
				post(b)
			}
		})
		b.Run(fmt.Sprintf("apps=%d/after-write", n), func(b *testing.B) {
			post(b)
			cache := p.db.Graph
			builds := cache.Builds()
			var added *ent.Dependency
			write := func(i int) {
				switch {
				case i%3 == 0:
					consumer := p.db.Client.Application.Create().SetName(fmt.Sprintf("after-write-%d-%d", n, i)).SaveX(ctx)
					added = p.db.Client.Dependency.Create().SetConsumerID(consumer.ID).SetProviderID(apps[i%2]).SaveX(ctx)
				case i%3 == 1:
					p.db.Client.Dependency.DeleteOne(added).ExecX(ctx)
				default:
					p.db.Client.Application.UpdateOneID(apps[1]).SetOwner(fmt.Sprintf("team %d", i)).ExecX(ctx)
				}
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				write(i)
				b.StartTimer()
				post(b)
			}
			if cache.Builds() != builds {
				b.Fatalf("the server read the whole graph %d times instead of catching up", cache.Builds()-builds)
			}
		})
		srv.Close()
	}
}

// BenchmarkRequestFloor splits a 1k request's fixed cost: "bare" is a
// net/http round trip to a handler that answers a tiny body, "bare-24KB"
// the same answering as many bytes as the 1k impact does, "node" is
// relgraph's whole stack answering node(id) { id } (middleware, gqlgen, one
// statement), and "impact-handler" is BenchmarkReleaseImpactHTTP's request
// served by the handler without HTTP (httptest.ResponseRecorder).
func BenchmarkRequestFloor(b *testing.B) {
	p := loadBenchPortfolio(b, 1000)
	handler := httpapi.New(httpapi.Config{DB: p.db, Logger: discardLogger()})
	rid := fmt.Sprint(p.releaseID)
	roundTrips := func(b *testing.B, url, body string) {
		transport := &http.Transport{DisableCompression: true}
		defer transport.CloseIdleConnections()
		client := &http.Client{Transport: transport}
		for b.Loop() {
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(body)))
			req.Header.Set("Content-Type", "application/json")
			res, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, res.Body); err != nil || res.StatusCode != http.StatusOK {
				b.Fatalf("status %d, %v", res.StatusCode, err)
			}
			res.Body.Close()
		}
	}
	b.Run("bare", func(b *testing.B) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			_, _ = w.Write([]byte(`{"data":{}}`))
		}))
		defer srv.Close()
		roundTrips(b, srv.URL, `{"query":"{__typename}"}`)
	})
	b.Run("bare-24KB", func(b *testing.B) {
		// The size of the 1k impact answer: what HTTP alone costs to carry it.
		answer := append(append([]byte(`{"data":"`), bytes.Repeat([]byte("x"), 24<<10)...), `"}`...)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			_, _ = w.Write(answer)
		}))
		defer srv.Close()
		roundTrips(b, srv.URL, `{"query":"{__typename}"}`)
	})
	b.Run("node", func(b *testing.B) {
		srv := httptest.NewServer(handler)
		defer srv.Close()
		roundTrips(b, srv.URL+"/graphql", `{"query":"{ node(id: \"`+rid+`\") { id } }"}`)
	})
	b.Run("impact-handler", func(b *testing.B) {
		body := `{"query":"{ node(id: \"` + rid + `\") { ... on Release { impact { impacted { application { name } distance } } } } }"}`
		for b.Loop() {
			req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader([]byte(body)))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d: %.300s", rec.Code, rec.Body)
			}
		}
	})
}
