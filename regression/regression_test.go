package regression_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/regression"
)

func TestReason(t *testing.T) {
	apps := func(names ...string) []regression.Application {
		out := make([]regression.Application, len(names))
		for i, n := range names {
			out[i] = regression.Application{ID: i + 1, Name: n}
		}
		return out
	}
	for _, tc := range []struct {
		path []string
		want string
	}{
		{nil, ""},
		{[]string{"payments"}, "payments (changed)"},
		{[]string{"payments", "web"}, "web depends on payments (changed)"},
		{[]string{"payments", "api", "web"}, "web depends on api, which depends on payments (changed)"},
		{[]string{"db", "payments", "api", "web"}, "web depends on api, which depends on payments, which depends on db (changed)"},
	} {
		if got := regression.Reason(apps(tc.path...)); got != tc.want {
			t.Errorf("Reason(%v) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

func TestEscapeCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"web", "web"},
		{"=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tcmd", "'\tcmd"},
		{"\rcmd", "'\rcmd"},
		{"'quoted", "''quoted"},
		{"a=b", "a=b"},
	} {
		got := regression.EscapeCell(tc.in)
		if got != tc.want {
			t.Errorf("EscapeCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
		// Removing one leading apostrophe gives the value back.
		if back, _ := strings.CutPrefix(got, "'"); back != tc.in {
			t.Errorf("EscapeCell(%q) = %q does not give the value back", tc.in, got)
		}
	}
}

// TestOf checks the scope's membership, groupings and orders on a hand-made
// impact whose input order is scrambled.
func TestOf(t *testing.T) {
	records := map[int]regression.Application{
		1: {ID: 1, Name: "payments", Owner: "pay", Criticality: "CRITICAL"},
		2: {ID: 2, Name: "ledger", Owner: "pay", Criticality: "HIGH"},
		3: {ID: 3, Name: "api", Owner: "platform", Criticality: "MEDIUM"},
		4: {ID: 4, Name: "web", Owner: "", Criticality: "HIGH"},
		5: {ID: 5, Name: "batch", Owner: "pay", Criticality: "LOW"},
		6: {ID: 6, Name: "admin", Owner: "", Criticality: "LOW"},
		7: {ID: 7, Name: "zeta", Owner: "pay", Criticality: "CRITICAL"},
	}
	name := func(id int) (regression.Application, bool) { a, ok := records[id]; return a, ok }
	impacted := []impact.Impacted{
		{ID: 6, Distance: 2, Path: []int{1, 3, 6}},
		{ID: 1, Distance: 0, Path: []int{1}},
		{ID: 2, Distance: 0, Path: []int{2}},
		{ID: 4, Distance: 2, Path: []int{1, 3, 4}},
		{ID: 3, Distance: 1, Path: []int{1, 3}},
		{ID: 5, Distance: 1, Path: []int{2, 5}},
		{ID: 7, Distance: 2, Path: []int{2, 5, 7}},
		{ID: 99, Distance: 1, Path: []int{1, 99}}, // no record: left out
	}
	s := regression.Of(impacted, name)

	names := func(items []*regression.Item) []string {
		var out []string
		for _, it := range items {
			out = append(out, it.Application.Name)
		}
		return out
	}
	if got, want := names(s.Items), []string{"api", "batch", "admin", "web", "zeta"}; !slices.Equal(got, want) {
		t.Errorf("items %v, want %v (by distance, then name; changed ones out)", got, want)
	}
	var owners []string
	for _, team := range s.Teams {
		owners = append(owners, team.Owner)
	}
	if want := []string{"pay", "platform", ""}; !slices.Equal(owners, want) {
		t.Errorf("teams %q, want %q", owners, want)
	}
	// pay: zeta is CRITICAL (distance 2) before batch LOW (distance 1).
	if got, want := names(s.Teams[0].Items), []string{"zeta", "batch"}; !slices.Equal(got, want) {
		t.Errorf("team pay %v, want %v", got, want)
	}
	if got, want := names(s.Teams[2].Items), []string{"web", "admin"}; !slices.Equal(got, want) {
		t.Errorf("no owner %v, want %v (HIGH before LOW)", got, want)
	}
	if got := s.Teams[0].Items[0].Reason; got != "zeta depends on batch, which depends on ledger (changed)" {
		t.Errorf("reason %q", got)
	}

	var buf bytes.Buffer
	if err := regression.WriteCSV(&buf, s); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], regression.Header) || len(rows) != 1+len(s.Items) {
		t.Fatalf("rows %q", rows)
	}
	if want := []string{"", "web", "HIGH", "2", "payments -> api -> web", "web depends on api, which depends on payments (changed)"}; !slices.Equal(rows[4], want) {
		t.Errorf("row %q, want %q", rows[4], want)
	}

	empty := regression.Of(nil, name)
	if empty.Items == nil || empty.Teams == nil || len(empty.Items)+len(empty.Teams) != 0 {
		t.Errorf("empty scope %+v", empty)
	}
}
