package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/relgraph/relgraph/internal/testdb"
	"github.com/relgraph/relgraph/store"
)

func openTemp(t *testing.T) *store.DB {
	t.Helper()
	return testdb.Open(t)
}

func TestGraphCacheRebuildsOnlyWhenTheGraphChanged(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	cache := store.NewGraphCache(db)
	a := db.Client.Application.Create().SetName("a").SaveX(ctx)
	b := db.Client.Application.Create().SetName("b").SaveX(ctx)

	snap, err := cache.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Snapshot.Len() != 2 || cache.Builds() != 1 {
		t.Fatalf("first snapshot: %d applications, %d builds", snap.Snapshot.Len(), cache.Builds())
	}
	// Writes to changes and releases do not touch the graph.
	rel := db.Client.Release.Create().SetName("R").SaveX(ctx)
	db.Client.Change.Create().SetTitle("c").AddApplicationIDs(a.ID).SetReleaseID(rel.ID).SaveX(ctx)
	if _, err := cache.Current(ctx); err != nil || cache.Builds() != 1 {
		t.Fatalf("rebuilt without a graph change: %d builds, %v", cache.Builds(), err)
	}

	// A dependency write makes every waiting request share one rebuild.
	db.Client.Dependency.Create().SetConsumerID(b.ID).SetProviderID(a.ID).SaveX(ctx)
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := cache.Current(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			if got := s.Snapshot.Dependents(a.ID); len(got) != 1 || got[0] != b.ID {
				t.Errorf("stale snapshot: dependents of a = %v", got)
			}
		}()
	}
	wg.Wait()
	if cache.Builds() != 1 || cache.CatchUps() != 1 {
		t.Fatalf("concurrent requests did not share one catch-up: %d builds, %d catch-ups", cache.Builds(), cache.CatchUps())
	}

	// Application updates and deletes move the generation too, and the
	// graph's records follow.
	db.Client.Application.UpdateOneID(b.ID).SetOwner("team").ExecX(ctx)
	g, err := cache.Current(ctx)
	if err != nil || cache.Builds() != 1 || cache.CatchUps() != 2 || g.Application(b.ID).Owner != "team" {
		t.Fatalf("update not seen: %d builds, %d catch-ups, %v", cache.Builds(), cache.CatchUps(), err)
	}
}
