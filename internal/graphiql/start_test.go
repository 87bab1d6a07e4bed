package graphiql_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/relgraph/relgraph/internal/demo"
	"github.com/relgraph/relgraph/internal/httpapi"
	"github.com/relgraph/relgraph/internal/testdb"
)

// TestStartQueryRuns serves the real handler over the demo portfolio, takes
// the starter query from the GraphiQL page as a browser would, and runs it:
// what a new user runs first must work, and show something.
func TestStartQueryRuns(t *testing.T) {
	db := testdb.Open(t)
	if err := demo.Load(context.Background(), db.Client); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(httpapi.Config{DB: db, Logger: slog.New(slog.DiscardHandler)}))
	defer srv.Close()

	res, err := srv.Client().Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`data-default-query="([^"]*)"`).FindSubmatch(page)
	if m == nil {
		t.Fatal("the GraphiQL page has no data-default-query")
	}
	query := html.UnescapeString(string(m[1]))

	body, _ := json.Marshal(map[string]any{"query": query})
	res, err = srv.Client().Post(srv.URL+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out struct {
		Data struct {
			Applications struct{ TotalCount int }
			Releases     struct {
				Edges []struct {
					Node struct {
						Name      string
						Impact    struct{ Impacted []any }
						Conflicts []any
					}
				}
			}
		}
		Errors []any
	}
	if err := json.Unmarshal(raw, &out); err != nil || len(out.Errors) > 0 || res.StatusCode != http.StatusOK {
		t.Fatalf("the starter query failed (%d): %s", res.StatusCode, raw)
	}
	if out.Data.Applications.TotalCount == 0 || len(out.Data.Releases.Edges) == 0 {
		t.Fatalf("the starter query shows nothing on the demo data: %s", raw)
	}
	conflicts := 0
	for _, e := range out.Data.Releases.Edges {
		if len(e.Node.Impact.Impacted) == 0 {
			t.Errorf("release %q: no impact", e.Node.Name)
		}
		conflicts += len(e.Node.Conflicts)
	}
	if conflicts == 0 {
		t.Error("the starter query shows no conflict on the demo data")
	}
}
