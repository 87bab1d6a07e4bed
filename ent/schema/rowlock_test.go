package schema_test

// Two transactions writing one record take turns, and the second judges
// its write against what the first committed (lockRows). SQLite serializes
// writers anyway (BEGIN IMMEDIATE); these tests matter on PostgreSQL at
// READ COMMITTED (RELGRAPH_TEST_POSTGRES), where without the row lock the
// second writer's hooks read the record before waiting for the first.

import (
	"context"
	"testing"
	"time"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/auditevent"
	"github.com/relgraph/relgraph/ent/change"
	"github.com/relgraph/relgraph/ent/schema"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/internal/testdb"
	"github.com/relgraph/relgraph/lifecycle"
)

// overlap runs first in a transaction it holds open, then starts second in
// a transaction of its own (store.DB.WithTx, as a GraphQL mutation runs),
// checks that second waits, commits first and returns second's result.
func overlap(t *testing.T, p *portfolio, ctx context.Context, first, second func(ctx context.Context, c *ent.Client) error) error {
	t.Helper()
	tx, err := p.client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := first(ctx, tx.Client()); err != nil {
		t.Fatalf("first writer: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		done <- p.db.WithTx(ctx, second)
	}()
	select {
	case err := <-done:
		t.Fatalf("the second writer did not wait for the first: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("the second writer never finished")
	}
	return nil
}

// readyToDeploy starts p's release and deploys it to every stage: it may
// become DEPLOYED or CANCELLED.
func readyToDeploy(t *testing.T, p *portfolio, ctx context.Context) {
	t.Helper()
	id := p.release.ID
	for _, to := range []lifecycle.Status{lifecycle.Planned, lifecycle.InProgress} {
		if err := p.move(ctx, id, to); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range lifecycle.Stages() {
		p.client.Deployment.Create().SetReleaseID(id).SetEnvironmentID(p.envs[s].ID).
			SetStatus(lifecycle.DeploymentSucceeded).ExecX(ctx)
	}
}

// The audit trail of a record written by two overlapping transactions is a
// chain: the second event's old value is the first event's new one, what
// the second writer really overwrote.
func TestOverlappingUpdatesChainInTheAuditTrail(t *testing.T) {
	p, ctx := newPortfolio(t)
	id := p.consumer.ID
	describe := func(text string) func(ctx context.Context, c *ent.Client) error {
		return func(ctx context.Context, c *ent.Client) error {
			return c.Application.UpdateOneID(id).SetDescription(text).Exec(ctx)
		}
	}
	if err := overlap(t, p, ctx, describe("first"), describe("second")); err != nil {
		t.Fatalf("second writer: %v", err)
	}
	events := p.client.AuditEvent.Query().
		Where(auditevent.EntityID(id), auditevent.ActionEQ(auditevent.ActionUPDATE)).
		Order(ent.Asc(auditevent.FieldID)).AllX(ctx)
	if len(events) != 2 {
		t.Fatalf("%d update events, want 2", len(events))
	}
	var got [2]map[string]any
	for i, e := range events {
		got[i], _ = e.Changes["description"].(map[string]any)
	}
	if got[0]["old"] != "" || got[0]["new"] != "first" || got[1]["old"] != "first" || got[1]["new"] != "second" {
		t.Fatalf("description audited as %v then %v, want \"\" → first then first → second", got[0], got[1])
	}
	if v := p.client.Application.GetX(ctx, id).Version; v != 3 {
		t.Fatalf("version %d after two updates, want 3", v)
	}
}

// Two overlapping transitions of one IN_PROGRESS release, to DEPLOYED and
// to CANCELLED, are each legal from IN_PROGRESS, but not both: the second
// is judged against the first's final status and refused.
func TestOverlappingTransitionsCannotBothWin(t *testing.T) {
	for _, tc := range []struct{ first, second lifecycle.Status }{
		{lifecycle.Deployed, lifecycle.Cancelled},
		{lifecycle.Cancelled, lifecycle.Deployed},
	} {
		t.Run(string(tc.first)+" first", func(t *testing.T) {
			p, ctx := newPortfolio(t)
			id := p.release.ID
			readyToDeploy(t, p, ctx)
			move := func(to lifecycle.Status) func(ctx context.Context, c *ent.Client) error {
				return func(ctx context.Context, c *ent.Client) error {
					return c.Release.UpdateOneID(id).SetStatus(to).Exec(ctx)
				}
			}
			err := overlap(t, p, ctx, move(tc.first), move(tc.second))
			requireFault(t, err, fault.FailedPrecondition, string(tc.first)+" is a final status")
			if got := p.client.Release.GetX(ctx, id).Status; got != tc.first {
				t.Fatalf("release %s, want %s (the first writer's)", got, tc.first)
			}
			n := p.client.AuditEvent.Query().
				Where(auditevent.EntityID(id), auditevent.ActionEQ(auditevent.ActionTRANSITION)).CountX(ctx)
			if n != 3 {
				t.Fatalf("%d transitions audited, want 3 (PLANNED, IN_PROGRESS, %s)", n, tc.first)
			}
		})
	}
}

// A release and its records take turns: a change cannot join a release
// whose transition to DEPLOYED is being written, and a transition to
// IN_PROGRESS is judged on the changes left once an overlapping write took
// the release's only change away.
func TestReleaseAndItsRecordsTakeTurns(t *testing.T) {
	t.Run("a change joins a release becoming DEPLOYED", func(t *testing.T) {
		p, ctx := newPortfolio(t)
		id := p.release.ID
		readyToDeploy(t, p, ctx)
		err := overlap(t, p, ctx,
			func(ctx context.Context, c *ent.Client) error {
				return c.Release.UpdateOneID(id).SetStatus(lifecycle.Deployed).Exec(ctx)
			},
			func(ctx context.Context, c *ent.Client) error {
				return c.Change.Create().SetTitle("Late").AddApplicationIDs(p.consumer.ID).SetReleaseID(id).Exec(ctx)
			})
		requireFault(t, err, fault.FailedPrecondition, "read-only history")
		if n := p.client.Change.Query().Where(change.ReleaseID(id)).CountX(ctx); n != 1 {
			t.Fatalf("the DEPLOYED release has %d changes, want its 1", n)
		}
	})
	t.Run("a release starts as its only change leaves", func(t *testing.T) {
		p, ctx := newPortfolio(t)
		id := p.release.ID
		if err := p.move(ctx, id, lifecycle.Planned); err != nil {
			t.Fatal(err)
		}
		err := overlap(t, p, ctx,
			func(ctx context.Context, c *ent.Client) error {
				return c.Change.UpdateOneID(p.change.ID).ClearReleaseID().Exec(ctx)
			},
			func(ctx context.Context, c *ent.Client) error {
				return c.Release.UpdateOneID(id).SetStatus(lifecycle.InProgress).Exec(ctx)
			})
		requireFault(t, err, fault.FailedPrecondition, "at least one change")
		if got := p.client.Release.GetX(ctx, id).Status; got != lifecycle.Planned {
			t.Fatalf("release %s, want PLANNED", got)
		}
	})
}

// A release being edited is locked as its UPDATE would lock it (FOR NO KEY
// UPDATE), not more: a write that only references it, such as adding it to
// a package (a foreign key's FOR KEY SHARE), goes ahead meanwhile.
func TestEditingAReleaseDoesNotHoldUpReferences(t *testing.T) {
	if !testdb.Postgres() {
		t.Skip("SQLite has one writer at a time: needs PostgreSQL, set " + testdb.PostgresEnv)
	}
	p, ctx := newPortfolio(t)
	id := p.release.ID
	pkg := p.client.ReleasePackage.Create().SetName("P").SaveX(ctx)
	tx, err := p.client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// As a GraphQL mutation runs: with a journal, so that its generation
	// bumps wait for the commit.
	jctx, _ := schema.WithJournal(ctx)
	if err := tx.Release.UpdateOneID(id).SetDescription("held").Exec(ent.NewTxContext(jctx, tx)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- p.db.WithTx(ctx, func(ctx context.Context, c *ent.Client) error {
			return c.ReleasePackage.UpdateOneID(pkg.ID).AddReleaseIDs(id).Exec(ctx)
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("adding the release to a package: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("adding a release to a package waited for an edit of the release")
	}
}

// The everyday pair, a release adding a change and the change joining the
// release, written at once many times: one waits for the other, neither
// deadlocks.
func TestAddingAndJoiningAChangeDoNotDeadlock(t *testing.T) {
	p, ctx := newPortfolio(t)
	id := p.release.ID
	for range 20 {
		c := p.client.Change.Create().SetTitle("free").AddApplicationIDs(p.consumer.ID).SaveX(ctx)
		errs := make(chan error, 2)
		go func() {
			errs <- p.db.WithTx(ctx, func(ctx context.Context, cl *ent.Client) error {
				return cl.Release.UpdateOneID(id).AddChangeIDs(c.ID).Exec(ctx)
			})
		}()
		go func() {
			errs <- p.db.WithTx(ctx, func(ctx context.Context, cl *ent.Client) error {
				return cl.Change.UpdateOneID(c.ID).SetReleaseID(id).Exec(ctx)
			})
		}()
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatalf("change %d: %v", c.ID, err)
			}
		}
	}
}

// Two transactions each take a different change out of an IN_PROGRESS
// release with two changes: each alone is allowed, together they leave the
// release with none, which checkLeaving forbids.
func TestConcurrentLeavesKeepOneChange(t *testing.T) {
	if !testdb.Postgres() {
		t.Skip("SQLite has one writer at a time: needs PostgreSQL, set " + testdb.PostgresEnv)
	}
	p, ctx := newPortfolio(t)
	id := p.release.ID
	second := p.client.Change.Create().SetTitle("second").AddApplicationIDs(p.consumer.ID).SetReleaseID(id).SaveX(ctx)
	for _, to := range []lifecycle.Status{lifecycle.Planned, lifecycle.InProgress} {
		if err := p.move(ctx, id, to); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := p.client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := tx.Change.UpdateOneID(p.change.ID).ClearReleaseID().Exec(ctx); err != nil {
		t.Fatalf("first leave: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		tx2, err := p.client.Tx(ctx)
		if err != nil {
			done <- err
			return
		}
		if err := tx2.Change.UpdateOneID(second.ID).ClearReleaseID().Exec(ctx); err != nil {
			tx2.Rollback()
			done <- err
			return
		}
		done <- tx2.Commit()
	}()
	time.Sleep(500 * time.Millisecond)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	err2 := <-done
	n := p.client.Change.Query().Where(change.ReleaseID(id)).CountX(ctx)
	st := p.client.Release.GetX(ctx, id).Status
	if n == 0 {
		t.Fatalf("release %s left with no change (second leave: %v)", st, err2)
	}
	requireFault(t, err2, fault.FailedPrecondition, "keeps at least one change")
}

// Two transactions each write a change of a release, then the release
// (as one GraphQL mutation document updateChange + updateRelease does).
func TestChangeThenReleaseDoNotDeadlock(t *testing.T) {
	if !testdb.Postgres() {
		t.Skip("SQLite has one writer at a time: needs PostgreSQL, set " + testdb.PostgresEnv)
	}
	p, ctx := newPortfolio(t)
	id := p.release.ID
	second := p.client.Change.Create().SetTitle("second").AddApplicationIDs(p.consumer.ID).SetReleaseID(id).SaveX(ctx)
	t1, err := p.client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer t1.Rollback()
	t2, err := p.client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer t2.Rollback()
	j1, _ := schema.WithJournal(ctx)
	j2, _ := schema.WithJournal(ctx)
	c1, c2 := ent.NewTxContext(j1, t1), ent.NewTxContext(j2, t2)
	if err := t1.Change.UpdateOneID(p.change.ID).SetTitle("one").Exec(c1); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		if err := t2.Change.UpdateOneID(second.ID).SetTitle("two").Exec(c2); err != nil {
			done <- err
			return
		}
		done <- t2.Release.UpdateOneID(id).SetDescription("two").Exec(c2)
	}()
	time.Sleep(500 * time.Millisecond)
	err1 := t1.Release.UpdateOneID(id).SetDescription("one").Exec(c1)
	if err1 == nil {
		err1 = t1.Commit()
	} else {
		t1.Rollback()
	}
	err2 := <-done
	if err1 != nil || err2 != nil {
		t.Fatalf("a writer failed: first %v, second %v", err1, err2)
	}
}

// A change that moves to another release while a write of it waits for its
// row is judged with that release locked too: here the write would take
// the change out of the release it just joined while another transaction
// takes out that release's other change, and one of the two must be
// refused.
func TestAWriteLocksTheReleaseItsRecordMovedTo(t *testing.T) {
	if !testdb.Postgres() {
		t.Skip("SQLite has one writer at a time: needs PostgreSQL, set " + testdb.PostgresEnv)
	}
	p, ctx := newPortfolio(t)
	id := p.release.ID
	for _, to := range []lifecycle.Status{lifecycle.Planned, lifecycle.InProgress} {
		if err := p.move(ctx, id, to); err != nil {
			t.Fatal(err)
		}
	}
	other := p.client.Release.Create().SetName("R2").SaveX(ctx)
	moving := p.client.Change.Create().SetTitle("moving").AddApplicationIDs(p.consumer.ID).SetReleaseID(other.ID).SaveX(ctx)

	tx1, err := p.client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback()
	if err := tx1.Change.UpdateOneID(moving.ID).SetReleaseID(id).Exec(ctx); err != nil {
		t.Fatalf("joining: %v", err)
	}
	leaving := make(chan error, 1)
	go func() {
		leaving <- p.db.WithTx(ctx, func(ctx context.Context, c *ent.Client) error {
			return c.Change.UpdateOneID(moving.ID).ClearReleaseID().Exec(ctx)
		})
	}()
	time.Sleep(300 * time.Millisecond) // waits for the moving change's row
	tx2, err := p.client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx2.Rollback()
	firstLeaves := make(chan error, 1)
	go func() { firstLeaves <- tx2.Change.UpdateOneID(p.change.ID).ClearReleaseID().Exec(ctx) }()
	time.Sleep(300 * time.Millisecond) // waits for the release
	if err := tx1.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-firstLeaves; err != nil {
		t.Fatalf("the release's first change leaving: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	if err := tx2.Commit(); err != nil {
		t.Fatal(err)
	}
	err = <-leaving
	if n := p.client.Change.Query().Where(change.ReleaseID(id)).CountX(ctx); n == 0 {
		t.Fatalf("the IN_PROGRESS release was left with no change (the moved change's leave: %v)", err)
	}
	requireFault(t, err, fault.FailedPrecondition, "keeps at least one change")
}
