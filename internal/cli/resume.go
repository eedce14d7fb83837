package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/hadoopconf"
	"github.com/jetcp/jetcp/internal/jobclient"
	"github.com/jetcp/jetcp/lister"
	"github.com/jetcp/jetcp/messages"
)

// jobResume is `lister resume JOB`: it continues the listing of a job
// whose lister died, from the listing's last checkpoint, then waits for
// the job's report like `lister wait`. It must come while the job's
// listing lease runs (30 s after the last heartbeat by default): once it
// lapses the committer fails the job, and -update finishes the copy.
// Exit status: the job's (0, 1), 2 when the job cannot be resumed (see
// resumable), 3 when JetStream cannot be reached.
func jobResume(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	j := newJobFlags("resume", stderr)
	var async bool
	j.fl.BoolVar(&async, "async", false, "return once the listing is closed, without waiting for the job's report")
	set := hadoopconf.Conf{}
	j.fl.Func("D", "Hadoop configuration property key=value, as the job's command gave it", func(v string) error {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return fmt.Errorf("-D %q: give key=value", v)
		}
		set[k] = val
		return nil
	})
	s, code, ok := j.open(ctx, args, stderr, true)
	if !ok {
		return code
	}
	defer s.close()
	name := j.fl.Name()
	cp, why := resumable(ctx, s.bus, s.st)
	if why != "" {
		fmt.Fprintf(stderr, "%s: job %s %s\n", name, s.id, why)
		return ExitUsage
	}
	log := newLogger(stderr, isTerminalWriter(stderr), false)
	alive := listerAlive(ctx, s.bus, s.st.Job, log)
	if ctx.Err() != nil {
		return ExitInterrupted
	}
	if alive {
		fmt.Fprintf(stderr, "%s: job %s is still being listed (its lister's heartbeat came): nothing to resume\n", name, s.id)
		return ExitUsage
	}
	reg := Registry(hadoopconf.Source{Getenv: os.Getenv, Set: set}, log)
	defer reg.Close()
	// The listing stops when the job ends meanwhile (the committer failed
	// it before this lister's first heartbeat, or someone canceled it).
	lctx, stopListing := context.WithCancel(ctx)
	defer stopListing()
	ended := make(chan *messages.Report, 1)
	go func() {
		rep, _ := jobclient.WaitDone(lctx, s.bus, s.id)
		stopListing()
		ended <- rep
	}()
	l := lister.New(s.bus, reg, log, lister.WithListThreads(cp.Threads))
	if _, err := l.Resume(lctx, s.st.Job, cp); err != nil && lctx.Err() == nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return ExitFailed
	}
	if async && lctx.Err() == nil {
		fmt.Fprintf(stderr, "%s: job %s's listing is closed; follow it with: lister watch %s --nats URL\n", name, s.id, s.id)
		return ExitOK
	}
	rep, err := waitReport(ctx, s.bus, s.id, 0, nil)
	if err != nil {
		return jobError(stderr, name, err)
	}
	PrintReport(stdout, rep, s.st.Job.Options.DryRun)
	return exitFor(rep)
}

// resumable is the job's checkpoint, or why the job cannot be resumed.
func resumable(ctx context.Context, b *bus.Bus, st *jobclient.Status) (*lister.Checkpoint, string) {
	const again = "run the same command again with -update to finish the copy"
	switch {
	case st.Report != nil:
		return nil, fmt.Sprintf("already ended (%s): %s", st.Report.State, again)
	case st.Canceled != nil:
		return nil, fmt.Sprintf("was stopped (%s): once it has ended, %s", st.Canceled.Reason, again)
	case st.Listed != nil:
		return nil, "is listed in full: nothing to resume (lister wait shows its report)"
	case st.Job.ListingLease <= 0:
		return nil, "was made by a lister that takes no listing lease: it cannot be resumed; cancel it, then " + again
	}
	data, err := b.LoadCheckpoint(ctx, st.Job.ID)
	if errors.Is(err, bus.ErrNoCheckpoint) {
		return nil, "keeps no listing checkpoint (its lister kept none: a -diff or --copy-from-manifest listing, or one that died at once): once it has failed, " + again
	}
	if err != nil {
		return nil, fmt.Sprintf("checkpoint cannot be read (%v): once it has failed, %s", err, again)
	}
	cp, err := lister.DecodeCheckpoint(data)
	if err != nil {
		return nil, fmt.Sprintf("checkpoint cannot be read (%v): once it has failed, %s", err, again)
	}
	return cp, ""
}

// listerAlive listens for a heartbeat of the job's lister a little longer
// than a lister waits between two (a fifth of the lease): a lister that
// lives sends one.
func listerAlive(ctx context.Context, b *bus.Bus, job *messages.Job, log zerolog.Logger) bool {
	wait := job.ListingLease/5 + 2*time.Second
	log.Info().Str("job", job.ID).Dur("wait", wait).Msg("making sure the job's lister is gone: listening for its heartbeat")
	beat := make(chan struct{}, 1)
	stop, err := b.WatchLease(job.ID, func() {
		select {
		case beat <- struct{}{}:
		default:
		}
	})
	if err != nil {
		log.Warn().Err(err).Msg("cannot listen for the lister's heartbeat")
		return true
	}
	defer stop()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-beat:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return true
	}
}
