package graph_test

import (
	"strings"
	"testing"
)

// TestPlanOfCancelledReleaseIsReadOnly proves, through the API, that the
// plan of a CANCELLED release can no longer be walked, edited or deleted.
func TestPlanOfCancelledReleaseIsReadOnly(t *testing.T) {
	f := newPlanFixture(t)
	s := f.s
	var g generated
	s.ok(t, generate, vars("r", f.release, "e", f.env), &g)
	plan := g.GenerateDeploymentPlan.Plan.ID
	var waves struct{ Node struct{ Waves [][]planStep } }
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on DeploymentPlan { waves { `+stepFields+` } } } }`, vars("id", plan), &waves)
	step := waves.Node.Waves[0][0].ID
	s.ok(t, `mutation($id:ID!) { updateDeploymentStep(id:$id, input:{status:RUNNING}) { id } }`, vars("id", step), nil)

	s.ok(t, `mutation($id:ID!) { transitionRelease(id:$id, to:CANCELLED) { id } }`, vars("id", f.release), nil)
	for name, c := range map[string]struct {
		query string
		id    string
	}{
		"finish the step": {`mutation($id:ID!) { updateDeploymentStep(id:$id, input:{status:DONE}) { id } }`, step},
		"edit its notes":  {`mutation($id:ID!) { updateDeploymentStep(id:$id, input:{notes:"late"}) { id } }`, step},
		"delete the plan": {`mutation($id:ID!) { deleteDeploymentPlan(id:$id) }`, plan},
	} {
		t.Run(name, func(t *testing.T) {
			e := s.fails(t, "FAILED_PRECONDITION", c.query, vars("id", c.id))
			if !strings.Contains(e.Message, "read-only history") {
				t.Errorf("message %q does not say why", e.Message)
			}
		})
	}
	var after struct{ Node struct{ Status string } }
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on DeploymentStep { status } } }`, vars("id", step), &after)
	if after.Node.Status != "RUNNING" {
		t.Fatalf("step %s after the refusals, want RUNNING", after.Node.Status)
	}
}
