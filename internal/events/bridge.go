package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// Channel is the PostgreSQL NOTIFY channel the processes share.
const Channel = "relgraph_events"

// maxPayload keeps a NOTIFY payload under PostgreSQL's 8000-byte limit.
const maxPayload = 7000

// notice is one NOTIFY payload: events published by process Origin, or
// by no process when empty (Payloads).
type notice struct {
	Origin string  `json:"o"`
	Events []Event `json:"e"`
}

// Bridge carries a Broker's events between the server processes sharing
// one PostgreSQL database: each process's writes send their events with
// NOTIFY inside their transactions (in JSON, split to stay under the
// payload limit: Broker.Notices, tagged with the process's origin), and
// each process delivers the others', and those of writers that are no
// server process (Payloads), received on one dedicated LISTEN connection
// that is reopened when it fails. Events sent while a process's listener
// is down are not delivered to its subscribers (they can catch up from
// auditEvents).
type Bridge struct {
	broker  *Broker
	connect func(context.Context) (*pgx.Conn, error)
	logger  *slog.Logger
	origin  string
	// Retry is the pause before reconnecting a failed listener.
	retry time.Duration
}

// StartBridge connects broker to the other processes: connect opens the
// dedicated listening connection. It returns once the listener is up, or failed once
// (it keeps retrying in the background then), and runs until ctx is done.
func StartBridge(ctx context.Context, broker *Broker, connect func(context.Context) (*pgx.Conn, error), logger *slog.Logger) *Bridge {
	var id [8]byte
	_, _ = rand.Read(id[:])
	b := &Bridge{broker: broker, connect: connect, logger: logger, origin: hex.EncodeToString(id[:]), retry: time.Second}
	broker.mu.Lock()
	broker.tagged = func(events []Event) []string { return payloads(b.origin, events) }
	broker.mu.Unlock()
	ready := make(chan struct{})
	go b.listen(ctx, ready)
	select {
	case <-ready:
	case <-ctx.Done():
	}
	return b
}

// Payloads splits the events of a transaction into the NOTIFY payloads on
// Channel that announce them to every server process alike, the sender's
// own included: for a writer that is no server process (store.DB.WithTx),
// which sends them inside its transaction, so that they are delivered only
// if it commits.
func Payloads(events []Event) []string { return payloads("", events) }

// payloads splits events into NOTIFY payloads of at most maxPayload bytes,
// tagged with origin.
func payloads(origin string, events []Event) []string {
	var out []string
	n := notice{Origin: origin}
	size := 0
	for _, e := range events {
		raw, _ := json.Marshal(e)
		if len(n.Events) > 0 && size+len(raw)+64 > maxPayload {
			out = append(out, mustJSON(n))
			n.Events, size = nil, 0
		}
		n.Events = append(n.Events, e)
		size += len(raw) + 1
	}
	if len(n.Events) > 0 {
		out = append(out, mustJSON(n))
	}
	return out
}

func mustJSON(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("events: %v", err))
	}
	return string(raw)
}

// listen keeps one connection LISTENing and delivers what others publish.
func (b *Bridge) listen(ctx context.Context, ready chan struct{}) {
	first := true
	signal := func() {
		if first {
			first = false
			close(ready)
		}
	}
	for ctx.Err() == nil {
		err := b.listenOnce(ctx, signal)
		signal()
		if ctx.Err() != nil {
			return
		}
		b.logger.Warn("events: listener failed; reconnecting", "err", err, "retry", b.retry)
		select {
		case <-time.After(b.retry):
		case <-ctx.Done():
			return
		}
	}
}

func (b *Bridge) listenOnce(ctx context.Context, ready func()) error {
	conn, err := b.connect(ctx)
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	ready()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var msg notice
		if err := json.Unmarshal([]byte(n.Payload), &msg); err != nil {
			b.logger.Warn("events: unreadable notification ignored", "err", err)
			continue
		}
		// This process's own publications it has delivered already; those
		// of no process (Payloads) only arrive here.
		if msg.Origin != b.origin {
			b.broker.Deliver(msg.Events)
		}
	}
}
