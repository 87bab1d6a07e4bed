package lifecycle

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/relgraph/relgraph/internal/fault"
)

// DeploymentStatus is where a deployment stands. The Ent schema stores it
// and GraphQL exposes it as the DeploymentStatus enum; this is the one place
// its values are spelled.
type DeploymentStatus string

// The deployment statuses. FAILED and ROLLED_BACK are final: a new attempt
// is a new deployment.
const (
	DeploymentScheduled  DeploymentStatus = "SCHEDULED"
	DeploymentInProgress DeploymentStatus = "IN_PROGRESS"
	DeploymentSucceeded  DeploymentStatus = "SUCCEEDED"
	DeploymentFailed     DeploymentStatus = "FAILED"
	DeploymentRolledBack DeploymentStatus = "ROLLED_BACK"
)

// DeploymentStatuses lists every deployment status.
func DeploymentStatuses() []DeploymentStatus {
	return []DeploymentStatus{DeploymentScheduled, DeploymentInProgress, DeploymentSucceeded, DeploymentFailed, DeploymentRolledBack}
}

// Values lists the status names; Ent uses it for the enum column.
func (DeploymentStatus) Values() []string {
	out := make([]string, 0, 5)
	for _, s := range DeploymentStatuses() {
		out = append(out, string(s))
	}
	return out
}

// String returns the status name.
func (s DeploymentStatus) String() string { return string(s) }

// MarshalGQL writes the status as a GraphQL enum value.
func (s DeploymentStatus) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(string(s)))
}

// UnmarshalGQL reads a GraphQL enum value.
func (s *DeploymentStatus) UnmarshalGQL(v any) error {
	str, ok := v.(string)
	if !ok {
		return fmt.Errorf("enum DeploymentStatus must be a string, got %T", v)
	}
	for _, known := range DeploymentStatuses() {
		if DeploymentStatus(str) == known {
			*s = known
			return nil
		}
	}
	return fmt.Errorf("%q is not a valid DeploymentStatus", str)
}

// Active reports whether a deployment in status s has started or succeeded:
// it passed the promotion gates, and its environment is in use.
func (s DeploymentStatus) Active() bool {
	return s == DeploymentInProgress || s == DeploymentSucceeded
}

// deploymentMoves is the deployment state machine. A scheduled deployment
// may also be recorded as done or failed directly, after the fact.
var deploymentMoves = map[DeploymentStatus][]DeploymentStatus{
	DeploymentScheduled:  {DeploymentInProgress, DeploymentSucceeded, DeploymentFailed},
	DeploymentInProgress: {DeploymentSucceeded, DeploymentFailed},
	DeploymentSucceeded:  {DeploymentRolledBack},
}

// CheckDeploymentBirth reports whether a deployment may be created in
// status s: anything but ROLLED_BACK, which only a SUCCEEDED deployment
// becomes.
func CheckDeploymentBirth(s DeploymentStatus) error {
	if s == DeploymentRolledBack {
		return fault.Precondition("a deployment cannot be created ROLLED_BACK: only a SUCCEEDED deployment can be rolled back")
	}
	return nil
}

// CheckDeploymentMove reports whether a deployment may move from one
// status to another.
func CheckDeploymentMove(from, to DeploymentStatus) error {
	if from == to {
		return nil
	}
	allowed, ok := deploymentMoves[from]
	if !ok {
		return fault.Precondition("a %s deployment cannot change status: deploy again with a new deployment", from)
	}
	for _, s := range allowed {
		if s == to {
			return nil
		}
	}
	names := make([]string, len(allowed))
	for i, s := range allowed {
		names[i] = string(s)
	}
	return fault.Precondition("a deployment cannot move from %s to %s (from %s it can move to %s)", from, to, from, strings.Join(names, ", "))
}

// CheckDeploymentOfRelease reports whether a deployment of a release in
// status rel may be written with status to: a DRAFT release may book
// environments (SCHEDULED) but not deploy; a final release's deployments
// are history (see CheckHistory).
func CheckDeploymentOfRelease(release string, rel Status, to DeploymentStatus) error {
	if err := CheckHistory(release, rel); err != nil {
		return err
	}
	if rel == Draft && to != DeploymentScheduled {
		return fault.Precondition("release %q is DRAFT: it can book environments (SCHEDULED) but not deploy; plan it first", release)
	}
	return nil
}

// CheckEvidence reports whether a SUCCEEDED deployment in stage may stop
// counting (be rolled back, failed or deleted): not while a later stage of
// the release's stages has an active deployment that passed the promotion
// gate on it, unless another SUCCEEDED deployment in the same stage remains.
func CheckEvidence(release string, stages []Stage, stage Stage, activeStages []Stage, othersSucceededInStage int) error {
	if othersSucceededInStage > 0 || !contains(stages, stage) {
		return nil
	}
	for _, s := range activeStages {
		if s.Rank() > stage.Rank() && contains(stages, s) {
			return fault.Precondition("release %q has a deployment in %s that passed its promotion gate on this SUCCEEDED %s deployment, which therefore cannot be rolled back, failed or deleted",
				release, s, stage)
		}
	}
	return nil
}

func contains(stages []Stage, s Stage) bool {
	for _, x := range stages {
		if x == s {
			return true
		}
	}
	return false
}
