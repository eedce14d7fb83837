package jobclient

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"time"

	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/messages"
)

// Job states as status reports them before a job is done.
const (
	StateListing    = "listing"    // the lister is still enqueueing
	StateCopying    = "copying"    // listed; results outstanding
	StateCommitting = "committing" // every item has a result; the committer is finishing
	StateCanceling  = "canceling"  // cancel asked; the committer is closing the job
	StateFailing    = "failing"    // the job stopped itself (its listing could not go on); the committer is closing it
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
func JobStatus(ctx context.Context, b *bus.Bus, id string) (*Status, error) {
	spec, err := b.LoadJob(ctx, id)
	if err != nil {
		return nil, err
	}
	counts, err := b.EventCounts(ctx, id)
	if err != nil {
		return nil, err
	}
	s := &Status{Job: spec, State: StateListing, Results: int64(counts[messages.EventResult])}
	last := func(typ string) (*messages.Event, error) {
		if counts[typ] == 0 {
			return nil, nil
		}
		return b.LastEvent(ctx, id, typ)
	}
	for _, step := range []struct {
		typ   string
		apply func(*Status, *messages.Event)
	}{{messages.EventListed, (*Status).listed}, {messages.EventCanceled, (*Status).canceled}, {messages.EventDone, (*Status).done}} {
		ev, err := last(step.typ)
		if err != nil {
			return nil, err
		}
		if ev != nil {
			step.apply(s, ev)
		}
	}
	return s, nil
}

func (s *Status) listed(ev *messages.Event) {
	s.Listed = ev.Listed
	s.State = StateCopying
	if s.Listed != nil && s.Results >= s.Listed.Items {
		s.State = StateCommitting
	}
}

func (s *Status) canceled(ev *messages.Event) {
	s.Canceled = ev.Canceled
	s.State = StateCanceling
	if ev.Canceled != nil && ev.Canceled.Failed {
		s.State = StateFailing
	}
}

func (s *Status) done(ev *messages.Event) {
	if ev.Report != nil {
		s.Report = ev.Report
		s.State = ev.Report.State
	}
}

// Jobs lists the recorded job ids, oldest first (ids sort by creation time).
func Jobs(ctx context.Context, b *bus.Bus) ([]string, error) { return b.JobIDs(ctx) }

// Cancel asks a job to stop: the committer removes its remaining work
// items, copiers abandon its copies in flight, and the job ends with state
// "canceled". Asking twice is harmless. It does not wait for the end.
func Cancel(ctx context.Context, b *bus.Bus, id, reason string) error {
	if _, err := b.LoadJob(ctx, id); err != nil {
		return err
	}
	return stop(ctx, b, id, &messages.Canceled{By: whoami(), Reason: reason})
}

// Fail stops a job that cannot go on, e.g. its listing could not be
// stored: as Cancel, but the job ends "failed" with cause as its failure.
func Fail(ctx context.Context, b *bus.Bus, id string, cause error) error {
	return stop(ctx, b, id, &messages.Canceled{By: whoami(), Reason: cause.Error(), Failed: true})
}

// stop asks the committer following the job to cancel it, which needs no
// storage (the committer removes the job's work items, freeing room, then
// records the canceled event); with no committer following the job, it
// records the canceled event itself for the one that takes the job up,
// removing the job's work items first when the store has no room.
func stop(ctx context.Context, b *bus.Bus, id string, c *messages.Canceled) error {
	ev := &messages.Event{Type: messages.EventCanceled, Job: id, Time: time.Now().UTC(), Canceled: c}
	answered, err := b.RequestCancel(ctx, ev)
	if answered || err != nil && ctx.Err() != nil {
		return err
	}
	err = b.PublishEvent(ctx, ev, id+"/"+messages.EventCanceled)
	if bus.IsStoreFailure(err) {
		// No room: the job's own work items may be what fills the store,
		// and a canceled job's go anyway (as the committer would do).
		if perr := b.PurgeWork(ctx, id); perr == nil {
			err = b.PublishEvent(ctx, ev, id+"/"+messages.EventCanceled)
		}
	}
	if err != nil {
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
