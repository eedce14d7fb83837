package copier_test

import (
	"context"
	"errors"
	"os"
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
	inFlight  []*messages.InFlight
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
func (f *fakeBus) WatchEnded(func(string)) (func(), error)    { return func() {}, nil }

// PublishInFlight records the report.
func (f *fakeBus) PublishInFlight(p *messages.InFlight) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inFlight = append(f.inFlight, p)
	return nil
}

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

// A copier with a copy running reports its bytes so far every half
// second, rising while the file is copied, and once it is done a report
// with no items; a copy that takes no time is not reported at all.
func TestBytesInFlightAreReported(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	src, dst := t.TempDir(), t.TempDir()
	const size = 3 << 20 // 1.5 s at 2 MiB/s
	if err := os.WriteFile(filepath.Join(src, "big"), make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now(), Sources: []string{fs.MustParseURI(src).String()},
		Target: fs.MustParseURI(dst).String(), WriteRoot: fs.MustParseURI(dst).String(),
		Options: messages.Options{BandwidthMBps: 2, CopyBufferSize: 128 << 10}}
	item, _ := messages.Encode(&messages.WorkItem{Job: job.ID, Index: 7, Kind: messages.KindFile,
		Src: fs.MustParseURI(filepath.Join(src, "big")).String(), Dst: fs.MustParseURI(filepath.Join(dst, "big")).String(),
		Attr: messages.Attrs{Size: size}})
	fb := &fakeBus{job: job, settled: make(chan struct{}, 8)}
	fb.queue = []*fakeDelivery{{bus: fb, data: item, attempt: 1}}
	reg := fs.NewRegistry()
	reg.Register("file", local.Open)

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { copier.New(fb, fb, reg, zerolog.Nop(), copier.WithName("c1")).Run(runCtx); close(done) }()
	select {
	case <-fb.settled:
	case <-ctx.Done():
		t.Fatal("the delivery was not settled")
	}
	time.Sleep(messages.InFlightEvery + 200*time.Millisecond) // the closing report
	stop()
	<-done

	fb.mu.Lock()
	defer fb.mu.Unlock()
	var seen []int64
	for i, p := range fb.inFlight {
		if p.Job != job.ID || p.Copier != "c1" {
			t.Errorf("report %d is of job %s by %s", i, p.Job, p.Copier)
		}
		if i == len(fb.inFlight)-1 {
			if len(p.Bytes) != 0 {
				t.Errorf("the last report has items %v, want none", p.Bytes)
			}
			break
		}
		if len(p.Bytes) != 1 {
			t.Fatalf("report %d: %v, want item 7 only", i, p.Bytes)
		}
		seen = append(seen, p.Bytes[7])
	}
	if len(seen) < 2 {
		t.Fatalf("reports while copying: %v, want at least 2", seen)
	}
	for i, n := range seen {
		if n <= 0 || n > size || i > 0 && n <= seen[i-1] {
			t.Errorf("bytes in flight %v: want them rising, within 1..%d", seen, size)
			break
		}
	}
	if seen[0] >= size {
		t.Errorf("first report %d: the whole file, want part of it", seen[0])
	}
}
