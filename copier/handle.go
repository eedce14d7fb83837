package copier

import (
	"context"
	"errors"
	"fmt"
	"os/user"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/place"
	"github.com/jetcp/jetcp/internal/retry"
	"github.com/jetcp/jetcp/messages"
)

// isPermanent tells failures a retry cannot fix: those marked so
// (place.Permanent: a directory in the way, a missing source, a source
// that changed), and more. A full disk or an exhausted quota (ENOSPC,
// EDQUOT) is one too: seconds later it is as full, and every further try
// would write, and then delete, the same bytes again.
func isPermanent(err error) bool {
	// An owner or group missing on this machine (-pug from HDFS or COS to
	// local files) will not appear by trying again.
	var uu user.UnknownUserError
	var ug user.UnknownGroupError
	return place.IsPermanent(err) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) ||
		errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.As(err, &uu) || errors.As(err, &ug)
}

// handle takes one delivery to exactly one of: a terminal result and an
// ack, a terminal failed result and a fail, a delayed retry, a release
// (shutting down), or a fail without result (refused, or its job
// canceled).
func (c *Copier) handle(ctx context.Context, d Delivery) {
	attempt := d.Attempt()
	start := time.Now()
	c.obs.Begin(attempt)
	outcome, res := c.deliver(ctx, d, attempt)
	c.obs.End(outcome, res, time.Since(start))
}

func (c *Copier) deliver(ctx context.Context, d Delivery, attempt int) (string, *messages.Result) {
	// The heartbeat holds the item from its delivery until it is settled:
	// while its job is read, copied, and its result published (also while
	// publishing waits out a lost NATS node).
	defer c.heartbeat(ctx, d)()
	item, entry, outcome := c.admit(ctx, d)
	if item == nil {
		return outcome, nil
	}
	defer c.jobs.put(entry)
	job := entry.spec
	log := c.log.With().Str("job", item.Job).Int64("index", item.Index).Logger()
	ictx, stop := itemContext(ctx, entry)
	defer stop()
	// Its bytes count as in flight until its result is out.
	moved, landed := c.flights.start(item.Job, item.Index)
	defer landed()
	res, err := c.copyItem(ictx, entry, item, attempt, moved, log)
	if err != nil {
		if outcome, settled := c.settleError(ctx, d, entry, err, attempt, log); settled {
			return outcome, nil
		}
		res.Status, res.Error = messages.StatusFailed, err.Error()
	}
	if err := c.publishResult(ctx, job.ID, res); err != nil {
		log.Warn().Err(err).Msg("cannot publish result; item will be redelivered")
		_ = d.Retry(time.Second)
		return OutcomeRetry, nil
	}
	c.logResult(job, item, &res, attempt, log)
	if res.Status == messages.StatusFailed && item.Kind != messages.KindBundle {
		// Fail, not ack: the server keeps a record (advisory) that we gave up.
		_ = d.Fail("failed: " + res.Error)
		return res.Status, &res
	}
	// A bundle's files each have their result; the bundle itself is done.
	if err := d.Ack(); err != nil {
		log.Warn().Err(err).Msg("ack failed; a redelivery will be ignored by index")
	}
	return res.Status, &res
}

// admit decodes a delivery's item and finds its job, in use until
// c.jobs.put (deliver's). A nil item means the
// delivery is settled already, with the outcome returned: refused (not a
// work item, or of an unknown job), released (stopping), retried (the job
// could not be read) or canceled.
func (c *Copier) admit(ctx context.Context, d Delivery) (*messages.WorkItem, *jobEntry, string) {
	item, err := messages.Decode[messages.WorkItem](d.Data())
	if err != nil {
		c.log.Error().Err(err).Str("subject", d.Subject()).Msg("refusing malformed work item")
		_ = d.Fail("malformed work item: " + err.Error())
		return nil, nil, OutcomeRefused
	}
	log := c.log.With().Str("job", item.Job).Int64("index", item.Index).Logger()
	entry, err := c.jobs.get(ctx, item.Job)
	switch {
	case errors.Is(err, messages.ErrUnknownJob):
		log.Error().Err(err).Msg("refusing work item of an unknown job")
		_ = d.Fail(err.Error())
		return nil, nil, OutcomeRefused
	case err != nil && ctx.Err() != nil:
		_ = d.Release()
		return nil, nil, OutcomeReleased
	case err != nil:
		log.Warn().Err(err).Msg("cannot read job spec; will retry")
		_ = d.Retry(time.Second)
		return nil, nil, OutcomeRetry
	case entry.ctx.Err() != nil:
		c.jobs.put(entry)
		_ = d.Fail("job canceled")
		return nil, nil, OutcomeCanceled
	}
	return item, entry, ""
}

// itemContext is an item's context: it ends when the copier stops or the
// item's job is canceled.
func itemContext(ctx context.Context, entry *jobEntry) (context.Context, func()) {
	ictx, icancel := context.WithCancel(ctx)
	unhook := context.AfterFunc(entry.ctx, icancel)
	return ictx, func() { unhook(); icancel() }
}

// copyItem copies one item and fills in the result's fields that describe
// the item and this attempt.
func (c *Copier) copyItem(ictx context.Context, entry *jobEntry, item *messages.WorkItem, attempt int, moved *atomic.Int64, log zerolog.Logger) (messages.Result, error) {
	job := entry.spec
	start := time.Now()
	var res messages.Result
	var err error
	if item.Kind == messages.KindBundle {
		res, err = c.bundle(ictx, job, item, attempt, moved, log)
	} else {
		res, err = guard(log, func() (messages.Result, error) { return c.process(ictx, job, item, attempt, moved) })
	}
	res.Index, res.Kind, res.Src, res.Dst, res.Size = item.Index, item.Kind, item.Src, item.Dst, item.Attr.Size
	if item.Kind == messages.KindChunk && res.Chunk == nil {
		res.Chunk = item.Chunk // a chunk that failed early still names its file
	}
	for _, f := range res.Files {
		res.Size += f.Size
	}
	res.Attempt, res.Copier = attempt, c.name
	res.DurationMS = time.Since(start).Milliseconds()
	return res, err
}

// settleError settles a delivery whose copy failed without a result to
// publish: its job was canceled, the copier is stopping, or another try
// may succeed. It reports false when the item fails for good.
func (c *Copier) settleError(ctx context.Context, d Delivery, entry *jobEntry, err error, attempt int, log zerolog.Logger) (string, bool) {
	job := entry.spec
	switch {
	case entry.ctx.Err() != nil:
		// Canceled: the committer closes the job without this item.
		_ = d.Fail("job canceled")
		return OutcomeCanceled, true
	case ctx.Err() != nil:
		// Shutting down: release the item for another copier at once.
		_ = d.Release()
		return OutcomeReleased, true
	case !isPermanent(err) && attempt < attemptsFor(job):
		delay := retryDelay(job, attempt)
		log.Warn().Err(err).Int("attempt", attempt).Dur("retry_in", delay).Msg("copy failed; will retry")
		_ = d.Retry(delay)
		return OutcomeRetry, true
	}
	return "", false
}

// logResult logs a published result: each failure as an error, the rest
// at info with -v, else at debug.
func (c *Copier) logResult(job *messages.Job, item *messages.WorkItem, res *messages.Result, attempt int, log zerolog.Logger) {
	// A new event per line: zerolog events are pooled, and one sent must
	// not be touched again.
	done := func() *zerolog.Event {
		if job.Options.Verbose {
			return log.Info()
		}
		return log.Debug()
	}
	if item.Kind != messages.KindBundle {
		if res.Status == messages.StatusFailed {
			log.Error().Str("src", item.Src).Str("error", res.Error).Int("attempt", attempt).Msg("FAIL")
			return
		}
		done().Str("status", res.Status).Str("src", item.Src).Str("dst", item.Dst).Int64("size", item.Attr.Size).Str("reason", res.Reason).Msg("done")
		return
	}
	for _, f := range res.Files {
		if f.Status == messages.StatusFailed {
			log.Error().Str("src", f.Src).Str("error", f.Error).Int("attempt", f.Attempt).Msg("FAIL")
		} else if ev := done(); ev.Enabled() {
			ev.Str("status", f.Status).Str("src", f.Src).Str("dst", f.Dst).Int64("size", f.Size).Str("reason", f.Reason).Msg("done")
		}
	}
}

// guard runs one copy and turns a panic in it (a bug) into a permanent
// error with the panic's message, so that the item fails through the one
// outcome its delivery has, the log has the stack, and the process (with
// the other copies, their temp files and an embedded store) goes on.
// Deferred clean-ups in the copy (its temp file) run as the panic unwinds.
func guard(log zerolog.Logger, copy func() (messages.Result, error)) (res messages.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			log.Error().Str("panic", fmt.Sprint(p)).Str("stack", string(debug.Stack())).Msg("BUG: the copy panicked; it fails")
			res, err = messages.Result{}, place.Permanent(fmt.Errorf("panic (a bug in jetcp): %v", p))
		}
	}()
	return copy()
}

// heartbeat keeps the item ours while it takes longer than a keep-alive
// period: KeepAlive resets the server's ack timer. One timer per delivery
// in flight, so an item settled sooner costs no message.
func (c *Copier) heartbeat(ctx context.Context, d Delivery) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(messages.KeepAliveEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				_ = d.KeepAlive()
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() { close(done) }
}

// resultPublishPatience is how long a copier keeps trying to publish a
// result it has. Giving up means a redelivery, which finds the file in
// place and reports it skipped rather than copied: the counts would be off,
// so outlast a cluster's leader election by far.
const resultPublishPatience = 2 * time.Minute

// publishResult publishes the item's result, retrying with back-off for up
// to resultPublishPatience (the msg id makes a repeated publish appear once).
func (c *Copier) publishResult(ctx context.Context, job string, res messages.Result) error {
	ev := &messages.Event{Type: messages.EventResult, Job: job, Time: time.Now().UTC(), Result: &res}
	deadline := time.Now().Add(resultPublishPatience)
	final := func(error) bool { return ctx.Err() != nil || time.Now().After(deadline) }
	p := retry.Policy{Attempts: retry.Forever, Backoff: 250 * time.Millisecond, Max: 5 * time.Second, Permanent: final}
	var last error
	err := p.Do(ctx, func(ctx context.Context) error {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		last = c.events.PublishEvent(pctx, ev, messages.ResultMsgID(job, res.Index))
		if last != nil && !final(last) {
			c.log.Warn().Err(last).Str("job", job).Int64("index", res.Index).Msg("cannot publish result yet; retrying")
		}
		return last
	})
	if err != nil {
		return last // the publish's error, also when ctx ended in a pause
	}
	return nil
}

// attemptsFor is how often a job's files are tried before they fail.
func attemptsFor(job *messages.Job) int {
	if job.Options.Attempts <= 0 {
		return messages.DefaultAttempts
	}
	return job.Options.Attempts
}

// retryDelay is the wait before the try after attempt: the job's back-off,
// doubled for every try before.
func retryDelay(job *messages.Job, attempt int) time.Duration {
	backoff := job.Options.RetryBackoff
	if backoff == 0 {
		backoff = messages.DefaultRetryBackoff
	}
	return retry.Policy{Backoff: backoff}.Delay(attempt)
}
