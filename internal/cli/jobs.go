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
	"github.com/jetcp/jetcp/internal/retry"
	"github.com/jetcp/jetcp/messages"
)

// jobCommands are the lister's subcommands on existing jobs. A source
// directory with one of these names is given as ./status and so on.
var jobCommands = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) int{
	"status": jobStatus,
	"wait":   jobWait,
	"cancel": jobCancel,
	"watch":  jobWatch,
	"resume": jobResume,
}

// jobFlags parses a subcommand's options and its JOB argument; the job is
// optional where allowOnlyFlags is set.
type jobFlags struct {
	fl      *flag.FlagSet
	nats    natsconn.Config
	asJSON  bool
	timeout time.Duration
	reason  string
	// reach bounds the tries to reach JetStream (connect, and a first
	// answer) before exit status ExitNoJetStream.
	reach time.Duration
}

// DefaultJetStreamWait is how long a job command keeps trying to reach
// JetStream: a cluster elects a new meta leader within seconds.
const DefaultJetStreamWait = 30 * time.Second

func newJobFlags(name string, stderr io.Writer) *jobFlags {
	j := &jobFlags{fl: flag.NewFlagSet("lister "+name, flag.ContinueOnError)}
	j.fl.SetOutput(stderr)
	j.fl.StringVar(&j.nats.URL, "nats", "", "NATS server URL(s) (required)")
	registerNATSFlags(j.fl, &j.nats)
	j.fl.DurationVar(&j.reach, "jetstream-wait", DefaultJetStreamWait,
		"keep trying this long to reach JetStream (a server starting, a cluster electing its leader), then exit with status 3")
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

// connect reaches the server, trying for j.reach, or says why not.
func (j *jobFlags) connect(ctx context.Context, stderr io.Writer) (*bus.Bus, func(), int, bool) {
	rctx, cancel := context.WithTimeout(ctx, j.reach)
	defer cancel()
	nc, err := natsconn.ConnectRetry(rctx, j.nats, "jetcp-lister", nil)
	if err != nil {
		if natsconn.IsAuth(err) {
			fmt.Fprintf(stderr, "%s: %v\n", j.fl.Name(), err)
			return nil, nil, ExitUsage, false
		}
		fmt.Fprintf(stderr, "%s: could not reach JetStream within %s: %v\n", j.fl.Name(), j.reach, err)
		return nil, nil, ExitNoJetStream, false
	}
	b, err := bus.New(nc)
	if err != nil {
		nc.Close()
		fmt.Fprintf(stderr, "%s: %v\n", j.fl.Name(), err)
		return nil, nil, ExitFailed, false
	}
	return b, nc.Close, 0, true
}

// reaching runs op until JetStream answers it, for at most j.reach: a
// server restarting or a cluster electing its leader answers within
// seconds. Each try has a few seconds of its own.
func (j *jobFlags) reaching(ctx context.Context, op func(ctx context.Context) error) error {
	rctx, cancel := context.WithTimeout(ctx, j.reach)
	defer cancel()
	var last error
	p := retry.Policy{Attempts: retry.Forever, Backoff: 250 * time.Millisecond, Max: 2 * time.Second,
		Permanent: func(err error) bool { return !bus.Unreachable(err) }}
	_ = p.Do(rctx, func(ctx context.Context) error {
		tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		last = op(tctx)
		return last
	})
	return last
}

// jobSession is a subcommand's connection and, when it names one, its job.
type jobSession struct {
	id    string
	bus   *bus.Bus
	st    *jobclient.Status // the job's state when the command named a job
	ids   []string          // the jobs recorded, when it named none
	close func()
}

// open parses args, connects, and reads the named job's state (an unknown
// job is bad input), or the list of jobs. ok false means: return code.
func (j *jobFlags) open(ctx context.Context, args []string, stderr io.Writer, needJob bool) (s jobSession, code int, ok bool) {
	if s.id, code, ok = j.parse(args, stderr, needJob); !ok {
		return s, code, false
	}
	if s.bus, s.close, code, ok = j.connect(ctx, stderr); !ok {
		return s, code, false
	}
	err := j.reaching(ctx, func(ctx context.Context) (err error) {
		if s.id == "" {
			s.ids, err = jobclient.Jobs(ctx, s.bus)
			return err
		}
		s.st, err = jobclient.JobStatus(ctx, s.bus, s.id)
		return err
	})
	if err != nil {
		s.close()
		return s, jobError(stderr, j.fl.Name(), err), false
	}
	return s, 0, true
}

// jobError prints err and returns the exit status: an unknown job is bad input.
func jobError(stderr io.Writer, name string, err error) int {
	if errors.Is(err, messages.ErrUnknownJob) {
		fmt.Fprintf(stderr, "%s: %v: check the id (lister status --nats URL lists the jobs)\n", name, err)
		return ExitUsage
	}
	if bus.Unreachable(err) {
		fmt.Fprintf(stderr, "%s: could not reach JetStream: %v\n", name, err)
		return ExitNoJetStream
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
		ids = s.ids
		if len(ids) == 0 && !j.asJSON {
			fmt.Fprintln(stdout, "no jobs")
		}
	}
	exit := ExitOK
	for _, id := range ids {
		st := s.st
		if all {
			err := j.reaching(ctx, func(ctx context.Context) (err error) {
				st, err = jobclient.JobStatus(ctx, b, id)
				return err
			})
			if err != nil {
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
