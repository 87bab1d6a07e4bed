package catalog_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/application"
	"github.com/relgraph/relgraph/ent/dependency"
	"github.com/relgraph/relgraph/internal/catalog"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/internal/testdb"
	"github.com/relgraph/relgraph/internal/viewer"
	"github.com/relgraph/relgraph/store"
)

var fixtures = []string{"testdata/backstage/catalog-info.yaml", "testdata/backstage/orders.yaml", "testdata/backstage/payments.yaml"}

// importBackstage reads paths and imports them in one transaction of db.
func importBackstage(t *testing.T, db *store.DB, paths ...string) catalog.Summary {
	t.Helper()
	s, err := tryImport(db, paths...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func tryImport(db *store.DB, paths ...string) (catalog.Summary, error) {
	docs, err := catalog.ReadBackstage(paths...)
	if err != nil {
		return catalog.Summary{}, err
	}
	return catalog.Apply(context.Background(), db, false, func(ctx context.Context, c *ent.Client) (catalog.Summary, error) {
		return catalog.Import(ctx, c, docs)
	})
}

// portfolio lists the database's applications ("name owner criticality:
// description") and dependencies ("consumer -> provider KIND"), sorted.
func portfolio(t *testing.T, db *store.DB) (apps, deps []string) {
	t.Helper()
	ctx := context.Background()
	for _, a := range db.Client.Application.Query().AllX(ctx) {
		apps = append(apps, a.Name+" "+a.Owner+" "+string(a.Criticality)+": "+a.Description)
	}
	for _, d := range db.Client.Dependency.Query().WithConsumer().WithProvider().AllX(ctx) {
		deps = append(deps, d.Edges.Consumer.Name+" -> "+d.Edges.Provider.Name+" "+string(d.Kind))
	}
	slices.Sort(apps)
	slices.Sort(deps)
	return apps, deps
}

func wantLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\ngot  %s\nwant %s", what, strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

func TestImportBackstage(t *testing.T) {
	db := testdb.Open(t)
	s := importBackstage(t, db, fixtures...)
	apps, deps := portfolio(t, db)
	wantLines(t, "applications", apps, []string{
		"catalog-service team-catalog MEDIUM: Products and prices.",
		"checkout-api team-checkout MEDIUM: Checkout REST API.",
		"checkout-service team-checkout MEDIUM: Turns a basket into an order.",
		"inventory-service team-orders MEDIUM: Stock per warehouse.",
		"k8s-prod team-platform MEDIUM: The production Kubernetes cluster.",
		"ledger-database team-payments MEDIUM: The ledger.",
		"order-service jane MEDIUM: Keeps orders.",
		"orders-db team-orders MEDIUM: PostgreSQL cluster of the order domain.",
		"payments/payments-api team-payments MEDIUM: ",
		"payments/payments-gateway payments/team-payments CRITICAL: Card and wallet payments.",
		"web-storefront team-shop CRITICAL: The public web shop.",
	})
	wantLines(t, "dependencies", deps, []string{
		"checkout-api -> checkout-service RUNTIME",
		"checkout-service -> order-service RUNTIME",
		"checkout-service -> orders-db DATA",
		"checkout-service -> payments/payments-api RUNTIME",
		"inventory-service -> k8s-prod INFRASTRUCTURE",
		"inventory-service -> order-service RUNTIME",
		"order-service -> inventory-service RUNTIME",
		"order-service -> k8s-prod INFRASTRUCTURE",
		"order-service -> orders-db DATA",
		"payments/payments-api -> payments/payments-gateway RUNTIME",
		"payments/payments-gateway -> ledger-database DATA",
		"web-storefront -> catalog-service RUNTIME",
		"web-storefront -> checkout-api RUNTIME",
		"web-storefront -> payments/payments-api RUNTIME",
	})
	if len(s.Applications.Created) != 11 || len(s.Dependencies.Created) != 14 || s.Writes() != 25 {
		t.Errorf("summary: %+v", s)
	}
	var skipped []string
	for _, sk := range s.Skipped {
		skipped = append(skipped, sk.Entity+" "+sk.Position.String())
	}
	wantLines(t, "skipped", skipped, []string{
		"system:default/shop testdata/backstage/catalog-info.yaml:3",
		"group:default/team-shop testdata/backstage/catalog-info.yaml:70",
		"location:default/payments-entities testdata/backstage/payments.yaml:42",
	})
	d := db.Client.Dependency.Query().Where(dependency.HasConsumerWith(application.Name("checkout-api"))).OnlyX(context.Background())
	if d.Description != "Backstage: providesApis" {
		t.Errorf("description of the providesApis dependency: %q", d.Description)
	}
}

// Importing the same files again writes nothing: no updates, no versions,
// no audit events.
func TestImportBackstageTwiceChangesNothing(t *testing.T) {
	db := testdb.Open(t)
	ctx := context.Background()
	importBackstage(t, db, fixtures...)
	events := db.Client.AuditEvent.Query().CountX(ctx)
	versions := map[string]int{}
	for _, a := range db.Client.Application.Query().AllX(ctx) {
		versions[a.Name] = a.Version
	}
	apps, deps := portfolio(t, db)

	s := importBackstage(t, db, fixtures...)
	if s.Writes() != 0 || len(s.Applications.Unchanged) != 11 || len(s.Dependencies.Unchanged) != 14 {
		t.Fatalf("second import: %+v", s)
	}
	if got := db.Client.AuditEvent.Query().CountX(ctx); got != events {
		t.Errorf("the second import recorded %d audit events", got-events)
	}
	for _, a := range db.Client.Application.Query().AllX(ctx) {
		if a.Version != versions[a.Name] {
			t.Errorf("%s moved from version %d to %d", a.Name, versions[a.Name], a.Version)
		}
	}
	apps2, deps2 := portfolio(t, db)
	wantLines(t, "applications after the second import", apps2, apps)
	wantLines(t, "dependencies after the second import", deps2, deps)
}

// A changed file updates in place: changed fields only, a relation gone is a
// dependency removed, a new one is created; dependencies with an end outside
// the catalog stay, and so does an edited kind.
func TestImportBackstageChangedFile(t *testing.T) {
	db := testdb.Open(t)
	ctx := context.Background()
	importBackstage(t, db, fixtures...)

	// Someone edits relgraph by hand: a dependency on an application the
	// catalog does not describe, one between two catalog applications that
	// the catalog does not declare, and a dependency's kind.
	legacy := db.Client.Application.Create().SetName("legacy-erp").SaveX(ctx)
	id := func(name string) int {
		return db.Client.Application.Query().Where(application.Name(name)).OnlyIDX(ctx)
	}
	db.Client.Dependency.Create().SetConsumerID(id("order-service")).SetProviderID(legacy.ID).ExecX(ctx)
	db.Client.Dependency.Create().SetConsumerID(id("catalog-service")).SetProviderID(id("orders-db")).ExecX(ctx)
	db.Client.Dependency.Update().
		Where(dependency.ConsumerID(id("checkout-service")), dependency.ProviderID(id("orders-db"))).
		SetKind(dependency.KindRUNTIME).ExecX(ctx)
	before := db.Client.Application.Query().Where(application.Name("inventory-service")).OnlyX(ctx)

	dir := t.TempDir()
	for _, f := range fixtures {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(f) == "orders.yaml" {
			data = []byte(strings.NewReplacer(
				"description: Stock per warehouse.", "description: Stock per warehouse and store.",
				"dependsOn: component:order-service", "dependsOn: [component:catalog-service]",
			).Replace(string(data)))
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := importBackstage(t, db, filepath.Join(dir, "catalog-info.yaml"), filepath.Join(dir, "orders.yaml"), filepath.Join(dir, "payments.yaml"))
	wantLines(t, "updated", s.Applications.Updated, []string{"inventory-service"})
	pairs := func(ps []catalog.Pair) (out []string) {
		for _, p := range ps {
			out = append(out, p.String())
		}
		return out
	}
	wantLines(t, "created", pairs(s.Dependencies.Created), []string{"inventory-service -> catalog-service"})
	wantLines(t, "removed", pairs(s.Dependencies.Removed), []string{"catalog-service -> orders-db", "inventory-service -> order-service"})
	if s.Writes() != 4 {
		t.Errorf("writes: %+v", s)
	}
	after := db.Client.Application.Query().Where(application.Name("inventory-service")).OnlyX(ctx)
	if after.Version != before.Version+1 || after.Description != "Stock per warehouse and store." || after.Owner != before.Owner {
		t.Errorf("inventory-service went from %+v to %+v", before, after)
	}
	_, deps := portfolio(t, db)
	for _, want := range []string{"order-service -> legacy-erp RUNTIME", "checkout-service -> orders-db RUNTIME"} {
		if !slices.Contains(deps, want) {
			t.Errorf("the import touched %q", want)
		}
	}
}

// Problems with single documents are reported with their file and line,
// all of them at once.
func TestParseBackstageProblems(t *testing.T) {
	const head = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n"
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"missing name", head + "  description: x\n", []string{"bad.yaml:3: missing metadata.name"}},
		{"name not a string", head + "  name: 42\n", []string{"bad.yaml:4: metadata.name must be a string, not the number 42"}},
		{"name Backstage would refuse", head + "  name: Web Storefront\n", []string{`bad.yaml:4: metadata.name "Web Storefront" is not a Backstage entity name`}},
		{"missing kind", "apiVersion: backstage.io/v1alpha1\nmetadata:\n  name: a\n", []string{"bad.yaml:1: missing kind"}},
		{"not a mapping", "- a\n- b\n", []string{"bad.yaml:1: a catalog entity must be a mapping, not a list"}},
		{"not YAML", head + "  name: a\n   bad: indentation\n", []string{"bad.yaml:5: not valid YAML: "}},
		{"key twice", head + "  name: a\n  name: b\n", []string{`bad.yaml:5: metadata has "name" twice`}},
		{"reference without a kind", head + "  name: a\nspec:\n  dependsOn: [b]\n", []string{`bad.yaml:6: spec.dependsOn: "b" names no kind`}},
		{"malformed reference", head + "  name: a\nspec:\n  dependsOn:\n    - component:fine\n    - \"component:\"\n", []string{`bad.yaml:8: spec.dependsOn: "component:" is not an entity reference`}},
		{"API field naming a component", head + "  name: a\nspec:\n  consumesApis: [component:b]\n", []string{`bad.yaml:6: spec.consumesApis: "component:b" is a component; consumesApis names APIs`}},
		{"dependency on a group", head + "  name: a\nspec:\n  dependsOn: [group:b]\n", []string{`bad.yaml:6: spec.dependsOn: "group:b" is a group`}},
		{"references not strings", head + "  name: a\nspec:\n  dependsOn: {component: b}\n", []string{"bad.yaml:6: spec.dependsOn must list entity references (strings), not a mapping"}},
		{"bad criticality", head + "  name: a\n  annotations:\n    relgraph.io/criticality: urgent\n", []string{`bad.yaml:6: the annotation relgraph.io/criticality is "urgent"`}},
		{"wrong types", head + "  name: a\n  description: [x]\nspec:\n  owner: 7\n", []string{
			"bad.yaml:5: metadata.description must be a string, not a list", "bad.yaml:7: spec.owner must be a string, not the number 7"}},
		{"Location targets not strings", "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: l\nspec:\n  target: {path: a.yaml}\n  targets: [./b.yaml, 42]\n", []string{
			"bad.yaml:6: spec.target must be a string, not a mapping", "bad.yaml:7: spec.targets must list files or URLs (strings), not the number 42"}},
		{"several documents", head + "  name: a\n---\n" + head + "  name: 1.5\n---\n" + head + "  name: ok\n", []string{
			"bad.yaml:9: metadata.name must be a string, not the number 1.5"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := catalog.ParseBackstage("bad.yaml", []byte(tc.yaml))
			problems := catalog.Problems(err)
			if len(problems) != len(tc.want) {
				t.Fatalf("got %v, want %d problems", err, len(tc.want))
			}
			for i, p := range problems {
				if !strings.HasPrefix(p.String(), tc.want[i]) {
					t.Errorf("problem %d: %q, want it to start with %q", i, p, tc.want[i])
				}
			}
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Code != fault.BadUserInput || !strings.Contains(fe.Message, tc.want[0]) {
				t.Errorf("error %v is not a BAD_USER_INPUT fault naming the problem", err)
			}
		})
	}
}

// Problems that only the documents together show fail the import before it
// writes anything.
func TestImportBackstageProblems(t *testing.T) {
	doc := func(name, dependsOn string) string {
		return "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: " + name + "\nspec:\n  dependsOn: [" + dependsOn + "]\n"
	}
	cases := []struct{ name, yaml, want string }{
		{"unknown target", doc("a", "resource:db"),
			`x.yaml:6: dependsOn resource:default/db: no such entity in this import, and relgraph has no application "db"`},
		{"unknown target in a namespace", doc("a", "resource:infra/db"),
			`x.yaml:6: dependsOn resource:infra/db: no such entity in this import, and relgraph has no application "infra/db"`},
		{"self", doc("a", "component:a"), "x.yaml:6: dependsOn component:default/a: an application cannot depend on itself"},
		{"defined twice", doc("a", "component:b") + "---\n" + doc("A", "component:b") + "---\n" + doc("b", "component:a"),
			"x.yaml:8: component:default/A is defined twice: also at x.yaml:1"},
		{"name clash", doc("petstore", "component:b") + "---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: petstore\n---\n" + doc("b", "component:a"),
			`x.yaml:8: api:default/petstore and component:default/petstore (x.yaml:1) would both be application "petstore": give one of them a relgraph.io/name annotation`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := testdb.Open(t)
			docs, err := catalog.ParseBackstage("x.yaml", []byte(tc.yaml))
			if err == nil {
				_, err = catalog.Apply(context.Background(), db, false, func(ctx context.Context, c *ent.Client) (catalog.Summary, error) {
					return catalog.Import(ctx, c, docs)
				})
			}
			if problems := catalog.Problems(err); len(problems) == 0 || problems[0].String() != tc.want {
				t.Fatalf("got %v\nwant %s", err, tc.want)
			}
			if n := db.Client.Application.Query().CountX(context.Background()); n != 0 {
				t.Errorf("a failed import wrote %d applications", n)
			}
		})
	}
}

// A reference to an entity outside the import resolves to an application
// relgraph already has; a System in the import cannot be a target.
func TestImportBackstageResolvesAgainstTheDatabase(t *testing.T) {
	db := testdb.Open(t)
	ctx := context.Background()
	db.Client.Application.Create().SetName("shared-db").SetOwner("dba").ExecX(ctx)
	docs, err := catalog.ParseBackstage("a.yaml", []byte(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: a}
spec:
  dependsOn: [resource:shared-db]
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata: {name: sys}
`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = catalog.Apply(ctx, db, false, func(ctx context.Context, c *ent.Client) (catalog.Summary, error) {
		return catalog.Import(ctx, c, docs)
	})
	if err != nil {
		t.Fatal(err)
	}
	_, deps := portfolio(t, db)
	wantLines(t, "dependencies", deps, []string{"a -> shared-db INFRASTRUCTURE"})
	for _, tc := range []struct {
		target catalog.EntityRef
		want   string
	}{
		// component:sys is not the System sys: it is simply missing.
		{catalog.EntityRef{Kind: "component", Namespace: "default", Name: "sys"},
			`a.yaml:5: dependsOn component:default/sys: no such entity in this import, and relgraph has no application "sys"`},
		// Documents built by hand may name a System; it is no application.
		{catalog.EntityRef{Kind: "system", Namespace: "default", Name: "sys"},
			"a.yaml:5: dependsOn system:default/sys: system:default/sys is skipped (a System groups applications;"},
	} {
		docs[0].Relations = []catalog.Relation{{Position: catalog.Position{File: "a.yaml", Line: 5}, Field: "dependsOn", Target: tc.target}}
		_, err = catalog.Apply(ctx, db, false, func(ctx context.Context, c *ent.Client) (catalog.Summary, error) {
			return catalog.Import(ctx, c, docs)
		})
		if ps := catalog.Problems(err); len(ps) != 1 || !strings.HasPrefix(ps[0].String(), tc.want) {
			t.Errorf("got %v\nwant %s", err, tc.want)
		}
	}
}

// A dry run reports what an import would do and writes nothing.
func TestApplyDryRun(t *testing.T) {
	db := testdb.Open(t)
	docs, err := catalog.ReadBackstage(fixtures...)
	if err != nil {
		t.Fatal(err)
	}
	s, err := catalog.Apply(context.Background(), db, true, func(ctx context.Context, c *ent.Client) (catalog.Summary, error) {
		return catalog.Import(ctx, c, docs)
	})
	if err != nil || !s.DryRun || len(s.Applications.Created) != 11 {
		t.Fatalf("dry run: %+v, %v", s, err)
	}
	if n := db.Client.Application.Query().CountX(context.Background()) + db.Client.AuditEvent.Query().CountX(context.Background()); n != 0 {
		t.Fatalf("a dry run wrote %d records", n)
	}
}

// A request's viewer needs the EDITOR role to import, even when nothing
// would change.
func TestImportNeedsEditor(t *testing.T) {
	db := testdb.Open(t)
	docs, err := catalog.ReadBackstage(fixtures...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := viewer.With(context.Background(), viewer.Viewer{Actor: "eve", Role: viewer.ViewerRole})
	_, err = catalog.Apply(ctx, db, false, func(ctx context.Context, c *ent.Client) (catalog.Summary, error) {
		return catalog.Import(ctx, c, docs)
	})
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Code != fault.Forbidden {
		t.Fatalf("got %v", err)
	}
	ctx = viewer.With(context.Background(), viewer.Viewer{Actor: "ed", Role: viewer.Editor})
	s, err := catalog.Apply(ctx, db, false, func(ctx context.Context, c *ent.Client) (catalog.Summary, error) {
		return catalog.Import(ctx, c, docs)
	})
	if err != nil || s.Writes() != 25 {
		t.Fatalf("editor: %+v %v", s, err)
	}
	if n := db.Client.AuditEvent.Query().Where().CountX(context.Background()); n == 0 {
		t.Fatal("no audit events")
	}
}
