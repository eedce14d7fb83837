package jobclient

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/messages"
)

// Wait follows a job's events from its start until the committer reports
// it done, and returns the report. With a non-nil perFile it writes one
// JSON line per file and directory result (DistCp's -log: COPY/SKIP/FAIL;
// a directory's line has "kind": "dir", as DistCp's verbose log has its
// DIR_COPY lines), so a --dry-run's log shows the tree the copy would
// make.
func Wait(ctx context.Context, b *bus.Bus, job string, perFile io.Writer) (*messages.Report, error) {
	if perFile == nil {
		return WaitDone(ctx, b, job) // no need to replay every result
	}
	enc := json.NewEncoder(perFile)
	return Follow(ctx, b, job, func(ev *messages.Event) error {
		if ev.Type != messages.EventResult || ev.Result == nil {
			return nil
		}
		for r := range ev.Result.Entries() {
			if r.Kind != messages.KindFile && r.Kind != messages.KindDir {
				continue
			}
			if err := enc.Encode(LogLine(ev.Time, r)); err != nil {
				return fmt.Errorf("write -log: %w", err)
			}
		}
		return nil
	})
}

// WaitDone waits for a job's done event alone and returns its report.
// Unlike Follow it replays nothing and needs no consumer (a consumer must
// be recreated after a cluster node is lost, which can take minutes): a
// watch hears the event at once, and reading the stream's last done event
// every few seconds covers a message missed while reconnecting.
func WaitDone(ctx context.Context, b *bus.Bus, job string) (*messages.Report, error) {
	heard := make(chan []byte, 1)
	stop, err := b.Watch(messages.EventSubjectFor(job, messages.EventDone), func(_ string, data []byte) {
		select {
		case heard <- data:
		default: // one is enough
		}
	})
	if err != nil {
		return nil, fmt.Errorf("wait for job %s: %w", job, err)
	}
	defer stop()
	for {
		// An error here is a cluster in transition: look again.
		if ev, err := b.LastEvent(ctx, job, messages.EventDone); err == nil && ev != nil && ev.Report != nil {
			return ev.Report, nil
		}
		t := time.NewTimer(3 * time.Second)
		select {
		case data := <-heard:
			if ev, err := messages.Decode[messages.Event](data); err == nil && ev.Report != nil {
				t.Stop()
				return ev.Report, nil
			}
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
}

// Follow calls fn with each of a job's events, replayed from the first and
// then live, until the done event (fn sees it too), and returns the report.
// Undecodable events are skipped: the stream is open to any publisher.
func Follow(ctx context.Context, b *bus.Bus, job string, fn func(*messages.Event) error) (*messages.Report, error) {
	feed, err := b.FollowEvents(ctx, job)
	if err != nil {
		return nil, err
	}
	defer feed.Stop()
	stop := context.AfterFunc(ctx, feed.Stop)
	defer stop()
	for {
		data, err := feed.Next()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("follow job %s: %w", job, err)
		}
		ev, err := messages.Decode[messages.Event](data)
		if err != nil {
			continue
		}
		if err := fn(ev); err != nil {
			return nil, err
		}
		if ev.Type == messages.EventDone {
			if ev.Report == nil {
				return nil, fmt.Errorf("job %s: done event without a report", job)
			}
			return ev.Report, nil
		}
	}
}

// LogEntry is one -log line.
type LogEntry struct {
	Time   string `json:"time"`
	Action string `json:"action"` // COPY, SKIP or FAIL
	// Kind is "dir" for a directory (COPY: made, or a dry run would make
	// it; SKIP: it was there); empty for a file.
	Kind       string `json:"kind,omitempty"`
	Src        string `json:"src"`
	Dst        string `json:"dst"`
	Size       int64  `json:"size"`
	DurationMS int64  `json:"duration_ms"`
	Checksum   string `json:"checksum,omitempty"`
	Reason     string `json:"reason,omitempty"`
	Error      string `json:"error,omitempty"`
	Attempt    int    `json:"attempt"`
}

// LogLine renders a result event as a -log line.
func LogLine(t time.Time, r *messages.Result) LogEntry {
	action := map[string]string{messages.StatusCopied: "COPY", messages.StatusSkipped: "SKIP"}[r.Status]
	if action == "" {
		action = "FAIL"
	}
	kind := ""
	if r.Kind == messages.KindDir {
		kind = messages.KindDir
	}
	return LogEntry{Time: t.Format("2006-01-02T15:04:05.000Z07:00"), Action: action, Kind: kind, Src: r.Src, Dst: r.Dst, Size: r.Size,
		DurationMS: r.DurationMS, Checksum: r.Checksum, Reason: r.Reason, Error: r.Error, Attempt: r.Attempt}
}
