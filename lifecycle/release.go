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
	// Deploying: the release has an IN_PROGRESS or SUCCEEDED deployment.
	Deploying bool
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
	case to == Draft && f.Deploying:
		return fault.Precondition("a release with IN_PROGRESS or SUCCEEDED deployments cannot go back to DRAFT (a DRAFT release only books environments)")
	case to == InProgress:
		// Planned releases can lose their window or changes; a release
		// starts only with both.
		if !f.HasWindow {
			return fault.Precondition("a release needs a window (startsAt and endsAt) to be IN_PROGRESS")
		}
		if f.Changes == 0 {
			return fault.Precondition("a release needs at least one change to be IN_PROGRESS")
		}
		return CheckFreezeOverride("the release", f.Freezes, o, "start it")
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

// CheckHistory refuses every write to a release in a final status, its
// changes or its deployments: a DEPLOYED or CANCELLED release is read-only
// history.
func CheckHistory(release string, s Status) error {
	if s == Deployed || s == Cancelled {
		return fault.Precondition("release %q is %s: it, its changes and its deployments are read-only history", release, s)
	}
	return nil
}

// ReleaseEdit describes what a write does to a release, for CheckReleaseEdit.
type ReleaseEdit struct {
	// ClearsWindow: startsAt or endsAt would be unset.
	ClearsWindow bool
	// ChangesStages: the stage list would change.
	ChangesStages bool
	// RemovesLastChange: the release would be left without changes.
	RemovesLastChange bool
	// NewFreezes names the freeze windows the release would violate after
	// the write and does not before it.
	NewFreezes []string
	// Deletes: the release would be deleted.
	Deletes bool
	// Deploying: the release has an IN_PROGRESS or SUCCEEDED deployment,
	// which passed its promotion gate on the current stages.
	Deploying bool
}

// CheckReleaseEdit applies the invariants of a release that has started:
// an IN_PROGRESS release keeps a window and at least one change, keeps its
// stage list, and does not move into a freeze without an override with a
// reason; only a DRAFT or PLANNED release can be deleted (cancel it
// instead); a final release is read-only history.
func CheckReleaseEdit(release string, s Status, e ReleaseEdit, o Override) error {
	if err := CheckHistory(release, s); err != nil {
		return err
	}
	if e.Deletes && s != Draft && s != Planned {
		return fault.Precondition("release %q is %s: a started release cannot be deleted; cancel it instead", release, s)
	}
	if e.ChangesStages && e.Deploying {
		return fault.Precondition("release %q has deployments that passed their promotion gates on its stages: its stages are fixed", release)
	}
	if s != InProgress {
		return nil
	}
	switch {
	case e.ClearsWindow:
		return fault.Precondition("release %q is IN_PROGRESS: it keeps its window (startsAt and endsAt)", release)
	case e.ChangesStages:
		return fault.Precondition("release %q is IN_PROGRESS: its stages are fixed", release)
	case e.RemovesLastChange:
		return fault.Precondition("release %q is IN_PROGRESS: it keeps at least one change", release)
	}
	return CheckFreezeOverride(fmt.Sprintf("release %q", release), e.NewFreezes, o, "go ahead")
}

// CheckFreezeOverride lets subject violate freezes only with an override
// and a reason; doing says what the override allows, for the refusal.
func CheckFreezeOverride(subject string, freezes []string, o Override, doing string) error {
	if len(freezes) == 0 {
		return nil
	}
	if !o.Override {
		return fault.Precondition("%s violates freeze window(s) %s: pass override: true with a reason to %s anyway",
			subject, quoteAll(freezes), doing)
	}
	if strings.TrimSpace(o.Reason) == "" {
		return fault.Precondition("overriding freeze window(s) %s needs a non-empty reason", quoteAll(freezes))
	}
	return nil
}

// CheckFreezeOverStarted lets a freeze window newly cover started releases
// (so that they would violate it) only with an override and a reason: a
// freeze shortened to let a release start cannot quietly be restored.
func CheckFreezeOverStarted(freeze string, releases []string, o Override) error {
	if len(releases) == 0 {
		return nil
	}
	if !o.Override {
		return fault.Precondition("freeze window %q would cover started release(s) %s: pass override: true with a reason to freeze them anyway",
			freeze, quoteAll(releases))
	}
	if strings.TrimSpace(o.Reason) == "" {
		return fault.Precondition("freezing started release(s) %s needs a non-empty reason", quoteAll(releases))
	}
	return nil
}

// CheckDependencyOverStarted lets a new dependency carry started releases'
// impact into freezes only with an override and a reason.
func CheckDependencyOverStarted(releases, freezes []string, o Override) error {
	if len(releases) == 0 {
		return nil
	}
	return CheckFreezeOverride(fmt.Sprintf("through this dependency, started release(s) %s", quoteAll(releases)), freezes, o, "add it")
}
