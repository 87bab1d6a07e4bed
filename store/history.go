package store

import (
	"context"
	"fmt"
	"time"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/auditevent"
	"github.com/relgraph/relgraph/ent/change"
	"github.com/relgraph/relgraph/ent/changeapplication"
	"github.com/relgraph/relgraph/ent/predicate"
	"github.com/relgraph/relgraph/ent/schema"
	"github.com/relgraph/relgraph/history"
)

// This file gathers what package history replays to tell how a release's
// impact moved since a moment: the present (the graph, the release's
// changes and their applications), then the audit events written since.
// The present is read first, so that the trail covers every write between
// the moment and it.

// historyPage bounds the audit events held in memory at once.
const historyPage = 1000

// historyMargin widens the database's "after the moment" filter, which
// only narrows the events down: whether an event happened after the moment
// is decided in Go on its stored time, one definition for every query
// whatever precision the database compares times at.
const historyMargin = time.Millisecond

// ImpactSince returns the applications in release rel's unbounded impact
// now that were not in it at since (entered), and those in it then that
// are not now (left), each by name. Applications deleted since are left
// out of left; before the release was created it had no changes. What the
// audit trail can and cannot tell is in package history.
func (g *GraphCache) ImpactSince(ctx context.Context, rel *ent.Release, since time.Time) (entered, left []*ent.Application, err error) {
	db := g.clientFor(ctx)
	// Inside a mutation, the events of its own writes wait in its journal.
	if j := schema.JournalOf(ctx); j != nil {
		if err := j.FlushAudit(ctx, db); err != nil {
			return nil, nil, err
		}
	}
	graph, err := g.Current(ctx)
	if err != nil {
		return nil, nil, err
	}
	changedNow, err := g.ChangedApplications(ctx, rel.ID)
	if err != nil {
		return nil, nil, err
	}
	now := graph.Snapshot.ImpactSet(changedNow)
	var then []int
	if !since.Before(rel.CreatedAt) {
		if then, err = g.impactAt(ctx, db, graph, rel.ID, since); err != nil {
			return nil, nil, err
		}
	}
	in, out := history.Diff(now, then)
	return graph.ByName(in), graph.ByName(out), nil
}

// impactAt reconstructs release releaseID's impact at since, ascending.
func (g *GraphCache) impactAt(ctx context.Context, db *ent.Client, graph *Graph, releaseID int, since time.Time) ([]int, error) {
	members, err := db.Change.Query().Where(change.ReleaseID(releaseID)).IDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("load the release's changes: %w", err)
	}
	rewind := history.NewRewind()
	first, err := db.AuditEvent.Query().
		Where(auditevent.AtGT(since.Add(-historyMargin))).
		Order(ent.Asc(auditevent.FieldID)).
		FirstID(ctx)
	switch {
	case ent.IsNotFound(err):
		// Nothing was written since.
	case err != nil:
		return nil, fmt.Errorf("read the audit trail: %w", err)
	default:
		err = eachEvent(ctx, db, []predicate.AuditEvent{
			auditevent.IDGTE(first),
			auditevent.EntityTypeIn(history.DependencyType, history.ChangeType),
		}, func(e *ent.AuditEvent) {
			if e.At.After(since) {
				rewind.Add(event(e))
			}
		})
		if err != nil {
			return nil, err
		}
	}
	then := rewind.ChangesIn(releaseID, members)
	changed, err := applicationsAt(ctx, db, then, since)
	if err != nil {
		return nil, err
	}
	return rewind.Impact(graph.Snapshot, changed), nil
}

// applicationsAt returns the applications the changes ids touched at
// since, from their applications now and their whole trails.
func applicationsAt(ctx context.Context, db *ent.Client, ids []int, since time.Time) ([]int, error) {
	var out []int
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), maxBatch)]
		ids = ids[len(chunk):]
		links, err := db.ChangeApplication.Query().Where(changeapplication.ChangeIDIn(chunk...)).All(ctx)
		if err != nil {
			return nil, fmt.Errorf("load changed applications: %w", err)
		}
		// A change touches at least one application, so a change without
		// links was deleted.
		now := map[int][]int{}
		for _, l := range links {
			now[l.ChangeID] = append(now[l.ChangeID], l.ApplicationID)
		}
		trails := make(map[int]*history.Applications, len(chunk))
		for _, id := range chunk {
			trails[id] = history.NewApplications()
		}
		// Each change's events up to the moment come before those after
		// it, in the order written.
		var after []*ent.AuditEvent
		err = eachEvent(ctx, db, []predicate.AuditEvent{
			auditevent.EntityType(history.ChangeType),
			auditevent.EntityIDIn(chunk...),
		}, func(e *ent.AuditEvent) {
			if e.At.After(since) {
				after = append(after, e)
			} else {
				trails[e.EntityID].Before(event(e))
			}
		})
		if err != nil {
			return nil, err
		}
		for _, e := range after {
			trails[e.EntityID].After(event(e))
		}
		for _, id := range chunk {
			apps, exists := now[id]
			out = append(out, trails[id].At(apps, exists)...)
		}
	}
	return uniqueSorted(out), nil
}

// eachEvent calls fn with every audit event matching preds, in the order
// written (by id), reading them a page at a time.
func eachEvent(ctx context.Context, db *ent.Client, preds []predicate.AuditEvent, fn func(*ent.AuditEvent)) error {
	last := 0
	for {
		page, err := db.AuditEvent.Query().
			Where(append(preds, auditevent.IDGT(last))...).
			Order(ent.Asc(auditevent.FieldID)).
			Limit(historyPage).
			Select(auditevent.FieldAt, auditevent.FieldAction, auditevent.FieldEntityType,
				auditevent.FieldEntityID, auditevent.FieldChanges).
			All(ctx)
		if err != nil {
			return fmt.Errorf("read the audit trail: %w", err)
		}
		for _, e := range page {
			fn(e)
		}
		if len(page) < historyPage {
			return nil
		}
		last = page[len(page)-1].ID
	}
}

func event(e *ent.AuditEvent) history.Event {
	return history.Event{
		Action:     history.Action(e.Action),
		EntityType: e.EntityType,
		EntityID:   e.EntityID,
		Changes:    e.Changes,
	}
}
