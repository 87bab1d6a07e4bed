package tracing

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"entgo.io/ent/dialect"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// MaxStatement bounds, in bytes, the SQL text a span records as
// db.statement.
const MaxStatement = 1000

// Driver wraps an Ent driver so that each statement sent in a traced
// request is a span, with db.system (system: "sqlite", "postgresql") and
// the statement's text (its first MaxStatement bytes; arguments are not
// recorded). With tracing off it returns drv.
func Driver(drv dialect.Driver, system string) dialect.Driver {
	if !Enabled() {
		return drv
	}
	return &driver{Driver: drv, system: system}
}

type driver struct {
	dialect.Driver
	system string
}

func (d *driver) Exec(ctx context.Context, query string, args, v any) error {
	ctx, span := d.start(ctx, query)
	err := d.Driver.Exec(ctx, query, args, v)
	End(span, err)
	return err
}

func (d *driver) Query(ctx context.Context, query string, args, v any) error {
	ctx, span := d.start(ctx, query)
	err := d.Driver.Query(ctx, query, args, v)
	End(span, err)
	return err
}

func (d *driver) Tx(ctx context.Context) (dialect.Tx, error) {
	_, span := d.start(ctx, "BEGIN")
	tx, err := d.Driver.Tx(ctx)
	End(span, err)
	if err != nil {
		return nil, err
	}
	return &txDriver{Tx: tx, driver: d, ctx: ctx}, nil
}

// BeginTx starts a transaction with options, as Ent's client.BeginTx needs.
func (d *driver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	b, ok := d.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	})
	if !ok {
		return nil, errors.New("tracing: the driver does not support BeginTx")
	}
	_, span := d.start(ctx, "BEGIN")
	tx, err := b.BeginTx(ctx, opts)
	End(span, err)
	if err != nil {
		return nil, err
	}
	return &txDriver{Tx: tx, driver: d, ctx: ctx}, nil
}

func (d *driver) start(ctx context.Context, query string) (context.Context, trace.Span) {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return ctx, noSpan
	}
	op, _, _ := strings.Cut(strings.TrimSpace(query), " ")
	op = strings.ToUpper(op)
	if len(query) > MaxStatement {
		query = strings.ToValidUTF8(query[:MaxStatement], "")
	}
	return Start(ctx, op,
		attribute.String("db.system", d.system),
		attribute.String("db.operation", op),
		attribute.String("db.statement", query),
	)
}

// txDriver traces a transaction's statements, commit and rollback; the
// last two, which take no context, under the context that began it.
type txDriver struct {
	dialect.Tx
	driver *driver
	ctx    context.Context
}

func (t *txDriver) Exec(ctx context.Context, query string, args, v any) error {
	ctx, span := t.driver.start(ctx, query)
	err := t.Tx.Exec(ctx, query, args, v)
	End(span, err)
	return err
}

func (t *txDriver) Query(ctx context.Context, query string, args, v any) error {
	ctx, span := t.driver.start(ctx, query)
	err := t.Tx.Query(ctx, query, args, v)
	End(span, err)
	return err
}

func (t *txDriver) Commit() error {
	_, span := t.driver.start(t.ctx, "COMMIT")
	err := t.Tx.Commit()
	End(span, err)
	return err
}

func (t *txDriver) Rollback() error {
	_, span := t.driver.start(t.ctx, "ROLLBACK")
	err := t.Tx.Rollback()
	End(span, err)
	return err
}
