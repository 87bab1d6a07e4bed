package graph_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/relgraph/relgraph/deployplan"
)

// TestStepTransitionAuditsTheStatusItLeft proves a step move that waited
// for another writer's move of the same step records, as its old status,
// the status that writer left (RUNNING), not the one the step had when the
// waiting move arrived (PENDING): the audit trail never shows a step
// skipping RUNNING it did not skip.
func TestStepTransitionAuditsTheStatusItLeft(t *testing.T) {
	f := newPlanFixture(t)
	s := f.s
	var g generated
	s.ok(t, generate, vars("r", f.release, "e", f.env), &g)
	var plan struct {
		Node struct {
			Waves [][]planStep
		}
	}
	s.ok(t, `query($id:ID!) { node(id:$id) { ... on DeploymentPlan { waves { `+stepFields+` } } } }`, vars("id", g.GenerateDeploymentPlan.Plan.ID), &plan)
	first := plan.Node.Waves[0][0]
	id, _ := strconv.Atoi(first.ID)

	// A script starts the step in a transaction it has not committed yet.
	ctx := context.Background()
	tx, err := s.DB.Client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := tx.DeploymentStep.UpdateOneID(id).SetStatus(deployplan.Running).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	// Another marks it DONE meanwhile: it waits for the first.
	done := make(chan *gqlResponse, 1)
	go func() {
		done <- s.queryAs(t, "script-b", `mutation($id:ID!) { updateDeploymentStep(id:$id, input:{status:DONE}) { status } }`, vars("id", first.ID))
	}()
	time.Sleep(300 * time.Millisecond)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if r := <-done; len(r.Errors) > 0 {
		t.Fatalf("DONE after RUNNING: %v", r.Errors)
	}

	var trail struct {
		AuditEvents struct {
			Edges []struct {
				Node struct {
					Actor, Action string
					Changes       map[string]struct{ Old, New any }
				}
			}
		}
	}
	s.ok(t, `query($id:ID!) { auditEvents(where:{entityID:$id, action:TRANSITION}, orderBy:{field:AT}) { edges { node { actor action changes } } } }`,
		vars("id", first.ID), &trail)
	var moves []string
	for _, e := range trail.AuditEvents.Edges {
		st := e.Node.Changes["status"]
		moves = append(moves, st.Old.(string)+"→"+st.New.(string))
	}
	if len(moves) != 2 || moves[0] != "PENDING→RUNNING" || moves[1] != "RUNNING→DONE" {
		t.Fatalf("audited moves %v, want [PENDING→RUNNING RUNNING→DONE]", moves)
	}
}
