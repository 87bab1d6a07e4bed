package demo_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/auditevent"
	"github.com/relgraph/relgraph/impact"
	"github.com/relgraph/relgraph/internal/demo"
	"github.com/relgraph/relgraph/internal/testdb"
	"github.com/relgraph/relgraph/lifecycle"
)

// openDB opens a fresh migrated test database (SQLite, or PostgreSQL with
// RELGRAPH_TEST_POSTGRES set).
func openDB(t *testing.T) *ent.Client {
	t.Helper()
	return testdb.Open(t).Client
}

type counts struct {
	apps, deps, changes, releases, environments, deployments, freezes, packages, plans, steps, auditEvents int
}

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
	if c.environments, err = client.Environment.Query().Count(ctx); err != nil {
		t.Fatal(err)
	}
	if c.deployments, err = client.Deployment.Query().Count(ctx); err != nil {
		t.Fatal(err)
	}
	if c.freezes, err = client.FreezeWindow.Query().Count(ctx); err != nil {
		t.Fatal(err)
	}
	if c.packages, err = client.ReleasePackage.Query().Count(ctx); err != nil {
		t.Fatal(err)
	}
	if c.plans, err = client.DeploymentPlan.Query().Count(ctx); err != nil {
		t.Fatal(err)
	}
	if c.steps, err = client.DeploymentStep.Query().Count(ctx); err != nil {
		t.Fatal(err)
	}
	if c.auditEvents, err = client.AuditEvent.Query().Count(ctx); err != nil {
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
	t.Logf("loaded %d applications, %d dependencies, %d changes, %d releases, "+
		"%d environments, %d deployments, %d freeze windows, %d audit events",
		got.apps, got.deps, got.changes, got.releases,
		got.environments, got.deployments, got.freezes, got.auditEvents)
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
		"environment": func(c *ent.Client) error {
			return c.Environment.Create().SetName("staging").SetStage(lifecycle.UserAcceptance).Exec(ctx)
		},
		"freeze window": func(c *ent.Client) error {
			return c.FreezeWindow.Create().SetName("Black Friday").
				SetStartsAt(time.Date(2026, time.November, 27, 0, 0, 0, 0, time.UTC)).
				SetEndsAt(time.Date(2026, time.November, 30, 0, 0, 0, 0, time.UTC)).
				Exec(ctx)
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

// TestLoadLifecycle checks the demo's release lifecycle: environments,
// deployments that respect the promotion gates and the release statuses, an
// environment double booking, freeze windows with exactly one violation, and
// the audit trail of the load.
func TestLoadLifecycle(t *testing.T) {
	ctx := context.Background()
	client := openDB(t)
	if err := demo.Load(ctx, client); err != nil {
		t.Fatalf("Load: %v", err)
	}

	// One environment per stage.
	envs := client.Environment.Query().AllX(ctx)
	envByID := make(map[int]*ent.Environment, len(envs))
	var stages []lifecycle.Stage
	for _, e := range envs {
		envByID[e.ID] = e
		stages = append(stages, e.Stage)
		if e.Description == "" {
			t.Errorf("environment %s has no description", e.Name)
		}
	}
	slices.SortFunc(stages, func(a, b lifecycle.Stage) int { return a.Rank() - b.Rank() })
	if !slices.Equal(stages, lifecycle.Stages()) {
		t.Errorf("environment stages = %v, want one per stage %v", stages, lifecycle.Stages())
	}

	rels := client.Release.Query().WithDeployments().AllX(ctx)
	relByID := make(map[int]*ent.Release, len(rels))
	for _, r := range rels {
		relByID[r.ID] = r
	}

	// Per release, the status of its deployment to each stage.
	want := map[string]map[lifecycle.Stage]lifecycle.DeploymentStatus{
		"2026.11 Identity MFA rollout": {
			lifecycle.Development: lifecycle.DeploymentSucceeded, lifecycle.SystemTest: lifecycle.DeploymentSucceeded,
			lifecycle.IntegrationTest: lifecycle.DeploymentSucceeded, lifecycle.PerformanceTest: lifecycle.DeploymentSucceeded,
			lifecycle.UserAcceptance: lifecycle.DeploymentSucceeded, lifecycle.Production: lifecycle.DeploymentSucceeded,
		},
		"2026.12 Payments hardening": {
			lifecycle.Development: lifecycle.DeploymentSucceeded, lifecycle.SystemTest: lifecycle.DeploymentSucceeded,
			lifecycle.IntegrationTest: lifecycle.DeploymentSucceeded, lifecycle.PerformanceTest: lifecycle.DeploymentInProgress,
			lifecycle.UserAcceptance: lifecycle.DeploymentScheduled, lifecycle.Production: lifecycle.DeploymentScheduled,
		},
		"2026.12 Checkout revamp": {
			lifecycle.Development: lifecycle.DeploymentScheduled, lifecycle.SystemTest: lifecycle.DeploymentScheduled,
			lifecycle.IntegrationTest: lifecycle.DeploymentScheduled, lifecycle.PerformanceTest: lifecycle.DeploymentScheduled,
			lifecycle.UserAcceptance: lifecycle.DeploymentScheduled, lifecycle.Production: lifecycle.DeploymentScheduled,
		},
		"2027.01 Fulfilment reliability": {
			lifecycle.Development: lifecycle.DeploymentScheduled, lifecycle.SystemTest: lifecycle.DeploymentScheduled,
		},
		"2027.Q1 Data platform migration": {},
	}
	for _, r := range rels {
		got := map[lifecycle.Stage]lifecycle.DeploymentStatus{}
		succeeded := map[lifecycle.Stage]bool{}
		for _, d := range r.Edges.Deployments {
			stage := envByID[d.EnvironmentID].Stage
			if _, dup := got[stage]; dup {
				t.Errorf("release %q has two deployments to stage %s", r.Name, stage)
			}
			got[stage] = d.Status
			if d.Status == lifecycle.DeploymentSucceeded {
				succeeded[stage] = true
			}
			if d.StartsAt == nil || d.EndsAt == nil || !d.EndsAt.After(*d.StartsAt) {
				t.Errorf("release %q: deployment to %s has window %v..%v, want both set, end after start",
					r.Name, stage, d.StartsAt, d.EndsAt)
			}
		}
		if w, ok := want[r.Name]; !ok {
			t.Errorf("unexpected release %q", r.Name)
		} else if !maps.Equal(got, w) {
			t.Errorf("release %q deployments by stage = %v, want %v", r.Name, got, w)
		}

		// The promotion gates: a deployment IN_PROGRESS or SUCCEEDED has a
		// SUCCEEDED deployment in every earlier stage of the release.
		for _, d := range r.Edges.Deployments {
			if d.Status != lifecycle.DeploymentInProgress && d.Status != lifecycle.DeploymentSucceeded {
				continue
			}
			stage := envByID[d.EnvironmentID].Stage
			for _, earlier := range lifecycle.Before(r.Stages, stage) {
				if !succeeded[earlier] {
					t.Errorf("release %q is %s in %s without a SUCCEEDED deployment in %s",
						r.Name, d.Status, stage, earlier)
				}
			}
		}

		// Deployments agree with the release's status.
		switch r.Status {
		case lifecycle.Draft:
			if len(r.Edges.Deployments) != 0 {
				t.Errorf("DRAFT release %q has %d deployments, want none", r.Name, len(r.Edges.Deployments))
			}
		case lifecycle.Planned:
			for _, d := range r.Edges.Deployments {
				if d.Status != lifecycle.DeploymentScheduled {
					t.Errorf("PLANNED release %q has a %s deployment, want only SCHEDULED", r.Name, d.Status)
				}
			}
		case lifecycle.InProgress:
			if succeeded[lifecycle.Production] {
				t.Errorf("IN_PROGRESS release %q already succeeded in production", r.Name)
			}
		case lifecycle.Deployed:
			prodInWindow := false
			for _, d := range r.Edges.Deployments {
				if envByID[d.EnvironmentID].Stage == lifecycle.Production && d.Status == lifecycle.DeploymentSucceeded &&
					!d.StartsAt.Before(*r.StartsAt) && !d.EndsAt.After(*r.EndsAt) {
					prodInWindow = true
				}
			}
			if !prodInWindow {
				t.Errorf("DEPLOYED release %q has no SUCCEEDED production deployment inside its window", r.Name)
			}
		}
	}

	// At least one environment is double booked by two releases; the demo's
	// is uat, by Payments hardening and Checkout revamp.
	var bookings []lifecycle.Booking
	depByID := map[int]*ent.Deployment{}
	for _, d := range client.Deployment.Query().AllX(ctx) {
		if d.Status == lifecycle.DeploymentFailed || d.Status == lifecycle.DeploymentRolledBack {
			continue
		}
		depByID[d.ID] = d
		bookings = append(bookings, lifecycle.Booking{
			ID: d.ID, Resource: d.EnvironmentID, Owner: d.ReleaseID, Window: impact.Window{Start: *d.StartsAt, End: *d.EndsAt},
		})
	}
	clashes := lifecycle.Clashes(bookings)
	uatClash := false
	for _, c := range clashes {
		env := envByID[c.A.Resource].Name
		a, b := relByID[c.A.Owner].Name, relByID[c.B.Owner].Name
		t.Logf("environment %s double booked %v..%v by %q and %q", env, c.Overlap.Start, c.Overlap.End, a, b)
		pair := []string{a, b}
		slices.Sort(pair)
		if env == "uat" && slices.Equal(pair, []string{"2026.12 Checkout revamp", "2026.12 Payments hardening"}) {
			uatClash = true
		}
	}
	if len(clashes) == 0 {
		t.Error("no environment is double booked; want at least one conflict")
	}
	if !uatClash {
		t.Error("uat is not double booked by Payments hardening and Checkout revamp")
	}

	// Freeze windows: a whole-portfolio year-end freeze, and exactly one
	// release violates a freeze (its window overlaps the freeze and its
	// impact reaches a frozen application, or any for a whole-portfolio one).
	freezes := client.FreezeWindow.Query().WithApplications().AllX(ctx)
	yearEnd := false
	for _, f := range freezes {
		if f.Name == "Year-end freeze" && len(f.Edges.Applications) == 0 &&
			f.StartsAt.Equal(time.Date(2026, time.December, 21, 0, 0, 0, 0, time.UTC)) &&
			f.EndsAt.Equal(time.Date(2027, time.January, 4, 0, 0, 0, 0, time.UTC)) {
			yearEnd = true
		}
	}
	if !yearEnd {
		t.Error("no whole-portfolio \"Year-end freeze\" from 2026-12-21 to 2027-01-04")
	}
	var appIDs []int
	for _, a := range client.Application.Query().AllX(ctx) {
		appIDs = append(appIDs, a.ID)
	}
	var deps []impact.Dependency
	for _, d := range client.Dependency.Query().AllX(ctx) {
		deps = append(deps, impact.Dependency{Consumer: d.ConsumerID, Provider: d.ProviderID})
	}
	snap := impact.NewSnapshot(appIDs, deps, 0)
	var violators []string
	for _, r := range client.Release.Query().WithChanges(func(q *ent.ChangeQuery) { q.WithApplications() }).AllX(ctx) {
		if r.StartsAt == nil || r.EndsAt == nil {
			continue
		}
		var changed []int
		for _, c := range r.Edges.Changes {
			for _, a := range c.Edges.Applications {
				changed = append(changed, a.ID)
			}
		}
		impacted := snap.ImpactSet(changed)
		for _, f := range freezes {
			if !f.StartsAt.Before(*r.EndsAt) || !r.StartsAt.Before(f.EndsAt) {
				continue
			}
			covered := len(f.Edges.Applications) == 0 && len(impacted) > 0
			for _, a := range f.Edges.Applications {
				if slices.Contains(impacted, a.ID) {
					covered = true
				}
			}
			if covered {
				t.Logf("release %q violates freeze %q", r.Name, f.Name)
				violators = append(violators, r.Name)
			}
		}
	}
	if !slices.Equal(violators, []string{"2027.01 Fulfilment reliability"}) {
		t.Errorf("freeze violations by %v, want exactly one, by \"2027.01 Fulfilment reliability\"", violators)
	}

	// The audit trail has one CREATE event by "demo" for every record, and
	// one TRANSITION per step each release took from DRAFT to its status.
	c := count(t, client)
	records := c.apps + c.deps + c.changes + c.releases + c.environments + c.deployments + c.freezes +
		c.packages + c.plans + c.steps
	if n := client.AuditEvent.Query().Where(auditevent.Actor(demo.Actor), auditevent.ActionEQ(auditevent.ActionCREATE)).CountX(ctx); n != records {
		t.Errorf("audit events by %q creating a record = %d, want one per record (%d)", demo.Actor, n, records)
	}
	steps := map[lifecycle.Status]int{lifecycle.Draft: 0, lifecycle.Planned: 1, lifecycle.InProgress: 2, lifecycle.Deployed: 3}
	transitions := 0
	for _, r := range rels {
		transitions += steps[r.Status]
	}
	if n := client.AuditEvent.Query().Where(auditevent.Actor(demo.Actor), auditevent.ActionEQ(auditevent.ActionTRANSITION)).CountX(ctx); n != transitions {
		t.Errorf("audit events by %q moving a release = %d, want %d", demo.Actor, n, transitions)
	}
	if c.auditEvents != records+transitions {
		t.Errorf("audit events = %d, want %d", c.auditEvents, records+transitions)
	}
	for _, r := range rels {
		if !client.AuditEvent.Query().Where(auditevent.EntityType("Release"), auditevent.EntityID(r.ID), auditevent.Actor("demo")).ExistX(ctx) {
			t.Errorf("release %q has no audit event by \"demo\"", r.Name)
		}
	}
}

// The demo's deployment plan is the production plan of Payments hardening,
// laid out from the engine's deployment waves of its changed applications
// (read back from the database here): DEPLOY steps wave by wave, by name
// within a wave, then the ROLLBACK steps in the exact reverse order, all
// PENDING and owned by their applications' owners.
func TestLoadDeploymentPlan(t *testing.T) {
	ctx := context.Background()
	client := openDB(t)
	if err := demo.Load(ctx, client); err != nil {
		t.Fatalf("Load: %v", err)
	}
	plan := client.DeploymentPlan.Query().WithRelease().WithEnvironment().OnlyX(ctx)
	if plan.Edges.Release.Name != "2026.12 Payments hardening" || plan.Edges.Environment.Stage != lifecycle.Production {
		t.Fatalf("plan of %q to %q, want Payments hardening to production", plan.Edges.Release.Name, plan.Edges.Environment.Name)
	}

	apps := client.Application.Query().AllX(ctx)
	ids := make([]int, len(apps))
	byID := map[int]*ent.Application{}
	for i, a := range apps {
		ids[i], byID[a.ID] = a.ID, a
	}
	var deps []impact.Dependency
	for _, d := range client.Dependency.Query().AllX(ctx) {
		deps = append(deps, impact.Dependency{Consumer: d.ConsumerID, Provider: d.ProviderID})
	}
	var changed []int
	for _, c := range client.Change.Query().WithApplications().AllX(ctx) {
		if c.ReleaseID != nil && *c.ReleaseID == plan.ReleaseID {
			for _, a := range c.Edges.Applications {
				changed = append(changed, a.ID)
			}
		}
	}
	type want struct {
		app, owner string
		kind       string
		wave       int
	}
	var deploy []want
	for w, wave := range impact.NewSnapshot(ids, deps, 0).DeploymentWaves(changed) {
		names := make([]string, len(wave))
		for i, id := range wave {
			names[i] = byID[id].Name
		}
		sort.Strings(names)
		for _, n := range names {
			for _, a := range apps {
				if a.Name == n {
					deploy = append(deploy, want{n, a.Owner, "DEPLOY", w + 1})
				}
			}
		}
	}
	if len(deploy) < 4 || deploy[len(deploy)-1].wave < 3 {
		t.Fatalf("the demo release should deploy in three waves or more: %v", deploy)
	}
	expected := slices.Clone(deploy)
	for i := len(deploy) - 1; i >= 0; i-- {
		r := deploy[i]
		r.kind = "ROLLBACK"
		expected = append(expected, r)
	}

	steps := client.DeploymentPlan.QuerySteps(plan).WithApplication().AllX(ctx)
	sort.Slice(steps, func(i, j int) bool { return steps[i].Position < steps[j].Position })
	if len(steps) != len(expected) {
		t.Fatalf("%d steps, want %d", len(steps), len(expected))
	}
	for i, s := range steps {
		got := want{s.Edges.Application.Name, s.Owner, string(s.Kind), s.Wave}
		if got != expected[i] || s.Position != i+1 || s.Status != "PENDING" {
			t.Errorf("step %d: %+v at position %d, %s; want %+v at position %d, PENDING", i, got, s.Position, s.Status, expected[i], i+1)
		}
	}
}
