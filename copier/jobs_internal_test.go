package copier

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
	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/bus/bustest"
	"github.com/jetcp/jetcp/messages"
)

// specs is a job store that counts its loads.
type specs struct {
	Jobs  // the rest is not called
	mu    sync.Mutex
	loads map[string]int
}

func (s *specs) LoadJob(_ context.Context, id string) (*messages.Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loads[id]++
	return &messages.Job{ID: id}, nil
}

func (s *specs) LastEvent(context.Context, string, string) (*messages.Event, error) { return nil, nil }

// The job cache forgets a job when it ends, and one with no item in
// flight for jobIdle (its end missed), but never one with items in flight;
// a job forgotten and met again is loaded again.
func TestJobCacheDropsEndedAndIdleJobs(t *testing.T) {
	ctx := context.Background()
	src := &specs{loads: map[string]int{}}
	var dropped []string
	jc := newJobCache(src, func(j *messages.Job) { dropped = append(dropped, j.ID) })
	clock := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	jc.now = func() time.Time { return clock }
	get := func(id string) *jobEntry {
		t.Helper()
		j, err := jc.get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	a := get("a")
	jc.put(get("a"))
	jc.put(a)
	if src.loads["a"] != 1 || jc.size() != 1 {
		t.Fatalf("job a loaded %d times, %d cached; want once, 1", src.loads["a"], jc.size())
	}
	jc.ended("a")
	if jc.size() != 0 || len(dropped) != 1 || dropped[0] != "a" {
		t.Fatalf("after job a ended: %d cached, dropped %v; want none cached, a dropped", jc.size(), dropped)
	}
	jc.put(get("a"))
	if src.loads["a"] != 2 {
		t.Errorf("job a met again after its end was loaded %d times in all, want 2", src.loads["a"])
	}

	busy := get("busy") // an item in flight for longer than jobIdle
	clock = clock.Add(jobIdle)
	get("c")
	if _, ok := jc.jobs["a"]; ok {
		t.Error("job a, idle for jobIdle, is still cached")
	}
	if _, ok := jc.jobs["busy"]; !ok {
		t.Error("job busy, with an item in flight, was dropped")
	}
	jc.put(busy)
	if jc.size() != 2 {
		t.Errorf("%d jobs cached, want busy and c", jc.size())
	}
}

// A running copier forgets a job once its done event is out: the job
// cache and the parsed paths hold nothing of it.
func TestCopierForgetsAJobWhenItEnds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := bustest.Start(t, ctx, bus.Topology{Memory: true})
	base := t.TempDir()
	src, dst := filepath.Join(base, "src"), filepath.Join(base, "dst")
	for _, d := range []string{src, dst} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(src, "f"), []byte("bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	u := func(p string) string { return fs.MustParseURI(p).String() }
	job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now(), Sources: []string{u(src)}, Target: u(dst), WriteRoot: u(dst)}
	if err := b.CreateJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	item, _ := messages.Encode(&messages.WorkItem{Job: job.ID, Index: 0, Kind: messages.KindFile,
		Src: u(filepath.Join(src, "f")), Dst: u(filepath.Join(dst, "f")), Attr: messages.Attrs{Size: 5}})
	if err := b.Conn().Publish(messages.WorkSubjectFor(job.ID), item); err != nil {
		t.Fatal(err)
	}
	reg := fs.NewRegistry()
	reg.Register("file", local.Open)
	c := New(b, b, reg, zerolog.Nop(), WithWorkers(1))
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan struct{})
	go func() { c.Run(runCtx); close(ran) }()
	defer func() { stop(); <-ran }()
	waitFor(t, ctx, "the job cached and its file copied", func() bool {
		_, err := os.Stat(filepath.Join(dst, "f"))
		return c.jobs.size() == 1 && err == nil
	})
	if err := b.PublishEvent(ctx, &messages.Event{Type: messages.EventDone, Job: job.ID, Time: time.Now(),
		Report: &messages.Report{Job: job.ID, State: messages.StateSucceeded}}, ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the ended job forgotten", func() bool {
		paths := 0
		c.paths.Range(func(any, any) bool { paths++; return true })
		return c.jobs.size() == 0 && paths == 0
	})
}

// waitFor polls cond until it holds, failing the test when ctx ends first.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("never saw %s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
