package copier

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jetcp/jetcp/messages"
)

// inFlight is this copier's copies in flight, by job and work item index,
// each with the bytes it has copied so far. Copies add to their counter as
// they write (an atomic add per buffer); reportInFlight reads them every
// messages.InFlightEvery and publishes one message per job, so a progress
// display sees bytes move on a big file without a message per buffer.
type inFlight struct {
	mu   sync.Mutex
	jobs map[string]map[int64]*atomic.Int64
	// shown are the jobs whose last report had bytes: when they have none
	// any more, one empty report says so.
	shown map[string]bool
}

func newInFlight() *inFlight {
	return &inFlight{jobs: map[string]map[int64]*atomic.Int64{}, shown: map[string]bool{}}
}

// start registers a copy of job's item index; the copy adds its bytes to
// the counter returned, and calls end once its result is out.
func (f *inFlight) start(job string, index int64) (moved *atomic.Int64, end func()) {
	moved = new(atomic.Int64)
	f.mu.Lock()
	defer f.mu.Unlock()
	items := f.jobs[job]
	if items == nil {
		items = map[int64]*atomic.Int64{}
		f.jobs[job] = items
	}
	items[index] = moved
	return moved, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if items := f.jobs[job]; items[index] == moved {
			delete(items, index)
			if len(items) == 0 {
				delete(f.jobs, job)
			}
		}
	}
}

// take returns the bytes in flight of every job with some, and an empty
// map for each job that had some at the last take but has none now.
func (f *inFlight) take() map[string]map[int64]int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]map[int64]int64{}
	for job, items := range f.jobs {
		bytes := map[int64]int64{}
		for index, moved := range items {
			if n := moved.Load(); n > 0 {
				bytes[index] = n
			}
		}
		if len(bytes) > 0 {
			out[job] = bytes
		}
	}
	for job := range f.shown {
		if _, ok := out[job]; !ok {
			out[job] = map[int64]int64{}
			delete(f.shown, job)
		}
	}
	for job := range out {
		if len(out[job]) > 0 {
			f.shown[job] = true
		}
	}
	return out
}

// reportInFlight publishes the bytes in flight every
// messages.InFlightEvery until ctx ends. A lost report only makes a
// display lag: the results stay the account.
func (c *Copier) reportInFlight(ctx context.Context) {
	t := time.NewTicker(messages.InFlightEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for job, bytes := range c.flights.take() {
			p := &messages.InFlight{Job: job, Copier: c.name, Time: time.Now().UTC(), Bytes: bytes}
			if err := c.events.PublishInFlight(p); err != nil {
				c.log.Debug().Err(err).Str("job", job).Msg("cannot report bytes in flight")
			}
		}
	}
}
