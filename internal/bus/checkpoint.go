package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetcp/jetcp/messages"
)

// ListingBucket is a KV bucket: job id -> the listing's last checkpoint
// (lister/resume.go encodes it), so that `lister resume` can continue a
// listing whose lister died.
const ListingBucket = "jetcp_listings"

// ListingTTL drops the checkpoint of a listing that was neither closed nor
// resumed (its job failed once the lease lapsed): a week, as the events.
const ListingTTL = 7 * 24 * time.Hour

// ErrNoCheckpoint is a job whose listing keeps no checkpoint: it closed,
// was never checkpointed (an older lister, a -diff or manifest listing),
// or its checkpoint expired.
var ErrNoCheckpoint = errors.New("no listing checkpoint")

func (b *Bus) listings(ctx context.Context) (jetstream.KeyValue, error) {
	kv, err := b.js.KeyValue(ctx, ListingBucket)
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", ListingBucket, err)
	}
	return kv, nil
}

// SaveCheckpoint stores job's listing checkpoint, replacing the last.
func (b *Bus) SaveCheckpoint(ctx context.Context, job string, data []byte) error {
	kv, err := b.listings(ctx)
	if err != nil {
		return err
	}
	if _, err := kv.Put(ctx, job, data); err != nil {
		return fmt.Errorf("save the listing checkpoint of job %s: %w", job, ExplainStoreError(err))
	}
	return nil
}

// LoadCheckpoint is job's last listing checkpoint, ErrNoCheckpoint when none.
func (b *Bus) LoadCheckpoint(ctx context.Context, job string) ([]byte, error) {
	kv, err := b.listings(ctx)
	if err != nil {
		return nil, err
	}
	e, err := kv.Get(ctx, job)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, fmt.Errorf("job %s: %w", job, ErrNoCheckpoint)
	}
	if err != nil {
		return nil, fmt.Errorf("load the listing checkpoint of job %s: %w", job, err)
	}
	return e.Value(), nil
}

// DeleteCheckpoint drops job's listing checkpoint (its listing closed).
func (b *Bus) DeleteCheckpoint(ctx context.Context, job string) error {
	kv, err := b.listings(ctx)
	if err != nil {
		return err
	}
	if err := kv.Purge(ctx, job); err != nil {
		return fmt.Errorf("drop the listing checkpoint of job %s: %w", job, err)
	}
	return nil
}

// StreamSeqs are the work and event streams' last sequences: whatever is
// published after this call has a higher one (ReadBack starts there).
func (b *Bus) StreamSeqs(ctx context.Context) (work, events uint64, err error) {
	for _, s := range []struct {
		name string
		seq  *uint64
	}{{WorkStream, &work}, {EventStream, &events}} {
		st, err := b.js.Stream(ctx, s.name)
		if err != nil {
			return 0, 0, fmt.Errorf("open stream %s: %w", s.name, err)
		}
		*s.seq = st.CachedInfo().State.LastSeq
	}
	return work, events, nil
}

// ReadBack calls item with each of job's work items still in the work
// stream past sequence work (waiting, or held by a copier), then result
// with each of its results past sequence events, up to the stream's end
// when it is called. Read in this order, an item a copier finishes
// meanwhile is seen one way or the other: a copier publishes the result
// before it acks the item.
func (b *Bus) ReadBack(ctx context.Context, job string, work, events uint64, item func(*messages.WorkItem), result func(*messages.Result)) error {
	if err := b.readWork(ctx, job, work, item); err != nil {
		return err
	}
	return b.readResults(ctx, job, events, result)
}

func (b *Bus) readWork(ctx context.Context, job string, after uint64, fn func(*messages.WorkItem)) error {
	st, err := b.js.Stream(ctx, WorkStream)
	if err != nil {
		return fmt.Errorf("open stream %s: %w", WorkStream, err)
	}
	subj := messages.WorkSubjectFor(job)
	for seq := after + 1; ; {
		m, err := st.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subj))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read back job %s's work items: %w", job, err)
		}
		if it, err := messages.Decode[messages.WorkItem](m.Data); err == nil {
			fn(it)
		}
		seq = m.Sequence + 1
	}
}

func (b *Bus) readResults(ctx context.Context, job string, after uint64, fn func(*messages.Result)) error {
	subj := messages.EventSubjectFor(job, messages.EventResult)
	st, err := b.js.Stream(ctx, EventStream)
	if err != nil {
		return fmt.Errorf("open stream %s: %w", EventStream, err)
	}
	last := st.CachedInfo().State.LastSeq
	if last <= after {
		return nil
	}
	cons, err := b.js.OrderedConsumer(ctx, EventStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subj}, DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: after + 1})
	if err != nil {
		return fmt.Errorf("read back job %s's results: %w", job, err)
	}
	defer func() {
		if info := cons.CachedInfo(); info != nil {
			_ = b.js.DeleteConsumer(context.WithoutCancel(ctx), EventStream, info.Name)
		}
	}()
	for {
		batch, err := cons.FetchNoWait(256)
		if err != nil {
			return fmt.Errorf("read back job %s's results: %w", job, err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			if ev, err := messages.Decode[messages.Event](m.Data()); err == nil && ev.Result != nil {
				fn(ev.Result)
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, context.DeadlineExceeded) &&
			!errors.Is(err, nats.ErrTimeout) {
			return fmt.Errorf("read back job %s's results: %w", job, err)
		}
		ci, err := cons.Info(ctx)
		if err != nil {
			return fmt.Errorf("read back job %s's results: %w", job, err)
		}
		if ci.NumPending == 0 {
			return nil
		}
		if n == 0 {
			time.Sleep(20 * time.Millisecond) // delivered soon: no busy loop meanwhile
		}
	}
}
