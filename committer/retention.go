package committer

import (
	"context"
	"time"
)

// DefaultResultRetention is how long an ended job's per-file result events
// stay in the event stream after its done event. They are what a job
// costs the store (hundreds of bytes a file); once the job is committed
// its record per file is the job manifest at the target, and the done
// event keeps the report. The window lets a client still reading the
// job's events (a lister writing -log, a watch) finish.
const DefaultResultRetention = 10 * time.Minute

// WithResultRetention keeps an ended job's per-file results for d after
// its commit; a negative d keeps them (until the stream's age limit).
func WithResultRetention(d time.Duration) Option {
	return func(c *Committer) { c.retention = d }
}

// dropResultsLater purges job's results once the retention has passed,
// unless ctx ends first: a committer that stops within the window leaves
// that job's results to the stream's age limit. (A sweep of ended jobs at
// start was tried; its test found the results still there after it ran,
// now and then, and it was taken out until that is understood.) A timer,
// not a goroutine, waits for each job.
func (c *Committer) dropResultsLater(ctx context.Context, job string) {
	if c.retention < 0 {
		return
	}
	t := time.AfterFunc(c.retention, func() {
		if ctx.Err() == nil {
			c.dropResults(ctx, job)
		}
	})
	context.AfterFunc(ctx, func() { t.Stop() })
}

func (c *Committer) dropResults(ctx context.Context, job string) {
	if err := c.bus.PurgeResults(ctx, job); err != nil {
		c.log.Warn().Err(err).Str("job", job).Msg("cannot drop the ended job's per-file results")
		return
	}
	c.log.Debug().Str("job", job).Msg("dropped the ended job's per-file results")
}
