package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readmeNotExamples are the README sections whose sh blocks build, test or
// develop relgraph instead of calling a running server: they are not run.
var readmeNotExamples = map[string]bool{"Quick start": true, "Development": true}

// readmeServers are the servers the README's examples address, with the
// flags the test adds to the quick start's to play them: the quick start's
// own on loopback (authentication off), and a server others can reach,
// which needs tokens. A section's examples address one of them; a section
// of GraphiQL queries alone, the first.
var readmeServers = []struct {
	url  string
	args []string
}{
	{"http://127.0.0.1:8080", nil},
	{"http://server:8080", []string{"--auth", "required"}},
}

// TestReadmeExamples runs every example of README.md against the real
// binary, so that the README cannot drift from what relgraph does.
//
// Each section (a ## or ### heading) that has examples gets a fresh demo
// database and its own server, started as the quick start's `go run .`
// line says, on a free loopback port (as readmeServers says: requiring
// tokens if the section addresses http://server:8080). Its sh blocks run in
// order in one bash session (so that functions such as gql() carry over),
// with the server's address put in for the one they address, in the
// section's directory (where `relgraph` is the binary and relgraph.db its
// database); its graphql blocks, the queries for GraphiQL, are posted to
// /graphql in the same order. Then:
//
//   - every HTTP response of a block has status 200 and is JSON;
//   - a ```json block right after a block is its expected output: the JSON
//     values it printed, one per response, must equal those shown (as
//     values: white space and key order do not matter);
//   - a block without one must answer data and no errors;
//   - a graphql block without one makes claims in the paragraph after it:
//     every demo application, release or environment named there in
//     backticks must be in the answer, and each path written `a → b → c`
//     must be one of its paths.
//
// The sections in readmeNotExamples are not run.
func TestReadmeExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the README's examples against it")
	}
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the README's examples are run with bash and curl, and %s is not installed: %v", tool, err)
		}
	}
	text, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	sections := parseReadme(string(text))
	quickStart := readmeServerArgs(t, sections)

	bin := filepath.Join(t.TempDir(), "relgraph")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	examples := 0
	for _, sec := range sections {
		if readmeNotExamples[sec.title] || len(sec.blocks) == 0 {
			continue
		}
		examples += len(sec.blocks)
		t.Run(sec.title, func(t *testing.T) {
			t.Parallel()
			runReadmeSection(t, bin, quickStart, sec)
		})
	}
	if examples < 20 {
		t.Fatalf("only %d examples found in README.md: is the parser still reading it right?", examples)
	}
}

// readmeServerArgs returns the flags of the quick start's `go run .` line.
func readmeServerArgs(t *testing.T, sections []*readmeSection) []string {
	t.Helper()
	for _, sec := range sections {
		if sec.title != "Quick start" {
			continue
		}
		for _, b := range sec.blocks {
			for line := range strings.Lines(b.text) {
				if args, ok := strings.CutPrefix(strings.TrimSpace(line), "go run . "); ok {
					return strings.Fields(args)
				}
			}
		}
	}
	t.Fatal("README.md's Quick start has no `go run . ...` line: tell readme_test.go how the README starts the server")
	return nil
}

// readmeSection is the text under one heading of the README.
type readmeSection struct {
	title  string
	blocks []*readmeBlock // the sh and graphql blocks, in order
}

// readmeBlock is one code block to run.
type readmeBlock struct {
	lang     string // sh or graphql
	text     string // without the fence and its indentation
	line     int    // of the opening fence
	expected *readmeBlock
	prose    string // the paragraph after the block and its expected output
}

func (b *readmeBlock) String() string { return fmt.Sprintf("README.md:%d (%s)", b.line, b.lang) }

// parseReadme splits the README into sections and finds their sh and
// graphql blocks, each with the json block right after it (its expected
// output) and the paragraph after that.
func parseReadme(text string) []*readmeSection {
	lines := strings.Split(text, "\n")
	sec := &readmeSection{}
	sections := []*readmeSection{sec}
	var (
		last        *readmeBlock // the last block run, until prose or another block
		lastEnd     int          // the line of its (or its output's) closing fence
		proseFor    *readmeBlock // the block whose paragraph is being read
		inParagraph bool
	)
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		trimmed := strings.TrimLeft(line, " ")
		if fence, ok := strings.CutPrefix(trimmed, "```"); ok {
			indent := line[:len(line)-len(trimmed)]
			b := &readmeBlock{lang: strings.TrimSpace(fence), line: i + 1}
			var body strings.Builder
			for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
				body.WriteString(strings.TrimPrefix(lines[i], indent))
				body.WriteString("\n")
			}
			b.text = body.String()
			proseFor, inParagraph = nil, false
			switch {
			case b.lang == "json" && last != nil && last.expected == nil && blank(lines[lastEnd+1:b.line-1]):
				last.expected = b
			case b.lang == "sh" || b.lang == "graphql":
				sec.blocks = append(sec.blocks, b)
				last = b
			default:
				last = nil
				continue
			}
			lastEnd, proseFor = i, last
			continue
		}
		if title, ok := readmeHeading(line); ok {
			sec = &readmeSection{title: title}
			sections = append(sections, sec)
			last, proseFor = nil, nil
			continue
		}
		if proseFor == nil {
			continue
		}
		switch {
		case strings.TrimSpace(line) != "":
			proseFor.prose += line + "\n"
			inParagraph = true
		case inParagraph:
			proseFor = nil
		}
	}
	return sections
}

// readmeHeading returns the title of a Markdown heading line.
func readmeHeading(line string) (string, bool) {
	level := len(line) - len(strings.TrimLeft(line, "#"))
	if level == 0 || !strings.HasPrefix(line[level:], " ") {
		return "", false
	}
	return strings.TrimSpace(line[level:]), true
}

// blank reports whether lines are all white space.
func blank(lines []string) bool {
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			return false
		}
	}
	return true
}

// runReadmeSection runs a section's blocks against a fresh demo server and
// checks their outputs.
func runReadmeSection(t *testing.T, bin string, quickStart []string, sec *readmeSection) {
	dir := t.TempDir()
	server, addressed := readmeServers[0], ""
	var names map[string]bool // the demo's, if a paragraph's claims are checked
	for _, b := range sec.blocks {
		for _, s := range readmeServers {
			if !strings.Contains(b.text, s.url) {
				continue
			}
			if addressed != "" && addressed != s.url {
				t.Fatalf("%s addresses %s, but an earlier example of its section %s: one server per section", b, s.url, addressed)
			}
			server, addressed = s, s.url
		}
		if b.lang == "graphql" && b.expected == nil {
			names = map[string]bool{}
		}
	}
	args := append(append(append([]string{}, quickStart...), server.args...),
		"--db", filepath.Join(dir, "relgraph.db"), "--addr", "127.0.0.1:0")
	url, serverLog := startReadmeServer(t, bin, dir, args)
	if names != nil {
		names = demoNames(t, url)
	}

	// One bash session runs the section, each block's output in files of
	// its own. curl writes each response's headers to a file of its own.
	var script strings.Builder
	script.WriteString(`curl() { command curl -q -D "$(mktemp "$README_TEST_HEADERS/XXXXXX")" "$@"; }` + "\n")
	files := make([]string, len(sec.blocks))
	for i, b := range sec.blocks {
		f := filepath.Join(dir, fmt.Sprintf("block%02d", i))
		files[i] = f
		code := strings.ReplaceAll(b.text, server.url, url)
		if b.lang == "graphql" {
			body, err := json.Marshal(map[string]string{"query": b.text})
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, f+".json", body)
			code = fmt.Sprintf("curl -s %s/graphql -H 'Content-Type: application/json' --data-binary @%s\n", url, shellQuote(f+".json"))
		}
		writeFile(t, f+".sh", []byte(code))
		if err := os.Mkdir(f+".headers", 0o755); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&script, "README_TEST_HEADERS=%s\nsource %s >%s 2>%s </dev/null\necho $? >%s\n",
			shellQuote(f+".headers"), shellQuote(f+".sh"), shellQuote(f+".out"), shellQuote(f+".err"), shellQuote(f+".rc"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc")
	cmd.Dir = dir
	cmd.Env = readmeEnv(filepath.Dir(bin))
	cmd.Stdin = strings.NewReader(script.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}

	for i, b := range sec.blocks {
		if !checkReadmeBlock(t, b, files[i], names) {
			t.Logf("server log:\n%s", readFile(t, serverLog))
			return // later blocks depend on this one
		}
	}
}

// checkReadmeBlock checks one block's run; it reports whether it passed.
func checkReadmeBlock(t *testing.T, b *readmeBlock, files string, names map[string]bool) bool {
	t.Helper()
	out, stderr := readFile(t, files+".out"), readFile(t, files+".err")
	fail := func(format string, args ...any) bool {
		t.Errorf("%s: %s\n--- stdout:\n%s--- stderr:\n%s", b, fmt.Sprintf(format, args...), out, stderr)
		return false
	}
	if rc := strings.TrimSpace(readFile(t, files+".rc")); rc != "0" {
		return fail("exit status %s", rc)
	}
	statuses, err := curlStatuses(files + ".headers")
	if err != nil {
		return fail("%v", err)
	}
	for _, s := range statuses {
		if s != http.StatusOK {
			return fail("HTTP statuses %v, want 200", statuses)
		}
	}
	got, err := jsonValues([]byte(out), true)
	if err != nil {
		return fail("output is not JSON: %v", err)
	}
	if len(got) != len(statuses) {
		return fail("%d JSON values printed for %d responses", len(got), len(statuses))
	}
	if b.expected != nil {
		want, err := jsonValues([]byte(b.expected.text), false)
		if err != nil {
			t.Errorf("README.md:%d: the expected output is not JSON: %v", b.expected.line, err)
			return false
		}
		if !reflect.DeepEqual(withoutRequestIDs(got), want) {
			return fail("the output differs from README.md:%d\n--- got:\n%s\n--- README shows:\n%s",
				b.expected.line, indentJSON(got), indentJSON(want))
		}
		return true
	}
	for _, v := range got {
		obj, _ := v.(map[string]any)
		if _, ok := obj["data"]; !ok || obj["errors"] != nil {
			return fail("a response has errors or no data, and the README shows no output")
		}
	}
	if b.lang == "graphql" {
		return checkReadmeClaims(t, b, got, names)
	}
	return true
}

// checkReadmeClaims checks the paragraph after a graphql block without an
// expected output against its answer: each demo name in backticks occurs in
// it, and each path written `a → b → c` is one of its paths.
func checkReadmeClaims(t *testing.T, b *readmeBlock, answer []any, names map[string]bool) bool {
	t.Helper()
	if len(answer) != 1 {
		t.Errorf("%s: %d answers", b, len(answer))
		return false
	}
	compact, err := json.Marshal(answer[0])
	if err != nil {
		t.Fatal(err)
	}
	claims := 0
	ok := true
	for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(b.prose, -1) {
		var path []string
		for part := range strings.SplitSeq(m[1], "→") {
			path = append(path, strings.TrimSpace(part))
		}
		if !allNames(path, names) {
			continue
		}
		claims++
		var fragment []byte
		if len(path) == 1 {
			fragment, _ = json.Marshal(map[string]string{"name": path[0]})
			fragment = bytes.Trim(fragment, "{}")
		} else {
			var nodes []map[string]string
			for _, name := range path {
				nodes = append(nodes, map[string]string{"name": name})
			}
			fragment, _ = json.Marshal(nodes)
		}
		if !bytes.Contains(compact, fragment) {
			t.Errorf("%s: the paragraph after it names `%s`, which is not in the answer:\n%s", b, m[1], indentJSON(answer))
			ok = false
		}
	}
	if claims == 0 {
		t.Errorf("%s: neither an expected output (```json) nor a paragraph naming demo records in backticks follows it: nothing checks what it claims", b)
		return false
	}
	return ok
}

func allNames(words []string, names map[string]bool) bool {
	for _, w := range words {
		if !names[w] {
			return false
		}
	}
	return true
}

// demoNames returns the names of the applications, releases and
// environments in the database.
func demoNames(t *testing.T, url string) map[string]bool {
	t.Helper()
	var out struct {
		Applications, Releases, Environments struct {
			Edges []struct{ Node struct{ Name string } }
		}
	}
	gqlPost(t, url, `{ applications(first: 1000) { edges { node { name } } }
		releases(first: 1000) { edges { node { name } } } environments(first: 1000) { edges { node { name } } } }`, nil, &out)
	names := map[string]bool{}
	for _, c := range [][]struct{ Node struct{ Name string } }{out.Applications.Edges, out.Releases.Edges, out.Environments.Edges} {
		for _, e := range c {
			names[e.Node.Name] = true
		}
	}
	return names
}

// jsonValues decodes the JSON values in data, one after another. With
// text, lines that do not start a JSON value (say, `relgraph token list`'s
// table) are passed over.
// withoutRequestIDs returns values, GraphQL responses, with the request and
// trace ids of their errors' extensions left out: they differ on every
// run, so the README's outputs do not show them.
func withoutRequestIDs(values []any) []any {
	for _, v := range values {
		obj, _ := v.(map[string]any)
		errs, _ := obj["errors"].([]any)
		for _, e := range errs {
			e, _ := e.(map[string]any)
			if ext, ok := e["extensions"].(map[string]any); ok {
				delete(ext, "requestId")
				delete(ext, "traceId")
			}
		}
	}
	return values
}

func jsonValues(data []byte, text bool) ([]any, error) {
	values := []any{}
	for {
		data = bytes.TrimLeft(data, " \t\r\n")
		if len(data) == 0 {
			return values, nil
		}
		if text && data[0] != '{' && data[0] != '[' {
			_, data, _ = bytes.Cut(data, []byte("\n"))
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		values = append(values, v)
		data = data[dec.InputOffset():]
	}
}

func indentJSON(values []any) string {
	var s strings.Builder
	for _, v := range values {
		b, _ := json.MarshalIndent(v, "", "  ")
		s.Write(b)
		s.WriteString("\n")
	}
	return s.String()
}

// curlStatuses returns the HTTP status of each response curl received, as
// written to the header files in dir.
func curlStatuses(dir string) ([]int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var statuses []int
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		status := 0
		for line := range strings.Lines(string(data)) {
			if strings.HasPrefix(line, "HTTP/") {
				_, _ = fmt.Sscanf(line, "%s %d", new(string), &status)
			}
		}
		if status == 0 {
			return nil, errors.New("a curl request got no response")
		}
		statuses = append(statuses, status)
	}
	return statuses, nil
}

// startReadmeServer starts the binary in dir with args, stops it when the
// test ends, and returns its URL, once it answers /healthz, and its log.
func startReadmeServer(t *testing.T, bin, dir string, args []string) (url, logFile string) {
	t.Helper()
	logFile = filepath.Join(dir, "relgraph.log")
	log, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = readmeEnv("")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		log.Close()
	})
	listening := regexp.MustCompile(`relgraph listening"? url=(http://\S+)/`)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("relgraph %s exited (%v):\n%s", strings.Join(args, " "), err, readFile(t, logFile))
		default:
		}
		if url == "" {
			if m := listening.FindStringSubmatch(readFile(t, logFile)); m != nil {
				url = m[1]
			}
			continue
		}
		if res, err := http.Get(url + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return url, logFile
			}
		}
	}
	t.Fatalf("relgraph %s did not become healthy:\n%s", strings.Join(args, " "), readFile(t, logFile))
	return "", ""
}

// readmeEnv is the environment of the server and of the examples: the
// test's, without relgraph's own settings (the command line sets them),
// without proxies for the loopback server, and with bin first in PATH.
func readmeEnv(bin string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "RELGRAPH_") || name == "PATH" || strings.EqualFold(name, "no_proxy") {
			continue
		}
		env = append(env, kv)
	}
	path := os.Getenv("PATH")
	if bin != "" {
		path = bin + string(os.PathListSeparator) + path
	}
	return append(env, "no_proxy=*", "NO_PROXY=*", "PATH="+path)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestParseReadme: blocks are found in list items too, a json block right
// after a block is its output, and the paragraph after both is its prose.
func TestParseReadme(t *testing.T) {
	const doc = "# relgraph\n\n## Walk-through\n\n```sh\ngql() { :; }\n```\n\n" +
		"1. Step:\n\n   ```sh\n   gql x\n   ```\n\n   ```json\n   {\"a\": 1}\n   ```\n\n   It names `x`\n   twice.\n\n   Not this.\n\n" +
		"```graphql\n{ q }\n```\nRight after.\n\n## Other\n\n```go\nx := 1\n```\n\n```json\n{}\n```\n"
	sections := parseReadme(doc)
	type block struct{ lang, text, expected, prose string }
	var got [][]block
	for _, sec := range sections {
		var blocks []block
		for _, b := range sec.blocks {
			bl := block{lang: b.lang, text: b.text, prose: b.prose}
			if b.expected != nil {
				bl.expected = b.expected.text
			}
			blocks = append(blocks, bl)
		}
		got = append(got, blocks)
	}
	want := [][]block{nil, nil, {
		{lang: "sh", text: "gql() { :; }\n", prose: "1. Step:\n"},
		{lang: "sh", text: "gql x\n", expected: "{\"a\": 1}\n", prose: "   It names `x`\n   twice.\n"},
		{lang: "graphql", text: "{ q }\n", prose: "Right after.\n"},
	}, nil}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	if sections[2].title != "Walk-through" || sections[3].title != "Other" {
		t.Fatalf("titles %q, %q", sections[2].title, sections[3].title)
	}
	values, err := jsonValues([]byte("NAME ROLE\n{\"a\":1}{\"b\":[2]}\nrevoked x\n[3]"), true)
	if err != nil || len(values) != 3 {
		t.Fatalf("jsonValues: %v %v", values, err)
	}
}
