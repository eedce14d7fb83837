package bus

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetcp/jetcp/messages"
)

// Bus is jetcp's streams, consumers and job bucket on one connection. It
// satisfies the interfaces each service declares for what it needs (see
// the package doc), and a job client uses it as it is.
type Bus struct {
	nc *nats.Conn
	js jetstream.JetStream
	// consumers holds the durable consumers opened, by name.
	consumers sync.Map
}

// New opens JetStream on nc. The caller keeps nc and closes it.
func New(nc *nats.Conn) (*Bus, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	return &Bus{nc: nc, js: js}, nil
}

// Conn is the bus's connection, e.g. for its health or the cluster's size.
func (b *Bus) Conn() *nats.Conn { return b.nc }

// CreateJob records a job's spec; recording an id twice fails, so two
// submissions cannot share one job's events.
func (b *Bus) CreateJob(ctx context.Context, job *messages.Job) error {
	kv, err := b.js.KeyValue(ctx, JobBucket)
	if err != nil {
		return fmt.Errorf("open bucket %s: %w", JobBucket, err)
	}
	spec, err := messages.Encode(job)
	if err != nil {
		return err
	}
	if _, err := kv.Create(ctx, job.ID, spec); err != nil {
		return fmt.Errorf("record job %s: %w", job.ID, ExplainStoreError(err))
	}
	return nil
}

// LoadJob reads a job's spec from the job bucket.
func (b *Bus) LoadJob(ctx context.Context, id string) (*messages.Job, error) {
	if !messages.ValidJobID(id) {
		return nil, fmt.Errorf("job id %q: %w", id, messages.ErrUnknownJob)
	}
	kv, err := b.js.KeyValue(ctx, JobBucket)
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", JobBucket, err)
	}
	e, err := kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, fmt.Errorf("job %s: %w", id, messages.ErrUnknownJob)
	}
	if err != nil {
		return nil, fmt.Errorf("get job %s: %w", id, err)
	}
	return messages.Decode[messages.Job](e.Value())
}

// JobIDs lists the recorded job ids, oldest first (ids sort by creation time).
func (b *Bus) JobIDs(ctx context.Context) ([]string, error) {
	kv, err := b.js.KeyValue(ctx, JobBucket)
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", JobBucket, err)
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	var ids []string
	for k := range keys.Keys() {
		ids = append(ids, k)
	}
	slices.Sort(ids)
	return ids, nil
}

// PublishEvent publishes ev on its job's subject for its type. A non-empty
// msgID makes a repeated publish (a retry, a redelivered duplicate) appear
// once on the stream.
func (b *Bus) PublishEvent(ctx context.Context, ev *messages.Event, msgID string) error {
	data, err := messages.Encode(ev)
	if err != nil {
		return err
	}
	var opts []jetstream.PublishOpt
	if msgID != "" {
		opts = append(opts, jetstream.WithMsgID(msgID))
	}
	if _, err := b.js.Publish(ctx, messages.EventSubjectFor(ev.Job, ev.Type), data, opts...); err != nil {
		return fmt.Errorf("publish %s event: %w", ev.Type, ExplainStoreError(err))
	}
	return nil
}

// LastEvent reads a job's latest event of one type from the events
// stream, or nil when there is none. It asks the stream directly, with no
// consumer, so it works as soon as the stream has a leader.
func (b *Bus) LastEvent(ctx context.Context, job, typ string) (*messages.Event, error) {
	st, err := b.js.Stream(ctx, EventStream)
	if err != nil {
		return nil, fmt.Errorf("open stream %s: %w", EventStream, err)
	}
	m, err := st.GetLastMsgForSubject(ctx, messages.EventSubjectFor(job, typ))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("job %s: read its %s event: %w", job, typ, err)
	}
	return messages.Decode[messages.Event](m.Data)
}

// EventCounts counts a job's events by type, from the stream's index (no
// message is read).
func (b *Bus) EventCounts(ctx context.Context, job string) (map[string]uint64, error) {
	subjects, err := b.countSubjects(ctx, EventStream, messages.EventSubjectFor(job, "*"))
	if err != nil {
		return nil, fmt.Errorf("job %s: read its events: %w", job, err)
	}
	counts := map[string]uint64{}
	for subj, n := range subjects {
		if typ, ok := eventType(job, subj); ok {
			counts[typ] = n
		}
	}
	return counts, nil
}

// eventType is the type token of one of job's event subjects.
func eventType(job, subject string) (string, bool) {
	prefix := messages.EventSubjectFor(job, "")
	if len(subject) <= len(prefix) || subject[:len(prefix)] != prefix {
		return "", false
	}
	return subject[len(prefix):], true
}

// countSubjects is the stream's message count per subject matching filter.
func (b *Bus) countSubjects(ctx context.Context, stream, filter string) (map[string]uint64, error) {
	st, err := b.js.Stream(ctx, stream)
	if err != nil {
		return nil, fmt.Errorf("open stream %s: %w", stream, err)
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return nil, err
	}
	return info.State.Subjects, nil
}
