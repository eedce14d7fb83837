// Package cli holds the jetcp programs' command-line logic, so that tests
// drive exactly what users run: argv, output and exit statuses. Running a
// job (JetStream, embedded or not, the services, Ctrl-C) is
// internal/jobrun's.
package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/cos"
	"github.com/jetcp/jetcp/fs/hdfs"
	"github.com/jetcp/jetcp/fs/local"
	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/hadoopconf"
	"github.com/jetcp/jetcp/internal/jobclient"
	"github.com/jetcp/jetcp/internal/jobrun"
	"github.com/jetcp/jetcp/internal/jobweb"
	"github.com/jetcp/jetcp/internal/metrics"
	"github.com/jetcp/jetcp/internal/natsconn"
	"github.com/jetcp/jetcp/internal/service"
	"github.com/jetcp/jetcp/lister"
	"github.com/jetcp/jetcp/messages"
)

// Exit statuses, as DistCp users expect them.
const (
	ExitOK     = 0
	ExitFailed = 1 // files failed (without -i), or the job could not run
	ExitUsage  = 2 // bad input found before copying
	// ExitNoJetStream is a job command (status, wait, watch, cancel) that
	// could not reach JetStream within --jetstream-wait: the job's state
	// is unknown, which a script must not take for "failed".
	ExitNoJetStream = 3
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
func Lister(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if cmd, ok := jobCommands[args[0]]; ok {
			return cmd(ctx, args[1:], stdout, stderr)
		}
		if args[0] == "config" {
			return listerConfig(ctx, args[1:], stdout, stderr)
		}
		if args[0] == "ls" {
			return listerLs(ctx, args[1:], stdout, stderr)
		}
		if args[0] == "verify" {
			return listerVerify(ctx, args[1:], stdout, stderr)
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
		return showConfig(ctx, cfg, stdout, stderr, false, "lister")
	}
	return newCopyCommand(args, cfg, stdout, stderr).run(ctx)
}

// copyCommand is the lister's copy: a command line run as one job.
type copyCommand struct {
	args           []string
	cfg            lister.Config
	stdout, stderr io.Writer
	log            zerolog.Logger
	term           *termLine // the live progress line's terminal, if any
}

// newCopyCommand sets up the output: on a terminal, unless progress is off,
// log lines are printed above a live progress line.
func newCopyCommand(args []string, cfg lister.Config, stdout, stderr io.Writer) *copyCommand {
	c := &copyCommand{args: args, cfg: cfg, stdout: stdout, stderr: stderr}
	tty := isTerminalWriter(stderr)
	logOut := stderr
	if tty && !cfg.NoProgress && !cfg.Async {
		c.term = &termLine{out: stderr}
		logOut = c.term
	}
	c.log = newLogger(logOut, tty, cfg.Options.Verbose)
	c.remarks(cfg.Notes, cfg.Warnings)
	return c
}

// remarks logs notes (shown with -v) and warnings.
func (c *copyCommand) remarks(notes, warnings []string) {
	for _, n := range notes {
		c.log.Debug().Msg(n)
	}
	for _, w := range warnings {
		c.log.Warn().Msg(w)
	}
}

// run plans the job, checks its outputs can be written, runs it and
// reports.
func (c *copyCommand) run(ctx context.Context) (code int) {
	reg := Registry(hadoopconf.Source{Getenv: os.Getenv, Set: c.cfg.HadoopSet}, c.log)
	defer reg.Close()
	plan, err := lister.MakePlan(ctx, reg, c.cfg, time.Now())
	if err != nil {
		fmt.Fprintf(c.stderr, "lister: %v\n", err)
		if lister.IsUsage(err) {
			return ExitUsage
		}
		return ExitFailed
	}
	c.remarks(plan.Notes, plan.Warnings)
	if c.cfg.Options.DryRun {
		// With -async stdout is the job id alone (scripts read it).
		out := c.stdout
		if c.cfg.Async {
			out = c.stderr
		}
		PrintPlan(out, NewPlanView(plan))
	}
	if bad, ok := c.checkReportJSON(); !ok {
		return bad
	}
	var perFile io.Writer
	if c.cfg.LogDir != "" {
		f, bad, ok := c.openLog(ctx, reg, plan.Job.ID)
		if !ok {
			return bad
		}
		// Closed when the job has ended, however it ended: a log that
		// cannot be completed fails the run.
		defer func() {
			if err := f.Close(); err != nil {
				fmt.Fprintf(c.stderr, "lister: -log: %v\n", err)
				code = max(code, ExitFailed)
			}
		}()
		perFile = f
	}
	opts := c.options(plan, perFile)
	if c.cfg.HTTP != "" {
		connected, stop, err := c.servePage(ctx, plan.Job.ID)
		if err != nil {
			fmt.Fprintf(c.stderr, "lister: %v\n", err)
			return ExitUsage
		}
		defer stop()
		opts.Connected = connected
	}
	rep, err := jobrun.Run(ctx, reg, plan, c.log, opts)
	if err != nil {
		fmt.Fprintf(c.stderr, "lister: %v\n", err)
		return runError(ctx, err)
	}
	if rep == nil { // -async
		fmt.Fprintf(c.stderr, "lister: job %s enqueued; follow it with: lister watch %s --nats URL\n", plan.Job.ID, plan.Job.ID)
		return ExitOK
	}
	verified, vcode := c.verifyAfter(ctx, reg, plan, rep)
	return max(c.report(ctx, plan, rep, verified), vcode)
}

// servePage serves the job page on --http's address from now (a bad
// address is bad input, found before anything is written) until stop;
// it shows the jobs once the run is connected.
func (c *copyCommand) servePage(ctx context.Context, job string) (connected func(context.Context, *bus.Bus) error, stop func(), err error) {
	page := jobweb.NewPage(c.log)
	// The page outlives an interrupt: it shows the job stopping.
	hctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	health := service.Health(page.Health)
	addr, err := service.ServeHTTP(hctx, c.cfg.HTTP, metrics.NewRegistry(), health, health, c.log, page)
	if err != nil {
		stop()
		return nil, nil, err
	}
	c.log.Info().Str("url", "http://"+addr+"/jobs/"+job).Msg("job page")
	connect := func(ctx context.Context, b *bus.Bus) error { return page.Connect(ctx, b, true) }
	return connect, stop, nil
}

// checkReportJSON fails now, not after hours of copying, when the
// --report-json file cannot be written.
func (c *copyCommand) checkReportJSON() (int, bool) {
	if c.cfg.ReportJSON == "" {
		return 0, true
	}
	if err := checkWritable(c.cfg.ReportJSON); err != nil {
		fmt.Fprintf(c.stderr, "lister: --report-json %s: %v: give a writable file path\n", c.cfg.ReportJSON, err)
		return ExitUsage, false
	}
	return 0, true
}

// openLog opens -log's file now, so a directory that cannot be written is
// bad input rather than a failure after the copy.
func (c *copyCommand) openLog(ctx context.Context, reg *fs.Registry, job string) (*jobrun.FileLog, int, bool) {
	f, err := jobrun.OpenLog(ctx, reg, c.cfg.LogDir, job)
	if err != nil {
		fmt.Fprintf(c.stderr, "lister: -log %s: %v: give a directory jetcp can write (a local path, hdfs://namenode:8020/logs or cosn://bucket/logs)\n", c.cfg.LogDir, err)
		return nil, ExitUsage, false
	}
	return f, 0, true
}

// options maps the command line's settings to the run's: -async prints the
// job's id once submitted, and the progress display draws what the run
// counts, unless either is off.
func (c *copyCommand) options(plan *lister.Plan, perFile io.Writer) jobrun.Options {
	cfg := c.cfg
	o := jobrun.Options{
		NATS:        cfg.NATS.WithEnv(os.Getenv),
		Replicas:    cfg.Replicas,
		Workers:     cfg.Workers,
		ListThreads: cfg.ListThreads,
		Async:       cfg.Async,
		PerFile:     perFile,
	}
	if cfg.Async {
		o.Submitting = func() { fmt.Fprintln(c.stdout, plan.Job.ID) }
	}
	if !cfg.Async && !cfg.NoProgress {
		every := cfg.ProgressEvery
		if every == 0 {
			every = DefaultProgressEvery
		}
		log := c.log.With().Str("component", "lister").Str("job", plan.Job.ID).Logger()
		o.Progress = func(snapshot func() jobclient.Snapshot) func() {
			return startProgress(snapshot, c.term, log, every).Stop
		}
	}
	return o
}

// runError is the exit status of a job that could not run: bad
// credentials are bad input, an interrupted start is an interrupt.
func runError(ctx context.Context, err error) int {
	switch {
	case natsconn.IsAuth(err):
		return ExitUsage
	case ctx.Err() != nil:
		return ExitInterrupted
	}
	return ExitFailed
}

// report prints the job's report, writes --report-json, and tells how to
// finish a job that was interrupted or had failures.
func (c *copyCommand) report(ctx context.Context, plan *lister.Plan, rep *messages.Report, verified *verification) int {
	cfg := c.cfg
	PrintReport(c.stdout, rep, cfg.Options.DryRun)
	withVerify := verified.print(rep)
	if cfg.Filters != "" && rep.FilesCopied+rep.FilesSkipped+rep.FilesFailed+rep.DirsCreated == 0 && rep.State == messages.StateSucceeded {
		fmt.Fprintf(c.stderr, "lister: -filters %s excluded every path of the sources: nothing was copied\n", cfg.Filters)
	}
	if cfg.ReportJSON != "" {
		if err := writeJSON(cfg.ReportJSON, withVerify); err != nil {
			fmt.Fprintf(c.stderr, "lister: --report-json: %v\n", err)
			return ExitFailed
		}
	}
	resume := strings.Join(lister.ResumeCommands(c.args, cfg, plan), "\n  ")
	if ctx.Err() != nil && rep.State == messages.StateCanceled {
		fmt.Fprintf(c.stderr, "lister: interrupted: the files copied so far are complete and no temp files are left; to copy the rest, run:\n  %s\n", resume)
		return ExitInterrupted
	}
	if rep.State == messages.StateFailed && rep.FilesFailed+rep.DirsFailed > 0 && !cfg.Options.DryRun {
		fmt.Fprintf(c.stderr, "lister: %d files and %d directories failed; once their causes are fixed, copy them with:\n  %s\n", rep.FilesFailed, rep.DirsFailed, resume)
	}
	return exitFor(rep)
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
