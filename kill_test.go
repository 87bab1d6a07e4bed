package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // the "sqlite3" driver, for PRAGMA integrity_check

	"github.com/relgraph/relgraph/internal/testdb"
)

// TestKillLosesNoAcknowledgedWrite runs the real binary and kills it with
// SIGKILL while twenty clients create applications, several times over on
// the same database: every write acknowledged with a 200 and no errors is
// there after each restart, each application that exists has the audit
// event written in its transaction (no write is half-done), and the SQLite
// file passes PRAGMA integrity_check. On PostgreSQL (RELGRAPH_TEST_POSTGRES)
// the same, without the file check: the database server outlives the
// killed process and keeps its own files.
func TestKillLosesNoAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it against a database")
	}
	const (
		rounds  = 4
		writers = 20
	)
	dir := t.TempDir()
	bin := filepath.Join(dir, "relgraph")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dbFile := filepath.Join(dir, "relgraph.db")
	dsn := dbFile
	if testdb.Postgres() {
		dsn = testdb.New(t)
	}

	var acked []string // names of acknowledged writes, all rounds
	for round := range rounds {
		p := startRelgraph(t, bin, dsn)
		total := checkAcknowledged(t, p.url, acked)
		t.Logf("round %d: %d applications, %d of them acknowledged", round, total, len(acked))
		acked = append(acked, writeUntilKilled(t, p, round, writers)...)
	}
	if len(acked) < rounds*writers {
		t.Fatalf("only %d writes acknowledged in %d rounds: the test did not load the server", len(acked), rounds)
	}
	if !testdb.Postgres() {
		checkSQLiteIntegrity(t, dbFile)
	}
	p := startRelgraph(t, bin, dsn)
	total := checkAcknowledged(t, p.url, acked)
	// Writes in flight at a kill may have committed unacknowledged; that is
	// allowed, and shows that the kills landed mid-write.
	t.Logf("after %d kills: %d applications, %d of them acknowledged", rounds, total, len(acked))
	if err := p.stop(); err != nil {
		t.Errorf("graceful stop after the kills: %v\n%s", err, p.logs.String())
	}
}

// relgraphProcess is a running relgraph binary.
type relgraphProcess struct {
	cmd    *exec.Cmd
	logs   *syncBuffer
	url    string
	exited chan error
}

// startRelgraph starts the binary on a free loopback port (authentication is
// off there) over dsn, and waits until it listens.
func startRelgraph(t *testing.T, bin, dsn string) *relgraphProcess {
	t.Helper()
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--db", dsn)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RELGRAPH_") { // only the flags configure it
			cmd.Env = append(cmd.Env, kv)
		}
	}
	p := &relgraphProcess{cmd: cmd, logs: &syncBuffer{}, exited: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() { p.kill() })
	listening := regexp.MustCompile(`relgraph listening"? url=(http://\S+)/`)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := listening.FindStringSubmatch(p.logs.String()); m != nil {
			p.url = m[1]
			return p
		}
		select {
		case err := <-p.exited:
			p.exited <- err
			t.Fatalf("relgraph exited before listening (%v):\n%s", err, p.logs.String())
		default:
		}
	}
	t.Fatalf("relgraph did not start listening:\n%s", p.logs.String())
	return nil
}

// kill sends SIGKILL, unless the process has exited, and waits for it.
func (p *relgraphProcess) kill() {
	select {
	case err := <-p.exited:
		p.exited <- err
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	p.exited <- <-p.exited
}

// stop sends SIGTERM and waits for a clean exit.
func (p *relgraphProcess) stop() error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case err := <-p.exited:
		p.exited <- err
		return err
	case <-time.After(30 * time.Second):
		return errors.New("no exit 30s after SIGTERM")
	}
}

// writeUntilKilled runs writers concurrent clients, each creating
// applications with names of its own, and kills the server with SIGKILL
// after a random number of acknowledged writes, while the clients keep
// writing. It returns the names whose creation was acknowledged: status
// 200, no errors, and the application in the response.
func writeUntilKilled(t *testing.T, p *relgraphProcess, round, writers int) []string {
	t.Helper()
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: writers}}
	defer client.CloseIdleConnections()
	var (
		mu     sync.Mutex
		acked  []string
		enough = make(chan struct{})
		target = 50 + rand.IntN(150)
		wg     sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for w := range writers {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				name := fmt.Sprintf("kill-%d-%02d-%05d", round, w, n)
				ok, err := ackCreate(ctx, client, p.url, name)
				if err != nil {
					return // the server is gone
				}
				if !ok {
					continue
				}
				mu.Lock()
				acked = append(acked, name)
				if len(acked) == target {
					close(enough)
				}
				mu.Unlock()
			}
		})
	}
	select {
	case <-enough:
	case <-time.After(20 * time.Second):
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		t.Fatalf("round %d: only %d of %d writes acknowledged after 20s:\n%.4000s", round, n, target, p.logs.String())
	}
	p.kill() // the writers are still sending
	cancel()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return acked
}

// ackCreate sends createApplication for name and reports whether
// the write was acknowledged; err is a transport failure.
func ackCreate(ctx context.Context, client *http.Client, url, name string) (ok bool, err error) {
	body, err := json.Marshal(map[string]any{
		"query":     `mutation($n: String!) { createApplication(input: {name: $n, owner: "kill test"}) { id name } }`,
		"variables": map[string]any{"n": name},
	})
	if err != nil {
		return false, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Actor", "kill-test")
	res, err := client.Do(req)
	if err != nil {
		return false, err
	}
	defer res.Body.Close()
	var out struct {
		Data struct {
			CreateApplication *struct{ ID, Name string } `json:"createApplication"`
		} `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return false, err // cut off mid-response
	}
	created := out.Data.CreateApplication
	return res.StatusCode == http.StatusOK && len(out.Errors) == 0 && created != nil && created.ID != "" && created.Name == name, nil
}

// checkAcknowledged fails the test unless every name in acked is an
// application, and unless each application has its CREATE audit event. It
// returns the number of applications.
func checkAcknowledged(t *testing.T, url string, acked []string) int {
	t.Helper()
	const batch = 1000 // the most values one filter takes
	found := map[string]bool{}
	for names := range slices.Chunk(acked, batch) {
		var out struct {
			Applications struct {
				Edges []struct{ Node struct{ Name string } }
			}
		}
		gqlPost(t, url, `query($n: [String!]) { applications(where: {nameIn: $n}, first: 1000) { edges { node { name } } } }`,
			map[string]any{"n": names}, &out)
		for _, e := range out.Applications.Edges {
			found[e.Node.Name] = true
		}
	}
	var missing []string
	for _, name := range acked {
		if !found[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d of %d acknowledged writes lost, e.g. %q", len(missing), len(acked), missing[:min(5, len(missing))])
	}
	var counts struct {
		Applications struct{ TotalCount int }
		AuditEvents  struct{ TotalCount int }
	}
	gqlPost(t, url, `{ applications { totalCount } auditEvents(where: {entityType: "Application", action: CREATE}) { totalCount } }`, nil, &counts)
	if counts.Applications.TotalCount != counts.AuditEvents.TotalCount {
		t.Fatalf("%d applications but %d audit events of their creation: a write was half-done",
			counts.Applications.TotalCount, counts.AuditEvents.TotalCount)
	}
	if counts.Applications.TotalCount < len(acked) {
		t.Fatalf("%d applications, fewer than the %d acknowledged", counts.Applications.TotalCount, len(acked))
	}
	return counts.Applications.TotalCount
}

// gqlPost runs a GraphQL request that must succeed and decodes its data into v.
func gqlPost(t *testing.T, url, q string, vars map[string]any, v any) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": q, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Post(url+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Data   json.RawMessage
		Errors []json.RawMessage
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || len(out.Errors) > 0 {
		t.Fatalf("status %d, errors %s", res.StatusCode, out.Errors)
	}
	if err := json.Unmarshal(out.Data, v); err != nil {
		t.Fatal(err)
	}
}

// checkSQLiteIntegrity opens the SQLite file as any program would after the
// crash (replaying its write-ahead log) and runs SQLite's own consistency
// checks on it.
func checkSQLiteIntegrity(t *testing.T, file string) {
	t.Helper()
	db, err := sql.Open("sqlite3", file)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var problems []string
	rows, err := db.Query("PRAGMA integrity_check")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		problems = append(problems, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if len(problems) != 1 || problems[0] != "ok" {
		t.Fatalf("PRAGMA integrity_check after SIGKILL: %q", problems)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM pragma_foreign_key_check").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("PRAGMA foreign_key_check after SIGKILL: %d violations", n)
	}
}
