package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/dependency"
	"github.com/relgraph/relgraph/ent/schema"
	"github.com/relgraph/relgraph/store"
)

// sameGraph fails unless got answers like want, the graph read whole.
func sameGraph(t *testing.T, step string, got, want *store.Graph, apps []int) {
	t.Helper()
	if got.Snapshot.Len() != want.Snapshot.Len() || got.Snapshot.Dependencies() != want.Snapshot.Dependencies() ||
		got.Snapshot.Generation() != want.Snapshot.Generation() {
		t.Fatalf("%s: %d apps, %d deps, generation %d; read whole: %d, %d, %d", step,
			got.Snapshot.Len(), got.Snapshot.Dependencies(), got.Snapshot.Generation(),
			want.Snapshot.Len(), want.Snapshot.Dependencies(), want.Snapshot.Generation())
	}
	for _, id := range apps {
		if !slices.Equal(got.Snapshot.Dependents(id), want.Snapshot.Dependents(id)) ||
			!slices.Equal(got.Snapshot.DependsOn(id), want.Snapshot.DependsOn(id)) {
			t.Fatalf("%s: edges of %d differ", step, id)
		}
		a, b := got.Application(id), want.Application(id)
		if (a == nil) != (b == nil) || (a != nil && (a.Name != b.Name || a.Owner != b.Owner || a.Version != b.Version)) {
			t.Fatalf("%s: record %d is %+v, read whole %+v", step, id, a, b)
		}
	}
	if fmt.Sprint(got.Snapshot.Cycles()) != fmt.Sprint(want.Snapshot.Cycles()) {
		t.Fatalf("%s: cycles %v, read whole %v", step, got.Snapshot.Cycles(), want.Snapshot.Cycles())
	}
}

// TestGraphCatchesUpFromTheChangeLog writes at random through the Ent
// client, alone and in journaled transactions, and checks after every write
// that a cache that follows the change log answers exactly like a graph
// read whole, and that it did catch up rather than rebuild.
func TestGraphCatchesUpFromTheChangeLog(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	cache := store.NewGraphCache(db)
	rng := rand.New(rand.NewPCG(7, 7))
	var apps []int
	for i := range 12 {
		apps = append(apps, db.Client.Application.Create().SetName(fmt.Sprintf("a%02d", i)).SaveX(ctx).ID)
	}
	if _, err := cache.Current(ctx); err != nil {
		t.Fatal(err)
	}
	write := func(client *ent.Client) {
		switch op := rng.IntN(10); {
		case op < 4: // a dependency, cycles welcome
			c, p := apps[rng.IntN(len(apps))], apps[rng.IntN(len(apps))]
			if c != p && !client.Dependency.Query().Where(dependency.ConsumerID(c), dependency.ProviderID(p)).ExistX(ctx) {
				client.Dependency.Create().SetConsumerID(c).SetProviderID(p).SaveX(ctx)
			}
		case op < 6:
			if ds := client.Dependency.Query().AllX(ctx); len(ds) > 0 {
				client.Dependency.DeleteOneID(ds[rng.IntN(len(ds))].ID).ExecX(ctx)
			}
		case op < 7:
			apps = append(apps, client.Application.Create().SetName(fmt.Sprintf("n%d", rng.Int())).SaveX(ctx).ID)
		case op < 9:
			client.Application.UpdateOneID(apps[rng.IntN(len(apps))]).SetOwner(fmt.Sprintf("team %d", rng.IntN(100))).ExecX(ctx)
		default: // an application without dependencies goes
			for i, id := range apps {
				if n := client.Dependency.Query().Where(dependency.Or(dependency.ConsumerID(id), dependency.ProviderID(id))).CountX(ctx); n == 0 && len(apps) > 4 {
					client.Application.DeleteOneID(id).ExecX(ctx)
					apps = slices.Delete(apps, i, i+1)
					break
				}
			}
		}
	}
	for step := range 150 {
		if step%3 == 0 {
			tx, err := db.Client.Tx(ctx)
			if err != nil {
				t.Fatal(err)
			}
			txCtx, journal := schema.WithJournal(ent.NewTxContext(ctx, tx))
			for range 1 + rng.IntN(4) {
				writeCtx := ctx
				ctx = txCtx
				write(tx.Client())
				ctx = writeCtx
			}
			if err := journal.Flush(txCtx, tx.Client()); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
		} else {
			write(db.Client)
		}
		got, err := cache.Current(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want, err := store.NewGraphCache(db).Current(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sameGraph(t, fmt.Sprintf("step %d", step), got, want, apps)
	}
	if cache.Builds() != 1 || cache.CatchUps() < 100 {
		t.Fatalf("%d builds and %d catch-ups for 150 writes: want 1 build, the rest caught up", cache.Builds(), cache.CatchUps())
	}

	// A gap in the log (pruned, or written by an older server) means a
	// rebuild, never a wrong graph.
	a, b := apps[0], apps[1]
	db.Client.Dependency.Delete().Where(dependency.ConsumerID(a), dependency.ProviderID(b)).ExecX(ctx)
	db.Client.Dependency.Create().SetConsumerID(a).SetProviderID(b).SaveX(ctx)
	db.Client.GraphChange.Delete().ExecX(ctx)
	db.Client.Application.UpdateOneID(b).SetOwner("after the gap").ExecX(ctx)
	builds := cache.Builds()
	got, err := cache.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := store.NewGraphCache(db).Current(ctx)
	sameGraph(t, "after a gap", got, want, apps)
	if cache.Builds() != builds+1 {
		t.Fatalf("a gap in the change log did not rebuild")
	}
}
