package graph

import (
	"context"
	"sync"

	"entgo.io/ent/dialect"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/schema"
	"github.com/relgraph/relgraph/internal/events"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/store"
)

// transactioner runs every mutation operation in one database transaction,
// committed only when the whole response has no error, so a request that
// fails anywhere writes nothing. It is entgql.Transactioner's design, but
// its own failures (begin, commit) pass through the error presenter instead
// of reaching the client with the driver's message.
type transactioner struct {
	client  *ent.Client
	present graphql.ErrorPresenterFunc
	// turns, when not nil, holds one token per mutation request allowed to
	// write at once.
	turns chan struct{}
	// events receives the audit events of each committed transaction.
	events *events.Broker
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = transactioner{}

func (transactioner) ExtensionName() string { return "RelgraphTransactioner" }

func (transactioner) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext serializes a mutation's field resolvers (a
// transaction is not safe for concurrent use), and once one of them failed
// runs no further write: the request is rolled back whole anyway, and
// PostgreSQL refuses every statement of a failed transaction.
func (transactioner) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if !isMutation(oc.Operation) {
		return nil
	}
	previous := oc.ResolverMiddleware
	var (
		mu     sync.Mutex
		failed bool
	)
	oc.ResolverMiddleware = func(ctx context.Context, next graphql.Resolver) (any, error) {
		mu.Lock()
		defer mu.Unlock()
		if fc := graphql.GetFieldContext(ctx); failed && fc != nil && fc.Object == "Mutation" {
			return nil, fault.Precondition("not run: an earlier write of this request failed, so none of it is written")
		}
		res, err := previous(ctx, next)
		if err != nil {
			failed = true
		}
		return res, err
	}
	return nil
}

// InterceptResponse opens the transaction, runs the operation and commits or
// rolls back.
func (t transactioner) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	// Requests that failed before an operation existed (an unreadable body)
	// reach the interceptor without an operation context.
	if !graphql.HasOperationContext(ctx) || !isMutation(graphql.GetOperationContext(ctx).Operation) {
		return next(ctx)
	}
	if t.turns != nil {
		select {
		case t.turns <- struct{}{}:
			defer func() { <-t.turns }()
		case <-ctx.Done():
			return t.failed(ctx, fault.Busy("the database is busy with other writes and this request's time ran out waiting: retry"))
		}
	}
	var raw dialect.Tx
	txCtx, tx, err := t.client.OpenTx(store.CaptureTx(ctx, &raw))
	if err != nil {
		return t.failed(ctx, err)
	}
	// The writes' graph changes and audit events are written together
	// just before commit (schema.Journal).
	txCtx, journal := schema.WithJournal(txCtx)
	defer func() {
		if r := recover(); r != nil {
			_ = tx.Rollback()
			panic(r)
		}
	}()
	rsp := next(txCtx)
	if len(rsp.Errors) > 0 {
		_ = tx.Rollback()
		return &graphql.Response{Errors: rsp.Errors, Extensions: rsp.Extensions}
	}
	if err := journal.Flush(txCtx, ent.FromContext(txCtx)); err != nil {
		_ = tx.Rollback()
		return t.failed(ctx, err)
	}
	// With other processes to tell (PostgreSQL), the NOTIFY goes inside the
	// transaction: PostgreSQL sends it if and only if it commits, so no
	// crash between commit and announcement can lose it.
	announced, notified, err := t.notifyInTx(txCtx, raw, journal.Flushed())
	if err != nil {
		_ = tx.Rollback()
		return t.failed(ctx, err)
	}
	if err := tx.Commit(); err != nil {
		return t.failed(ctx, err)
	}
	// Only now, committed: a rolled-back write is never announced.
	if notified {
		t.events.Deliver(announced)
	} else {
		publishCommitted(ctx, t.events, t.client, journal.Flushed())
	}
	return rsp
}

// notifyInTx announces written to the other server processes inside the
// transaction raw, when a Bridge connects them; it returns the events for
// this process's subscribers, and false when there is no one to notify.
func (t transactioner) notifyInTx(ctx context.Context, raw dialect.Tx, written []*ent.AuditEvent) ([]events.Event, bool, error) {
	if t.events == nil || len(written) == 0 {
		return nil, false, nil
	}
	if !t.events.Bridged() {
		return nil, false, nil
	}
	announced, err := store.Events(ctx, ent.FromContext(ctx), written)
	if err != nil {
		return nil, false, err
	}
	notices, _ := t.events.Notices(announced)
	return announced, true, store.NotifyInTx(ctx, raw, notices)
}

// failed answers a request whose transaction could not begin or commit.
func (t transactioner) failed(ctx context.Context, err error) *graphql.Response {
	return &graphql.Response{Errors: gqlerror.List{t.present(ctx, err)}}
}

func isMutation(op *ast.OperationDefinition) bool {
	return op != nil && op.Operation == ast.Mutation
}

// db returns the client of the request's transaction, or the shared client
// outside one.
func (r *Resolver) db(ctx context.Context) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return r.client
}
