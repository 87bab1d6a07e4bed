package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestApolloLoadMore runs a stock Apollo Client "load more" (clients/apollo:
// relayStylePagination, pageInfo only, fetch until hasNextPage is false)
// against the real binary on a fresh demo database: it must stop at the last
// page, having seen a new cursor on each. CI installs the client's npm
// packages; without them (or node) the test is skipped.
func TestApolloLoadMore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs Node.js against it")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	if _, err := os.Stat("clients/apollo/node_modules/@apollo/client"); err != nil {
		t.Skip("clients/apollo's packages are not installed: (cd clients/apollo && npm ci)")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "relgraph")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	url, _ := startReadmeServer(t, bin, dir, []string{"--demo", "--db", filepath.Join(dir, "apollo.db"), "--addr", "127.0.0.1:0"})

	res, err := http.Post(url+"/graphql", "application/json", strings.NewReader(`{"query":"{ applications { totalCount } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	var count struct {
		Data struct{ Applications struct{ TotalCount int } }
	}
	err = json.NewDecoder(res.Body).Decode(&count)
	res.Body.Close()
	if err != nil || count.Data.Applications.TotalCount == 0 {
		t.Fatalf("counting the demo's applications: %v %+v", err, count)
	}
	for _, size := range []int{7, 10, 30, 50} {
		cmd := exec.Command(node, "loadmore.mjs", url+"/graphql", strconv.Itoa(size))
		cmd.Dir = "clients/apollo"
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("Apollo load more by %d: %v\n%s", size, err, out)
		}
		var got struct{ Pages, Cursors int }
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("Apollo load more by %d printed %s", size, out)
		}
		want := (count.Data.Applications.TotalCount + size - 1) / size
		if got.Pages != want || got.Cursors != want {
			t.Errorf("Apollo loaded %d applications by %d in %d pages with %d distinct end cursors, want %d pages", count.Data.Applications.TotalCount, size, got.Pages, got.Cursors, want)
		}
	}
}
