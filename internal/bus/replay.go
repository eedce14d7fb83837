package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetcp/jetcp/internal/retry"
	"github.com/jetcp/jetcp/messages"
)

// Replay is a job's events delivered from the first, then live, as
// committer.Replay declares it (an alias of the same literal, as
// WorkDelivery is).
type Replay = interface {
	// Pending counts the job's events the server has not delivered yet.
	Pending(ctx context.Context) (uint64, error)
	// Close stops the delivery and deletes the replay's consumer on the
	// server, which would otherwise keep it (and its goroutines) for its
	// inactive threshold, five minutes, after every job.
	Close(ctx context.Context) error
}

// ReplayEvents calls fn with each of job's events, from the first, from
// one goroutine, until the replay is closed. The events the server has
// sent and fn has not taken yet are at most ReplayPullBytes (a slow fn
// holds the next pull back), whatever the size of the job or its events.
func (b *Bus) ReplayEvents(ctx context.Context, job string, fn func(subject string, data []byte)) (Replay, error) {
	cons, err := b.orderedEvents(ctx, job)
	if err != nil {
		return nil, fmt.Errorf("replay job %s: %w", job, err)
	}
	r := &replay{js: b.js, cons: cons}
	pull := jetstream.PullMaxBytes(ReplayPullBytes(b.nc.MaxPayload()))
	r.cc, err = cons.Consume(func(m jetstream.Msg) { fn(m.Subject(), m.Data()) }, pull)
	if err != nil {
		_ = r.drop(ctx)
		return nil, fmt.Errorf("replay job %s: %w", job, err)
	}
	return r, nil
}

// ReplayPullBytes bounds the bytes a replay's pulls ask the server for:
// 4 MiB, or twice the largest message the server takes (maxPayload) if
// that is more. A pull asks for what is left of the bound, and the
// client asks again once half of it is free; a pull smaller than the next
// message gets none (the server answers "exceeds max bytes" and the
// client asks again with more), so half the bound must hold the largest
// message or the replay could stall. By message count (nats.go's default
// is 500 per pull) a job of 118 KB skip batches buffered 59 MB in the
// client alone.
func ReplayPullBytes(maxPayload int64) int {
	return int(max(4<<20, 2*maxPayload))
}

// orderedEvents is an ordered consumer of job's events from the first.
func (b *Bus) orderedEvents(ctx context.Context, job string) (jetstream.Consumer, error) {
	return b.js.OrderedConsumer(ctx, EventStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{messages.EventSubjectFor(job, "*")},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
}

type replay struct {
	js   jetstream.JetStream
	cons jetstream.Consumer
	cc   jetstream.ConsumeContext
}

func (r *replay) Pending(ctx context.Context) (uint64, error) {
	ci, err := r.cons.Info(ctx)
	if err != nil {
		return 0, err
	}
	return ci.NumPending, nil
}

func (r *replay) Close(ctx context.Context) error {
	r.cc.Stop()
	return r.drop(ctx)
}

// drop deletes the consumer under the name it has now (an ordered
// consumer renews itself after a gap).
func (r *replay) drop(ctx context.Context) error {
	info := r.cons.CachedInfo()
	if info == nil {
		return nil
	}
	if err := r.js.DeleteConsumer(ctx, EventStream, info.Name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("delete consumer %s: %w", info.Name, err)
	}
	return nil
}

// EventFeed is a job's events, from the first, then live, read one by one;
// what it holds ahead of Next is bounded as a replay's is (ReplayPullBytes).
type EventFeed struct{ it jetstream.MessagesContext }

// Next waits for the next event's data.
func (f *EventFeed) Next() ([]byte, error) {
	m, err := f.it.Next()
	if err != nil {
		return nil, err
	}
	return m.Data(), nil
}

// Stop ends the feed; a Next waiting returns an error.
func (f *EventFeed) Stop() { f.it.Stop() }

// FollowEvents opens a feed of job's events. Right after a cluster node is
// lost, opening it can time out for a while (a new consumer may be placed
// on the dead peer until the cluster notices), so it keeps trying until
// ctx ends.
func (b *Bus) FollowEvents(ctx context.Context, job string) (*EventFeed, error) {
	var it jetstream.MessagesContext
	var last error
	p := retry.Policy{Attempts: retry.Forever, Backoff: 500 * time.Millisecond, Max: 5 * time.Second,
		Permanent: func(err error) bool { return !Unreachable(err) || ctx.Err() != nil }}
	_ = p.Do(ctx, func(ctx context.Context) error {
		cons, err := b.orderedEvents(ctx, job)
		if err == nil {
			it, err = cons.Messages(jetstream.PullMaxBytes(ReplayPullBytes(b.nc.MaxPayload())))
		}
		last = err
		return err
	})
	if last != nil {
		return nil, fmt.Errorf("follow job %s: %w", job, last) // the open's error, also when ctx ended in a pause
	}
	return &EventFeed{it: it}, nil
}

// Unreachable reports errors JetStream gives while it cannot answer: a
// server starting or reconnecting, a cluster electing its meta or stream
// leader (no responders, timeouts, "JetStream system temporarily
// unavailable"). Trying again shortly may succeed.
func Unreachable(err error) bool {
	var apiErr *jetstream.APIError
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoHeartbeat) ||
		errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrDisconnected) ||
		errors.As(err, &apiErr) && (apiErr.ErrorCode == codeClusterNotAvailable || apiErr.ErrorCode == codeClusterNotActive)
}

// JetStream's error codes of a cluster without a leader (nats-server's
// JSClusterNotAvailErr, JSClusterNotActiveErr).
const (
	codeClusterNotAvailable jetstream.ErrorCode = 10008
	codeClusterNotActive    jetstream.ErrorCode = 10006
)

// Watch calls fn with the data of every event published on subject (a
// pattern: "*" matches a token) from now on, from one goroutine, until
// stop. It is a core subscription: no consumer, nothing for the server to
// keep, and a message sent while reconnecting is missed, so it suits
// prompt notice of what the stream also records. A slow fn makes it drop
// messages rather than block the connection.
func (b *Bus) Watch(subject string, fn func(subject string, data []byte)) (stop func(), err error) {
	sub, err := b.nc.Subscribe(subject, func(m *nats.Msg) { fn(m.Subject, m.Data) })
	if err != nil {
		return nil, fmt.Errorf("subscribe to %s: %w", subject, err)
	}
	_ = sub.SetPendingLimits(1<<20, 256<<20)
	return func() { _ = sub.Unsubscribe() }, nil
}

// WatchCanceled calls fn with the id of every job canceled from now on.
func (b *Bus) WatchCanceled(fn func(job string)) (stop func(), err error) {
	return b.Watch(messages.EventSubjectFor("*", messages.EventCanceled), func(subject string, _ []byte) {
		if job := messages.JobOfEventSubject(subject); job != "" {
			fn(job)
		}
	})
}

// WatchEnded calls fn with the id of every job that ends (its done event)
// from now on. Like every watch it may miss one while reconnecting.
func (b *Bus) WatchEnded(fn func(job string)) (stop func(), err error) {
	return b.Watch(messages.EventSubjectFor("*", messages.EventDone), func(subject string, _ []byte) {
		if job := messages.JobOfEventSubject(subject); job != "" {
			fn(job)
		}
	})
}
