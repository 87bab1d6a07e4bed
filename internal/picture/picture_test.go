package picture

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// entityCode matches a Mermaid entity code such as #34;.
var entityCode = regexp.MustCompile(`#(\d+);`)

// checkoutRevamp is the impact of the demo's "2026.12 Checkout revamp"
// release (ids as on a fresh demo database), with the dependencies between
// its applications, in no particular order.
func checkoutRevamp() Graph {
	d := func(n int) *int { return &n }
	return Graph{
		Nodes: []Node{
			{ID: "1", Label: "api-gateway", Distance: d(1), Shared: true},
			{ID: "17", Label: "checkout-service", Distance: d(0), Changed: true, Shared: true},
			{ID: "7", Label: "config-service", Distance: d(0), Changed: true, Shared: true},
			{ID: "12", Label: "mobile-app-backend", Distance: d(0), Changed: true},
			{ID: "4", Label: "payments-gateway", Distance: d(0), Changed: true},
			{ID: "16", Label: "pricing-engine", Distance: d(0), Changed: true},
			{ID: "11", Label: "web-storefront", Distance: d(0), Changed: true},
			{ID: "13", Label: "partner-api", Distance: d(2)},
			{ID: "14", Label: "admin-console", Distance: d(2)},
		},
		Edges: []Edge{
			{Consumer: "17", Provider: "4"},
			{Consumer: "17", Provider: "16"},
			{Consumer: "4", Provider: "7"},
			{Consumer: "12", Provider: "17"},
			{Consumer: "11", Provider: "17"},
			{Consumer: "1", Provider: "7"},
			{Consumer: "13", Provider: "1"},
			{Consumer: "14", Provider: "1"},
			{Consumer: "11", Provider: "17"}, // repeated: drawn once
		},
	}
}

// awkward has labels and IDs with every character either format treats
// specially.
func awkward() Graph {
	zero := 0
	return Graph{
		Nodes: []Node{
			{ID: "a", Label: `say "hi" \N \n`, Distance: &zero, Changed: true},
			{ID: `b"\`, Label: "two\nlines\r\nand\rmore\u2028end\ttab\x00nul"},
			{ID: "c-d", Label: "<b>bold</b> & #35; `code` 100%"},
			{ID: "end", Label: "%%{init: {'theme':'dark'}}%%"},
			{ID: "o1", Label: "style: fill:#f00; [x] (y) {z} |w| a-->b"},
			{ID: "e", Shared: true},
		},
		Edges: []Edge{
			{Consumer: `b"\`, Provider: "a"},
			{Consumer: "c-d", Provider: `b"\`},
			{Consumer: "end", Provider: "o1"},
			{Consumer: "o1", Provider: "e"},
			{Consumer: "e", Provider: "e"},
		},
	}
}

func TestRenderGolden(t *testing.T) {
	graphs := map[string]Graph{
		"checkout-revamp": checkoutRevamp(),
		"awkward":         awkward(),
		"empty":           {},
	}
	ext := map[Format]string{DOT: ".dot", Mermaid: ".mmd"}
	for name, g := range graphs {
		for _, f := range Formats {
			t.Run(name+ext[f], func(t *testing.T) {
				got, err := Render(f, g)
				if err != nil {
					t.Fatal(err)
				}
				golden := filepath.Join("testdata", name+ext[f])
				if *update {
					if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("Render(%s) differs from %s (go test -update rewrites it):\n%s", f, golden, got)
				}
			})
		}
	}
}

// TestRenderDeterministic renders the same graph with its nodes and edges
// in many orders; the output must not change.
func TestRenderDeterministic(t *testing.T) {
	g := checkoutRevamp()
	for _, f := range Formats {
		want, err := Render(f, g)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 20 {
			h := Graph{Nodes: slices.Clone(g.Nodes), Edges: slices.Clone(g.Edges)}
			rotate(h.Nodes, i)
			rotate(h.Edges, 3*i)
			slices.Reverse(h.Edges[:i%len(h.Edges)])
			if got, _ := Render(f, h); got != want {
				t.Fatalf("%s: order %d renders differently:\n%s\nwant:\n%s", f, i, got, want)
			}
		}
	}
}

func rotate[T any](s []T, k int) {
	k %= len(s)
	slices.Reverse(s[:k])
	slices.Reverse(s[k:])
	slices.Reverse(s)
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		g      Graph
		want   string
	}{
		{"unknown format", "SVG", Graph{}, `unknown format "SVG"`},
		{"lower-case format", "dot", Graph{}, `unknown format "dot"`},
		{"empty ID", DOT, Graph{Nodes: []Node{{ID: "1"}, {Label: "x"}}}, "node 1 has an empty ID"},
		{"repeated ID", Mermaid, Graph{Nodes: []Node{{ID: "1", Label: "a"}, {ID: "1", Label: "b"}}}, `node ID "1" is repeated`},
		{"unknown consumer", DOT, Graph{Nodes: []Node{{ID: "1"}}, Edges: []Edge{{Consumer: "2", Provider: "1"}}}, `no node "2"`},
		{"unknown provider", Mermaid, Graph{Nodes: []Node{{ID: "1"}}, Edges: []Edge{{Consumer: "1", Provider: "3"}}}, `no node "3"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Render(tt.format, tt.g)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Render: error %v, want one containing %q", err, tt.want)
			}
			if out != "" {
				t.Errorf("Render failed but returned %q", out)
			}
		})
	}
}

// TestDOTStrings parses every quoted string of the DOT output back as a
// DOT parser and Graphviz's label code would, and checks that it is the
// text that went in.
func TestDOTStrings(t *testing.T) {
	for _, s := range []string{
		`plain`, `a "quoted" word`, `back\slash`, `\N \G \E \L \n \l \r`, `ends with \`, `\"`,
		"line\nbreak", "crlf\r\nbreak", "tab\there", "nul\x00here", "unicode ✓ 東京",
	} {
		q := dotString(s)
		if !strings.HasPrefix(q, `"`) || !strings.HasSuffix(q, `"`) {
			t.Fatalf("dotString(%q) = %s: not quoted", s, q)
		}
		inner := q[1 : len(q)-1]
		// No unescaped quote may end the string early.
		if regexp.MustCompile(`(^|[^\\])(\\\\)*"`).MatchString(inner) {
			t.Errorf("dotString(%q) = %s: an unescaped quote ends the string", s, q)
		}
		if strings.ContainsAny(inner, "\n\r\t\x00") {
			t.Errorf("dotString(%q) = %s: holds a raw control character", s, q)
		}
		want := strings.NewReplacer("\r\n", "\n", "\t", " ", "\x00", " ").Replace(s)
		if got := unDOT(inner); got != want {
			t.Errorf("dotString(%q) = %s, which a label shows as %q, want %q", s, q, got, want)
		}
	}
}

// unDOT undoes DOT's quoting (\" is a quote) and Graphviz's label escapes
// (\\ is a backslash, \n a line break).
func unDOT(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// TestMermaidText checks that a quoted Mermaid label keeps none of the
// characters Mermaid interprets, and that decoding its entity codes gives
// back the text.
func TestMermaidText(t *testing.T) {
	entity := entityCode
	for _, s := range []string{
		`plain`, `say "hi"`, `#35; is not an entity`, `<script>alert(1)</script>`, `a & b`, "`md`",
		`%%{init: {"theme": "dark"}}%%`, `style: fill:#f00;`, `[brackets] (parens) {braces} |pipes|`,
		"two\nlines", `not \n a break`, `\\`, "a-->b", "end", "unicode ✓ 東京",
	} {
		got := mermaidText(s)
		if strings.ContainsAny(strings.ReplaceAll(got, "<br/>", ""), "\"&<>`%:\\\n") {
			t.Errorf("mermaidText(%q) = %q: keeps a special character", s, got)
		}
		// Every # left is the start of an entity code.
		if strings.Count(got, "#") != len(entity.FindAllString(got, -1)) {
			t.Errorf("mermaidText(%q) = %q: has a # that is not an entity code", s, got)
		}
		decoded := entity.ReplaceAllStringFunc(strings.ReplaceAll(got, "<br/>", "\n"), func(m string) string {
			var n rune
			for _, c := range m[1 : len(m)-1] {
				n = n*10 + c - '0'
			}
			return string(n)
		})
		if decoded = strings.ReplaceAll(decoded, "\\\u2060n", `\n`); decoded != s {
			t.Errorf("mermaidText(%q) = %q, which decodes to %q", s, got, decoded)
		}
	}
}

func TestMermaidID(t *testing.T) {
	ids := []string{"1", "12884901891", "abc", "end", "o1", "x", "a-b", "a b", `"`, "n_", "_", "東", ""}
	seen := map[string]string{}
	valid := regexp.MustCompile(`^n(_[0-9a-f]*|[A-Za-z0-9]*)$`)
	for _, id := range ids {
		m := mermaidID(id)
		if !valid.MatchString(m) {
			t.Errorf("mermaidID(%q) = %q: not a safe Mermaid id", id, m)
		}
		if other, ok := seen[m]; ok {
			t.Errorf("mermaidID(%q) = mermaidID(%q) = %q", id, other, m)
		}
		seen[m] = id
	}
	if got := mermaidID("12884901891"); got != "n12884901891" {
		t.Errorf("mermaidID(12884901891) = %q, want n12884901891", got)
	}
}

func TestFormatGQL(t *testing.T) {
	for _, f := range Formats {
		var buf bytes.Buffer
		f.MarshalGQL(&buf)
		var s string
		if err := json.Unmarshal(buf.Bytes(), &s); err != nil || s != string(f) {
			t.Errorf("%s.MarshalGQL wrote %s", f, buf.String())
		}
		var back Format
		if err := back.UnmarshalGQL(s); err != nil || back != f {
			t.Errorf("UnmarshalGQL(%q) = %q, %v", s, back, err)
		}
	}
	for _, v := range []any{"PNG", "dot", "", 1, nil} {
		var f Format
		if err := f.UnmarshalGQL(v); err == nil {
			t.Errorf("UnmarshalGQL(%#v) accepted it as %q", v, f)
		}
	}
	if Format("SVG").IsValid() || !Mermaid.IsValid() {
		t.Error("IsValid is wrong")
	}
}

func BenchmarkRender(b *testing.B) {
	const n = 2000
	g := Graph{}
	for i := range n {
		d := i % 7
		g.Nodes = append(g.Nodes, Node{ID: strconv.Itoa(i), Label: "application-" + strconv.Itoa(i), Distance: &d, Shared: i%5 == 0, Changed: d == 0})
		for j := 1; j <= 3; j++ {
			g.Edges = append(g.Edges, Edge{Consumer: strconv.Itoa(i), Provider: strconv.Itoa((i*7 + j*13) % n)})
		}
	}
	for _, f := range Formats {
		b.Run(string(f), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Render(f, g); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzRender checks that any labels and IDs render without error in both
// formats and keep each format's structure: one node line per node.
func FuzzRender(f *testing.F) {
	f.Add("a", `say "hi"`, "b", "two\nlines")
	f.Add(`b"\`, "%%{init}%%", "end", "<b>&#35;</b>")
	f.Fuzz(func(t *testing.T, id1, label1, id2, label2 string) {
		if id1 == "" || id2 == "" || id1 == id2 {
			return
		}
		g := Graph{
			Nodes: []Node{{ID: id1, Label: label1, Changed: true}, {ID: id2, Label: label2, Shared: true}},
			Edges: []Edge{{Consumer: id2, Provider: id1}},
		}
		dot, err := Render(DOT, g)
		if err != nil {
			t.Fatal(err)
		}
		// Node lines, the edge and the braces: no label may add a line.
		if n := strings.Count(dot, "\n"); n != 7 {
			t.Errorf("DOT has %d lines, want 7:\n%s", n, dot)
		}
		mmd, err := Render(Mermaid, g)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(mmd, "\n"); n != 8 {
			t.Errorf("Mermaid has %d lines, want 8:\n%s", n, mmd)
		}
		for _, line := range strings.Split(strings.TrimSpace(mmd), "\n")[1:3] {
			// A node line: id, then one quoted string with no quote inside.
			if !regexp.MustCompile(`^  n[A-Za-z0-9_]*\["[^"]*"\]$`).MatchString(line) {
				t.Errorf("Mermaid node line %q is malformed", line)
			}
			text := strings.ReplaceAll(line, "<br/>", "")
			if strings.ContainsAny(text, "`%&<>:\\") || strings.Count(text, "#") != len(entityCode.FindAllString(text, -1)) {
				t.Errorf("Mermaid node line %q keeps a special character", line)
			}
		}
	})
}
