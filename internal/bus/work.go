package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetcp/jetcp/messages"
)

// WorkDelivery is one delivery of a work item, as copier.Delivery
// declares it. Both are aliases of the same interface literal, so
// FetchWork satisfies copier.Work while neither package imports the other.
type WorkDelivery = interface {
	Data() []byte
	Subject() string
	Attempt() int
	KeepAlive() error
	Ack() error
	Retry(delay time.Duration) error
	Release() error
	Fail(reason string) error
}

// CreatedDelivery is one delivery of a job-created event, as
// committer.Delivery declares it (an alias of the same literal, as
// WorkDelivery is).
type CreatedDelivery = interface {
	Data() []byte
	Subject() string
	KeepAlive() error
	Ack() error
	Retry(delay time.Duration) error
	Fail(reason string) error
}

// delivery is a message of a durable pull consumer.
type delivery struct{ m jetstream.Msg }

func (d delivery) Data() []byte    { return d.m.Data() }
func (d delivery) Subject() string { return d.m.Subject() }

// Attempt is the message's delivery count, 1 when the server does not say.
func (d delivery) Attempt() int {
	if md, err := d.m.Metadata(); err == nil {
		return int(md.NumDelivered)
	}
	return 1
}

// KeepAlive resets the server's ack timer (InProgress).
func (d delivery) KeepAlive() error { return d.m.InProgress() }
func (d delivery) Ack() error       { return d.m.Ack() }

// Retry redelivers the message after delay (a plain Nak would ignore it).
func (d delivery) Retry(delay time.Duration) error { return d.m.NakWithDelay(delay) }

// Release redelivers the message at once, to whichever consumer asks next.
func (d delivery) Release() error { return d.m.Nak() }

// Fail removes the message for good (Term): the server records why in a
// MSG_TERMINATED advisory.
func (d delivery) Fail(reason string) error { return d.m.TermWithReason(reason) }

// FetchWork takes up to n work items and calls deliver with each as it
// arrives: those waiting now, or with wait, those that arrive before ctx
// ends.
func (b *Bus) FetchWork(ctx context.Context, n int, wait bool, deliver func(WorkDelivery)) error {
	return fetch(ctx, b, WorkStream, CopierConsumer, n, wait, deliver)
}

// FetchCreated takes up to n job-created events for a committer and calls
// deliver with each as it arrives, until ctx ends.
func (b *Bus) FetchCreated(ctx context.Context, n int, deliver func(CreatedDelivery)) error {
	return fetch(ctx, b, EventStream, CommitterConsumer, n, true, deliver)
}

// fetch pulls from a durable consumer. The end of ctx while waiting, and
// finding nothing, are not errors.
func fetch[D any](ctx context.Context, b *Bus, stream, consumer string, n int, wait bool, deliver func(D)) error {
	cons, err := b.consumer(ctx, stream, consumer)
	if err != nil {
		return err
	}
	var batch jetstream.MessageBatch
	if wait {
		batch, err = cons.Fetch(n, jetstream.FetchContext(ctx))
	} else {
		batch, err = cons.FetchNoWait(n)
	}
	if err != nil {
		return fmt.Errorf("fetch from %s: %w", consumer, err)
	}
	for m := range batch.Messages() {
		deliver(any(delivery{m}).(D))
	}
	if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && ctx.Err() == nil &&
		!errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("fetch from %s: %w", consumer, err)
	}
	return nil
}

// consumer opens a durable consumer once: its handle stays valid, and
// looking it up is a round trip per fetch.
func (b *Bus) consumer(ctx context.Context, stream, name string) (jetstream.Consumer, error) {
	if c, ok := b.consumers.Load(name); ok {
		return c.(jetstream.Consumer), nil
	}
	c, err := b.js.Consumer(ctx, stream, name)
	if err != nil {
		return nil, fmt.Errorf("open consumer %s: %w", name, err)
	}
	b.consumers.Store(name, c)
	return c, nil
}

// PurgeWork removes a job's remaining work items, so no copier starts them.
func (b *Bus) PurgeWork(ctx context.Context, job string) error {
	st, err := b.js.Stream(ctx, WorkStream)
	if err != nil {
		return fmt.Errorf("open stream %s: %w", WorkStream, err)
	}
	if err := st.Purge(ctx, jetstream.WithPurgeSubject(messages.WorkSubjectFor(job))); err != nil {
		return fmt.Errorf("purge job %s's work items: %w", job, err)
	}
	return nil
}

// WorkLeft counts a job's work items still in the work stream (waiting,
// or held by a copier).
func (b *Bus) WorkLeft(ctx context.Context, job string) (uint64, error) {
	subj := messages.WorkSubjectFor(job)
	subjects, err := b.countSubjects(ctx, WorkStream, subj)
	if err != nil {
		return 0, fmt.Errorf("job %s: count its work items: %w", job, err)
	}
	return subjects[subj], nil
}

// PurgeResults removes an ended job's per-file result events; its other
// events (created, listed, canceled, done with the report) stay.
func (b *Bus) PurgeResults(ctx context.Context, job string) error {
	st, err := b.js.Stream(ctx, EventStream)
	if err != nil {
		return fmt.Errorf("open stream %s: %w", EventStream, err)
	}
	if err := st.Purge(ctx, jetstream.WithPurgeSubject(messages.EventSubjectFor(job, messages.EventResult))); err != nil {
		return fmt.Errorf("purge job %s's results: %w", job, err)
	}
	return nil
}
