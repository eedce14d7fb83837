package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetcp/jetcp/internal/retry"
	"github.com/jetcp/jetcp/messages"
)

// WorkQueue publishes one job's work items, as lister.WorkQueue declares
// it (an alias of the same literal, as WorkDelivery is).
type WorkQueue = interface {
	// Add publishes item asynchronously; it blocks only when the window of
	// unconfirmed items is full.
	Add(ctx context.Context, item *messages.WorkItem) error
	// Flush waits until every item added is stored.
	Flush(ctx context.Context) error
}

// WorkQueue returns a publisher of job's work items.
func (b *Bus) WorkQueue(job string) WorkQueue {
	return &publisher{js: b.js, job: job, subject: messages.WorkSubjectFor(job)}
}

// publisher publishes work items asynchronously with a bounded window,
// waiting and retrying when the work stream pushes back (DiscardNew).
type publisher struct {
	js      jetstream.JetStream
	subject string
	job     string
	pending []pending
	// err is the failure that stopped the queue: the futures it waited
	// on are spent (their channels deliver once), so every later Add or
	// Flush returns it rather than wait for ever.
	err error
}

type pending struct {
	id   string
	data []byte
	ack  jetstream.PubAckFuture
}

const publishWindow = 1024

func (p *publisher) Add(ctx context.Context, item *messages.WorkItem) error {
	if p.err != nil {
		return p.err
	}
	data, err := messages.Encode(item)
	if err != nil {
		return err
	}
	// The msg id makes re-listing the same index idempotent.
	id := messages.WorkMsgID(p.job, item.Index)
	f, err := p.js.PublishAsync(p.subject, data, jetstream.WithMsgID(id))
	if err != nil {
		return fmt.Errorf("publish work item: %w", err)
	}
	p.pending = append(p.pending, pending{id: id, data: data, ack: f})
	if len(p.pending) >= publishWindow {
		return p.Flush(ctx)
	}
	return nil
}

func (p *publisher) Flush(ctx context.Context) error {
	if p.err != nil {
		return p.err
	}
	for _, pm := range p.pending {
		select {
		case <-pm.ack.Ok():
		case err := <-pm.ack.Err():
			if err := p.retry(ctx, pm, err); err != nil {
				p.err = err
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	p.pending = p.pending[:0]
	return nil
}

// republish retries a publish while the stream is full or does not answer.
var republish = retry.Policy{Attempts: retry.Forever, Backoff: 50 * time.Millisecond, Max: 2 * time.Second,
	Permanent: func(err error) bool {
		return !IsBackPressure(err) && !errors.Is(err, jetstream.ErrNoStreamResponse) && !errors.Is(err, context.DeadlineExceeded)
	}}

// retry republishes one item synchronously until the stream takes it; err
// is its asynchronous publish's failure, the first try.
func (p *publisher) retry(ctx context.Context, pm pending, err error) error {
	last, tried := err, false
	err = republish.Do(ctx, func(ctx context.Context) error {
		if tried {
			_, last = p.js.Publish(ctx, p.subject, pm.data, jetstream.WithMsgID(pm.id))
		}
		tried = true
		return last
	})
	if err != nil && err == last {
		return fmt.Errorf("publish work item %s: %w", pm.id, ExplainStoreError(err))
	}
	return err // nil, or ctx's
}

// JetStream's error codes for a publish the server refused to store
// (nats-server's JSStreamStoreFailedF and JSInsufficientResourcesErr).
const (
	codeStoreFailed           jetstream.ErrorCode = 10077
	codeInsufficientResources jetstream.ErrorCode = 10023
)

// fullStream are the descriptions a 10077 answer carries when a stream with
// DiscardNew is at its own limits (nats-server's ErrMaxMsgs, ErrMaxBytes,
// ErrMaxMsgsPerSubject): its consumers make room. Every other 10077 is a
// store that cannot take the message at all (closed, an I/O error, a
// message too large).
var fullStream = map[string]bool{
	"maximum messages exceeded":             true,
	"maximum bytes exceeded":                true,
	"maximum messages per subject exceeded": true,
}

// IsBackPressure reports whether a publish failed because the stream is
// full (DiscardNew): the publisher should wait and retry.
func IsBackPressure(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == codeStoreFailed && fullStream[apiErr.Description]
}

// IsStoreFailure reports whether err is JetStream refusing to store a
// message for a reason waiting will not cure: a server or account out of
// resources (10023), or a store that cannot write (10077 other than a
// stream at its own limits).
func IsStoreFailure(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && !IsBackPressure(err) &&
		(apiErr.ErrorCode == codeInsufficientResources || apiErr.ErrorCode == codeStoreFailed)
}

// ExplainStoreError wraps a publish error that waiting will not cure (a
// store failure, or a server out of resources) with its cause and what to
// do; any other error, and one explained already, comes back as it is.
func ExplainStoreError(err error) error {
	var apiErr *jetstream.APIError
	var done *explained
	if !errors.As(err, &apiErr) || IsBackPressure(err) || errors.As(err, &done) {
		return err
	}
	switch apiErr.ErrorCode {
	case codeInsufficientResources:
		return &explained{fmt.Errorf("JetStream has no room left (the server's storage limit, max_file_store or max_memory_store, or its disk is full): "+
			"free space or raise the limit, then run the job again with -update: %w", err)}
	case codeStoreFailed:
		return &explained{fmt.Errorf("JetStream could not store the message (%s): see the nats-server log for its store: %w", apiErr.Description, err)}
	}
	return err
}

// explained is an error ExplainStoreError explained.
type explained struct{ err error }

func (e *explained) Error() string { return e.err.Error() }
func (e *explained) Unwrap() error { return e.err }
