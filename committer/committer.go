package committer

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/retry"
	"github.com/jetcp/jetcp/messages"
)

// Committer commits jobs until its context ends.
type Committer struct {
	bus       Bus
	reg       *fs.Registry
	log       zerolog.Logger
	sweepIdle time.Duration
	obs       Observer
	// retention is how long an ended job's results stay (retention.go).
	retention time.Duration
	// spoolDir holds jobs' manifests until they are written ("" = the
	// system's temp directory).
	spoolDir string
	// replayBuffer bounds the replayed events each job holds before it
	// applies them; buffered sums them over the jobs (queue.go).
	replayBuffer int64
	buffered     bufferGauge

	mu      sync.Mutex
	running map[string]bool
}

// Option configures a Committer.
type Option func(*Committer)

// WithSweepAfter sets how long a job may see no progress before the
// committer checks for work items that can no longer produce a result.
func WithSweepAfter(d time.Duration) Option { return func(c *Committer) { c.sweepIdle = d } }

// WithSpoolDir spools job manifests in dir instead of the system's temp
// directory (a volume with room for a compressed line per file).
func WithSpoolDir(dir string) Option { return func(c *Committer) { c.spoolDir = dir } }

// WithReplayBuffer sets the bytes of replayed events a job holds before
// it applies them (DefaultReplayBuffer). A larger buffer absorbs bursts;
// the committer's memory grows by it per job followed.
func WithReplayBuffer(bytes int64) Option {
	return func(c *Committer) { c.replayBuffer = max(bytes, 1) }
}

// ReplayBuffered are the bytes of replayed events the committer's jobs
// hold now and the most they held at once: what the replay buffer bounds
// (a gauge for metrics, and for tests of the bound).
func (c *Committer) ReplayBuffered() (now, peak int64) {
	return c.buffered.now.Load(), c.buffered.peak.Load()
}

// New returns a committer of the jobs on b.
func New(b Bus, reg *fs.Registry, log zerolog.Logger, opts ...Option) *Committer {
	c := &Committer{
		bus:          b,
		reg:          reg,
		log:          log.With().Str("component", "committer").Logger(),
		sweepIdle:    5 * time.Second,
		retention:    DefaultResultRetention,
		replayBuffer: DefaultReplayBuffer,
		obs:          nopObserver{},
		running:      map[string]bool{},
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Run takes job-created events from the shared committer consumer and
// commits each job. The created event is acked only once the job is done,
// so a job whose committer died is taken up again by another.
func (c *Committer) Run(ctx context.Context) error {
	c.log.Info().Msg("committer started")
	var wg sync.WaitGroup
	defer wg.Wait()
	for ctx.Err() == nil {
		fctx, cancel := context.WithTimeout(ctx, time.Second)
		err := c.bus.FetchCreated(fctx, 16, func(d Delivery) { c.take(ctx, &wg, d) })
		cancel()
		if err != nil && ctx.Err() == nil {
			c.log.Warn().Err(err).Msg("fetch failed; retrying")
			pause(ctx, time.Second)
		}
	}
	return nil
}

// take starts committing the job a created event announces, unless this
// committer commits it already.
func (c *Committer) take(ctx context.Context, wg *sync.WaitGroup, d Delivery) {
	ev, err := messages.Decode[messages.Event](d.Data())
	if err != nil || ev.Spec == nil || !messages.ValidJobID(ev.Job) {
		c.log.Error().Err(err).Str("subject", d.Subject()).Msg("refusing malformed job-created event")
		_ = d.Fail("malformed job-created event")
		return
	}
	if !c.claim(ev.Job) {
		_ = d.KeepAlive()
		return
	}
	wg.Go(func() {
		defer c.release(ev.Job)
		c.runJob(ctx, d, ev.Spec)
	})
}

// pause waits d, or until ctx ends.
func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (c *Committer) claim(job string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running[job] {
		return false
	}
	c.running[job] = true
	return true
}

func (c *Committer) release(job string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.running, job)
}

// runJob follows one job to its end and acks its created event.
func (c *Committer) runJob(ctx context.Context, created Delivery, spec *messages.Job) {
	log := c.log.With().Str("job", spec.ID).Logger()
	// The created event's heartbeat ends with the job (a stopped ticker's
	// channel is never closed, so ranging over it would never end).
	hbDone := make(chan struct{})
	defer close(hbDone)
	go func() {
		hb := time.NewTicker(messages.KeepAliveEvery)
		defer hb.Stop()
		for {
			select {
			case <-hb.C:
				_ = created.KeepAlive()
			case <-hbDone:
				return
			}
		}
	}()
	if stop, err := c.bus.AnswerCancel(spec.ID, c.cancelJob(spec.ID, log)); err != nil {
		log.Warn().Err(err).Msg("cannot answer cancel requests; a cancel is recorded by its requester")
	} else {
		defer stop()
	}
	j := newJob(c, spec, log)
	if spec.ListingLease > 0 {
		stop, err := c.bus.WatchLease(spec.ID, j.beat)
		if err != nil {
			log.Warn().Err(err).Msg("cannot watch the listing lease")
			_ = created.Retry(5 * time.Second)
			return
		}
		defer stop()
	}
	c.obs.JobStarted()
	err := j.follow(ctx)
	if err != nil || !j.ended {
		c.obs.JobEnded(nil)
	} else {
		c.obs.JobEnded(&j.report)
	}
	if err != nil {
		if ctx.Err() == nil {
			log.Error().Err(err).Msg("job follow failed; another committer will retry")
			_ = created.Retry(5 * time.Second)
		}
		return
	}
	if err := created.Ack(); err != nil {
		log.Warn().Err(err).Msg("ack of created event failed")
	}
	if j.ended {
		c.dropResultsLater(ctx, spec.ID)
	}
}

// cancelJob answers a request to cancel job: it removes the job's work
// items, so no copier starts them (and a store they filled has room
// again), then records the canceled event, retrying until the request's
// time is up. The job's follow sees the event and closes the job.
func (c *Committer) cancelJob(job string, log zerolog.Logger) func(ctx context.Context, ev *messages.Event) error {
	return func(ctx context.Context, ev *messages.Event) error {
		if err := c.bus.PurgeWork(ctx, job); err != nil {
			return fmt.Errorf("cancel job %s: %w", job, err)
		}
		var last error
		p := retry.Policy{Attempts: retry.Forever, Backoff: 200 * time.Millisecond, Max: 2 * time.Second}
		_ = p.Do(ctx, func(ctx context.Context) error {
			last = c.bus.PublishEvent(ctx, ev, job+"/"+messages.EventCanceled)
			return last
		})
		if last != nil {
			log.Warn().Err(last).Msg("cannot record the cancel")
			return fmt.Errorf("cancel job %s: its work items were removed, but %w", job, last)
		}
		log.Info().Str("by", ev.Canceled.By).Msg("cancel requested; work items removed")
		return nil
	}
}

// Observer learns when jobs start and end, e.g. to export metrics.
type Observer interface {
	JobStarted()
	// JobEnded gets the report of a job this committer ended, or nil when
	// it let the job go (stopping, or an error another committer retries).
	JobEnded(rep *messages.Report)
}

type nopObserver struct{}

func (nopObserver) JobStarted()               {}
func (nopObserver) JobEnded(*messages.Report) {}

// WithObserver reports every job to o.
func WithObserver(o Observer) Option { return func(c *Committer) { c.obs = o } }
