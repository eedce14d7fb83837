package bus_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/messages"
)

// A replay's pulls are bounded in bytes (bus.ReplayPullBytes), and a pull
// that has less room left than the next event gets none: the replay asks
// again and goes on. Events of up to nearly the server's largest message
// (1 MB), mixed with small ones, all arrive, in order.
func TestReplayDeliversEventsNearTheMaxPayload(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := start(t, ctx, bus.Topology{Memory: true})
	job := messages.NewJobID(time.Now())
	const events = 24
	big := strings.Repeat("x", 900_000)
	for i := range int64(events) {
		res := &messages.Result{Index: i, Kind: messages.KindFile, Status: messages.StatusFailed}
		if i%3 != 2 {
			res.Error = big
		}
		ev := &messages.Event{Type: messages.EventResult, Job: job, Time: time.Now(), Result: res}
		if err := b.PublishEvent(ctx, ev, ""); err != nil {
			t.Fatal(err)
		}
	}
	if got := bus.ReplayPullBytes(1 << 20); got != 4<<20 {
		t.Errorf("ReplayPullBytes(1 MiB) = %d, want 4 MiB", got)
	}
	got := make(chan int64, events)
	r, err := b.ReplayEvents(ctx, job, func(_ string, data []byte) {
		ev, err := messages.Decode[messages.Event](data)
		if err != nil || ev.Result == nil {
			t.Errorf("event %q: %v", data[:min(len(data), 80)], err)
			return
		}
		got <- ev.Result.Index
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.WithoutCancel(ctx))
	for want := range int64(events) {
		select {
		case i := <-got:
			if i != want {
				t.Fatalf("event %d arrived where %d was due", i, want)
			}
		case <-ctx.Done():
			t.Fatalf("the replay stalled after %d of %d events", want, events)
		}
	}
}
