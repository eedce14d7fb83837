package jobrun

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/jobclient"
	"github.com/jetcp/jetcp/lister"
	"github.com/jetcp/jetcp/messages"
)

// job is one submitted job followed to its report.
type job struct {
	bus      *bus.Bus
	id       string
	log      zerolog.Logger
	patience time.Duration
}

// waited is what following the job's events ended with.
type waited struct {
	rep *messages.Report
	err error
}

// run follows the job's events while the plan is listed, so no result is
// missed, and returns the report; on an interrupt of ctx, the partial one.
func (j *job) run(ctx context.Context, l *lister.Lister, plan *lister.Plan, opts Options) (*messages.Report, error) {
	// Waiting outlives an interrupt: the report of the canceled job ends it.
	base := context.WithoutCancel(ctx)
	// Listing stops early when the job ends first (it was canceled).
	submitCtx, stopSubmit := context.WithCancel(ctx)
	defer stopSubmit()
	waitCtx, cancelWait := context.WithCancel(base)
	defer cancelWait()
	done := make(chan waited, 1)
	go func() {
		var rep *messages.Report
		var err error
		if opts.Results != nil {
			rep, err = jobclient.Follow(waitCtx, j.bus, j.id, opts.Results)
		} else {
			rep, err = jobclient.Wait(waitCtx, j.bus, j.id, opts.PerFile)
		}
		stopSubmit()
		done <- waited{rep, err}
	}()
	closed, err := l.Submit(submitCtx, plan)
	if err := j.listed(ctx, submitCtx, closed, err); err != nil {
		return nil, err
	}
	// -async returns once the work is enqueued, also when the job ended
	// before Submit did (its end stopped the listing's last steps): the
	// caller asked for the job id, not the report.
	if opts.Async && (err == nil || submitCtx.Err() != nil && ctx.Err() == nil) {
		return nil, nil
	}
	select {
	case w := <-done:
		return w.rep, w.err
	case <-ctx.Done():
		return j.interrupt(base, done)
	}
}

// listed deals with how the listing ended. The job must end by itself
// whatever happened: a job whose listing never closed would wait for ever,
// so one that failed unclosed is canceled. It returns an error only when
// even that failed.
func (j *job) listed(ctx, submitCtx context.Context, closed *messages.Listed, err error) error {
	switch {
	case err == nil:
	case closed != nil:
		j.log.Error().Err(err).Str("job", j.id).Msg("listing broke off; the job fails once the items listed are copied")
	case ctx.Err() != nil:
		// Interrupted while listing: the interrupt stops the job.
	case submitCtx.Err() != nil:
		// The job ended while we listed: the report says why.
	case bus.IsStoreFailure(err):
		// JetStream cannot store the rest: fail the job (which removes its
		// work items) and say why, rather than wait for a report the full
		// store may never hold. A job that could not even be recorded has
		// nothing to close.
		if _, lerr := j.bus.LoadJob(context.WithoutCancel(ctx), j.id); errors.Is(lerr, messages.ErrUnknownJob) {
			return err
		}
		if ferr := jobclient.Fail(context.WithoutCancel(ctx), j.bus, j.id, fmt.Errorf("listing: %w", err)); ferr != nil {
			return fmt.Errorf("job %s failed: %w (and the job could not be closed: %w)", j.id, err, ferr)
		}
		return fmt.Errorf("job %s failed: %w", j.id, err)
	default:
		j.log.Error().Err(err).Str("job", j.id).Msg("listing failed")
		// Cancel it, unless it was never recorded.
		if cerr := jobclient.Cancel(context.WithoutCancel(ctx), j.bus, j.id, "listing failed: "+err.Error()); cerr != nil {
			return fmt.Errorf("%w (and the job could not be closed: %w)", err, cerr)
		}
	}
	return nil
}

// interrupt is Ctrl-C: cancel the job and wait, at most j.patience, for
// its partial report. The copies in flight are abandoned and their temp
// files removed; what was copied is whole, so -update finishes the job.
func (j *job) interrupt(ctx context.Context, done <-chan waited) (*messages.Report, error) {
	j.log.Warn().Str("job", j.id).Msg("interrupted: stopping the job cleanly (Ctrl-C again to quit at once)")
	ctx, stop := context.WithTimeout(ctx, j.patience)
	defer stop()
	if err := jobclient.Cancel(ctx, j.bus, j.id, "interrupted (Ctrl-C)"); err != nil {
		if errors.Is(err, messages.ErrUnknownJob) {
			return nil, fmt.Errorf("interrupted before the job was recorded: nothing was copied")
		}
		return nil, fmt.Errorf("interrupted, and the job could not be canceled: %w", err)
	}
	select {
	case w := <-done:
		return w.rep, w.err
	case <-ctx.Done():
		return nil, fmt.Errorf("interrupted, and job %s did not stop within %s", j.id, j.patience)
	}
}
