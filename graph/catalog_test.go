package graph_test

import (
	"strings"
	"testing"
)

const catalogYAML = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: shop
  description: The web shop.
spec:
  type: website
  owner: group:default/web
  consumesApis: [orders-api]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: orders-api
spec:
  type: openapi
  owner: orders
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orders
spec:
  type: service
  owner: orders
  providesApis: [orders-api]
  dependsOn: [resource:orders-db]
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: orders-db
spec:
  type: database
  owner: orders
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: commerce
spec:
  owner: web
`

// TestImportCatalog imports a Backstage catalog through GraphQL, twice: the
// second run writes nothing; a bad document is refused at its line.
func TestImportCatalog(t *testing.T) {
	s := newTestServer(t)
	const q = `mutation($y:String!) { importCatalog(yaml:$y) {
		applications { created updated unchanged }
		dependencies { created { consumer provider } removed { consumer provider } unchanged { consumer provider } }
		skipped { line entity reason } } }`
	type result struct {
		ImportCatalog struct {
			Applications struct{ Created, Updated, Unchanged []string }
			Dependencies struct {
				Created, Removed, Unchanged []struct{ Consumer, Provider string }
			}
			Skipped []struct {
				Line   int
				Entity string
			}
		}
	}
	var first result
	s.ok(t, q, vars("y", catalogYAML), &first)
	got := first.ImportCatalog
	if strings.Join(got.Applications.Created, ",") != "orders,orders-api,orders-db,shop" || len(got.Dependencies.Created) != 3 ||
		len(got.Skipped) != 1 || got.Skipped[0].Entity != "system:default/commerce" || got.Skipped[0].Line < 35 {
		t.Fatalf("first import: %+v", got)
	}
	var impact struct {
		Applications struct {
			Edges []struct {
				Node struct{ DependsOn []struct{ Name string } }
			}
		}
	}
	s.ok(t, `{ applications(where:{name:"shop"}) { edges { node { dependsOn { name } } } } }`, nil, &impact)
	if deps := impact.Applications.Edges[0].Node.DependsOn; len(deps) != 1 || deps[0].Name != "orders-api" {
		t.Fatalf("shop depends on %+v, want orders-api", deps)
	}
	audits := auditCount(t, s)
	var second result
	s.ok(t, q, vars("y", catalogYAML), &second)
	if got := second.ImportCatalog; len(got.Applications.Created)+len(got.Applications.Updated) != 0 || len(got.Dependencies.Created) != 0 ||
		len(got.Applications.Unchanged) != 4 || len(got.Dependencies.Unchanged) != 3 || auditCount(t, s) != audits {
		t.Fatalf("second import of the same catalog: %+v", got)
	}
	e := s.fails(t, "BAD_USER_INPUT", q, vars("y", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  description: no name\n"))
	if !strings.Contains(e.Message, "yaml:") || e.Extensions["problems"] == nil {
		t.Fatalf("bad document: %+v", e)
	}
}
