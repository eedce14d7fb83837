package committer

import (
	"context"
	"time"

	"github.com/jetcp/jetcp/messages"
)

// Bus is everything a committer needs of the streams (internal/bus's Bus
// in the binaries, a fake in tests).
type Bus interface {
	Jobs
	Events
	Work
	Cancels
	Leases
	Results
	Specs
}

// Results are ended jobs' per-file result events, dropped after the
// retention (retention.go).
type Results interface {
	// PurgeResults removes job's result events, keeping its others.
	PurgeResults(ctx context.Context, job string) error
}

// Specs are the recorded jobs, looked up to tell whether a temp file's
// job is still alive.
type Specs interface {
	// LoadJob is a job's spec; messages.ErrUnknownJob when none is recorded.
	LoadJob(ctx context.Context, id string) (*messages.Job, error)
}

// Leases are the listers' heartbeats while they list (Job.ListingLease).
type Leases interface {
	// WatchLease calls fn with every heartbeat of job's listing until stop.
	WatchLease(job string, fn func()) (stop func(), err error)
}

// Cancels are the cancel requests a committer answers for the jobs it
// follows. They need no storage, so a job can be stopped when JetStream
// has no room: the answer removes the job's work items first.
type Cancels interface {
	// AnswerCancel calls fn with each canceled event requested for job
	// until stop; fn's error is the requester's answer.
	AnswerCancel(job string, fn func(ctx context.Context, ev *messages.Event) error) (stop func(), err error)
}

// Jobs hands out the jobs to commit: their created events, shared by all
// committers, each held until its job is committed.
type Jobs interface {
	// FetchCreated takes up to n created events and calls deliver with
	// each as it arrives, until ctx ends. Finding none is not an error.
	FetchCreated(ctx context.Context, n int, deliver func(Delivery)) error
}

// Delivery is one delivery of a job-created event. It is an alias of an
// interface literal (internal/bus names the same literal), so that the
// bus satisfies Jobs without either package importing the other.
type Delivery = interface {
	Data() []byte
	Subject() string
	// KeepAlive holds the event past the ack wait while the job runs.
	KeepAlive() error
	// Ack removes the event: the job is committed.
	Ack() error
	// Retry delivers the event again after delay, to any committer.
	Retry(delay time.Duration) error
	// Fail removes the event without a retry, saying why.
	Fail(reason string) error
}

// Events are the jobs' events: replayed to rebuild a job's state, and
// published for results the committer settles and for the job's end.
type Events interface {
	// ReplayEvents calls fn with each of job's events, from the first and
	// then live, from one goroutine, until the replay is closed.
	ReplayEvents(ctx context.Context, job string, fn func(subject string, data []byte)) (Replay, error)
	// LastEvent is the job's latest event of type typ, nil when none.
	LastEvent(ctx context.Context, job, typ string) (*messages.Event, error)
	// PublishEvent publishes ev; events with the same non-empty msgID
	// count once.
	PublishEvent(ctx context.Context, ev *messages.Event, msgID string) error
}

// Replay is a running replay of a job's events (an alias of an interface
// literal, as Delivery is).
type Replay = interface {
	// Pending counts the job's events not delivered yet.
	Pending(ctx context.Context) (uint64, error)
	// Close stops the replay and releases it on the server.
	Close(ctx context.Context) error
}

// Work is the work stream as the committer tends it.
type Work interface {
	// PurgeWork removes a job's remaining work items.
	PurgeWork(ctx context.Context, job string) error
	// WorkLeft counts a job's work items still in the stream, waiting or
	// held by a copier.
	WorkLeft(ctx context.Context, job string) (uint64, error)
}
