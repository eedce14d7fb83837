package lister

import (
	"context"
	"errors"
	"time"

	"encoding/json"
	"fmt"
	"github.com/nats-io/nats.go"
	"io"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetcp/jetcp/internal/retry"
	"github.com/jetcp/jetcp/messages"
)

// Wait follows a job's events from its start until the committer reports
// it done, and returns the report. With a non-nil perFile it writes one
// JSON line per file result (DistCp's -log: COPY/SKIP/FAIL).
func Wait(ctx context.Context, js jetstream.JetStream, job string, perFile io.Writer) (*messages.Report, error) {
	if perFile == nil {
		return WaitDone(ctx, js, job) // no need to replay every result
	}
	enc := json.NewEncoder(perFile)
	return Follow(ctx, js, job, func(ev *messages.Event) error {
		if ev.Type != messages.EventResult || ev.Result == nil {
			return nil
		}
		for r := range ev.Result.Entries() {
			if r.Kind != messages.KindFile {
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
// core subscription hears the event at once, and reading the stream's last
// done event every few seconds covers a message missed while reconnecting.
func WaitDone(ctx context.Context, js jetstream.JetStream, job string) (*messages.Report, error) {
	sub, err := js.Conn().SubscribeSync(messages.EventSubjectFor(job, messages.EventDone))
	if err != nil {
		return nil, fmt.Errorf("wait for job %s: %w", job, err)
	}
	defer sub.Unsubscribe()
	for {
		// An error here is a cluster in transition: look again.
		if ev, err := messages.LastEvent(ctx, js, job, messages.EventDone); err == nil && ev != nil && ev.Report != nil {
			return ev.Report, nil
		}
		nctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		m, err := sub.NextMsgWithContext(nctx)
		cancel()
		if err == nil {
			if ev, err := messages.Decode[messages.Event](m.Data); err == nil && ev.Report != nil {
				return ev.Report, nil
			}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
}

// Follow calls fn with each of a job's events, replayed from the first and
// then live, until the done event (fn sees it too), and returns the report.
// Undecodable events are skipped: the stream is open to any publisher.
func Follow(ctx context.Context, js jetstream.JetStream, job string, fn func(*messages.Event) error) (*messages.Report, error) {
	it, err := openEvents(ctx, js, messages.EventSubjectFor(job, "*"))
	if err != nil {
		return nil, fmt.Errorf("follow job %s: %w", job, err)
	}
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	for {
		m, err := it.Next()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("follow job %s: %w", job, err)
		}
		ev, err := messages.Decode[messages.Event](m.Data())
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

// openEvents starts an ordered consumer on an events subject. Right after a
// cluster node is lost, creating it can time out for a while (a new
// consumer may be placed on the dead peer until the cluster notices), so
// keep trying until ctx ends.
func openEvents(ctx context.Context, js jetstream.JetStream, subject string) (jetstream.MessagesContext, error) {
	var it jetstream.MessagesContext
	var last error
	p := retry.Policy{Attempts: retry.Forever, Backoff: 500 * time.Millisecond, Max: 5 * time.Second,
		Permanent: func(err error) bool { return !transient(err) || ctx.Err() != nil }}
	_ = p.Do(ctx, func(ctx context.Context) error {
		cons, err := js.OrderedConsumer(ctx, messages.EventStream, jetstream.OrderedConsumerConfig{
			FilterSubjects: []string{subject},
			DeliverPolicy:  jetstream.DeliverAllPolicy,
		})
		if err == nil {
			it, err = cons.Messages()
		}
		last = err
		return err
	})
	if last != nil {
		return nil, last // the open's error, also when ctx ended in a pause
	}
	return it, nil
}

// transient reports errors a cluster in transition returns.
func transient(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoHeartbeat)
}

// LogEntry is one -log line.
type LogEntry struct {
	Time       string `json:"time"`
	Action     string `json:"action"` // COPY, SKIP or FAIL
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
	return LogEntry{Time: t.Format("2006-01-02T15:04:05.000Z07:00"), Action: action, Src: r.Src, Dst: r.Dst, Size: r.Size,
		DurationMS: r.DurationMS, Checksum: r.Checksum, Reason: r.Reason, Error: r.Error, Attempt: r.Attempt}
}
