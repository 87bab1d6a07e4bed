package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"golang.org/x/sync/singleflight"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/application"
	"github.com/relgraph/relgraph/ent/dependency"
	"github.com/relgraph/relgraph/ent/generation"
	"github.com/relgraph/relgraph/ent/graphchange"
	"github.com/relgraph/relgraph/ent/schema"
	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/internal/tracing"
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
	drv     dialect.Driver
	current atomic.Pointer[Graph]
	group   singleflight.Group
	// builds and catchUps count the graphs read whole and those brought
	// up to date from the change log.
	builds, catchUps atomic.Int64
	// observer, if set, is told how long each build and catch-up took.
	observer GraphObserver
	// changed holds releases' changed applications as of one pair of
	// generations (see changedCache).
	changed atomic.Pointer[changedCache]
	// releases holds release records as of one changes generation (see
	// releaseCache).
	releases atomic.Pointer[releaseCache]
	// risk holds the assessments of releases and what they share.
	risk riskState
}

// GraphObserver learns how long each graph the cache read whole (a
// rebuild) or brought up to date from the change log (a catch-up) took,
// for metrics. Its methods must be quick and safe for concurrent use.
type GraphObserver interface {
	GraphRebuilt(took time.Duration)
	GraphCaughtUp(took time.Duration)
}

// SetObserver makes o learn of every rebuild and catch-up. Call it before
// the cache serves requests.
func (g *GraphCache) SetObserver(o GraphObserver) { g.observer = o }

// Loaded returns the shared graph as last built, without checking that it
// is fresh or building one: nil before the first request needed it. For
// metrics, which must not cause the work they measure.
func (g *GraphCache) Loaded() *Graph { return g.current.Load() }

// NewGraphCache returns a cache over db, independent of db.Graph (the one
// db's client and handler use); the first request builds the snapshot.
func NewGraphCache(db *DB) *GraphCache {
	return &GraphCache{client: db.Client, sql: db.sql, drv: db.drv}
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

// Builds reports how many graphs the cache has read whole, for tests and
// metrics.
func (g *GraphCache) Builds() int64 { return g.builds.Load() }

// CatchUps reports how many graphs the cache has brought up to date from
// the change log, for tests and metrics.
func (g *GraphCache) CatchUps() int64 { return g.catchUps.Load() }

// dependencyReader reads every dependency pair through client: with a plain
// row loop for the cache's own client, through Ent for a transaction's.
func (g *GraphCache) dependencyReader(client *ent.Client) func(context.Context) ([]impact.Dependency, error) {
	if client == g.client {
		return g.readDependencies
	}
	return func(ctx context.Context) ([]impact.Dependency, error) { return scanDependencies(ctx, client) }
}

// Graph is an immutable view of the dependency graph: the engine's snapshot
// and the applications it names. Because every application write bumps the
// graph generation too, the records are exactly as fresh as the snapshot, so
// analysis results need no further query to name their applications.
type Graph struct {
	// Snapshot is the engine's view: ask it the graph questions.
	Snapshot *impact.Snapshot
	// The application records: those of base, as changed by delta (a nil
	// record is a deleted application), so that catching up with a write
	// does not copy every record.
	base, delta map[int]*ent.Application
	// memo remembers the impacts asked of this graph (Impact).
	memo impactMemo
}

// record returns the graph's record of application id.
func (g *Graph) record(id int) (*ent.Application, bool) {
	if a, ok := g.delta[id]; ok {
		return a, a != nil
	}
	a, ok := g.base[id]
	return a, ok
}

// Application returns the application with the given id, nil if the
// snapshot has none. It is a copy: callers may not share the cache's
// records with code that mutates them (Ent's eager loading does).
func (g *Graph) Application(id int) *ent.Application {
	a, ok := g.record(id)
	if !ok {
		return nil
	}
	c := *a
	return &c
}

// Record returns the graph's own record of the application with the given
// id, nil if the graph has none. It is shared by every reader of the graph:
// only for code that reads its fields and nothing else.
func (g *Graph) Record(id int) *ent.Application {
	a, _ := g.record(id)
	return a
}

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
	a, ok := r.graph.record(id)
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
	// pending is how many of the transaction's journaled graph changes
	// graph includes.
	pending int
	// changes is the changes generation read with graph's, outside a
	// transaction: with graph's, the label of changedCache.
	changes int64
	// read holds the generations once read outside a transaction, before
	// or without graph: a request reads them once (requestChanges).
	read  *generations
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
// graph itself, it returns a private graph of the transaction's view (the
// shared graph with the transaction's journaled changes applied), so a
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
		var pending []schema.GraphEntry
		if j := schema.JournalOf(ctx); j != nil {
			pending = j.PendingGraph()
		}
		if held != nil && held.graph != nil && held.graph.Snapshot.Generation() == gen && held.pending == len(pending) {
			return held.graph, nil
		}
		graph, err := g.catchUp(ctx, client, g.current.Load(), gen)
		if err != nil {
			return nil, err
		}
		if len(pending) > 0 {
			if graph, err = applyEntries(ctx, client, graph, pending, gen); err != nil {
				return nil, err
			}
		}
		if held != nil {
			held.graph, held.pending = graph, len(pending)
		}
		return graph, nil
	}
	if held != nil && held.graph != nil {
		return held.graph, nil
	}
	var gens generations
	if held != nil && held.read != nil {
		gens = *held.read
	} else {
		var err error
		if gens, err = readGenerations(ctx, g.drv); err != nil {
			return nil, err
		}
	}
	graph, err := g.freshAt(ctx, gens.graph)
	if err == nil && held != nil {
		held.graph, held.changes = graph, gens.changes
	}
	return graph, err
}

// requestChanges returns the changes generation a request outside a
// transaction reads at, read once per request without building the graph;
// ok is false inside a transaction or outside a request.
func (g *GraphCache) requestChanges(ctx context.Context) (changes int64, ok bool, err error) {
	if batchOf(ctx) == nil {
		return 0, false, nil
	}
	req := ctx.Value(requestGraphKey{}).(*requestGraph)
	req.mu.Lock()
	defer req.mu.Unlock()
	if req.graph != nil {
		return req.changes, true, nil
	}
	if req.read == nil {
		gens, err := readGenerations(ctx, g.drv)
		if err != nil {
			return 0, false, err
		}
		req.read = &gens
	}
	return req.read.changes, true, nil
}

// freshAt returns the shared graph at generation gen or newer.
func (g *GraphCache) freshAt(ctx context.Context, gen int64) (*Graph, error) {
	for {
		if cur := g.current.Load(); cur != nil && cur.Snapshot.Generation() >= gen {
			return cur, nil
		}
		// A catch-up already under way may have read an older generation
		// than ours; then the loop goes round for a newer one.
		_, err, _ := g.group.Do("graph", func() (any, error) {
			cur := g.current.Load()
			if cur != nil && cur.Snapshot.Generation() >= gen {
				return cur, nil
			}
			// The catch-up serves every waiting request: it must not fail
			// because the request that happened to start it went away.
			graph, err := g.catchUp(context.WithoutCancel(ctx), g.client, cur, gen)
			if err != nil {
				return nil, err
			}
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

// Catching up applies the change log when the graph is at most
// maxCatchUpGenerations behind and the log holds at most maxCatchUpEntries
// entries since; beyond that, reading the whole graph costs less.
const (
	maxCatchUpGenerations = 512
	maxCatchUpEntries     = 4096
)

// catchUp returns cur brought to generation target as client sees the
// database: cur itself if it is there, cur with the change log's entries
// since applied if they are few and complete, else a new graph read whole.
func (g *GraphCache) catchUp(ctx context.Context, client *ent.Client, cur *Graph, target int64) (*Graph, error) {
	if cur != nil && cur.Snapshot.Generation() == target {
		return cur, nil
	}
	ctx, span := tracing.Start(ctx, "graph snapshot catch-up")
	defer span.End()
	start := time.Now()
	if cur != nil && target > cur.Snapshot.Generation() && target-cur.Snapshot.Generation() <= maxCatchUpGenerations {
		from := cur.Snapshot.Generation()
		rows, err := client.GraphChange.Query().
			Where(graphchange.GenerationGT(from), graphchange.GenerationLTE(target)).
			Order(ent.Asc(graphchange.FieldID)).
			Limit(maxCatchUpEntries + 1).
			All(ctx)
		if err != nil {
			return nil, fmt.Errorf("read graph changes: %w", err)
		}
		// Every generation logs at least one entry: a generation without
		// any was pruned (or written by an older server), so rebuild.
		gens := map[int64]bool{}
		entries := make([]schema.GraphEntry, len(rows))
		for i, r := range rows {
			gens[r.Generation] = true
			entries[i] = schema.GraphEntry{Removed: r.Removed}
			switch {
			case r.ApplicationID != nil:
				entries[i].Application = *r.ApplicationID
			case r.ConsumerID != nil && r.ProviderID != nil:
				entries[i].Consumer, entries[i].Provider = *r.ConsumerID, *r.ProviderID
			}
		}
		if len(rows) <= maxCatchUpEntries && int64(len(gens)) == target-from {
			graph, err := applyEntries(ctx, client, cur, entries, target)
			if err == nil {
				g.catchUps.Add(1)
				if g.observer != nil {
					g.observer.GraphCaughtUp(time.Since(start))
				}
			}
			return graph, err
		}
	}
	graph, err := buildGraph(ctx, client, g.dependencyReader(client))
	if err == nil {
		g.builds.Add(1)
		if g.observer != nil {
			g.observer.GraphRebuilt(time.Since(start))
		}
	}
	return graph, err
}

// applyEntries returns cur with the graph changes entries applied, labelled
// generation gen; the records of the applications they name are read
// through client.
func applyEntries(ctx context.Context, client *ent.Client, cur *Graph, entries []schema.GraphEntry, gen int64) (*Graph, error) {
	var appIDs []int
	// A pair's last entry decides whether it is in the graph.
	last := map[impact.Dependency]bool{}
	var order []impact.Dependency
	for _, e := range entries {
		if e.Application != 0 {
			appIDs = append(appIDs, e.Application)
			continue
		}
		d := impact.Dependency{Consumer: e.Consumer, Provider: e.Provider}
		if _, seen := last[d]; !seen {
			order = append(order, d)
		}
		last[d] = !e.Removed
	}
	appIDs = uniqueSorted(appIDs)
	apps, err := client.Application.Query().Where(application.IDIn(appIDs...)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("load applications: %w", err)
	}
	found := make(map[int]*ent.Application, len(apps))
	for _, a := range apps {
		found[a.ID] = a
	}
	var delta impact.Delta
	next := &Graph{base: cur.base}
	if len(cur.delta)+len(appIDs) > maxDelta {
		next.base, next.delta = cur.flatten(), make(map[int]*ent.Application, len(appIDs))
	} else {
		next.delta = make(map[int]*ent.Application, len(cur.delta)+len(appIDs))
		maps.Copy(next.delta, cur.delta)
	}
	for _, id := range appIDs {
		a := found[id]
		next.delta[id] = a
		switch {
		case a != nil && !cur.Snapshot.Has(id):
			delta.AddApps = append(delta.AddApps, id)
		case a == nil && cur.Snapshot.Has(id):
			delta.RemoveApps = append(delta.RemoveApps, id)
		}
	}
	for _, d := range order {
		if last[d] {
			delta.AddDeps = append(delta.AddDeps, d)
		} else {
			delta.RemoveDeps = append(delta.RemoveDeps, d)
		}
	}
	next.Snapshot = cur.Snapshot.Apply(delta, gen)
	return next, nil
}

// maxDelta bounds the records a graph keeps beside its base; past it, the
// next catch-up copies them all into a new base.
const maxDelta = 4096

// flatten returns the graph's records as one map.
func (g *Graph) flatten() map[int]*ent.Application {
	out := make(map[int]*ent.Application, len(g.base)+len(g.delta))
	for id, a := range g.base {
		out[id] = a
	}
	for id, a := range g.delta {
		if a == nil {
			delete(out, id)
		} else {
			out[id] = a
		}
	}
	return out
}

// requestLabel returns the generations a request outside a transaction
// reads at, the label of what it may answer from memory; ok is false
// inside a transaction or outside a request.
func (g *GraphCache) requestLabel(ctx context.Context) (label generations, ok bool, err error) {
	if batchOf(ctx) == nil {
		return generations{}, false, nil
	}
	req := ctx.Value(requestGraphKey{}).(*requestGraph)
	graph, err := g.Current(ctx)
	if err != nil {
		return generations{}, false, err
	}
	req.mu.Lock()
	defer req.mu.Unlock()
	return generations{graph: graph.Snapshot.Generation(), changes: req.changes}, true, nil
}

// generations are the counters a request's reads are labelled with.
type generations struct{ graph, changes int64 }

// generationsQuery reads the graph and changes generations: fixed SQL,
// sent as is on every request, so that SQLite's statement cache keeps it
// prepared and no query is built for it.
var generationsQuery = fmt.Sprintf("SELECT %s, %s FROM %s WHERE %s IN ('%s', '%s')",
	generation.FieldName, generation.FieldValue, generation.Table, generation.FieldName,
	schema.GraphGeneration, schema.ChangesGeneration)

// readGenerations reads the graph and changes generations in one statement.
func readGenerations(ctx context.Context, drv dialect.Driver) (generations, error) {
	var rows entsql.Rows
	if err := drv.Query(ctx, generationsQuery, []any{}, &rows); err != nil {
		return generations{}, fmt.Errorf("read generations: %w", err)
	}
	defer rows.Close()
	var out generations
	for rows.Next() {
		var name string
		var value int64
		if err := rows.Scan(&name, &value); err != nil {
			return generations{}, fmt.Errorf("read generations: %w", err)
		}
		switch name {
		case schema.GraphGeneration:
			out.graph = value
		case schema.ChangesGeneration:
			out.changes = value
		}
	}
	if err := rows.Err(); err != nil {
		return generations{}, fmt.Errorf("read generations: %w", err)
	}
	return out, nil
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
	return &Graph{Snapshot: impact.NewSnapshot(ids, deps, gen), base: byID}, nil
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
