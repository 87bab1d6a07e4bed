package catalog

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/application"
	"github.com/relgraph/relgraph/ent/dependency"
	"github.com/relgraph/relgraph/store"
)

// The CSV headers, as export writes them.
var (
	ApplicationColumns = []string{"name", "description", "owner", "criticality"}
	DependencyColumns  = []string{"consumer", "provider", "kind", "description"}
)

// ApplicationRow is one row of applications.csv. Nil fields were not in the
// file (their column is missing or, for Criticality, the cell is empty).
type ApplicationRow struct {
	Position
	Name        string
	Description *string
	Owner       *string
	Criticality *application.Criticality
}

// DependencyRow is one row of dependencies.csv. Nil fields were not in the
// file.
type DependencyRow struct {
	Position
	Consumer, Provider string
	Kind               *dependency.Kind
	Description        *string
}

// ParseApplicationsCSV reads applications.csv from r; name is the file's
// name in problems.
func ParseApplicationsCSV(name string, r io.Reader) ([]ApplicationRow, error) {
	var probs problems
	rows := []ApplicationRow{}
	lines := map[string]int{}
	err := readCSV(name, r, ApplicationColumns, []string{"name"}, &probs, func(pos Position, cell func(string) (string, bool)) {
		row := ApplicationRow{Position: pos}
		row.Name, _ = cell("name")
		row.Name = strings.TrimSpace(row.Name)
		if row.Name == "" {
			probs.add(pos, "the name is empty")
			return
		}
		if line, dup := lines[row.Name]; dup {
			probs.add(pos, "application %q is already on line %d", row.Name, line)
			return
		}
		lines[row.Name] = pos.Line
		if v, ok := cell("description"); ok {
			row.Description = &v
		}
		if v, ok := cell("owner"); ok {
			row.Owner = &v
		}
		if v, _ := cell("criticality"); strings.TrimSpace(v) != "" {
			c := application.Criticality(strings.ToUpper(strings.TrimSpace(v)))
			if application.CriticalityValidator(c) != nil {
				probs.add(pos, "criticality %q: want CRITICAL, HIGH, MEDIUM or LOW", v)
				return
			}
			row.Criticality = &c
		}
		rows = append(rows, row)
	})
	if err != nil {
		return nil, err
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	return rows, nil
}

// ParseDependenciesCSV reads dependencies.csv from r; name is the file's
// name in problems. It returns a non-nil slice, even for a file with a
// header only: the import then removes the dependencies among its
// applications.
func ParseDependenciesCSV(name string, r io.Reader) ([]DependencyRow, error) {
	var probs problems
	rows := []DependencyRow{}
	lines := map[Pair]int{}
	err := readCSV(name, r, DependencyColumns, []string{"consumer", "provider"}, &probs, func(pos Position, cell func(string) (string, bool)) {
		row := DependencyRow{Position: pos}
		row.Consumer, _ = cell("consumer")
		row.Provider, _ = cell("provider")
		row.Consumer, row.Provider = strings.TrimSpace(row.Consumer), strings.TrimSpace(row.Provider)
		switch {
		case row.Consumer == "":
			probs.add(pos, "the consumer is empty")
			return
		case row.Provider == "":
			probs.add(pos, "the provider is empty")
			return
		case row.Consumer == row.Provider:
			probs.add(pos, "%q cannot depend on itself", row.Consumer)
			return
		}
		pair := Pair{row.Consumer, row.Provider}
		if line, dup := lines[pair]; dup {
			probs.add(pos, "dependency %s is already on line %d", pair, line)
			return
		}
		lines[pair] = pos.Line
		if v, _ := cell("kind"); strings.TrimSpace(v) != "" {
			k := dependency.Kind(strings.ToUpper(strings.TrimSpace(v)))
			if dependency.KindValidator(k) != nil {
				probs.add(pos, "kind %q: want RUNTIME, DATA, BUILD or INFRASTRUCTURE", v)
				return
			}
			row.Kind = &k
		}
		if v, ok := cell("description"); ok {
			row.Description = &v
		}
		rows = append(rows, row)
	})
	if err != nil {
		return nil, err
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	return rows, nil
}

// ReadCSV reads applications.csv and dependencies.csv from the files at
// the given paths; an empty path reads nothing (and returns nil rows). The
// problems of both files are listed together.
func ReadCSV(applicationsPath, dependenciesPath string) ([]ApplicationRow, []DependencyRow, error) {
	var (
		apps  []ApplicationRow
		deps  []DependencyRow
		errs  []error
		probs problems
	)
	read := func(path string, parse func(f *os.File) error) error {
		if path == "" {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		err = parse(f)
		if ps := Problems(err); ps != nil {
			for _, p := range ps {
				probs.add(p.Position, "%s", p.Message)
			}
			return nil
		}
		return err
	}
	errs = append(errs, read(applicationsPath, func(f *os.File) (err error) {
		apps, err = ParseApplicationsCSV(applicationsPath, f)
		return err
	}))
	errs = append(errs, read(dependenciesPath, func(f *os.File) (err error) {
		deps, err = ParseDependenciesCSV(dependenciesPath, f)
		return err
	}))
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	if err := probs.err(); err != nil {
		return nil, nil, err
	}
	return apps, deps, nil
}

// ImportCSV upserts apps and deps through client, in the caller's
// transaction if ctx and client carry one. deps nil (no dependencies file)
// leaves every dependency as it is; otherwise a dependency between two
// applications of apps that deps does not list is removed. Both ends of each
// dependency must be in apps or already in relgraph.
func ImportCSV(ctx context.Context, client *ent.Client, apps []ApplicationRow, deps []DependencyRow, opts ...Option) (Summary, error) {
	p := &plan{prune: deps != nil}
	for _, a := range apps {
		p.apps = append(p.apps, appSpec{pos: a.Position, name: a.Name,
			description: a.Description, owner: a.Owner, criticality: a.Criticality})
	}
	for _, d := range deps {
		missing := func(end, name string) string {
			return fmt.Sprintf("%s %q: no such application in the applications file or in relgraph", end, name)
		}
		p.deps = append(p.deps, depSpec{pos: d.Position, consumer: d.Consumer, provider: d.Provider,
			consumerMissing: missing("consumer", d.Consumer), providerMissing: missing("provider", d.Provider),
			kind: d.Kind, description: d.Description, update: true})
	}
	return apply(ctx, client, p, opts)
}

// ExportCounts tells how many records an export wrote.
type ExportCounts struct {
	Applications, Dependencies int
}

// ExportCSV writes every application to apps and every dependency to deps
// (either may be nil to skip it), reading through client. For the two files
// to agree, read in one transaction: Export does.
func ExportCSV(ctx context.Context, client *ent.Client, apps, deps io.Writer) (ExportCounts, error) {
	var counts ExportCounts
	all, err := client.Application.Query().
		Select(application.FieldName, application.FieldDescription, application.FieldOwner, application.FieldCriticality).
		All(ctx)
	if err != nil {
		return counts, err
	}
	// Sorted here, not by the database: PostgreSQL's collation would order
	// names differently from SQLite's.
	slices.SortFunc(all, func(a, b *ent.Application) int { return strings.Compare(a.Name, b.Name) })
	if apps != nil {
		w := csv.NewWriter(apps)
		_ = w.Write(ApplicationColumns)
		for _, a := range all {
			_ = w.Write(escapeCells(a.Name, a.Description, a.Owner, string(a.Criticality)))
		}
		if err := flush(w); err != nil {
			return counts, err
		}
		counts.Applications = len(all)
	}
	if deps == nil {
		return counts, nil
	}
	names := make(map[int]string, len(all))
	for _, a := range all {
		names[a.ID] = a.Name
	}
	found, err := client.Dependency.Query().All(ctx)
	if err != nil {
		return counts, err
	}
	type row struct {
		pair Pair
		d    *ent.Dependency
	}
	rows := make([]row, len(found))
	for i, d := range found {
		rows[i] = row{Pair{names[d.ConsumerID], names[d.ProviderID]}, d}
		if rows[i].pair.Consumer == "" || rows[i].pair.Provider == "" {
			return counts, fmt.Errorf("export: dependency %d names an application that was not read: export in one transaction", d.ID)
		}
	}
	slices.SortFunc(rows, func(a, b row) int { return cmp.Or(comparePairs(a.pair, b.pair), cmp.Compare(a.d.ID, b.d.ID)) })
	w := csv.NewWriter(deps)
	_ = w.Write(DependencyColumns)
	for _, r := range rows {
		_ = w.Write(escapeCells(r.pair.Consumer, r.pair.Provider, string(r.d.Kind), r.d.Description))
	}
	if err := flush(w); err != nil {
		return counts, err
	}
	counts.Dependencies = len(rows)
	return counts, nil
}

// Export runs ExportCSV in one read-only transaction of db, so that both
// files show the same moment.
func Export(ctx context.Context, db *store.DB, apps, deps io.Writer) (ExportCounts, error) {
	tx, err := db.Client.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return ExportCounts{}, err
	}
	defer func() { _ = tx.Rollback() }()
	return ExportCSV(ctx, tx.Client(), apps, deps)
}

func flush(w *csv.Writer) error {
	w.Flush()
	return w.Error()
}

// readCSV reads a CSV file whose header names columns of known, each of
// required among them, calling row for each data row with a look-up of its cells by
// column; a cell reports false when its column is not in the file.
func readCSV(file string, r io.Reader, known, required []string, probs *problems, row func(pos Position, cell func(string) (string, bool))) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		probs.add(Position{file, 1}, "the file is empty: want the header %s", strings.Join(known, ","))
		return nil
	}
	if err != nil {
		return csvProblem(file, err, probs)
	}
	columns := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch {
		case !slices.Contains(known, h):
			probs.add(Position{file, 1}, "unknown column %q: want the header %s", h, strings.Join(known, ","))
		case columns[h] != 0:
			probs.add(Position{file, 1}, "column %q is given twice", h)
		}
		columns[h] = i + 1
	}
	for _, need := range required {
		if columns[need] == 0 {
			probs.add(Position{file, 1}, "no %s column: want the header %s", need, strings.Join(known, ","))
		}
	}
	if len(probs.list) > 0 {
		return nil
	}
	for {
		record, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return csvProblem(file, err, probs)
		}
		line, _ := cr.FieldPos(0)
		pos := Position{file, line}
		if strings.TrimSpace(strings.Join(record, "")) == "" {
			continue // a spreadsheet's empty row
		}
		if len(record) != len(header) {
			probs.add(pos, "%d cells, but the header has %d columns", len(record), len(header))
			continue
		}
		row(pos, func(column string) (string, bool) {
			i := columns[column]
			if i == 0 {
				return "", false
			}
			return unescapeCell(record[i-1]), true
		})
	}
}

// csvProblem turns a CSV syntax error into a problem at its line; the
// rest of the file cannot be read.
func csvProblem(file string, err error, probs *problems) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("read %s: %w", file, err)
	}
	probs.add(Position{file, pe.Line}, "not valid CSV: %v", pe.Err)
	return nil
}

// A cell starting with one of these is a formula to a spreadsheet.
const formulaStart = "=+-@\t\r"

// escapeCells protects cells from being run as formulas: a value that is
// quotes followed by a formula start gets one more quote in front, which
// unescapeCell takes off. Values of any other shape pass as they are, so
// the mapping is one-to-one.
func escapeCells(cells ...string) []string {
	for i, c := range cells {
		rest := strings.TrimLeft(c, "'")
		if rest != "" && strings.ContainsRune(formulaStart, rune(rest[0])) {
			cells[i] = "'" + c
		}
	}
	return cells
}

// unescapeCell reverses escapeCells.
func unescapeCell(c string) string {
	rest := strings.TrimLeft(c, "'")
	if len(rest) < len(c) && rest != "" && strings.ContainsRune(formulaStart, rune(rest[0])) {
		return c[1:]
	}
	return c
}
