package bus_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/lister"
	"github.com/jetcp/jetcp/messages"
)

var _ lister.Checkpoints = (*bus.Bus)(nil)

// A checkpoint is kept per job until dropped; the read-back from a
// checkpoint's sequences gives the job's items published after it that
// are still in the work stream (waiting or held by a copier, not acked
// ones), then the job's results published after it, and nothing of
// another job.
func TestCheckpointAndReadBack(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := start(t, ctx, bus.Topology{Memory: true})
	if _, err := b.LoadCheckpoint(ctx, "j1"); !errors.Is(err, bus.ErrNoCheckpoint) {
		t.Fatalf("load before any save: %v, want ErrNoCheckpoint", err)
	}
	add := func(job string, from, to int64) {
		q := b.WorkQueue(job)
		for i := from; i < to; i++ {
			if err := q.Add(ctx, &messages.WorkItem{Job: job, Index: i, Kind: messages.KindFile, Src: "/s"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := q.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	result := func(job string, i int64) {
		ev := &messages.Event{Type: messages.EventResult, Job: job, Result: &messages.Result{Index: i, Kind: messages.KindFile}}
		if err := b.PublishEvent(ctx, ev, messages.ResultMsgID(job, i)); err != nil {
			t.Fatal(err)
		}
	}
	add("j1", 0, 3)
	result("j1", 0)
	work, events, err := b.StreamSeqs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SaveCheckpoint(ctx, "j1", []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := b.SaveCheckpoint(ctx, "j1", []byte("two")); err != nil {
		t.Fatal(err)
	}
	if got, err := b.LoadCheckpoint(ctx, "j1"); err != nil || string(got) != "two" {
		t.Fatalf("load: %q, %v; want the last saved", got, err)
	}
	add("j1", 3, 8)
	add("j2", 0, 4)
	result("j2", 0)
	result("j1", 3)
	result("j1", 4)
	ackItems(ctx, t, b, "j1", 3, 4) // copied: their results are in
	for {                           // acks are not confirmed: wait until the stream let them go
		if n, err := b.WorkLeft(ctx, "j1"); err != nil || n == 6 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	var items, results []int64
	err = b.ReadBack(ctx, "j1", work, events,
		func(it *messages.WorkItem) { items = append(items, it.Index) },
		func(r *messages.Result) { results = append(results, r.Index) })
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(items)
	if !slices.Equal(items, []int64{5, 6, 7}) || !slices.Equal(results, []int64{3, 4}) {
		t.Errorf("read back items %v and results %v; want items 5 6 7 and results 3 4", items, results)
	}
	if err := b.DeleteCheckpoint(ctx, "j1"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.LoadCheckpoint(ctx, "j1"); !errors.Is(err, bus.ErrNoCheckpoint) {
		t.Fatalf("load after delete: %v, want ErrNoCheckpoint", err)
	}
}

// ackItems plays a copier that takes job's items at indexes and acks
// them, releasing the others it is given.
func ackItems(ctx context.Context, t *testing.T, b *bus.Bus, job string, indexes ...int64) {
	t.Helper()
	for taken := 0; taken < len(indexes); {
		err := b.FetchWork(ctx, 1, true, func(d bus.WorkDelivery) {
			it, _ := messages.Decode[messages.WorkItem](d.Data())
			if it.Job == job && slices.Contains(indexes, it.Index) {
				_ = d.Ack()
				taken++
				return
			}
			_ = d.Release()
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
