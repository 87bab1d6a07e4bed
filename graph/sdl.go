package graph

import (
	"bytes"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
)

// PublicSDL is the schema as clients see it, in GraphQL SDL: what go
// generate writes to schema.graphql and the server serves at
// /schema.graphql. gqlgen's code-generation directives (@goField,
// @goModel, ...) say how Go binds the schema, not what it means, so they are
// left out.
func PublicSDL(s *ast.Schema) string {
	var buf bytes.Buffer
	formatter.NewFormatter(&buf, formatter.WithIndent("  ")).FormatSchema(public(s))
	return buf.String()
}

// public returns a copy of s without the code-generation directives.
func public(s *ast.Schema) *ast.Schema {
	out := *s
	out.Directives = map[string]*ast.DirectiveDefinition{}
	for name, d := range s.Directives {
		if !isCodegenDirective(name) {
			out.Directives[name] = d
		}
	}
	out.Types = make(map[string]*ast.Definition, len(s.Types))
	for name, def := range s.Types {
		d := *def
		d.Directives = withoutCodegen(def.Directives)
		d.Fields = make(ast.FieldList, len(def.Fields))
		for i, f := range def.Fields {
			field := *f
			field.Directives = withoutCodegen(f.Directives)
			field.Arguments = make(ast.ArgumentDefinitionList, len(f.Arguments))
			for j, a := range f.Arguments {
				arg := *a
				arg.Directives = withoutCodegen(a.Directives)
				field.Arguments[j] = &arg
			}
			d.Fields[i] = &field
		}
		d.EnumValues = make(ast.EnumValueList, len(def.EnumValues))
		for i, v := range def.EnumValues {
			value := *v
			value.Directives = withoutCodegen(v.Directives)
			d.EnumValues[i] = &value
		}
		out.Types[name] = &d
	}
	return &out
}

func isCodegenDirective(name string) bool {
	return strings.HasPrefix(name, "go") || strings.HasPrefix(name, "entgql")
}

func withoutCodegen(list ast.DirectiveList) ast.DirectiveList {
	var out ast.DirectiveList
	for _, d := range list {
		if !isCodegenDirective(d.Name) {
			out = append(out, d)
		}
	}
	return out
}
