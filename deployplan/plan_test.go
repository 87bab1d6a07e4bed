package deployplan_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/relgraph/relgraph/deployplan"
	"github.com/relgraph/relgraph/internal/fault"
)

func app(id int, name string) deployplan.Application {
	return deployplan.Application{ID: id, Name: name, Owner: "team-" + name}
}

// layout spells steps as "KIND name@wave" in position order.
func layout(steps []deployplan.Step) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		if s.Position != i+1 {
			out[i] = fmt.Sprintf("position %d at index %d", s.Position, i)
			continue
		}
		out[i] = fmt.Sprintf("%s %s@%d", s.Kind, s.Application.Name, s.Wave)
	}
	return out
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name  string
		waves [][]deployplan.Application
		want  []string
	}{
		{"nothing", nil, []string{}},
		{"one", [][]deployplan.Application{{app(1, "a")}},
			[]string{"DEPLOY a@1", "ROLLBACK a@1"}},
		{
			"waves by name within, rollbacks reversed",
			[][]deployplan.Application{{app(3, "mq")}, {app(9, "ledger"), app(2, "fraud")}, {app(1, "pay")}},
			[]string{"DEPLOY mq@1", "DEPLOY fraud@2", "DEPLOY ledger@2", "DEPLOY pay@3",
				"ROLLBACK pay@3", "ROLLBACK ledger@2", "ROLLBACK fraud@2", "ROLLBACK mq@1"},
		},
		{
			"empty waves and repeats do not count",
			[][]deployplan.Application{{}, {app(1, "a"), app(1, "a")}, {app(1, "a")}, {app(2, "b")}},
			[]string{"DEPLOY a@1", "DEPLOY b@2", "ROLLBACK b@2", "ROLLBACK a@1"},
		},
		{
			"same names by id",
			[][]deployplan.Application{{app(7, "x"), app(5, "x")}},
			[]string{"DEPLOY x@1", "DEPLOY x@1", "ROLLBACK x@1", "ROLLBACK x@1"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			steps := deployplan.Build(tc.waves)
			if got := layout(steps); !slices.Equal(got, tc.want) {
				t.Fatalf("Build = %q, want %q", got, tc.want)
			}
			for _, s := range steps {
				if s.Application.Owner != "team-"+s.Application.Name {
					t.Errorf("step %+v lost its owner", s)
				}
			}
		})
	}
	same := deployplan.Build([][]deployplan.Application{{app(7, "x"), app(5, "x")}})
	if same[0].Application.ID != 5 || same[3].Application.ID != 5 {
		t.Errorf("same names are not ordered by id: %+v", same)
	}
}

func TestDiff(t *testing.T) {
	plan := deployplan.Build([][]deployplan.Application{{app(1, "mq")}, {app(2, "fraud"), app(3, "ledger")}, {app(4, "pay")}})
	tests := []struct {
		name string
		now  [][]deployplan.Application
		want []string
	}{
		{"unchanged", [][]deployplan.Application{{app(1, "mq")}, {app(3, "ledger"), app(2, "fraud")}, {app(4, "pay")}}, nil},
		{"renamed is no difference", [][]deployplan.Application{{app(1, "bus")}, {app(2, "fraud"), app(3, "ledger")}, {app(4, "pay")}}, nil},
		{
			"added in the first wave moves nothing else",
			[][]deployplan.Application{{app(5, "config"), app(1, "mq")}, {app(2, "fraud"), app(3, "ledger")}, {app(4, "pay")}},
			[]string{"ADDED config - 1"},
		},
		{
			"removed, moved, added; by name",
			[][]deployplan.Application{{app(2, "fraud"), app(3, "ledger"), app(6, "auth")}, {app(4, "pay")}},
			[]string{"ADDED auth - 1", "MOVED fraud 2 1", "MOVED ledger 2 1", "REMOVED mq 1 -", "MOVED pay 3 2"},
		},
		{"everything removed", nil, []string{"REMOVED fraud 2 -", "REMOVED ledger 2 -", "REMOVED mq 1 -", "REMOVED pay 3 -"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, d := range deployplan.Diff(plan, tc.now) {
				w := func(n int) string {
					if n == 0 {
						return "-"
					}
					return fmt.Sprint(n)
				}
				got = append(got, fmt.Sprintf("%s %s %s %s", d.Kind, d.Application.Name, w(d.PlanWave), w(d.CurrentWave)))
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Diff = %q, want %q", got, tc.want)
			}
		})
	}
	// The order of the plan's steps does not matter.
	shuffled := slices.Clone(plan)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	now := [][]deployplan.Application{{app(2, "fraud")}, {app(6, "auth")}}
	if a, b := deployplan.Diff(plan, now), deployplan.Diff(shuffled, now); !slices.Equal(a, b) {
		t.Fatalf("Diff depends on the order of the steps: %v and %v", a, b)
	}
}

func TestCheckMove(t *testing.T) {
	allowed := map[[2]deployplan.Status]bool{}
	for _, m := range [][2]deployplan.Status{
		{"PENDING", "RUNNING"}, {"PENDING", "DONE"}, {"PENDING", "SKIPPED"},
		{"RUNNING", "DONE"}, {"RUNNING", "FAILED"},
		{"FAILED", "RUNNING"}, {"FAILED", "SKIPPED"},
	} {
		allowed[m] = true
	}
	for _, from := range deployplan.Statuses() {
		for _, to := range deployplan.Statuses() {
			err := deployplan.CheckMove(from, to)
			switch want := allowed[[2]deployplan.Status{from, to}] || from == to; {
			case want && err != nil:
				t.Errorf("%s → %s refused: %v", from, to, err)
			case !want:
				requirePrecondition(t, err, string(from))
			}
		}
	}
}

func TestCheckBirth(t *testing.T) {
	for _, s := range deployplan.Statuses() {
		for _, recorded := range []bool{false, true} {
			err := deployplan.CheckBirth(s, recorded)
			ok := s == deployplan.Pending || (recorded && s != deployplan.Running)
			if ok != (err == nil) {
				t.Errorf("CheckBirth(%s, %v) = %v", s, recorded, err)
			}
		}
	}
}

func requirePrecondition(t *testing.T, err error, wants ...string) *fault.Error {
	t.Helper()
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Code != fault.FailedPrecondition {
		t.Fatalf("got %v, want FAILED_PRECONDITION", err)
	}
	for _, w := range wants {
		if !strings.Contains(fe.Message, w) {
			t.Errorf("%q does not mention %q", fe.Message, w)
		}
	}
	return fe
}

func TestGate(t *testing.T) {
	st := func(id int, name string, kind deployplan.Kind, wave int, status deployplan.Status) deployplan.StepState {
		return deployplan.StepState{ID: id, Application: name, Kind: kind, Wave: wave, Status: status}
	}
	const (
		D = deployplan.Deploy
		R = deployplan.Rollback
	)
	plan := []deployplan.StepState{
		st(1, "mq", D, 1, "DONE"), st(2, "cfg", D, 1, "PENDING"),
		st(3, "fraud", D, 2, "PENDING"), st(4, "ledger", D, 2, "RUNNING"),
		st(5, "pay", D, 3, "PENDING"),
		st(6, "pay", R, 3, "PENDING"), st(7, "ledger", R, 2, "PENDING"), st(8, "fraud", R, 2, "PENDING"),
		st(9, "cfg", R, 1, "PENDING"), st(10, "mq", R, 1, "PENDING"),
	}
	// Wave 1 may always go; a wave's steps never wait for each other.
	for _, to := range []deployplan.Status{"RUNNING", "DONE"} {
		if err := deployplan.Gate(plan[1], to, plan); err != nil {
			t.Errorf("wave 1 to %s: %v", to, err)
		}
	}
	// Wave 2 waits for cfg; wave 3 names every blocker, earliest first.
	fe := requirePrecondition(t, deployplan.Gate(plan[2], "RUNNING", plan), `"fraud" (wave 2)`, `"cfg" (wave 1) is PENDING`)
	if ids := fe.Extensions["blockingStepIDs"]; !slices.Equal(ids.([]string), []string{"2"}) {
		t.Errorf("blocking ids %v, want [2]", ids)
	}
	fe = requirePrecondition(t, deployplan.Gate(plan[4], "DONE", plan), "DONE")
	if ids := fe.Extensions["blockingStepIDs"]; !slices.Equal(ids.([]string), []string{"2", "3", "4"}) {
		t.Errorf("blocking ids %v, want [2 3 4]", ids)
	}
	// Only RUNNING and DONE are gated.
	for _, to := range []deployplan.Status{"SKIPPED", "FAILED", "PENDING"} {
		if err := deployplan.Gate(plan[4], to, plan); err != nil {
			t.Errorf("to %s: %v", to, err)
		}
	}
	// SKIPPED passes like DONE; FAILED does not.
	plan[1].Status = "SKIPPED"
	if err := deployplan.Gate(plan[2], "RUNNING", plan); err != nil {
		t.Errorf("after wave 1 DONE and SKIPPED: %v", err)
	}
	plan[1].Status = "FAILED"
	requirePrecondition(t, deployplan.Gate(plan[2], "RUNNING", plan), `"cfg" (wave 1) is FAILED`)
	// Rollbacks run from the last wave back, and ignore DEPLOY steps.
	if err := deployplan.Gate(plan[5], "RUNNING", plan); err != nil {
		t.Errorf("rollback of the last wave: %v", err)
	}
	fe = requirePrecondition(t, deployplan.Gate(plan[9], "RUNNING", plan), "ROLLBACK", "later waves")
	if ids := fe.Extensions["blockingStepIDs"]; !slices.Equal(ids.([]string), []string{"6", "8", "7"}) {
		t.Errorf("blocking ids %v, want [6 8 7] (wave 3, then wave 2 by name)", ids)
	}
	plan[5].Status, plan[6].Status, plan[7].Status = "DONE", "SKIPPED", "DONE"
	if err := deployplan.Gate(plan[9], "DONE", plan); err != nil {
		t.Errorf("rollback of wave 1 after the later waves': %v", err)
	}
}

// Walking a built plan in position order, each step DONE in turn, the gate
// never refuses; starting any step early, it always does.
func TestWalkingABuiltPlan(t *testing.T) {
	var waves [][]deployplan.Application
	id := 0
	for w := range 4 {
		var wave []deployplan.Application
		for range w + 1 {
			id++
			wave = append(wave, app(id, fmt.Sprintf("app%02d", id)))
		}
		waves = append(waves, wave)
	}
	steps := deployplan.Build(waves)
	state := make([]deployplan.StepState, len(steps))
	for i, s := range steps {
		state[i] = deployplan.StepState{ID: s.Position, Application: s.Application.Name, Kind: s.Kind, Wave: s.Wave, Status: deployplan.Pending}
	}
	for i := range state {
		for j := i + 1; j < len(state); j++ {
			early := false
			for k := i; k < j; k++ {
				early = early || (state[k].Kind == state[j].Kind && state[k].Wave != state[j].Wave)
			}
			if err := deployplan.Gate(state[j], "RUNNING", state); early != (err != nil) {
				t.Fatalf("step %d while step %d is PENDING: %v", j+1, i+1, err)
			}
		}
		if err := deployplan.Gate(state[i], "DONE", state); err != nil {
			t.Fatalf("step %d in order: %v", i+1, err)
		}
		state[i].Status = deployplan.Done
	}
}
