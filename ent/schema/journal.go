package schema

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"entgo.io/ent"

	gen "github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/dependency"
	"github.com/relgraph/relgraph/ent/generation"
	"github.com/relgraph/relgraph/ent/graphchange"
)

// Every application or dependency write moves the graph generation and
// records what it changed in the graph's change log (GraphChange), so that
// servers catch up by applying the change instead of reading the whole graph.
// Done per write, a bulk import of 60,000 rows would bump the generation and
// insert audit events 60,000 times. A transaction that carries a Journal in
// its context (WithJournal; the GraphQL layer gives every mutation one)
// instead collects them and writes them when it is flushed, just before
// commit: one generation bump per flush, and the change log and audit events
// in bulk inserts. Writes without a journal keep the per-write bookkeeping.

// GraphEntry is one change to the dependency graph: an application whose
// record changed (created, updated or deleted; the reader looks it up), or a
// dependency pair added or removed.
type GraphEntry struct {
	Application        int
	Consumer, Provider int
	Removed            bool
}

// Journal collects a transaction's graph changes and audit events until
// Flush. Safe for concurrent use.
type Journal struct {
	mu    sync.Mutex
	graph []GraphEntry
	audit []*gen.AuditEventCreate
	// flushed are the audit events written so far, for publishing once
	// the transaction commits (Flushed).
	flushed []*gen.AuditEvent
	// changes records that a change or release was written: the flush
	// bumps ChangesGeneration once.
	changes bool
}

type journalKey struct{}

// WithJournal returns a context whose writes through a transaction in it
// (gen.NewTxContext) defer their bookkeeping to j.Flush, which the caller
// must call before committing.
func WithJournal(ctx context.Context) (context.Context, *Journal) {
	j := &Journal{}
	return context.WithValue(ctx, journalKey{}, j), j
}

// JournalOf returns the journal of ctx's transaction, nil if none: a
// journal only counts inside a transaction.
func JournalOf(ctx context.Context) *Journal {
	if gen.TxFromContext(ctx) == nil {
		return nil
	}
	j, _ := ctx.Value(journalKey{}).(*Journal)
	return j
}

// PendingGraph returns the graph changes not flushed yet, in write order.
func (j *Journal) PendingGraph() []GraphEntry {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.graph)
}

func (j *Journal) addGraph(entries []GraphEntry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.graph = append(j.graph, entries...)
}

func (j *Journal) addAudit(events []*gen.AuditEventCreate) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.audit = append(j.audit, events...)
}

// Flush writes what the journal holds through client (the transaction's)
// and empties it.
func (j *Journal) Flush(ctx context.Context, client *gen.Client) error {
	if err := j.FlushAudit(ctx, client); err != nil {
		return err
	}
	j.mu.Lock()
	entries, changes := j.graph, j.changes
	j.graph, j.changes = nil, false
	j.mu.Unlock()
	// Always the graph's counter first, then the changes': two
	// transactions lock the rows in the same order and cannot deadlock.
	if err := logGraphChanges(ctx, client, entries); err != nil {
		return err
	}
	if changes {
		return BumpGeneration(ctx, client, ChangesGeneration)
	}
	return nil
}

// FlushAudit writes the pending audit events, for a reader of the audit
// trail inside the transaction.
func (j *Journal) FlushAudit(ctx context.Context, client *gen.Client) error {
	j.mu.Lock()
	events := j.audit
	j.audit = nil
	j.mu.Unlock()
	for len(events) > 0 {
		n := min(len(events), insertBatch)
		written, err := client.AuditEvent.CreateBulk(events[:n]...).Save(ctx)
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		j.mu.Lock()
		j.flushed = append(j.flushed, written...)
		j.mu.Unlock()
		events = events[n:]
	}
	return nil
}

// Flushed returns the audit events the journal has written, in write
// order: once the transaction commits, what subscribers are told.
func (j *Journal) Flushed() []*gen.AuditEvent {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.flushed)
}

// insertBatch bounds the rows of one bulk insert (SQLite allows 32,766 bound
// parameters a statement; an audit event has 7 columns).
const insertBatch = 1000

// KeepGenerations is how many generations of the change log are kept; a
// server further behind rebuilds its snapshot.
const KeepGenerations = 4096

// logGraphChanges bumps the graph generation once and records entries under
// the new generation.
func logGraphChanges(ctx context.Context, client *gen.Client, entries []GraphEntry) error {
	if len(entries) == 0 {
		return nil
	}
	if err := BumpGeneration(ctx, client, GraphGeneration); err != nil {
		return err
	}
	g, err := client.Generation.Query().Where(generation.Name(GraphGeneration)).Only(ctx)
	if err != nil {
		return fmt.Errorf("read graph generation: %w", err)
	}
	for len(entries) > 0 {
		n := min(len(entries), insertBatch)
		rows := make([]*gen.GraphChangeCreate, n)
		for i, e := range entries[:n] {
			c := client.GraphChange.Create().SetGeneration(g.Value).SetRemoved(e.Removed)
			if e.Application != 0 {
				c.SetApplicationID(e.Application)
			} else {
				c.SetConsumerID(e.Consumer).SetProviderID(e.Provider)
			}
			rows[i] = c
		}
		if err := client.GraphChange.CreateBulk(rows...).Exec(ctx); err != nil {
			return fmt.Errorf("log graph changes: %w", err)
		}
		entries = entries[n:]
	}
	if g.Value%256 == 0 {
		if _, err := client.GraphChange.Delete().Where(graphchange.GenerationLTE(g.Value - KeepGenerations)).Exec(ctx); err != nil {
			return fmt.Errorf("prune graph changes: %w", err)
		}
	}
	return nil
}

// recordGraphWrite records what an application or dependency write changed
// in the graph: into the transaction's journal, or at once.
func recordGraphWrite() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			client, err := clientOf(m)
			if err != nil {
				return nil, err
			}
			var entries []GraphEntry
			if !m.Op().Is(ent.OpCreate) {
				ids, err := mutationIDs(ctx, m)
				if err != nil {
					return nil, err
				}
				switch {
				case m.Type() == gen.TypeApplication:
					for _, id := range ids {
						entries = append(entries, GraphEntry{Application: id})
					}
				case m.Op().Is(ent.OpDelete | ent.OpDeleteOne):
					// A dependency's ends are immutable: only its removal
					// changes the graph.
					deps, err := client.Dependency.Query().Where(dependency.IDIn(ids...)).
						Select(dependency.FieldConsumerID, dependency.FieldProviderID).All(ctx)
					if err != nil {
						return nil, err
					}
					for _, d := range deps {
						entries = append(entries, GraphEntry{Consumer: d.ConsumerID, Provider: d.ProviderID, Removed: true})
					}
				}
			}
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			if m.Op().Is(ent.OpCreate) {
				switch d := v.(type) {
				case *gen.Application:
					entries = append(entries, GraphEntry{Application: d.ID})
				case *gen.Dependency:
					entries = append(entries, GraphEntry{Consumer: d.ConsumerID, Provider: d.ProviderID})
				}
			}
			if j := JournalOf(ctx); j != nil {
				j.addGraph(entries)
				return v, nil
			}
			return v, logGraphChanges(ctx, client, entries)
		})
	}
}

// recordMembershipWrite moves ChangesGeneration with every change, release
// or freeze window write: once per transaction through its journal, or at
// once.
func recordMembershipWrite() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			if j := JournalOf(ctx); j != nil {
				j.mu.Lock()
				j.changes = true
				j.mu.Unlock()
				return v, nil
			}
			client, err := clientOf(m)
			if err != nil {
				return nil, err
			}
			// Outside a transaction the write is committed already: its
			// bump must not be lost to a caller giving up now, or caches
			// labelled by the generation would keep the old record.
			return v, BumpGeneration(context.WithoutCancel(ctx), client, ChangesGeneration)
		})
	}
}
