// Package deployplan holds the rules of deployment plans, pure: the step
// statuses and kinds (Go types the Ent schema stores and GraphQL exposes),
// building a plan's steps from a release's deployment waves, the wave gate
// a step must pass to start, and the differences between a plan and the
// waves it would be generated from today.
//
// A plan deploys a release's changed applications wave by wave (steps of
// one wave may run in parallel) and lists a rollback step per application
// in the reverse order. A DEPLOY step may start (RUNNING) or be recorded DONE
// only once every DEPLOY step of the earlier waves is DONE or SKIPPED; a
// ROLLBACK step, only once every ROLLBACK step that comes before it (the
// later waves') is DONE or SKIPPED. Regenerating never overwrites silently:
// the differences are shown, and replacing them is asked for explicitly.
package deployplan

import (
	"fmt"
	"io"
	"strconv"
)

// Status is where a plan step stands.
type Status string

// The step statuses. A step begins PENDING.
const (
	Pending Status = "PENDING"
	Running Status = "RUNNING"
	Done    Status = "DONE"
	Failed  Status = "FAILED"
	Skipped Status = "SKIPPED"
)

// Statuses lists every step status.
func Statuses() []Status { return []Status{Pending, Running, Done, Failed, Skipped} }

// Values lists the status names; Ent uses it for the enum column.
func (Status) Values() []string { return names(Statuses()) }

// String returns the status name.
func (s Status) String() string { return string(s) }

// MarshalGQL writes the status as a GraphQL enum value.
func (s Status) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(s))) }

// UnmarshalGQL reads a GraphQL enum value.
func (s *Status) UnmarshalGQL(v any) error {
	return unmarshal(v, "DeploymentStepStatus", Statuses(), s)
}

// Kind tells a deploying step from a rolling-back one.
type Kind string

// The step kinds.
const (
	Deploy   Kind = "DEPLOY"
	Rollback Kind = "ROLLBACK"
)

// Kinds lists every step kind.
func Kinds() []Kind { return []Kind{Deploy, Rollback} }

// Values lists the kind names; Ent uses it for the enum column.
func (Kind) Values() []string { return names(Kinds()) }

// String returns the kind name.
func (k Kind) String() string { return string(k) }

// MarshalGQL writes the kind as a GraphQL enum value.
func (k Kind) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(k))) }

// UnmarshalGQL reads a GraphQL enum value.
func (k *Kind) UnmarshalGQL(v any) error { return unmarshal(v, "DeploymentStepKind", Kinds(), k) }

func names[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

func unmarshal[T ~string](v any, enum string, known []T, out *T) error {
	str, ok := v.(string)
	if !ok {
		return fmt.Errorf("enum %s must be a string, got %T", enum, v)
	}
	for _, k := range known {
		if T(str) == k {
			*out = k
			return nil
		}
	}
	return fmt.Errorf("%q is not a valid %s", str, enum)
}
