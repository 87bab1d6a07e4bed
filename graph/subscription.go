package graph

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/relgraph/relgraph/ent"
	"github.com/relgraph/relgraph/ent/auditevent"
	"github.com/relgraph/relgraph/internal/events"
	"github.com/relgraph/relgraph/internal/fault"
	"github.com/relgraph/relgraph/internal/viewer"
	"github.com/relgraph/relgraph/store"
)

// TooManySubscriptions is the code of a subscription refused over the
// bounds of one connection or of the server.
const TooManySubscriptions fault.Code = "TOO_MANY_SUBSCRIPTIONS"

// subscribe opens a broker subscription, its refusals as GraphQL errors.
func (r *Resolver) subscribe(ctx context.Context, filter func(events.Event) bool) (*events.Subscription, error) {
	sub, err := r.events.Subscribe(ctx, filter)
	if err != nil {
		return nil, subscriptionError(err)
	}
	return sub, nil
}

// subscriptionError gives a broker's refusal or disconnection its code.
func subscriptionError(err error) error {
	switch {
	case errors.Is(err, events.ErrTooMany), errors.Is(err, events.ErrTooManyForConnection):
		return &fault.Error{Code: TooManySubscriptions, Message: err.Error()}
	case errors.Is(err, events.ErrSlow), errors.Is(err, events.ErrClosed):
		return fault.Busy("%s", err.Error())
	}
	return err
}

// visibleTo is the portfolio events the viewer of ctx may see: API
// tokens' only for an ADMIN.
func visibleTo(ctx context.Context) func(events.Event) bool {
	v, ok := viewer.From(ctx)
	admin := !ok || v.Role.Allows(viewer.Admin)
	return func(e events.Event) bool { return admin || e.EntityType != ent.TypeToken }
}

func kindOf(e events.Event) auditevent.Action { return auditevent.Action(e.Kind) }

// forward turns sub's events into the channel gqlgen reads, until the
// client stops (ctx) or the subscription ends; an end the client did not
// ask for (ErrSlow, ErrClosed) is sent to it as a last error (see
// streamEnd).
func forward[T any](ctx context.Context, sub *events.Subscription, convert func(events.Event) *T) <-chan *T {
	return forwardEach(ctx, sub, func(e events.Event) []*T { return []*T{convert(e)} })
}

// forwardEach is forward for events that each become any number of
// messages, in order.
func forwardEach[T any](ctx context.Context, sub *events.Subscription, convert func(events.Event) []*T) <-chan *T {
	out := make(chan *T)
	go func() {
		defer close(out)
		for e := range sub.C {
			for _, msg := range convert(e) {
				select {
				case out <- msg:
				case <-ctx.Done():
					sub.Close()
					return
				}
			}
		}
		if err := sub.Err(); err != nil && ctx.Err() == nil {
			if end := streamEndOf(ctx); end != nil {
				end.set(subscriptionError(err))
			}
		}
	}()
	return out
}

// writtenRecord is the record of an event as it stands now; nil once it is
// deleted.
func (r *Resolver) writtenRecord(ctx context.Context, id int) (ent.Noder, error) {
	n, err := r.client.Noder(ctx, id)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return n, err
}

// streamEnd holds why a subscription's stream ended, when the server ended
// it, so that the client is told before the stream completes.
type streamEnd struct {
	mu  sync.Mutex
	err error
}

func (s *streamEnd) set(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// take returns the error once.
func (s *streamEnd) take() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.err
	s.err = nil
	return err
}

type streamEndKey struct{}

func streamEndOf(ctx context.Context) *streamEnd {
	s, _ := ctx.Value(streamEndKey{}).(*streamEnd)
	return s
}

// aroundStreams gives a subscription a streamEnd, and bounds every other
// operation that arrives over a long-lived transport (WebSocket, SSE: the
// HTTP deadline does not apply to them) by timeout.
func aroundStreams(timeout time.Duration) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		if isSubscription(ctx) {
			return next(context.WithValue(ctx, streamEndKey{}, &streamEnd{}))
		}
		if _, has := ctx.Deadline(); has || timeout <= 0 {
			return next(ctx)
		}
		ctx, cancel := context.WithTimeout(ctx, timeout)
		h := next(ctx)
		return func(ctx context.Context) *graphql.Response {
			defer cancel()
			return h(ctx)
		}
	}
}

// endStreams sends a subscription's end (streamEnd) as a last response.
func endStreams(present graphql.ErrorPresenterFunc) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		rsp := next(ctx)
		if rsp != nil {
			return rsp
		}
		if end := streamEndOf(ctx); end != nil {
			if err := end.take(); err != nil {
				return &graphql.Response{Errors: gqlerror.List{present(ctx, err)}}
			}
		}
		return nil
	}
}

// publishCommitted tells this process's subscribers about the audit events
// a committed transaction wrote, when no Bridge connects it to others (who
// then heard of them inside the transaction: transactioner.notifyInTx): on
// SQLite it wakes the tail that reads them back from the audit trail
// (events.Tail), otherwise it delivers them.
func publishCommitted(ctx context.Context, broker *events.Broker, client *ent.Client, written []*ent.AuditEvent) {
	if broker == nil || len(written) == 0 {
		return
	}
	var announced []events.Event
	if !broker.Tailed() {
		// Should reading the releases of the written records fail, the
		// events still go out, without them.
		announced, _ = store.Events(ctx, client, written)
	}
	broker.Publish(announced)
}
