package httpapi_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/relgraph/relgraph/internal/auth"
	"github.com/relgraph/relgraph/internal/demo"
	"github.com/relgraph/relgraph/internal/httpapi"
	"github.com/relgraph/relgraph/internal/viewer"
)

// getCSV fetches path with the given headers.
func (s *testServer) getCSV(t *testing.T, path string, headers map[string]string) *rawResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := s.Client().Do(req)
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

// csvTeams is Release.regressionScope's teams, as the CSV lists them.
const csvTeams = `query($id: ID!) { node(id: $id) { ... on Release { name regressionScope { totalCount teams {
	owner applications { application { name criticality } distance path { name } reason } } } } } }`

type csvScope struct {
	Node struct {
		Name            string
		RegressionScope struct {
			TotalCount int
			Teams      []struct {
				Owner        *string
				Applications []struct {
					Application struct{ Name, Criticality string }
					Distance    int
					Path        []struct{ Name string }
					Reason      string
				}
			}
		}
	}
}

// defused is a cell as the CSV must write it: a leading apostrophe before
// what a spreadsheet would run as a formula, or before an apostrophe.
func defused(s string) string {
	if s != "" && strings.ContainsAny(s[:1], "=+-@\t\r'") {
		return "'" + s
	}
	return s
}

// wantRows turns a GraphQL answer into the CSV rows it must give: the
// header, then per team and application team, application, criticality,
// distance, chain, reason.
func wantRows(scope csvScope) [][]string {
	rows := [][]string{{"team", "application", "criticality", "distance", "chain", "reason"}}
	for _, team := range scope.Node.RegressionScope.Teams {
		owner := ""
		if team.Owner != nil {
			owner = *team.Owner
		}
		for _, a := range team.Applications {
			var chain []string
			for _, p := range a.Path {
				chain = append(chain, p.Name)
			}
			rows = append(rows, []string{
				defused(owner), defused(a.Application.Name), a.Application.Criticality, strconv.Itoa(a.Distance),
				defused(strings.Join(chain, " -> ")), defused(a.Reason),
			})
		}
	}
	return rows
}

// checkCSV fetches release's CSV with headers and checks it against the
// GraphQL answer for the same release; it returns the rows.
func (s *testServer) checkCSV(t *testing.T, release string, headers map[string]string) [][]string {
	t.Helper()
	status, res := s.call(t, headers, csvTeams, map[string]any{"id": release})
	if status != http.StatusOK || res.Errors != nil {
		t.Fatalf("regressionScope: %d %+v", status, res.Errors)
	}
	var scope csvScope
	if err := json.Unmarshal(res.Data, &scope); err != nil {
		t.Fatal(err)
	}
	got := s.getCSV(t, "/releases/"+release+"/regression.csv", headers)
	if got.Status != http.StatusOK {
		t.Fatalf("GET regression.csv: %d %s", got.Status, got.Body)
	}
	if ct := got.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	disposition, params, err := mime.ParseMediaType(got.Header.Get("Content-Disposition"))
	if err != nil || disposition != "attachment" || !strings.HasSuffix(params["filename"], "-regression.csv") {
		t.Errorf("Content-Disposition %q (%v)", got.Header.Get("Content-Disposition"), err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(got.Body))).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, got.Body)
	}
	if want := wantRows(scope); !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("the CSV differs from the GraphQL answer\n--- CSV:\n%q\n--- GraphQL gives:\n%q", rows, want)
	}
	if len(rows) != 1+scope.Node.RegressionScope.TotalCount {
		t.Errorf("%d rows for a scope of %d", len(rows), scope.Node.RegressionScope.TotalCount)
	}
	return rows
}

// TestRegressionCSV checks GET /releases/{id}/regression.csv behind
// required authentication: who may download it, that it is the GraphQL
// answer, its cells defused, and its refusals.
func TestRegressionCSV(t *testing.T) {
	s := newTestServer(t, func(c *httpapi.Config) { c.AuthRequired = true })
	ctx := context.Background()
	_, editor, err := auth.Create(ctx, s.DB.Client, "planner", viewer.Editor)
	if err != nil {
		t.Fatal(err)
	}
	_, reader, err := auth.Create(ctx, s.DB.Client, "test-manager", viewer.ViewerRole)
	if err != nil {
		t.Fatal(err)
	}
	write := func(query string, vars map[string]any) string {
		t.Helper()
		status, res := s.call(t, bearer(editor), query, vars)
		if status != http.StatusOK || res.Errors != nil {
			t.Fatalf("%s: %d %+v", query, status, res.Errors)
		}
		var out map[string]struct{ ID string }
		if err := json.Unmarshal(res.Data, &out); err != nil {
			t.Fatal(err)
		}
		for _, v := range out {
			return v.ID
		}
		return ""
	}
	app := func(name, owner, criticality string) string {
		return write(`mutation($n:String!, $o:String!, $c:Criticality!) { createApplication(input:{name:$n, owner:$o, criticality:$c}) { id } }`,
			map[string]any{"n": name, "o": owner, "c": criticality})
	}
	dep := func(consumer, provider string) {
		write(`mutation($c:ID!, $p:ID!) { createDependency(input:{consumerID:$c, providerID:$p}) { id } }`,
			map[string]any{"c": consumer, "p": provider})
	}
	release := func(name string, apps ...string) string {
		id := write(`mutation($n:String!) { createRelease(input:{name:$n}) { id } }`, map[string]any{"n": name})
		if len(apps) > 0 {
			write(`mutation($r:ID!, $a:[ID!]!) { createChange(input:{title:"change", kind:FEATURE, risk:LOW, releaseID:$r, applicationIDs:$a}) { id } }`,
				map[string]any{"r": id, "a": apps})
		}
		return id
	}

	// Names and owners a spreadsheet would run as formulas, and a name
	// with a comma and quotes, which CSV quoting must carry.
	core := app("=HYPERLINK(\"http://evil.example\",\"x\")", "Core", "CRITICAL")
	api := app("api", "+Platform", "HIGH")
	web := app(`web, "the shop"`, "Storefront", "CRITICAL")
	minus := app("-report", "@Data", "LOW")
	tool := app("'tool", "", "MEDIUM")
	loop := app("loop", "Core", "MEDIUM")
	dep(api, core)
	dep(web, api)
	dep(minus, api)
	dep(tool, web)
	dep(loop, minus)
	dep(minus, loop) // a cycle in the scope
	rel := release(`2027.01 "Core" / rebuild`, core)
	empty := release("2027.02 nothing")

	// Without a token, or with a wrong one: 401 as for /graphql; also for a
	// request that says it upgrades to a WebSocket (only /graphql's
	// WebSocket transport authenticates later, in connection_init).
	for _, h := range []map[string]string{nil, bearer("rg_wrong"), {"Upgrade": "websocket", "Connection": "Upgrade"}} {
		res := s.getCSV(t, "/releases/"+rel+"/regression.csv", h)
		if res.Status != http.StatusUnauthorized || !strings.Contains(string(res.Body), "UNAUTHENTICATED") || res.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("headers %v: %d %s", h, res.Status, res.Body)
		}
		if strings.Contains(string(res.Body), "api") {
			t.Errorf("headers %v: the refusal shows data: %s", h, res.Body)
		}
	}

	// A reader downloads it (and so does an editor); it is the GraphQL
	// answer, cell for cell.
	rows := s.checkCSV(t, rel, bearer(reader))
	s.checkCSV(t, rel, bearer(editor))
	if len(rows) != 6 {
		t.Fatalf("rows %q, want the header and five applications", rows)
	}
	// Spelled out: teams by name ("+Platform" < "@Data" < "Core" < "Storefront"
	// bytewise), the unowned last; each dangerous cell with its apostrophe.
	want := [][]string{
		{"'+Platform", "api", "HIGH", "1", `'=HYPERLINK("http://evil.example","x") -> api`, `api depends on =HYPERLINK("http://evil.example","x") (changed)`},
		{"'@Data", "'-report", "LOW", "2", `'=HYPERLINK("http://evil.example","x") -> api -> -report`, `'-report depends on api, which depends on =HYPERLINK("http://evil.example","x") (changed)`},
		{"Core", "loop", "MEDIUM", "3", `'=HYPERLINK("http://evil.example","x") -> api -> -report -> loop`, `loop depends on -report, which depends on api, which depends on =HYPERLINK("http://evil.example","x") (changed)`},
		{"Storefront", `web, "the shop"`, "CRITICAL", "2", `'=HYPERLINK("http://evil.example","x") -> api -> web, "the shop"`, `web, "the shop" depends on api, which depends on =HYPERLINK("http://evil.example","x") (changed)`},
		{"", "''tool", "MEDIUM", "3", `'=HYPERLINK("http://evil.example","x") -> api -> web, "the shop" -> 'tool`, `''tool depends on web, "the shop", which depends on api, which depends on =HYPERLINK("http://evil.example","x") (changed)`},
	}
	if !slices.EqualFunc(rows[1:], want, slices.Equal) {
		t.Errorf("rows\n%q\nwant\n%q", rows[1:], want)
	}
	res := s.getCSV(t, "/releases/"+rel+"/regression.csv", bearer(reader))
	if _, params, _ := mime.ParseMediaType(res.Header.Get("Content-Disposition")); params["filename"] != "2027.01-Core-rebuild-regression.csv" {
		t.Errorf("Content-Disposition %q", res.Header.Get("Content-Disposition"))
	}

	// A release without changes: the header alone.
	if rows := s.checkCSV(t, empty, bearer(reader)); len(rows) != 1 {
		t.Errorf("empty release: %q", rows)
	}

	// Refusals, in plain text.
	for _, tc := range []struct {
		id     string
		status int
	}{
		{"999999999", http.StatusNotFound},
		{core, http.StatusNotFound}, // an application's id
		{"abc", http.StatusBadRequest},
		{"0", http.StatusBadRequest},
		{"-1", http.StatusBadRequest},
		{"12.5", http.StatusBadRequest},
		{"99999999999999999999999", http.StatusBadRequest},
	} {
		res := s.getCSV(t, "/releases/"+tc.id+"/regression.csv", bearer(reader))
		if res.Status != tc.status || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") || len(res.Body) == 0 || len(res.Body) > 200 {
			t.Errorf("id %s: %d %q %q, want %d with a line of text", tc.id, res.Status, res.Header.Get("Content-Type"), res.Body, tc.status)
		}
	}
	if res := s.getCSV(t, "/releases/abc/regression.csv", nil); res.Status != http.StatusUnauthorized {
		t.Errorf("a malformed id without a token: %d, want 401 before anything else", res.Status)
	}
	// It is read, not written to.
	status, _ := s.postEmpty(t, "/releases/"+rel+"/regression.csv", bearer(reader))
	if status != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", status)
	}
}

// postEmpty sends an empty POST to path and returns the status.
func (s *testServer) postEmpty(t *testing.T, path string, headers map[string]string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, body
}

// TestRegressionCSVDemo checks the CSV of every demo release against
// GraphQL, with authentication off (every caller may read), as the README's
// example downloads it.
func TestRegressionCSVDemo(t *testing.T) {
	s := newTestServer(t)
	if err := demo.Load(context.Background(), s.DB.Client); err != nil {
		t.Fatal(err)
	}
	var releases struct {
		Releases struct {
			Edges []struct{ Node struct{ ID, Name string } }
		}
	}
	s.ok(t, `{ releases(first: 100) { edges { node { id name } } } }`, nil, &releases)
	if len(releases.Releases.Edges) == 0 {
		t.Fatal("the demo has no releases")
	}
	for _, e := range releases.Releases.Edges {
		rows := s.checkCSV(t, e.Node.ID, nil)
		if e.Node.Name == "2026.12 Payments hardening" && len(rows) < 2 {
			t.Errorf("%s: no application to test", e.Node.Name)
		}
	}
}
