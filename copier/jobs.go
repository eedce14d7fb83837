package copier

import (
	"context"
	"errors"
	"sync"

	"github.com/jetcp/jetcp/messages"
)

// errJobCanceled is the cause of an item's context ending because its job
// was canceled.
var errJobCanceled = errors.New("job canceled")

// jobEntry is a job as this copier knows it; ctx ends when the job is
// canceled, so its copies in flight stop.
type jobEntry struct {
	spec   *messages.Job
	ctx    context.Context
	cancel context.CancelCauseFunc
}

// jobCache keeps job specs, which never change once recorded, so an item
// costs no lookup beyond its job's first; and stops canceled jobs' copies.
type jobCache struct {
	src  Jobs
	mu   sync.Mutex
	jobs map[string]*jobEntry
}

func newJobCache(src Jobs) *jobCache {
	return &jobCache{src: src, jobs: map[string]*jobEntry{}}
}

// get loads a job once. A job canceled before this copier loaded it is
// found by its canceled event; one canceled later, by cancel.
func (jc *jobCache) get(ctx context.Context, id string) (*jobEntry, error) {
	jc.mu.Lock()
	defer jc.mu.Unlock()
	if j, ok := jc.jobs[id]; ok {
		return j, nil
	}
	spec, err := jc.src.LoadJob(ctx, id)
	if err != nil {
		return nil, err
	}
	canceled, err := jc.src.LastEvent(ctx, id, messages.EventCanceled)
	if err != nil {
		return nil, err
	}
	jctx, cancel := context.WithCancelCause(context.Background())
	if canceled != nil {
		cancel(errJobCanceled)
	}
	j := &jobEntry{spec: spec, ctx: jctx, cancel: cancel}
	jc.jobs[id] = j
	return j, nil
}

// cancel stops a loaded job's copies in flight and refuses its items.
func (jc *jobCache) cancel(id string) {
	jc.mu.Lock()
	defer jc.mu.Unlock()
	if j, ok := jc.jobs[id]; ok {
		j.cancel(errJobCanceled)
	}
}
