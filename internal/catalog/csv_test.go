package catalog_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/internal/catalog"
	"github.com/relgraph/relgraph/internal/testdb"
	"github.com/relgraph/relgraph/store"
)

func exportCSV(t *testing.T, db *store.DB) (apps, deps string) {
	t.Helper()
	var a, d bytes.Buffer
	if _, err := catalog.Export(context.Background(), db, &a, &d); err != nil {
		t.Fatal(err)
	}
	return a.String(), d.String()
}

func importCSV(db *store.DB, apps, deps string) (catalog.Summary, error) {
	var (
		appRows []catalog.ApplicationRow
		depRows []catalog.DependencyRow
		err     error
	)
	if apps != "" {
		if appRows, err = catalog.ParseApplicationsCSV("applications.csv", strings.NewReader(apps)); err != nil {
			return catalog.Summary{}, err
		}
	}
	if deps != "" {
		if depRows, err = catalog.ParseDependenciesCSV("dependencies.csv", strings.NewReader(deps)); err != nil {
			return catalog.Summary{}, err
		}
	}
	return catalog.Apply(context.Background(), db, false, func(ctx context.Context, c *ent.Client) (catalog.Summary, error) {
		return catalog.ImportCSV(ctx, c, appRows, depRows)
	})
}

// Exporting and importing the export changes nothing, including cells a
// spreadsheet would take for formulas, and exporting again gives the same
// bytes.
func TestCSVRoundTrip(t *testing.T) {
	db := testdb.Open(t)
	ctx := context.Background()
	importBackstage(t, db, fixtures...)
	db.Client.Application.Create().SetName("-tricky").SetOwner("'quoted").
		SetDescription("=HYPERLINK(\"http://x\")\nsecond line, with \"quotes\"").ExecX(ctx)
	apps, deps := exportCSV(t, db)
	wantApps := strings.Join([]string{
		"name,description,owner,criticality",
		"'-tricky,\"'=HYPERLINK(\"\"http://x\"\")\nsecond line, with \"\"quotes\"\"\",'quoted,MEDIUM",
		"catalog-service,Products and prices.,team-catalog,MEDIUM",
	}, "\n")
	if !strings.HasPrefix(apps, wantApps+"\n") {
		t.Errorf("applications.csv starts\n%s\nwant\n%s", apps, wantApps)
	}
	wantDeps := strings.Join([]string{
		"consumer,provider,kind,description",
		"checkout-api,checkout-service,RUNTIME,Backstage: providesApis",
		"checkout-service,order-service,RUNTIME,Backstage: dependsOn",
	}, "\n")
	if !strings.HasPrefix(deps, wantDeps+"\n") || strings.Count(deps, "\n") != 15 {
		t.Errorf("dependencies.csv:\n%s\nwant it to start\n%s", deps, wantDeps)
	}
	events := db.Client.AuditEvent.Query().CountX(ctx)
	s, err := importCSV(db, apps, deps)
	if err != nil {
		t.Fatal(err)
	}
	if s.Writes() != 0 || len(s.Applications.Unchanged) != 12 || len(s.Dependencies.Unchanged) != 14 {
		t.Fatalf("importing the export: %+v", s)
	}
	if got := db.Client.AuditEvent.Query().CountX(ctx); got != events {
		t.Errorf("importing the export recorded %d audit events", got-events)
	}
	apps2, deps2 := exportCSV(t, db)
	if apps2 != apps || deps2 != deps {
		t.Errorf("the second export differs:\n%s\n%s", apps2, deps2)
	}
}

// Edits in a spreadsheet become updates in place; a row deleted from
// dependencies.csv is a dependency removed, but only between applications
// of applications.csv, and only when dependencies.csv is imported.
func TestCSVImportEdits(t *testing.T) {
	db := testdb.Open(t)
	s, err := importCSV(db, "Name,Criticality,Owner\nbilling,high,Finance\nledger,LOW,Finance\nreports,,BI\n",
		"provider,consumer,kind\nledger,billing,data\nledger,reports,\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Applications.Created) != 3 || len(s.Dependencies.Created) != 2 {
		t.Fatalf("first import: %+v", s)
	}
	apps, deps := portfolio(t, db)
	wantLines(t, "applications", apps, []string{"billing Finance HIGH: ", "ledger Finance LOW: ", "reports BI MEDIUM: "})
	wantLines(t, "dependencies", deps, []string{"billing -> ledger DATA", "reports -> ledger RUNTIME"})

	// Applications only: nothing is said about dependencies.
	s, err = importCSV(db, "name,owner\nbilling,Finance Ops\n", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Applications.Updated) != 1 || len(s.Dependencies.Removed) != 0 {
		t.Fatalf("applications only: %+v", s)
	}
	// billing and reports are described, ledger too: reports -> ledger is
	// no longer listed, so it goes; billing -> ledger changes kind.
	s, err = importCSV(db, "name\nbilling\nledger\nreports\n", "consumer,provider,kind,description\nbilling,ledger,RUNTIME,nightly\nreports,billing,,\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := []int{len(s.Applications.Unchanged), len(s.Dependencies.Updated), len(s.Dependencies.Created), len(s.Dependencies.Removed)}; got[0] != 3 || got[1] != 1 || got[2] != 1 || got[3] != 1 {
		t.Fatalf("edits: %+v", s)
	}
	_, deps = portfolio(t, db)
	wantLines(t, "dependencies", deps, []string{"billing -> ledger RUNTIME", "reports -> billing RUNTIME"})
}

func TestCSVProblems(t *testing.T) {
	cases := []struct {
		name, apps, deps string
		want             string
	}{
		{"unknown column", "name,team\na,b\n", "", `applications.csv:1: unknown column "team": want the header name,description,owner,criticality`},
		{"no name column", "owner\nx\n", "", "applications.csv:1: no name column"},
		{"bad criticality", "name,criticality\na,LOW\nb,urgent\n", "", `applications.csv:3: criticality "urgent": want CRITICAL, HIGH, MEDIUM or LOW`},
		{"name twice", "name\na\n\nb\na\n", "", `applications.csv:5: application "a" is already on line 2`},
		{"empty name", "name,owner\n ,x\n", "", "applications.csv:2: the name is empty"},
		{"cells", "name,owner\na,x,y\n", "", "applications.csv:2: 3 cells, but the header has 2 columns"},
		{"not CSV", "name,owner\na,\"x\n", "", "applications.csv:2: not valid CSV: "},
		{"no provider column", "name\na\n", "consumer,kind\na,DATA\n", "dependencies.csv:1: no provider column"},
		{"bad kind", "name\na\nb\n", "consumer,provider,kind\na,b,SOCIAL\n", `dependencies.csv:2: kind "SOCIAL": want RUNTIME, DATA, BUILD or INFRASTRUCTURE`},
		{"self", "name\na\n", "consumer,provider\na,a\n", `dependencies.csv:2: "a" cannot depend on itself`},
		{"unknown provider", "name\na\n", "consumer,provider\na,b\n", `dependencies.csv:2: provider "b": no such application in the applications file or in relgraph`},
		{"refused by the schema", "name,description\nok,fine\nlong," + strings.Repeat("x", 10001) + "\n", "",
			"applications.csv:3: invalid description: is too long: at most 10000 bytes"},
		{"unknown consumer", "", "consumer,provider\nx,y\n", `dependencies.csv:2: consumer "x": no such application in the applications file or in relgraph`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := testdb.Open(t)
			_, err := importCSV(db, tc.apps, tc.deps)
			if ps := catalog.Problems(err); len(ps) == 0 || !strings.HasPrefix(ps[0].String(), tc.want) {
				t.Fatalf("got %v\nwant %s", err, tc.want)
			}
			if n := db.Client.Application.Query().CountX(context.Background()); n != 0 {
				t.Errorf("a failed import wrote %d applications", n)
			}
		})
	}
}

// ReadCSV reads files and lists the problems of both together; a UTF-8
// byte order mark (as spreadsheets write) is ignored.
func TestReadCSV(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	apps := write("apps.csv", "\ufeffname,criticality\na,HIGH\n")
	deps := write("deps.csv", "\ufeffconsumer,provider\na,b\n")
	rows, depRows, err := catalog.ReadCSV(apps, deps)
	if err != nil || len(rows) != 1 || rows[0].Name != "a" || len(depRows) != 1 || rows[0].Line != 2 {
		t.Fatalf("ReadCSV: %+v %+v %v", rows, depRows, err)
	}
	empty := write("empty.csv", "")
	badDeps := write("bad-deps.csv", "consumer,provider\nx,\n")
	_, _, err = catalog.ReadCSV(empty, badDeps)
	ps := catalog.Problems(err)
	if len(ps) != 2 || ps[0].String() != empty+":1: the file is empty: want the header name,description,owner,criticality" ||
		ps[1].String() != badDeps+":2: the provider is empty" {
		t.Fatalf("got %v", err)
	}
	if _, _, err := catalog.ReadCSV(filepath.Join(dir, "missing.csv"), ""); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a missing file: %v", err)
	}
}
