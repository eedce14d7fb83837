package copier

import (
	"context"
	"time"

	"github.com/jetcp/jetcp/messages"
)

// Work is the work stream as a copier pulls from it (internal/bus's Bus in
// the binaries, a fake in tests).
type Work interface {
	// FetchWork takes up to n work items and calls deliver with each as it
	// arrives: those waiting now, or with wait, those that arrive before
	// ctx ends. Finding none is not an error.
	FetchWork(ctx context.Context, n int, wait bool, deliver func(Delivery)) error
}

// Delivery is one delivery of a work item; exactly one of Ack, Retry,
// Release and Fail settles it. It is an alias of an interface literal
// (internal/bus names the same literal), so that the bus satisfies Work
// without either package importing the other.
type Delivery = interface {
	Data() []byte
	Subject() string
	// Attempt counts this item's deliveries, this one included.
	Attempt() int
	// KeepAlive holds the item past the ack wait during a long copy.
	KeepAlive() error
	// Ack removes the item: it has its result.
	Ack() error
	// Retry delivers the item again after delay.
	Retry(delay time.Duration) error
	// Release delivers the item again at once, to any copier.
	Release() error
	// Fail removes the item without a retry, saying why.
	Fail(reason string) error
}

// Jobs is what a copier reads and publishes about jobs.
type Jobs interface {
	LoadJob(ctx context.Context, id string) (*messages.Job, error)
	// LastEvent is the job's latest event of type typ, nil when none.
	LastEvent(ctx context.Context, job, typ string) (*messages.Event, error)
	// PublishEvent publishes ev; events with the same non-empty msgID
	// count once.
	PublishEvent(ctx context.Context, ev *messages.Event, msgID string) error
	// WatchCanceled calls fn with every job canceled from now on.
	WatchCanceled(fn func(job string)) (stop func(), err error)
	// WatchEnded calls fn with every job that ends from now on (its done
	// event), so the copier forgets it.
	WatchEnded(fn func(job string)) (stop func(), err error)
	// PublishInFlight reports this copier's bytes in flight of one job: a
	// message nothing stores, for live progress displays.
	PublishInFlight(p *messages.InFlight) error
}
