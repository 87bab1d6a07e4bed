package deployplan

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/relgraph/relgraph/internal/fault"
)

// The step state machine. A step starts (RUNNING) and then ends DONE or
// FAILED; a script that only records outcomes may also mark a PENDING step
// DONE directly. A FAILED step is retried (RUNNING) or given up (SKIPPED).
// A step nobody needs is SKIPPED. DONE and SKIPPED are final: they are what
// lets the next wave go, and because nothing can take them back, a gate
// that has seen the earlier waves through can never be proved wrong later
// by a concurrent write of those steps (see Gate). To redo a step after a
// mistake, regenerate the plan (delete it and generate it again).
var moves = map[Status][]Status{
	Pending: {Running, Done, Skipped},
	Running: {Done, Failed},
	Failed:  {Running, Skipped},
}

// Passed reports whether a step in status s lets the steps after it go:
// DONE or SKIPPED.
func (s Status) Passed() bool { return s == Done || s == Skipped }

// Gated reports whether moving a step to status s needs the steps before
// it through: RUNNING and DONE do.
func (s Status) Gated() bool { return s == Running || s == Done }

// CheckMove reports whether a step may move from one status to another;
// staying put is always allowed (a write of its owner or notes).
func CheckMove(from, to Status) error {
	if from == to {
		return nil
	}
	allowed, ok := moves[from]
	if !ok {
		return fault.Precondition("a %s deployment step cannot change status: %s is final", from, from)
	}
	if slices.Contains(allowed, to) {
		return nil
	}
	return fault.Precondition("a deployment step cannot move from %s to %s (from %s it can move to %s)",
		from, to, from, strings.Join(names(allowed), ", "))
}

// CheckBirth reports whether a step may be created in status s. A step is
// created PENDING. A step created in another status records what already
// happened rather than moving it (generateDeploymentPlan recreating a step
// whose wave or position moved carries its status over), so it needs
// recorded: the writer's declared override, with a reason for the audit
// trail; the gate does not judge it. No step is created RUNNING: starting is
// a move, judged by the gate.
func CheckBirth(s Status, recorded bool) error {
	switch {
	case s == Pending:
		return nil
	case s == Running:
		return fault.Precondition("a deployment step cannot be created RUNNING: create it PENDING and start it")
	case !recorded:
		return fault.Precondition("a deployment step is created PENDING; creating it %s records history and needs override with a reason", s)
	}
	return nil
}

// StepState is a stored step as the gate sees it.
type StepState struct {
	ID int
	// Application names the step's application, for messages.
	Application string
	Kind        Kind
	Wave        int
	Status      Status
}

func (s StepState) String() string {
	return fmt.Sprintf("%s %q (wave %d) is %s", strings.ToLower(string(s.Kind)), s.Application, s.Wave, s.Status)
}

// Blockers lists the steps of plan that step must wait for: for a DEPLOY
// step, every DEPLOY step of an earlier wave that is not DONE or SKIPPED;
// for a ROLLBACK step, every ROLLBACK step of a later wave (rolled back
// before it) that is not. Steps of the same wave never block each other:
// they may run in parallel. By wave in the order they run, then application
// name.
func Blockers(step StepState, plan []StepState) []StepState {
	var out []StepState
	for _, o := range plan {
		if o.ID == step.ID || o.Kind != step.Kind || o.Status.Passed() {
			continue
		}
		if (step.Kind == Deploy && o.Wave < step.Wave) || (step.Kind == Rollback && o.Wave > step.Wave) {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b StepState) int {
		wa, wb := a.Wave, b.Wave
		if step.Kind == Rollback {
			wa, wb = -wa, -wb
		}
		return cmp.Or(cmp.Compare(wa, wb), cmp.Compare(a.Application, b.Application), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// Gate reports whether step may move to status to, given the plan's steps
// as they stand (step among them or not): moving to RUNNING or DONE needs
// no Blockers. The refusal is FAILED_PRECONDITION naming the blocking
// steps, with their ids in extensions.blockingStepIDs.
//
// Because DONE and SKIPPED are final, the steps a gate saw passed stay
// passed: the gate reads nothing that a concurrent status write could
// invalidate. Only new steps could (regenerating with replace), which is
// why writers serialize on the plan (see ent/schema/deploymentplan.go).
func Gate(step StepState, to Status, plan []StepState) error {
	if !to.Gated() {
		return nil
	}
	blockers := Blockers(step, plan)
	if len(blockers) == 0 {
		return nil
	}
	what := make([]string, len(blockers))
	// Ids as GraphQL spells them (strings), for scripts to look them up.
	ids := make([]string, len(blockers))
	for i, b := range blockers {
		what[i], ids[i] = b.String(), strconv.Itoa(b.ID)
	}
	earlier := "earlier waves"
	if step.Kind == Rollback {
		earlier = "later waves (rolled back first)"
	}
	err := fault.Precondition("%s step %q (wave %d) cannot become %s before every %s step of the %s is DONE or SKIPPED: %s",
		step.Kind, step.Application, step.Wave, to, step.Kind, earlier, strings.Join(what, "; "))
	err.Extensions = map[string]any{"blockingStepIDs": ids}
	return err
}
