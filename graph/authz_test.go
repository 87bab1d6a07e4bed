package graph_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/client"

	"github.com/relgraph/relgraph/internal/viewer"
)

// as makes the request a viewer's with role.
func as(role viewer.Role) client.Option {
	return func(r *client.Request) {
		r.HTTP = r.HTTP.WithContext(viewer.With(r.HTTP.Context(), viewer.Viewer{Actor: "test-" + string(role), Role: role}))
	}
}

type introType struct {
	Kind   string
	Name   *string
	OfType *introType
}

type introArg struct {
	Name string
	Type introType
}

// TestEveryMutationNeedsItsRole lists every Mutation field through
// introspection and calls each as a VIEWER with made-up but valid
// arguments: each is refused FORBIDDEN, and nothing is written. Token
// mutations are refused to an EDITOR too.
func TestEveryMutationNeedsItsRole(t *testing.T) {
	s := newTestServer(t)
	f := newLifecycleFixture(t, s)
	_ = f
	var schema struct {
		Schema struct {
			MutationType struct {
				Fields []struct {
					Name string
					Args []introArg
				}
			}
			Types []struct {
				Name        string
				Kind        string
				InputFields []introArg
				EnumValues  []struct{ Name string }
			}
		} `json:"__schema"`
	}
	s.ok(t, `{ __schema { mutationType { fields { name args { name type { ...T } } } }
		types { name kind inputFields { name type { ...T } } enumValues { name } } } }
		fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`, nil, &schema)
	types := map[string]int{}
	for i, tt := range schema.Schema.Types {
		types[tt.Name] = i
	}
	var literal func(ty introType, depth int) string
	literal = func(ty introType, depth int) string {
		switch ty.Kind {
		case "NON_NULL":
			return literal(*ty.OfType, depth)
		case "LIST":
			return "[" + literal(*ty.OfType, depth) + "]"
		}
		name := *ty.Name
		switch name {
		case "ID":
			return `"1"`
		case "String":
			return `"x"`
		case "Int":
			return "1"
		case "Boolean":
			return "false"
		case "Time":
			return `"2027-01-01T00:00:00Z"`
		}
		def := schema.Schema.Types[types[name]]
		switch def.Kind {
		case "ENUM":
			return def.EnumValues[0].Name
		case "INPUT_OBJECT":
			var fields []string
			for _, in := range def.InputFields {
				if in.Type.Kind == "NON_NULL" {
					fields = append(fields, in.Name+": "+literal(in.Type, depth+1))
				}
			}
			return "{" + strings.Join(fields, ", ") + "}"
		}
		return `"x"`
	}
	countWrites := func() int {
		var out struct{ AuditEvents struct{ TotalCount int } }
		s.ok(t, `{ auditEvents { totalCount } }`, nil, &out)
		return out.AuditEvents.TotalCount
	}
	before := countWrites()
	if n := len(schema.Schema.MutationType.Fields); n < 20 {
		t.Fatalf("introspection found only %d mutations", n)
	}
	for _, field := range schema.Schema.MutationType.Fields {
		var args []string
		for _, a := range field.Args {
			if a.Type.Kind == "NON_NULL" {
				args = append(args, a.Name+": "+literal(a.Type, 0))
			}
		}
		call := field.Name
		if len(args) > 0 {
			call += "(" + strings.Join(args, ", ") + ")"
		}
		doc := fmt.Sprintf("mutation { m: %s { __typename } }", call)
		if strings.HasPrefix(field.Name, "delete") || field.Name == "revokeToken" {
			doc = fmt.Sprintf("mutation { m: %s }", call)
		}
		roles := []viewer.Role{viewer.ViewerRole}
		if strings.HasSuffix(field.Name, "Token") {
			roles = append(roles, viewer.Editor)
		}
		for _, role := range roles {
			t.Run(field.Name+" as "+string(role), func(t *testing.T) {
				res := s.post(t, doc, nil, as(role))
				if len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "FORBIDDEN" {
					raw, _ := json.Marshal(res.Errors)
					t.Fatalf("%s: want FORBIDDEN, got %s %s", doc, res.Data, raw)
				}
			})
		}
	}
	if after := countWrites(); after != before {
		t.Fatalf("refused mutations wrote %d audit events", after-before)
	}
	// The same roles may read.
	res := s.post(t, `{ applications { totalCount } releases { edges { node { impact { changed { name } } } } } }`, nil, as(viewer.ViewerRole))
	if len(res.Errors) > 0 {
		t.Fatalf("a VIEWER cannot read: %+v", res.Errors)
	}
}
