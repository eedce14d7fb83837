package copier

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/bufpool"
	"github.com/jetcp/jetcp/messages"
)

// Copier serves work items until its context ends.
type Copier struct {
	work    Work
	events  Jobs
	reg     *fs.Registry
	log     zerolog.Logger
	name    string
	workers int
	jobs    *jobCache
	obs     Observer
	drain   time.Duration
	// token makes this process's temp names unique: after a server crash an
	// item can be delivered to two copiers as the same attempt.
	token string
	bufs  bufpool.Pool
	paths sync.Map // *messages.Job -> *place.Paths
	// flights are the copies running, with their bytes so far.
	flights *inFlight
}

// Option configures a Copier.
type Option func(*Copier)

// WithWorkers sets how many items are copied at once (DistCp's -m).
func WithWorkers(n int) Option { return func(c *Copier) { c.workers = max(1, n) } }

// WithName names this copier in results and logs.
func WithName(name string) Option { return func(c *Copier) { c.name = name } }

// New returns a copier taking items from work, reading their jobs and
// publishing their results through jobs, and writing through reg.
func New(work Work, jobs Jobs, reg *fs.Registry, log zerolog.Logger, opts ...Option) *Copier {
	host, _ := os.Hostname()
	c := &Copier{
		work:    work,
		events:  jobs,
		reg:     reg,
		workers: messages.DefaultWorkers,
		name:    host + "-" + strconv.Itoa(os.Getpid()),
		obs:     nopObserver{},
		token:   newToken(),
		flights: newInFlight(),
	}
	for _, o := range opts {
		o(c)
	}
	c.log = log.With().Str("component", "copier").Str("copier", c.name).Logger()
	c.jobs = newJobCache(jobs, func(job *messages.Job) { c.paths.Delete(job) })
	return c
}

// Run pulls exactly as many items as there are free workers (prefetching
// would start items' ack clocks before work begins) and copies them. It
// returns when ctx ends, after in-flight items are finished (within the
// drain time) or released.
func (c *Copier) Run(ctx context.Context) error {
	// Cancel requests arrive as events; a watch sees them at once (a job
	// loaded later is checked against the stream instead).
	stopWatch, err := c.events.WatchCanceled(func(job string) {
		c.log.Info().Str("job", job).Msg("job canceled; stopping its copies")
		c.jobs.cancel(job)
	})
	if err != nil {
		return fmt.Errorf("copier: watch cancel events: %w", err)
	}
	defer stopWatch()
	// A job that ended leaves the job cache (jobs.go).
	stopEnded, err := c.events.WatchEnded(c.jobs.ended)
	if err != nil {
		return fmt.Errorf("copier: watch done events: %w", err)
	}
	defer stopEnded()
	c.log.Info().Int("workers", c.workers).Msg("copier started")
	// Copies run under work, which outlives ctx by the drain time.
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	reported := make(chan struct{})
	go func() { c.reportInFlight(work); close(reported) }()
	defer func() { stopWork(); <-reported }()
	slots := make(chan struct{}, c.workers)
	var wg sync.WaitGroup
	defer c.drainWait(&wg, stopWork)
	idle := false // the last fetch found nothing
	for ctx.Err() == nil {
		free := c.takeSlots(ctx, slots, idle)
		if free == 0 {
			continue
		}
		// Take what is there at once; only when nothing is, wait (up to a
		// second) for one item.
		fctx, cancel := context.WithTimeout(ctx, time.Second)
		used := 0
		err := c.work.FetchWork(fctx, free, idle, func(d Delivery) {
			used++
			wg.Go(func() {
				defer func() { <-slots }()
				c.handle(work, d)
			})
		})
		cancel()
		for range free - used {
			<-slots
		}
		idle = used == 0
		if err != nil && ctx.Err() == nil {
			// e.g. no responders while a cluster elects a leader: do not spin.
			c.log.Warn().Err(err).Msg("fetch failed; retrying")
			sleep(ctx, time.Second)
		}
	}
	c.log.Info().Msg("copier stopping")
	return nil
}

// takeSlots blocks for one free worker slot, then takes whatever else is
// free (unless the last fetch found nothing: then one item is waited
// for). It returns how many it took, 0 when ctx ended.
func (c *Copier) takeSlots(ctx context.Context, slots chan struct{}, idle bool) int {
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return 0
	}
	free := 1
	for free < c.workers && !idle {
		select {
		case slots <- struct{}{}:
			free++
			continue
		default:
		}
		break
	}
	return free
}

// drainWait lets copies in flight finish for the drain time, then stops
// them (they release their items) and waits for them.
func (c *Copier) drainWait(wg *sync.WaitGroup, stopWork context.CancelFunc) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	if c.drain > 0 {
		t := time.NewTimer(c.drain)
		defer t.Stop()
		select {
		case <-done:
			return
		case <-t.C:
			c.log.Warn().Dur("drain", c.drain).Msg("copies still in flight after the drain time; releasing them")
		}
	}
	stopWork()
	<-done
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func newToken() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
