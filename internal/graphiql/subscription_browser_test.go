package graphiql_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/relgraph/relgraph/internal/httpapi"
	"github.com/relgraph/relgraph/internal/testdb"
)

// TestBrowserSubscription runs a subscription in GraphiQL, in headless
// Chromium: over a same-origin WebSocket, under the page's
// Content-Security-Policy, the results pane shows a release transition made
// meanwhile.
func TestBrowserSubscription(t *testing.T) {
	bin := os.Getenv("RELGRAPH_CHROMIUM")
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if bin != "" {
			break
		}
		bin, _ = exec.LookPath(name)
	}
	if bin == "" {
		t.Skip("no Chromium binary: install Debian's chromium package (.ci/run does) or set RELGRAPH_CHROMIUM to run the browser test of GraphiQL")
	}
	srv := httptest.NewServer(httpapi.New(httpapi.Config{DB: testdb.Open(t), Logger: slog.New(slog.DiscardHandler)}))
	defer srv.Close()
	post := func(query string) json.RawMessage {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query})
		res, err := http.Post(srv.URL+"/graphql", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out struct{ Data json.RawMessage }
		_ = json.NewDecoder(res.Body).Decode(&out)
		return out.Data
	}
	var created struct{ CreateRelease struct{ ID string } }
	_ = json.Unmarshal(post(`mutation { createRelease(input: {name: "live"}) { id } }`), &created)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	run, stop := context.WithTimeout(ctx, 60*time.Second)
	defer stop()
	if err := chromedp.Do(run, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(run, chromedp.Poll[bool](
		`!!document.querySelector('.graphiql-query-editor .CodeMirror') && !!document.querySelector('.graphiql-execute-button')`)); err != nil {
		t.Fatalf("GraphiQL shows no query editor: %v", err)
	}
	if _, err := chromedp.Run(run, chromedp.Evaluate[bool](`(() => {
		document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(
			'subscription Board { releaseEvents { kind release { name status } } }');
		return true;
	})()`)); err != nil {
		t.Fatal(err)
	}
	// GraphiQL reads the operation's name from the editor after a pause.
	time.Sleep(time.Second)
	if _, err := chromedp.Run(run, chromedp.Evaluate[bool](`(() => {
		document.querySelector('.graphiql-execute-button').click();
		return true;
	})()`)); err != nil {
		t.Fatal(err)
	}
	// The WebSocket opens and subscribes meanwhile.
	time.Sleep(time.Second)
	// Transition until the pane shows it: the WebSocket opens meanwhile.
	deadline := time.Now().Add(20 * time.Second)
	post(`mutation { transitionRelease(id: "` + created.CreateRelease.ID + `", to: CANCELLED) { id } }`)
	for {
		pane, _ := chromedp.Run(run, chromedp.Evaluate[string](
			`(e => e && e.CodeMirror ? e.CodeMirror.getValue() : '')(document.querySelector('.graphiql-response .CodeMirror'))`))
		if strings.Contains(pane, `"TRANSITION"`) && strings.Contains(pane, `"CANCELLED"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the results pane never showed the transition; it shows:\n%s", pane)
		}
		time.Sleep(200 * time.Millisecond)
	}
	csp, err := chromedp.Run(run, chromedp.Evaluate[[]string](`window.__csp || []`))
	if err != nil || len(csp) > 0 {
		t.Errorf("Content-Security-Policy violations: %v %v", csp, err)
	}
}
