package schema_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/relgraph/relgraph/deployplan"
	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/auditevent"
	"github.com/relgraph/relgraph/ent/deploymentstep"
	"github.com/relgraph/relgraph/ent/schema"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/internal/viewer"
	"github.com/relgraph/relgraph/lifecycle"
	"github.com/relgraph/relgraph/store"
)

// planned is the portfolio with a three-wave release and its production
// plan, generated as generateDeploymentPlan does: the change touches ledger
// (wave 1), billing (wave 2, depends on ledger) and web (wave 3, depends on
// billing).
type planned struct {
	*portfolio
	web    *ent.Application
	plan   *ent.DeploymentPlan
	deploy map[string]*ent.DeploymentStep // by application name
	undo   map[string]*ent.DeploymentStep
}

func newPlanned(t *testing.T) (*planned, context.Context) {
	t.Helper()
	p, ctx := newPortfolio(t)
	c := p.client
	pl := &planned{portfolio: p}
	pl.web = c.Application.Create().SetName("web").SetOwner("Storefront").SaveX(ctx)
	c.Dependency.Create().SetConsumerID(pl.web.ID).SetProviderID(p.consumer.ID).ExecX(ctx)
	c.Change.UpdateOneID(p.change.ID).AddApplicationIDs(p.consumer.ID, pl.web.ID).ExecX(ctx)
	err := p.db.WithTx(ctx, func(ctx context.Context, _ *ent.Client) error {
		done, err := store.GenerateDeploymentPlan(ctx, p.release.ID, p.envs[lifecycle.Production].ID, false)
		if err == nil {
			pl.plan = done.Plan
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	pl.deploy, pl.undo = map[string]*ent.DeploymentStep{}, map[string]*ent.DeploymentStep{}
	for _, s := range c.DeploymentStep.Query().WithApplication().AllX(ctx) {
		if s.Kind == deployplan.Deploy {
			pl.deploy[s.Edges.Application.Name] = s
		} else {
			pl.undo[s.Edges.Application.Name] = s
		}
	}
	if len(pl.deploy) != 3 || pl.deploy["ledger"].Wave != 1 || pl.deploy["billing"].Wave != 2 || pl.deploy["web"].Wave != 3 {
		t.Fatalf("generated plan %v, want ledger, billing, web in waves 1, 2, 3", pl.deploy)
	}
	return pl, ctx
}

func (pl *planned) move(ctx context.Context, s *ent.DeploymentStep, to deployplan.Status) error {
	return pl.client.DeploymentStep.UpdateOneID(s.ID).SetStatus(to).Exec(ctx)
}

func (pl *planned) status(ctx context.Context, s *ent.DeploymentStep) *ent.DeploymentStep {
	return pl.client.DeploymentStep.GetX(ctx, s.ID)
}

// The wave gate and the step state machine hold for a Go program writing
// through the Ent client: every path to RUNNING or DONE is judged.
func TestStepRulesHoldForEveryWriter(t *testing.T) {
	pl, ctx := newPlanned(t)
	c := pl.client
	fe := requireFault(t, pl.move(ctx, pl.deploy["billing"], deployplan.Running), fault.FailedPrecondition,
		`"billing" (wave 2)`, `"ledger" (wave 1) is PENDING`)
	if ids, _ := fe.Extensions["blockingStepIDs"].([]string); len(ids) != 1 || ids[0] != strconv.Itoa(pl.deploy["ledger"].ID) {
		t.Fatalf("blockingStepIDs %v, want ledger's step %d", fe.Extensions["blockingStepIDs"], pl.deploy["ledger"].ID)
	}
	paths := map[string]func() error{
		"DONE without starting": func() error { return pl.move(ctx, pl.deploy["web"], deployplan.Done) },
		"bulk update": func() error {
			return c.DeploymentStep.Update().Where(deploymentstep.PlanID(pl.plan.ID)).SetStatus(deployplan.Done).Exec(ctx)
		},
		"rollback before the later waves'": func() error { return pl.move(ctx, pl.undo["ledger"], deployplan.Running) },
		"PENDING to FAILED":                func() error { return pl.move(ctx, pl.deploy["ledger"], deployplan.Failed) },
		"startedAt by hand": func() error {
			return c.DeploymentStep.UpdateOneID(pl.deploy["web"].ID).SetStartedAt(time.Now()).Exec(ctx)
		},
		"created RUNNING": func() error {
			return c.DeploymentStep.Create().SetPlanID(pl.plan.ID).SetApplicationID(pl.provider.ID).SetKind(deployplan.Deploy).
				SetWave(1).SetPosition(7).SetStatus(deployplan.Running).Exec(ctx)
		},
		"created DONE without an override": func() error {
			return c.DeploymentStep.Create().SetPlanID(pl.plan.ID).SetApplicationID(pl.provider.ID).SetKind(deployplan.Deploy).
				SetWave(1).SetPosition(7).SetStatus(deployplan.Done).Exec(ctx)
		},
	}
	for name, write := range paths {
		t.Run(name, func(t *testing.T) {
			requireFault(t, write(), fault.FailedPrecondition)
		})
	}
	for _, s := range c.DeploymentStep.Query().AllX(ctx) {
		if s.Status != deployplan.Pending || s.StartedAt != nil || s.FinishedAt != nil || s.Version != 1 {
			t.Fatalf("refused writes changed step %d: %+v", s.ID, s)
		}
	}

	// In order, each wave through: started and finished times are stamped,
	// SKIPPED counts as passed, DONE and SKIPPED are final.
	if err := pl.move(ctx, pl.deploy["ledger"], deployplan.Running); err != nil {
		t.Fatal(err)
	}
	if s := pl.status(ctx, pl.deploy["ledger"]); s.StartedAt == nil || s.FinishedAt != nil {
		t.Fatalf("RUNNING step times %v %v, want started only", s.StartedAt, s.FinishedAt)
	}
	if err := pl.move(ctx, pl.deploy["ledger"], deployplan.Done); err != nil {
		t.Fatal(err)
	}
	if s := pl.status(ctx, pl.deploy["ledger"]); s.FinishedAt == nil || s.FinishedAt.Before(*s.StartedAt) {
		t.Fatalf("DONE step times %v %v", s.StartedAt, s.FinishedAt)
	}
	requireFault(t, pl.move(ctx, pl.deploy["ledger"], deployplan.Pending), fault.FailedPrecondition, "final")
	if err := pl.move(ctx, pl.deploy["billing"], deployplan.Skipped); err != nil {
		t.Fatal(err)
	}
	if err := pl.move(ctx, pl.deploy["web"], deployplan.Done); err != nil {
		t.Fatalf("web after ledger DONE and billing SKIPPED: %v", err)
	}
	// Owner and notes change in any status, without a move.
	if err := c.DeploymentStep.UpdateOneID(pl.deploy["web"].ID).SetNotes("smoke tests green").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	n := c.AuditEvent.Query().Where(auditevent.EntityType(ent.TypeDeploymentStep), auditevent.ActionEQ(auditevent.ActionTRANSITION)).CountX(ctx)
	if n != 4 {
		t.Fatalf("%d step transitions audited, want 4", n)
	}
}

// A step may be created past PENDING only to record history, with an
// override and a reason the audit trail keeps; never RUNNING.
func TestStepsAreBornPendingUnlessRecorded(t *testing.T) {
	pl, ctx := newPlanned(t)
	create := func(ctx context.Context, s deployplan.Status) error {
		return pl.client.DeploymentStep.Create().SetPlanID(pl.plan.ID).SetApplicationID(pl.provider.ID).
			SetKind(deployplan.Rollback).SetWave(1).SetPosition(9).SetStatus(s).
			SetStartedAt(pl.start).Exec(ctx)
	}
	// ledger's ROLLBACK step exists: make room for it.
	pl.client.DeploymentStep.DeleteOneID(pl.undo["ledger"].ID).ExecX(ctx)
	yes, blank, why := true, " ", "carried over from the old plan"
	override := func(reason *string) context.Context {
		return viewer.WithIntent(ctx, viewer.NewRecord, viewer.Intent{Override: &yes, Reason: reason})
	}
	requireFault(t, create(ctx, deployplan.Done), fault.FailedPrecondition, "override")
	requireFault(t, create(override(&blank), deployplan.Done), fault.FailedPrecondition, "reason")
	requireFault(t, create(override(&why), deployplan.Running), fault.FailedPrecondition, "RUNNING")
	// Recording is not starting: the gate does not judge it, though web's
	// and billing's rollbacks are PENDING.
	if err := create(override(&why), deployplan.Done); err != nil {
		t.Fatal(err)
	}
	ev := pl.client.AuditEvent.Query().Where(auditevent.EntityType(ent.TypeDeploymentStep), auditevent.ActionEQ(auditevent.ActionCREATE)).
		Order(ent.Desc(auditevent.FieldID)).FirstX(ctx)
	if ev.Reason == nil || *ev.Reason != why {
		t.Fatalf("recorded creation audited as %+v", ev)
	}
}

// The gate reads the writer's transaction: a wave finished earlier in the
// same transaction lets the next one start, and nothing leaks if it rolls
// back.
func TestGateReadsTheWritersTransaction(t *testing.T) {
	pl, ctx := newPlanned(t)
	tx, err := pl.client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tx.DeploymentStep.UpdateOneID(pl.deploy["ledger"].ID).SetStatus(deployplan.Done).ExecX(ctx)
	if err := tx.DeploymentStep.UpdateOneID(pl.deploy["billing"].ID).SetStatus(deployplan.Running).Exec(ctx); err != nil {
		t.Fatalf("billing after ledger DONE in the same transaction: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	requireFault(t, pl.move(ctx, pl.deploy["billing"], deployplan.Running), fault.FailedPrecondition, `"ledger" (wave 1) is PENDING`)
}

// Writers of one plan take turns (schema.LockPlans): a step start that
// begins while another transaction is adding an earlier step waits for it,
// then sees the new step and is refused. Without the turn, PostgreSQL at
// READ COMMITTED would let the start read the plan without the new step.
func TestStepWritesWaitForAPlanBeingRewritten(t *testing.T) {
	pl, ctx := newPlanned(t)
	if err := pl.move(ctx, pl.deploy["ledger"], deployplan.Done); err != nil {
		t.Fatal(err)
	}
	extra := pl.client.Application.Create().SetName("config").SaveX(ctx)
	rewrite, err := pl.client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rewrite.Rollback()
	if err := schema.LockPlans(ctx, rewrite.Client()); err != nil {
		t.Fatal(err)
	}
	rewrite.DeploymentStep.Create().SetPlanID(pl.plan.ID).SetApplicationID(extra.ID).SetKind(deployplan.Deploy).
		SetWave(1).SetPosition(9).ExecX(ctx)

	started := make(chan error, 1)
	go func() {
		started <- pl.db.WithTx(ctx, func(ctx context.Context, c *ent.Client) error {
			return c.DeploymentStep.UpdateOneID(pl.deploy["billing"].ID).SetStatus(deployplan.Running).Exec(ctx)
		})
	}()
	select {
	case err := <-started:
		t.Fatalf("the start did not wait for the rewrite: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := rewrite.Commit(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-started:
		requireFault(t, err, fault.FailedPrecondition, `"config" (wave 1) is PENDING`)
	case <-time.After(20 * time.Second):
		t.Fatal("the start never finished")
	}
}

// A plan goes only after its steps, which are deleted (and audited) one by
// one: deleting it first is a CONFLICT, not a foreign-key failure.
func TestPlanDeletedAfterItsSteps(t *testing.T) {
	pl, ctx := newPlanned(t)
	requireFault(t, pl.client.DeploymentPlan.DeleteOneID(pl.plan.ID).Exec(ctx), fault.Conflict, "6 steps")
	pl.client.DeploymentStep.Delete().Where(deploymentstep.PlanID(pl.plan.ID)).ExecX(ctx)
	if err := pl.client.DeploymentPlan.DeleteOneID(pl.plan.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if n := pl.client.AuditEvent.Query().Where(auditevent.ActionEQ(auditevent.ActionDELETE)).CountX(ctx); n != 7 {
		t.Fatalf("%d deletions audited, want 7", n)
	}
}

// The plan of a DEPLOYED or CANCELLED release is read-only history, like
// the release: no step of it moves, changes, appears or goes.
func TestPlansOfFinishedReleasesAreHistory(t *testing.T) {
	pl, ctx := newPlanned(t)
	c := pl.client
	if err := pl.move(ctx, pl.deploy["ledger"], deployplan.Running); err != nil {
		t.Fatal(err)
	}
	if err := c.Release.UpdateOneID(pl.release.ID).SetStatus(lifecycle.Cancelled).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	writes := map[string]func() error{
		"move":  func() error { return pl.move(ctx, pl.deploy["ledger"], deployplan.Done) },
		"notes": func() error { return c.DeploymentStep.UpdateOneID(pl.deploy["web"].ID).SetNotes("late").Exec(ctx) },
		"bulk": func() error {
			return c.DeploymentStep.Update().Where(deploymentstep.PlanID(pl.plan.ID)).SetOwner("someone").Exec(ctx)
		},
		"delete": func() error { return c.DeploymentStep.DeleteOneID(pl.undo["web"].ID).Exec(ctx) },
		"create": func() error {
			return c.DeploymentStep.Create().SetPlanID(pl.plan.ID).SetApplicationID(pl.provider.ID).SetKind(deployplan.Deploy).
				SetWave(1).SetPosition(7).Exec(ctx)
		},
	}
	for name, write := range writes {
		t.Run(name, func(t *testing.T) {
			requireFault(t, write(), fault.FailedPrecondition, "CANCELLED", "read-only history")
		})
	}
	if s := pl.status(ctx, pl.deploy["ledger"]); s.Status != deployplan.Running {
		t.Fatalf("ledger's step is %s after the refusals, want RUNNING", s.Status)
	}
	if n := c.DeploymentStep.Query().Where(deploymentstep.PlanID(pl.plan.ID)).CountX(ctx); n != 6 {
		t.Fatalf("%d steps after the refusals, want 6", n)
	}
}
