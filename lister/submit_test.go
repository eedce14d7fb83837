package lister

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
	"github.com/jetcp/jetcp/messages"
)

// fakePublisher records, in order, what a lister publishes: "job", each
// event's type, "work" per item and "flush" once the items are stored.
type fakePublisher struct {
	mu     sync.Mutex
	log    []string
	items  []*messages.WorkItem
	listed *messages.Listed
}

func (f *fakePublisher) note(s string) { f.mu.Lock(); f.log = append(f.log, s); f.mu.Unlock() }

func (f *fakePublisher) CreateJob(context.Context, *messages.Job) error { f.note("job"); return nil }

func (f *fakePublisher) PublishEvent(_ context.Context, ev *messages.Event, _ string) error {
	f.note(ev.Type)
	if ev.Type == messages.EventListed {
		f.listed = ev.Listed
	}
	return nil
}

func (f *fakePublisher) WorkQueue(string) WorkQueue { return fakeQueue{f} }

func (f *fakePublisher) RenewLease(string) error { return nil }

type fakeQueue struct{ f *fakePublisher }

func (q fakeQueue) Add(_ context.Context, item *messages.WorkItem) error {
	q.f.note("work")
	q.f.mu.Lock()
	q.f.items = append(q.f.items, item)
	q.f.mu.Unlock()
	return nil
}

func (q fakeQueue) Flush(context.Context) error { q.f.note("flush"); return nil }

// Submit records the job, then its created event, then the work items with
// dense indexes 0..N-1, and closes the listing with N only after the items
// are stored: the committer's completion test rests on that order. No
// server: the lister runs against fakePublisher.
func TestSubmitPublishesDenseIndexesThenCloses(t *testing.T) {
	src := t.TempDir()
	for _, f := range []string{"a", "b", "d/c", "d/e/f"} {
		p := filepath.Join(src, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := ParseArgs([]string{src, filepath.Join(t.TempDir(), "dst")})
	if err != nil {
		t.Fatal(err)
	}
	reg := fs.NewRegistry()
	reg.Register("file", local.Open)
	ctx := context.Background()
	p, err := MakePlan(ctx, reg, cfg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	fp := &fakePublisher{}
	listed, err := New(fp, reg, zerolog.Nop()).Submit(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if listed != fp.listed || listed.Items != int64(len(fp.items)) || listed.Files != 4 || listed.Dirs != 3 || listed.Bytes != 1+1+3+5 {
		t.Fatalf("listed %+v with %d items published; want 4 files, 3 dirs, 10 bytes", listed, len(fp.items))
	}
	for i, item := range fp.items {
		if item.Index != int64(i) || item.Job != p.Job.ID {
			t.Fatalf("item %d has index %d of job %q", i, item.Index, item.Job)
		}
	}
	log := fp.log
	if len(log) < 4 || log[0] != "job" || log[1] != messages.EventCreated || log[len(log)-2] != "flush" || log[len(log)-1] != messages.EventListed {
		t.Fatalf("published %v; want job, created, the work, flush, listed", log)
	}
}
