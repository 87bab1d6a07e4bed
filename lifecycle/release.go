package lifecycle

import (
	"fmt"
	"strings"

	"github.com/relgraph/relgraph/internal/fault"
)

// transitions lists the allowed moves of the release state machine.
// DEPLOYED and CANCELLED are final.
var transitions = map[Status][]Status{
	Draft:      {Planned, Cancelled},
	Planned:    {Draft, InProgress, Cancelled},
	InProgress: {Deployed, Cancelled},
}

// CheckMove reports whether the state machine allows from → to at all,
// whatever the release's facts.
func CheckMove(from, to Status) error {
	if from == to {
		return fault.Precondition("the release is already %s", to)
	}
	allowed, ok := transitions[from]
	switch {
	case !ok && (from == Deployed || from == Cancelled):
		return fault.Precondition("%s is a final status: a %s release cannot change status", from, strings.ToLower(string(from)))
	case !ok:
		return fault.Precondition("%q is not a release status", from)
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
	return fault.Precondition("a release cannot move from %s to %s (from %s it can move to %s)",
		from, to, from, strings.Join(names, ", "))
}

// ReleaseFacts are what the transition rules need to know about a release.
type ReleaseFacts struct {
	Status Status
	// HasWindow: both startsAt and endsAt are set.
	HasWindow bool
	// Changes is the number of changes scheduled in the release.
	Changes int
	// ProductionSucceeded: the release has a SUCCEEDED deployment to a
	// PRODUCTION environment.
	ProductionSucceeded bool
	// Freezes names the freeze windows the release violates.
	Freezes []string
}

// Override is a caller's request to proceed despite freeze violations. It
// is not a permission: CheckTransition still demands a reason, and the audit
// trail records it.
type Override struct {
	Override bool
	Reason   string
}

// CheckTransition applies every rule of the state machine to moving a release
// with facts f to status to.
func CheckTransition(f ReleaseFacts, to Status, o Override) error {
	if err := CheckMove(f.Status, to); err != nil {
		return err
	}
	switch {
	case f.Status == Draft && to == Planned:
		if !f.HasWindow {
			return fault.Precondition("a release needs a window (startsAt and endsAt) to be PLANNED")
		}
		if f.Changes == 0 {
			return fault.Precondition("a release needs at least one change to be PLANNED")
		}
	case to == InProgress:
		if len(f.Freezes) > 0 {
			if !o.Override {
				return fault.Precondition("the release violates freeze window(s) %s: pass override: true with a reason to start it anyway",
					quoteAll(f.Freezes))
			}
			if strings.TrimSpace(o.Reason) == "" {
				return fault.Precondition("overriding freeze window(s) %s needs a non-empty reason", quoteAll(f.Freezes))
			}
		}
	case to == Deployed:
		if !f.ProductionSucceeded {
			return fault.Precondition("a release needs a SUCCEEDED deployment to a PRODUCTION environment to be DEPLOYED")
		}
	}
	return nil
}

// CheckPromotion reports whether a deployment of a release to an
// environment of stage target may become IN_PROGRESS or SUCCEEDED: the
// release must have a SUCCEEDED deployment in every stage of its stages that
// comes before target. succeeded lists the stages it has succeeded in.
func CheckPromotion(release string, stages []Stage, target Stage, succeeded []Stage) error {
	done := map[Stage]bool{}
	for _, s := range succeeded {
		done[s] = true
	}
	for _, s := range Before(stages, target) {
		if !done[s] {
			return fault.Precondition("release %q cannot be deployed to %s yet: it has no SUCCEEDED deployment in stage %s",
				release, target, s)
		}
	}
	return nil
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
