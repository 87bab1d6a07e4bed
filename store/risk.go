package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/change"
	"github.com/relgraph/relgraph/ent/generation"
	"github.com/relgraph/relgraph/ent/release"
	"github.com/relgraph/relgraph/ent/schema"
	"github.com/relgraph/relgraph/risk"
)

// This file gathers the inputs of the risk score (package risk) for
// releases and release packages, and keeps releases.risk_score, the column
// that ranks releases by it, up to date.
//
// A release's assessment is a function of what the graph and changes
// generations label (its changes, their applications, every release's
// window and impact for its conflicts, the freeze windows, the applications'
// owners and criticality), so assessments are kept in memory per pair of
// generations, as the changed applications are (changedCache). The first
// release of a request to ask computes those of every release the request
// loaded: the inputs come from the request's batched reads (changed
// applications, conflicts, freeze windows) and one statement for the
// changes' declared risks, so a page of releases costs as many statements
// as one.
//
// releases.risk_score is a ranking cache, not a fact: RefreshRiskScores
// recomputes every release's score when the generations moved past the pair
// the column was last computed at, and writes the scores and that pair (the
// generation rows riskScoresGraph and riskScoresChanges) in one SQL
// transaction of its own, with plain SQL: an Ent update would run the
// release hooks, write the audit trail and move the changes generation,
// which would make the scores stale again at once.

// The generation rows that label releases.risk_score: the graph and changes
// generations its scores were computed at.
const (
	riskScoresGraph   = "risk_scores.graph"
	riskScoresChanges = "risk_scores.changes"
)

// riskState is one GraphCache's memory for risk (riskOf).
type riskState struct {
	assessments atomic.Pointer[riskCache]
	portfolio   atomic.Pointer[portfolio]
}

// riskCache holds releases' assessments as computed at one pair of
// generations, its label (see changedCache).
type riskCache struct {
	label generations
	// load is held while assessments are computed, so that the releases of
	// a page, resolved concurrently, wait for the first one's batch
	// instead of each computing it again.
	load      sync.Mutex
	mu        sync.RWMutex
	byRelease map[int]risk.Assessment
}

func (c *riskCache) get(id int) (risk.Assessment, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	a, ok := c.byRelease[id]
	return a, ok
}

// riskCacheFor returns the assessments labelled with the request's
// generations, replacing older ones; nil outside a request, inside a
// transaction (a mutation's own writes are not the label's), or if the
// request is older than the cache.
func (g *GraphCache) riskCacheFor(ctx context.Context) (*riskCache, error) {
	label, ok, err := g.requestLabel(ctx)
	if err != nil || !ok {
		return nil, err
	}
	state := &g.risk
	for {
		cur := state.assessments.Load()
		if cur != nil && cur.label == label {
			return cur, nil
		}
		if cur != nil && (cur.label.graph > label.graph || cur.label.changes > label.changes) {
			return nil, nil
		}
		next := &riskCache{label: label, byRelease: map[int]risk.Assessment{}}
		if state.assessments.CompareAndSwap(cur, next) {
			return next, nil
		}
	}
}

// ReleaseRisk returns the risk assessment of release rel.
func (g *GraphCache) ReleaseRisk(ctx context.Context, rel *ent.Release) (risk.Assessment, error) {
	cache, err := g.riskCacheFor(ctx)
	if err != nil {
		return risk.Assessment{}, err
	}
	if cache == nil {
		out, err := g.assess(ctx, []*ent.Release{rel})
		return out[rel.ID], err
	}
	if a, ok := cache.get(rel.ID); ok {
		return a, nil
	}
	cache.load.Lock()
	defer cache.load.Unlock()
	if a, ok := cache.get(rel.ID); ok {
		return a, nil
	}
	// Every release the request loaded that has none yet, in one go.
	b := batchOf(ctx)
	var others []int
	b.mu.Lock()
	for id := range b.releases {
		if _, done := cache.get(id); !done && id != rel.ID && len(others) < maxBatch-1 {
			others = append(others, id)
		}
	}
	b.mu.Unlock()
	// Read again, after the label (riskCacheFor): the caller's copy may be
	// older than it, and what is remembered under the label must not be.
	rels, err := g.clientFor(ctx).Release.Query().Where(release.IDIn(append(others, rel.ID)...)).All(ctx)
	if err != nil {
		return risk.Assessment{}, err
	}
	if !slices.ContainsFunc(rels, func(r *ent.Release) bool { return r.ID == rel.ID }) {
		// Deleted since the caller loaded it: answer from its copy, and
		// remember nothing.
		out, err := g.assess(ctx, []*ent.Release{rel})
		return out[rel.ID], err
	}
	out, err := g.assess(ctx, rels)
	if err != nil {
		return risk.Assessment{}, err
	}
	cache.mu.Lock()
	maps.Copy(cache.byRelease, out)
	cache.mu.Unlock()
	return out[rel.ID], nil
}

// PackageRisk returns the risk assessment of package pkg's releases taken
// together: the union of their changes and changed applications, and the
// impact of that union; conflicts count the releases outside the package
// that conflict with one of its releases (conflicts inside it are the
// package's plan, not its risk); freezeOverlap applies if one of its
// releases violates a freeze window (each in its own window, with its own
// impact: releases deploy in their windows, not in the package's).
func (g *GraphCache) PackageRisk(ctx context.Context, pkg *ent.ReleasePackage) (risk.Assessment, error) {
	rels, err := g.PackageReleases(ctx, pkg)
	if err != nil {
		return risk.Assessment{}, err
	}
	graph, err := g.Current(ctx)
	if err != nil {
		return risk.Assessment{}, err
	}
	ids := make([]int, len(rels))
	inPackage := make(map[int]bool, len(rels))
	for i, r := range rels {
		ids[i], inPackage[r.ID] = r.ID, true
	}
	var changes map[int][]risk.Change
	if b := batchOf(ctx); b != nil {
		changes, err = b.changeRisksOf(ctx, g.clientFor(ctx), ids)
	} else {
		changes, err = changeRisks(ctx, g.clientFor(ctx), ids)
	}
	if err != nil {
		return risk.Assessment{}, err
	}
	var union gathered
	for _, rel := range rels {
		one, err := g.gather(ctx, rel, inPackage)
		if err != nil {
			return risk.Assessment{}, err
		}
		union.changes = append(union.changes, changes[rel.ID]...)
		union.changed = append(union.changed, one.changed...)
		union.conflicts = append(union.conflicts, one.conflicts...)
		union.freezes = append(union.freezes, one.freezes...)
	}
	return risk.Assess(g.inputs(graph, union)), nil
}

// gathered are one release's (or a package's) inputs as read.
type gathered struct {
	changes   []risk.Change
	changed   []int
	conflicts []string
	freezes   []string
}

// assess computes the assessments of rels.
func (g *GraphCache) assess(ctx context.Context, rels []*ent.Release) (map[int]risk.Assessment, error) {
	graph, err := g.Current(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]int, len(rels))
	for i, r := range rels {
		ids[i] = r.ID
	}
	changes, err := changeRisks(ctx, g.clientFor(ctx), ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int]risk.Assessment, len(rels))
	for _, rel := range rels {
		in, err := g.gather(ctx, rel, map[int]bool{rel.ID: true})
		if err != nil {
			return nil, err
		}
		in.changes = changes[rel.ID]
		out[rel.ID] = risk.Assess(g.inputs(graph, in))
	}
	return out, nil
}

// gather reads rel's changed applications, the names of the releases
// outside group it conflicts with and the freeze windows it violates,
// through the request's batched reads.
func (g *GraphCache) gather(ctx context.Context, rel *ent.Release, group map[int]bool) (gathered, error) {
	var out gathered
	var err error
	if out.changed, err = g.ChangedApplications(ctx, rel.ID); err != nil {
		return out, err
	}
	conflicts, err := g.ConflictsOf(ctx, rel)
	if err != nil {
		return out, err
	}
	for _, c := range conflicts {
		for _, other := range c.Releases {
			if !group[other.ID] {
				out.conflicts = append(out.conflicts, other.Name)
			}
		}
	}
	freezes, err := g.FreezeViolations(ctx, rel)
	if err != nil {
		return out, err
	}
	for _, f := range freezes {
		out.freezes = append(out.freezes, f.Name)
	}
	return out, nil
}

// inputs completes what was gathered with what the graph knows: the
// impact, the applications' records, which are shared or on a cycle, and
// the portfolio's size.
func (g *GraphCache) inputs(graph *Graph, in gathered) risk.Inputs {
	p := g.portfolioOf(graph)
	changed := uniqueSorted(in.changed)
	out := risk.Inputs{
		Changes:      in.changes,
		Applications: graph.Snapshot.Len(),
		Teams:        p.teams,
		Conflicts:    in.conflicts,
		Freezes:      in.freezes,
	}
	for _, id := range changed {
		if a := graph.Record(id); a != nil {
			out.Changed = append(out.Changed, risk.Application{
				Name: a.Name, Owner: a.Owner, Criticality: string(a.Criticality),
				Shared: graph.Snapshot.IsShared(id), OnCycle: p.onCycle[id],
			})
		}
	}
	for _, id := range graph.Snapshot.ImpactSet(changed) {
		if _, isChanged := slices.BinarySearch(changed, id); isChanged {
			continue
		}
		if a := graph.Record(id); a != nil {
			out.Impacted = append(out.Impacted, risk.Application{Name: a.Name, Owner: a.Owner, Criticality: string(a.Criticality)})
		}
	}
	return out
}

// portfolio is what every assessment on one graph shares: its teams and
// the applications on a dependency cycle.
type portfolio struct {
	graph   *Graph
	teams   int
	onCycle map[int]bool
}

// portfolioOf returns graph's portfolio facts, computed once per graph.
func (g *GraphCache) portfolioOf(graph *Graph) *portfolio {
	state := &g.risk
	if p := state.portfolio.Load(); p != nil && p.graph == graph {
		return p
	}
	p := &portfolio{graph: graph, onCycle: map[int]bool{}}
	teams := map[string]bool{}
	for _, id := range graph.Snapshot.IDs() {
		if a := graph.Record(id); a != nil && a.Owner != "" {
			teams[a.Owner] = true
		}
	}
	p.teams = len(teams)
	for _, cycle := range graph.Snapshot.Cycles() {
		for _, id := range cycle {
			p.onCycle[id] = true
		}
	}
	// Only the shared graph is worth keeping: a transaction's private one
	// serves one mutation.
	if graph == g.current.Load() {
		state.portfolio.Store(p)
	}
	return p
}

// changeRisks reads the declared risk of the changes of the given releases
// in one statement (a chunk of maxBatch releases at a time), each change
// named by its ticket key, or its title without one.
func changeRisks(ctx context.Context, db *ent.Client, releases []int) (map[int][]risk.Change, error) {
	out := make(map[int][]risk.Change, len(releases))
	for chunk := range slices.Chunk(releases, maxBatch) {
		var rows []struct {
			ReleaseID   int     `json:"release_id"`
			Title       string  `json:"title"`
			ExternalRef *string `json:"external_ref"`
			Risk        string  `json:"risk"`
		}
		if err := db.Change.Query().Where(change.ReleaseIDIn(chunk...)).
			Select(change.FieldReleaseID, change.FieldTitle, change.FieldExternalRef, change.FieldRisk).
			Scan(ctx, &rows); err != nil {
			return nil, fmt.Errorf("load changes' risks: %w", err)
		}
		for _, r := range rows {
			name := r.Title
			if r.ExternalRef != nil && *r.ExternalRef != "" {
				name = *r.ExternalRef
			}
			out[r.ReleaseID] = append(out[r.ReleaseID], risk.Change{Name: name, Risk: r.Risk})
		}
	}
	return out, nil
}

// RefreshRiskScores brings releases.risk_score, by which releases are
// ranked (orderBy RISK_SCORE), up to date: when the graph and changes
// generations moved since the scores were last computed, it computes every
// release's score and writes the scores that differ and the generations
// they were computed at, in one SQL transaction. While nothing is written,
// it costs one statement.
//
// Replicas may race: the generations are read before the data, so the
// label never claims data newer than the scores were computed from, and
// the same data gives the same scores, so racing refreshes agree; a write
// racing a refresh leaves the label behind, which costs one more refresh.
// A refresh does not overwrite scores labelled as new as its own or newer.
//
// Inside a transaction (a mutation) it does nothing: it writes through its
// own connection, which on SQLite would wait for the transaction's write
// lock forever, and the transaction's writes are not committed anyway. The
// ranking then uses the scores as last refreshed.
func (g *GraphCache) RefreshRiskScores(ctx context.Context) error {
	if ent.TxFromContext(ctx) != nil {
		return nil
	}
	gens, label, err := g.riskLabel(ctx, g.sql)
	if err != nil {
		return err
	}
	if gens == label {
		return nil
	}
	// A request of its own, so that the graph and the batched reads are
	// read after gens, not earlier in the caller's request.
	rctx := WithRequestGraph(ctx)
	// The request's label first, then the releases: the assessments are
	// remembered under the label, so the rows must be as new as it.
	if _, err := g.Current(rctx); err != nil {
		return err
	}
	rels, err := g.client.Release.Query().Order(ent.Asc(release.FieldID)).All(rctx)
	if err != nil {
		return err
	}
	assessed, err := g.assess(rctx, rels)
	if err != nil {
		return err
	}
	// They serve the requests that ask for the releases' risk too.
	if cache, err := g.riskCacheFor(rctx); err == nil && cache != nil {
		cache.mu.Lock()
		maps.Copy(cache.byRelease, assessed)
		cache.mu.Unlock()
	}
	scores := make(map[int]float64, len(assessed))
	for id, a := range assessed {
		scores[id] = a.Score
	}
	return g.writeRiskScores(ctx, gens, scores)
}

// writeRiskScores writes scores labelled with gens, unless scores as new
// or newer are already written.
func (g *GraphCache) writeRiskScores(ctx context.Context, gens generations, scores map[int]float64) (err error) {
	tx, err := g.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("refresh risk scores: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	_, label, err := g.riskLabel(ctx, tx)
	if err != nil {
		return err
	}
	if label.graph >= gens.graph && label.changes >= gens.changes {
		return tx.Rollback()
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+release.FieldID+", "+release.FieldRiskScore+" FROM "+release.Table)
	if err != nil {
		return fmt.Errorf("refresh risk scores: %w", err)
	}
	written := map[int]sql.NullFloat64{}
	for rows.Next() {
		var id int
		var score sql.NullFloat64
		if err := rows.Scan(&id, &score); err != nil {
			rows.Close()
			return fmt.Errorf("refresh risk scores: %w", err)
		}
		written[id] = score
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("refresh risk scores: %w", err)
	}
	// In id order, so that concurrent refreshes lock rows in one order.
	ids := make([]int, 0, len(scores))
	for id := range scores {
		if old, ok := written[id]; ok && (!old.Valid || math.Round(old.Float64*10) != math.Round(scores[id]*10)) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, "UPDATE "+release.Table+" SET "+release.FieldRiskScore+" = $1 WHERE "+release.FieldID+" = $2",
			scores[id], id); err != nil {
			return fmt.Errorf("refresh risk scores: %w", err)
		}
	}
	for _, row := range []struct {
		name  string
		value int64
	}{{riskScoresGraph, gens.graph}, {riskScoresChanges, gens.changes}} {
		if _, err := tx.ExecContext(ctx, "INSERT INTO "+generation.Table+" ("+generation.FieldName+", "+generation.FieldValue+") VALUES ($1, $2) "+
			"ON CONFLICT ("+generation.FieldName+") DO UPDATE SET "+generation.FieldValue+" = excluded."+generation.FieldValue,
			row.name, row.value); err != nil {
			return fmt.Errorf("refresh risk scores: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("refresh risk scores: %w", err)
	}
	return nil
}

// riskLabel reads the graph and changes generations and the pair the risk
// scores were computed at, in one statement.
func (g *GraphCache) riskLabel(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) (gens, label generations, err error) {
	rows, err := q.QueryContext(ctx, "SELECT "+generation.FieldName+", "+generation.FieldValue+" FROM "+generation.Table+
		" WHERE "+generation.FieldName+" IN ($1, $2, $3, $4)",
		schema.GraphGeneration, schema.ChangesGeneration, riskScoresGraph, riskScoresChanges)
	if err != nil {
		return gens, label, fmt.Errorf("read risk score generations: %w", err)
	}
	defer rows.Close()
	labelled := false
	for rows.Next() {
		var name string
		var value int64
		if err := rows.Scan(&name, &value); err != nil {
			return gens, label, fmt.Errorf("read risk score generations: %w", err)
		}
		switch name {
		case schema.GraphGeneration:
			gens.graph = value
		case schema.ChangesGeneration:
			gens.changes = value
		case riskScoresGraph:
			label.graph, labelled = value, true
		case riskScoresChanges:
			label.changes = value
		}
	}
	if err := rows.Err(); err != nil {
		return gens, label, fmt.Errorf("read risk score generations: %w", err)
	}
	// Scores never computed are older than any generations, even those of
	// an empty database (0, 0).
	if !labelled {
		label = generations{-1, -1}
	}
	return gens, label, nil
}
