package deployplan

import (
	"cmp"
	"slices"
)

// Application is what a plan needs to know of an application.
type Application struct {
	ID    int
	Name  string
	Owner string
}

// Step is one step of a plan as Build lays it out, or as a stored plan
// holds it.
type Step struct {
	Application Application
	Kind        Kind
	// Wave is the application's deployment wave, from 1; a ROLLBACK step
	// keeps its application's wave so that the gate can reason about it.
	Wave int
	// Position is the step's place in the plan, from 1.
	Position int
}

// Build lays out the steps of a plan for waves, a release's deployment
// waves (wave 1 first; impact.Snapshot.DeploymentWaves): a DEPLOY step per
// application, wave by wave, by application name (then id) within a wave;
// then a ROLLBACK step per application in the exact reverse order, so the
// last application deployed is the first rolled back. Positions run from 1
// through both. An application named in two waves counts in the first.
func Build(waves [][]Application) []Step {
	var deploy []Step
	seen := map[int]bool{}
	wave := 0
	for _, apps := range waves {
		var group []Application
		for _, a := range apps {
			if !seen[a.ID] {
				seen[a.ID] = true
				group = append(group, a)
			}
		}
		if len(group) == 0 {
			continue
		}
		wave++
		slices.SortFunc(group, byName)
		for _, a := range group {
			deploy = append(deploy, Step{Application: a, Kind: Deploy, Wave: wave})
		}
	}
	steps := make([]Step, 0, 2*len(deploy))
	steps = append(steps, deploy...)
	for i := len(deploy) - 1; i >= 0; i-- {
		s := deploy[i]
		s.Kind = Rollback
		steps = append(steps, s)
	}
	for i := range steps {
		steps[i].Position = i + 1
	}
	return steps
}

func byName(a, b Application) int {
	return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
}

// DifferenceKind says how a plan differs from the waves it would be
// generated from now.
type DifferenceKind string

// The kinds of difference, as GraphQL's DeploymentPlanDifferenceKind.
const (
	// Added: a changed application the plan has no step for.
	Added DifferenceKind = "ADDED"
	// Removed: a step for an application the release no longer changes.
	Removed DifferenceKind = "REMOVED"
	// Moved: an application whose wave moved.
	Moved DifferenceKind = "MOVED"
)

// Difference is one way a plan differs from the current waves.
type Difference struct {
	Kind        DifferenceKind
	Application Application
	// PlanWave is the application's wave in the plan, 0 when Added.
	PlanWave int
	// CurrentWave is the application's wave now, 0 when Removed.
	CurrentWave int
}

// Diff compares a plan's steps with the waves the release has now. Only
// the DEPLOY steps count (ROLLBACK steps mirror them), and only the
// application sets and their waves: a step whose position shifted because
// others came or went, or an application renamed since, is no difference.
// The differences come by application name, then id, whatever the order of
// the inputs; none means the plan is up to date.
func Diff(plan []Step, current [][]Application) []Difference {
	now := map[int]int{}
	apps := map[int]Application{}
	for _, s := range Build(current) {
		if s.Kind == Deploy {
			now[s.Application.ID] = s.Wave
			apps[s.Application.ID] = s.Application
		}
	}
	planned := map[int]int{}
	var out []Difference
	for _, s := range plan {
		if s.Kind != Deploy {
			continue
		}
		if _, dup := planned[s.Application.ID]; dup {
			continue
		}
		planned[s.Application.ID] = s.Wave
		wave, still := now[s.Application.ID]
		switch {
		case !still:
			out = append(out, Difference{Kind: Removed, Application: s.Application, PlanWave: s.Wave})
		case wave != s.Wave:
			out = append(out, Difference{Kind: Moved, Application: apps[s.Application.ID], PlanWave: s.Wave, CurrentWave: wave})
		}
	}
	for id, wave := range now {
		if _, had := planned[id]; !had {
			out = append(out, Difference{Kind: Added, Application: apps[id], CurrentWave: wave})
		}
	}
	slices.SortFunc(out, func(a, b Difference) int { return byName(a.Application, b.Application) })
	return out
}
