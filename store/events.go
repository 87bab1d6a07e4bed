package store

import (
	"context"
	"database/sql"
	"errors"

	"entgo.io/ent/dialect"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/auditevent"
	"github.com/relgraph/relgraph/internal/events"
)

// This file is the store's side of the subscriptions (internal/events):
// the audit trail read by an events.Tail on SQLite, and the NOTIFY that
// WithTx sends inside its transaction on PostgreSQL.

// Events returns audit events as subscribers see them.
func Events(written []*ent.AuditEvent) []events.Event {
	out := make([]events.Event, len(written))
	for i, a := range written {
		out[i] = events.Event{ID: a.ID, Kind: string(a.Action), At: a.At, Actor: a.Actor, EntityType: a.EntityType, EntityID: a.EntityID}
	}
	return out
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
// after, in id order, without their changes: one primary-key range. On
// SQLite, which has one writer at a time, ids grow in commit order, so
// these are the events committed after event after (events.Tail).
func (db *DB) AuditEventsAfter(ctx context.Context, after, limit int) ([]events.Event, error) {
	rows, err := db.Client.AuditEvent.Query().
		Where(auditevent.IDGT(after)).
		Order(ent.Asc(auditevent.FieldID)).
		Limit(limit).
		Select(auditevent.FieldAt, auditevent.FieldActor, auditevent.FieldAction, auditevent.FieldEntityType, auditevent.FieldEntityID).
		All(ctx)
	if err != nil {
		return nil, err
	}
	return Events(rows), nil
}

// notifyCommitted sends the NOTIFYs that announce a transaction's audit
// events (events.Payloads) inside the transaction tx, so that PostgreSQL
// delivers them only if it commits. One statement sends a batch of them.
func notifyCommitted(ctx context.Context, tx dialect.Tx, written []*ent.AuditEvent) error {
	if len(written) == 0 {
		return nil
	}
	if tx == nil {
		return errors.New("store: the transaction cannot send NOTIFY")
	}
	payloads := events.Payloads(Events(written))
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
// transaction besides Ent's, WithTx's NOTIFY, goes through the transaction
// this driver hands over (captureTx).
type capturingDriver struct{ dialect.Driver }

type captureKey struct{}

// captureTx returns a context whose transaction, once the client opens it,
// is stored in *tx.
func captureTx(ctx context.Context, tx *dialect.Tx) context.Context {
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
