package graphiql_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/relgraph/relgraph/internal/httpapi"
	"github.com/relgraph/relgraph/internal/testdb"
)

// TestBrowserStartTab opens GraphiQL in headless Chromium and checks that
// its editor shows relgraph's starter query, and that the page works under
// its Content-Security-Policy, loading nothing from elsewhere.
func TestBrowserStartTab(t *testing.T) {
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

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener('securitypolicyviolation',
			e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`,
	}); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	var (
		mu     sync.Mutex
		logged []chromedp.ConsoleMessage
	)
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			mu.Lock()
			logged = append(logged, m)
			mu.Unlock()
		}
	}()

	run, stop := context.WithTimeout(ctx, 60*time.Second)
	defer stop()
	if err := chromedp.Do(run, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	// GraphiQL 4's editors are CodeMirror 5 instances.
	editor, err := chromedp.Run(run, chromedp.Poll[string](
		`(e => e && e.CodeMirror && e.CodeMirror.getValue())(document.querySelector('.graphiql-query-editor .CodeMirror'))`))
	if err != nil {
		t.Fatalf("GraphiQL shows no query editor: %v", err)
	}
	res, err := srv.Client().Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	want := html.UnescapeString(string(regexp.MustCompile(`data-default-query="([^"]*)"`).FindSubmatch(body)[1]))
	if editor != want {
		t.Errorf("the editor shows\n%s\nwant the starter query\n%s", editor, want)
	}
	csp, err := chromedp.Run(run, chromedp.Evaluate[[]string](`window.__csp`))
	if err != nil || len(csp) > 0 {
		t.Errorf("Content-Security-Policy violations: %v %v", csp, err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, m := range logged {
		if m.IsException() || m.Type == chromedp.ConsoleError {
			t.Errorf("console: %s", m)
		}
	}
}
