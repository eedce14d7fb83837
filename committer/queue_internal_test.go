package committer

import (
	"context"
	"testing"
)

// A replay's events wait for room once the queue holds its bound in bytes:
// a producer of 100 events of 10 KiB into a 64 KiB queue is held back
// (every wait is seen through the waits hook, no timing), the queue never
// holds more than 64 KiB, and every event comes through in order. Without
// the bound the producer would queue all 1,000 KiB at once.
func TestEventQueueHoldsItsBound(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const size, events, bound = 10 << 10, 100, 64 << 10
	var g bufferGauge
	q := newEventQueue(bound, &g)
	waiting := make(chan int64)
	q.waits = func(queued int64) { waiting <- queued }
	pushed := make(chan struct{})
	go func() {
		defer close(pushed)
		for i := range events {
			data := make([]byte, size)
			data[0] = byte(i)
			if !q.push(ctx, event{data: data}) {
				return
			}
		}
	}()
	got, waits := 0, 0
	take := func() {
		for q.buffered() > 0 {
			ev := <-q.ch
			if ev.data[0] != byte(got) {
				t.Fatalf("event %d came as %d", got, ev.data[0])
			}
			got++
			q.done(ev)
		}
	}
	for done := false; !done; {
		select {
		case queued := <-waiting:
			waits++
			if queued > bound || queued+size <= bound {
				t.Fatalf("the producer waits with %d bytes queued; want it to wait only when another %d would pass %d", queued, size, bound)
			}
		case <-pushed:
			done = true
		}
		take()
	}
	take()
	if got != events {
		t.Errorf("%d events came through, want %d", got, events)
	}
	if peak := g.peak.Load(); peak > bound {
		t.Errorf("the queue held %d bytes at once, bound %d", peak, bound)
	}
	if waits < events*size/bound-1 {
		t.Errorf("the producer waited %d times, want at least %d", waits, events*size/bound-1)
	}
	if now := g.now.Load(); now != 0 {
		t.Errorf("%d bytes still counted after every event was taken", now)
	}
}

// One event larger than the bound passes on its own when the queue is
// empty, so a replay never stalls on it.
func TestEventQueueLetsALargeEventThrough(t *testing.T) {
	var g bufferGauge
	q := newEventQueue(1<<10, &g)
	if !q.push(context.Background(), event{data: make([]byte, 4<<10)}) {
		t.Fatal("push of an event larger than the bound into an empty queue failed")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if q.push(ctx, event{data: make([]byte, 1)}) {
		t.Error("a second event passed while the large one was queued")
	}
	q.done(<-q.ch)
	if now := g.now.Load(); now != 0 {
		t.Errorf("%d bytes counted after the queue emptied", now)
	}
}
