// Package events carries the audit trail's events, once their write has
// committed, to the GraphQL subscriptions that watch them. A Broker fans
// them out to the subscribers of this process; what feeds it depends on the
// database, so that every audited write reaches them, whoever wrote it (a
// mutation through any server process, `relgraph import` run as a command
// of its own, a Go program using store.DB.WithTx), and a rolled-back write
// never does:
//
//   - SQLite has one writer at a time, so audit event ids grow in commit
//     order, and a rolled-back write leaves no row. A Tail feeds the broker
//     from the audit trail itself: it reads the events past its cursor (a
//     primary-key range, a bounded batch at a time), woken right after each
//     commit of this process (Publish then only wakes it, so nothing is
//     delivered twice) and every TailInterval for the other processes'
//     writes.
//   - PostgreSQL hands ids out of a sequence before commit, so a later id
//     may commit first: ids cannot be tailed. Each server process keeps a
//     Bridge LISTENing instead. A mutation sends its events to the others
//     with pg_notify inside its own transaction (Notices), tagged with this
//     process's origin, which its own Bridge ignores when it hears it back;
//     once committed, it delivers them to this process's subscribers
//     directly (Deliver). store.DB.WithTx sends its events with
//     pg_notify inside its transaction, which PostgreSQL delivers only if
//     the transaction commits; they carry no origin (Payloads), so every
//     process's Bridge delivers them, one in the writer's own process
//     included, and since WithTx publishes nothing else, once.
package events

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Event is one committed audit event, as subscribers see it.
type Event struct {
	// ID is the audit event's id.
	ID int `json:"id"`
	// Kind is the audit action: CREATE, UPDATE, DELETE or TRANSITION.
	Kind string `json:"kind"`
	// At is when the write happened.
	At time.Time `json:"at"`
	// Actor is who wrote.
	Actor string `json:"actor"`
	// EntityType is the type of the written record, e.g. Release.
	EntityType string `json:"entityType"`
	// EntityID is the id of the written record.
	EntityID int `json:"entityID"`
	// Releases are the releases whose contents the written record belongs
	// to (a change's, a deployment's): the one it left and the one it
	// joined, or the one it is in. Empty for a release itself.
	Releases []int `json:"releases,omitempty"`
}

// Defaults for Options.
const (
	DefaultBuffer           = 256
	DefaultMaxPerConnection = 20
	DefaultMaxTotal         = 1000
)

// Options bound a Broker; zero values take the defaults.
type Options struct {
	// Buffer is how many events a subscriber may fall behind before it is
	// disconnected (ErrSlow).
	Buffer int
	// MaxPerConnection bounds the subscriptions of one connection (see
	// WithConnection).
	MaxPerConnection int
	// MaxTotal bounds the open subscriptions of the process.
	MaxTotal int
	// Open, if set, is told each time a subscription opens (+1) or ends
	// (-1): a gauge.
	Open func(delta float64)
}

// Errors a subscription is refused or ended with.
var (
	// ErrTooManyForConnection refuses a subscription over
	// Options.MaxPerConnection.
	ErrTooManyForConnection = errors.New("too many subscriptions on this connection")
	// ErrTooMany refuses a subscription over Options.MaxTotal.
	ErrTooMany = errors.New("too many subscriptions on this server")
	// ErrSlow ends a subscription whose subscriber fell Options.Buffer
	// events behind: writers never wait for subscribers.
	ErrSlow = errors.New("subscriber too slow: it fell too many events behind and was disconnected; subscribe again and catch up from auditEvents")
	// ErrClosed ends the subscriptions of a broker that shut down.
	ErrClosed = errors.New("the server is shutting down")
)

// Broker fans committed events out to subscribers in this process. Publish
// never blocks: a subscriber whose buffer is full is dropped. Safe for
// concurrent use.
type Broker struct {
	opts   Options
	mu     sync.Mutex
	subs   map[*Subscription]struct{}
	closed bool
	// tagged, when set, splits events into NOTIFY payloads tagged with
	// this process's origin (Bridge).
	tagged func([]Event) []string
	// wake, when set, is the Tail that delivers committed events instead
	// of Publish.
	wake func()
}

// NewBroker returns a broker bounded by opts.
func NewBroker(opts Options) *Broker {
	if opts.Buffer <= 0 {
		opts.Buffer = DefaultBuffer
	}
	if opts.MaxPerConnection <= 0 {
		opts.MaxPerConnection = DefaultMaxPerConnection
	}
	if opts.MaxTotal <= 0 {
		opts.MaxTotal = DefaultMaxTotal
	}
	if opts.Open == nil {
		opts.Open = func(float64) {}
	}
	return &Broker{opts: opts, subs: map[*Subscription]struct{}{}}
}

// Subscription receives the events its filter accepts on C until it ends:
// then C is closed and Err says why (nil when the subscriber cancelled).
type Subscription struct {
	// C delivers the events, in commit order per process.
	C      <-chan Event
	ch     chan Event
	filter func(Event) bool
	conn   *connection
	broker *Broker
	err    error
}

// Err is why the subscription ended; valid once C is closed.
func (s *Subscription) Err() error {
	s.broker.mu.Lock()
	defer s.broker.mu.Unlock()
	return s.err
}

// Close ends the subscription; safe to call more than once.
func (s *Subscription) Close() { s.broker.end(s, nil) }

// connection counts the subscriptions of one client connection.
type connection struct{ open int }

type connectionKey struct{}

// WithConnection marks ctx as one client connection (an HTTP request, or
// the WebSocket it upgrades to): the subscriptions made under it count
// against Options.MaxPerConnection together.
func WithConnection(ctx context.Context) context.Context {
	return context.WithValue(ctx, connectionKey{}, &connection{})
}

// Subscribe opens a subscription to the events filter accepts (nil: all),
// ended when ctx is done. It is refused with ErrTooManyForConnection or
// ErrTooMany over the bounds.
func (b *Broker) Subscribe(ctx context.Context, filter func(Event) bool) (*Subscription, error) {
	if filter == nil {
		filter = func(Event) bool { return true }
	}
	conn, _ := ctx.Value(connectionKey{}).(*connection)
	if conn == nil {
		conn = &connection{}
	}
	b.mu.Lock()
	switch {
	case b.closed:
		b.mu.Unlock()
		return nil, ErrClosed
	case conn.open >= b.opts.MaxPerConnection:
		b.mu.Unlock()
		return nil, ErrTooManyForConnection
	case len(b.subs) >= b.opts.MaxTotal:
		b.mu.Unlock()
		return nil, ErrTooMany
	}
	ch := make(chan Event, b.opts.Buffer)
	s := &Subscription{C: ch, ch: ch, filter: filter, conn: conn, broker: b}
	b.subs[s] = struct{}{}
	conn.open++
	b.mu.Unlock()
	b.opts.Open(1)
	context.AfterFunc(ctx, s.Close)
	return s, nil
}

// end removes s, closing its channel, with err as its reason.
func (b *Broker) end(s *Subscription, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.endLocked(s, err)
}

func (b *Broker) endLocked(s *Subscription, err error) {
	if _, ok := b.subs[s]; !ok {
		return
	}
	delete(b.subs, s)
	s.conn.open--
	s.err = err
	close(s.ch)
	b.opts.Open(-1)
}

// Publish announces the events of a transaction this process committed to
// this process's subscribers (the other processes hear of them from the
// writer's NOTIFY: Notices). With a Tail feeding the broker, it only wakes
// the tail, which reads them back from the audit trail. It never blocks on
// a subscriber.
func (b *Broker) Publish(events []Event) {
	b.mu.Lock()
	wake := b.wake
	b.mu.Unlock()
	if wake != nil {
		wake()
		return
	}
	b.Deliver(events)
}

// Bridged reports whether a Bridge connects this process to the others.
func (b *Broker) Bridged() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.tagged != nil
}

// Notices returns the NOTIFY payloads that announce events to the other
// processes and that this process's Bridge ignores, for a writer that sends
// them inside its own transaction (then Deliver, after commit, hands the
// events to this process's subscribers); false without a Bridge.
func (b *Broker) Notices(events []Event) ([]string, bool) {
	b.mu.Lock()
	tagged := b.tagged
	b.mu.Unlock()
	if tagged == nil {
		return nil, false
	}
	return tagged(events), true
}

// Tailed reports whether a Tail delivers this process's committed events
// (Publish then only wakes it): a publisher need not build them.
func (b *Broker) Tailed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.wake != nil
}

// Deliver hands events to this process's subscribers only: for events
// another process published, or read from the audit trail (Tail).
func (b *Broker) Deliver(events []Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		for _, e := range events {
			if !s.filter(e) {
				continue
			}
			select {
			case s.ch <- e:
			default:
				b.endLocked(s, ErrSlow)
			}
			if _, still := b.subs[s]; !still {
				break
			}
		}
	}
}

// Open is the number of open subscriptions.
func (b *Broker) Open() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// Close ends every subscription with ErrClosed and refuses new ones.
func (b *Broker) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for s := range b.subs {
		b.endLocked(s, ErrClosed)
	}
}
