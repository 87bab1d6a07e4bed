package schema

import (
	"context"
	"fmt"
	"slices"

	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	gen "github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/application"
	"github.com/relgraph/relgraph/ent/change"
	"github.com/relgraph/relgraph/ent/dependency"
	"github.com/relgraph/relgraph/ent/deployment"
	"github.com/relgraph/relgraph/ent/deploymentplan"
	"github.com/relgraph/relgraph/ent/deploymentstep"
	"github.com/relgraph/relgraph/ent/environment"
	"github.com/relgraph/relgraph/ent/freezewindow"
	"github.com/relgraph/relgraph/ent/hook"
	"github.com/relgraph/relgraph/ent/release"
	"github.com/relgraph/relgraph/ent/releasepackage"
	"github.com/relgraph/relgraph/ent/token"
)

// lockRows locks the rows an update or delete will write (SELECT ... FOR
// NO KEY UPDATE or FOR UPDATE, in the write's transaction) before any other
// hook of the record reads them. The rows are locked first because PostgreSQL at READ
// COMMITTED otherwise lets two writers of one record both read it before
// either writes: each would judge its write (audit trail's old values,
// state machine, invariants) against the state the other is overwriting;
// once the lock is held, every later statement sees the other writer's
// committed row. They are locked in ascending id order so that two
// writers of the same records take them in the same order and cannot
// deadlock over them.
//
// A row about to be updated is locked FOR NO KEY UPDATE (what PostgreSQL's
// UPDATE takes), one about to be deleted FOR UPDATE. A write of a record
// that belongs to a release (a change, a deployment, a deployment plan;
// created, updated or deleted) first locks that release FOR NO KEY UPDATE
// too, and the one it moves to (not FOR SHARE: two writers of one
// release's records judge its other records, as two changes leaving an
// IN_PROGRESS release must not both go, and a shared lock later raised to
// update the release deadlocks): the release's rules read its records (a
// transition, its deployments and changes) and its records' rules read the
// release (a DEPLOYED release's changes are read-only), so the two take
// turns. Releases are always locked before their records, which keeps the
// order the same for a transition that moves changes and for a change
// write.
//
// SQLite needs no lock (a write transaction holds the whole database from
// its BEGIN IMMEDIATE), and outside a transaction a lock would end with
// its own statement, so there it does nothing. RecordMixin runs it first,
// after the privacy policy; a DeploymentStep's status write takes the
// plans' turn before it (planTurnMixin), as every writer of plans does.
func lockRows() ent.Hook {
	return hook.On(func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			client, err := clientOf(m)
			if err != nil {
				return nil, err
			}
			if client.Dialect() != dialect.Postgres || !inTx(m) {
				return next.Mutate(ctx, m)
			}
			var ids []int
			if !m.Op().Is(ent.OpCreate) {
				if ids, err = mutationIDs(ctx, m); err != nil {
					return nil, err
				}
			}
			releases, err := releasesJudging(ctx, client, m, ids)
			if err != nil {
				return nil, err
			}
			if err := lockAll(ctx, client, gen.TypeRelease, releases, lockForUpdate); err != nil {
				return nil, err
			}
			mode := lockForUpdate
			if m.Op().Is(ent.OpDelete | ent.OpDeleteOne) {
				mode = lockForDelete
			}
			if err := lockAll(ctx, client, m.Type(), ids, mode); err != nil {
				return nil, err
			}
			if len(ids) > 0 {
				// A record may have moved to another release while this
				// write waited for it: lock that one too (out of order, as
				// rarely as that happens).
				now, err := releasesJudging(ctx, client, m, ids)
				if err != nil {
					return nil, err
				}
				moved := slices.DeleteFunc(now, func(r int) bool { return slices.Contains(releases, r) })
				if err := lockAll(ctx, client, gen.TypeRelease, moved, lockForUpdate); err != nil {
					return nil, err
				}
			}
			return next.Mutate(ctx, m)
		})
	}, ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne|ent.OpDelete|ent.OpDeleteOne)
}

// lockAll locks the rows of records ids of the given type, in ascending
// order: batches in ascending order keep the whole in ascending order,
// each within PostgreSQL's 65,535 parameters per statement.
func lockAll(ctx context.Context, client *gen.Client, typ string, ids []int, mode lockMode) error {
	for batch := range slices.Chunk(slices.Compact(slices.Sorted(slices.Values(ids))), lockBatch) {
		if err := lockIDs(ctx, client, typ, batch, mode); err != nil {
			return fmt.Errorf("lock %s rows: %w", typ, err)
		}
	}
	return nil
}

// releasesJudging returns the releases whose rules and whose records'
// rules judge m, a write of records ids (none for a create): for a change,
// a deployment or a deployment plan, the releases they belong to and the
// one m moves them to. Other writes have none.
func releasesJudging(ctx context.Context, client *gen.Client, m ent.Mutation, ids []int) ([]int, error) {
	var releases []int
	if moved, ok := m.(interface{ ReleaseID() (int, bool) }); ok {
		if id, set := moved.ReleaseID(); set {
			releases = append(releases, id)
		}
	}
	if len(ids) == 0 || m.Type() == gen.TypeDeploymentStep { // a step's parent is its plan
		return releases, nil
	}
	parents, err := ParentsOf(ctx, client, m.Type(), ids)
	if err != nil {
		return nil, err
	}
	for _, r := range parents {
		releases = append(releases, r)
	}
	return releases, nil
}

// ParentsOf reads what records ids of the given type belong to now: a
// change's, deployment's or deployment plan's release, a deployment step's
// plan. A record gone, or in no release, is left out, and so are the
// records of any other type.
func ParentsOf(ctx context.Context, client *gen.Client, typ string, ids []int) (map[int]int, error) {
	out := map[int]int{}
	for chunk := range slices.Chunk(slices.Compact(slices.Sorted(slices.Values(ids))), lockBatch) {
		var rows []struct {
			ID        int  `json:"id"`
			ReleaseID *int `json:"release_id"`
			PlanID    *int `json:"plan_id"`
		}
		var err error
		switch typ {
		case gen.TypeChange:
			err = client.Change.Query().Where(change.IDIn(chunk...)).Select(change.FieldID, change.FieldReleaseID).Scan(ctx, &rows)
		case gen.TypeDeployment:
			err = client.Deployment.Query().Where(deployment.IDIn(chunk...)).Select(deployment.FieldID, deployment.FieldReleaseID).Scan(ctx, &rows)
		case gen.TypeDeploymentPlan:
			err = client.DeploymentPlan.Query().Where(deploymentplan.IDIn(chunk...)).Select(deploymentplan.FieldID, deploymentplan.FieldReleaseID).Scan(ctx, &rows)
		case gen.TypeDeploymentStep:
			err = client.DeploymentStep.Query().Where(deploymentstep.IDIn(chunk...)).Select(deploymentstep.FieldID, deploymentstep.FieldPlanID).Scan(ctx, &rows)
		default:
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read what %s rows belong to: %w", typ, err)
		}
		for _, r := range rows {
			switch {
			case r.ReleaseID != nil:
				out[r.ID] = *r.ReleaseID
			case r.PlanID != nil:
				out[r.ID] = *r.PlanID
			}
		}
	}
	return out, nil
}

// lockBatch bounds the ids of one statement (a lock, a read of what rows
// belong to): PostgreSQL takes at most 65,535 parameters, SQLite 32,766.
const lockBatch = 10000

// inTx reports whether m writes inside a transaction.
func inTx(m ent.Mutation) bool {
	tm, ok := m.(interface{ Tx() (*gen.Tx, error) })
	if !ok {
		return false
	}
	_, err := tm.Tx()
	return err == nil
}

// lockMode is how strongly lockRows locks a row, in PostgreSQL's terms.
type lockMode int

const (
	// lockForUpdate is for a row about to be updated: FOR NO KEY UPDATE,
	// what the UPDATE itself takes, so rows that reference it (a foreign
	// key's check takes FOR KEY SHARE) are not held up.
	lockForUpdate lockMode = iota
	// lockForDelete is for a row about to be deleted: FOR UPDATE.
	lockForDelete
)

// lockable is an Ent query builder with the sql/lock feature's methods and
// relgraph's ForNoKeyUpdate (ent/entc.go).
type lockable[Q any] interface {
	ForUpdate(...sql.LockOption) Q
	ForNoKeyUpdate(...sql.LockOption) Q
	IDs(context.Context) ([]int, error)
}

// lockWith runs q, locking the rows it selects in mode.
func lockWith[Q lockable[Q]](ctx context.Context, q Q, mode lockMode) error {
	if mode == lockForDelete {
		q = q.ForUpdate()
	} else {
		q = q.ForNoKeyUpdate()
	}
	_, err := q.IDs(ctx)
	return err
}

// lockIDs locks the rows of records ids of the given type in mode until
// the transaction of client ends, in ascending id order: PostgreSQL locks
// the rows as the ORDER BY returns them.
func lockIDs(ctx context.Context, client *gen.Client, typ string, ids []int, mode lockMode) error {
	switch typ {
	case gen.TypeApplication:
		return lockWith(ctx, client.Application.Query().Where(application.IDIn(ids...)).Order(application.ByID()), mode)
	case gen.TypeDependency:
		return lockWith(ctx, client.Dependency.Query().Where(dependency.IDIn(ids...)).Order(dependency.ByID()), mode)
	case gen.TypeChange:
		return lockWith(ctx, client.Change.Query().Where(change.IDIn(ids...)).Order(change.ByID()), mode)
	case gen.TypeRelease:
		return lockWith(ctx, client.Release.Query().Where(release.IDIn(ids...)).Order(release.ByID()), mode)
	case gen.TypeEnvironment:
		return lockWith(ctx, client.Environment.Query().Where(environment.IDIn(ids...)).Order(environment.ByID()), mode)
	case gen.TypeDeployment:
		return lockWith(ctx, client.Deployment.Query().Where(deployment.IDIn(ids...)).Order(deployment.ByID()), mode)
	case gen.TypeFreezeWindow:
		return lockWith(ctx, client.FreezeWindow.Query().Where(freezewindow.IDIn(ids...)).Order(freezewindow.ByID()), mode)
	case gen.TypeToken:
		return lockWith(ctx, client.Token.Query().Where(token.IDIn(ids...)).Order(token.ByID()), mode)
	case gen.TypeDeploymentPlan:
		return lockWith(ctx, client.DeploymentPlan.Query().Where(deploymentplan.IDIn(ids...)).Order(deploymentplan.ByID()), mode)
	case gen.TypeDeploymentStep:
		return lockWith(ctx, client.DeploymentStep.Query().Where(deploymentstep.IDIn(ids...)).Order(deploymentstep.ByID()), mode)
	case gen.TypeReleasePackage:
		return lockWith(ctx, client.ReleasePackage.Query().Where(releasepackage.IDIn(ids...)).Order(releasepackage.ByID()), mode)
	}
	return fmt.Errorf("cannot lock %s records", typ)
}
