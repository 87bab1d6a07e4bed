package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relgraph/relgraph/internal/config"
	"github.com/relgraph/relgraph/internal/testdb"
)

// runCommand runs relgraph with args as main does and returns what it
// printed on stdout and stderr.
func runCommand(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cfg, err := config.Load(args, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	capture := func(f **os.File) func() string {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		old := *f
		*f = w
		var out bytes.Buffer
		done := make(chan struct{})
		go func() { _, _ = out.ReadFrom(r); close(done) }()
		return func() string {
			w.Close()
			*f = old
			<-done
			return out.String()
		}
	}
	outDone, errDone := capture(&os.Stdout), capture(&os.Stderr)
	err = run(context.Background(), cfg, slog.New(slog.DiscardHandler))
	return outDone(), errDone(), err
}

// The import and export commands, as a release manager runs them: import
// a Backstage catalog, again (nothing changes), export CSV, import it back.
func TestCatalogCommands(t *testing.T) {
	db := testdb.New(t)
	dir := t.TempDir()
	files := []string{"internal/catalog/testdata/backstage/catalog-info.yaml", "internal/catalog/testdata/backstage/orders.yaml", "internal/catalog/testdata/backstage/payments.yaml"}

	out, _, err := runCommand(t, append([]string{"--db", db, "import", "backstage", "--dry-run"}, files...)...)
	if err != nil || !strings.Contains(out, "applications: 11 created") || !strings.HasSuffix(out, "dry run: nothing was written\n") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	out, _, err = runCommand(t, append([]string{"--db", db, "import", "backstage"}, files...)...)
	if err != nil || !strings.Contains(out, "applications: 11 created, 0 updated, 0 unchanged\n  + catalog-service\n") ||
		!strings.Contains(out, "dependencies: 14 created, 0 updated, 0 removed, 0 unchanged\n") ||
		!strings.Contains(out, "  + web-storefront -> checkout-api\n") ||
		!strings.Contains(out, "skipped: 3\n  system:default/shop (internal/catalog/testdata/backstage/catalog-info.yaml:3): a System groups applications") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	out, _, err = runCommand(t, append([]string{"--db", db, "import", "backstage"}, files...)...)
	if err != nil || !strings.HasPrefix(out, "applications: 0 created, 0 updated, 11 unchanged\ndependencies: 0 created, 0 updated, 0 removed, 14 unchanged\n") {
		t.Fatalf("second import: %v\n%s", err, out)
	}

	apps, deps := filepath.Join(dir, "applications.csv"), filepath.Join(dir, "dependencies.csv")
	out, _, err = runCommand(t, "--db", db, "export", "csv", "--applications", apps, "--dependencies", deps)
	if err != nil || out != "exported 11 applications to "+apps+"\nexported 14 dependencies to "+deps+"\n" {
		t.Fatalf("export: %v\n%s", err, out)
	}
	out, _, err = runCommand(t, "--db", db, "import", "csv", "--applications", apps, "--dependencies", deps)
	if err != nil || !strings.HasPrefix(out, "applications: 0 created, 0 updated, 11 unchanged\ndependencies: 0 created, 0 updated, 0 removed, 14 unchanged\n") {
		t.Fatalf("CSV import of the export: %v\n%s", err, out)
	}

	// A bad file: its problems on stderr at file and line, nothing written.
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: new-one\nspec:\n  dependsOn: [component:nowhere]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := runCommand(t, "--db", db, "import", "backstage", bad)
	if err == nil || out != "" || !strings.Contains(stderr, bad+`:6: dependsOn component:default/nowhere: no such entity in this import, and relgraph has no application "nowhere"`) {
		t.Fatalf("bad import: %v\nstdout %s\nstderr %s", err, out, stderr)
	}
	out, _, _ = runCommand(t, append([]string{"--db", db, "import", "backstage", "--dry-run"}, files...)...)
	if !strings.HasPrefix(out, "applications: 0 created, 0 updated, 11 unchanged") {
		t.Fatalf("the refused import wrote something:\n%s", out)
	}
}

// import backstage follows a root Location to the files it names.
func TestCatalogCommandFollowsLocations(t *testing.T) {
	db := testdb.New(t)
	out, _, err := runCommand(t, "--db", db, "import", "backstage", "internal/catalog/testdata/locations/catalog-info.yaml")
	if err != nil || !strings.HasPrefix(out, "applications: 6 created, 0 updated, 0 unchanged\n") ||
		!strings.Contains(out, "dependencies: 3 created, 0 updated, 0 removed, 0 unchanged\n") ||
		!strings.Contains(out, "skipped: 2\n  location:default/shop (internal/catalog/testdata/locations/catalog-info.yaml:3): a Location, followed: 4 files read; ") ||
		!strings.Contains(out, "  location:default/infra (internal/catalog/testdata/locations/infra/catalog-info.yaml:1): a Location, followed: 3 files read\n") {
		t.Fatalf("import: %v\n%s", err, out)
	}
}
