package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"entgo.io/ent/dialect"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/auditevent"
	"github.com/relgraph/relgraph/ent/change"
	"github.com/relgraph/relgraph/ent/deployment"
	"github.com/relgraph/relgraph/ent/deploymentplan"
	"github.com/relgraph/relgraph/ent/deploymentstep"
	"github.com/relgraph/relgraph/internal/events"
)

// This file is the store's side of the subscriptions (internal/events):
// the audit trail read by an events.Tail on SQLite, and the NOTIFY that
// WithTx sends inside its transaction on PostgreSQL.

// Events returns audit events as subscribers see them, each with the
// releases whose contents the written record belongs to (a change, a
// deployment, a deployment plan or step: the release it left and the one it
// joined, from the event's own old and new releaseID, otherwise the one it
// belongs to now, read through client). Should that read fail, the events
// come with the error, complete but for those releases.
func Events(ctx context.Context, client *ent.Client, written []*ent.AuditEvent) ([]events.Event, error) {
	out := make([]events.Event, len(written))
	lookup := map[string][]int{} // type -> records whose release is read
	for i, a := range written {
		out[i] = events.Event{ID: a.ID, Kind: string(a.Action), At: a.At, Actor: a.Actor, EntityType: a.EntityType, EntityID: a.EntityID}
		switch a.EntityType {
		case ent.TypeChange, ent.TypeDeployment, ent.TypeDeploymentPlan:
			if moved, ok := a.Changes["releaseID"].(map[string]any); ok {
				out[i].Releases = idsOf(moved["old"], moved["new"])
				continue
			}
			lookup[a.EntityType] = append(lookup[a.EntityType], a.EntityID)
		case ent.TypeDeploymentStep:
			lookup[a.EntityType] = append(lookup[a.EntityType], a.EntityID)
		}
	}
	if len(lookup) == 0 {
		return out, nil
	}
	releaseOf, err := releasesOfRecords(ctx, client, lookup)
	if err != nil {
		return out, fmt.Errorf("events: read the releases of written records: %w", err)
	}
	for i := range out {
		if out[i].Releases == nil {
			if r, ok := releaseOf[out[i].EntityID]; ok {
				out[i].Releases = []int{r}
			}
		}
	}
	return out, nil
}

// releasesOfRecords reads the release each record belongs to now (ids are
// unique across types); a record gone, or in no release, is left out.
func releasesOfRecords(ctx context.Context, client *ent.Client, byType map[string][]int) (map[int]int, error) {
	out := map[int]int{}
	type row struct {
		ID        int  `json:"id"`
		ReleaseID *int `json:"release_id"`
	}
	read := func(ids []int, scan func(ids []int, rows *[]row) error) error {
		for chunk := range slices.Chunk(ids, lookupBatch) {
			var rows []row
			if err := scan(chunk, &rows); err != nil {
				return err
			}
			for _, r := range rows {
				if r.ReleaseID != nil {
					out[r.ID] = *r.ReleaseID
				}
			}
		}
		return nil
	}
	err := read(byType[ent.TypeChange], func(ids []int, rows *[]row) error {
		return client.Change.Query().Where(change.IDIn(ids...)).Select(change.FieldID, change.FieldReleaseID).Scan(ctx, rows)
	})
	if err != nil {
		return nil, err
	}
	err = read(byType[ent.TypeDeployment], func(ids []int, rows *[]row) error {
		return client.Deployment.Query().Where(deployment.IDIn(ids...)).Select(deployment.FieldID, deployment.FieldReleaseID).Scan(ctx, rows)
	})
	if err != nil {
		return nil, err
	}
	plans := byType[ent.TypeDeploymentPlan]
	planOfStep := map[int]int{}
	for chunk := range slices.Chunk(byType[ent.TypeDeploymentStep], lookupBatch) {
		var steps []struct {
			ID     int `json:"id"`
			PlanID int `json:"plan_id"`
		}
		if err := client.DeploymentStep.Query().Where(deploymentstep.IDIn(chunk...)).
			Select(deploymentstep.FieldID, deploymentstep.FieldPlanID).Scan(ctx, &steps); err != nil {
			return nil, err
		}
		for _, s := range steps {
			planOfStep[s.ID] = s.PlanID
			plans = append(plans, s.PlanID)
		}
	}
	err = read(uniqueSorted(plans), func(ids []int, rows *[]row) error {
		return client.DeploymentPlan.Query().Where(deploymentplan.IDIn(ids...)).Select(deploymentplan.FieldID, deploymentplan.FieldReleaseID).Scan(ctx, rows)
	})
	if err != nil {
		return nil, err
	}
	for step, plan := range planOfStep {
		if r, ok := out[plan]; ok {
			out[step] = r
		}
	}
	return out, nil
}

// lookupBatch bounds the ids of one statement: PostgreSQL takes at most
// 65,535 parameters, SQLite 32,766.
const lookupBatch = 10000

// idsOf returns the distinct ids among JSON values (numbers), ascending.
func idsOf(values ...any) []int {
	var out []int
	for _, v := range values {
		switch n := v.(type) {
		case float64:
			out = append(out, int(n))
		case int:
			out = append(out, n)
		case json.Number:
			if i, err := n.Int64(); err == nil {
				out = append(out, int(i))
			}
		}
	}
	return uniqueSorted(out)
}

var _ events.Trail = (*DB)(nil)

// LastAuditEventID returns the id of the newest audit event, 0 if there is
// none.
func (db *DB) LastAuditEventID(ctx context.Context) (int, error) {
	ids, err := db.Client.AuditEvent.Query().Order(ent.Desc(auditevent.FieldID)).Limit(1).IDs(ctx)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}

// AuditEventsAfter returns at most limit audit events whose ids are above
// after, in id order: one primary-key range (and, for records that belong
// to a release without saying which in their changes, one read per type). On
// SQLite, which has one writer at a time, ids grow in commit order, so
// these are the events committed after event after (events.Tail).
func (db *DB) AuditEventsAfter(ctx context.Context, after, limit int) ([]events.Event, error) {
	rows, err := db.Client.AuditEvent.Query().
		Where(auditevent.IDGT(after)).
		Order(ent.Asc(auditevent.FieldID)).
		Limit(limit).
		Select(auditevent.FieldAt, auditevent.FieldActor, auditevent.FieldAction, auditevent.FieldEntityType, auditevent.FieldEntityID,
			auditevent.FieldChanges).
		All(ctx)
	if err != nil {
		return nil, err
	}
	return Events(ctx, db.Client, rows)
}

// notifyCommitted sends the NOTIFYs that announce a transaction's audit
// events (events.Payloads) inside the transaction tx, so that PostgreSQL
// delivers them only if it commits. One statement sends a batch of them.
func notifyCommitted(ctx context.Context, tx dialect.Tx, client *ent.Client, written []*ent.AuditEvent) error {
	if len(written) == 0 {
		return nil
	}
	announced, err := Events(ctx, client, written)
	if err != nil {
		return err
	}
	return NotifyInTx(ctx, tx, events.Payloads(announced))
}

// NotifyInTx sends NOTIFY payloads on events.Channel inside the PostgreSQL
// transaction tx (see CaptureTx): PostgreSQL delivers them only if it
// commits.
func NotifyInTx(ctx context.Context, tx dialect.Tx, payloads []string) error {
	if tx == nil {
		return errors.New("store: the transaction cannot send NOTIFY")
	}
	for len(payloads) > 0 {
		n := min(len(payloads), notifyBatch)
		err := tx.Exec(ctx, "SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS n(p, i) ORDER BY i",
			[]any{events.Channel, payloads[:n]}, nil)
		if err != nil {
			return err
		}
		payloads = payloads[n:]
	}
	return nil
}

// notifyBatch bounds the payloads of one statement (under a megabyte).
const notifyBatch = 128

// capturingDriver is the Ent client's driver: Ent's raw-SQL builders stay
// off (ent/entc.go), so the one statement relgraph sends inside a
// transaction besides Ent's, the NOTIFY of WithTx and of a GraphQL write,
// goes through the transaction this driver hands over (CaptureTx).
type capturingDriver struct{ dialect.Driver }

type captureKey struct{}

// CaptureTx returns a context whose transaction, once the client opens it,
// is stored in *tx.
func CaptureTx(ctx context.Context, tx *dialect.Tx) context.Context {
	return context.WithValue(ctx, captureKey{}, tx)
}

func capture(ctx context.Context, tx dialect.Tx, err error) (dialect.Tx, error) {
	if slot, ok := ctx.Value(captureKey{}).(*dialect.Tx); ok && err == nil {
		*slot = tx
	}
	return tx, err
}

// Tx opens a transaction, as Ent's client.Tx needs.
func (d capturingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	return capture(ctx, tx, err)
}

// BeginTx opens a transaction with options, as Ent's client.BeginTx needs.
func (d capturingDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	b, ok := d.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	})
	if !ok {
		return nil, errors.New("store: the driver does not support BeginTx")
	}
	tx, err := b.BeginTx(ctx, opts)
	return capture(ctx, tx, err)
}
