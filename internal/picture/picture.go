// Package picture renders a dependency graph as text that diagram tools
// draw: Graphviz DOT (dot -Tsvg) and Mermaid flowcharts (GitHub, GitLab and
// most wikis render them in Markdown).
//
// It is pure: a Graph in, a string out; no database, no GraphQL. The caller
// decides what the graph holds (a release's impact, the neighbourhood of a
// few applications, the whole portfolio) and fills in a Graph; Render draws
// it the same way every time.
//
// Both formats draw an edge from consumer to provider ("depends on"), with
// providers above their consumers, so a change flows downwards. A node's
// label is its Label, and "distance N" below it when its Distance is known.
// Changed nodes are filled, shared ones have a double (DOT) or dashed thick
// (Mermaid) border; both are also named as classes (DOT's class attribute,
// Mermaid's class statements), so a stylesheet can restyle them.
package picture

import (
	"cmp"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Format is a text format Render can produce. Its values are the names of
// the GraphQL enum GraphFormat, and it implements gqlgen's Marshaler and
// Unmarshaler, so gqlgen can bind that enum to it directly.
type Format string

// The formats Render knows.
const (
	// DOT is Graphviz's graph language: a digraph, one rank per distance.
	DOT Format = "DOT"
	// Mermaid is a Mermaid flowchart ("flowchart BT").
	Mermaid Format = "MERMAID"
)

// Formats lists every Format, in a fixed order.
var Formats = []Format{DOT, Mermaid}

// IsValid reports whether f is one of Formats.
func (f Format) IsValid() bool { return slices.Contains(Formats, f) }

// String returns f's name, e.g. "DOT".
func (f Format) String() string { return string(f) }

// UnmarshalGQL sets f from a GraphQL enum value (a string such as "DOT").
func (f *Format) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("picture: a graph format must be a string, not %T", v)
	}
	if !Format(s).IsValid() {
		return fmt.Errorf("picture: %q is not a graph format (want one of %v)", s, Formats)
	}
	*f = Format(s)
	return nil
}

// MarshalGQL writes f as a GraphQL enum value (a JSON string).
func (f Format) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(f)))
}

// Graph is what Render draws: applications and who depends on whom.
type Graph struct {
	// Nodes are the graph's nodes; their IDs must be unique and non-empty.
	Nodes []Node
	// Edges are the dependencies between Nodes. Both ends must be the ID of
	// a node; a repeated edge is drawn once.
	Edges []Edge
}

// Node is one application in a Graph.
type Node struct {
	// ID identifies the node (an application's GraphQL id); it is written
	// as the DOT node name and, as "n" followed by it, as the Mermaid node
	// id (hex-encoded after "n_" if it holds anything but ASCII letters
	// and digits).
	ID string
	// Label is the text drawn in the node (the application's name); empty
	// means the ID.
	Label string
	// Distance is the node's distance in dependency hops from the nearest
	// changed (or root) application, or nil when there is none to tell
	// (say, a drawing of the whole portfolio). Known distances are shown in
	// the label and, in DOT, put nodes of one distance on one rank.
	Distance *int
	// Changed marks an application a change touches (or a root).
	Changed bool
	// Shared marks an application two or more others depend on directly.
	Shared bool
}

// Edge is one dependency: Consumer depends on Provider. Both are node IDs.
type Edge struct {
	Consumer string
	Provider string
}

// Render returns g drawn in format.
//
// The output is deterministic: nodes are written by distance (unknown
// last), then label, then ID; edges by consumer, then provider, in that
// node order. Labels are escaped for the format: quotes, backslashes and
// the characters Mermaid interprets (#, &, <, >, `, \, :, %) cannot end a
// string, inject markup or directives, or be read as escapes; line breaks
// (\n, \r\n, \r, U+2028, U+2029) stay line breaks and other control
// characters become spaces.
//
// Render fails on an unknown format, an empty or repeated node ID, and an
// edge whose end is not a node of g.
func Render(format Format, g Graph) (string, error) {
	nodes, edges, err := prepare(g)
	if err != nil {
		return "", err
	}
	switch format {
	case DOT:
		return renderDOT(nodes, edges), nil
	case Mermaid:
		return renderMermaid(nodes, edges), nil
	}
	return "", fmt.Errorf("picture: unknown format %q (want one of %v)", string(format), Formats)
}

// prepare checks g and returns its nodes and its deduplicated edges in
// output order. Edges hold indexes into the returned nodes.
func prepare(g Graph) ([]Node, [][2]int, error) {
	nodes := slices.Clone(g.Nodes)
	for i := range nodes {
		if nodes[i].ID == "" {
			return nil, nil, fmt.Errorf("picture: node %d has an empty ID", i)
		}
		if nodes[i].Label == "" {
			nodes[i].Label = nodes[i].ID
		}
	}
	slices.SortFunc(nodes, compareNodes)
	index := make(map[string]int, len(nodes))
	for i, n := range nodes {
		if _, dup := index[n.ID]; dup {
			return nil, nil, fmt.Errorf("picture: node ID %q is repeated", n.ID)
		}
		index[n.ID] = i
	}
	edges := make([][2]int, 0, len(g.Edges))
	for _, e := range g.Edges {
		c, ok := index[e.Consumer]
		if !ok {
			return nil, nil, fmt.Errorf("picture: edge %q -> %q: no node %q", e.Consumer, e.Provider, e.Consumer)
		}
		p, ok := index[e.Provider]
		if !ok {
			return nil, nil, fmt.Errorf("picture: edge %q -> %q: no node %q", e.Consumer, e.Provider, e.Provider)
		}
		edges = append(edges, [2]int{c, p})
	}
	slices.SortFunc(edges, func(a, b [2]int) int {
		return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
	})
	return nodes, slices.Compact(edges), nil
}

// compareNodes orders nodes by distance (unknown last), label, then ID.
func compareNodes(a, b Node) int {
	switch {
	case a.Distance == nil && b.Distance != nil:
		return 1
	case a.Distance != nil && b.Distance == nil:
		return -1
	case a.Distance != nil && b.Distance != nil:
		if c := cmp.Compare(*a.Distance, *b.Distance); c != 0 {
			return c
		}
	}
	return cmp.Or(strings.Compare(a.Label, b.Label), strings.Compare(a.ID, b.ID))
}

// Colours shared by both formats.
const (
	changedFill   = "#fde68a"
	changedStroke = "#b45309"
)

// renderDOT writes nodes and edges as a Graphviz digraph.
func renderDOT(nodes []Node, edges [][2]int) string {
	var b strings.Builder
	b.WriteString("digraph dependencies {\n")
	b.WriteString("  rankdir=BT;\n")
	b.WriteString("  node [shape=box, style=rounded];\n")
	for _, n := range nodes {
		b.WriteString("  " + dotString(n.ID) + " [label=" + dotString(labelLines(n, "\n")))
		var classes []string
		if n.Changed {
			classes = append(classes, "changed")
			b.WriteString(`, style="rounded,filled,bold", fillcolor="` + changedFill + `", color="` + changedStroke + `"`)
		}
		if n.Shared {
			classes = append(classes, "shared")
			b.WriteString(", peripheries=2")
		}
		if len(classes) > 0 {
			b.WriteString(", class=" + dotString(strings.Join(classes, " ")))
		}
		b.WriteString("];\n")
	}
	// One rank per known distance; nodes are sorted by distance already.
	for i := 0; i < len(nodes); {
		if nodes[i].Distance == nil {
			break
		}
		j := i
		b.WriteString("  { rank=same;")
		for ; j < len(nodes) && nodes[j].Distance != nil && *nodes[j].Distance == *nodes[i].Distance; j++ {
			b.WriteString(" " + dotString(nodes[j].ID) + ";")
		}
		b.WriteString(" }\n")
		i = j
	}
	for _, e := range edges {
		b.WriteString("  " + dotString(nodes[e[0]].ID) + " -> " + dotString(nodes[e[1]].ID) + ";\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// renderMermaid writes nodes and edges as a Mermaid flowchart.
func renderMermaid(nodes []Node, edges [][2]int) string {
	var b strings.Builder
	b.WriteString("flowchart BT\n")
	var changed, shared []string
	for _, n := range nodes {
		id := mermaidID(n.ID)
		b.WriteString("  " + id + `["` + mermaidText(labelLines(n, "\n")) + "\"]\n")
		if n.Changed {
			changed = append(changed, id)
		}
		if n.Shared {
			shared = append(shared, id)
		}
	}
	for _, e := range edges {
		b.WriteString("  " + mermaidID(nodes[e[0]].ID) + " --> " + mermaidID(nodes[e[1]].ID) + "\n")
	}
	if len(changed) > 0 {
		b.WriteString("  classDef changed fill:" + changedFill + ",stroke:" + changedStroke + ",stroke-width:2px\n")
		b.WriteString("  class " + strings.Join(changed, ",") + " changed\n")
	}
	if len(shared) > 0 {
		b.WriteString("  classDef shared stroke-width:3px,stroke-dasharray: 5 5\n")
		b.WriteString("  class " + strings.Join(shared, ",") + " shared\n")
	}
	return b.String()
}

// labelLines is n's label text with its lines joined by nl: the label, then
// "distance N" when the distance is known. Line breaks inside the label
// become nl; other control characters become spaces.
func labelLines(n Node, nl string) string {
	s := cleanText(n.Label, nl)
	if n.Distance != nil {
		s += nl + "distance " + strconv.Itoa(*n.Distance)
	}
	return s
}

// lineBreaks replaces every line break sequence with "\n".
var lineBreaks = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u2028", "\n", "\u2029", "\n")

// cleanText returns s with every line break as nl and every other control
// character as a space.
func cleanText(s, nl string) string {
	s = lineBreaks.Replace(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(nl)
		case unicode.IsControl(r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// dotString returns s as a DOT quoted string. Inside one, only \" is an
// escape for the parser, but labels interpret backslash escapes (\n, \l,
// \N, ...), so a backslash is doubled and a line break written as \n; other
// control characters become spaces. IDs are quoted the same way: the
// mapping is one-to-one on IDs without control characters.
func dotString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range cleanText(s, "\n") {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// mermaidID returns the Mermaid node id of the node with ID id: "n" and id
// if id is ASCII letters and digits only (so no id can be a keyword or
// start an edge such as "o--"), else "n_" and id in hex. Different IDs get
// different node ids.
func mermaidID(id string) string {
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "n_" + hex.EncodeToString([]byte(id))
		}
	}
	return "n" + id
}

// mermaidEscapes are the characters of a label that Mermaid would read as
// something else inside a quoted node label, written as Mermaid's entity
// codes (#NN;), which it turns back into the character:
//
//   - " ends the string;
//   - # starts an entity code, so a literal one is escaped too;
//   - & < > would be read as HTML (labels are rendered as HTML);
//   - ` starts a Markdown string;
//   - \ is one half of the escape \n, read as a line break (see
//     mermaidText);
//   - % could start a %%{...}%% directive, which Mermaid looks for anywhere;
//   - : lets Mermaid's style and classDef clean-up (a regular expression
//     run over every line) cut the ; off an entity code.
var mermaidEscapes = strings.NewReplacer(
	`"`, "#34;",
	"#", "#35;",
	"&", "#38;",
	"<", "#60;",
	">", "#62;",
	"`", "#96;",
	`\`, "#92;",
	"%", "#37;",
	":", "#58;",
)

// mermaidText returns s (line breaks as "\n") for a quoted Mermaid label:
// special characters as entity codes, line breaks as <br/>. A label with a
// <br/> takes a path in Mermaid (12.3) that decodes entity codes before it
// turns \n into a line break, so a backslash followed by n gets an
// invisible word joiner (U+2060) between the two.
func mermaidText(s string) string {
	s = mermaidEscapes.Replace(s)
	s = strings.ReplaceAll(s, "#92;n", "#92;#8288;n")
	return strings.ReplaceAll(s, "\n", "<br/>")
}
