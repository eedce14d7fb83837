package messages

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrUnknownJob is returned for a job id the job bucket does not hold.
var ErrUnknownJob = errors.New("unknown job")

// LoadJob reads a job's spec from the job bucket.
func LoadJob(ctx context.Context, js jetstream.JetStream, id string) (*Job, error) {
	if !ValidJobID(id) {
		return nil, fmt.Errorf("job id %q: %w", id, ErrUnknownJob)
	}
	kv, err := js.KeyValue(ctx, JobBucket)
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", JobBucket, err)
	}
	e, err := kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, fmt.Errorf("job %s: %w", id, ErrUnknownJob)
	}
	if err != nil {
		return nil, fmt.Errorf("get job %s: %w", id, err)
	}
	return Decode[Job](e.Value())
}

// PublishEvent publishes ev on its job's subject for its type. A non-empty
// msgID makes a repeated publish (a retry, a redelivered duplicate) appear
// once on the stream.
func PublishEvent(ctx context.Context, js jetstream.JetStream, ev *Event, msgID string) error {
	data, err := Encode(ev)
	if err != nil {
		return err
	}
	var opts []jetstream.PublishOpt
	if msgID != "" {
		opts = append(opts, jetstream.WithMsgID(msgID))
	}
	if _, err := js.Publish(ctx, EventSubjectFor(ev.Job, ev.Type), data, opts...); err != nil {
		return fmt.Errorf("publish %s event: %w", ev.Type, err)
	}
	return nil
}

// ResultMsgID is the msg id of an item's result: whoever publishes it
// (the copier, or the committer recording a lost item), it counts once.
func ResultMsgID(job string, index int64) string {
	return job + "/result/" + strconv.FormatInt(index, 10)
}

// LastEvent reads a job's latest event of one type from the events
// stream, or nil when there is none. It asks the stream directly, with no
// consumer, so it works as soon as the stream has a leader.
func LastEvent(ctx context.Context, js jetstream.JetStream, job, typ string) (*Event, error) {
	st, err := js.Stream(ctx, EventStream)
	if err != nil {
		return nil, fmt.Errorf("open stream %s: %w", EventStream, err)
	}
	m, err := st.GetLastMsgForSubject(ctx, EventSubjectFor(job, typ))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("job %s: read its %s event: %w", job, typ, err)
	}
	return Decode[Event](m.Data)
}
