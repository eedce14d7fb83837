package jobclient_test

import (
	"context"
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/bus/bustest"
	"github.com/jetcp/jetcp/internal/jobclient"
	"github.com/jetcp/jetcp/messages"
)

// Bytes in flight, as copiers report them on jetcp.progress.<job>, count
// in a snapshot until the item's result does: an item reported by two
// copiers (delivered again) once, at the most reported; never above the
// total; and once every item has its result, the results' bytes alone.
// (Results and reports travel on different subjects, which may be handled
// in either order: each step waits for what the one before showed.)
func TestProgressCountsBytesInFlight(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := bustest.Start(t, ctx, bus.Topology{Memory: true})
	job := messages.NewJobID(time.Now())
	p, err := jobclient.WatchProgress(b, job)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	publish := func(ev *messages.Event) {
		t.Helper()
		ev.Job, ev.Time = job, time.Now()
		if err := b.PublishEvent(ctx, ev, ""); err != nil {
			t.Fatal(err)
		}
	}
	flying := func(copier string, bytes map[int64]int64) {
		t.Helper()
		if err := b.PublishInFlight(&messages.InFlight{Job: job, Copier: copier, Time: time.Now(), Bytes: bytes}); err != nil {
			t.Fatal(err)
		}
	}
	result := func(index int64, status string, size int64) {
		publish(&messages.Event{Type: messages.EventResult,
			Result: &messages.Result{Index: index, Kind: messages.KindFile, Status: status, Size: size, Attempt: 1}})
	}
	want := func(step string, done, copied, files int64) {
		t.Helper()
		var s jobclient.Snapshot
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			s = p.Snapshot()
			if s.BytesDone == done && s.BytesCopied == copied && s.FilesDone == files {
				return
			}
		}
		t.Fatalf("%s: bytes done %d, copied %d, files %d; want %d, %d, %d", step, s.BytesDone, s.BytesCopied, s.FilesDone, done, copied, files)
	}
	publish(&messages.Event{Type: messages.EventListed, Listed: &messages.Listed{Items: 3, Files: 3, Bytes: 1000}})
	want("listed", 0, 0, 0)
	flying("a", map[int64]int64{0: 50})
	want("a copies 0", 50, 50, 0)
	flying("a", map[int64]int64{0: 80, 1: 30})
	want("a copies 0 and 1", 110, 110, 0)
	flying("b", map[int64]int64{1: 10}) // 1 again, elsewhere
	flying("a", map[int64]int64{0: 90, 1: 30})
	want("b copies 1 too", 120, 120, 0)
	result(0, messages.StatusCopied, 100)
	want("0 copied", 130, 130, 1)
	result(2, messages.StatusSkipped, 300)
	want("2 skipped", 430, 130, 2)
	flying("b", map[int64]int64{1: 900}) // more than is left
	want("capped at the total", 1000, 1000, 2)
	result(1, messages.StatusFailed, 600)
	want("all results: theirs alone", 400, 100, 3)
}

// A job that ends without every result (canceled) ends at its results:
// the copies still in flight were abandoned.
func TestProgressEndsAtTheResults(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := bustest.Start(t, ctx, bus.Topology{Memory: true})
	job := messages.NewJobID(time.Now())
	p, err := jobclient.WatchProgress(b, job)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	for _, ev := range []*messages.Event{
		{Type: messages.EventListed, Listed: &messages.Listed{Items: 2, Files: 2, Bytes: 200}},
		{Type: messages.EventResult, Result: &messages.Result{Index: 0, Kind: messages.KindFile, Status: messages.StatusCopied, Size: 100, Attempt: 1}},
	} {
		ev.Job, ev.Time = job, time.Now()
		if err := b.PublishEvent(ctx, ev, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.PublishInFlight(&messages.InFlight{Job: job, Copier: "a", Time: time.Now(), Bytes: map[int64]int64{1: 60}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "in flight", func() bool { return p.Snapshot().BytesCopied == 160 })
	done := &messages.Event{Type: messages.EventDone, Job: job, Time: time.Now(), Report: &messages.Report{State: "canceled"}}
	if err := b.PublishEvent(ctx, done, ""); err != nil {
		t.Fatal(err)
	}
	eventually(t, "done", func() bool { s := p.Snapshot(); return s.BytesCopied == 100 && s.BytesDone == 100 })
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("%s: not so after 5 s", what)
}
