package graph

import (
	"context"
	"slices"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/change"
	"github.com/relgraph/relgraph/ent/deployment"
	"github.com/relgraph/relgraph/ent/environment"
	"github.com/relgraph/relgraph/ent/freezewindow"
	"github.com/relgraph/relgraph/ent/predicate"
	"github.com/relgraph/relgraph/ent/release"
	"github.com/relgraph/relgraph/graph/model"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/internal/viewer"
	"github.com/relgraph/relgraph/lifecycle"
)

// This file gathers the facts the lifecycle rules need and applies the
// rules' answers; the rules themselves live in package lifecycle.

// expect scopes an optional expectedVersion to the write of record id.
func expect(ctx context.Context, id int, expectedVersion *int) context.Context {
	if expectedVersion == nil {
		return ctx
	}
	return viewer.ExpectVersion(ctx, id, *expectedVersion)
}

// freezeViolations lists the freeze windows overlapping rel's window that
// cover an application in its impact, by start then name.
func (r *Resolver) freezeViolations(ctx context.Context, rel *ent.Release) ([]*ent.FreezeWindow, error) {
	if rel.StartsAt == nil || rel.EndsAt == nil {
		return []*ent.FreezeWindow{}, nil
	}
	freezes, err := r.db(ctx).FreezeWindow.Query().
		Where(freezewindow.StartsAtLT(*rel.EndsAt), freezewindow.EndsAtGT(*rel.StartsAt)).
		WithApplications(func(q *ent.ApplicationQuery) { q.Select("id") }).
		Order(ent.Asc(freezewindow.FieldStartsAt), ent.Asc(freezewindow.FieldName), ent.Asc(freezewindow.FieldID)).
		All(ctx)
	if err != nil || len(freezes) == 0 {
		return []*ent.FreezeWindow{}, err
	}
	snap, err := r.graph.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	changed, err := r.changedApplications(ctx, rel.ID)
	if err != nil {
		return nil, err
	}
	impacted := snap.ImpactSet(changed)
	out := []*ent.FreezeWindow{}
	for _, f := range freezes {
		covered := len(f.Edges.Applications) == 0 && len(impacted) > 0
		for _, a := range f.Edges.Applications {
			if _, found := slices.BinarySearch(impacted, a.ID); found {
				covered = true
				break
			}
		}
		if covered {
			out = append(out, f)
		}
	}
	return out, nil
}

// transition moves a release to status to if every lifecycle rule allows it.
func (r *Resolver) transition(ctx context.Context, id int, to release.Status, expectedVersion *int, override *bool, reason *string) (*ent.Release, error) {
	db := r.db(ctx)
	rel, err := db.Release.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if expectedVersion != nil && *expectedVersion != rel.Version {
		return nil, fault.StaleVersion("Release", id, *expectedVersion, rel.Version)
	}
	facts := lifecycle.ReleaseFacts{Status: string(rel.Status), HasWindow: rel.StartsAt != nil && rel.EndsAt != nil}
	if facts.Changes, err = db.Change.Query().Where(change.ReleaseID(id)).Count(ctx); err != nil {
		return nil, err
	}
	if facts.ProductionSucceeded, err = db.Deployment.Query().Where(
		deployment.ReleaseID(id),
		deployment.StatusEQ(deployment.StatusSUCCEEDED),
		deployment.HasEnvironmentWith(environment.StageEQ(lifecycle.Production)),
	).Exist(ctx); err != nil {
		return nil, err
	}
	if to == release.StatusIN_PROGRESS {
		freezes, err := r.freezeViolations(ctx, rel)
		if err != nil {
			return nil, err
		}
		for _, f := range freezes {
			facts.Freezes = append(facts.Freezes, f.Name)
		}
	}
	o := lifecycle.Override{Override: override != nil && *override}
	if reason != nil {
		o.Reason = *reason
		ctx = viewer.WithReason(ctx, *reason)
	}
	if err := lifecycle.CheckTransition(facts, string(to), o); err != nil {
		return nil, err
	}
	ctx = viewer.AsTransition(expect(ctx, id, expectedVersion))
	return db.Release.UpdateOneID(id).SetStatus(to).Save(ctx)
}

// environmentConflicts finds double bookings of environments whose overlap
// intersects w.
func (r *Resolver) environmentConflicts(ctx context.Context, w window) ([]*model.EnvironmentConflict, error) {
	preds := []predicate.Deployment{
		deployment.StartsAtNotNil(), deployment.EndsAtNotNil(),
		deployment.StatusNotIn(deployment.StatusFAILED, deployment.StatusROLLED_BACK),
	}
	if w.to != nil {
		preds = append(preds, deployment.StartsAtLT(*w.to))
	}
	if w.from != nil {
		preds = append(preds, deployment.EndsAtGT(*w.from))
	}
	deps, err := r.db(ctx).Deployment.Query().Where(preds...).WithEnvironment().WithRelease().All(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[int]*ent.Deployment, len(deps))
	bookings := make([]lifecycle.Booking, len(deps))
	for i, d := range deps {
		byID[d.ID] = d
		bookings[i] = lifecycle.Booking{ID: d.ID, Resource: d.EnvironmentID, Owner: d.ReleaseID, Start: *d.StartsAt, End: *d.EndsAt}
	}
	out := []*model.EnvironmentConflict{}
	for _, c := range lifecycle.Clashes(bookings) {
		if !w.intersects(c.Start, c.End) {
			continue
		}
		a, b := byID[c.A.ID], byID[c.B.ID]
		out = append(out, &model.EnvironmentConflict{
			Environment:  a.Edges.Environment,
			Deployments:  []*ent.Deployment{a, b},
			OverlapStart: c.Start,
			OverlapEnd:   c.End,
		})
	}
	return out, nil
}
