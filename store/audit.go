package store

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/hook"
)

// auditCounter counts the audit events written and committed, for metrics.
// It is a hook on AuditEvent creations, so every way of writing them (the
// journal's bulk inserts, a single write's own) is counted; events written
// in a transaction count when it commits.
type auditCounter struct {
	n atomic.Int64
	// pending holds, per open transaction, the events written in it.
	pending sync.Map // *ent.Tx -> *atomic.Int64
}

// hook returns the Ent hook that counts.
func (c *auditCounter) hook() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return hook.AuditEventFunc(func(ctx context.Context, m *ent.AuditEventMutation) (ent.Value, error) {
			v, err := next.Mutate(ctx, m)
			if err != nil || !m.Op().Is(ent.OpCreate) {
				return v, err
			}
			// The transaction in ctx is the one that carries the request's
			// writes; a mutation in a transaction not in ctx counts its
			// own event at its commit.
			tx := ent.TxFromContext(ctx)
			if tx == nil {
				var txErr error
				if tx, txErr = m.Tx(); txErr != nil {
					c.n.Add(1)
					return v, err
				}
			}
			p, loaded := c.pending.LoadOrStore(tx, new(atomic.Int64))
			written := p.(*atomic.Int64)
			written.Add(1)
			if !loaded {
				tx.OnCommit(func(next ent.Committer) ent.Committer {
					return ent.CommitFunc(func(ctx context.Context, t *ent.Tx) error {
						c.pending.Delete(tx)
						err := next.Commit(ctx, t)
						if err == nil {
							c.n.Add(written.Load())
						}
						return err
					})
				})
				tx.OnRollback(func(next ent.Rollbacker) ent.Rollbacker {
					return ent.RollbackFunc(func(ctx context.Context, t *ent.Tx) error {
						c.pending.Delete(tx)
						return next.Rollback(ctx, t)
					})
				})
			}
			return v, err
		})
	}
}

// AuditEvents reports how many audit events this process has written and
// committed, for metrics.
func (d *DB) AuditEvents() int64 {
	if d.audits == nil {
		return 0
	}
	return d.audits.n.Load()
}
