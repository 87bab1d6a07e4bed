package graph

import (
	"context"

	"github.com/relgraph/relgraph/deployplan"
	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/graph/model"
)

// differences names the applications of a plan's differences with the
// request's graph records.
func (r *Resolver) differences(ctx context.Context, diff []deployplan.Difference) ([]*model.DeploymentPlanDifference, error) {
	out := make([]*model.DeploymentPlanDifference, 0, len(diff))
	if len(diff) == 0 {
		return out, nil
	}
	g, err := r.graph.Current(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range diff {
		app := g.Application(d.Application.ID)
		if app == nil {
			continue
		}
		out = append(out, &model.DeploymentPlanDifference{
			Kind:        model.DeploymentPlanDifferenceKind(d.Kind),
			Application: app,
			PlanWave:    wave(d.PlanWave),
			CurrentWave: wave(d.CurrentWave),
		})
	}
	return out, nil
}

// wave is a wave number for GraphQL: null for none (0).
func wave(w int) *int {
	if w == 0 {
		return nil
	}
	return &w
}

// planRelease is plan's release, eager loaded or read.
func (r *Resolver) planRelease(ctx context.Context, plan *ent.DeploymentPlan) (*ent.Release, error) {
	if rel, err := plan.Edges.ReleaseOrErr(); err == nil {
		return rel, nil
	}
	return r.db(ctx).Release.Get(ctx, plan.ReleaseID)
}
