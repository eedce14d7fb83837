package copier

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jetcp/jetcp/messages"
)

// errJobCanceled is the cause of an item's context ending because its job
// was canceled.
var errJobCanceled = errors.New("job canceled")

// jobIdle is how long a job with no item in flight stays cached without
// notice of its end (a notice missed while reconnecting): after it, the
// job's next item loads it again (its spec and whether it was canceled).
const jobIdle = 10 * time.Minute

// jobEntry is a job as this copier knows it; ctx ends when the job is
// canceled, so its copies in flight stop.
type jobEntry struct {
	spec   *messages.Job
	ctx    context.Context
	cancel context.CancelCauseFunc
	// users counts the items admitted and not finished (get, put); idle
	// is when the last of them finished.
	users int
	idle  time.Time
}

// jobCache keeps job specs, which never change once recorded, so an item
// costs no lookup beyond its job's first; and stops canceled jobs' copies.
// A job leaves it when it ends (ended), or after jobIdle with no item in
// flight, so a copier serving job after job holds only the live ones.
type jobCache struct {
	src Jobs
	now func() time.Time
	// dropped is told of each job evicted (the copier's per-job caches).
	dropped func(*messages.Job)

	mu    sync.Mutex
	jobs  map[string]*jobEntry
	swept time.Time // the last look for idle jobs
}

func newJobCache(src Jobs, dropped func(*messages.Job)) *jobCache {
	return &jobCache{src: src, now: time.Now, dropped: dropped, jobs: map[string]*jobEntry{}}
}

// get loads a job once and counts an item of it in flight until put. A
// job canceled before this copier loaded it is found by its canceled
// event; one canceled later, by cancel.
func (jc *jobCache) get(ctx context.Context, id string) (*jobEntry, error) {
	jc.mu.Lock()
	defer jc.mu.Unlock()
	jc.sweepIdle()
	if j, ok := jc.jobs[id]; ok {
		j.users++
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
	j := &jobEntry{spec: spec, ctx: jctx, cancel: cancel, users: 1}
	jc.jobs[id] = j
	return j, nil
}

// put ends an item's use of its job (from get).
func (jc *jobCache) put(j *jobEntry) {
	jc.mu.Lock()
	defer jc.mu.Unlock()
	if j.users--; j.users == 0 {
		j.idle = jc.now()
	}
}

// cancel stops a loaded job's copies in flight and refuses its items.
func (jc *jobCache) cancel(id string) {
	jc.mu.Lock()
	defer jc.mu.Unlock()
	if j, ok := jc.jobs[id]; ok {
		j.cancel(errJobCanceled)
	}
}

// ended drops a job that ended. Its items still in flight (redelivered
// after the end) keep their entry; a later one loads the job again.
func (jc *jobCache) ended(id string) {
	jc.mu.Lock()
	defer jc.mu.Unlock()
	if j, ok := jc.jobs[id]; ok {
		jc.drop(id, j)
	}
}

// sweepIdle drops, at most once per jobIdle, the jobs with no item in
// flight for jobIdle.
func (jc *jobCache) sweepIdle() {
	now := jc.now()
	if now.Sub(jc.swept) < jobIdle {
		return
	}
	jc.swept = now
	for id, j := range jc.jobs {
		if j.users == 0 && now.Sub(j.idle) >= jobIdle {
			jc.drop(id, j)
		}
	}
}

func (jc *jobCache) drop(id string, j *jobEntry) {
	// Its context stays as it is: items in flight go on under it (a
	// context from Background holds nothing once unreferenced).
	delete(jc.jobs, id)
	if jc.dropped != nil {
		jc.dropped(j.spec)
	}
}

// size counts the jobs cached.
func (jc *jobCache) size() int {
	jc.mu.Lock()
	defer jc.mu.Unlock()
	return len(jc.jobs)
}
