package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/application"
	"github.com/relgraph/relgraph/ent/change"
	"github.com/relgraph/relgraph/ent/changeapplication"
	"github.com/relgraph/relgraph/ent/deployment"
	"github.com/relgraph/relgraph/ent/freezewindow"
	"github.com/relgraph/relgraph/ent/predicate"
	"github.com/relgraph/relgraph/ent/release"
	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/lifecycle"
)

// This file gathers the inputs of the engines (impact, lifecycle) from the
// database and the graph snapshot, and names their answers with records.
// Every read goes through the request's transaction when there is one.

// GraphCache is the lifecycle rules' way to find freeze violations.
var _ lifecycle.FreezeFinder = (*GraphCache)(nil)

// ChangedApplications returns the ids of the applications that release
// releaseID's changes touch.
// Within a request, those of every release the request loaded come in the
// same statement (see batch).
//
// A request outside a transaction is also answered from memory while the
// generations it read stand still (changedCache). The list is shared: do
// not modify it.
func (g *GraphCache) ChangedApplications(ctx context.Context, releaseID int) ([]int, error) {
	label, ok, err := g.requestLabel(ctx)
	if err != nil {
		return nil, err
	}
	if ok {
		return batchOf(ctx).changedApplications(ctx, g.clientFor(ctx), g.changedCacheFor(label), releaseID)
	}
	changed, err := changedByRelease(ctx, g.clientFor(ctx), []int{releaseID})
	return changed[releaseID], err
}

// ReleaseWaves returns release releaseID's deployment waves (the
// contract's deploymentOrder): its changed applications, each in a later
// wave than every other one it depends on, directly or through unchanged
// applications; each wave by name. The records are copies.
func (g *GraphCache) ReleaseWaves(ctx context.Context, releaseID int) ([][]*ent.Application, error) {
	graph, err := g.Current(ctx)
	if err != nil {
		return nil, err
	}
	changed, err := g.ChangedApplications(ctx, releaseID)
	if err != nil {
		return nil, err
	}
	waves := graph.Snapshot.DeploymentWaves(changed)
	out := make([][]*ent.Application, 0, len(waves))
	for _, wave := range waves {
		if group := graph.ByName(wave); len(group) > 0 {
			out = append(out, group)
		}
	}
	return out, nil
}

// ReleaseConflict is two releases whose windows overlap and whose impacts
// share applications (GraphQL's ReleaseConflict).
type ReleaseConflict struct {
	// Releases are exactly two, lower id first.
	Releases []*ent.Release
	// OverlapStart and OverlapEnd delimit the time both windows cover.
	OverlapStart, OverlapEnd time.Time
	// SharedApplications are in both releases' impact, by name.
	SharedApplications []*ent.Application
}

// ReleaseConflicts finds the conflicting pairs among the releases that can
// conflict (not cancelled, with a window) whose overlap meets within; with
// involving other than 0, only the pairs that include that release.
func (g *GraphCache) ReleaseConflicts(ctx context.Context, within impact.Window, involving int) ([]*ReleaseConflict, error) {
	graph, err := g.Current(ctx)
	if err != nil {
		return nil, err
	}
	db := g.clientFor(ctx)
	preds := []predicate.Release{release.StatusNEQ(lifecycle.Cancelled), release.StartsAtNotNil(), release.EndsAtNotNil()}
	if !within.End.IsZero() {
		preds = append(preds, release.StartsAtLT(within.End))
	}
	if !within.Start.IsZero() {
		preds = append(preds, release.EndsAtGT(within.Start))
	}
	releases, err := db.Release.Query().Where(preds...).All(ctx)
	if err != nil {
		return nil, err
	}
	if len(releases) < 2 {
		return []*ReleaseConflict{}, nil
	}
	// One statement for every release's changed applications: the
	// change-application links of the candidate releases' changes, with
	// each change's release.
	links, err := db.ChangeApplication.Query().
		Where(changeapplication.HasChangeWith(change.HasReleaseWith(preds...))).
		WithChange(func(q *ent.ChangeQuery) { q.Select(change.FieldReleaseID) }).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("load changed applications: %w", err)
	}
	changed := make(map[int][]int, len(releases))
	for _, l := range links {
		if rel := l.Edges.Change.ReleaseID; rel != nil {
			changed[*rel] = append(changed[*rel], l.ApplicationID)
		}
	}
	byID := make(map[int]*ent.Release, len(releases))
	input := make([]impact.Release, 0, len(releases))
	for _, rel := range releases {
		byID[rel.ID] = rel
		input = append(input, impact.Release{
			ID:      rel.ID,
			Window:  impact.Window{Start: *rel.StartsAt, End: *rel.EndsAt},
			Changed: uniqueSorted(changed[rel.ID]),
		})
	}
	out := []*ReleaseConflict{}
	for _, c := range graph.Snapshot.Conflicts(input) {
		if !within.Overlaps(impact.Window{Start: c.OverlapStart, End: c.OverlapEnd}) ||
			(involving != 0 && c.A != involving && c.B != involving) {
			continue
		}
		out = append(out, &ReleaseConflict{
			Releases:           []*ent.Release{byID[c.A], byID[c.B]},
			OverlapStart:       c.OverlapStart,
			OverlapEnd:         c.OverlapEnd,
			SharedApplications: graph.ByName(c.Shared),
		})
	}
	return out, nil
}

// ConflictsOf finds the releases rel conflicts with.
func (g *GraphCache) ConflictsOf(ctx context.Context, rel *ent.Release) ([]*ReleaseConflict, error) {
	if rel.Status == lifecycle.Cancelled || rel.StartsAt == nil || rel.EndsAt == nil {
		return []*ReleaseConflict{}, nil
	}
	if b := batchOf(ctx); b != nil && b.many() {
		return b.conflictsOf(ctx, g, rel.ID)
	}
	return g.ReleaseConflicts(ctx, impact.Window{Start: *rel.StartsAt, End: *rel.EndsAt}, rel.ID)
}

// EnvironmentConflict is two deployments of different releases booked into
// one environment at overlapping times (GraphQL's EnvironmentConflict).
type EnvironmentConflict struct {
	Environment *ent.Environment
	// Deployments are exactly two, lower id first.
	Deployments []*ent.Deployment
	// OverlapStart and OverlapEnd delimit the time both deployments book.
	OverlapStart, OverlapEnd time.Time
}

// bookingWithin selects the deployments that book their environment at a
// time meeting within (half-open; an open end is unbounded): those with a
// window, neither FAILED nor ROLLED_BACK, which book nothing.
func bookingWithin(within impact.Window) []predicate.Deployment {
	preds := []predicate.Deployment{
		deployment.StartsAtNotNil(), deployment.EndsAtNotNil(),
		deployment.StatusNotIn(lifecycle.DeploymentFailed, lifecycle.DeploymentRolledBack),
	}
	if !within.End.IsZero() {
		preds = append(preds, deployment.StartsAtLT(within.End))
	}
	if !within.Start.IsZero() {
		preds = append(preds, deployment.EndsAtGT(within.Start))
	}
	return preds
}

// EnvironmentConflicts finds double bookings of environments whose overlap
// meets within. FAILED and ROLLED_BACK deployments book nothing.
func (g *GraphCache) EnvironmentConflicts(ctx context.Context, within impact.Window) ([]*EnvironmentConflict, error) {
	deps, err := g.clientFor(ctx).Deployment.Query().Where(bookingWithin(within)...).WithEnvironment().WithRelease().All(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[int]*ent.Deployment, len(deps))
	bookings := make([]lifecycle.Booking, len(deps))
	for i, d := range deps {
		byID[d.ID] = d
		bookings[i] = lifecycle.Booking{ID: d.ID, Resource: d.EnvironmentID, Owner: d.ReleaseID,
			Window: impact.Window{Start: *d.StartsAt, End: *d.EndsAt}}
	}
	out := []*EnvironmentConflict{}
	for _, c := range lifecycle.Clashes(bookings) {
		if !within.Overlaps(c.Overlap) {
			continue
		}
		a, b := byID[c.A.ID], byID[c.B.ID]
		out = append(out, &EnvironmentConflict{
			Environment:  a.Edges.Environment,
			Deployments:  []*ent.Deployment{a, b},
			OverlapStart: c.Overlap.Start,
			OverlapEnd:   c.Overlap.End,
		})
	}
	return out, nil
}

// FreezeViolations lists the freeze windows overlapping rel's window that
// cover an application in its impact (a freeze with no applications covers
// all), by start then name.
func (g *GraphCache) FreezeViolations(ctx context.Context, rel *ent.Release) ([]*ent.FreezeWindow, error) {
	if rel.StartsAt == nil || rel.EndsAt == nil {
		return []*ent.FreezeWindow{}, nil
	}
	changed, err := g.ChangedApplications(ctx, rel.ID)
	if err != nil {
		return nil, err
	}
	return g.freezesOver(ctx, impact.Window{Start: *rel.StartsAt, End: *rel.EndsAt}, changed)
}

// FreezesOver lists the freeze windows a window w of changes to the
// changed applications violates (lifecycle.FreezeFinder).
func (g *GraphCache) FreezesOver(ctx context.Context, w impact.Window, changed []int) ([]lifecycle.Freeze, error) {
	freezes, err := g.freezesOver(ctx, w, changed)
	if err != nil {
		return nil, err
	}
	out := make([]lifecycle.Freeze, len(freezes))
	for i, f := range freezes {
		out[i] = lifecycle.Freeze{ID: f.ID, Name: f.Name}
	}
	return out, nil
}

func (g *GraphCache) freezesOver(ctx context.Context, w impact.Window, changed []int) ([]*ent.FreezeWindow, error) {
	if len(changed) == 0 {
		return []*ent.FreezeWindow{}, nil
	}
	graph, err := g.Current(ctx)
	if err != nil {
		return nil, err
	}
	return g.freezesCovering(ctx, w, graph.Snapshot.ImpactSet(changed))
}

// freezesCovering lists the freeze windows overlapping w that cover an
// application of the sorted impacted set, by start, then name.
func (g *GraphCache) freezesCovering(ctx context.Context, w impact.Window, impacted []int) ([]*ent.FreezeWindow, error) {
	if len(impacted) == 0 {
		return []*ent.FreezeWindow{}, nil
	}
	var freezes []*ent.FreezeWindow
	var err error
	if b := batchOf(ctx); b != nil && b.many() {
		freezes, err = b.freezeWindows(ctx, g.clientFor(ctx))
	} else {
		freezes, err = freezeQuery(g.clientFor(ctx)).Where(freezewindow.StartsAtLT(w.End), freezewindow.EndsAtGT(w.Start)).All(ctx)
	}
	if err != nil {
		return []*ent.FreezeWindow{}, err
	}
	out := []*ent.FreezeWindow{}
	for _, f := range freezes {
		if !w.Overlaps(impact.Window{Start: f.StartsAt, End: f.EndsAt}) {
			continue
		}
		apps := make([]int, len(f.Edges.Applications))
		for i, a := range f.Edges.Applications {
			apps[i] = a.ID
		}
		if covers(apps, impacted) {
			out = append(out, f)
		}
	}
	return out, nil
}

// freezeQuery reads freeze windows with their applications' ids, by start,
// then name.
func freezeQuery(db *ent.Client) *ent.FreezeWindowQuery {
	return db.FreezeWindow.Query().
		WithApplications(func(q *ent.ApplicationQuery) { q.Select(application.FieldID) }).
		Order(ent.Asc(freezewindow.FieldStartsAt), ent.Asc(freezewindow.FieldName), ent.Asc(freezewindow.FieldID))
}

// StartedReleasesUnder names the IN_PROGRESS releases a freeze over window
// w and applications apps would cover (lifecycle.FreezeFinder).
func (g *GraphCache) StartedReleasesUnder(ctx context.Context, w impact.Window, apps []int) ([]string, error) {
	db := g.clientFor(ctx)
	releases, err := db.Release.Query().
		Where(release.StatusEQ(lifecycle.InProgress), release.StartsAtLT(w.End), release.EndsAtGT(w.Start)).
		Order(ent.Asc(release.FieldName)).
		All(ctx)
	if err != nil || len(releases) == 0 {
		return nil, err
	}
	graph, err := g.Current(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, rel := range releases {
		changed, err := g.ChangedApplications(ctx, rel.ID)
		if err != nil {
			return nil, err
		}
		if covers(uniqueSorted(apps), graph.Snapshot.ImpactSet(changed)) {
			names = append(names, rel.Name)
		}
	}
	return names, nil
}

// FreezesReachedThrough names the IN_PROGRESS releases that a new
// dependency of consumer on provider would carry into freeze windows they do
// not violate yet, and those freezes (lifecycle.FreezeFinder). Through the
// dependency, a release that reaches provider reaches consumer and whatever
// depends on it.
func (g *GraphCache) FreezesReachedThrough(ctx context.Context, consumer, provider int) (releases, freezes []string, err error) {
	started, err := g.clientFor(ctx).Release.Query().
		Where(release.StatusEQ(lifecycle.InProgress), release.StartsAtNotNil(), release.EndsAtNotNil()).
		Order(ent.Asc(release.FieldName)).
		All(ctx)
	if err != nil || len(started) == 0 {
		return nil, nil, err
	}
	graph, err := g.Current(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, rel := range started {
		changed, err := g.ChangedApplications(ctx, rel.ID)
		if err != nil {
			return nil, nil, err
		}
		impacted := graph.Snapshot.ImpactSet(changed)
		_, reachesProvider := slices.BinarySearch(impacted, provider)
		if _, reachesConsumer := slices.BinarySearch(impacted, consumer); !reachesProvider || reachesConsumer {
			continue
		}
		widened := uniqueSorted(append(slices.Clone(impacted), graph.Snapshot.ImpactSet([]int{consumer})...))
		w := impact.Window{Start: *rel.StartsAt, End: *rel.EndsAt}
		before, err := g.freezesCovering(ctx, w, impacted)
		if err != nil {
			return nil, nil, err
		}
		after, err := g.freezesCovering(ctx, w, widened)
		if err != nil {
			return nil, nil, err
		}
		was := map[int]bool{}
		for _, f := range before {
			was[f.ID] = true
		}
		carried := false
		for _, f := range after {
			if !was[f.ID] {
				carried = true
				if !slices.Contains(freezes, f.Name) {
					freezes = append(freezes, f.Name)
				}
			}
		}
		if carried {
			releases = append(releases, rel.Name)
		}
	}
	return releases, freezes, nil
}

// covers reports whether a freeze over apps (none: every application)
// covers an application of the sorted impacted set.
func covers(apps, impacted []int) bool {
	if len(apps) == 0 {
		return len(impacted) > 0
	}
	for _, a := range apps {
		if _, found := slices.BinarySearch(impacted, a); found {
			return true
		}
	}
	return false
}

func uniqueSorted(ids []int) []int {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return slices.Compact(ids)
}
