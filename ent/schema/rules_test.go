package schema_test

// These tests write through the Ent client directly, as a Go program or an
// importer would, to prove that every rule lives in the schema: the same
// refusals GraphQL clients get, with no resolver in between.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/auditevent"
	"github.com/relgraph/relgraph/ent/changeapplication"
	"github.com/relgraph/relgraph/ent/release"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/internal/testdb"
	"github.com/relgraph/relgraph/internal/viewer"
	"github.com/relgraph/relgraph/lifecycle"
	"github.com/relgraph/relgraph/store"
)

// portfolio is a small portfolio written through the Ent client: a
// provider with one consumer, a change to the provider scheduled in a
// release with a window, and one environment per stage.
type portfolio struct {
	db                 *store.DB
	client             *ent.Client
	provider, consumer *ent.Application
	change             *ent.Change
	release            *ent.Release
	envs               map[lifecycle.Stage]*ent.Environment
	start, end         time.Time
}

func newPortfolio(t *testing.T) (*portfolio, context.Context) {
	t.Helper()
	ctx := viewer.WithActor(context.Background(), "script")
	db := testdb.Open(t)
	c := db.Client
	p := &portfolio{db: db, client: c, envs: map[lifecycle.Stage]*ent.Environment{},
		start: time.Date(2027, 3, 1, 20, 0, 0, 0, time.UTC), end: time.Date(2027, 3, 2, 4, 0, 0, 0, time.UTC)}
	p.provider = c.Application.Create().SetName("ledger").SaveX(ctx)
	p.consumer = c.Application.Create().SetName("billing").SaveX(ctx)
	c.Dependency.Create().SetConsumerID(p.consumer.ID).SetProviderID(p.provider.ID).SaveX(ctx)
	p.release = c.Release.Create().SetName("R1").SetStartsAt(p.start).SetEndsAt(p.end).SaveX(ctx)
	p.change = c.Change.Create().SetTitle("Faster ledger").AddApplicationIDs(p.provider.ID).SetReleaseID(p.release.ID).SaveX(ctx)
	for _, s := range lifecycle.Stages() {
		p.envs[s] = c.Environment.Create().SetName(strings.ToLower(string(s))).SetStage(s).SaveX(ctx)
	}
	return p, ctx
}

// move writes release id's status through the client.
func (p *portfolio) move(ctx context.Context, id int, to lifecycle.Status) error {
	return p.client.Release.UpdateOneID(id).SetStatus(to).Exec(ctx)
}

// requireFault fails unless err is a *fault.Error with the code whose
// message contains every one of wants.
func requireFault(t *testing.T, err error, code fault.Code, wants ...string) *fault.Error {
	t.Helper()
	var fe *fault.Error
	if !errors.As(err, &fe) {
		t.Fatalf("got %v (%T), want a %s fault", err, err, code)
	}
	if fe.Code != code {
		t.Fatalf("code %s (%q), want %s", fe.Code, fe.Message, code)
	}
	for _, w := range wants {
		if !strings.Contains(fe.Message, w) {
			t.Errorf("message %q does not mention %q", fe.Message, w)
		}
	}
	return fe
}

func TestStatusWritesObeyTheStateMachine(t *testing.T) {
	p, ctx := newPortfolio(t)
	c := p.client

	// The refusal is the state machine's own, word for word.
	want := lifecycle.CheckTransition(lifecycle.ReleaseFacts{Status: lifecycle.Draft, HasWindow: true, Changes: 1},
		lifecycle.InProgress, lifecycle.Override{})
	err := p.move(ctx, p.release.ID, lifecycle.InProgress)
	if fe := requireFault(t, err, fault.FailedPrecondition); fe.Message != want.Error() {
		t.Fatalf("refusal %q, want the state machine's %q", fe.Message, want)
	}

	// Every other way of writing the status meets the same rule.
	paths := map[string]func() error{
		"bulk update": func() error {
			_, err := c.Release.Update().Where(release.ID(p.release.ID)).SetStatus(lifecycle.Deployed).Save(ctx)
			return err
		},
		"created past DRAFT": func() error {
			return c.Release.Create().SetName("R2").SetStatus(lifecycle.Planned).Exec(ctx)
		},
		"status with other fields": func() error {
			return c.Release.UpdateOneID(p.release.ID).SetStatus(lifecycle.Planned).SetName("renamed").Exec(ctx)
		},
		"status with a change moved in": func() error {
			ch := c.Change.Create().SetTitle("extra").AddApplicationIDs(p.consumer.ID).SaveX(ctx)
			return c.Release.UpdateOneID(p.release.ID).SetStatus(lifecycle.Planned).AddChangeIDs(ch.ID).Exec(ctx)
		},
	}
	for name, write := range paths {
		t.Run(name, func(t *testing.T) {
			requireFault(t, write(), fault.FailedPrecondition)
		})
	}
	if got := c.Release.GetX(ctx, p.release.ID); got.Status != lifecycle.Draft || got.Name != "R1" {
		t.Fatalf("refused writes changed the release: %s %q", got.Status, got.Name)
	}

	// An allowed move goes through and is audited as a transition.
	if err := p.move(ctx, p.release.ID, lifecycle.Planned); err != nil {
		t.Fatal(err)
	}
	ev := c.AuditEvent.Query().Where(auditevent.EntityID(p.release.ID), auditevent.ActionEQ(auditevent.ActionTRANSITION)).OnlyX(ctx)
	if ev.Actor != "script" || ev.Changes["status"] == nil {
		t.Fatalf("transition audited as %+v", ev)
	}
}

func TestPlanningNeedsAWindowAndAChange(t *testing.T) {
	p, ctx := newPortfolio(t)
	c := p.client
	bare := c.Release.Create().SetName("bare").SaveX(ctx)
	requireFault(t, p.move(ctx, bare.ID, lifecycle.Planned), fault.FailedPrecondition, "window")
	c.Release.UpdateOneID(bare.ID).SetStartsAt(p.start).SetEndsAt(p.end).ExecX(ctx)
	requireFault(t, p.move(ctx, bare.ID, lifecycle.Planned), fault.FailedPrecondition, "change")
	c.Change.UpdateOneID(p.change.ID).SetReleaseID(bare.ID).ExecX(ctx)
	if err := p.move(ctx, bare.ID, lifecycle.Planned); err != nil {
		t.Fatal(err)
	}
}

func TestFreezesHoldForEveryWriter(t *testing.T) {
	p, ctx := newPortfolio(t)
	c := p.client
	// The freeze names the consumer only: the release reaches it through
	// its impact (billing depends on ledger).
	c.FreezeWindow.Create().SetName("Audit").SetStartsAt(p.start.Add(-time.Hour)).SetEndsAt(p.end).
		AddApplicationIDs(p.consumer.ID).ExecX(ctx)
	if err := p.move(ctx, p.release.ID, lifecycle.Planned); err != nil {
		t.Fatal(err)
	}
	requireFault(t, p.move(ctx, p.release.ID, lifecycle.InProgress), fault.FailedPrecondition, `"Audit"`, "override")

	yes, blank, why := true, "  ", "CAB-1: agreed with the auditor"
	override := func(reason *string) context.Context {
		return viewer.WithIntent(ctx, p.release.ID, viewer.Intent{Override: &yes, Reason: reason})
	}
	requireFault(t, p.move(override(&blank), p.release.ID, lifecycle.InProgress), fault.FailedPrecondition, "reason")
	// An override of another record does not apply to this one.
	other := viewer.WithIntent(ctx, p.release.ID+1, viewer.Intent{Override: &yes, Reason: &why})
	requireFault(t, p.move(other, p.release.ID, lifecycle.InProgress), fault.FailedPrecondition, `"Audit"`)

	if err := p.move(override(&why), p.release.ID, lifecycle.InProgress); err != nil {
		t.Fatal(err)
	}
	ev := c.AuditEvent.Query().Where(auditevent.EntityID(p.release.ID), auditevent.ActionEQ(auditevent.ActionTRANSITION)).
		Order(ent.Desc(auditevent.FieldID)).FirstX(ctx)
	if ev.Reason == nil || *ev.Reason != why {
		t.Fatalf("override reason not audited: %+v", ev)
	}
}

// The freeze check reads through the writer's transaction: a freeze created
// earlier in the same transaction already counts.
func TestFreezeCheckSeesTheTransactionsOwnWrites(t *testing.T) {
	p, ctx := newPortfolio(t)
	if err := p.move(ctx, p.release.ID, lifecycle.Planned); err != nil {
		t.Fatal(err)
	}
	tx, err := p.client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	tx.FreezeWindow.Create().SetName("Uncommitted").SetStartsAt(p.start).SetEndsAt(p.end).ExecX(ctx)
	requireFault(t, tx.Release.UpdateOneID(p.release.ID).SetStatus(lifecycle.InProgress).Exec(ctx),
		fault.FailedPrecondition, `"Uncommitted"`)
}

// A client built without the freeze finder cannot skip the freeze check:
// starting a release fails instead of passing unchecked.
func TestStartingNeedsTheFreezeFinder(t *testing.T) {
	p, ctx := newPortfolio(t)
	if err := p.move(ctx, p.release.ID, lifecycle.Planned); err != nil {
		t.Fatal(err)
	}
	dia := "sqlite3"
	if testdb.Postgres() {
		dia = "postgres"
	}
	bare := ent.NewClient(ent.Driver(entsql.OpenDB(dia, p.db.SQL())))
	err := bare.Release.UpdateOneID(p.release.ID).SetStatus(lifecycle.InProgress).Exec(ctx)
	var fe *fault.Error
	if err == nil || errors.As(err, &fe) || !strings.Contains(err.Error(), "FreezeFinder") {
		t.Fatalf("got %v, want an internal error naming the missing FreezeFinder", err)
	}
}

func TestDeployedNeedsProduction(t *testing.T) {
	p, ctx := newPortfolio(t)
	c := p.client
	for _, to := range []lifecycle.Status{lifecycle.Planned, lifecycle.InProgress} {
		if err := p.move(ctx, p.release.ID, to); err != nil {
			t.Fatal(err)
		}
	}
	requireFault(t, p.move(ctx, p.release.ID, lifecycle.Deployed), fault.FailedPrecondition, "PRODUCTION")

	// Promotion gates hold for the Ent client too.
	deploy := func(s lifecycle.Stage, status lifecycle.DeploymentStatus) error {
		return c.Deployment.Create().SetReleaseID(p.release.ID).SetEnvironmentID(p.envs[s].ID).SetStatus(status).Exec(ctx)
	}
	requireFault(t, deploy(lifecycle.Production, lifecycle.DeploymentSucceeded), fault.FailedPrecondition, "PRODUCTION", "DEVELOPMENT")
	for _, s := range lifecycle.Stages() {
		if err := deploy(s, lifecycle.DeploymentSucceeded); err != nil {
			t.Fatalf("deploy to %s: %v", s, err)
		}
	}
	if err := p.move(ctx, p.release.ID, lifecycle.Deployed); err != nil {
		t.Fatal(err)
	}
	requireFault(t, p.move(ctx, p.release.ID, lifecycle.Cancelled), fault.FailedPrecondition, "final")
}

// A stale expectedVersion is a CONFLICT, reported before any lifecycle rule.
func TestExpectedVersionComesFirst(t *testing.T) {
	p, ctx := newPortfolio(t)
	stale := 7
	err := p.move(viewer.WithIntent(ctx, p.release.ID, viewer.Intent{ExpectedVersion: &stale}), p.release.ID, lifecycle.Deployed)
	fe := requireFault(t, err, fault.Conflict, "version 7", "version 1")
	if fe.Extensions["currentVersion"] != 1 {
		t.Fatalf("currentVersion %v, want 1", fe.Extensions["currentVersion"])
	}
	current := 1
	if err := p.move(viewer.WithIntent(ctx, p.release.ID, viewer.Intent{ExpectedVersion: &current}), p.release.ID, lifecycle.Planned); err != nil {
		t.Fatal(err)
	}
	if v := p.client.Release.GetX(ctx, p.release.ID).Version; v != 2 {
		t.Fatalf("version %d after one transition, want 2", v)
	}
}

func TestDeletesRefusedWhileReferenced(t *testing.T) {
	p, ctx := newPortfolio(t)
	c := p.client
	c.Deployment.Create().SetReleaseID(p.release.ID).SetEnvironmentID(p.envs[lifecycle.Development].ID).ExecX(ctx)
	cases := []struct {
		name  string
		del   func() error
		wants []string
	}{
		{"application with a change and dependencies", func() error { return c.Application.DeleteOneID(p.provider.ID).Exec(ctx) },
			[]string{`application "ledger"`, "1 change", "1 dependency"}},
		{"environment with a deployment", func() error { return c.Environment.DeleteOneID(p.envs[lifecycle.Development].ID).Exec(ctx) },
			[]string{`environment "development"`, "1 deployment"}},
		{"release with a deployment", func() error { return c.Release.DeleteOneID(p.release.ID).Exec(ctx) },
			[]string{`release "R1"`, "1 deployment", "cancelled"}},
		{"bulk delete of applications", func() error { _, err := c.Application.Delete().Exec(ctx); return err },
			[]string{"still referenced"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			requireFault(t, tc.del(), fault.Conflict, tc.wants...)
		})
	}
	if n := c.Application.Query().CountX(ctx); n != 2 {
		t.Fatalf("%d applications left, want 2", n)
	}
}

func TestFieldRulesHoldForEveryWriter(t *testing.T) {
	p, ctx := newPortfolio(t)
	c := p.client
	cases := []struct {
		name  string
		write func() error
		code  fault.Code
		field string
	}{
		{"blank name", func() error { return c.Application.Create().SetName("   ").Exec(ctx) }, fault.BadUserInput, "name"},
		{"name too long", func() error { return c.Application.Create().SetName(strings.Repeat("x", 201)).Exec(ctx) }, fault.BadUserInput, "name"},
		{"NUL in text", func() error { return c.Application.Create().SetName("a\x00b").Exec(ctx) }, fault.BadUserInput, "name"},
		{"self-dependency", func() error {
			return c.Dependency.Create().SetConsumerID(p.provider.ID).SetProviderID(p.provider.ID).Exec(ctx)
		}, fault.BadUserInput, "providerID"},
		{"repeated dependency", func() error {
			return c.Dependency.Create().SetConsumerID(p.consumer.ID).SetProviderID(p.provider.ID).Exec(ctx)
		}, fault.Conflict, "providerID"},
		{"change without applications", func() error { return c.Change.Create().SetTitle("nothing").Exec(ctx) }, fault.BadUserInput, "applicationIDs"},
		{"change losing its last application", func() error {
			return c.Change.UpdateOneID(p.change.ID).RemoveApplicationIDs(p.provider.ID).Exec(ctx)
		}, fault.BadUserInput, "removeApplicationIDs"},
		{"window ending before it starts", func() error {
			return c.Release.UpdateOneID(p.release.ID).SetEndsAt(p.start.Add(-time.Hour)).Exec(ctx)
		}, fault.BadUserInput, "endsAt"},
		{"freeze ending before it starts", func() error {
			return c.FreezeWindow.Create().SetName("f").SetStartsAt(p.end).SetEndsAt(p.start).Exec(ctx)
		}, fault.BadUserInput, "endsAt"},
		{"unknown stage", func() error {
			return c.Release.UpdateOneID(p.release.ID).SetStages([]lifecycle.Stage{"STAGING"}).Exec(ctx)
		}, fault.BadUserInput, "stages"},
		{"rewriting the audit trail", func() error { _, err := c.AuditEvent.Delete().Exec(ctx); return err }, fault.FailedPrecondition, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.write()
			var ve *ent.ValidationError
			if errors.As(err, &ve) {
				// Ent reports validator failures wrapped; the rule's fault is inside.
				if got := ve.Name; !strings.EqualFold(strings.ReplaceAll(got, "_", ""), tc.field) {
					t.Errorf("validation error on %s, want %s", got, tc.field)
				}
			}
			fe := requireFault(t, err, tc.code)
			if ve == nil && fe.Field != tc.field {
				t.Errorf("field %q, want %q", fe.Field, tc.field)
			}
		})
	}
}

// The audit trail is written in the write's own transaction: a rolled-back
// write leaves no event, a committed one leaves exactly one.
func TestAuditEventsShareTheWritesTransaction(t *testing.T) {
	p, ctx := newPortfolio(t)
	c := p.client
	before := c.AuditEvent.Query().CountX(ctx)
	tx, err := c.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tx.Application.Create().SetName("rolled-back").ExecX(ctx)
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n := c.AuditEvent.Query().CountX(ctx); n != before {
		t.Fatalf("a rolled-back write left %d audit events", n-before)
	}
	c.Application.UpdateOneID(p.consumer.ID).SetOwner("Finance").ExecX(ctx)
	ev := c.AuditEvent.Query().Where(auditevent.EntityID(p.consumer.ID)).Order(ent.Desc(auditevent.FieldID)).FirstX(ctx)
	owner, _ := ev.Changes["owner"].(map[string]any)
	if ev.Action != auditevent.ActionUPDATE || ev.Actor != "script" || owner["old"] != "" || owner["new"] != "Finance" {
		t.Fatalf("update audited as %+v", ev)
	}
}

// Links have one owner: a change's applications are written through the
// change, a deployment's release and environment when it is created. The
// other ends (and the edge schema's own client) refuse to write them.
func TestLinksAreWrittenByTheirOwner(t *testing.T) {
	p, ctx := newPortfolio(t)
	c := p.client
	dep := c.Deployment.Create().SetReleaseID(p.release.ID).SetEnvironmentID(p.envs[lifecycle.Development].ID).SaveX(ctx)
	other := c.Release.Create().SetName("R2").SaveX(ctx)
	doors := map[string]func() error{
		"unlink through the edge schema": func() error {
			_, err := c.ChangeApplication.Delete().Where(changeapplication.ChangeID(p.change.ID)).Exec(ctx)
			return err
		},
		"link through the edge schema": func() error {
			return c.ChangeApplication.Create().SetChangeID(p.change.ID).SetApplicationID(p.consumer.ID).Exec(ctx)
		},
		"clear an application's changes": func() error { return c.Application.UpdateOneID(p.provider.ID).ClearChanges().Exec(ctx) },
		"clear an application's freezes": func() error {
			return c.Application.UpdateOneID(p.provider.ID).ClearFreezeWindows().Exec(ctx)
		},
		"move a deployment to another release": func() error {
			return c.Release.UpdateOneID(other.ID).AddDeploymentIDs(dep.ID).Exec(ctx)
		},
		"move a deployment to another environment": func() error {
			return c.Environment.UpdateOneID(p.envs[lifecycle.Production].ID).AddDeploymentIDs(dep.ID).Exec(ctx)
		},
	}
	for name, door := range doors {
		t.Run(name, func(t *testing.T) {
			requireFault(t, door(), fault.FailedPrecondition)
		})
	}
	if n := c.Change.QueryApplications(p.change).CountX(ctx); n != 1 {
		t.Fatalf("the change touches %d applications, want 1", n)
	}
	if got := c.Deployment.GetX(ctx, dep.ID); got.ReleaseID != p.release.ID || got.EnvironmentID != p.envs[lifecycle.Development].ID {
		t.Fatalf("the deployment moved: %+v", got)
	}
}

// The audit trail records the edges a write asked for, even when a hook
// carries them out another way (a release's changes are moved by updating
// the changes themselves).
func TestAuditRecordsRequestedEdges(t *testing.T) {
	p, ctx := newPortfolio(t)
	c := p.client
	ch := c.Change.Create().SetTitle("unscheduled").AddApplicationIDs(p.consumer.ID).SaveX(ctx)
	rel := c.Release.Create().SetName("R2").AddChangeIDs(ch.ID).SaveX(ctx)
	ev := c.AuditEvent.Query().Where(auditevent.EntityID(rel.ID), auditevent.ActionEQ(auditevent.ActionCREATE)).OnlyX(ctx)
	changes, _ := ev.Changes["changes"].(map[string]any)
	if added, _ := changes["added"].([]any); len(added) != 1 || added[0] != float64(ch.ID) {
		t.Fatalf("release creation audited as %v, want changes added [%d]", ev.Changes, ch.ID)
	}
	if got := c.Change.GetX(ctx, ch.ID).ReleaseID; got == nil || *got != rel.ID {
		t.Fatalf("change not scheduled: %v", got)
	}
}

// A bulk delete of releases lets go of their changes like a single one, and
// one that matches no release deletes nothing, without an error.
func TestBulkReleaseDeletes(t *testing.T) {
	p, ctx := newPortfolio(t)
	n, err := p.client.Release.Delete().Where(release.Name("nope")).Exec(ctx)
	if err != nil || n != 0 {
		t.Fatalf("deleting no release: %d, %v", n, err)
	}
	if n, err = p.client.Release.Delete().Where(release.ID(p.release.ID)).Exec(ctx); err != nil || n != 1 {
		t.Fatalf("deleting the release: %d, %v", n, err)
	}
	if c := p.client.Change.GetX(ctx, p.change.ID); c.ReleaseID != nil || c.Version != 2 {
		t.Fatalf("its change: release %v, version %d; want unscheduled at version 2", c.ReleaseID, c.Version)
	}
}
