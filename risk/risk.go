// Package risk scores how risky a release is, and says why: a weighted sum
// of nine factors computed from documented inputs, pure (the caller gathers
// the inputs; store does so for releases and release packages).
//
// # Formula
//
// Each factor has a weight and a value from 0 to 1; the score is the sum of
// weight × value over the factors, from 0 to 100. The weights add up to 100.
//
//	factor               weight  value
//	changeRisk             20    highest declared risk of the changes: LOW 1/3, MEDIUM 2/3, HIGH 1; no changes 0
//	changedCriticality     15    highest criticality of the changed applications: LOW 0.25, MEDIUM 0.5, HIGH 0.75, CRITICAL 1
//	impactedCriticality    10    the same over the applications impacted but not changed
//	impactBreadth          15    impacted applications (changed included) / applications in the portfolio
//	teamBreadth            10    distinct owning teams of the impacted applications / distinct teams in the portfolio
//	sharedApplications     10    changed applications that are shared (two or more direct consumers): min(1, n/2)
//	conflicts              10    releases it conflicts with: min(1, n/3)
//	freezeOverlap           5    1 if its window overlaps a freeze window covering an application in its impact
//	dependencyCycle         5    1 if a changed application lies on a dependency cycle
//
// The level is LOW below 30, MEDIUM from 30 and below 60, HIGH from 60.
//
// # Determinism
//
// The same inputs always give the same assessment, whatever order the
// caller lists them in: Assess sorts and deduplicates every list before it
// counts or names anything. Arithmetic is exact: each value is rounded half
// up to three decimals (1/3 is 0.333) and kept in thousandths, and the score
// is the integer sum of weight × thousandths rounded half up to one
// decimal, so a reader can redo it from the values shown and no float
// rounding differs between machines. An application without an owner
// belongs to no team; an unknown risk or criticality counts as none (0).
package risk

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// The levels of a declared change risk and of an assessment.
const (
	Low    = "LOW"
	Medium = "MEDIUM"
	High   = "HIGH"
)

// Critical is the highest application criticality; the others share the
// risk levels' names (LOW, MEDIUM, HIGH).
const Critical = "CRITICAL"

// Change is one change of the assessed release(s).
type Change struct {
	// Name identifies the change in explanations: its ticket key, or its
	// title when it has none.
	Name string
	// Risk is the declared risk: LOW, MEDIUM or HIGH.
	Risk string
}

// Application is one changed or impacted application.
type Application struct {
	// Name is the application's unique name.
	Name string
	// Owner is the owning team; empty for none.
	Owner string
	// Criticality is LOW, MEDIUM, HIGH or CRITICAL.
	Criticality string
	// Shared and OnCycle count for changed applications only: whether two
	// or more applications depend on it directly, and whether it lies on a
	// dependency cycle.
	Shared, OnCycle bool
}

// Inputs are everything a score is computed from.
type Inputs struct {
	// Changes are the release's changes.
	Changes []Change
	// Changed are the applications the changes touch.
	Changed []Application
	// Impacted are the applications impacted but not changed (one in
	// Changed too counts as changed).
	Impacted []Application
	// Applications and Teams count the portfolio's applications and its
	// distinct owning teams (owners other than empty).
	Applications, Teams int
	// Conflicts name the releases it conflicts with.
	Conflicts []string
	// Freezes name the freeze windows its window overlaps that cover an
	// application of its impact.
	Freezes []string
}

// Factor is one term of the score.
type Factor struct {
	// Name is the factor's name, e.g. changeRisk.
	Name string
	// Weight is the most the factor adds to the score.
	Weight float64
	// Value is how strongly the factor applies, from 0 to 1, to three
	// decimals.
	Value float64
	// Explanation says what the value was computed from.
	Explanation string
}

// Assessment is a score with its level and factors.
type Assessment struct {
	// Score is the sum of weight × value, from 0 to 100, to one decimal.
	Score float64
	// Level is LOW, MEDIUM or HIGH.
	Level string
	// Factors are all nine, in the formula's order.
	Factors []Factor
}

// The factors' names and weights, in the formula's order.
var weights = []struct {
	name   string
	weight int
}{
	{"changeRisk", 20},
	{"changedCriticality", 15},
	{"impactedCriticality", 10},
	{"impactBreadth", 15},
	{"teamBreadth", 10},
	{"sharedApplications", 10},
	{"conflicts", 10},
	{"freezeOverlap", 5},
	{"dependencyCycle", 5},
}

// Levels below these scores (in tenths of a point) are LOW and MEDIUM.
const (
	mediumFrom = 300
	highFrom   = 600
)

// maxNamed bounds the names an explanation lists; the rest are counted.
const maxNamed = 5

// term is a factor's value in thousandths, with its explanation.
type term struct {
	milli       int
	explanation string
}

// Assess scores in.
func Assess(in Inputs) Assessment {
	changed := uniqueApps(in.Changed)
	isChanged := make(map[string]bool, len(changed))
	for _, a := range changed {
		isChanged[a.Name] = true
	}
	var impacted []Application
	for _, a := range uniqueApps(in.Impacted) {
		if !isChanged[a.Name] {
			impacted = append(impacted, a)
		}
	}
	terms := []term{
		changeRisk(in.Changes),
		criticality(changed, "no changed applications", plural(len(changed), "changed application", "changed applications")),
		criticality(impacted, "no application impacted beyond the changed ones", plural(len(impacted), "application", "applications")+" impacted but not changed"),
		impactBreadth(len(changed)+len(impacted), in.Applications),
		teamBreadth(append(slices.Clone(changed), impacted...), in.Teams),
		shared(changed),
		conflicts(unique(in.Conflicts)),
		freezes(unique(in.Freezes)),
		cycles(changed),
	}
	out := Assessment{Factors: make([]Factor, len(terms))}
	total := 0 // thousandths of a point
	for i, t := range terms {
		total += weights[i].weight * t.milli
		out.Factors[i] = Factor{
			Name:        weights[i].name,
			Weight:      float64(weights[i].weight),
			Value:       float64(t.milli) / 1000,
			Explanation: t.explanation,
		}
	}
	tenths := (total + 50) / 100
	out.Score = float64(tenths) / 10
	switch {
	case tenths < mediumFrom:
		out.Level = Low
	case tenths < highFrom:
		out.Level = Medium
	default:
		out.Level = High
	}
	return out
}

func changeRisk(changes []Change) term {
	if len(changes) == 0 {
		return term{0, "no changes"}
	}
	top := 0
	var named []string
	for _, c := range changes {
		switch r := riskRank(c.Risk); {
		case r > top:
			top, named = r, []string{c.Name}
		case r == top:
			named = append(named, c.Name)
		}
	}
	if top == 0 {
		return term{0, fmt.Sprintf("no declared risk among %s", plural(len(changes), "change", "changes"))}
	}
	level := []string{"", Low, Medium, High}[top]
	return term{fraction(top, 3), fmt.Sprintf("highest declared change risk: %s (%s), of %s",
		level, list(unique(named)), plural(len(changes), "change", "changes"))}
}

func riskRank(r string) int {
	return slices.Index([]string{Low, Medium, High}, r) + 1
}

func criticalityRank(c string) int {
	return slices.Index([]string{Low, Medium, High, Critical}, c) + 1
}

// criticality is the highest criticality of apps, described as what.
func criticality(apps []Application, none, what string) term {
	top := 0
	var named []string
	for _, a := range apps {
		switch r := criticalityRank(a.Criticality); {
		case r > top:
			top, named = r, []string{a.Name}
		case r == top:
			named = append(named, a.Name)
		}
	}
	if len(apps) == 0 {
		return term{0, none}
	}
	if top == 0 {
		return term{0, fmt.Sprintf("no known criticality among %s", what)}
	}
	level := []string{"", Low, Medium, High, Critical}[top]
	return term{fraction(top, 4), fmt.Sprintf("highest criticality of %s: %s (%s)", what, level, list(named))}
}

func impactBreadth(impacted, portfolio int) term {
	if portfolio <= 0 {
		return term{0, "no applications in the portfolio"}
	}
	return term{fraction(min(impacted, portfolio), portfolio),
		fmt.Sprintf("%d of %s impacted", impacted, plural(portfolio, "application", "applications"))}
}

func teamBreadth(apps []Application, portfolio int) term {
	var teams []string
	for _, a := range apps {
		if a.Owner != "" {
			teams = append(teams, a.Owner)
		}
	}
	teams = unique(teams)
	if portfolio <= 0 {
		return term{0, "no team owns an application in the portfolio"}
	}
	if len(teams) == 0 {
		return term{0, fmt.Sprintf("0 of %s own an impacted application", plural(portfolio, "team", "teams"))}
	}
	return term{fraction(min(len(teams), portfolio), portfolio),
		fmt.Sprintf("%d of %s own an impacted application (%s)", len(teams), plural(portfolio, "team", "teams"), list(teams))}
}

func shared(changed []Application) term {
	var names []string
	for _, a := range changed {
		if a.Shared {
			names = append(names, a.Name)
		}
	}
	if len(names) == 0 {
		return term{0, "no shared application changed"}
	}
	return term{fraction(min(len(names), 2), 2),
		fmt.Sprintf("%s changed (%s)", plural(len(names), "shared application", "shared applications"), list(names))}
}

func conflicts(releases []string) term {
	if len(releases) == 0 {
		return term{0, "conflicts with no release"}
	}
	return term{fraction(min(len(releases), 3), 3),
		fmt.Sprintf("conflicts with %s (%s)", plural(len(releases), "release", "releases"), list(releases))}
}

func freezes(names []string) term {
	if len(names) == 0 {
		return term{0, "overlaps no freeze window covering its impact"}
	}
	return term{1000, fmt.Sprintf("overlaps %s covering its impact (%s)",
		plural(len(names), "freeze window", "freeze windows"), list(names))}
}

func cycles(changed []Application) term {
	var names []string
	for _, a := range changed {
		if a.OnCycle {
			names = append(names, a.Name)
		}
	}
	if len(names) == 0 {
		return term{0, "changes no application on a dependency cycle"}
	}
	return term{1000, fmt.Sprintf("changes %s on a dependency cycle (%s)",
		plural(len(names), "application", "applications"), list(names))}
}

// fraction is num/den in thousandths, rounded half up; den > 0, num ≥ 0.
func fraction(num, den int) int {
	return (2000*num + den) / (2 * den)
}

// uniqueApps returns apps by name without repeats (the first of a name
// wins after sorting by every field, so the choice does not depend on the
// caller's order).
func uniqueApps(apps []Application) []Application {
	apps = slices.Clone(apps)
	slices.SortFunc(apps, func(a, b Application) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Owner, b.Owner),
			strings.Compare(a.Criticality, b.Criticality), compareBool(a.Shared, b.Shared), compareBool(a.OnCycle, b.OnCycle))
	})
	return slices.CompactFunc(apps, func(a, b Application) bool { return a.Name == b.Name })
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	default:
		return -1
	}
}

// unique returns names sorted, without repeats.
func unique(names []string) []string {
	names = slices.Clone(names)
	slices.Sort(names)
	return slices.Compact(names)
}

// list joins sorted, unique names, naming at most maxNamed.
func list(names []string) string {
	names = unique(names)
	if len(names) <= maxNamed {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:maxNamed], ", ") + fmt.Sprintf(" and %d more", len(names)-maxNamed)
}

// plural counts n things: "1 change", "2 changes".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
