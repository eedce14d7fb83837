package lister

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"slices"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetcp/jetcp/messages"
)

// Job states as status reports them before a job is done.
const (
	StateListing    = "listing"    // the lister is still enqueueing
	StateCopying    = "copying"    // listed; results outstanding
	StateCommitting = "committing" // every item has a result; the committer is finishing
	StateCanceling  = "canceling"  // cancel asked; the committer is closing the job
)

// Status is a job's state, read from JetStream alone (any machine can ask).
type Status struct {
	Job   *messages.Job
	State string // one of the State constants, or the report's state once done
	// Listed is set once listing is complete.
	Listed *messages.Listed
	// Results counts result events so far (a redelivered duplicate
	// published more than the dedup window apart counts twice).
	Results  int64
	Canceled *messages.Canceled
	Report   *messages.Report // set once done
}

// JobStatus reads a job's state.
func JobStatus(ctx context.Context, js jetstream.JetStream, id string) (*Status, error) {
	spec, err := messages.LoadJob(ctx, js, id)
	if err != nil {
		return nil, err
	}
	st, err := js.Stream(ctx, messages.EventStream)
	if err != nil {
		return nil, fmt.Errorf("open stream %s: %w", messages.EventStream, err)
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter(messages.EventSubjectFor(id, "*")))
	if err != nil {
		return nil, fmt.Errorf("job %s: read its events: %w", id, err)
	}
	count := func(typ string) uint64 { return info.State.Subjects[messages.EventSubjectFor(id, typ)] }
	last := func(typ string) (*messages.Event, error) {
		if count(typ) == 0 {
			return nil, nil
		}
		return messages.LastEvent(ctx, js, id, typ)
	}
	s := &Status{Job: spec, State: StateListing, Results: int64(count(messages.EventResult))}
	if ev, err := last(messages.EventListed); err != nil {
		return nil, err
	} else if ev != nil {
		s.Listed = ev.Listed
		s.State = StateCopying
		if s.Listed != nil && s.Results >= s.Listed.Items {
			s.State = StateCommitting
		}
	}
	if ev, err := last(messages.EventCanceled); err != nil {
		return nil, err
	} else if ev != nil {
		s.Canceled = ev.Canceled
		s.State = StateCanceling
	}
	if ev, err := last(messages.EventDone); err != nil {
		return nil, err
	} else if ev != nil && ev.Report != nil {
		s.Report = ev.Report
		s.State = ev.Report.State
	}
	return s, nil
}

// Jobs lists the recorded job ids, oldest first (ids sort by creation time).
func Jobs(ctx context.Context, js jetstream.JetStream) ([]string, error) {
	kv, err := js.KeyValue(ctx, messages.JobBucket)
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", messages.JobBucket, err)
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	var ids []string
	for k := range keys.Keys() {
		ids = append(ids, k)
	}
	slices.Sort(ids)
	return ids, nil
}

// Cancel asks a job to stop: the committer removes its remaining work
// items, copiers abandon its copies in flight, and the job ends with state
// "canceled". Asking twice is harmless. It does not wait for the end.
func Cancel(ctx context.Context, js jetstream.JetStream, id, reason string) error {
	if _, err := messages.LoadJob(ctx, js, id); err != nil {
		return err
	}
	ev := &messages.Event{Type: messages.EventCanceled, Job: id, Time: time.Now().UTC(),
		Canceled: &messages.Canceled{By: whoami(), Reason: reason}}
	if err := messages.PublishEvent(ctx, js, ev, id+"/canceled"); err != nil {
		return fmt.Errorf("cancel job %s: %w", id, err)
	}
	return nil
}

func whoami() string {
	// A scratch container has no passwd file: fall back to $USER, then the uid.
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		name = "uid" + strconv.Itoa(os.Getuid())
	}
	host, _ := os.Hostname()
	return name + "@" + host
}
