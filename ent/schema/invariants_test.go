package schema_test

// The side doors of the release lifecycle, tried through the Ent client as
// a Go program or an importer would: the same refusals as through GraphQL
// (graph/invariants_test.go), with nothing written.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/internal/viewer"
	"github.com/relgraph/relgraph/lifecycle"
)

// refused requires write to fail with code, naming mentions, and to leave
// the audit trail (and so every record) as it was.
func (p *portfolio) refused(t *testing.T, ctx context.Context, code fault.Code, write func() error, mentions ...string) {
	t.Helper()
	before := p.client.AuditEvent.Query().CountX(ctx)
	requireFault(t, write(), code, mentions...)
	if after := p.client.AuditEvent.Query().CountX(ctx); after != before {
		t.Fatalf("a refused write left %d audit events", after-before)
	}
}

// freeze puts a freeze on the consumer over [from, to).
func (p *portfolio) freeze(t *testing.T, ctx context.Context, from, to time.Time) *ent.FreezeWindow {
	t.Helper()
	return p.client.FreezeWindow.Create().SetName("Audit").SetStartsAt(from).SetEndsAt(to).
		AddApplicationIDs(p.consumer.ID).SaveX(ctx)
}

func (p *portfolio) begin(t *testing.T, ctx context.Context) {
	t.Helper()
	for _, to := range []lifecycle.Status{lifecycle.Planned, lifecycle.InProgress} {
		if err := p.move(ctx, p.release.ID, to); err != nil {
			t.Fatal(err)
		}
	}
}

func (p *portfolio) deploy(ctx context.Context, s lifecycle.Stage, status lifecycle.DeploymentStatus) (*ent.Deployment, error) {
	return p.client.Deployment.Create().SetReleaseID(p.release.ID).SetEnvironmentID(p.envs[s].ID).SetStatus(status).Save(ctx)
}

func override(ctx context.Context, id int, reason string) context.Context {
	yes := true
	return viewer.WithIntent(ctx, id, viewer.Intent{Override: &yes, Reason: &reason})
}

func TestEntFreezeDodgesAreClosed(t *testing.T) {
	later := func(p *portfolio, d time.Duration) time.Time { return p.end.Add(d) }
	t.Run("clear the window, then start", func(t *testing.T) {
		p, ctx := newPortfolio(t)
		if err := p.move(ctx, p.release.ID, lifecycle.Planned); err != nil {
			t.Fatal(err)
		}
		p.client.Release.UpdateOneID(p.release.ID).ClearStartsAt().ClearEndsAt().ExecX(ctx)
		p.refused(t, ctx, fault.FailedPrecondition, func() error { return p.move(ctx, p.release.ID, lifecycle.InProgress) }, "window")
	})
	t.Run("move a started release's window into a freeze", func(t *testing.T) {
		p, ctx := newPortfolio(t)
		p.freeze(t, ctx, later(p, time.Hour), later(p, 48*time.Hour))
		p.begin(t, ctx)
		move := func(ctx context.Context) error {
			return p.client.Release.UpdateOneID(p.release.ID).SetEndsAt(later(p, 24*time.Hour)).Exec(ctx)
		}
		p.refused(t, ctx, fault.FailedPrecondition, func() error { return move(ctx) }, `"Audit"`)
		if err := move(override(ctx, p.release.ID, "agreed")); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a change carries a started release into a freeze", func(t *testing.T) {
		p, ctx := newPortfolio(t)
		p.freeze(t, ctx, p.start, p.end)
		other := p.client.Application.Create().SetName("other").SaveX(ctx)
		p.client.Change.UpdateOneID(p.change.ID).AddApplicationIDs(other.ID).RemoveApplicationIDs(p.provider.ID).ExecX(ctx)
		p.begin(t, ctx)
		p.refused(t, ctx, fault.FailedPrecondition, func() error {
			return p.client.Change.UpdateOneID(p.change.ID).AddApplicationIDs(p.provider.ID).Exec(ctx)
		}, `"Audit"`)
		p.refused(t, ctx, fault.FailedPrecondition, func() error {
			return p.client.Change.Create().SetTitle("sneak").AddApplicationIDs(p.consumer.ID).SetReleaseID(p.release.ID).Exec(ctx)
		}, `"Audit"`)
	})
	t.Run("deployment windows meet freezes", func(t *testing.T) {
		p, ctx := newPortfolio(t)
		p.freeze(t, ctx, later(p, time.Hour), later(p, 48*time.Hour))
		if err := p.move(ctx, p.release.ID, lifecycle.Planned); err != nil {
			t.Fatal(err)
		}
		book := func(ctx context.Context) error {
			return p.client.Deployment.Create().SetReleaseID(p.release.ID).SetEnvironmentID(p.envs[lifecycle.Development].ID).
				SetStartsAt(later(p, 2*time.Hour)).SetEndsAt(later(p, 3*time.Hour)).Exec(ctx)
		}
		p.refused(t, ctx, fault.FailedPrecondition, func() error { return book(ctx) }, `"Audit"`)
		if err := book(override(ctx, viewer.NewRecord, "dev only")); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a new dependency carries a started release into a freeze", func(t *testing.T) {
		p, ctx := newPortfolio(t)
		p.freeze(t, ctx, p.start, p.end)
		p.client.Dependency.Delete().ExecX(ctx)
		p.begin(t, ctx)
		link := func(ctx context.Context) error {
			return p.client.Dependency.Create().SetConsumerID(p.consumer.ID).SetProviderID(p.provider.ID).Exec(ctx)
		}
		p.refused(t, ctx, fault.FailedPrecondition, func() error { return link(ctx) }, `"R1"`, `"Audit"`)
		if err := link(override(ctx, viewer.NewRecord, "agreed")); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("restore a shortened freeze over a started release", func(t *testing.T) {
		p, ctx := newPortfolio(t)
		f := p.freeze(t, ctx, later(p, time.Hour), later(p, 48*time.Hour))
		p.begin(t, ctx)
		restore := func(ctx context.Context) error {
			return p.client.FreezeWindow.UpdateOneID(f.ID).SetStartsAt(p.start).Exec(ctx)
		}
		p.refused(t, ctx, fault.FailedPrecondition, func() error { return restore(ctx) }, `"R1"`)
		p.refused(t, ctx, fault.FailedPrecondition, func() error {
			return p.client.FreezeWindow.Create().SetName("All").SetStartsAt(p.start).SetEndsAt(p.end).Exec(ctx)
		}, `"R1"`)
		if err := restore(override(ctx, f.ID, "brought forward")); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("override reasons must say something", func(t *testing.T) {
		p, ctx := newPortfolio(t)
		p.freeze(t, ctx, p.start, p.end)
		if err := p.move(ctx, p.release.ID, lifecycle.Planned); err != nil {
			t.Fatal(err)
		}
		start := func(reason string) error {
			return p.move(override(ctx, p.release.ID, reason), p.release.ID, lifecycle.InProgress)
		}
		p.refused(t, ctx, fault.FailedPrecondition, func() error { return start("\u200b") }, "reason")
		p.refused(t, ctx, fault.BadUserInput, func() error { return start("\u0000") })
		p.refused(t, ctx, fault.BadUserInput, func() error { return start(strings.Repeat("x", 1001)) })
		// The audit trail itself refuses unfit text, whoever writes it.
		p.refused(t, ctx, fault.BadUserInput, func() error {
			return p.client.AuditEvent.Create().SetActor("a\u0000").SetAction("UPDATE").SetEntityType("Release").SetEntityID(1).
				SetChanges(map[string]any{}).Exec(ctx)
		})
	})
}

func TestEntGateDodgesAreClosed(t *testing.T) {
	p, ctx := newPortfolio(t)
	p.begin(t, ctx)
	p.refused(t, ctx, fault.FailedPrecondition, func() error {
		return p.client.Release.UpdateOneID(p.release.ID).SetStages([]lifecycle.Stage{lifecycle.Production}).Exec(ctx)
	}, "stages")
	dev, err := p.deploy(ctx, lifecycle.Development, lifecycle.DeploymentSucceeded)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.deploy(ctx, lifecycle.SystemTest, lifecycle.DeploymentInProgress); err != nil {
		t.Fatal(err)
	}
	p.refused(t, ctx, fault.FailedPrecondition, func() error { return p.client.Deployment.DeleteOneID(dev.ID).Exec(ctx) }, "DEVELOPMENT")
	p.refused(t, ctx, fault.FailedPrecondition, func() error {
		return p.client.Deployment.UpdateOneID(dev.ID).SetStatus(lifecycle.DeploymentRolledBack).Exec(ctx)
	}, "DEVELOPMENT")
}

func TestEntFinalReleasesAreHistory(t *testing.T) {
	p, ctx := newPortfolio(t)
	c := p.client
	p.begin(t, ctx)
	var prod *ent.Deployment
	for _, s := range lifecycle.Stages() {
		d, err := p.deploy(ctx, s, lifecycle.DeploymentSucceeded)
		if err != nil {
			t.Fatal(err)
		}
		prod = d
	}
	if err := p.move(ctx, p.release.ID, lifecycle.Deployed); err != nil {
		t.Fatal(err)
	}
	other := c.Release.Create().SetName("R2").SaveX(ctx)
	doors := map[string]func() error{
		"move its change":     func() error { return c.Change.UpdateOneID(p.change.ID).SetReleaseID(other.ID).Exec(ctx) },
		"unschedule a change": func() error { return c.Change.UpdateOneID(p.change.ID).ClearReleaseID().Exec(ctx) },
		"delete its change":   func() error { return c.Change.DeleteOneID(p.change.ID).Exec(ctx) },
		"bulk-delete changes": func() error { _, err := c.Change.Delete().Exec(ctx); return err },
		"re-point its change": func() error { return c.Change.UpdateOneID(p.change.ID).AddApplicationIDs(p.consumer.ID).Exec(ctx) },
		"add a change": func() error {
			return c.Change.Create().SetTitle("late").AddApplicationIDs(p.consumer.ID).SetReleaseID(p.release.ID).Exec(ctx)
		},
		"edit its window": func() error { return c.Release.UpdateOneID(p.release.ID).SetEndsAt(p.end.Add(time.Hour)).Exec(ctx) },
		"rename it":       func() error { return c.Release.UpdateOneID(p.release.ID).SetName("renamed").Exec(ctx) },
		"roll back production": func() error {
			return c.Deployment.UpdateOneID(prod.ID).SetStatus(lifecycle.DeploymentRolledBack).Exec(ctx)
		},
		"delete a deployment": func() error { return c.Deployment.DeleteOneID(prod.ID).Exec(ctx) },
		"deploy again": func() error {
			_, err := p.deploy(ctx, lifecycle.Development, lifecycle.DeploymentScheduled)
			return err
		},
		"delete it": func() error { return c.Release.DeleteOneID(p.release.ID).Exec(ctx) },
	}
	for name, door := range doors {
		t.Run(name, func(t *testing.T) {
			p.refused(t, ctx, fault.FailedPrecondition, door, "read-only history")
		})
	}
}

func TestEntStartedReleasesStayWhole(t *testing.T) {
	p, ctx := newPortfolio(t)
	c := p.client
	p.begin(t, ctx)
	doors := map[string]func() error{
		"clear its window":           func() error { return c.Release.UpdateOneID(p.release.ID).ClearStartsAt().Exec(ctx) },
		"unschedule its last change": func() error { return c.Change.UpdateOneID(p.change.ID).ClearReleaseID().Exec(ctx) },
		"clear its changes":          func() error { return c.Release.UpdateOneID(p.release.ID).ClearChanges().Exec(ctx) },
		"delete its last change":     func() error { return c.Change.DeleteOneID(p.change.ID).Exec(ctx) },
		"delete it":                  func() error { return c.Release.DeleteOneID(p.release.ID).Exec(ctx) },
	}
	for name, door := range doors {
		t.Run(name, func(t *testing.T) {
			p.refused(t, ctx, fault.FailedPrecondition, door)
		})
	}
}

func TestEntDeploymentsHaveALifecycle(t *testing.T) {
	p, ctx := newPortfolio(t)
	p.refused(t, ctx, fault.FailedPrecondition, func() error {
		_, err := p.deploy(ctx, lifecycle.Development, lifecycle.DeploymentSucceeded)
		return err
	}, "DRAFT")
	p.begin(t, ctx)
	p.refused(t, ctx, fault.FailedPrecondition, func() error {
		_, err := p.deploy(ctx, lifecycle.Development, lifecycle.DeploymentRolledBack)
		return err
	}, "ROLLED_BACK")
	dev, err := p.deploy(ctx, lifecycle.Development, lifecycle.DeploymentSucceeded)
	if err != nil {
		t.Fatal(err)
	}
	p.client.Deployment.UpdateOneID(dev.ID).SetStatus(lifecycle.DeploymentRolledBack).ExecX(ctx)
	for _, to := range []lifecycle.DeploymentStatus{lifecycle.DeploymentSucceeded, lifecycle.DeploymentScheduled} {
		p.refused(t, ctx, fault.FailedPrecondition, func() error {
			return p.client.Deployment.UpdateOneID(dev.ID).SetStatus(to).Exec(ctx)
		}, "ROLLED_BACK")
	}
}

func TestEntTimesOutsideTheRecordAreRefused(t *testing.T) {
	p, ctx := newPortfolio(t)
	for _, bad := range []time.Time{
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.FixedZone("-01:00", -3600)),
		time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		p.refused(t, ctx, fault.BadUserInput, func() error {
			return p.client.FreezeWindow.Create().SetName("odd").SetStartsAt(p.start).SetEndsAt(bad).Exec(ctx)
		}, "endsAt")
	}
}

func TestEntSubtlerDoorsAreClosed(t *testing.T) {
	t.Run("clear and set a change's release in one write", func(t *testing.T) {
		p, ctx := newPortfolio(t)
		p.freeze(t, ctx, p.start, p.end)
		other := p.client.Application.Create().SetName("other").SaveX(ctx)
		p.client.Change.UpdateOneID(p.change.ID).AddApplicationIDs(other.ID).RemoveApplicationIDs(p.provider.ID).ExecX(ctx)
		p.begin(t, ctx)
		loose := p.client.Change.Create().SetTitle("loose").AddApplicationIDs(p.consumer.ID).SaveX(ctx)
		p.refused(t, ctx, fault.FailedPrecondition, func() error {
			return p.client.Change.UpdateOneID(loose.ID).ClearReleaseID().SetReleaseID(p.release.ID).Exec(ctx)
		}, `"Audit"`)
	})
	t.Run("stages are fixed once a deployment passed its gate", func(t *testing.T) {
		p, ctx := newPortfolio(t)
		if err := p.move(ctx, p.release.ID, lifecycle.Planned); err != nil {
			t.Fatal(err)
		}
		if _, err := p.deploy(ctx, lifecycle.Development, lifecycle.DeploymentSucceeded); err != nil {
			t.Fatal(err)
		}
		p.refused(t, ctx, fault.FailedPrecondition, func() error {
			return p.client.Release.UpdateOneID(p.release.ID).SetStages([]lifecycle.Stage{lifecycle.Production}).Exec(ctx)
		}, "stages are fixed")
		p.refused(t, ctx, fault.FailedPrecondition, func() error { return p.move(ctx, p.release.ID, lifecycle.Draft) }, "DRAFT")
	})
	t.Run("a freeze falls on a booked deployment", func(t *testing.T) {
		p, ctx := newPortfolio(t)
		if err := p.move(ctx, p.release.ID, lifecycle.Planned); err != nil {
			t.Fatal(err)
		}
		dep := p.client.Deployment.Create().SetReleaseID(p.release.ID).SetEnvironmentID(p.envs[lifecycle.Development].ID).
			SetStartsAt(p.start).SetEndsAt(p.start.Add(time.Hour)).SaveX(ctx)
		p.freeze(t, ctx, p.start, p.end)
		start := func(ctx context.Context) error {
			return p.client.Deployment.UpdateOneID(dep.ID).SetStatus(lifecycle.DeploymentInProgress).Exec(ctx)
		}
		p.refused(t, ctx, fault.FailedPrecondition, func() error { return start(ctx) }, `"Audit"`)
		if err := start(override(ctx, dep.ID, "agreed")); err != nil {
			t.Fatal(err)
		}
	})
}
