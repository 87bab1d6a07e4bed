package risk_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/relgraph/relgraph/risk"
)

// factor returns the factor named name of a.
func factor(t *testing.T, a risk.Assessment, name string) risk.Factor {
	t.Helper()
	for _, f := range a.Factors {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no factor %s in %+v", name, a.Factors)
	return risk.Factor{}
}

// apps makes n applications named prefix0.., owned by owner, of
// criticality c.
func apps(prefix string, n int, owner, c string) []risk.Application {
	out := make([]risk.Application, n)
	for i := range out {
		out[i] = risk.Application{Name: fmt.Sprintf("%s%02d", prefix, i), Owner: owner, Criticality: c}
	}
	return out
}

func TestFactorOrderAndWeights(t *testing.T) {
	a := risk.Assess(risk.Inputs{})
	want := []string{"changeRisk", "changedCriticality", "impactedCriticality", "impactBreadth", "teamBreadth",
		"sharedApplications", "conflicts", "freezeOverlap", "dependencyCycle"}
	wantWeights := []float64{20, 15, 10, 15, 10, 10, 10, 5, 5}
	if len(a.Factors) != len(want) {
		t.Fatalf("%d factors, want %d", len(a.Factors), len(want))
	}
	sum := 0.0
	for i, f := range a.Factors {
		if f.Name != want[i] || f.Weight != wantWeights[i] {
			t.Errorf("factor %d is %s (%v), want %s (%v)", i, f.Name, f.Weight, want[i], wantWeights[i])
		}
		sum += f.Weight
	}
	if sum != 100 {
		t.Errorf("weights add up to %v, want 100", sum)
	}
}

func TestEachFactor(t *testing.T) {
	critical := risk.Application{Name: "core", Owner: "Platform", Criticality: risk.Critical, Shared: true}
	tests := []struct {
		name        string
		in          risk.Inputs
		factor      string
		value       float64
		explanation string
	}{
		{"no changes", risk.Inputs{}, "changeRisk", 0, "no changes"},
		{"low change", risk.Inputs{Changes: []risk.Change{{"A-1", risk.Low}}}, "changeRisk", 0.333,
			"highest declared change risk: LOW (A-1), of 1 change"},
		{"medium beats low", risk.Inputs{Changes: []risk.Change{{"A-1", risk.Low}, {"A-2", risk.Medium}}}, "changeRisk", 0.667,
			"highest declared change risk: MEDIUM (A-2), of 2 changes"},
		{"every high change is named", risk.Inputs{Changes: []risk.Change{{"B-2", risk.High}, {"A-1", risk.Medium}, {"B-1", risk.High}}},
			"changeRisk", 1, "highest declared change risk: HIGH (B-1, B-2), of 3 changes"},
		{"unknown risk counts as none", risk.Inputs{Changes: []risk.Change{{"A-1", "EXTREME"}}}, "changeRisk", 0,
			"no declared risk among 1 change"},

		{"nothing changed", risk.Inputs{}, "changedCriticality", 0, "no changed applications"},
		{"low changed", risk.Inputs{Changed: apps("a", 1, "", risk.Low)}, "changedCriticality", 0.25,
			"highest criticality of 1 changed application: LOW (a00)"},
		{"medium changed", risk.Inputs{Changed: apps("a", 2, "", risk.Medium)}, "changedCriticality", 0.5,
			"highest criticality of 2 changed applications: MEDIUM (a00, a01)"},
		{"high changed", risk.Inputs{Changed: append(apps("a", 1, "", risk.High), apps("b", 1, "", risk.Low)...)}, "changedCriticality", 0.75,
			"highest criticality of 2 changed applications: HIGH (a00)"},
		{"critical changed", risk.Inputs{Changed: []risk.Application{critical}}, "changedCriticality", 1,
			"highest criticality of 1 changed application: CRITICAL (core)"},

		{"nothing beyond the changed", risk.Inputs{Changed: []risk.Application{critical}, Impacted: []risk.Application{critical}},
			"impactedCriticality", 0, "no application impacted beyond the changed ones"},
		{"impacted high", risk.Inputs{Changed: []risk.Application{critical}, Impacted: append(apps("x", 2, "", risk.High), critical)},
			"impactedCriticality", 0.75, "highest criticality of 2 applications impacted but not changed: HIGH (x00, x01)"},
		{"names are capped", risk.Inputs{Impacted: apps("x", 8, "", risk.Critical)},
			"impactedCriticality", 1, "highest criticality of 8 applications impacted but not changed: CRITICAL (x00, x01, x02, x03, x04 and 3 more)"},

		{"empty portfolio", risk.Inputs{}, "impactBreadth", 0, "no applications in the portfolio"},
		{"breadth counts changed and impacted once", risk.Inputs{Changed: []risk.Application{critical},
			Impacted: append(apps("x", 13, "", risk.Low), critical), Applications: 30}, "impactBreadth", 0.467, "14 of 30 applications impacted"},
		{"whole portfolio", risk.Inputs{Impacted: apps("x", 3, "", risk.Low), Applications: 3}, "impactBreadth", 1, "3 of 3 applications impacted"},

		{"no teams", risk.Inputs{}, "teamBreadth", 0, "no team owns an application in the portfolio"},
		{"no owner is no team", risk.Inputs{Impacted: apps("x", 2, "", risk.Low), Teams: 4}, "teamBreadth", 0,
			"0 of 4 teams own an impacted application"},
		{"distinct teams", risk.Inputs{Changed: apps("a", 2, "Payments", risk.Low), Impacted: append(apps("x", 2, "Ledger", risk.Low), apps("y", 1, "", risk.Low)...), Teams: 3},
			"teamBreadth", 0.667, "2 of 3 teams own an impacted application (Ledger, Payments)"},

		{"nothing shared", risk.Inputs{Changed: apps("a", 3, "", risk.Low)}, "sharedApplications", 0, "no shared application changed"},
		{"one shared", risk.Inputs{Changed: append(apps("a", 3, "", risk.Low), critical)}, "sharedApplications", 0.5,
			"1 shared application changed (core)"},
		{"shared impacted do not count", risk.Inputs{Impacted: []risk.Application{critical}}, "sharedApplications", 0, "no shared application changed"},
		{"two shared saturate", risk.Inputs{Changed: []risk.Application{critical, {Name: "bus", Shared: true}, {Name: "db", Shared: true}}},
			"sharedApplications", 1, "3 shared applications changed (bus, core, db)"},

		{"no conflicts", risk.Inputs{}, "conflicts", 0, "conflicts with no release"},
		{"one conflict", risk.Inputs{Conflicts: []string{"R2"}}, "conflicts", 0.333, "conflicts with 1 release (R2)"},
		{"two conflicts, one repeated", risk.Inputs{Conflicts: []string{"R3", "R2", "R3"}}, "conflicts", 0.667, "conflicts with 2 releases (R2, R3)"},
		{"three conflicts saturate", risk.Inputs{Conflicts: []string{"R2", "R3", "R4", "R5"}}, "conflicts", 1, "conflicts with 4 releases (R2, R3, R4, R5)"},

		{"no freeze", risk.Inputs{}, "freezeOverlap", 0, "overlaps no freeze window covering its impact"},
		{"a freeze", risk.Inputs{Freezes: []string{"Year-end"}}, "freezeOverlap", 1, "overlaps 1 freeze window covering its impact (Year-end)"},

		{"no cycle", risk.Inputs{Changed: []risk.Application{critical}}, "dependencyCycle", 0, "changes no application on a dependency cycle"},
		{"a cycle", risk.Inputs{Changed: []risk.Application{{Name: "orders", OnCycle: true}, {Name: "stock", OnCycle: true}, critical}},
			"dependencyCycle", 1, "changes 2 applications on a dependency cycle (orders, stock)"},
		{"impacted on a cycle does not count", risk.Inputs{Impacted: []risk.Application{{Name: "orders", OnCycle: true}}},
			"dependencyCycle", 0, "changes no application on a dependency cycle"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := factor(t, risk.Assess(tc.in), tc.factor)
			if f.Value != tc.value || f.Explanation != tc.explanation {
				t.Errorf("%s = %v %q, want %v %q", tc.factor, f.Value, f.Explanation, tc.value, tc.explanation)
			}
		})
	}
}

func TestBounds(t *testing.T) {
	none := risk.Assess(risk.Inputs{})
	if none.Score != 0 || none.Level != risk.Low {
		t.Errorf("no inputs: %v %s, want 0 LOW", none.Score, none.Level)
	}
	everything := risk.Inputs{
		Changes:      []risk.Change{{"A-1", risk.High}},
		Changed:      []risk.Application{{Name: "a", Owner: "T", Criticality: risk.Critical, Shared: true, OnCycle: true}, {Name: "b", Owner: "U", Criticality: risk.Low, Shared: true}},
		Impacted:     []risk.Application{{Name: "c", Owner: "V", Criticality: risk.Critical}},
		Applications: 3,
		Teams:        3,
		Conflicts:    []string{"R2", "R3", "R4"},
		Freezes:      []string{"F"},
	}
	all := risk.Assess(everything)
	if all.Score != 100 || all.Level != risk.High {
		t.Errorf("everything: %v %s, want 100 HIGH", all.Score, all.Level)
	}
	for _, f := range all.Factors {
		if f.Value != 1 {
			t.Errorf("%s = %v, want 1", f.Name, f.Value)
		}
	}
	// Inconsistent counts (more impacted than the portfolio holds) stay
	// within bounds.
	over := risk.Assess(risk.Inputs{Impacted: apps("x", 5, "T", risk.Low), Applications: 2, Teams: 0})
	if v := factor(t, over, "impactBreadth").Value; v != 1 {
		t.Errorf("impactBreadth over a too small portfolio = %v, want 1", v)
	}
}

// TestRoundingAndLevels checks the score's rounding (half up, to one
// decimal, from the values as shown) and the level thresholds.
func TestRoundingAndLevels(t *testing.T) {
	high := []risk.Change{{"A-1", risk.High}}
	tests := []struct {
		name  string
		in    risk.Inputs
		score float64
		level string
	}{
		// 15 × 0.75 = 11.25: half up.
		{"half up", risk.Inputs{Changed: apps("a", 1, "", risk.High)}, 11.3, risk.Low},
		// 20 × 0.333 = 6.66.
		{"a third", risk.Inputs{Changes: []risk.Change{{"A-1", risk.Low}}}, 6.7, risk.Low},
		// 20 + 15 × 0.66 = 29.9.
		{"just below medium", risk.Inputs{Changes: high, Impacted: apps("x", 66, "", ""), Applications: 100}, 29.9, risk.Low},
		// 20 + 10 × 1 = 30.
		{"medium from 30", risk.Inputs{Changes: high, Conflicts: []string{"R2", "R3", "R4"}}, 30, risk.Medium},
		// 20 + 15 + 10 + 15 × 0.993 = 59.895.
		{"just below high", risk.Inputs{Changes: high, Changed: apps("a", 1, "", risk.Critical),
			Impacted: apps("x", 148, "", risk.Critical), Applications: 150}, 59.9, risk.Medium},
		// 20 + 15 + 10 + 15 = 60.
		{"high from 60", risk.Inputs{Changes: high, Changed: apps("a", 1, "", risk.Critical),
			Impacted: apps("x", 1, "", risk.Critical), Applications: 2}, 60, risk.High},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := risk.Assess(tc.in)
			if a.Score != tc.score || a.Level != tc.level {
				t.Errorf("score %v %s, want %v %s (factors %+v)", a.Score, a.Level, tc.score, tc.level, a.Factors)
			}
			sum := 0.0
			for _, f := range a.Factors {
				sum += f.Weight * f.Value
			}
			if d := sum - a.Score; d < -0.05-1e-9 || d >= 0.05 {
				t.Errorf("score %v is not the sum of weight × value (%v) to one decimal", a.Score, sum)
			}
		})
	}
}

// TestDeterminism: the same inputs in any order give the same assessment.
func TestDeterminism(t *testing.T) {
	in := risk.Inputs{
		Changes: []risk.Change{{"PAY-2", risk.High}, {"PAY-1", risk.High}, {"PAY-3", risk.Low}, {"PAY-1", risk.High}},
		Changed: []risk.Application{
			{Name: "gateway", Owner: "Payments", Criticality: risk.Critical, Shared: true},
			{Name: "bus", Owner: "Platform", Criticality: risk.Critical, Shared: true, OnCycle: true},
			{Name: "ledger", Owner: "Finance", Criticality: risk.High},
		},
		Impacted:     append(apps("svc", 12, "Team", risk.High), apps("ui", 3, "", risk.Critical)...),
		Applications: 40,
		Teams:        9,
		Conflicts:    []string{"R9", "R1", "R5"},
		Freezes:      []string{"Year-end", "Audit"},
	}
	want := risk.Assess(in)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 50 {
		p := in
		p.Changes = shuffled(rng, in.Changes)
		p.Changed = shuffled(rng, in.Changed)
		// The changed may be listed among the impacted too.
		p.Impacted = shuffled(rng, append(append([]risk.Application{}, in.Impacted...), in.Changed...))
		p.Conflicts = shuffled(rng, in.Conflicts)
		p.Freezes = shuffled(rng, in.Freezes)
		if got := risk.Assess(p); !reflect.DeepEqual(got, want) {
			t.Fatalf("permutation %d:\n%+v\nwant\n%+v", i, got, want)
		}
	}
	for _, f := range want.Factors {
		if strings.Contains(f.Explanation, "PAY-1, PAY-1") {
			t.Errorf("a repeated change is named twice: %q", f.Explanation)
		}
	}
}

func shuffled[T any](rng *rand.Rand, s []T) []T {
	out := append([]T(nil), s...)
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func BenchmarkAssess(b *testing.B) {
	in := risk.Inputs{
		Changes:      []risk.Change{{"A-1", risk.High}, {"A-2", risk.Low}},
		Changed:      apps("c", 20, "T", risk.High),
		Impacted:     apps("x", 2000, "U", risk.Medium),
		Applications: 10000,
		Teams:        50,
	}
	b.ReportAllocs()
	for b.Loop() {
		risk.Assess(in)
	}
}
