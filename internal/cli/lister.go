// Package cli holds the jetcp programs' command-line logic, so that tests
// drive exactly what users run.
package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
)

// Registry returns a registry of every backend this build supports;
// backends read credentials and endpoints through getenv when first used.
func Registry(getenv func(string) string) *fs.Registry {
	reg := fs.NewRegistry()
	reg.Register("file", local.Open)
	reg.Register("cosn", cos.Opener(getenv))
	reg.Register("hdfs", hdfs.Opener(getenv))
	return reg
}

// Lister runs `lister [options] SRC... DST` and returns the exit status.
func Lister(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if cmd, ok := jobCommands[args[0]]; ok {
			return cmd(ctx, args[1:], stdout, stderr)
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
	log := NewLogger(stderr, cfg.Options.Verbose)
	reg := Registry(os.Getenv)
	defer reg.Close()

	plan, err := lister.MakePlan(ctx, reg, cfg, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "lister: %v\n", err)
		if lister.IsUsage(err) {
			return ExitUsage
		}
		return ExitFailed
	}
	var perFile io.Writer
	if cfg.LogDir != "" {
		f, err := openLog(cfg.LogDir, plan.Job.ID)
		if err != nil {
			fmt.Fprintf(stderr, "lister: -log %s: %v: give a writable local directory\n", cfg.LogDir, err)
			return ExitUsage
		}
		defer f.Close()
		perFile = f
	}
	if cfg.ReportJSON != "" {
		// Fail now, not after hours of copying.
		if err := checkWritable(cfg.ReportJSON); err != nil {
			fmt.Fprintf(stderr, "lister: --report-json %s: %v: give a writable file path\n", cfg.ReportJSON, err)
			return ExitUsage
		}
	}

	rep, err := runJob(ctx, cfg, plan, reg, log, perFile, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "lister: %v\n", err)
		if natsconn.IsAuth(err) {
			return ExitUsage
		}
		return ExitFailed
	}
	if rep == nil { // -async
		fmt.Fprintf(stderr, "lister: job %s enqueued; follow it with: lister watch %s --nats URL\n", plan.Job.ID, plan.Job.ID)
		return ExitOK
	}
	PrintReport(stdout, rep, cfg.Options.DryRun)
	if cfg.ReportJSON != "" {
		if err := writeJSON(cfg.ReportJSON, rep); err != nil {
			fmt.Fprintf(stderr, "lister: --report-json: %v\n", err)
			return ExitFailed
		}
	}
	return exitFor(rep)
}

// runJob connects to JetStream (or embeds it, with a committer and -m copier
// workers in this process), submits the plan and waits for the report. With
// -async it returns a nil report once the work is enqueued.
func runJob(ctx context.Context, cfg lister.Config, plan *lister.Plan, reg *fs.Registry, log zerolog.Logger, perFile io.Writer, stdout io.Writer) (*messages.Report, error) {
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

	svcCtx, stopServices := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stopServices()
	if embedded {
		workers := cfg.Workers
		if workers == 0 {
			workers = messages.DefaultWorkers
		}
		cm := committer.New(js, reg, log)
		cp := copier.New(js, reg, log, copier.WithWorkers(workers), copier.WithName("embedded"))
		wg.Go(func() { logIfErr(log, cm.Run(svcCtx)) })
		wg.Go(func() { logIfErr(log, cp.Run(svcCtx)) })
	}
	if cfg.Async {
		fmt.Fprintln(stdout, plan.Job.ID)
	}

	// Listing stops early when the job ends first (it was canceled).
	submitCtx, stopSubmit := context.WithCancel(ctx)
	defer stopSubmit()
	waitCtx, cancelWait := context.WithCancel(ctx)
	defer cancelWait()
	type waited struct {
		rep *messages.Report
		err error
	}
	done := make(chan waited, 1)
	go func() {
		rep, err := lister.Wait(waitCtx, js, plan.Job.ID, perFile)
		stopSubmit()
		done <- waited{rep, err}
	}()
	closed, err := lister.New(js, reg, log).Submit(submitCtx, plan)
	switch {
	case err == nil:
	case closed != nil:
		log.Error().Err(err).Str("job", plan.Job.ID).Msg("listing broke off; the job fails once the items listed are copied")
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case submitCtx.Err() != nil:
		// The job ended while we listed: the report says why.
	default:
		log.Error().Err(err).Str("job", plan.Job.ID).Msg("listing failed")
		// Make sure the job ends: a job whose listing never closed would
		// wait for ever. Cancel it, unless it was never recorded.
		if cerr := lister.Cancel(ctx, js, plan.Job.ID, "listing failed: "+err.Error()); cerr != nil {
			return nil, fmt.Errorf("%w (and the job could not be closed: %w)", err, cerr)
		}
	}
	if cfg.Async && err == nil {
		return nil, nil
	}
	w := <-done
	return w.rep, w.err
}

func logIfErr(log zerolog.Logger, err error) {
	if err != nil {
		log.Error().Err(err).Msg("service stopped")
	}
}

func openLog(dir, job string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return os.Create(filepath.Join(dir, "jetcp-"+job+".jsonl"))
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
