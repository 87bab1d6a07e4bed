package graphpage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/relgraph/relgraph/internal/auth"
	"github.com/relgraph/relgraph/internal/demo"
	"github.com/relgraph/relgraph/internal/httpapi"
	"github.com/relgraph/relgraph/internal/testdb"
	"github.com/relgraph/relgraph/internal/viewer"
)

var screenshot = flag.String("screenshot", "",
	`write a PNG of the /graph page of the demo's "2026.12 Checkout revamp" release to this file (e.g. ../../docs/graph.png)`)

// demoRelease is the demo release the test draws: it conflicts with
// "2026.12 Payments hardening".
const demoRelease = "2026.12 Checkout revamp"

// chromiumPath returns the Chromium binary to drive, or skips t.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("RELGRAPH_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium binary: install Debian's chromium package (.ci/run does) or set RELGRAPH_CHROMIUM to run the browser test of /graph")
	return ""
}

// site is the real HTTP handler over a database with the demo portfolio.
type site struct {
	*httptest.Server
	token string // an API token, if authentication is required
}

func newSite(t *testing.T, authRequired bool) *site {
	t.Helper()
	ctx := context.Background()
	db := testdb.Open(t)
	if err := demo.Load(ctx, db.Client); err != nil {
		t.Fatal(err)
	}
	s := &site{}
	if authRequired {
		_, secret, err := auth.Create(ctx, db.Client, "graph-page-test", viewer.ViewerRole)
		if err != nil {
			t.Fatal(err)
		}
		s.token = secret
	}
	s.Server = httptest.NewServer(httpapi.New(httpapi.Config{
		DB:           db,
		Logger:       slog.New(slog.DiscardHandler),
		AuthRequired: authRequired,
	}))
	t.Cleanup(s.Close)
	return s
}

// query runs a GraphQL query as an API client would, and decodes its data.
func (s *site) query(t *testing.T, q string, vars map[string]any, data any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct{ Message string }
	}
	if err := json.Unmarshal(raw, &out); err != nil || len(out.Errors) > 0 {
		t.Fatalf("query failed (%d): %s", res.StatusCode, raw)
	}
	if err := json.Unmarshal(out.Data, data); err != nil {
		t.Fatal(err)
	}
}

func (s *site) releaseID(t *testing.T, name string) string {
	t.Helper()
	var data struct {
		Releases struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	s.query(t, `query($n: String!) { releases(where: {name: $n}) { edges { node { id } } } }`, map[string]any{"n": name}, &data)
	if len(data.Releases.Edges) != 1 {
		t.Fatalf("no release %q", name)
	}
	return data.Releases.Edges[0].Node.ID
}

// app is an application as the API names it.
type app struct{ ID, Name string }

// truth is what the API says the page must show for a release.
type truth struct {
	Node struct {
		Impact struct {
			Changed  []app
			Shared   []app
			Impacted []struct {
				Distance    int
				Application struct {
					ID, Name  string
					DependsOn []app
				}
				Path []app
			}
		}
		Conflicts []struct {
			Releases           []app
			SharedApplications []app
		}
	}
}

func (s *site) truth(t *testing.T, id string) truth {
	t.Helper()
	var tr truth
	s.query(t, `query($id: ID!) { node(id: $id) { ... on Release {
		impact { changed { id name } shared { id name }
			impacted { distance application { id name dependsOn { id name } } path { id name } } }
		conflicts { releases { id name } sharedApplications { id name } } } } }`, map[string]any{"id": id}, &tr)
	return tr
}

// rendered is what the page drew, read from its DOM.
type rendered struct {
	State string
	Nodes []struct {
		ID, Name string
		Distance int
		Classes  []string
		Box      struct{ Left, Top, Right, Bottom float64 }
	}
	Edges     [][2]string // consumer, provider
	Conflicts []app
	Error     string
	Status    string
	TokenForm bool
	Path      []string // the path shown for the selected application
	OnPath    []string // ids of the applications marked on the path
	Selected  []string
	Focused   []string // ids of the applications a shown conflict marks
	CSP       []string // Content-Security-Policy violations
	Releases  int      // options of the release picker
}

const readPage = `(() => {
	const q = s => Array.from(document.querySelectorAll(s));
	const err = document.getElementById('error');
	return {
		state: document.body.dataset.state,
		nodes: q('#graph g.node').map(g => {
			const r = g.getBoundingClientRect();
			return {id: g.dataset.id, name: g.dataset.name, distance: Number(g.dataset.distance),
				classes: g.getAttribute('class').split(' '),
				box: {left: r.left, top: r.top, right: r.right, bottom: r.bottom}};
		}),
		edges: q('#graph path.edge').map(p => [p.dataset.consumer, p.dataset.provider]),
		conflicts: q('.conflict-item').map(li => ({id: li.dataset.releaseId, name: li.dataset.releaseName})),
		error: err.hidden ? '' : err.textContent,
		status: (st => st && !st.hidden ? st.textContent : '')(document.getElementById('status')),
		tokenForm: !document.getElementById('token-form').hidden,
		path: q('#path button').map(b => b.textContent),
		onPath: q('#graph g.node.on-path').map(g => g.dataset.id),
		selected: q('#graph g.node.selected').map(g => g.dataset.id),
		focused: q('#graph g.node.hl').map(g => g.dataset.id),
		csp: window.__csp || [],
		releases: document.getElementById('release').options.length,
	};
})()`

// browser is one headless Chromium for a test, with what its pages wrote
// to the console.
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.WindowSize(1400, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{ctx: ctx}
	// Record every Content-Security-Policy violation the page meets.
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener('securitypolicyviolation',
			e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`,
	}); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.messages = append(b.messages, m)
			b.mu.Unlock()
		}
	}()
	return b
}

// open loads u and waits until the page has drawn its graph or given up.
func (b *browser) open(t *testing.T, u string) rendered {
	t.Helper()
	b.do(t, chromedp.Navigate(u))
	return b.settle(t)
}

// settle waits until the page leaves its loading state, and reads it.
func (b *browser) settle(t *testing.T) rendered {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[string](`document.body && document.body.dataset.state !== 'loading' && document.body.dataset.state`)); err != nil {
		t.Fatalf("waiting for the page: %v", err)
	}
	return b.read(t)
}

func (b *browser) read(t *testing.T) rendered {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	r, err := chromedp.Run(ctx, chromedp.Evaluate[rendered](readPage))
	if err != nil {
		t.Fatalf("reading the page: %v", err)
	}
	return r
}

func (b *browser) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// checkConsole fails t on any exception or error the pages wrote to the
// console, except failed requests (an expected 401 is one).
func (b *browser) checkConsole(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.messages {
		if (m.Type == chromedp.ConsoleError && m.Source != "network") || m.IsException() {
			t.Errorf("console: %s (%s:%d)", m, m.URL, m.Line)
		}
	}
}

func ids(apps []app) []string {
	var out []string
	for _, a := range apps {
		out = append(out, a.ID)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func withClass(r rendered, class string) []string {
	var out []string
	for _, n := range r.Nodes {
		if slices.Contains(n.Classes, class) {
			out = append(out, n.ID)
		}
	}
	slices.Sort(out)
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestBrowser drives the /graph page in headless Chromium against the real
// handler over the demo portfolio, and checks what it draws against what
// the GraphQL API answers.
func TestBrowser(t *testing.T) {
	b := newBrowser(t)
	s := newSite(t, false)
	id := s.releaseID(t, demoRelease)
	tr := s.truth(t, id)

	t.Run("release graph", func(t *testing.T) {
		r := b.open(t, s.URL+"/graph?release="+id)
		if r.State != "ready" {
			t.Fatalf("state %q, error %q", r.State, r.Error)
		}
		if *screenshot != "" {
			b.do(t, chromedp.EmulateViewport(1400, 820), chromedp.Reload(), chromedp.Poll[chromedp.Void](`document.body.dataset.state === 'ready'`))
			png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(*screenshot, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", *screenshot)
		}

		// The nodes are the impacted applications, with their distances.
		want := map[string]string{}
		wantDistance := map[string]int{}
		var wantEdges []string
		for _, ia := range tr.Node.Impact.Impacted {
			want[ia.Application.ID] = ia.Application.Name
			wantDistance[ia.Application.ID] = ia.Distance
		}
		for _, ia := range tr.Node.Impact.Impacted {
			for _, p := range ia.Application.DependsOn {
				if _, ok := want[p.ID]; ok {
					wantEdges = append(wantEdges, ia.Application.ID+"->"+p.ID)
				}
			}
		}
		got := map[string]string{}
		for _, n := range r.Nodes {
			got[n.ID] = n.Name
			if n.Distance != wantDistance[n.ID] {
				t.Errorf("%s drawn at distance %d, want %d", n.Name, n.Distance, wantDistance[n.ID])
			}
		}
		if len(r.Nodes) != len(want) || !maps.Equal(got, want) {
			t.Errorf("drew %d applications %v, want %d: %v", len(r.Nodes), got, len(want), want)
		}
		var gotEdges []string
		for _, e := range r.Edges {
			gotEdges = append(gotEdges, e[0]+"->"+e[1])
		}
		if !slices.Equal(sorted(gotEdges), sorted(wantEdges)) {
			t.Errorf("drew dependencies %v, want %v", sorted(gotEdges), sorted(wantEdges))
		}

		// Changed, impacted, shared and conflicting applications are marked.
		changed := ids(tr.Node.Impact.Changed)
		if got := withClass(r, "changed"); !slices.Equal(got, changed) {
			t.Errorf("marked changed: %v, want %v", got, changed)
		}
		if got := len(withClass(r, "impacted")); got != len(want)-len(changed) {
			t.Errorf("marked %d impacted, want %d", got, len(want)-len(changed))
		}
		if got, want := withClass(r, "shared"), ids(tr.Node.Impact.Shared); !slices.Equal(got, want) {
			t.Errorf("marked shared: %v, want %v", got, want)
		}
		if len(tr.Node.Conflicts) == 0 {
			t.Fatalf("%s has no conflict in the demo data any more: pick another release", demoRelease)
		}
		var both []app
		var others []app
		for _, c := range tr.Node.Conflicts {
			both = append(both, c.SharedApplications...)
			for _, rel := range c.Releases {
				if rel.ID != id {
					others = append(others, rel)
				}
			}
		}
		if got, want := withClass(r, "conflict"), ids(both); !slices.Equal(got, want) || len(got) == 0 {
			t.Errorf("marked as reached by a conflicting release: %v, want %v", got, want)
		}
		if !slices.Equal(r.Conflicts, others) {
			t.Errorf("listed conflicting releases %v, want %v", r.Conflicts, others)
		}

		// The layout: no two applications overlap, and the bands of
		// distance follow one another from the top.
		for i, a := range r.Nodes {
			for _, c := range r.Nodes[i+1:] {
				if a.Box.Left < c.Box.Right && c.Box.Left < a.Box.Right && a.Box.Top < c.Box.Bottom && c.Box.Top < a.Box.Bottom {
					t.Errorf("%s and %s overlap", a.Name, c.Name)
				}
			}
			for _, c := range r.Nodes {
				if a.Distance < c.Distance && a.Box.Bottom > c.Box.Top {
					t.Errorf("%s (distance %d) is not above %s (distance %d)", a.Name, a.Distance, c.Name, c.Distance)
				}
			}
		}

		// Clicking the farthest application shows its path from a changed one.
		far := tr.Node.Impact.Impacted[len(tr.Node.Impact.Impacted)-1]
		b.do(t, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#graph g.node[data-id="%s"]`, far.Application.ID))))
		r = b.read(t)
		var wantPath []string
		for _, a := range far.Path {
			wantPath = append(wantPath, a.Name)
		}
		if len(wantPath) < 2 || !slices.Equal(r.Path, wantPath) {
			t.Errorf("path shown for %s: %v, want %v", far.Application.Name, r.Path, wantPath)
		}
		if want := ids(far.Path); !slices.Equal(sorted(r.OnPath), want) {
			t.Errorf("marked on the path: %v, want %v", sorted(r.OnPath), want)
		}
		if !slices.Equal(r.Selected, []string{far.Application.ID}) {
			t.Errorf("selected %v, want %s", r.Selected, far.Application.ID)
		}

		// Showing a conflict marks exactly the applications both reach.
		b.do(t, chromedp.Click(chromedp.CSS(`.conflict-item .focus-button`)))
		r = b.read(t)
		if got, want := sorted(r.Focused), ids(tr.Node.Conflicts[0].SharedApplications); !slices.Equal(got, want) {
			t.Errorf("showing the conflict marks %v, want %v", got, want)
		}
		if len(r.CSP) > 0 {
			t.Errorf("Content-Security-Policy violations: %v", r.CSP)
		}
	})

	t.Run("depth", func(t *testing.T) {
		r := b.open(t, s.URL+"/graph?release="+id+"&maxDepth=1")
		if r.State != "ready" {
			t.Fatalf("state %q, error %q", r.State, r.Error)
		}
		n := 0
		for _, ia := range tr.Node.Impact.Impacted {
			if ia.Distance <= 1 {
				n++
			}
		}
		if len(r.Nodes) != n {
			t.Errorf("maxDepth=1 drew %d applications, want %d", len(r.Nodes), n)
		}
	})

	t.Run("a page at a time", func(t *testing.T) {
		// Four applications a request: the page must follow the cursors.
		r := b.open(t, s.URL+"/graph?release="+id+"&pageSize=4")
		if r.State != "ready" {
			t.Fatalf("state %q, error %q", r.State, r.Error)
		}
		var got, want []string
		for _, n := range r.Nodes {
			got = append(got, n.ID)
		}
		for _, ia := range tr.Node.Impact.Impacted {
			want = append(want, ia.Application.ID)
		}
		if len(want) <= 8 {
			t.Fatalf("%s reaches only %d applications: too few to page", demoRelease, len(want))
		}
		if !slices.Equal(sorted(got), sorted(want)) {
			t.Errorf("paged in %v, want %v", sorted(got), sorted(want))
		}
	})

	t.Run("no release chosen", func(t *testing.T) {
		r := b.open(t, s.URL+"/graph")
		if r.State != "empty" || len(r.Nodes) != 0 {
			t.Errorf("state %q with %d nodes, want empty", r.State, len(r.Nodes))
		}
		// The picker fills in asynchronously.
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		defer cancel()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById('release').options.length > 1`)); err != nil {
			t.Fatalf("the release picker stays empty: %v", err)
		}
		var all struct{ Releases struct{ TotalCount int } }
		s.query(t, `{ releases { totalCount } }`, nil, &all)
		if r := b.read(t); r.Releases != all.Releases.TotalCount+1 {
			t.Errorf("release picker has %d options, want %d releases and a prompt", r.Releases, all.Releases.TotalCount)
		}
	})

	t.Run("release without changes", func(t *testing.T) {
		var created struct{ CreateRelease struct{ ID string } }
		s.query(t, `mutation { createRelease(input: {name: "Graph page: nothing yet"}) { id } }`, nil, &created)
		r := b.open(t, s.URL+"/graph?release="+created.CreateRelease.ID)
		if r.State != "ready" || len(r.Nodes) != 0 || !strings.Contains(r.Status, "nothing to draw") {
			t.Errorf("state %q, %d nodes, status %q, error %q", r.State, len(r.Nodes), r.Status, r.Error)
		}
	})

	for _, tc := range []struct{ name, release, want string }{
		{"unknown release", "12884901999", "release not found"},
		{"not a release", "1", "not a release"},
		{"malformed id", "abc", "not a valid id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := b.open(t, s.URL+"/graph?release="+tc.release)
			if r.State != "error" || !strings.Contains(r.Error, tc.want) {
				t.Errorf("state %q, error %q; want an error saying %q", r.State, r.Error, tc.want)
			}
		})
	}

	t.Run("token required", func(t *testing.T) {
		locked := newSite(t, true)
		lockedID := locked.releaseID(t, demoRelease)
		r := b.open(t, locked.URL+"/graph?release="+lockedID)
		if r.State != "error" || !strings.Contains(r.Error, "UNAUTHENTICATED") || !r.TokenForm {
			t.Fatalf("without a token: state %q, error %q, token form open %v", r.State, r.Error, r.TokenForm)
		}
		b.do(t,
			chromedp.SendKeys(chromedp.CSS(`#token`), locked.token),
			chromedp.Click(chromedp.CSS(`#token-form button[type="submit"]`)),
		)
		r = b.settle(t)
		if r.State != "ready" || len(r.Nodes) != len(tr.Node.Impact.Impacted) {
			t.Fatalf("with a token: state %q, error %q, %d nodes", r.State, r.Error, len(r.Nodes))
		}
		// The token stays for the tab's session, not in the page's URL.
		r = b.open(t, locked.URL+"/graph?release="+lockedID)
		if r.State != "ready" {
			t.Errorf("after a reload: state %q, error %q", r.State, r.Error)
		}
	})

	b.checkConsole(t)
}
