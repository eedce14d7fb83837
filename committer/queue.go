package committer

import (
	"context"
	"sync"
	"sync/atomic"
)

// DefaultReplayBuffer is the bytes of replayed events a job's follow
// holds before it applies them (WithReplayBuffer). With the replay's own
// pull bound (internal/bus.ReplayPullBytes, 4 MiB) the raw events in
// memory stay under 8 MiB, whatever the job's size or its events': a
// buffer of 4,096 events held 483 MB of 118 KB skip batches.
const DefaultReplayBuffer = 4 << 20

// maxQueuedEvents bounds the events queued by count too, so a job of
// tiny events queues no more than the old buffer did.
const maxQueuedEvents = 4096

// event is one replayed event, as the bus delivered it.
type event struct {
	subject string
	data    []byte
}

// eventQueue hands replayed events from the bus's goroutine to the
// follow's, holding at most max bytes of them: push waits while the
// queue is full. One event larger than max is let in alone, so a job
// never stalls on it.
type eventQueue struct {
	ch   chan event
	max  int64
	room chan struct{} // a pop freed bytes (one producer waits on it)

	mu     sync.Mutex
	bytes  int64
	closed bool // discarded: nothing more is queued or counted
	// gauge is the committer's: the bytes queued by all its jobs, and
	// their peak (ReplayBuffered).
	gauge *bufferGauge
	// waits, when set, is called with the bytes queued each time push
	// has to wait for room (tests see the producer held back without
	// timing it).
	waits func(queued int64)
}

func newEventQueue(max int64, gauge *bufferGauge) *eventQueue {
	return &eventQueue{ch: make(chan event, maxQueuedEvents), max: max, room: make(chan struct{}, 1), gauge: gauge}
}

// push queues ev once there is room, or reports false when ctx ends first.
func (q *eventQueue) push(ctx context.Context, ev event) bool {
	n := int64(len(ev.data))
	for {
		ok, queued := q.reserve(n)
		if ok {
			break
		}
		if queued < 0 {
			return false // discarded
		}
		if q.waits != nil {
			q.waits(queued)
		}
		select {
		case <-q.room:
		case <-ctx.Done():
			return false
		}
	}
	select {
	case q.ch <- ev:
		return true
	case <-ctx.Done():
		q.release(n)
		return false
	}
}

// reserve takes n bytes of room if there are, or if the queue is empty;
// it returns the bytes queued it found (-1: discarded).
func (q *eventQueue) reserve(n int64) (bool, int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false, -1
	}
	if q.bytes > 0 && q.bytes+n > q.max {
		return false, q.bytes
	}
	q.bytes += n
	q.gauge.add(n)
	return true, q.bytes
}

// done returns the room of an event taken from ch.
func (q *eventQueue) done(ev event) { q.release(int64(len(ev.data))) }

func (q *eventQueue) release(n int64) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.bytes -= n
	q.mu.Unlock()
	q.gauge.add(-n)
	select {
	case q.room <- struct{}{}:
	default: // a wake-up is waiting already
	}
}

// discard drops what is queued when the follow ends: its bytes leave
// the committer's count, and a push from now on queues nothing.
func (q *eventQueue) discard() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		q.gauge.add(-q.bytes)
		q.bytes = 0
	}
	for {
		select {
		case <-q.ch:
		default:
			return
		}
	}
}

// buffered counts the events queued.
func (q *eventQueue) buffered() int { return len(q.ch) }

// bufferGauge sums the replayed bytes queued by a committer's jobs.
type bufferGauge struct {
	now, peak atomic.Int64
}

func (g *bufferGauge) add(n int64) {
	v := g.now.Add(n)
	for {
		p := g.peak.Load()
		if v <= p || g.peak.CompareAndSwap(p, v) {
			return
		}
	}
}
