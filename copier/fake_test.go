package copier_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/copier"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
	"github.com/jetcp/jetcp/messages"
)

// fakeBus is a work stream and job store in memory: a retried delivery
// comes back as the next attempt, and every settlement is recorded.
type fakeBus struct {
	job *messages.Job

	mu        sync.Mutex
	queue     []*fakeDelivery
	delivered []*fakeDelivery
	events    []*messages.Event
	settled   chan struct{} // one send per delivery settled
}

// FetchWork takes what is queued; with wait, it looks again every few
// milliseconds until ctx ends.
func (f *fakeBus) FetchWork(ctx context.Context, n int, wait bool, deliver func(copier.Delivery)) error {
	for {
		out := f.take(n)
		for _, d := range out {
			deliver(d)
		}
		if len(out) > 0 || !wait {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func (f *fakeBus) take(n int) []copier.Delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []copier.Delivery
	for len(f.queue) > 0 && len(out) < n {
		d := f.queue[0]
		f.queue = f.queue[1:]
		f.delivered = append(f.delivered, d)
		out = append(out, d)
	}
	return out
}

func (f *fakeBus) LoadJob(_ context.Context, id string) (*messages.Job, error) {
	if id != f.job.ID {
		return nil, messages.ErrUnknownJob
	}
	return f.job, nil
}

func (f *fakeBus) LastEvent(context.Context, string, string) (*messages.Event, error) {
	return nil, nil
}

func (f *fakeBus) PublishEvent(_ context.Context, ev *messages.Event, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, ev)
	return nil
}

func (f *fakeBus) WatchCanceled(func(string)) (func(), error) { return func() {}, nil }

// fakeDelivery records how the copier settled it.
type fakeDelivery struct {
	bus     *fakeBus
	data    []byte
	attempt int
	how     string // ack, retry, release or fail
	delay   time.Duration
}

func (d *fakeDelivery) Data() []byte     { return d.data }
func (d *fakeDelivery) Subject() string  { return messages.WorkSubjectFor(d.bus.job.ID) }
func (d *fakeDelivery) Attempt() int     { return d.attempt }
func (d *fakeDelivery) KeepAlive() error { return nil }
func (d *fakeDelivery) Ack() error       { return d.settle("ack", 0) }
func (d *fakeDelivery) Release() error   { return d.settle("release", 0) }
func (d *fakeDelivery) Fail(string) error {
	return d.settle("fail", 0)
}

// Retry queues the next attempt at once; the delay is only recorded.
func (d *fakeDelivery) Retry(delay time.Duration) error {
	d.bus.mu.Lock()
	d.bus.queue = append(d.bus.queue, &fakeDelivery{bus: d.bus, data: d.data, attempt: d.attempt + 1})
	d.bus.mu.Unlock()
	return d.settle("retry", delay)
}

func (d *fakeDelivery) settle(how string, delay time.Duration) error {
	d.bus.mu.Lock()
	d.how, d.delay = how, delay
	d.bus.mu.Unlock()
	d.bus.settled <- struct{}{}
	return nil
}

// A copy that fails with an error a retry may cure is retried after the
// job's back-off; once the job's attempts are spent the item fails, with
// exactly one failed result, and is not retried again. No server: the
// copier runs against fakeBus.
func TestTransientFailureIsRetriedThenFailsOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dst := t.TempDir()
	job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now(), Sources: []string{"flaky://h/src"},
		Target: fs.MustParseURI(dst).String(), WriteRoot: fs.MustParseURI(dst).String(),
		Options: messages.Options{Attempts: 2, RetryBackoff: time.Millisecond}}
	item, _ := messages.Encode(&messages.WorkItem{Job: job.ID, Index: 0, Kind: messages.KindFile,
		Src: "flaky://h/src/f", Dst: fs.MustParseURI(filepath.Join(dst, "f")).String(), Attr: messages.Attrs{Size: 1}})
	fb := &fakeBus{job: job, settled: make(chan struct{}, 8)}
	fb.queue = []*fakeDelivery{{bus: fb, data: item, attempt: 1}}
	reg := fs.NewRegistry()
	reg.Register("file", local.Open)
	reg.Register("flaky", func(context.Context, fs.URI) (fs.FS, error) { return nil, errors.New("connection reset by peer") })

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { copier.New(fb, fb, reg, zerolog.Nop(), copier.WithWorkers(2)).Run(runCtx); close(done) }()
	for range 2 {
		select {
		case <-fb.settled:
		case <-ctx.Done():
			t.Fatal("the deliveries were not settled")
		}
	}
	stop()
	<-done

	fb.mu.Lock()
	defer fb.mu.Unlock()
	if len(fb.delivered) != 2 || len(fb.queue) != 0 {
		t.Fatalf("%d deliveries, %d queued; want 2 and none", len(fb.delivered), len(fb.queue))
	}
	if first := fb.delivered[0]; first.how != "retry" || first.delay <= 0 {
		t.Errorf("first attempt settled by %q after %s, want a retry after the back-off", first.how, first.delay)
	}
	if second := fb.delivered[1]; second.how != "fail" {
		t.Errorf("last attempt settled by %q, want fail", second.how)
	}
	if len(fb.events) != 1 {
		t.Fatalf("%d result events, want exactly one", len(fb.events))
	}
	if r := fb.events[0].Result; r == nil || r.Status != messages.StatusFailed || r.Attempt != 2 || r.Index != 0 {
		t.Errorf("result %+v, want item 0 failed at attempt 2", r)
	}
}
