package schema

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"

	gen "github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/change"
	"github.com/relgraph/relgraph/ent/deployment"
	"github.com/relgraph/relgraph/ent/environment"
	"github.com/relgraph/relgraph/ent/hook"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/internal/viewer"
	"github.com/relgraph/relgraph/lifecycle"
)

// versioned bumps the version of every updated record, and, when the caller
// said which version it last saw (viewer.ExpectVersion), applies the update
// only if the record is still at that version: the check and the write are
// one conditional UPDATE, so two writers can never both win.
func versioned() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if err := m.AddField("version", 1); err != nil {
				return nil, err
			}
			id, hasID := mutationID(m)
			expected, guarded := viewer.ExpectedVersion(ctx, id)
			if !hasID || !guarded {
				return next.Mutate(ctx, m)
			}
			wm, ok := m.(interface{ WhereP(...func(*sql.Selector)) })
			if !ok {
				return nil, fmt.Errorf("versioned: %T cannot be filtered", m)
			}
			wm.WhereP(sql.FieldEQ("version", expected))
			v, err := next.Mutate(ctx, m)
			if gen.IsNotFound(err) {
				current, cerr := currentVersion(ctx, m, id)
				if cerr != nil {
					return nil, errors.Join(err, cerr)
				}
				if current > 0 {
					return nil, fault.StaleVersion(m.Type(), id, expected, current)
				}
			}
			return v, err
		})
	}, ent.OpUpdate|ent.OpUpdateOne)
}

func mutationID(m ent.Mutation) (int, bool) {
	if im, ok := m.(interface{ ID() (int, bool) }); ok {
		return im.ID()
	}
	return 0, false
}

// currentVersion reads the stored version of record id; 0 if it is gone.
func currentVersion(ctx context.Context, m ent.Mutation, id int) (int, error) {
	c, ok := m.(interface{ Client() *gen.Client })
	if !ok {
		return 0, fmt.Errorf("versioned: %T has no client", m)
	}
	node, err := loadEntity(ctx, c.Client(), m.Type(), id)
	if gen.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	switch n := node.(type) {
	case *gen.Application:
		return n.Version, nil
	case *gen.Change:
		return n.Version, nil
	case *gen.Release:
		return n.Version, nil
	}
	return 0, fmt.Errorf("versioned: %T has no version", node)
}

// normalizeStages keeps a release's stages in flow order, without repeats.
func normalizeStages() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ReleaseFunc(func(ctx context.Context, m *gen.ReleaseMutation) (ent.Value, error) {
			stages, set := m.Stages()
			if extra, _ := m.AppendedStages(); len(extra) > 0 {
				if !set {
					if !m.Op().Is(ent.OpUpdateOne) {
						return nil, fault.Invalid("appendStages", "appending stages needs a single release")
					}
					old, err := m.OldStages(ctx)
					if err != nil {
						return nil, err
					}
					stages = old
				}
				stages, set = append(slices.Clone(stages), extra...), true
			}
			if set {
				norm, err := lifecycle.NormalizeStages(stages)
				if err != nil {
					return nil, fault.Invalid("stages", "%s", err.Error())
				}
				m.SetStages(norm)
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne)
}

// statusOnlyByTransition keeps the release state machine the only way to
// change a release's status once it exists.
func statusOnlyByTransition() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ReleaseFunc(func(ctx context.Context, m *gen.ReleaseMutation) (ent.Value, error) {
			if _, ok := m.Status(); ok && !viewer.IsTransition(ctx) {
				return nil, fault.Precondition("a release's status changes only through transitionRelease")
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpUpdate|ent.OpUpdateOne)
}

// requirePromotionGates enforces the promotion gates: a deployment may become
// IN_PROGRESS or SUCCEEDED only once its release has a SUCCEEDED deployment
// in every earlier stage of the release's stages.
func requirePromotionGates() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.DeploymentFunc(func(ctx context.Context, m *gen.DeploymentMutation) (ent.Value, error) {
			status, ok := m.Status()
			if !ok || (status != deployment.StatusIN_PROGRESS && status != deployment.StatusSUCCEEDED) {
				return next.Mutate(ctx, m)
			}
			ids, err := deploymentTargets(ctx, m)
			if err != nil {
				return nil, err
			}
			client := m.Client()
			for _, t := range ids {
				rel, err := client.Release.Get(ctx, t.release)
				if err != nil {
					return nil, err
				}
				env, err := client.Environment.Get(ctx, t.environment)
				if err != nil {
					return nil, err
				}
				envs, err := client.Environment.Query().
					Where(environment.HasDeploymentsWith(
						deployment.ReleaseID(t.release), deployment.StatusEQ(deployment.StatusSUCCEEDED))).
					All(ctx)
				if err != nil {
					return nil, err
				}
				succeeded := make([]lifecycle.Stage, len(envs))
				for i, e := range envs {
					succeeded[i] = e.Stage
				}
				if err := lifecycle.CheckPromotion(rel.Name, rel.Stages, env.Stage, succeeded); err != nil {
					return nil, err
				}
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne)
}

type deploymentTarget struct{ release, environment int }

// deploymentTargets returns the (release, environment) pairs a deployment
// mutation writes.
func deploymentTargets(ctx context.Context, m *gen.DeploymentMutation) ([]deploymentTarget, error) {
	if m.Op().Is(ent.OpCreate) {
		r, _ := m.ReleaseID()
		e, _ := m.EnvironmentID()
		return []deploymentTarget{{r, e}}, nil
	}
	ids, err := m.IDs(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := m.Client().Deployment.Query().Where(deployment.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]deploymentTarget, len(rows))
	for i, d := range rows {
		out[i] = deploymentTarget{d.ReleaseID, d.EnvironmentID}
	}
	return out, nil
}

// refuseEnvironmentDeleteWhileUsed refuses to delete an environment that
// deployments still reference.
func refuseEnvironmentDeleteWhileUsed() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.EnvironmentFunc(func(ctx context.Context, m *gen.EnvironmentMutation) (ent.Value, error) {
			ids, err := m.IDs(ctx)
			if err != nil {
				return nil, err
			}
			n, err := m.Client().Deployment.Query().Where(deployment.EnvironmentIDIn(ids...)).Count(ctx)
			if err != nil {
				return nil, err
			}
			if n > 0 {
				return nil, fault.Conflicting("the environment is still referenced by %s; delete them first", plural(n, "deployment"))
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpDelete|ent.OpDeleteOne)
}

// refuseReleaseDeleteWithDeployments refuses to delete a release that has
// deployments: they are its history.
func refuseReleaseDeleteWithDeployments() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ReleaseFunc(func(ctx context.Context, m *gen.ReleaseMutation) (ent.Value, error) {
			ids, err := m.IDs(ctx)
			if err != nil {
				return nil, err
			}
			n, err := m.Client().Deployment.Query().Where(deployment.ReleaseIDIn(ids...)).Count(ctx)
			if err != nil {
				return nil, err
			}
			if n > 0 {
				return nil, fault.Conflicting("the release still has %s; a release with deployments can be cancelled, not deleted", plural(n, "deployment"))
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpDelete|ent.OpDeleteOne)
}

// scheduleChangesFromTheChangeSide applies a release mutation's changeIDs
// (create, add, remove, clear) as updates of the changes themselves, after
// the release is saved, so those changes' versions are bumped and their
// audit trail records the move like any updateChange would. Changes that do
// not exist or are scheduled in another release are refused.
func scheduleChangesFromTheChangeSide() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return hook.ReleaseFunc(func(ctx context.Context, m *gen.ReleaseMutation) (ent.Value, error) {
			added, removed, cleared := m.ChangesIDs(), m.RemovedChangesIDs(), m.ChangesCleared()
			if len(added) == 0 && len(removed) == 0 && !cleared {
				return next.Mutate(ctx, m)
			}
			m.ResetChanges()
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			id, _ := m.ID()
			client := m.Client()
			switch {
			case cleared:
				err = client.Change.Update().Where(change.ReleaseID(id)).ClearReleaseID().Exec(ctx)
			case len(removed) > 0:
				err = client.Change.Update().Where(change.IDIn(removed...), change.ReleaseID(id)).ClearReleaseID().Exec(ctx)
			}
			if err != nil {
				return nil, err
			}
			if len(added) == 0 {
				return v, nil
			}
			added = slices.Compact(slices.Sorted(slices.Values(added)))
			free, err := client.Change.Query().
				Where(change.IDIn(added...), change.Or(change.ReleaseIDIsNil(), change.ReleaseID(id))).
				IDs(ctx)
			if err != nil {
				return nil, err
			}
			if len(free) != len(added) {
				var taken []int
				for _, c := range added {
					if !slices.Contains(free, c) {
						taken = append(taken, c)
					}
				}
				return nil, fault.Conflicting("changes %v do not exist or are already scheduled in another release: move them with updateChange(releaseID)", taken)
			}
			if err := client.Change.Update().Where(change.IDIn(added...)).SetReleaseID(id).Exec(ctx); err != nil {
				return nil, err
			}
			return v, nil
		})
	}, ent.OpCreate|ent.OpUpdateOne)
}
