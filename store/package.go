package store

import (
	"cmp"
	"context"
	"slices"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/release"
	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/lifecycle"
)

// A release package's analyses are those of its releases taken together, so
// the reads below gather per package what the release analyses gather per
// release, through the same request batch (batch.go). The first package
// field to need releases reads those of every package the request loaded
// (the ReleasePackage interceptor registers them) in one go; that registers
// the releases with the batch (the Release interceptor), so their changed
// applications and their changes' risks come in one statement each for
// every release the request has loaded, and once the request holds more
// than one release the portfolio's conflicts are computed once for all of
// them. A page of packages costs as many statements as one package
// (TestPackageFieldsStatementCountIsConstant).

// PackageReleases returns the releases of package pkg, by id: those Ent
// eager loaded with it (WithReleases); or, in a request, those the request
// read for every package it loaded, in one go; or else read through the
// request's transaction, if any. The list may be shared: do not modify it.
func (g *GraphCache) PackageReleases(ctx context.Context, pkg *ent.ReleasePackage) ([]*ent.Release, error) {
	if rels, err := pkg.Edges.ReleasesOrErr(); err == nil {
		return rels, nil
	}
	if b := batchOf(ctx); b != nil {
		return b.releasesOfPackage(ctx, g.clientFor(ctx), pkg.ID)
	}
	return g.clientFor(ctx).ReleasePackage.QueryReleases(pkg).Order(ent.Asc(release.FieldID)).All(ctx)
}

// PackageChangedApplications returns the union of the changed applications
// of the releases rels, ascending and without repeats.
func (g *GraphCache) PackageChangedApplications(ctx context.Context, rels []*ent.Release) ([]int, error) {
	if len(rels) == 0 {
		return []int{}, nil
	}
	var union []int
	if batchOf(ctx) != nil {
		// From the request's batch, or the generation-labelled cache: one
		// statement for every release the request loaded, or none.
		for _, r := range rels {
			changed, err := g.ChangedApplications(ctx, r.ID)
			if err != nil {
				return nil, err
			}
			union = append(union, changed...)
		}
		return uniqueSorted(union), nil
	}
	ids := make([]int, len(rels))
	for i, r := range rels {
		ids[i] = r.ID
	}
	byRelease, err := changedByRelease(ctx, g.clientFor(ctx), ids)
	if err != nil {
		return nil, err
	}
	for _, changed := range byRelease {
		union = append(union, changed...)
	}
	return uniqueSorted(union), nil
}

// PackageConflicts splits the conflicts of the releases rels (a package's)
// into those between two of them (inside) and those between one of them and
// a release outside the package (outside). The conflicts are those of
// Release.conflicts (ConflictsOf), each pair once; both lists are in the
// order of releaseConflicts: by the pair's lower release id, then its
// higher one.
func (g *GraphCache) PackageConflicts(ctx context.Context, rels []*ent.Release) (inside, outside []*ReleaseConflict, err error) {
	inside, outside = []*ReleaseConflict{}, []*ReleaseConflict{}
	member := make(map[int]bool, len(rels))
	var hull impact.Window
	for _, r := range rels {
		if r.Status == lifecycle.Cancelled || r.StartsAt == nil || r.EndsAt == nil {
			continue // conflicts with nothing
		}
		if len(member) == 0 || r.StartsAt.Before(hull.Start) {
			hull.Start = *r.StartsAt
		}
		if len(member) == 0 || r.EndsAt.After(hull.End) {
			hull.End = *r.EndsAt
		}
		member[r.ID] = true
	}
	if len(member) == 0 {
		return inside, outside, nil
	}
	var found []*ReleaseConflict
	if b := batchOf(ctx); b != nil && b.many() {
		// The portfolio's conflicts, computed once for the request.
		for _, r := range rels {
			if !member[r.ID] {
				continue
			}
			cs, err := b.conflictsOf(ctx, g, r.ID)
			if err != nil {
				return nil, nil, err
			}
			found = append(found, cs...)
		}
	} else {
		// A pair that includes a member overlaps within the member's
		// window, so within the hull of the members' windows: one
		// computation over the releases that reach into the hull.
		if found, err = g.ReleaseConflicts(ctx, hull, 0); err != nil {
			return nil, nil, err
		}
	}
	slices.SortFunc(found, compareConflicts)
	found = slices.CompactFunc(found, func(a, b *ReleaseConflict) bool { return compareConflicts(a, b) == 0 })
	for _, c := range found {
		switch a, b := member[c.Releases[0].ID], member[c.Releases[1].ID]; {
		case a && b:
			inside = append(inside, c)
		case a || b:
			outside = append(outside, c)
		}
	}
	return inside, outside, nil
}

// compareConflicts orders conflicts as releaseConflicts does: by the pair's
// lower release id, then its higher one (a pair conflicts at most once).
func compareConflicts(a, b *ReleaseConflict) int {
	return cmp.Or(cmp.Compare(a.Releases[0].ID, b.Releases[0].ID), cmp.Compare(a.Releases[1].ID, b.Releases[1].ID))
}

// MissingReleases returns those of ids that name no release, ascending,
// so that a write can say which id is wrong rather than that some
// reference is.
func (g *GraphCache) MissingReleases(ctx context.Context, ids []int) ([]int, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ids = uniqueSorted(ids)
	found, err := g.clientFor(ctx).Release.Query().Where(release.IDIn(ids...)).IDs(ctx)
	if err != nil {
		return nil, err
	}
	slices.Sort(found)
	return slices.DeleteFunc(ids, func(id int) bool {
		_, ok := slices.BinarySearch(found, id)
		return ok
	}), nil
}
