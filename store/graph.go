package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/singleflight"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/dependency"
	"github.com/relgraph/relgraph/ent/generation"
	"github.com/relgraph/relgraph/ent/schema"
	"github.com/relgraph/relgraph/impact"
)

// GraphCache keeps one immutable snapshot of the dependency graph, with the
// application records it names, and rebuilds it only when the graph
// generation moved. Every application or
// dependency write bumps the generation in its own transaction (a schema
// hook), so one indexed single-row query per request tells any server
// process, on SQLite or on a PostgreSQL shared by several replicas, whether
// its snapshot is stale. Concurrent requests share one rebuild.
type GraphCache struct {
	client  *ent.Client
	sql     *sql.DB
	current atomic.Pointer[Graph]
	group   singleflight.Group
	builds  atomic.Int64
}

// NewGraphCache returns a cache over db, independent of db.Graph (the one
// db's client and handler use); the first request builds the snapshot.
func NewGraphCache(db *DB) *GraphCache {
	return &GraphCache{client: db.Client, sql: db.sql}
}

// clientFor is the client a read under ctx goes through: the write's or
// request's transaction, if there is one, so that a mutation reads its own
// writes.
func (g *GraphCache) clientFor(ctx context.Context) *ent.Client {
	// The transaction wins over a client in ctx: a Go program may carry its
	// plain client in ctx while a hook puts the write's transaction there.
	if tx := ent.TxFromContext(ctx); tx != nil {
		return tx.Client()
	}
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return g.client
}

// Builds reports how many snapshots the cache has built, for tests and
// metrics.
func (g *GraphCache) Builds() int64 { return g.builds.Load() }

// Graph is an immutable view of the dependency graph: the engine's snapshot
// and the applications it names. Because every application write bumps the
// graph generation too, the records are exactly as fresh as the snapshot, so
// analysis results need no further query to name their applications.
type Graph struct {
	// Snapshot is the engine's view: ask it the graph questions.
	Snapshot *impact.Snapshot
	apps     map[int]*ent.Application
}

// Application returns the application with the given id, nil if the
// snapshot has none. It is a copy: callers may not share the cache's
// records with code that mutates them (Ent's eager loading does).
func (g *Graph) Application(id int) *ent.Application {
	a, ok := g.apps[id]
	if !ok {
		return nil
	}
	c := *a
	return &c
}

// Record returns the graph's own record of the application with the given
// id, nil if the graph has none. It is shared by every reader of the graph:
// only for code that reads its fields and nothing else.
func (g *Graph) Record(id int) *ent.Application { return g.apps[id] }

// Records hands out copies of the graph's records like Application does,
// from one allocation sized for n of them: an answer that names thousands of
// applications copies them at the cost of one.
func (g *Graph) Records(n int) *Records {
	return &Records{graph: g, buf: make([]ent.Application, 0, max(n, 1))}
}

// Records copies application records; see Graph.Records.
type Records struct {
	graph *Graph
	buf   []ent.Application
}

// Copy returns a copy of the application with the given id, nil if the
// graph has none.
func (r *Records) Copy(id int) *ent.Application {
	a, ok := r.graph.apps[id]
	if !ok {
		return nil
	}
	if len(r.buf) == cap(r.buf) {
		// A new array, not a grown one: earlier copies stay where they are.
		r.buf = make([]ent.Application, 0, max(2*cap(r.buf), 16))
	}
	r.buf = append(r.buf, *a)
	return &r.buf[len(r.buf)-1]
}

// Applications returns the applications with the given ids, in that order,
// skipping unknown ids; copies, as Application's.
func (g *Graph) Applications(ids []int) []*ent.Application {
	out := make([]*ent.Application, 0, len(ids))
	for _, id := range ids {
		if a := g.Application(id); a != nil {
			out = append(out, a)
		}
	}
	return out
}

// ByName returns the applications with the given ids ordered by name (then
// id), as the contract orders application lists.
func (g *Graph) ByName(ids []int) []*ent.Application {
	return SortByName(g.Applications(ids))
}

// SortByName orders applications by name, then id, in place.
func SortByName(apps []*ent.Application) []*ent.Application {
	slices.SortFunc(apps, func(a, b *ent.Application) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return apps
}

// requestGraph holds the graph one request works with, so that a request
// checks freshness once, not once per field.
type requestGraph struct {
	mu    sync.Mutex
	graph *Graph
	batch batch
}

type requestGraphKey struct{}

// WithRequestGraph marks ctx as one request's: Current then answers every
// call under it with the same graph (re-checking only inside a transaction,
// whose own writes may move the generation).
func WithRequestGraph(ctx context.Context) context.Context {
	return context.WithValue(ctx, requestGraphKey{}, &requestGraph{})
}

// Current returns a graph as new as the graph generation committed when
// it was first called in the request. Inside a transaction that changed the
// graph itself, it returns a private graph of the transaction's view, so a
// mutation's response reflects its own writes without publishing them
// before commit.
func (g *GraphCache) Current(ctx context.Context) (*Graph, error) {
	held, _ := ctx.Value(requestGraphKey{}).(*requestGraph)
	if held != nil {
		held.mu.Lock()
		defer held.mu.Unlock()
	}
	if tx := ent.TxFromContext(ctx); tx != nil {
		client := tx.Client()
		gen, err := readGeneration(ctx, client)
		if err != nil {
			return nil, err
		}
		if held != nil && held.graph != nil && held.graph.Snapshot.Generation() == gen {
			return held.graph, nil
		}
		graph := g.current.Load()
		if graph == nil || graph.Snapshot.Generation() != gen {
			graph, err = buildGraph(ctx, client, func(ctx context.Context) ([]impact.Dependency, error) {
				return scanDependencies(ctx, client)
			})
			if err != nil {
				return nil, err
			}
		}
		if held != nil {
			held.graph = graph
		}
		return graph, nil
	}
	if held != nil && held.graph != nil {
		return held.graph, nil
	}
	graph, err := g.fresh(ctx)
	if err == nil && held != nil {
		held.graph = graph
	}
	return graph, err
}

// fresh returns the shared graph, rebuilt if the committed generation moved
// past it.
func (g *GraphCache) fresh(ctx context.Context) (*Graph, error) {
	gen, err := readGeneration(ctx, g.client)
	if err != nil {
		return nil, err
	}
	for {
		if cur := g.current.Load(); cur != nil && cur.Snapshot.Generation() >= gen {
			return cur, nil
		}
		// A rebuild already under way may have read an older generation
		// than ours; then the loop goes round for a newer one.
		_, err, _ := g.group.Do("graph", func() (any, error) {
			if cur := g.current.Load(); cur != nil && cur.Snapshot.Generation() >= gen {
				return cur, nil
			}
			// The rebuild serves every waiting request: it must not fail
			// because the request that happened to start it went away.
			graph, err := buildGraph(context.WithoutCancel(ctx), g.client, g.readDependencies)
			if err != nil {
				return nil, err
			}
			g.builds.Add(1)
			if cur := g.current.Load(); cur == nil || cur.Snapshot.Generation() < graph.Snapshot.Generation() {
				g.current.Store(graph)
			}
			return graph, nil
		})
		if err != nil {
			return nil, err
		}
	}
}

func readGeneration(ctx context.Context, client *ent.Client) (int64, error) {
	gen, err := client.Generation.Query().Where(generation.Name(schema.GraphGeneration)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("read graph generation: %w", err)
	}
	return gen.Value, nil
}

// buildGraph reads the generation first and the graph after it, so the
// graph's data is at least as new as its label: a write racing the rebuild
// costs at most one more rebuild, never a stale answer.
func buildGraph(ctx context.Context, client *ent.Client, dependencies func(context.Context) ([]impact.Dependency, error)) (*Graph, error) {
	gen, err := readGeneration(ctx, client)
	if err != nil {
		return nil, err
	}
	apps, err := client.Application.Query().All(ctx)
	if err != nil {
		return nil, fmt.Errorf("load applications: %w", err)
	}
	ids := make([]int, len(apps))
	byID := make(map[int]*ent.Application, len(apps))
	for i, a := range apps {
		ids[i] = a.ID
		byID[a.ID] = a
	}
	deps, err := dependencies(ctx)
	if err != nil {
		return nil, fmt.Errorf("load dependencies: %w", err)
	}
	return &Graph{Snapshot: impact.NewSnapshot(ids, deps, gen), apps: byID}, nil
}

// readDependencies reads every dependency pair with a plain row loop: Ent's
// reflective Scan costs more than the rest of a rebuild together.
func (g *GraphCache) readDependencies(ctx context.Context) ([]impact.Dependency, error) {
	rows, err := g.sql.QueryContext(ctx, "SELECT "+dependency.FieldConsumerID+", "+dependency.FieldProviderID+" FROM "+dependency.Table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var deps []impact.Dependency
	for rows.Next() {
		var d impact.Dependency
		if err := rows.Scan(&d.Consumer, &d.Provider); err != nil {
			return nil, err
		}
		deps = append(deps, d)
	}
	return deps, rows.Err()
}

// scanDependencies reads the dependency pairs through client, which may be
// a transaction's: used for a mutation's private view of the graph.
func scanDependencies(ctx context.Context, client *ent.Client) ([]impact.Dependency, error) {
	var rows []struct {
		ConsumerID int `json:"consumer_id"`
		ProviderID int `json:"provider_id"`
	}
	if err := client.Dependency.Query().
		Select(dependency.FieldConsumerID, dependency.FieldProviderID).
		Scan(ctx, &rows); err != nil {
		return nil, err
	}
	deps := make([]impact.Dependency, len(rows))
	for i, r := range rows {
		deps[i] = impact.Dependency{Consumer: r.ConsumerID, Provider: r.ProviderID}
	}
	return deps, nil
}
