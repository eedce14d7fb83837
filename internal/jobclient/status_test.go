package jobclient_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/bus/bustest"
	"github.com/jetcp/jetcp/internal/jobclient"
	"github.com/jetcp/jetcp/messages"
)

// A job's state follows its events: listing until listed, copying until
// every item has a result, committing until done, canceling once a cancel
// is asked; done, the report's state. Wait returns the done event's
// report, Follow replays the events from the first.
func TestStatusFollowsTheEvents(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := bustest.Start(t, ctx, bus.Topology{Memory: true})
	job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now()}
	if _, err := jobclient.JobStatus(ctx, b, job.ID); err == nil {
		t.Fatal("status of an unrecorded job did not fail")
	}
	if err := b.CreateJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	publish := func(ev *messages.Event) {
		t.Helper()
		ev.Job, ev.Time = job.ID, time.Now()
		if err := b.PublishEvent(ctx, ev, ""); err != nil {
			t.Fatal(err)
		}
	}
	want := func(state string) {
		t.Helper()
		st, err := jobclient.JobStatus(ctx, b, job.ID)
		if err != nil || st.State != state {
			t.Fatalf("state %+v, %v; want %s", st, err, state)
		}
	}
	want(jobclient.StateListing)
	publish(&messages.Event{Type: messages.EventListed, Listed: &messages.Listed{Items: 1}})
	want(jobclient.StateCopying)
	publish(&messages.Event{Type: messages.EventResult, Result: &messages.Result{Index: 0}})
	want(jobclient.StateCommitting)
	if err := jobclient.Cancel(ctx, b, job.ID, "test"); err != nil {
		t.Fatal(err)
	}
	want(jobclient.StateCanceling)
	publish(&messages.Event{Type: messages.EventDone, Report: &messages.Report{Job: job.ID, State: messages.StateCanceled}})
	want(messages.StateCanceled)
	if rep, err := jobclient.Wait(ctx, b, job.ID, nil); err != nil || rep.State != messages.StateCanceled {
		t.Fatalf("wait: %+v, %v", rep, err)
	}
	var types []string
	rep, err := jobclient.Follow(ctx, b, job.ID, func(ev *messages.Event) error { types = append(types, ev.Type); return nil })
	if err != nil || rep.State != messages.StateCanceled || len(types) != 4 || types[0] != messages.EventListed {
		t.Fatalf("follow saw %v and %+v, %v; want the 4 events from listed on, and the report", types, rep, err)
	}
	if ids, err := jobclient.Jobs(ctx, b); err != nil || len(ids) != 1 || ids[0] != job.ID {
		t.Fatalf("jobs %v, %v", ids, err)
	}

	// A job that stopped itself (no committer follows it here, so the
	// stop is recorded as an event) is failing, not canceling.
	job = &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now()}
	if err := b.CreateJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	if err := jobclient.Fail(ctx, b, job.ID, errors.New("listing: no room")); err != nil {
		t.Fatal(err)
	}
	st, err := jobclient.JobStatus(ctx, b, job.ID)
	if err != nil || st.State != jobclient.StateFailing || st.Canceled == nil || st.Canceled.Reason != "listing: no room" {
		t.Fatalf("state %+v, %v; want failing with its reason", st, err)
	}
}

// With no committer following a job and the store full of its work
// items, a cancel still records itself: it removes the job's work items
// (a canceled job's go anyway) to make room.
func TestCancelWithTheStoreFull(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := bustest.StartFull(t, ctx, 64<<10)
	job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now()}
	if err := b.CreateJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	q := b.WorkQueue(job.ID)
	for i := int64(0); ; i++ {
		if err := q.Add(ctx, &messages.WorkItem{Job: job.ID, Index: i, Src: strings.Repeat("s", 200)}); err != nil {
			break
		}
		if err := q.Flush(ctx); err != nil {
			break
		}
	}
	if err := jobclient.Cancel(ctx, b, job.ID, "full"); err != nil {
		t.Fatalf("cancel with the store full: %v", err)
	}
	if st, err := jobclient.JobStatus(ctx, b, job.ID); err != nil || st.State != jobclient.StateCanceling {
		t.Fatalf("state %+v, %v; want canceling", st, err)
	}
	if n, err := b.WorkLeft(ctx, job.ID); err != nil || n != 0 {
		t.Errorf("%d work items left, %v", n, err)
	}
}
