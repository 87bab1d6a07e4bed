package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/relgraph/relgraph/deployplan"
	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/deployment"
	"github.com/relgraph/relgraph/ent/deploymentplan"
	"github.com/relgraph/relgraph/ent/deploymentstep"
	"github.com/relgraph/relgraph/ent/environment"
	"github.com/relgraph/relgraph/ent/predicate"
	"github.com/relgraph/relgraph/ent/schema"
	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/internal/viewer"
	"github.com/relgraph/relgraph/lifecycle"
)

// Deployment plans are generated here, once, for every caller: the GraphQL
// mutation (through the request's GraphCache) and the demo loader or any Go
// program (GenerateDeploymentPlan, which reads the graph whole through its
// transaction). The rules every step write obeys live in the schema
// (ent/schema/deploymentplan.go); the layout of a plan and its differences
// in package deployplan.

// PlanGeneration is what generating a deployment plan did.
type PlanGeneration struct {
	// Plan is the plan: new, untouched, or with its steps replaced.
	Plan *ent.DeploymentPlan
	// Created is true when the plan was created.
	Created bool
	// Replaced is true when an existing plan's steps were rewritten.
	Replaced bool
	// Differences are how the plan differed from the release's current
	// waves before the call; empty for a new plan.
	Differences []deployplan.Difference
}

// GenerateDeploymentPlan generates the deployment plan of release releaseID
// for environment environmentID (see GraphCache.GenerateDeploymentPlan) for
// a caller without a GraphCache, such as the demo loader: ctx must carry
// the transaction to write in (ent.NewTxContext), through which the
// dependency graph is read whole.
func GenerateDeploymentPlan(ctx context.Context, releaseID, environmentID int, replace bool) (*PlanGeneration, error) {
	return (&GraphCache{}).GenerateDeploymentPlan(ctx, releaseID, environmentID, replace)
}

// GenerateDeploymentPlan generates the deployment plan of release releaseID
// for environment environmentID, in the transaction ctx carries (all or
// nothing): one DEPLOY step per changed application in wave order, then a
// ROLLBACK step per application in reverse order (deployplan.Build), each
// owned by the application's owner.
//
// A DEPLOYED or CANCELLED release, or one without changes, has nothing to
// deploy: FAILED_PRECONDITION. An existing plan whose DEPLOY steps match
// the release's current waves is returned as it is; one that differs is
// returned untouched with its differences, unless replace is true: then,
// unless a step is RUNNING (FAILED_PRECONDITION), the steps of applications
// no longer changed are deleted, new applications get PENDING steps, and
// every step whose wave or position moved is recreated (both are immutable,
// and positions must stay a consistent sequence) carrying its status,
// owner, notes and times over, with a reason in the audit trail. Steps
// whose wave and position stand are not touched.
func (g *GraphCache) GenerateDeploymentPlan(ctx context.Context, releaseID, environmentID int, replace bool) (*PlanGeneration, error) {
	if ent.TxFromContext(ctx) == nil {
		return nil, errors.New("generate deployment plan: ctx carries no transaction")
	}
	client := g.clientFor(ctx)
	rel, err := client.Release.Get(ctx, releaseID)
	if ent.IsNotFound(err) {
		return nil, fault.Missing("release %d does not exist", releaseID)
	}
	if err != nil {
		return nil, err
	}
	if ok, err := client.Environment.Query().Where(environment.ID(environmentID)).Exist(ctx); err != nil {
		return nil, err
	} else if !ok {
		return nil, fault.Missing("environment %d does not exist", environmentID)
	}
	if rel.Status == lifecycle.Deployed || rel.Status == lifecycle.Cancelled {
		return nil, fault.Precondition("release %q is %s: there is nothing left to deploy", rel.Name, rel.Status)
	}
	// Before reading the plan: a concurrent step start must not slip
	// between the read and the rewrite.
	if err := schema.LockPlans(ctx, client); err != nil {
		return nil, err
	}
	waves, err := g.currentWaves(ctx, rel.ID)
	if err != nil {
		return nil, err
	}
	if len(waves) == 0 {
		return nil, fault.Precondition("release %q has no changes: there is nothing to deploy", rel.Name)
	}
	plan, err := client.DeploymentPlan.Query().
		Where(deploymentplan.ReleaseID(rel.ID), deploymentplan.EnvironmentID(environmentID)).
		Only(ctx)
	if ent.IsNotFound(err) {
		return g.createPlan(ctx, client, rel.ID, environmentID, waves)
	}
	if err != nil {
		return nil, err
	}
	steps, err := stepsOf(ctx, client, plan.ID)
	if err != nil {
		return nil, err
	}
	diff := deployplan.Diff(asPlanSteps(steps), waves)
	out := &PlanGeneration{Plan: plan, Differences: diff}
	if len(diff) == 0 || !replace {
		return out, nil
	}
	var running []string
	for _, s := range steps {
		if s.Status == deployplan.Running {
			running = append(running, fmt.Sprintf("%s %q", strings.ToLower(string(s.Kind)), s.Edges.Application.Name))
		}
	}
	if len(running) > 0 {
		return nil, fault.Precondition("the plan cannot be replaced while steps are RUNNING (%s): let them finish (DONE or FAILED) first",
			strings.Join(running, ", "))
	}
	if err := replaceSteps(ctx, client, plan.ID, steps, deployplan.Build(waves)); err != nil {
		return nil, err
	}
	out.Replaced = true
	return out, nil
}

// currentWaves are release id's deployment waves now, with what a plan
// needs of each application.
func (g *GraphCache) currentWaves(ctx context.Context, id int) ([][]deployplan.Application, error) {
	waves, err := g.ReleaseWaves(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([][]deployplan.Application, len(waves))
	for i, wave := range waves {
		out[i] = make([]deployplan.Application, len(wave))
		for j, a := range wave {
			out[i][j] = deployplan.Application{ID: a.ID, Name: a.Name, Owner: a.Owner}
		}
	}
	return out, nil
}

// createPlan creates the plan of release for environment with the steps of
// waves.
func (g *GraphCache) createPlan(ctx context.Context, client *ent.Client, release, environment int, waves [][]deployplan.Application) (*PlanGeneration, error) {
	plan, err := client.DeploymentPlan.Create().SetReleaseID(release).SetEnvironmentID(environment).Save(ctx)
	if err != nil {
		return nil, err
	}
	steps := deployplan.Build(waves)
	builders := make([]*ent.DeploymentStepCreate, len(steps))
	for i, s := range steps {
		builders[i] = newStep(client, plan.ID, s).SetOwner(s.Application.Owner)
	}
	if err := client.DeploymentStep.CreateBulk(builders...).Exec(ctx); err != nil {
		return nil, fmt.Errorf("create deployment steps: %w", err)
	}
	return &PlanGeneration{Plan: plan, Created: true, Differences: []deployplan.Difference{}}, nil
}

func newStep(client *ent.Client, plan int, s deployplan.Step) *ent.DeploymentStepCreate {
	return client.DeploymentStep.Create().
		SetPlanID(plan).
		SetApplicationID(s.Application.ID).
		SetKind(s.Kind).
		SetWave(s.Wave).
		SetPosition(s.Position)
}

type stepKey struct {
	kind        deployplan.Kind
	application int
}

// replaceSteps rewrites the steps old of plan into the layout want: see
// GraphCache.GenerateDeploymentPlan.
func replaceSteps(ctx context.Context, client *ent.Client, plan int, old []*ent.DeploymentStep, want []deployplan.Step) error {
	byKey := make(map[stepKey]*ent.DeploymentStep, len(old))
	for _, s := range old {
		byKey[stepKey{s.Kind, s.ApplicationID}] = s
	}
	wanted := make(map[stepKey]bool, len(want))
	for _, s := range want {
		wanted[stepKey{s.Kind, s.Application.ID}] = true
	}
	// Deleted first: a recreated step takes its predecessor's place in the
	// (plan, kind, application) unique index.
	var gone []*ent.DeploymentStep
	var fresh []*ent.DeploymentStepCreate
	type carry struct {
		from *ent.DeploymentStep
		to   deployplan.Step
	}
	var carried []carry
	for _, s := range old {
		if !wanted[stepKey{s.Kind, s.ApplicationID}] {
			gone = append(gone, s)
		}
	}
	for _, s := range want {
		prev, ok := byKey[stepKey{s.Kind, s.Application.ID}]
		switch {
		case !ok:
			fresh = append(fresh, newStep(client, plan, s).SetOwner(s.Application.Owner))
		case prev.Wave != s.Wave || prev.Position != s.Position:
			gone = append(gone, prev)
			carried = append(carried, carry{prev, s})
		}
	}
	if len(gone) > 0 {
		// Each as it was read: an owner or notes edit committed since
		// (those do not wait for the plans lock) must not be lost.
		matches := make([]predicate.DeploymentStep, len(gone))
		for i, s := range gone {
			matches[i] = deploymentstep.And(deploymentstep.ID(s.ID), deploymentstep.Version(s.Version))
		}
		n, err := client.DeploymentStep.Delete().Where(deploymentstep.Or(matches...)).Exec(ctx)
		if err != nil {
			return err
		}
		if n != len(gone) {
			return fault.Conflicting("the plan's steps were changed while it was being regenerated: generate it again")
		}
	}
	for _, c := range carried {
		b := newStep(client, plan, c.to).
			SetOwner(c.from.Owner).
			SetNotes(c.from.Notes).
			SetStatus(c.from.Status).
			SetNillableStartedAt(c.from.StartedAt).
			SetNillableFinishedAt(c.from.FinishedAt)
		wctx := ctx
		if c.from.Status != deployplan.Pending || c.from.StartedAt != nil || c.from.FinishedAt != nil {
			yes := true
			reason := fmt.Sprintf("generateDeploymentPlan(replace: true) recreated step %d (wave %d, position %d) at wave %d, position %d, keeping its status %s",
				c.from.ID, c.from.Wave, c.from.Position, c.to.Wave, c.to.Position, c.from.Status)
			wctx = viewer.WithIntent(ctx, viewer.NewRecord, viewer.Intent{Override: &yes, Reason: &reason})
		}
		if err := b.Exec(wctx); err != nil {
			return fmt.Errorf("recreate deployment step: %w", err)
		}
	}
	if len(fresh) > 0 {
		if err := client.DeploymentStep.CreateBulk(fresh...).Exec(ctx); err != nil {
			return fmt.Errorf("create deployment steps: %w", err)
		}
	}
	return nil
}

// stepsOf reads the steps of plan id with their applications, by position.
func stepsOf(ctx context.Context, client *ent.Client, id int) ([]*ent.DeploymentStep, error) {
	return client.DeploymentStep.Query().
		Where(deploymentstep.PlanID(id)).
		WithApplication().
		Order(deploymentstep.ByPosition(), deploymentstep.ByID()).
		All(ctx)
}

// asPlanSteps turns stored steps into deployplan's.
func asPlanSteps(steps []*ent.DeploymentStep) []deployplan.Step {
	out := make([]deployplan.Step, len(steps))
	for i, s := range steps {
		a := deployplan.Application{ID: s.ApplicationID}
		if app := s.Edges.Application; app != nil {
			a.Name, a.Owner = app.Name, app.Owner
		}
		out[i] = deployplan.Step{Application: a, Kind: s.Kind, Wave: s.Wave, Position: s.Position}
	}
	return out
}

// PlanDifferences lists how plan differs from the waves its release has
// now (deployplan.Diff); empty when it is up to date.
func (g *GraphCache) PlanDifferences(ctx context.Context, plan *ent.DeploymentPlan) ([]deployplan.Difference, error) {
	waves, err := g.currentWaves(ctx, plan.ReleaseID)
	if err != nil {
		return nil, err
	}
	steps, err := g.clientFor(ctx).DeploymentStep.Query().
		Where(deploymentstep.PlanID(plan.ID), deploymentstep.KindEQ(deployplan.Deploy)).
		WithApplication().
		All(ctx)
	if err != nil {
		return nil, err
	}
	return deployplan.Diff(asPlanSteps(steps), waves), nil
}

// PlanWaves returns plan's DEPLOY steps grouped by wave, wave 1 first, each
// wave's by position.
func (g *GraphCache) PlanWaves(ctx context.Context, plan *ent.DeploymentPlan) ([][]*ent.DeploymentStep, error) {
	steps, err := g.clientFor(ctx).DeploymentStep.Query().
		Where(deploymentstep.PlanID(plan.ID), deploymentstep.KindEQ(deployplan.Deploy)).
		Order(deploymentstep.ByWave(), deploymentstep.ByPosition(), deploymentstep.ByID()).
		All(ctx)
	if err != nil {
		return nil, err
	}
	out := [][]*ent.DeploymentStep{}
	for i, s := range steps {
		if i == 0 || s.Wave != steps[i-1].Wave {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], s)
	}
	return out, nil
}

// PlanBookings lists the deployments booked into plan's environment whose
// window overlaps the window of rel, plan's release, by start (then id);
// none when rel has no window. FAILED and ROLLED_BACK deployments book
// nothing, as for environment conflicts.
func (g *GraphCache) PlanBookings(ctx context.Context, plan *ent.DeploymentPlan, rel *ent.Release) ([]*ent.Deployment, error) {
	if rel.StartsAt == nil || rel.EndsAt == nil {
		return []*ent.Deployment{}, nil
	}
	deps, err := g.clientFor(ctx).Deployment.Query().
		Where(deployment.EnvironmentID(plan.EnvironmentID)).
		Where(bookingWithin(impact.Window{Start: *rel.StartsAt, End: *rel.EndsAt})...).
		All(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(deps, func(a, b *ent.Deployment) int {
		return cmp.Or(a.StartsAt.Compare(*b.StartsAt), cmp.Compare(a.ID, b.ID))
	})
	return deps, nil
}
