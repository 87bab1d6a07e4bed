package store_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/internal/events"
	"github.com/relgraph/relgraph/internal/testdb"
	"github.com/relgraph/relgraph/store"
)

// openSQLite opens and migrates the SQLite file path, closed when the test
// ends.
func openSQLite(t *testing.T, path string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// receive reads n events from sub, failing after timeout.
func receive(t *testing.T, sub *events.Subscription, n int, timeout time.Duration) []events.Event {
	t.Helper()
	var got []events.Event
	deadline := time.After(timeout)
	for len(got) < n {
		select {
		case e, ok := <-sub.C:
			if !ok {
				t.Fatalf("subscription ended after %d of %d events: %v", len(got), n, sub.Err())
			}
			got = append(got, e)
		case <-deadline:
			t.Fatalf("got %d of %d events within %v: %+v", len(got), n, timeout, got)
		}
	}
	return got
}

// none checks that sub receives nothing for a while.
func none(t *testing.T, sub *events.Subscription, wait time.Duration) {
	t.Helper()
	select {
	case e := <-sub.C:
		t.Fatalf("unexpected event %+v", e)
	case <-time.After(wait):
	}
}

var errRefused = errors.New("refused")

// On SQLite a Tail delivers what any connection to the file commits (here a
// second pool, as another process would), in commit order, once, a batch
// at a time; a rolled-back transaction sends nothing; a commit of the
// server's own is delivered as soon as Publish wakes the tail, and not
// twice.
func TestTailDeliversCommittedEventsOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path := filepath.Join(t.TempDir(), "relgraph.db")
	server := openSQLite(t, path)
	server.Client.Application.Create().SetName("before").ExecX(ctx)
	other := openSQLite(t, path)

	broker := events.NewBroker(events.Options{Buffer: 2000})
	if _, err := events.StartTail(ctx, broker, server, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	sub, err := broker.Subscribe(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}

	// More than one read's batch, written elsewhere.
	const n = 1200
	err = other.WithTx(ctx, func(ctx context.Context, c *ent.Client) error {
		for i := range n {
			if err := c.Application.Create().SetName(fmt.Sprintf("imported-%04d", i)).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := receive(t, sub, n, 3*time.Second)
	for i, e := range got {
		if e.Kind != "CREATE" || e.EntityType != ent.TypeApplication || (i > 0 && e.ID <= got[i-1].ID) {
			t.Fatalf("event %d: %+v after %+v", i, e, got[max(i-1, 0)])
		}
	}

	err = other.WithTx(ctx, func(ctx context.Context, c *ent.Client) error {
		c.Application.Create().SetName("rolled-back").ExecX(ctx)
		return errRefused
	})
	if !errors.Is(err, errRefused) {
		t.Fatal(err)
	}
	none(t, sub, 3*events.TailInterval)

	// A write of the server's own: Publish wakes the tail, which delivers
	// it once, long before its next look.
	app := server.Client.Application.Create().SetName("own").SaveX(ctx)
	start := time.Now()
	// The tail delivers the event as the audit trail has it.
	broker.Publish([]events.Event{{EntityID: app.ID}})
	if e := receive(t, sub, 1, 3*time.Second)[0]; e.EntityID != app.ID || e.ID <= got[n-1].ID {
		t.Fatalf("got %+v", e)
	}
	if took := time.Since(start); took > 10*events.TailInterval {
		t.Errorf("the server's own write took %v", took)
	}
	none(t, sub, 3*events.TailInterval)
}

// On PostgreSQL WithTx announces its events with NOTIFY inside the
// transaction: every listening process delivers them, its own included,
// once; a transaction that rolls back sends nothing.
func TestWithTxNotifiesOnlyWhatCommits(t *testing.T) {
	if !testdb.Postgres() {
		t.Skip("needs PostgreSQL: set " + testdb.PostgresEnv)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := testdb.Open(t)
	broker := events.NewBroker(events.Options{Buffer: 1024}) // room for all 300: a loaded machine must not make the subscriber "slow"
	events.StartBridge(ctx, broker, db.ConnectPostgres, slog.New(slog.DiscardHandler))
	sub, err := broker.Subscribe(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}

	err = db.WithTx(ctx, func(ctx context.Context, c *ent.Client) error {
		c.Application.Create().SetName("rolled-back").ExecX(ctx)
		return errRefused
	})
	if !errors.Is(err, errRefused) {
		t.Fatal(err)
	}
	none(t, sub, 500*time.Millisecond)

	// Enough events for several payloads.
	const n = 300
	err = db.WithTx(ctx, func(ctx context.Context, c *ent.Client) error {
		for i := range n {
			if err := c.Application.Create().SetName(fmt.Sprintf("imported-%04d", i)).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := receive(t, sub, n, 5*time.Second)
	for i, e := range got {
		if e.Kind != "CREATE" || e.EntityType != ent.TypeApplication || (i > 0 && e.ID <= got[i-1].ID) {
			t.Fatalf("event %d: %+v", i, e)
		}
	}
	none(t, sub, 500*time.Millisecond)
}

// Events names the release each written record belongs to: from the
// record's own releaseID change when it moved, otherwise the release it is
// in now (a deployment plan's step: its plan's); a release itself and
// records of no release name none.
func TestEventsNameTheReleasesOfTheirRecords(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t)
	c := db.Client
	app := c.Application.Create().SetName("a").SaveX(ctx)
	r1 := c.Release.Create().SetName("R1").SaveX(ctx)
	r2 := c.Release.Create().SetName("R2").SaveX(ctx)
	env := c.Environment.Create().SetName("dev").SetStage("DEVELOPMENT").SaveX(ctx)
	ch := c.Change.Create().SetTitle("c").AddApplicationIDs(app.ID).SetReleaseID(r1.ID).SaveX(ctx)
	c.Change.UpdateOneID(ch.ID).SetReleaseID(r2.ID).ExecX(ctx)
	c.Change.UpdateOneID(ch.ID).SetTitle("c2").ExecX(ctx)
	plan := c.DeploymentPlan.Create().SetReleaseID(r2.ID).SetEnvironmentID(env.ID).SaveX(ctx)
	step := c.DeploymentStep.Create().SetPlanID(plan.ID).SetApplicationID(app.ID).SetKind("DEPLOY").SetWave(1).SetPosition(1).SaveX(ctx)
	c.DeploymentStep.UpdateOneID(step.ID).SetNotes("n").ExecX(ctx)

	written := c.AuditEvent.Query().Order(ent.Asc("id")).AllX(ctx)
	got, err := store.Events(ctx, c, written)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, e := range got {
		lines = append(lines, fmt.Sprintf("%s %s %v", e.Kind, e.EntityType, e.Releases))
	}
	want := []string{
		"CREATE Application []", "CREATE Release []", "CREATE Release []", "CREATE Environment []",
		fmt.Sprintf("CREATE Change [%d]", r1.ID),
		fmt.Sprintf("UPDATE Change [%d %d]", r1.ID, r2.ID), // moved: both
		fmt.Sprintf("UPDATE Change [%d]", r2.ID),           // edited where it is
		fmt.Sprintf("CREATE DeploymentPlan [%d]", r2.ID),
		fmt.Sprintf("CREATE DeploymentStep [%d]", r2.ID),
		fmt.Sprintf("UPDATE DeploymentStep [%d]", r2.ID),
	}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Fatalf("events:\n%v\nwant:\n%v", lines, want)
	}
}
