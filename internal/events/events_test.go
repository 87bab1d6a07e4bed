package events_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/relgraph/relgraph/internal/events"
)

func TestSlowSubscriberIsDroppedWithoutBlockingWriters(t *testing.T) {
	open := 0.0
	b := events.NewBroker(events.Options{Buffer: 2, Open: func(d float64) { open += d }})
	slow, err := b.Subscribe(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	fast, err := b.Subscribe(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	received := make(chan int)
	go func() {
		n := 0
		for range fast.C {
			n++
		}
		received <- n
	}()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 100 {
			b.Publish([]events.Event{{ID: i, Kind: "UPDATE", EntityType: "Release"}})
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a writer waited for a slow subscriber")
	}
	n := 0
	for range slow.C {
		n++
	}
	if n != 2 || !errors.Is(slow.Err(), events.ErrSlow) {
		t.Errorf("slow subscriber got %d events and %v, want 2 and ErrSlow", n, slow.Err())
	}
	fast.Close()
	if got := <-received; got == 0 {
		t.Error("the other subscriber got nothing")
	}
	if open != 0 || b.Open() != 0 {
		t.Errorf("open = %v / %d after both ended", open, b.Open())
	}
}

func TestLimits(t *testing.T) {
	b := events.NewBroker(events.Options{MaxPerConnection: 1, MaxTotal: 2})
	ctx, cancel := context.WithCancel(events.WithConnection(context.Background()))
	if _, err := b.Subscribe(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Subscribe(ctx, nil); !errors.Is(err, events.ErrTooManyForConnection) {
		t.Errorf("second on one connection: %v", err)
	}
	if _, err := b.Subscribe(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Subscribe(context.Background(), nil); !errors.Is(err, events.ErrTooMany) {
		t.Errorf("third in total: %v", err)
	}
	cancel() // ends the first
	for deadline := time.Now().Add(time.Second); b.Open() != 1 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if _, err := b.Subscribe(context.Background(), nil); err != nil {
		t.Errorf("after one ended: %v", err)
	}
	b.Close()
	if _, err := b.Subscribe(context.Background(), nil); !errors.Is(err, events.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

func TestFilter(t *testing.T) {
	b := events.NewBroker(events.Options{})
	s, _ := b.Subscribe(context.Background(), func(e events.Event) bool { return e.EntityID == 2 })
	b.Publish([]events.Event{{EntityID: 1}, {EntityID: 2}})
	if e := <-s.C; e.EntityID != 2 {
		t.Errorf("got %+v", e)
	}
}
