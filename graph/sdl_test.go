package graph_test

import (
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/relgraph/relgraph/graph"
)

func liveSchema(t *testing.T) *ast.Schema {
	t.Helper()
	return graph.NewExecutableSchema(graph.Config{Resolvers: &graph.Resolver{}}).Schema()
}

// TestSchemaIsDescribed: every type, field, argument and enum value a client
// sees says what it is, and the scalars say how to read them.
func TestSchemaIsDescribed(t *testing.T) {
	s := liveSchema(t)
	var missing []string
	for name, def := range s.Types {
		if def.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		if def.Description == "" {
			missing = append(missing, name)
		}
		if strings.Contains(def.Description, "is enum for the field") {
			missing = append(missing, name+" (Ent's generic enum text)")
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue // introspection's own
			}
			if f.Description == "" {
				missing = append(missing, name+"."+f.Name)
			}
			for _, a := range f.Arguments {
				if a.Description == "" {
					missing = append(missing, name+"."+f.Name+"("+a.Name+")")
				}
			}
		}
		for _, v := range def.EnumValues {
			if v.Description == "" {
				missing = append(missing, name+"."+v.Name)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d undescribed:\n%s", len(missing), strings.Join(missing, "\n"))
	}
}

// TestSchemaFileIsCurrent: schema.graphql at the repository root is the
// schema the server serves, without gqlgen's code-generation directives.
func TestSchemaFileIsCurrent(t *testing.T) {
	file, err := os.ReadFile("../schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	sdl := graph.PublicSDL(liveSchema(t))
	if string(file) != sdl {
		t.Fatal("schema.graphql is stale: run go generate ./...")
	}
	for _, d := range []string{"@goField", "@goModel", "directive @go"} {
		if strings.Contains(sdl, d) {
			t.Errorf("the public schema shows %s", d)
		}
	}
	if _, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: sdl}); err != nil {
		t.Fatalf("schema.graphql does not load on its own: %v", err)
	}
}

// TestNoUnintendedBreakingChanges compares the schema with the last released
// one (testdata/released.graphql): every change that could break a client
// must be listed in testdata/breaking-allowed.txt, so that breaking one is a
// decision, not an accident. On a release, copy schema.graphql over
// released.graphql and empty the list.
func TestNoUnintendedBreakingChanges(t *testing.T) {
	raw, err := os.ReadFile("testdata/released.graphql")
	if err != nil {
		t.Fatal(err)
	}
	released, gqlErr := gqlparser.LoadSchema(&ast.Source{Name: "released.graphql", Input: string(raw)})
	if gqlErr != nil {
		t.Fatal(gqlErr)
	}
	allowed := map[string]bool{}
	if list, err := os.ReadFile("testdata/breaking-allowed.txt"); err == nil {
		for _, line := range strings.Split(string(list), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				allowed[line] = true
			}
		}
	}
	var unintended []string
	for _, change := range graph.BreakingChanges(released, liveSchema(t)) {
		if !allowed[change] {
			unintended = append(unintended, change)
		}
	}
	if len(unintended) > 0 {
		t.Errorf("breaking changes since the released schema (list them in testdata/breaking-allowed.txt if deliberate):\n%s",
			strings.Join(unintended, "\n"))
	}
}

// TestBreakingChangesAreFound feeds the checker the changes it must catch.
func TestBreakingChangesAreFound(t *testing.T) {
	load := func(sdl string) *ast.Schema {
		s, err := gqlparser.LoadSchema(&ast.Source{Input: sdl})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	old := load(`type Query { a(x: Int, y: Int): String! b: [Int!]! c: E d: String } enum E { P Q } input I { f: Int g: Int } type Gone { x: Int }`)
	current := load(`type Query { a(x: Int!, z: Int!): String b: [Int]! c: E d: String e: Int } enum E { P } input I { f: Int! h: Int! }`)
	got := graph.BreakingChanges(old, current)
	want := []string{
		"argument Query.a(x) changed type from Int to Int!",
		"argument Query.a(y) removed",
		"enum value E.Q removed",
		"field Query.a changed type from String! to String",
		"field Query.b changed type from [Int!]! to [Int]!",
		"input field I.f changed type from Int to Int!",
		"input field I.g removed",
		"required argument Query.a(z) added",
		"required input field I.h added",
		"type Gone removed",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("found:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
