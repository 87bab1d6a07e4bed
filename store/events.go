package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"

	"entgo.io/ent/dialect"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/auditevent"
	"github.com/relgraph/relgraph/ent/schema"
	"github.com/relgraph/relgraph/history"
	"github.com/relgraph/relgraph/internal/events"
)

// This file is the store's side of the subscriptions (internal/events):
// the audit trail read by an events.Tail on SQLite, and the NOTIFY that
// WithTx sends inside its transaction on PostgreSQL.

// Events returns audit events as subscribers see them, each with the
// releases whose contents the written record belongs to (a change, a
// deployment, a deployment plan or step) as of that write: the release it
// left and the one it joined, from the event's own old and new releaseID
// (a step's: its plan's); otherwise the one it was in, which a later event
// of written that moved it tells, or else the one it is in now, read
// through client. Should that read fail, the events come with the error,
// complete but for those releases.
func Events(ctx context.Context, client *ent.Client, written []*ent.AuditEvent) ([]events.Event, error) {
	out := make([]events.Event, len(written))
	// parents are, per event, the releases it belongs to (plans, for a
	// step), walking back from the last event: after holds each record's
	// parent after the event walked (nil for none), unknown the events
	// whose record's parent is its current one.
	parents := make([][]int, len(written))
	after := map[int]*int{}
	var unknown []int
	for i := len(written) - 1; i >= 0; i-- {
		a := written[i]
		out[i] = events.Event{ID: a.ID, Kind: string(a.Action), At: a.At, Actor: a.Actor, EntityType: a.EntityType, EntityID: a.EntityID}
		field, belongs := parentField[a.EntityType]
		if !belongs {
			continue
		}
		if moved, ok := a.Changes[field].(map[string]any); ok {
			parents[i] = idsOf(moved["old"], moved["new"])
			after[a.EntityID] = nil
			if old := idsOf(moved["old"]); len(old) == 1 {
				after[a.EntityID] = &old[0]
			}
			continue
		}
		if p, known := after[a.EntityID]; known {
			if p != nil {
				parents[i] = []int{*p}
			}
			continue
		}
		unknown = append(unknown, i)
	}
	var err error
	if len(unknown) > 0 {
		byType := map[string][]int{}
		for _, i := range unknown {
			byType[written[i].EntityType] = append(byType[written[i].EntityType], written[i].EntityID)
		}
		var current map[int]int
		if current, err = currentParents(ctx, client, byType); err == nil {
			for _, i := range unknown {
				if p, ok := current[written[i].EntityID]; ok {
					parents[i] = []int{p}
				}
			}
		}
	}
	// A step's plan names its release: the plan's own event says which (a
	// plan never moves, and one deleted with its steps is gone), else the
	// plan is read.
	planRelease := map[int]int{}
	var plans []int
	for i, a := range written {
		switch a.EntityType {
		case ent.TypeDeploymentPlan:
			if moved, ok := a.Changes["releaseID"].(map[string]any); ok {
				if r := idsOf(moved["old"], moved["new"]); len(r) > 0 {
					planRelease[a.EntityID] = r[0]
				}
			}
		case ent.TypeDeploymentStep:
			plans = append(plans, parents[i]...)
		}
	}
	plans = slices.DeleteFunc(uniqueSorted(plans), func(p int) bool { _, known := planRelease[p]; return known })
	if len(plans) > 0 && err == nil {
		var read map[int]int
		if read, err = currentParents(ctx, client, map[string][]int{ent.TypeDeploymentPlan: plans}); err == nil {
			maps.Copy(planRelease, read)
		}
	}
	for i, a := range written {
		if a.EntityType != ent.TypeDeploymentStep {
			out[i].Releases = parents[i]
			continue
		}
		var releases []int
		for _, plan := range parents[i] {
			if r, ok := planRelease[plan]; ok {
				releases = append(releases, r)
			}
		}
		if len(releases) > 0 {
			out[i].Releases = uniqueSorted(releases)
		}
	}
	if err != nil {
		return out, fmt.Errorf("events: read the releases of written records: %w", err)
	}
	return out, nil
}

// parentField names, per type of record that belongs to a release, the
// field of its audit changes that says to which: the release's id, or, for
// a deployment step, its plan's.
var parentField = map[string]string{
	ent.TypeChange:         "releaseID",
	ent.TypeDeployment:     "releaseID",
	ent.TypeDeploymentPlan: "releaseID",
	ent.TypeDeploymentStep: "planID",
}

// currentParents reads what each record belongs to now (schema.ParentsOf;
// ids are unique across types).
func currentParents(ctx context.Context, client *ent.Client, byType map[string][]int) (map[int]int, error) {
	out := map[int]int{}
	for typ, ids := range byType {
		parents, err := schema.ParentsOf(ctx, client, typ, ids)
		if err != nil {
			return nil, err
		}
		maps.Copy(out, parents)
	}
	return out, nil
}

// idsOf returns the distinct ids among JSON values (numbers), ascending.
func idsOf(values ...any) []int {
	var out []int
	for _, v := range values {
		if id, ok := history.IDOf(v); ok {
			out = append(out, id)
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
