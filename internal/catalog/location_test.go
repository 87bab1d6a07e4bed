package catalog_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/internal/catalog"
	"github.com/relgraph/relgraph/internal/testdb"
)

const locationRoot = "testdata/locations/catalog-info.yaml"

// entities lists documents as "ref file:line", in the order read.
func entities(docs []catalog.Document) []string {
	var out []string
	for _, d := range docs {
		out = append(out, d.Ref.String()+" "+d.Position.String())
	}
	return out
}

// locationEntities are the entities of testdata/locations as reading its
// root finds them, each file under dir: the root's own, then those of each
// file its Location names, depth first. The nested Location's target back
// to the root, and the root and its targets named again, are not read again.
func locationEntities(dir string) []string {
	return []string{
		"location:default/shop " + filepath.Join(dir, "catalog-info.yaml") + ":3",
		"component:default/storefront " + filepath.Join(dir, "catalog-info.yaml") + ":15",
		"component:default/ledger-service " + filepath.Join(dir, "services", "ledger.yaml") + ":1",
		"api:default/ledger-api " + filepath.Join(dir, "apis", "ledger-api.yaml") + ":1",
		"api:default/orders-api " + filepath.Join(dir, "apis", "orders-api.yaml") + ":1",
		"location:default/infra " + filepath.Join(dir, "infra", "catalog-info.yaml") + ":1",
		"resource:default/ledger-db " + filepath.Join(dir, "infra", "db", "ledger-db.yaml") + ":1",
		"resource:default/orders-db " + filepath.Join(dir, "infra", "db", "postgres", "orders-db.yaml") + ":1",
	}
}

// ReadBackstage follows Locations: a relative target from the Location's
// directory, a glob (with **, not matching hidden files) in sorted order, a
// nested Location, recursively; every file once, however often it is named
// (a cycle back to the root, a file also on the command line).
func TestReadBackstageFollowsLocations(t *testing.T) {
	abs, err := filepath.Abs("testdata/locations")
	if err != nil {
		t.Fatal(err)
	}
	want := locationEntities("testdata/locations")
	cases := []struct {
		name  string
		paths []string
		want  []string
	}{
		{"the root", []string{locationRoot}, want},
		{"the root, then a file it names", []string{locationRoot, "testdata/locations/services/ledger.yaml"}, want},
		{"a file the root names, then the root", []string{"testdata/locations/services/ledger.yaml", locationRoot},
			append([]string{want[2]}, append(want[:2:2], want[3:]...)...)},
		{"the root twice", []string{locationRoot, "testdata/../testdata/locations/catalog-info.yaml"}, want},
		{"the root by its absolute path", []string{filepath.Join(abs, "catalog-info.yaml")}, locationEntities(abs)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			docs, err := catalog.ReadBackstage(tc.paths...)
			if err != nil {
				t.Fatal(err)
			}
			wantLines(t, "entities", entities(docs), tc.want)
		})
	}
}

// A target may be an absolute path.
func TestReadBackstageAbsoluteTarget(t *testing.T) {
	target, err := filepath.Abs("testdata/locations/apis/orders-api.yaml")
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "catalog-info.yaml")
	yaml := "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: elsewhere\nspec:\n  target: " + target + "\n"
	if err := os.WriteFile(root, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	docs, err := catalog.ReadBackstage(root)
	if err != nil {
		t.Fatal(err)
	}
	wantLines(t, "entities", entities(docs), []string{"location:default/elsewhere " + root + ":1", "api:default/orders-api " + target + ":1"})
}

// An import through a root Location imports what its files describe and
// lists each Location as followed, naming the URL targets it did not fetch.
func TestImportBackstageLocations(t *testing.T) {
	db := testdb.Open(t)
	s := importBackstage(t, db, locationRoot)
	apps, deps := portfolio(t, db)
	wantLines(t, "applications", apps, []string{
		"ledger-api team-payments MEDIUM: ",
		"ledger-db team-payments MEDIUM: ",
		"ledger-service team-payments MEDIUM: ",
		"orders-api team-orders MEDIUM: ",
		"orders-db team-orders MEDIUM: ",
		"storefront team-shop MEDIUM: ",
	})
	wantLines(t, "dependencies", deps, []string{
		"ledger-api -> ledger-service RUNTIME",
		"ledger-service -> ledger-db DATA",
		"storefront -> ledger-api RUNTIME",
	})
	var out strings.Builder
	if err := s.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	_, skipped, _ := strings.Cut(out.String(), "skipped:")
	wantLines(t, "skipped", strings.Split("skipped:"+skipped, "\n"), []string{
		"skipped: 2",
		"  location:default/shop (testdata/locations/catalog-info.yaml:3): a Location, followed: 4 files read; " +
			"relgraph reads files: fetch https://github.com/example/shop/blob/main/legacy/catalog-info.yaml yourself and pass the files",
		"  location:default/infra (testdata/locations/infra/catalog-info.yaml:1): a Location, followed: 3 files read",
		"",
	})
}

// A Location whose targets are all URLs is skipped, naming them; one with
// no targets says so.
func TestReadBackstageLocationsNotFollowed(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "catalog-info.yaml")
	yaml := `apiVersion: backstage.io/v1alpha1
kind: Location
metadata: {name: remote}
spec:
  type: url
  targets:
    - https://github.com/example/a/blob/main/catalog-info.yaml
    - https://github.com/example/b/blob/main/catalog-info.yaml
---
apiVersion: backstage.io/v1alpha1
kind: Location
metadata: {name: empty}
`
	if err := os.WriteFile(root, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	docs, err := catalog.ReadBackstage(root)
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, d := range docs {
		reasons = append(reasons, d.Ref.Name+": "+d.Skipped)
	}
	wantLines(t, "reasons", reasons, []string{
		"remote: a Location of URLs: relgraph reads files; fetch https://github.com/example/a/blob/main/catalog-info.yaml, " +
			"https://github.com/example/b/blob/main/catalog-info.yaml yourself and pass the files",
		"empty: a Location that names no targets",
	})
}

// A missing file, a glob that matches nothing and a malformed glob are
// problems at the target's file and line; the other targets are read.
func TestReadBackstageLocationProblems(t *testing.T) {
	_, err := catalog.ReadBackstage("testdata/locations/broken/catalog-info.yaml")
	var got []string
	for _, p := range catalog.Problems(err) {
		got = append(got, p.String())
	}
	wantLines(t, "problems", got, []string{
		`testdata/locations/broken/catalog-info.yaml:6: spec.target: "./missing.yaml": testdata/locations/broken/missing.yaml does not exist`,
		`testdata/locations/broken/catalog-info.yaml:8: spec.targets: "./*.json" matches no files`,
		`testdata/locations/broken/catalog-info.yaml:9: spec.targets: "./[bad.yaml" is not a glob pattern: syntax error in pattern`,
	})
}

// YAML text has no directory to follow a Location from: ParseBackstage
// skips it, saying how to import its files.
func TestParseBackstageSkipsLocations(t *testing.T) {
	data, err := os.ReadFile(locationRoot)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := catalog.ParseBackstage("yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	wantLines(t, "entities", entities(docs), []string{"location:default/shop yaml:3", "component:default/storefront yaml:15"})
	if want := "a Location: relgraph cannot read the files it names from YAML text; import them with `relgraph import backstage FILE`, which follows Locations"; docs[0].Skipped != want {
		t.Errorf("reason %q, want %q", docs[0].Skipped, want)
	}
	_, err = catalog.Apply(context.Background(), testdb.Open(t), true, func(ctx context.Context, c *ent.Client) (catalog.Summary, error) {
		return catalog.Import(ctx, c, docs)
	})
	if ps := catalog.Problems(err); len(ps) != 1 || !strings.HasPrefix(ps[0].String(), `yaml:21: consumesApis api:default/ledger-api: no such entity`) {
		t.Errorf("got %v, want the reference to an API in a file the Location names unresolved", err)
	}
}

// Symbolic links: a glob in a linked directory matches its files, and a
// file reached again through a link (here a loop of one) is read once.
func TestReadBackstageLocationsThroughSymlinks(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "real", "svc.yaml"), "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\nspec:\n  type: service\n  owner: team\n")
	for link, to := range map[string]string{"linked": filepath.Join(dir, "real"), "loop": "."} {
		if err := os.Symlink(to, filepath.Join(dir, link)); err != nil {
			t.Skipf("no symbolic links here: %v", err)
		}
	}
	root := filepath.Join(dir, "catalog-info.yaml")
	write(root, "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: root\nspec:\n  targets:\n    - ./linked/*.yaml\n    - ./loop/catalog-info.yaml\n    - ./loop/linked/svc.yaml\n")
	docs, err := catalog.ReadBackstage(root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range docs {
		got = append(got, d.Ref.String())
	}
	if want := []string{"location:default/root", "component:default/svc"}; !slices.Equal(got, want) {
		t.Fatalf("read %v, want %v (each file once)", got, want)
	}
}
