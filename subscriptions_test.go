package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/relgraph/relgraph/internal/subclient"
	"github.com/relgraph/relgraph/internal/testdb"
)

// TestSubscribersSeeOtherProcessesWrites: a `relgraph import` run as a
// process of its own against the server's database reaches the server's
// portfolioEvents subscribers within a couple of seconds, each event once
// (SQLite: the server tails the audit trail; PostgreSQL: the import sends
// NOTIFY in its transaction); a refused import sends nothing; and a write
// through the server's API arrives once.
func TestSubscribersSeeOtherProcessesWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it beside a server")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "relgraph")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	files := []string{"internal/catalog/testdata/backstage/catalog-info.yaml", "internal/catalog/testdata/backstage/orders.yaml", "internal/catalog/testdata/backstage/payments.yaml"}
	for i, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			t.Fatal(err)
		}
		files[i] = abs
	}
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, []byte("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: new-one\nspec:\n  dependsOn: [component:nowhere]\n"))

	dbs := map[string]string{"sqlite": filepath.Join(dir, "relgraph.db")}
	if testdb.Postgres() {
		dbs["postgres"] = testdb.New(t)
	}
	for name, dsn := range dbs {
		t.Run(name, func(t *testing.T) {
			url, logs := startServer(t, "--db", dsn, "--addr", "127.0.0.1:0")
			defer func() {
				if t.Failed() {
					t.Logf("server log:\n%s", logs.String())
				}
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			sse, err := subclient.SSE(ctx, url+"/graphql", nil, `subscription { portfolioEvents { kind actor entityType entity { id } } }`, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer sse.Close()
			type event struct {
				Kind, Actor, EntityType string
				Entity                  *struct{ ID string }
			}
			received := make(chan event, 100)
			go func() {
				defer close(received)
				for {
					raw, err := sse.Next()
					if err != nil {
						return
					}
					var p struct {
						Data struct{ PortfolioEvents event }
					}
					_ = json.Unmarshal(raw, &p)
					received <- p.Data.PortfolioEvents
				}
			}()
			// The subscription is open once the server answered; give it
			// a moment all the same.
			time.Sleep(200 * time.Millisecond)
			quiet := func(wait time.Duration) {
				t.Helper()
				select {
				case e := <-received:
					t.Fatalf("unexpected event %+v", e)
				case <-time.After(wait):
				}
			}

			relgraph := func(args ...string) (string, error) {
				cmd := exec.Command(bin, append([]string{"--db", dsn}, args...)...)
				cmd.Dir = dir
				cmd.Env = readmeEnv("")
				out, err := cmd.CombinedOutput()
				return string(out), err
			}
			if out, err := relgraph(append([]string{"import", "backstage"}, append(files, bad)...)...); err == nil {
				t.Fatalf("the bad import was not refused:\n%s", out)
			}
			quiet(time.Second)

			out, err := relgraph(append([]string{"import", "backstage"}, files...)...)
			if err != nil {
				t.Fatalf("import: %v\n%s", err, out)
			}
			imported := time.Now()
			_, body := post(t, url, "", `{ auditEvents(where: {actor: "relgraph import"}) { totalCount } }`)
			m := regexp.MustCompile(`"totalCount":(\d+)`).FindStringSubmatch(body)
			if m == nil || m[1] == "0" {
				t.Fatalf("audit events of the import: %s", body)
			}
			var want int
			_ = json.Unmarshal([]byte(m[1]), &want)
			seen := map[string]bool{}
			for len(seen) < want {
				select {
				case e := <-received:
					if e.Actor != "relgraph import" || e.Kind != "CREATE" || e.Entity == nil || seen[e.Entity.ID] {
						t.Fatalf("after %d events: unexpected %+v", len(seen), e)
					}
					seen[e.Entity.ID] = true
				case <-time.After(2*time.Second - time.Since(imported)):
					t.Fatalf("%d of the import's %d events reached the subscriber within 2s", len(seen), want)
				}
			}
			quiet(time.Second)

			// A write through the API: once.
			if status, body := post(t, url, "", `mutation { createRelease(input: {name: "board"}) { id } }`); status != 200 || strings.Contains(body, "errors") {
				t.Fatalf("createRelease: %d %s", status, body)
			}
			select {
			case e := <-received:
				if e.Kind != "CREATE" || e.EntityType != "Release" {
					t.Fatalf("got %+v", e)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("the API write did not reach the subscriber")
			}
			quiet(time.Second)
		})
	}
}
