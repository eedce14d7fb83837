// Package cli holds the jetcp programs' command-line logic, so that tests
// drive exactly what users run.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/committer"
	"github.com/jetcp/jetcp/copier"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/cos"
	"github.com/jetcp/jetcp/fs/hdfs"
	"github.com/jetcp/jetcp/fs/local"
	"github.com/jetcp/jetcp/internal/hadoopconf"
	"github.com/jetcp/jetcp/internal/natsconn"
	"github.com/jetcp/jetcp/internal/natsembed"
	"github.com/jetcp/jetcp/internal/service"
	"github.com/jetcp/jetcp/lister"
	"github.com/jetcp/jetcp/messages"
)

// Exit statuses, as DistCp users expect them.
const (
	ExitOK     = 0
	ExitFailed = 1 // files failed (without -i), or the job could not run
	ExitUsage  = 2 // bad input found before copying
	// ExitInterrupted is a job stopped by Ctrl-C (128+SIGINT, as shells report it).
	ExitInterrupted = 130
)

// DefaultProgressEvery is how often a run without a terminal logs progress.
const DefaultProgressEvery = 5 * time.Second

// Registry returns a registry of every backend this build supports;
// backends read credentials and endpoints from src when first used, and
// log their retries and reconnections to log.
func Registry(src hadoopconf.Source, log zerolog.Logger) *fs.Registry {
	reg := fs.NewRegistry()
	reg.Register("file", local.Open)
	reg.Register("cosn", cos.Opener(src))
	reg.Register("hdfs", hdfs.Opener(src, log))
	return reg
}

// Lister runs `lister [options] SRC... DST` and returns the exit status.
func Lister(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	if len(args) > 0 {
		if cmd, ok := jobCommands[args[0]]; ok {
			return cmd(ctx, args[1:], stdout, stderr)
		}
		if args[0] == "config" {
			return listerConfig(args[1:], stdout, stderr)
		}
	}
	cfg, err := lister.ParseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "lister: %v\n", err)
		return ExitUsage
	}
	if cfg.Help {
		fmt.Fprint(stdout, ListerUsage)
		return ExitOK
	}
	if cfg.PrintConfig {
		if err := PrintConfig(stdout, Resolve(cfg, os.Getenv), false); err != nil {
			fmt.Fprintf(stderr, "lister: %v\n", err)
			return ExitFailed
		}
		return ExitOK
	}
	tty := isTerminalWriter(stderr)
	var term *termLine
	logOut := stderr
	if tty && !cfg.NoProgress && !cfg.Async {
		term = &termLine{out: stderr}
		logOut = term
	}
	log := newLogger(logOut, tty, cfg.Options.Verbose)
	for _, n := range cfg.Notes {
		log.Debug().Msg(n) // -v
	}
	for _, w := range cfg.Warnings {
		log.Warn().Msg(w)
	}
	reg := Registry(hadoopconf.Source{Getenv: os.Getenv, Set: cfg.HadoopSet}, log)
	defer reg.Close()

	plan, err := lister.MakePlan(ctx, reg, cfg, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "lister: %v\n", err)
		if lister.IsUsage(err) {
			return ExitUsage
		}
		return ExitFailed
	}
	for _, n := range plan.Notes {
		log.Debug().Msg(n) // -v
	}
	for _, w := range plan.Warnings {
		log.Warn().Msg(w)
	}
	if cfg.ReportJSON != "" {
		// Fail now, not after hours of copying.
		if err := checkWritable(cfg.ReportJSON); err != nil {
			fmt.Fprintf(stderr, "lister: --report-json %s: %v: give a writable file path\n", cfg.ReportJSON, err)
			return ExitUsage
		}
	}
	var perFile io.Writer
	if cfg.LogDir != "" {
		f, err := openLog(ctx, reg, cfg.LogDir, plan.Job.ID)
		if err != nil {
			fmt.Fprintf(stderr, "lister: -log %s: %v: give a directory jetcp can write (a local path, hdfs://namenode:8020/logs or cosn://bucket/logs)\n", cfg.LogDir, err)
			return ExitUsage
		}
		// Closed when the job has ended, however it ended: a log that
		// cannot be completed fails the run.
		defer func() {
			if err := f.Close(); err != nil {
				fmt.Fprintf(stderr, "lister: -log: %v\n", err)
				code = max(code, ExitFailed)
			}
		}()
		perFile = f
	}

	run := &jobRun{cfg: cfg, plan: plan, reg: reg, log: log, perFile: perFile, stdout: stdout, term: term}
	rep, err := run.run(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "lister: %v\n", err)
		switch {
		case natsconn.IsAuth(err):
			return ExitUsage
		case ctx.Err() != nil:
			return ExitInterrupted
		}
		return ExitFailed
	}
	if rep == nil { // -async
		fmt.Fprintf(stderr, "lister: job %s enqueued; follow it with: lister watch %s --nats URL\n", plan.Job.ID, plan.Job.ID)
		return ExitOK
	}
	PrintReport(stdout, rep, cfg.Options.DryRun)
	if cfg.Filters != "" && rep.FilesCopied+rep.FilesSkipped+rep.FilesFailed+rep.DirsCreated == 0 && rep.State == messages.StateSucceeded {
		fmt.Fprintf(stderr, "lister: -filters %s excluded every path of the sources: nothing was copied\n", cfg.Filters)
	}
	if cfg.ReportJSON != "" {
		if err := writeJSON(cfg.ReportJSON, rep); err != nil {
			fmt.Fprintf(stderr, "lister: --report-json: %v\n", err)
			return ExitFailed
		}
	}
	resume := strings.Join(lister.ResumeCommands(args, cfg, plan), "\n  ")
	if ctx.Err() != nil && rep.State == messages.StateCanceled {
		fmt.Fprintf(stderr, "lister: interrupted: the files copied so far are complete and no temp files are left; to copy the rest, run:\n  %s\n", resume)
		return ExitInterrupted
	}
	if rep.State == messages.StateFailed && rep.FilesFailed+rep.DirsFailed > 0 && !cfg.Options.DryRun {
		fmt.Fprintf(stderr, "lister: %d files and %d directories failed; once their causes are fixed, copy them with:\n  %s\n", rep.FilesFailed, rep.DirsFailed, resume)
	}
	return exitFor(rep)
}

// jobRun is one job submitted and waited for by the lister.
type jobRun struct {
	cfg     lister.Config
	plan    *lister.Plan
	reg     *fs.Registry
	log     zerolog.Logger
	perFile io.Writer
	stdout  io.Writer
	term    *termLine // the live progress line's terminal, if any
}

// interruptPatience bounds how long a Ctrl-C waits for the job to stop
// cleanly (copies in flight abandoned, temp files removed, report made).
const interruptPatience = 60 * time.Second

// run connects to JetStream (or embeds it, with a committer and -m copier
// workers in this process), submits the plan and waits for the report. With
// -async it returns a nil report once the work is enqueued. When ctx ends
// (Ctrl-C) the job is canceled and its partial report returned.
func (r *jobRun) run(ctx context.Context) (*messages.Report, error) {
	cfg, plan, log := r.cfg, r.plan, r.log
	// The services and the wait outlive an interrupt: they stop the job cleanly.
	base := context.WithoutCancel(ctx)
	var nc *nats.Conn
	embedded := cfg.NATS.URL == ""
	if embedded {
		dir, err := os.MkdirTemp("", "jetcp-nats-")
		if err != nil {
			return nil, fmt.Errorf("embedded server store: %w", err)
		}
		defer os.RemoveAll(dir)
		srv, err := natsembed.Start(dir, log)
		if err != nil {
			return nil, err
		}
		defer srv.Close()
		nc = srv.Conn()
	} else {
		c, err := natsconn.Connect(cfg.NATS.WithEnv(os.Getenv), "jetcp-lister", 5*time.Second)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		nc = c
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	if _, err := service.EnsureTopology(ctx, js, cfg.Replicas, 30*time.Second, log); err != nil {
		return nil, err
	}

	svcCtx, stopServices := context.WithCancel(base)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stopServices()
	if embedded {
		workers := cfg.Workers
		if workers == 0 {
			workers = messages.DefaultWorkers
		}
		cm := committer.New(js, r.reg, log)
		cp := copier.New(js, r.reg, log, copier.WithWorkers(workers), copier.WithName("embedded"))
		wg.Go(func() { logIfErr(log, cm.Run(svcCtx)) })
		wg.Go(func() { logIfErr(log, cp.Run(svcCtx)) })
	}
	if cfg.Async {
		fmt.Fprintln(r.stdout, plan.Job.ID)
	}
	var opts []lister.Option
	if !cfg.Async && !cfg.NoProgress {
		p, err := lister.WatchProgress(nc, plan.Job.ID)
		if err != nil {
			return nil, err
		}
		defer p.Stop()
		every := cfg.ProgressEvery
		if every == 0 {
			every = DefaultProgressEvery
		}
		display := startProgress(p.Snapshot, r.term, log.With().Str("component", "lister").Str("job", plan.Job.ID).Logger(), every)
		defer display.Stop()
		opts = append(opts, lister.WithProgress(p))
	}

	// Listing stops early when the job ends first (it was canceled).
	submitCtx, stopSubmit := context.WithCancel(ctx)
	defer stopSubmit()
	waitCtx, cancelWait := context.WithCancel(base)
	defer cancelWait()
	type waited struct {
		rep *messages.Report
		err error
	}
	done := make(chan waited, 1)
	go func() {
		rep, err := lister.Wait(waitCtx, js, plan.Job.ID, r.perFile)
		stopSubmit()
		done <- waited{rep, err}
	}()
	threads := r.cfg.ListThreads
	if threads == 0 {
		threads = defaultListThreads
	}
	opts = append(opts, lister.WithListThreads(threads))
	closed, err := lister.New(js, r.reg, log, opts...).Submit(submitCtx, plan)
	switch {
	case err == nil:
	case closed != nil:
		log.Error().Err(err).Str("job", plan.Job.ID).Msg("listing broke off; the job fails once the items listed are copied")
	case ctx.Err() != nil:
		// Interrupted while listing: stopped below.
	case submitCtx.Err() != nil:
		// The job ended while we listed: the report says why.
	default:
		log.Error().Err(err).Str("job", plan.Job.ID).Msg("listing failed")
		// Make sure the job ends: a job whose listing never closed would
		// wait for ever. Cancel it, unless it was never recorded.
		if cerr := lister.Cancel(base, js, plan.Job.ID, "listing failed: "+err.Error()); cerr != nil {
			return nil, fmt.Errorf("%w (and the job could not be closed: %w)", err, cerr)
		}
	}
	if cfg.Async && err == nil {
		return nil, nil
	}
	select {
	case w := <-done:
		return w.rep, w.err
	case <-ctx.Done():
	}

	// Ctrl-C: cancel the job and wait for its partial report. The copies in
	// flight are abandoned and their temp files removed; what was copied is
	// whole, so -update finishes the job.
	log.Warn().Str("job", plan.Job.ID).Msg("interrupted: stopping the job cleanly (Ctrl-C again to quit at once)")
	stopCtx, stop := context.WithTimeout(base, interruptPatience)
	defer stop()
	if err := lister.Cancel(stopCtx, js, plan.Job.ID, "interrupted (Ctrl-C)"); err != nil {
		if errors.Is(err, messages.ErrUnknownJob) {
			return nil, fmt.Errorf("interrupted before the job was recorded: nothing was copied")
		}
		return nil, fmt.Errorf("interrupted, and the job could not be canceled: %w", err)
	}
	select {
	case w := <-done:
		return w.rep, w.err
	case <-stopCtx.Done():
		return nil, fmt.Errorf("interrupted, and job %s did not stop within %s", plan.Job.ID, interruptPatience)
	}
}

func logIfErr(log zerolog.Logger, err error) {
	if err != nil {
		log.Error().Err(err).Msg("service stopped")
	}
}

func checkWritable(p string) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}

func writeJSON(p string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// defaultListThreads lists a few directories at once: a remote listing is
// a round trip per page, and the lister would otherwise wait on each.
const defaultListThreads = 4
