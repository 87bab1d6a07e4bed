// Package loadgen measures a running relgraph server under concurrent load:
// Seed stores a synthetic portfolio (impacttest's) directly through the Ent
// client, and Run drives a server over loopback HTTP with many clients
// mixing impact reads, list reads and writes for a bounded time, and reports
// latency percentiles, throughput and errors. cmd/relgraph-load wraps both.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/change"
	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/impact/impacttest"
	"github.com/relgraph/relgraph/internal/viewer"
	"github.com/relgraph/relgraph/store"
)

// Actor names the load generator in the audit trail, for its seeding and
// (as X-Actor) its writes.
const Actor = "relgraph-load"

// SeedReleases is how many releases Seed creates, so that impact queries
// have something to ask.
const SeedReleases = 20

// seedChunk is how many records one bulk insert carries.
const seedChunk = 1000

// ErrNotEmpty is returned by Seed when the database already holds
// applications: a synthetic portfolio is only added to an empty one.
var ErrNotEmpty = errors.New("loadgen: the database already holds applications")

// Seeded counts what Seed stored.
type Seeded struct {
	Applications, Dependencies, Releases, Changes int
}

// Seed stores impacttest.Portfolio(apps, depsPerApp, seed) in db, which must
// hold no applications, with SeedReleases releases from impacttest.Releases
// (windows within 2027, 5 to 50 changed applications each, grouped into
// changes of up to five applications). Applications are named app-N after
// their synthetic id. Everything is written in one transaction through the
// Ent client, schema hooks and audit trail included, in bulk inserts of a
// thousand records.
func Seed(ctx context.Context, db *store.DB, apps, depsPerApp int, seed int64) (Seeded, error) {
	if apps < 2 || depsPerApp < 0 {
		return Seeded{}, fmt.Errorf("loadgen: seed needs at least 2 applications and a non-negative dependency count, got %d and %d", apps, depsPerApp)
	}
	ctx = viewer.WithActor(ctx, Actor)
	if exists, err := db.Client.Application.Query().Exist(ctx); err != nil {
		return Seeded{}, err
	} else if exists {
		return Seeded{}, ErrNotEmpty
	}
	ids, deps := impacttest.Portfolio(apps, float64(depsPerApp), seed)
	releases := impacttest.Releases(ids, SeedReleases, seed, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))

	var out Seeded
	err := db.WithTx(ctx, func(ctx context.Context, client *ent.Client) (err error) {
		out, err = seedTx(ctx, client, ids, deps, releases)
		return err
	})
	if err != nil {
		return Seeded{}, fmt.Errorf("loadgen: store the portfolio: %w", err)
	}
	return out, nil
}

func seedTx(ctx context.Context, c *ent.Client, ids []int, all []impact.Dependency, releases []impact.Release) (Seeded, error) {
	var out Seeded
	dbID := make(map[int]int, len(ids))
	for start := 0; start < len(ids); start += seedChunk {
		part := ids[start:min(start+seedChunk, len(ids))]
		builders := make([]*ent.ApplicationCreate, len(part))
		for i, id := range part {
			builders[i] = c.Application.Create().SetName(fmt.Sprintf("app-%d", id))
		}
		created, err := c.Application.CreateBulk(builders...).Save(ctx)
		if err != nil {
			return out, fmt.Errorf("loadgen: store applications: %w", err)
		}
		for i, a := range created {
			dbID[part[i]] = a.ID
		}
	}
	out.Applications = len(ids)

	// The engine collapses repeated pairs; the database refuses them.
	deps := make([]impact.Dependency, 0, len(all))
	seen := make(map[impact.Dependency]bool, len(all))
	for _, d := range all {
		if !seen[d] && d.Consumer != d.Provider {
			seen[d] = true
			deps = append(deps, d)
		}
	}
	for start := 0; start < len(deps); start += seedChunk {
		part := deps[start:min(start+seedChunk, len(deps))]
		builders := make([]*ent.DependencyCreate, len(part))
		for i, d := range part {
			builders[i] = c.Dependency.Create().SetConsumerID(dbID[d.Consumer]).SetProviderID(dbID[d.Provider])
		}
		if _, err := c.Dependency.CreateBulk(builders...).Save(ctx); err != nil {
			return out, fmt.Errorf("loadgen: store dependencies: %w", err)
		}
	}
	out.Dependencies = len(deps)

	kinds := []change.Kind{change.KindFEATURE, change.KindFIX, change.KindCONFIGURATION, change.KindINFRASTRUCTURE, change.KindSECURITY}
	risks := []change.Risk{change.RiskLOW, change.RiskMEDIUM, change.RiskHIGH}
	for _, rel := range releases {
		r, err := c.Release.Create().
			SetName(fmt.Sprintf("load-release-%02d", rel.ID)).
			SetStartsAt(rel.Window.Start).
			SetEndsAt(rel.Window.End).
			Save(ctx)
		if err != nil {
			return out, fmt.Errorf("loadgen: store release %d: %w", rel.ID, err)
		}
		out.Releases++
		for start := 0; start < len(rel.Changed); start += 5 {
			part := rel.Changed[start:min(start+5, len(rel.Changed))]
			appIDs := make([]int, len(part))
			for i, id := range part {
				appIDs[i] = dbID[id]
			}
			n := out.Changes
			err := c.Change.Create().
				SetTitle(fmt.Sprintf("change %d of release %d", start/5+1, rel.ID)).
				SetKind(kinds[n%len(kinds)]).
				SetRisk(risks[n%len(risks)]).
				AddApplicationIDs(appIDs...).
				SetReleaseID(r.ID).
				Exec(ctx)
			if err != nil {
				return out, fmt.Errorf("loadgen: store a change of release %d: %w", rel.ID, err)
			}
			out.Changes++
		}
	}
	return out, nil
}
