package copier

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetcp/jetcp/messages"
)

// errUnknownJob marks an item whose job has no spec in the job bucket.
var errUnknownJob = errors.New("unknown job")

// jobCache keeps job specs, which never change once recorded, so an item
// costs no lookup beyond its job's first.
type jobCache struct {
	js   jetstream.JetStream
	mu   sync.Mutex
	kv   jetstream.KeyValue
	jobs map[string]*messages.Job
}

func newJobCache(js jetstream.JetStream) *jobCache {
	return &jobCache{js: js, jobs: map[string]*messages.Job{}}
}

func (jc *jobCache) get(ctx context.Context, id string) (*messages.Job, error) {
	jc.mu.Lock()
	defer jc.mu.Unlock()
	if j, ok := jc.jobs[id]; ok {
		return j, nil
	}
	if !messages.ValidJobID(id) {
		return nil, fmt.Errorf("job id %q: %w", id, errUnknownJob)
	}
	if jc.kv == nil {
		kv, err := jc.js.KeyValue(ctx, messages.JobBucket)
		if err != nil {
			return nil, fmt.Errorf("open bucket %s: %w", messages.JobBucket, err)
		}
		jc.kv = kv
	}
	e, err := jc.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, fmt.Errorf("job %s: %w", id, errUnknownJob)
	}
	if err != nil {
		return nil, fmt.Errorf("get job %s: %w", id, err)
	}
	j, err := messages.Decode[messages.Job](e.Value())
	if err != nil {
		return nil, err
	}
	jc.jobs[id] = j
	return j, nil
}
