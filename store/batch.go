package store

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/change"
	"github.com/relgraph/relgraph/ent/changeapplication"
	"github.com/relgraph/relgraph/ent/release"
	"github.com/relgraph/relgraph/ent/releasepackage"
	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/risk"
)

// A page of releases that asks each release for its impact, conflicts,
// deployment order and freeze violations would send statements per release.
// Instead, a request (WithRequestGraph) remembers every release it loaded
// (an Ent interceptor registers them), and the first release to need its
// changed applications loads those of all of them in one statement; the
// portfolio's conflicts and the freeze windows are read once per request
// when it holds more than one release. Writes have a transaction and bypass
// all of this: a mutation reads its own writes.

// maxBatch bounds the releases whose changed applications one statement
// loads (well below the bound parameters of SQLite and PostgreSQL).
const maxBatch = 5000

// batch is one request's shared reads.
type batch struct {
	// mu guards releases; the loads below hold load, and may run queries
	// that register releases.
	mu       sync.Mutex
	releases map[int]bool // loaded by the request

	packages map[int]bool // loaded by the request; guarded by mu

	load    sync.Mutex
	changed map[int][]int // release -> changed applications, as loaded
	// packageReleases are the releases of each package, as loaded.
	packageReleases map[int][]*ent.Release
	// changeRisks are the changes of each release as risk reads them.
	changeRisks map[int][]risk.Change
	// conflicts, once computed, are every conflicting pair by release.
	conflicts map[int][]*ReleaseConflict
	// freezes, once read, are every freeze window with its applications.
	freezes []*ent.FreezeWindow
}

// batchOf returns ctx's request batch; nil inside a transaction or outside
// a request.
func batchOf(ctx context.Context) *batch {
	if ent.TxFromContext(ctx) != nil {
		return nil
	}
	if req, ok := ctx.Value(requestGraphKey{}).(*requestGraph); ok {
		return &req.batch
	}
	return nil
}

// register counts release id as loaded by the request.
func (b *batch) register(id int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.releases == nil {
		b.releases = map[int]bool{}
	}
	b.releases[id] = true
}

// registerPackage counts package id as loaded by the request.
func (b *batch) registerPackage(id int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.packages == nil {
		b.packages = map[int]bool{}
	}
	b.packages[id] = true
}

// releasesOfPackage returns package id's releases by id, loading those of
// every package the request loaded and has not asked about yet: two
// statements (the packages, their releases) for a whole page.
func (b *batch) releasesOfPackage(ctx context.Context, db *ent.Client, id int) ([]*ent.Release, error) {
	b.load.Lock()
	defer b.load.Unlock()
	if rels, ok := b.packageReleases[id]; ok {
		return rels, nil
	}
	pending := withRegistered(b, []int{id}, &b.packages, b.packageReleases)
	loaded, err := db.ReleasePackage.Query().Where(releasepackage.IDIn(pending...)).
		WithReleases(func(q *ent.ReleaseQuery) { q.Order(ent.Asc(release.FieldID)) }).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("load the releases of packages: %w", err)
	}
	if b.packageReleases == nil {
		b.packageReleases = make(map[int][]*ent.Release, len(pending))
	}
	for _, p := range pending {
		b.packageReleases[p] = []*ent.Release{} // a package deleted since: none
	}
	for _, p := range loaded {
		b.packageReleases[p.ID] = p.Edges.Releases
	}
	return b.packageReleases[id], nil
}

// changeRisksOf returns the changes of releases ids as risk reads them,
// loading those of every release the request loaded and has not asked
// about yet: one statement for a page of packages.
func (b *batch) changeRisksOf(ctx context.Context, db *ent.Client, ids []int) (map[int][]risk.Change, error) {
	b.load.Lock()
	defer b.load.Unlock()
	var missing []int
	for _, id := range ids {
		if _, done := b.changeRisks[id]; !done {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		loading := withRegistered(b, missing, &b.releases, b.changeRisks)
		loaded, err := changeRisks(ctx, db, loading)
		if err != nil {
			return nil, err
		}
		if b.changeRisks == nil {
			b.changeRisks = make(map[int][]risk.Change, len(loading))
		}
		for _, id := range loading {
			b.changeRisks[id] = loaded[id]
		}
	}
	out := make(map[int][]risk.Change, len(ids))
	for _, id := range ids {
		out[id] = b.changeRisks[id]
	}
	return out, nil
}

// withRegistered returns want, then the records of registered (the batch's
// set of those the request loaded, read under b.mu) that loaded holds
// nothing for yet, each once and up to maxBatch in all: what the first
// field to ask reads for the rest of the request.
func withRegistered[V any](b *batch, want []int, registered *map[int]bool, loaded map[int]V) []int {
	seen := make(map[int]bool, len(want))
	var out []int
	for _, id := range want {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for id := range *registered {
		if _, done := loaded[id]; !done && !seen[id] && len(out) < maxBatch {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// many reports whether the request loaded more than one release: only then
// do portfolio-wide reads pay off.
func (b *batch) many() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.releases) > 1
}

// registerLoaded is a query interceptor of records of type T that tells
// the request's batch which of them it loaded (register): the first field
// to need something of one of them reads it for all.
func registerLoaded[T any](id func(T) int, register func(b *batch, id int)) ent.Interceptor {
	return ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			v, err := next.Query(ctx, q)
			if b := batchOf(ctx); b != nil && err == nil {
				switch loaded := v.(type) {
				case []T:
					for _, r := range loaded {
						register(b, id(r))
					}
				case T:
					register(b, id(loaded))
				}
			}
			return v, err
		})
	})
}

// registerReleases tells the request's batch which releases it loaded.
func registerReleases() ent.Interceptor {
	return registerLoaded(func(r *ent.Release) int { return r.ID }, (*batch).register)
}

// registerPackages tells the request's batch which release packages it
// loaded.
func registerPackages() ent.Interceptor {
	return registerLoaded(func(p *ent.ReleasePackage) int { return p.ID }, (*batch).registerPackage)
}

// changedCache holds releases' changed applications as read at one pair of
// generations, its label. A change or release write moves the changes
// generation and an application deletion the graph's, so a request that
// read the same pair may answer from it without a statement. Lists are
// shared: callers must not modify them.
type changedCache struct {
	label     generations
	mu        sync.RWMutex
	byRelease map[int][]int
}

// changedCacheFor returns the cache labelled with the request's
// generations, replacing an older one; nil if the request is older than
// the cache (it then reads from the database, as before any cache).
func (g *GraphCache) changedCacheFor(label generations) *changedCache {
	for {
		cur := g.changed.Load()
		if cur != nil && cur.label == label {
			return cur
		}
		if cur != nil && (cur.label.graph > label.graph || cur.label.changes > label.changes) {
			return nil
		}
		next := &changedCache{label: label, byRelease: map[int][]int{}}
		if g.changed.CompareAndSwap(cur, next) {
			return next
		}
	}
}

// changedApplications returns release id's changed applications, loading
// those of every release the request loaded and has not asked about yet.
// The loaded lists are as new as the request's generations, or newer: they
// are read after them.
func (b *batch) changedApplications(ctx context.Context, db *ent.Client, shared *changedCache, id int) ([]int, error) {
	b.load.Lock()
	defer b.load.Unlock()
	if ids, ok := b.changed[id]; ok {
		return ids, nil
	}
	if shared != nil {
		shared.mu.RLock()
		ids, ok := shared.byRelease[id]
		shared.mu.RUnlock()
		if ok {
			return ids, nil
		}
	}
	pending := withRegistered(b, []int{id}, &b.releases, b.changed)
	loaded, err := changedByRelease(ctx, db, pending)
	if err != nil {
		return nil, err
	}
	if b.changed == nil {
		b.changed = make(map[int][]int, len(pending))
	}
	for _, r := range pending {
		b.changed[r] = loaded[r]
	}
	if shared != nil {
		shared.mu.Lock()
		for _, r := range pending {
			shared.byRelease[r] = loaded[r]
		}
		shared.mu.Unlock()
	}
	return b.changed[id], nil
}

// changedByRelease loads the changed applications of the given releases,
// each list ascending and without repeats: the releases' changes, then their
// links (for one release, in one statement).
func changedByRelease(ctx context.Context, db *ent.Client, releases []int) (map[int][]int, error) {
	out := make(map[int][]int, len(releases))
	if len(releases) == 1 {
		// Straight from the links by the changes' release index: asking for
		// the applications that have such a change scans every application.
		ids, err := db.ChangeApplication.Query().Where(changeapplication.HasChangeWith(change.ReleaseID(releases[0]))).
			Select(changeapplication.FieldApplicationID).Ints(ctx)
		out[releases[0]] = uniqueSorted(ids)
		return out, err
	}
	var changes []struct {
		ID        int `json:"id"`
		ReleaseID int `json:"release_id"`
	}
	if err := db.Change.Query().Where(change.ReleaseIDIn(releases...)).
		Select(change.FieldID, change.FieldReleaseID).Scan(ctx, &changes); err != nil {
		return nil, fmt.Errorf("load changed applications: %w", err)
	}
	if len(changes) == 0 {
		return out, nil
	}
	releaseOf := make(map[int]int, len(changes))
	ids := make([]int, len(changes))
	for i, c := range changes {
		releaseOf[c.ID] = c.ReleaseID
		ids[i] = c.ID
	}
	var links []struct {
		ChangeID      int `json:"change_id"`
		ApplicationID int `json:"application_id"`
	}
	if err := db.ChangeApplication.Query().Where(changeapplication.ChangeIDIn(ids...)).
		Select(changeapplication.FieldChangeID, changeapplication.FieldApplicationID).Scan(ctx, &links); err != nil {
		return nil, fmt.Errorf("load changed applications: %w", err)
	}
	for _, l := range links {
		rel := releaseOf[l.ChangeID]
		out[rel] = append(out[rel], l.ApplicationID)
	}
	for r, apps := range out {
		out[r] = uniqueSorted(apps)
	}
	return out, nil
}

// conflictsOf returns the conflicts of release id, computing the whole
// portfolio's once per request.
func (b *batch) conflictsOf(ctx context.Context, g *GraphCache, id int) ([]*ReleaseConflict, error) {
	b.load.Lock()
	defer b.load.Unlock()
	if b.conflicts == nil {
		all, err := g.ReleaseConflicts(ctx, impact.Window{}, 0)
		if err != nil {
			return nil, err
		}
		b.conflicts = map[int][]*ReleaseConflict{}
		for _, c := range all {
			for _, r := range c.Releases {
				b.conflicts[r.ID] = append(b.conflicts[r.ID], c)
			}
		}
	}
	if cs := b.conflicts[id]; cs != nil {
		return slices.Clone(cs), nil
	}
	return []*ReleaseConflict{}, nil
}

// freezeWindows returns every freeze window with its applications' ids,
// read once per request.
func (b *batch) freezeWindows(ctx context.Context, db *ent.Client) ([]*ent.FreezeWindow, error) {
	b.load.Lock()
	defer b.load.Unlock()
	if b.freezes == nil {
		fs, err := freezeQuery(db).All(ctx)
		if err != nil {
			return nil, err
		}
		b.freezes = fs
	}
	return b.freezes, nil
}
