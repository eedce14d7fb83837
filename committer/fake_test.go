package committer_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/committer"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
	"github.com/jetcp/jetcp/messages"
)

// fakeBus holds created events to hand out and every job's events in
// memory; a replay delivers the events there when it starts.
type fakeBus struct {
	fetchErr error

	mu      sync.Mutex
	created []*fakeDelivery
	events  []*messages.Event
	done    chan *messages.Report
}

func (f *fakeBus) FetchCreated(ctx context.Context, n int, deliver func(committer.Delivery)) error {
	f.mu.Lock()
	var out []committer.Delivery
	for len(f.created) > 0 && len(out) < n {
		out = append(out, f.created[0])
		f.created = f.created[1:]
	}
	f.mu.Unlock()
	for _, d := range out {
		deliver(d)
	}
	if len(out) == 0 && f.fetchErr == nil {
		<-ctx.Done()
	}
	return f.fetchErr
}

func (f *fakeBus) ReplayEvents(ctx context.Context, job string, fn func(string, []byte)) (committer.Replay, error) {
	f.mu.Lock()
	var data [][]byte
	for _, ev := range f.events {
		if ev.Job == job {
			b, _ := messages.Encode(ev)
			data = append(data, b)
		}
	}
	f.mu.Unlock()
	go func() {
		for _, b := range data {
			fn(messages.EventSubjectFor(job, "*"), b)
		}
	}()
	return fakeReplay{}, nil
}

func (f *fakeBus) LastEvent(_ context.Context, job, typ string) (*messages.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var last *messages.Event
	for _, ev := range f.events {
		if ev.Job == job && ev.Type == typ {
			last = ev
		}
	}
	return last, nil
}

func (f *fakeBus) PublishEvent(_ context.Context, ev *messages.Event, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, ev)
	if ev.Type == messages.EventDone && f.done != nil {
		f.done <- ev.Report
	}
	return nil
}

// LoadJob finds a job's spec in its created event.
func (f *fakeBus) LoadJob(_ context.Context, id string) (*messages.Job, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ev := range f.events {
		if ev.Job == id && ev.Type == messages.EventCreated && ev.Spec != nil {
			return ev.Spec, nil
		}
	}
	return nil, messages.ErrUnknownJob
}

func (f *fakeBus) PurgeWork(context.Context, string) error    { return nil }
func (f *fakeBus) PurgeResults(context.Context, string) error { return nil }
func (f *fakeBus) WatchLease(string, func()) (func(), error)  { return func() {}, nil }
func (f *fakeBus) AnswerCancel(string, func(context.Context, *messages.Event) error) (func(), error) {
	return func() {}, nil
}
func (f *fakeBus) WorkLeft(context.Context, string) (uint64, error) { return 0, nil }

type fakeReplay struct{}

func (fakeReplay) Pending(context.Context) (uint64, error) { return 0, nil }
func (fakeReplay) Close(context.Context) error             { return nil }

// fakeDelivery records how the committer settled a created event.
type fakeDelivery struct {
	data []byte
	mu   sync.Mutex
	how  string
}

func (d *fakeDelivery) Data() []byte              { return d.data }
func (d *fakeDelivery) Subject() string           { return "created" }
func (d *fakeDelivery) KeepAlive() error          { return nil }
func (d *fakeDelivery) Ack() error                { return d.settle("ack") }
func (d *fakeDelivery) Retry(time.Duration) error { return d.settle("retry") }
func (d *fakeDelivery) Fail(string) error         { return d.settle("fail") }
func (d *fakeDelivery) settled() string           { d.mu.Lock(); defer d.mu.Unlock(); return d.how }
func (d *fakeDelivery) settle(how string) error   { d.mu.Lock(); d.how = how; d.mu.Unlock(); return nil }

// A committer refuses a created event it cannot read and goes on to
// commit a job from its events: one report, counted from the results, and
// the created event acked once the report is out. No server: the
// committer runs against fakeBus.
func TestCommitsAJobFromItsEvents(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	root := fs.MustParseURI(t.TempDir()).String()
	job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now(), Sources: []string{root}, Target: root, WriteRoot: root, TargetIsDir: true}
	created, _ := messages.Encode(&messages.Event{Type: messages.EventCreated, Job: job.ID, Spec: job})
	malformed, good := &fakeDelivery{data: []byte("{not json")}, &fakeDelivery{data: created}
	result := func(i int64, status string, size int64) *messages.Event {
		return &messages.Event{Type: messages.EventResult, Job: job.ID, Result: &messages.Result{
			Index: i, Kind: messages.KindFile, Status: status, Size: size, Attempt: 1, Src: root + "/f", Dst: root + "/f"}}
	}
	fb := &fakeBus{created: []*fakeDelivery{malformed, good}, done: make(chan *messages.Report, 1), events: []*messages.Event{
		result(0, messages.StatusCopied, 1),
		result(1, messages.StatusSkipped, 2),
		result(1, messages.StatusSkipped, 2), // a duplicate counts once
		{Type: messages.EventListed, Job: job.ID, Listed: &messages.Listed{Items: 2, Files: 2, Bytes: 3}},
	}}
	reg := fs.NewRegistry()
	reg.Register("file", local.Open)
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan struct{})
	go func() { committer.New(fb, reg, zerolog.Nop()).Run(runCtx); close(ran) }()
	var rep *messages.Report
	select {
	case rep = <-fb.done:
	case <-ctx.Done():
		t.Fatal("no report")
	}
	for good.settled() == "" && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	<-ran
	if rep.State != messages.StateSucceeded || rep.FilesCopied != 1 || rep.FilesSkipped != 1 || rep.BytesCopied != 1 || rep.BytesSkipped != 2 {
		t.Errorf("report %+v, want 1 copied (1 byte) and 1 skipped (2 bytes), succeeded", rep)
	}
	if got := malformed.settled(); got != "fail" {
		t.Errorf("malformed created event settled by %q, want fail", got)
	}
	if got := good.settled(); got != "ack" {
		t.Errorf("created event settled by %q, want ack", got)
	}
}
