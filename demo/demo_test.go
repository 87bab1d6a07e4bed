package demo_test

import (
	"context"
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/relgraph/relgraph/demo"
	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/store"
)

// openDB opens a migrated SQLite database in a temporary directory.
func openDB(t *testing.T) *ent.Client {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db.Client
}

type counts struct{ apps, deps, changes, releases int }

func count(t *testing.T, client *ent.Client) counts {
	t.Helper()
	ctx := context.Background()
	var c counts
	var err error
	if c.apps, err = client.Application.Query().Count(ctx); err != nil {
		t.Fatal(err)
	}
	if c.deps, err = client.Dependency.Query().Count(ctx); err != nil {
		t.Fatal(err)
	}
	if c.changes, err = client.Change.Query().Count(ctx); err != nil {
		t.Fatal(err)
	}
	if c.releases, err = client.Release.Query().Count(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLoad(t *testing.T) {
	ctx := context.Background()
	client := openDB(t)
	if err := demo.Load(ctx, client); err != nil {
		t.Fatalf("Load: %v", err)
	}

	got := count(t, client)
	t.Logf("loaded %d applications, %d dependencies, %d changes, %d releases",
		got.apps, got.deps, got.changes, got.releases)
	if got.apps < 25 || got.apps > 35 {
		t.Errorf("applications = %d, want 25..35", got.apps)
	}
	if got.deps < 50 || got.deps > 70 {
		t.Errorf("dependencies = %d, want 50..70", got.deps)
	}
	if got.releases < 4 || got.releases > 5 {
		t.Errorf("releases = %d, want 4..5", got.releases)
	}

	apps := client.Application.Query().AllX(ctx)
	name := make(map[int]string, len(apps))
	for _, a := range apps {
		name[a.ID] = a.Name
		if a.Description == "" || a.Owner == "" {
			t.Errorf("application %s lacks a description or an owner", a.Name)
		}
	}
	providers := make(map[int][]int) // consumer -> providers
	for _, d := range client.Dependency.Query().AllX(ctx) {
		providers[d.ConsumerID] = append(providers[d.ConsumerID], d.ProviderID)
	}

	// Every change touches at least one application; some are unscheduled.
	unscheduled := 0
	for _, c := range client.Change.Query().WithApplications().AllX(ctx) {
		if len(c.Edges.Applications) == 0 {
			t.Errorf("change %q touches no application", c.Title)
		}
		if c.ExternalRef == nil || *c.ExternalRef == "" {
			t.Errorf("change %q has no ticket key", c.Title)
		}
		if c.ReleaseID == nil {
			unscheduled++
		}
	}
	if unscheduled == 0 {
		t.Error("every change is scheduled; want at least one outside any release")
	}

	rels := client.Release.Query().
		WithChanges(func(q *ent.ChangeQuery) { q.WithApplications() }).
		AllX(ctx)
	for _, r := range rels {
		if r.StartsAt != nil && r.EndsAt != nil && !r.EndsAt.After(*r.StartsAt) {
			t.Errorf("release %q: endsAt %v is not after startsAt %v", r.Name, r.EndsAt, r.StartsAt)
		}
		if n := len(r.Edges.Changes); n < 2 || n > 5 {
			t.Errorf("release %q has %d changes, want 2..5", r.Name, n)
		}
	}

	// At least two releases overlap in time and share an application among
	// their changed applications and those applications' direct providers.
	footprint := func(r *ent.Release) map[int]bool {
		set := make(map[int]bool)
		for _, c := range r.Edges.Changes {
			for _, a := range c.Edges.Applications {
				set[a.ID] = true
				for _, p := range providers[a.ID] {
					set[p] = true
				}
			}
		}
		return set
	}
	clashes := 0
	for i, a := range rels {
		for _, b := range rels[i+1:] {
			if a.StartsAt == nil || a.EndsAt == nil || b.StartsAt == nil || b.EndsAt == nil {
				continue
			}
			if !a.StartsAt.Before(*b.EndsAt) || !b.StartsAt.Before(*a.EndsAt) {
				continue
			}
			fa, fb := footprint(a), footprint(b)
			var shared []string
			for id := range fa {
				if fb[id] {
					shared = append(shared, name[id])
				}
			}
			sort.Strings(shared)
			t.Logf("overlapping releases %q and %q share %v", a.Name, b.Name, shared)
			if len(shared) > 0 {
				clashes++
			}
		}
	}
	if clashes == 0 {
		t.Error("no two overlapping releases share an application")
	}

	// The dependency graph has exactly one cycle, between two applications:
	// the only strongly connected component with more than one member.
	reach := func(from int) map[int]bool {
		seen := map[int]bool{}
		stack := []int{from}
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, p := range providers[n] {
				if !seen[p] {
					seen[p] = true
					stack = append(stack, p)
				}
			}
		}
		return seen
	}
	reachable := make(map[int]map[int]bool, len(apps))
	for _, a := range apps {
		reachable[a.ID] = reach(a.ID)
	}
	var components [][]string
	assigned := map[int]bool{}
	for _, a := range apps {
		if assigned[a.ID] || !reachable[a.ID][a.ID] {
			continue
		}
		var members []string
		for _, b := range apps {
			if reachable[a.ID][b.ID] && reachable[b.ID][a.ID] {
				assigned[b.ID] = true
				members = append(members, b.Name)
			}
		}
		sort.Strings(members)
		components = append(components, members)
	}
	t.Logf("dependency cycles: %v", components)
	if len(components) != 1 || len(components[0]) != 2 {
		t.Errorf("cyclic components = %v, want exactly one of two applications", components)
	}

	// A second load is refused and writes nothing.
	err := demo.Load(ctx, client)
	if !errors.Is(err, demo.ErrNotEmpty) {
		t.Fatalf("second Load: err = %v, want ErrNotEmpty", err)
	}
	if again := count(t, client); again != got {
		t.Errorf("after refused Load: counts = %+v, want %+v", again, got)
	}
}

func TestLoadRefusesNonEmptyDatabase(t *testing.T) {
	ctx := context.Background()
	seeds := map[string]func(*ent.Client) error{
		"application": func(c *ent.Client) error {
			return c.Application.Create().SetName("legacy-erp").Exec(ctx)
		},
		"release": func(c *ent.Client) error {
			return c.Release.Create().SetName("hotfix").Exec(ctx)
		},
		"dependency and change": func(c *ent.Client) error {
			apps, err := c.Application.CreateBulk(
				c.Application.Create().SetName("a"),
				c.Application.Create().SetName("b"),
			).Save(ctx)
			if err != nil {
				return err
			}
			if err := c.Dependency.Create().SetConsumerID(apps[0].ID).SetProviderID(apps[1].ID).Exec(ctx); err != nil {
				return err
			}
			return c.Change.Create().SetTitle("fix").AddApplicationIDs(apps[0].ID).Exec(ctx)
		},
	}
	for _, what := range slices.Sorted(maps.Keys(seeds)) {
		t.Run(what, func(t *testing.T) {
			client := openDB(t)
			if err := seeds[what](client); err != nil {
				t.Fatalf("seed: %v", err)
			}
			before := count(t, client)
			if err := demo.Load(ctx, client); !errors.Is(err, demo.ErrNotEmpty) {
				t.Fatalf("Load: err = %v, want ErrNotEmpty", err)
			}
			if after := count(t, client); after != before {
				t.Errorf("counts = %+v after refused Load, want %+v", after, before)
			}
		})
	}
}
