package jobrun

import (
	"context"
	"io"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/jobclient"
	"github.com/jetcp/jetcp/internal/natsconn"
	"github.com/jetcp/jetcp/lister"
	"github.com/jetcp/jetcp/messages"
)

// Options are the settings of one run.
type Options struct {
	// NATS is the server to submit to, its environment already applied;
	// with no URL the job runs on a JetStream server embedded in this
	// process, with a committer and Workers copier workers.
	NATS natsconn.Config
	// Replicas of the streams; 0 is as the server suggests.
	Replicas int
	// Workers is the embedded copier's simultaneous copies (-m); 0 is
	// messages.DefaultWorkers.
	Workers int
	// ListThreads is how many directories are listed at once; 0 is
	// DefaultListThreads.
	ListThreads int
	// Async returns a nil report once the work is enqueued (-async).
	Async bool
	// PerFile, when set, receives one JSON line per file result (-log).
	PerFile io.Writer
	// Results, when set, is called with each of the job's events, replayed
	// from the first, until its done event (lister verify writes its
	// differences from them); it takes the place of PerFile, and an error
	// from it ends the wait.
	Results func(*messages.Event) error
	// Submitting, when set, is called once the job can be submitted
	// (connected, services up) and before its listing starts: -async
	// prints the job's id there, so a script gets an id only for a job
	// that was submitted.
	Submitting func()
	// Progress, when set, starts a display of the job's progress, reading
	// counts from snapshot; Run calls the stop it returns before it
	// returns, so a last line is drawn before the report is printed.
	Progress func(snapshot func() jobclient.Snapshot) (stop func())
	// Connected, when set, is called once connected with the topology in
	// place (and the embedded services up), before the job is submitted,
	// with a context that ends when Run returns: the job page follows
	// the jobs on the bus there.
	Connected func(ctx context.Context, b *bus.Bus) error
	// Patience bounds how long a Ctrl-C waits for the job to stop
	// cleanly; 0 is DefaultPatience.
	Patience time.Duration
}

// DefaultListThreads lists a few directories at once: a remote listing is
// a round trip per page, and the lister would otherwise wait on each.
const DefaultListThreads = 4

// DefaultPatience bounds how long a Ctrl-C waits for the job to stop
// cleanly (copies in flight abandoned, temp files removed, report made).
const DefaultPatience = 60 * time.Second

// Run connects to JetStream (or embeds it, with a committer and copier
// workers in this process), submits plan and waits for the report. With
// Async it returns a nil report once the work is enqueued. When ctx ends
// (Ctrl-C) the job is canceled and its partial report returned; the caller
// tells an interrupt from a failure by ctx.Err().
func Run(ctx context.Context, reg *fs.Registry, plan *lister.Plan, log zerolog.Logger, opts Options) (*messages.Report, error) {
	rt, err := start(ctx, reg, log, opts)
	if err != nil {
		return nil, err
	}
	defer rt.close()
	rt.noteJob(plan.Job, log)
	if opts.Connected != nil {
		cctx, stop := context.WithCancel(context.WithoutCancel(ctx))
		defer stop() // before rt.close: the page stops following before the bus goes
		if err := opts.Connected(cctx, rt.bus); err != nil {
			return nil, err
		}
	}
	if opts.Submitting != nil {
		opts.Submitting()
	}
	var lopts []lister.Option
	if opts.Progress != nil {
		p, err := jobclient.WatchProgress(rt.bus, plan.Job.ID)
		if err != nil {
			return nil, err
		}
		defer p.Stop()
		defer opts.Progress(p.Snapshot)()
		lopts = append(lopts, lister.WithProgress(p.Listed))
	}
	threads := opts.ListThreads
	if threads == 0 {
		threads = DefaultListThreads
	}
	lopts = append(lopts, lister.WithListThreads(threads))
	j := &job{bus: rt.bus, id: plan.Job.ID, log: log, patience: opts.Patience}
	if j.patience == 0 {
		j.patience = DefaultPatience
	}
	return j.run(ctx, lister.New(rt.bus, reg, log, lopts...), plan, opts)
}
