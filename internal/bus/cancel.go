package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/jetcp/jetcp/messages"
)

// A cancel travels as a core NATS request on jetcp.cancel.<job> before it
// is stored: the committer following the job answers it, removes the
// job's work items (which frees room in a full store) and then records the
// canceled event. So a job can be stopped when JetStream can store
// nothing, and no committer is needed to read a stream first. With no
// committer following the job, the caller records the event itself.

// cancelAnswerTime bounds how long a committer works on one cancel
// request (removing the work items, recording the event with retries);
// a request waits a little longer for its answer.
const cancelAnswerTime = 20 * time.Second

// RequestCancel asks the committer following ev's job to cancel it with
// ev (a canceled event). It reports whether a committer answered: false
// with a nil error means none follows the job; an answer that is an
// error is returned as one.
func (b *Bus) RequestCancel(ctx context.Context, ev *messages.Event) (bool, error) {
	data, err := messages.Encode(ev)
	if err != nil {
		return false, err
	}
	ctx, cancel := context.WithTimeout(ctx, cancelAnswerTime+5*time.Second)
	defer cancel()
	reply, err := b.nc.RequestWithContext(ctx, messages.CancelSubjectFor(ev.Job), data)
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("ask the committer to cancel job %s: %w", ev.Job, err)
	case len(reply.Data) > 0:
		return true, fmt.Errorf("the committer could not cancel job %s: %s", ev.Job, reply.Data)
	}
	return true, nil
}

// AnswerCancel answers job's cancel requests with fn until stop: the
// answer is empty when fn succeeds, else its error (explained when it is
// a store failure). fn runs on the subscription's goroutine, one request
// at a time, with a context of bounded time.
func (b *Bus) AnswerCancel(job string, fn func(ctx context.Context, ev *messages.Event) error) (stop func(), err error) {
	sub, err := b.nc.Subscribe(messages.CancelSubjectFor(job), func(m *nats.Msg) {
		ev, err := messages.Decode[messages.Event](m.Data)
		if err == nil && (ev.Type != messages.EventCanceled || ev.Job != job || ev.Canceled == nil) {
			err = errors.New("not a canceled event of this job")
		}
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), cancelAnswerTime)
			err = fn(ctx, ev)
			cancel()
		}
		var answer []byte
		if err != nil {
			answer = []byte(ExplainStoreError(err).Error())
		}
		_ = m.Respond(answer)
	})
	if err != nil {
		return nil, fmt.Errorf("answer cancel requests of job %s: %w", job, err)
	}
	return func() { _ = sub.Unsubscribe() }, nil
}

// RenewLease sends a heartbeat of job's listing (a core message: nothing
// is stored, so it goes on when the store is full).
func (b *Bus) RenewLease(job string) error {
	if err := b.nc.Publish(messages.LeaseSubjectFor(job), nil); err != nil {
		return fmt.Errorf("renew the listing lease of job %s: %w", job, err)
	}
	return nil
}

// WatchLease calls fn with every heartbeat of job's listing until stop.
func (b *Bus) WatchLease(job string, fn func()) (stop func(), err error) {
	return b.Watch(messages.LeaseSubjectFor(job), func(string, []byte) { fn() })
}
