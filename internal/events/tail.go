package events

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// TailInterval is how often a Tail looks for the writes of other processes
// (this process's own wake it at once).
const TailInterval = 250 * time.Millisecond

// tailBatch bounds the events of one read of the audit trail.
const tailBatch = 500

// Trail is an audit trail a Tail reads: store.DB.
type Trail interface {
	// LastAuditEventID returns the id of the newest audit event, 0 if
	// there is none.
	LastAuditEventID(ctx context.Context) (int, error)
	// AuditEventsAfter returns at most limit audit events whose ids are
	// above after, in id order.
	AuditEventsAfter(ctx context.Context, after, limit int) ([]Event, error)
}

// Tail feeds a Broker from an audit trail whose ids grow in commit order
// (SQLite's: one writer at a time), so that the writes of every process
// reach the subscribers, and only committed ones (see the package comment).
type Tail struct {
	broker   *Broker
	trail    Trail
	logger   *slog.Logger
	interval time.Duration
	wake     chan struct{}
	// after is the id of the last event delivered; only the loop uses it.
	after int
}

// StartTail feeds broker from trail, from its newest event on, until ctx is
// done: every event written since then, by any process, is delivered once.
// From now on broker.Publish wakes the tail instead of delivering, so the
// events of this process's commits come as soon as they are committed.
func StartTail(ctx context.Context, broker *Broker, trail Trail, logger *slog.Logger) (*Tail, error) {
	last, err := trail.LastAuditEventID(ctx)
	if err != nil {
		return nil, fmt.Errorf("events: read the audit trail: %w", err)
	}
	t := &Tail{broker: broker, trail: trail, logger: logger, interval: TailInterval, wake: make(chan struct{}, 1), after: last}
	broker.mu.Lock()
	broker.wake = t.Wake
	broker.mu.Unlock()
	go t.run(ctx)
	return t, nil
}

// Wake makes the tail read the audit trail now, without waiting for its
// interval: after a commit. It never blocks.
func (t *Tail) Wake() {
	select {
	case t.wake <- struct{}{}:
	default: // a read is due already
	}
}

func (t *Tail) run(ctx context.Context) {
	tick := time.NewTicker(t.interval)
	defer tick.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.wake:
		case <-tick.C:
		}
		err := t.catchUp(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && !failing:
			t.logger.Warn("events: cannot read the audit trail; subscribers get nothing until it is readable again", "err", err)
		case err == nil && failing:
			t.logger.Info("events: the audit trail is readable again")
		}
		failing = err != nil
	}
}

// catchUp delivers every event past t.after, a batch at a time.
func (t *Tail) catchUp(ctx context.Context) error {
	for {
		batch, err := t.trail.AuditEventsAfter(ctx, t.after, tailBatch)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		t.broker.Deliver(batch)
		t.after = batch[len(batch)-1].ID
		if len(batch) < tailBatch {
			return nil
		}
	}
}
