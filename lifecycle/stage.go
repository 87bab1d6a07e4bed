// Package lifecycle holds the release-management rules that are neither
// storage nor GraphQL: the environment stages a release flows through, in
// order, and the release state machine. Callers gather the facts (windows,
// deployments, freezes); this package decides.
package lifecycle

import (
	"fmt"
	"io"
	"slices"
	"strconv"
)

// Stage is the kind of environment a deployment goes to; releases flow
// through the stages in the order of Stages.
type Stage string

// The stages, in the order a release passes them.
const (
	Development     Stage = "DEVELOPMENT"
	SystemTest      Stage = "SYSTEM_TEST"
	IntegrationTest Stage = "INTEGRATION_TEST"
	PerformanceTest Stage = "PERFORMANCE_TEST"
	UserAcceptance  Stage = "USER_ACCEPTANCE"
	Production      Stage = "PRODUCTION"
)

// Stages lists every stage in flow order.
func Stages() []Stage {
	return []Stage{Development, SystemTest, IntegrationTest, PerformanceTest, UserAcceptance, Production}
}

// Rank is the stage's position in the flow; -1 for an unknown stage.
func (s Stage) Rank() int {
	return slices.Index(Stages(), s)
}

// Values lists the stage names; Ent uses it for the enum column.
func (Stage) Values() []string {
	out := make([]string, 0, 6)
	for _, s := range Stages() {
		out = append(out, string(s))
	}
	return out
}

// MarshalGQL writes the stage as a GraphQL enum value.
func (s Stage) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(s)))
}

// UnmarshalGQL reads a GraphQL enum value.
func (s *Stage) UnmarshalGQL(v any) error {
	str, ok := v.(string)
	if !ok {
		return fmt.Errorf("enum EnvironmentStage must be a string, got %T", v)
	}
	if Stage(str).Rank() < 0 {
		return fmt.Errorf("%q is not a valid EnvironmentStage", str)
	}
	*s = Stage(str)
	return nil
}

// NormalizeStages sorts stages into flow order, refusing an empty list,
// unknown stages and repeats.
func NormalizeStages(stages []Stage) ([]Stage, error) {
	if len(stages) == 0 {
		return nil, fmt.Errorf("a release must pass at least one stage")
	}
	out := slices.Clone(stages)
	for _, s := range out {
		if s.Rank() < 0 {
			return nil, fmt.Errorf("%q is not a stage", s)
		}
	}
	slices.SortFunc(out, func(a, b Stage) int { return a.Rank() - b.Rank() })
	for i := 1; i < len(out); i++ {
		if out[i] == out[i-1] {
			return nil, fmt.Errorf("stage %s is listed twice", out[i])
		}
	}
	return out, nil
}

// Before returns the stages of stages that come before s in the flow.
func Before(stages []Stage, s Stage) []Stage {
	var out []Stage
	for _, x := range stages {
		if x.Rank() < s.Rank() {
			out = append(out, x)
		}
	}
	return out
}
