package copier

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/messages"
)

// Copier serves work items until its context ends.
type Copier struct {
	js      jetstream.JetStream
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
	bufs  buffers
	paths sync.Map // *messages.Job -> *place.Paths
}

// Option configures a Copier.
type Option func(*Copier)

// WithWorkers sets how many items are copied at once (DistCp's -m).
func WithWorkers(n int) Option { return func(c *Copier) { c.workers = max(1, n) } }

// WithName names this copier in results and logs.
func WithName(name string) Option { return func(c *Copier) { c.name = name } }

// New returns a copier reading from js and writing through reg.
func New(js jetstream.JetStream, reg *fs.Registry, log zerolog.Logger, opts ...Option) *Copier {
	host, _ := os.Hostname()
	c := &Copier{
		js:      js,
		reg:     reg,
		workers: messages.DefaultWorkers,
		name:    host + "-" + strconv.Itoa(os.Getpid()),
		obs:     nopObserver{},
		token:   newToken(),
	}
	for _, o := range opts {
		o(c)
	}
	c.log = log.With().Str("component", "copier").Str("copier", c.name).Logger()
	c.jobs = newJobCache(js)
	return c
}

// Run pulls exactly as many items as there are free workers (prefetching
// would start items' ack clocks before work begins) and copies them. It
// returns when ctx ends, after in-flight items are finished (within the
// drain time) or released.
func (c *Copier) Run(ctx context.Context) error {
	cons, err := c.js.Consumer(ctx, messages.WorkStream, messages.CopierConsumer)
	if err != nil {
		return fmt.Errorf("copier: open consumer %s: %w", messages.CopierConsumer, err)
	}
	// Cancel requests arrive as events; a core subscription sees them at
	// once (a job loaded later is checked against the stream instead).
	sub, err := c.js.Conn().Subscribe(messages.EventSubjectFor("*", messages.EventCanceled), func(m *nats.Msg) {
		if job := jobOfEvent(m.Subject); job != "" {
			c.log.Info().Str("job", job).Msg("job canceled; stopping its copies")
			c.jobs.cancel(job)
		}
	})
	if err != nil {
		return fmt.Errorf("copier: subscribe to cancel events: %w", err)
	}
	defer sub.Unsubscribe()
	c.log.Info().Int("workers", c.workers).Msg("copier started")
	// Copies run under work, which outlives ctx by the drain time.
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	slots := make(chan struct{}, c.workers)
	var wg sync.WaitGroup
	defer c.drainWait(&wg, stopWork)
	idle := false // the last fetch found nothing
	for ctx.Err() == nil {
		// Block for one free slot, then take whatever else is free.
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			continue
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
		// Take what is there at once; only when nothing is, wait (up to a
		// second) for one item: a Fetch of n waits for all n, which at the
		// end of a job is a second per fetch for nothing.
		fctx, cancel := context.WithTimeout(ctx, time.Second)
		var batch jetstream.MessageBatch
		if idle {
			batch, err = cons.Fetch(1, jetstream.FetchContext(fctx))
		} else {
			batch, err = cons.FetchNoWait(free)
		}
		if err != nil {
			cancel()
			for range free {
				<-slots
			}
			if ctx.Err() != nil {
				break
			}
			c.log.Warn().Err(err).Msg("fetch failed; retrying")
			sleep(ctx, time.Second)
			continue
		}
		used := 0
		idle = false
		for msg := range batch.Messages() {
			used++
			wg.Go(func() {
				defer func() { <-slots }()
				c.handle(work, msg)
			})
		}
		cancel()
		for range free - used {
			<-slots
		}
		idle = used == 0
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && ctx.Err() == nil &&
			!errors.Is(err, context.DeadlineExceeded) {
			// e.g. no responders while a cluster elects a leader: do not spin.
			c.log.Warn().Err(err).Msg("fetch ended with an error; retrying")
			sleep(ctx, time.Second)
		}
	}
	c.log.Info().Msg("copier stopping")
	return nil
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

// jobOfEvent is the job token of an event subject, jetcp.events.<job>.<type>.
func jobOfEvent(subject string) string {
	parts := strings.Split(subject, ".")
	if len(parts) != 4 || !messages.ValidJobID(parts[2]) {
		return ""
	}
	return parts[2]
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
