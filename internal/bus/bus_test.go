package bus_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/jetcp/jetcp/committer"
	"github.com/jetcp/jetcp/copier"
	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/bus/bustest"
	"github.com/jetcp/jetcp/lister"
	"github.com/jetcp/jetcp/messages"
)

// The bus is what each service asks for.
var (
	_ copier.Work      = (*bus.Bus)(nil)
	_ copier.Jobs      = (*bus.Bus)(nil)
	_ committer.Bus    = (*bus.Bus)(nil)
	_ lister.Publisher = (*bus.Bus)(nil)
)

func start(t *testing.T, ctx context.Context, topo bus.Topology) *bus.Bus {
	t.Helper()
	return bustest.Start(t, ctx, topo)
}

// A work queue waits while the work stream is full and goes on as copiers
// take items: every item arrives once, though the stream holds a quarter of
// them at a time.
func TestWorkQueueWaitsOutBackPressure(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := start(t, ctx, bus.Topology{Memory: true, WorkMaxMsgs: 10})
	const items = 40
	got := make(chan int64, items)
	go func() {
		for len(got) < items && ctx.Err() == nil {
			fctx, stop := context.WithTimeout(ctx, 200*time.Millisecond)
			_ = b.FetchWork(fctx, 5, true, func(d bus.WorkDelivery) {
				item, err := messages.Decode[messages.WorkItem](d.Data())
				if err != nil {
					t.Error(err)
					return
				}
				_ = d.Ack()
				got <- item.Index
			})
			stop()
		}
	}()
	q := b.WorkQueue("job1")
	for i := range int64(items) {
		if err := q.Add(ctx, &messages.WorkItem{Job: "job1", Index: i, Kind: messages.KindFile}); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for len(seen) < items {
		select {
		case i := <-got:
			if seen[i] {
				t.Fatalf("item %d arrived twice", i)
			}
			seen[i] = true
		case <-ctx.Done():
			t.Fatalf("%d of %d items arrived", len(seen), items)
		}
	}
}

// A job's events replay from the first, the work left is counted per job,
// and a closed replay leaves no consumer behind.
func TestReplayCountAndPurge(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := start(t, ctx, bus.Topology{Memory: true})
	for _, typ := range []string{messages.EventCreated, messages.EventListed} {
		if err := b.PublishEvent(ctx, &messages.Event{Type: typ, Job: "job1"}, ""); err != nil {
			t.Fatal(err)
		}
	}
	q := b.WorkQueue("job1")
	for i := range int64(3) {
		if err := q.Add(ctx, &messages.WorkItem{Job: "job1", Index: i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := b.WorkLeft(ctx, "job1"); err != nil || n != 3 {
		t.Fatalf("work left %d, %v; want 3", n, err)
	}
	if n, err := b.WorkLeft(ctx, "job2"); err != nil || n != 0 {
		t.Fatalf("another job's work left %d, %v; want 0", n, err)
	}
	subjects := make(chan string, 2)
	r, err := b.ReplayEvents(ctx, "job1", func(subject string, _ []byte) { subjects <- subject })
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{messages.EventCreated, messages.EventListed} {
		if s := <-subjects; s != messages.EventSubjectFor("job1", typ) {
			t.Fatalf("replayed %s, want the %s event", s, typ)
		}
	}
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.PurgeWork(ctx, "job1"); err != nil {
		t.Fatal(err)
	}
	if n, err := b.WorkLeft(ctx, "job1"); err != nil || n != 0 {
		t.Fatalf("work left after purge %d, %v; want 0", n, err)
	}
	js, _ := jetstream.New(b.Conn())
	st, _ := js.Stream(ctx, bus.EventStream)
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Consumers != 1 { // the committers' durable one
		t.Fatalf("%d consumers on the events stream after the replay closed, want 1", info.State.Consumers)
	}
}
