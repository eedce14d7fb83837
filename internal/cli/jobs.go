package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/jobclient"
	"github.com/jetcp/jetcp/internal/natsconn"
	"github.com/jetcp/jetcp/messages"
)

// jobCommands are the lister's subcommands on existing jobs. A source
// directory with one of these names is given as ./status and so on.
var jobCommands = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) int{
	"status": jobStatus,
	"wait":   jobWait,
	"cancel": jobCancel,
	"watch":  jobWatch,
}

// jobFlags parses a subcommand's options and its JOB argument; the job is
// optional where allowOnlyFlags is set.
type jobFlags struct {
	fl      *flag.FlagSet
	nats    natsconn.Config
	asJSON  bool
	timeout time.Duration
	reason  string
}

func newJobFlags(name string, stderr io.Writer) *jobFlags {
	j := &jobFlags{fl: flag.NewFlagSet("lister "+name, flag.ContinueOnError)}
	j.fl.SetOutput(stderr)
	j.fl.StringVar(&j.nats.URL, "nats", "", "NATS server URL(s) (required)")
	registerNATSFlags(j.fl, &j.nats)
	return j
}

// parse accepts options before and after JOB, as the copy command does.
func (j *jobFlags) parse(args []string, stderr io.Writer, needJob bool) (string, int, bool) {
	var pos []string
	for len(args) > 0 {
		if err := j.fl.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return "", ExitOK, false
			}
			return "", ExitUsage, false
		}
		if j.fl.NArg() == 0 {
			break
		}
		pos = append(pos, j.fl.Arg(0))
		args = j.fl.Args()[1:]
	}
	name := j.fl.Name()
	switch {
	case len(pos) > 1:
		fmt.Fprintf(stderr, "%s: give one job id, not %d\n", name, len(pos))
		return "", ExitUsage, false
	case len(pos) == 0 && needJob:
		fmt.Fprintf(stderr, "%s: give the job id (lister status --nats URL lists the jobs)\n", name)
		return "", ExitUsage, false
	}
	j.nats = j.nats.WithEnv(os.Getenv)
	if err := j.nats.Check(); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return "", ExitUsage, false
	}
	if len(pos) == 1 {
		return pos[0], 0, true
	}
	return "", 0, true
}

// connect reaches the server within seconds, or says why not.
func (j *jobFlags) connect(stderr io.Writer) (*bus.Bus, func(), int, bool) {
	nc, err := natsconn.Connect(j.nats, "jetcp-lister", 5*time.Second)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", j.fl.Name(), err)
		if natsconn.IsAuth(err) {
			return nil, nil, ExitUsage, false
		}
		return nil, nil, ExitFailed, false
	}
	b, err := bus.New(nc)
	if err != nil {
		nc.Close()
		fmt.Fprintf(stderr, "%s: %v\n", j.fl.Name(), err)
		return nil, nil, ExitFailed, false
	}
	return b, nc.Close, 0, true
}

// jobSession is a subcommand's connection and, when it names one, its job.
type jobSession struct {
	id    string
	bus   *bus.Bus
	st    *jobclient.Status // the job's state when the command named a job
	close func()
}

// open parses args, connects, and reads the named job's state (an unknown
// job is bad input). ok false means: return code.
func (j *jobFlags) open(ctx context.Context, args []string, stderr io.Writer, needJob bool) (s jobSession, code int, ok bool) {
	if s.id, code, ok = j.parse(args, stderr, needJob); !ok {
		return s, code, false
	}
	if s.bus, s.close, code, ok = j.connect(stderr); !ok {
		return s, code, false
	}
	if s.id != "" {
		st, err := jobclient.JobStatus(ctx, s.bus, s.id)
		if err != nil {
			s.close()
			return s, jobError(stderr, j.fl.Name(), err), false
		}
		s.st = st
	}
	return s, 0, true
}

// jobError prints err and returns the exit status: an unknown job is bad input.
func jobError(stderr io.Writer, name string, err error) int {
	if errors.Is(err, messages.ErrUnknownJob) {
		fmt.Fprintf(stderr, "%s: %v: check the id (lister status --nats URL lists the jobs)\n", name, err)
		return ExitUsage
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	return ExitFailed
}

// exitFor is a finished job's exit status, as for the copy command (or
// the verify command: verifyExit).
func exitFor(rep *messages.Report) int {
	if rep.Verify != nil {
		return verifyExit(rep)
	}
	if rep.State == messages.StateSucceeded {
		return ExitOK
	}
	return ExitFailed
}

// jobStatus prints one job's state, or every job's with no id. Exit status
// 0 while a job runs; once done, as for the job.
func jobStatus(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	j := newJobFlags("status", stderr)
	j.fl.BoolVar(&j.asJSON, "json", false, "print the status as JSON")
	s, code, ok := j.open(ctx, args, stderr, false)
	if !ok {
		return code
	}
	defer s.close()
	b := s.bus
	ids, all := []string{s.id}, s.id == ""
	if all {
		var err error
		if ids, err = jobclient.Jobs(ctx, b); err != nil {
			return jobError(stderr, j.fl.Name(), err)
		}
		if len(ids) == 0 && !j.asJSON {
			fmt.Fprintln(stdout, "no jobs")
		}
	}
	exit := ExitOK
	for _, id := range ids {
		st := s.st
		if all {
			var err error
			if st, err = jobclient.JobStatus(ctx, b, id); err != nil {
				return jobError(stderr, j.fl.Name(), err)
			}
		}
		if j.asJSON {
			_ = json.NewEncoder(stdout).Encode(statusJSON(st))
		} else if all {
			fmt.Fprintln(stdout, statusLine(st))
		} else {
			printStatus(stdout, st)
		}
		if st.Report != nil && !all {
			exit = exitFor(st.Report)
		}
	}
	return exit
}

// statusJSON is status --json's form: the spec, the state, the counts.
func statusJSON(st *jobclient.Status) map[string]any {
	return map[string]any{"job": st.Job.ID, "state": st.State, "sources": st.Job.Sources, "target": st.Job.Target,
		"created": st.Job.Created, "listed": st.Listed, "results": st.Results, "canceled": st.Canceled, "report": st.Report}
}

func statusLine(st *jobclient.Status) string {
	progress := fmt.Sprintf("%d results", st.Results)
	if st.Listed != nil {
		progress = fmt.Sprintf("%d/%d items", min(st.Results, st.Listed.Items), st.Listed.Items)
	}
	return fmt.Sprintf("%s  %-10s  %-16s  %s -> %s", st.Job.ID, st.State, progress, strings.Join(st.Job.Sources, ","), st.Job.Target)
}

func printStatus(w io.Writer, st *jobclient.Status) {
	fmt.Fprintf(w, "job:      %s\nstate:    %s\ncreated:  %s\nsources:  %s\ntarget:   %s\n", st.Job.ID, st.State,
		st.Job.Created.Format(time.RFC3339), strings.Join(st.Job.Sources, " "), st.Job.Target)
	if st.Listed != nil {
		fmt.Fprintf(w, "listed:   %d items (%d files, %d dirs, %d bytes)\n", st.Listed.Items, st.Listed.Files, st.Listed.Dirs, st.Listed.Bytes)
		fmt.Fprintf(w, "progress: %d of %d items have a result\n", min(st.Results, st.Listed.Items), st.Listed.Items)
	} else {
		fmt.Fprintf(w, "progress: %d items have a result; listing not complete\n", st.Results)
	}
	if st.Canceled != nil {
		fmt.Fprintf(w, "canceled: by %s %s\n", st.Canceled.By, st.Canceled.Reason)
	}
	if st.Report != nil {
		fmt.Fprintln(w)
		PrintReport(w, st.Report, st.Job.Options.DryRun)
	}
}

// jobWait waits for a job to end and prints its report.
func jobWait(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	j := newJobFlags("wait", stderr)
	j.fl.DurationVar(&j.timeout, "timeout", 0, "give up after this long (exit status 1); 0 waits for ever")
	s, code, ok := j.open(ctx, args, stderr, true) // an unknown job would wait for ever
	if !ok {
		return code
	}
	defer s.close()
	st := s.st
	rep, err := waitReport(ctx, s.bus, s.id, j.timeout, st.Report)
	if err != nil {
		return jobError(stderr, j.fl.Name(), err)
	}
	PrintReport(stdout, rep, st.Job.Options.DryRun)
	return exitFor(rep)
}

func waitReport(ctx context.Context, b *bus.Bus, id string, timeout time.Duration, rep *messages.Report) (*messages.Report, error) {
	if rep != nil {
		return rep, nil
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	rep, err := jobclient.WaitDone(ctx, b, id)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("job %s did not end within %s", id, timeout)
	}
	return rep, err
}

// jobCancel asks a job to stop and waits for the committer to close it.
func jobCancel(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	j := newJobFlags("cancel", stderr)
	j.fl.StringVar(&j.reason, "reason", "", "why, for the report and the audit trail")
	j.fl.DurationVar(&j.timeout, "timeout", time.Minute, "how long to wait for the committer to close the job")
	s, code, ok := j.open(ctx, args, stderr, true)
	if !ok {
		return code
	}
	defer s.close()
	b, id, st := s.bus, s.id, s.st
	if st.Report != nil {
		fmt.Fprintf(stdout, "job %s already ended: %s\n", id, st.Report.State)
		return ExitOK
	}
	if err := jobclient.Cancel(ctx, b, id, j.reason); err != nil {
		return jobError(stderr, j.fl.Name(), err)
	}
	rep, err := waitReport(ctx, b, id, j.timeout, nil)
	if err != nil {
		fmt.Fprintf(stderr, "%s: cancel recorded, but %v: is a committer running?\n", j.fl.Name(), err)
		return ExitFailed
	}
	PrintReport(stdout, rep, st.Job.Options.DryRun)
	return ExitOK
}

// jobWatch prints a job's events, from its first, as they happen, until it
// ends; with --json, each event as the JSON it is on the stream.
func jobWatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	j := newJobFlags("watch", stderr)
	j.fl.BoolVar(&j.asJSON, "json", false, "print each event as JSON")
	s, code, ok := j.open(ctx, args, stderr, true)
	if !ok {
		return code
	}
	defer s.close()
	enc := json.NewEncoder(stdout)
	rep, err := jobclient.Follow(ctx, s.bus, s.id, func(ev *messages.Event) error {
		if j.asJSON {
			return enc.Encode(ev)
		}
		_, err := fmt.Fprintln(stdout, EventLine(ev))
		return err
	})
	if err != nil {
		return jobError(stderr, j.fl.Name(), err)
	}
	return exitFor(rep)
}

// display shows a URI as people write it, without percent-encoding:
// local files as plain paths, others with their path unescaped (données,
// not donn%C3%A9es; fs.URI.Display escapes them, as it must parse back).
// It is for reading only; what does not parse is shown as it is.
func display(uri string) string {
	u, err := fs.ParseURI(uri)
	switch {
	case err != nil:
		return uri
	case u.Scheme == "file":
		return u.Display()
	}
	return u.Scheme + "://" + u.Host + u.Path
}

// EventLine renders one event for people.
func EventLine(ev *messages.Event) string {
	t := ev.Time.Format("2006-01-02T15:04:05.000Z07:00")
	switch {
	case ev.Type == messages.EventCreated && ev.Spec != nil:
		return fmt.Sprintf("%s created  %s -> %s", t, strings.Join(ev.Spec.Sources, " "), ev.Spec.Target)
	case ev.Type == messages.EventListed && ev.Listed != nil:
		l := ev.Listed
		s := fmt.Sprintf("%s listed   %d items: %d files, %d dirs, %d bytes", t, l.Items, l.Files, l.Dirs, l.Bytes)
		if l.Error != "" {
			s += "; listing broke off: " + l.Error
		}
		return s
	case ev.Type == messages.EventResult && ev.Result != nil:
		var lines []string
		if c := ev.Result.Chunk; c != nil && ev.Result.Kind == messages.KindChunk {
			le := jobclient.LogLine(ev.Time, ev.Result)
			s := fmt.Sprintf("%s %-8s %s -> %s chunk %d/%d %d bytes %dms", t, "PART-"+le.Action, display(le.Src), display(le.Dst),
				c.Seq+1, c.Count, c.Length, le.DurationMS)
			if le.Error != "" {
				s += ": " + le.Error
			}
			return s
		}
		for r := range ev.Result.Entries() {
			le := jobclient.LogLine(ev.Time, r)
			if r.Kind == messages.KindDir {
				le.Action = "DIR-" + le.Action
			}
			s := fmt.Sprintf("%s %-8s %s -> %s %d bytes %dms", t, le.Action, display(le.Src), display(le.Dst), le.Size, le.DurationMS)
			if le.Error != "" {
				s += ": " + le.Error
			}
			lines = append(lines, s)
		}
		return strings.Join(lines, "\n")
	case ev.Type == messages.EventCanceled && ev.Canceled != nil:
		return fmt.Sprintf("%s canceled by %s %s", t, ev.Canceled.By, ev.Canceled.Reason)
	case ev.Type == messages.EventDone && ev.Report != nil:
		r := ev.Report
		return fmt.Sprintf("%s done     %s: %d copied, %d skipped, %d failed, %d deleted, %d bytes copied",
			t, r.State, r.FilesCopied, r.FilesSkipped, r.FilesFailed, r.FilesDeleted, r.BytesCopied)
	}
	return fmt.Sprintf("%s %s", t, ev.Type)
}
