package tracing

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace/noop"
)

// fakeDriver accepts every statement.
type fakeDriver struct{ dialect.Driver }

func (fakeDriver) Exec(context.Context, string, any, any) error  { return nil }
func (fakeDriver) Query(context.Context, string, any, any) error { return nil }
func (fakeDriver) BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error) {
	return fakeTx{}, nil
}

type fakeTx struct{ dialect.Tx }

func (fakeTx) Exec(context.Context, string, any, any) error { return nil }
func (fakeTx) Commit() error                                { return nil }

// record turns tracing on with spans kept in memory, until the test ends.
func record(t *testing.T) *tracetest.SpanRecorder {
	rec := tracetest.NewSpanRecorder()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	enabled.Store(true)
	t.Cleanup(func() {
		enabled.Store(false)
		otel.SetTracerProvider(noop.NewTracerProvider())
	})
	return rec
}

func TestDriver(t *testing.T) {
	if drv := Driver(fakeDriver{}, "sqlite"); drv != (fakeDriver{}) {
		t.Fatalf("Driver wrapped the driver with tracing off: %T", drv)
	}
	rec := record(t)
	drv := Driver(fakeDriver{}, "sqlite")
	// Outside a trace: no span.
	if err := drv.Exec(context.Background(), "DELETE FROM x", nil, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.Ended()); n != 0 {
		t.Fatalf("%d spans outside a trace", n)
	}
	ctx, span := otel.Tracer("test").Start(context.Background(), "request")
	long := "select " + strings.Repeat("é", MaxStatement)
	if err := drv.Query(ctx, long, nil, nil); err != nil {
		t.Fatal(err)
	}
	tx, err := drv.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	}).BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Exec(ctx, "INSERT INTO x VALUES (1)", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	span.End()
	var names []string
	for _, s := range rec.Ended() {
		if s.Name() == "request" {
			continue
		}
		names = append(names, s.Name())
		if s.Parent().SpanID() != span.SpanContext().SpanID() {
			t.Errorf("span %s is not a child of the request", s.Name())
		}
		for _, kv := range s.Attributes() {
			if s.Name() == "SELECT" && kv.Key == "db.statement" && (len(kv.Value.AsString()) > MaxStatement || !strings.HasPrefix(long, kv.Value.AsString())) {
				t.Errorf("db.statement of %d bytes, not a prefix of the statement", len(kv.Value.AsString()))
			}
		}
	}
	if got := strings.Join(names, ","); got != "SELECT,BEGIN,INSERT,COMMIT" {
		t.Errorf("spans %s, want SELECT,BEGIN,INSERT,COMMIT", got)
	}
}
