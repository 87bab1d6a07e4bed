// Package regression derives a release's regression scope, pure: the
// applications that need regression testing because something they depend
// on changes, each with the chain that puts it in scope and that chain in
// words, grouped by owning team; and the scope as CSV for test managers.
//
// Design decisions:
//
//   - The scope is the release's unbounded impact minus its changed
//     applications. The impact is a multi-source breadth-first walk from all
//     changed applications at once (impact.Snapshot.Impact), so a changed
//     application that depends on another changed one stands at distance 0
//     and stays out of scope (it carries code: its tests are the change's,
//     not regression), dependency cycles terminate, and every chain starts at
//     the nearest changed application and passes through unchanged ones only.
//   - Callers pass plain records (Application), not Ent's: the package knows
//     nothing of storage or GraphQL, and its orderings are decided here once,
//     for the GraphQL field and the CSV alike.
//   - Orderings: the whole scope by distance, then name; teams by owner name
//     (compared as written: "Payments" and "payments" are two teams), with
//     the applications without an owner last; within a team by criticality
//     (CRITICAL, HIGH, MEDIUM, LOW, then anything else), then distance, then
//     name. Application names are unique, so every order is total; the id
//     breaks ties only for records that break that rule.
//   - The reason reads along the dependency direction, from the application
//     to test back to the change: "web depends on api, which depends on
//     payments (changed)". It is derived from the chain alone, so the same
//     data always gives the same words.
//   - CSV (WriteCSV) follows RFC 4180 (CRLF line ends, quoting by
//     encoding/csv), one row per application, in team order, without a byte
//     order mark (encoding/csv and most tools read UTF-8 without one). A
//     cell that a spreadsheet would run as a formula (starting with =, +, -,
//     @, a tab or a carriage return) gets a leading apostrophe, the OWASP
//     advice against CSV injection; so does a cell that starts with an
//     apostrophe itself, so that a program gets every value back exactly by
//     removing one leading apostrophe wherever there is one.
package regression

import (
	"cmp"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/relgraph/relgraph/impact"
)

// Application is an application as the scope names it.
type Application struct {
	ID    int
	Name  string
	Owner string // the owning team; empty when nobody owns it
	// Criticality is CRITICAL, HIGH, MEDIUM or LOW.
	Criticality string
}

// Item is one application to regression-test, and why.
type Item struct {
	Application Application
	// Distance is the number of dependency hops from the nearest changed
	// application: 1 or more.
	Distance int
	// Path is the chain that puts Application in scope: a changed
	// application first, Application last, each depending on the one
	// before.
	Path []Application
	// Reason is Path in words (see Reason).
	Reason string
}

// Team is one owning team's share of a scope.
type Team struct {
	// Owner is the team; empty for the applications without an owner.
	Owner string
	// Items are the team's applications, by criticality, distance, name.
	Items []*Item
}

// Scope is a release's regression scope. Items and Teams share their
// *Item values.
type Scope struct {
	// Items is every application in scope, by distance, then name.
	Items []*Item
	// Teams groups Items by owner: teams by name, no owner last.
	Teams []Team
}

// Of returns the regression scope of an impact: impacted is the unbounded
// impact of a release's changed applications, as impact.Snapshot.Impact
// returns it (in any order), and name finds the record of an application
// id. An entry at distance 0 is a changed application, out of scope. An
// entry that name cannot name, or whose chain it cannot, is left out: with
// the records and the snapshot of one graph that does not happen.
func Of(impacted []impact.Impacted, name func(id int) (Application, bool)) *Scope {
	s := &Scope{Items: []*Item{}, Teams: []Team{}}
	for _, it := range impacted {
		if it.Distance == 0 {
			continue
		}
		item, ok := itemOf(it, name)
		if ok {
			s.Items = append(s.Items, item)
		}
	}
	slices.SortFunc(s.Items, func(a, b *Item) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), byName(a, b))
	})

	byOwner := map[string][]*Item{}
	for _, item := range s.Items {
		byOwner[item.Application.Owner] = append(byOwner[item.Application.Owner], item)
	}
	owners := make([]string, 0, len(byOwner))
	for owner := range byOwner {
		owners = append(owners, owner)
	}
	slices.SortFunc(owners, func(a, b string) int {
		// Applications without an owner go last: nobody has claimed them,
		// and the release manager must find them a tester.
		switch {
		case a == b:
			return 0
		case a == "":
			return 1
		case b == "":
			return -1
		}
		return cmp.Compare(a, b)
	})
	for _, owner := range owners {
		items := byOwner[owner]
		slices.SortFunc(items, func(a, b *Item) int {
			return cmp.Or(
				cmp.Compare(CriticalityRank(a.Application.Criticality), CriticalityRank(b.Application.Criticality)),
				cmp.Compare(a.Distance, b.Distance),
				byName(a, b))
		})
		s.Teams = append(s.Teams, Team{Owner: owner, Items: items})
	}
	return s
}

func itemOf(it impact.Impacted, name func(id int) (Application, bool)) (*Item, bool) {
	app, ok := name(it.ID)
	if !ok {
		return nil, false
	}
	item := &Item{Application: app, Distance: it.Distance, Path: make([]Application, 0, len(it.Path))}
	for _, id := range it.Path {
		p, ok := name(id)
		if !ok {
			return nil, false
		}
		item.Path = append(item.Path, p)
	}
	item.Reason = Reason(item.Path)
	return item, true
}

func byName(a, b *Item) int {
	return cmp.Or(cmp.Compare(a.Application.Name, b.Application.Name), cmp.Compare(a.Application.ID, b.Application.ID))
}

// criticalities are the criticalities, most critical first.
var criticalities = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW"}

// CriticalityRank orders criticalities: 0 for CRITICAL up to 3 for LOW,
// 4 for anything else.
func CriticalityRank(c string) int {
	if i := slices.Index(criticalities, c); i >= 0 {
		return i
	}
	return len(criticalities)
}

// Reason puts a chain (a changed application first, each next one
// depending on the one before) in words, from its last application back to
// the change: "web depends on api, which depends on payments (changed)".
// A chain of one names the changed application: "payments (changed)".
func Reason(path []Application) string {
	if len(path) == 0 {
		return ""
	}
	var b strings.Builder
	for i := len(path) - 1; i > 0; i-- {
		b.WriteString(path[i].Name)
		if i == len(path)-1 {
			b.WriteString(" depends on ")
		} else {
			b.WriteString(", which depends on ")
		}
	}
	b.WriteString(path[0].Name)
	b.WriteString(" (changed)")
	return b.String()
}

// ChainSeparator joins the names of a chain in the CSV's chain column.
const ChainSeparator = " -> "

// Chain is the names of path joined by ChainSeparator.
func Chain(path []Application) string {
	names := make([]string, len(path))
	for i, a := range path {
		names[i] = a.Name
	}
	return strings.Join(names, ChainSeparator)
}

// Header is the CSV's header row.
var Header = []string{"team", "application", "criticality", "distance", "chain", "reason"}

// WriteCSV writes s as CSV: Header, then one row per application in team
// order (Teams, each team's Items in order), the team cell empty for the
// applications without an owner; every cell escaped as EscapeCell does.
func WriteCSV(w io.Writer, s *Scope) error {
	out := csv.NewWriter(w)
	out.UseCRLF = true
	if err := out.Write(Header); err != nil {
		return err
	}
	for _, team := range s.Teams {
		for _, item := range team.Items {
			row := []string{
				team.Owner,
				item.Application.Name,
				item.Application.Criticality,
				strconv.Itoa(item.Distance),
				Chain(item.Path),
				item.Reason,
			}
			for i, cell := range row {
				row[i] = EscapeCell(cell)
			}
			if err := out.Write(row); err != nil {
				return err
			}
		}
	}
	out.Flush()
	return out.Error()
}

// EscapeCell defuses a cell a spreadsheet would read as a formula: one
// starting with =, +, -, @, a tab or a carriage return gets a leading
// apostrophe. So does one starting with an apostrophe, so that removing
// one leading apostrophe, wherever there is one, gives every value back.
func EscapeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r'", rune(s[0])) {
		return "'" + s
	}
	return s
}
