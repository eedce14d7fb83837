package committer_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/committer"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
	"github.com/jetcp/jetcp/internal/jobclient"
	"github.com/jetcp/jetcp/messages"
)

// Every job a committer follows ends its goroutines with it (the per-job
// heartbeat of the created event among them): 100 jobs leave the count
// where it was.
func TestJobsLeaveNoGoroutines(t *testing.T) {
	ctx, js := setup(t)
	root := fs.MustParseURI(t.TempDir()).String()
	reg := fs.NewRegistry()
	reg.Register("file", local.Open)
	runCtx, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	go committer.New(js, reg, zerolog.Nop()).Run(runCtx)
	runJobs := func(n int) {
		for range n {
			job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now(), Sources: []string{root}, Target: root, WriteRoot: root}
			pub(t, ctx, js, &messages.Event{Type: messages.EventCreated, Job: job.ID, Spec: job})
			pub(t, ctx, js, &messages.Event{Type: messages.EventListed, Job: job.ID, Listed: &messages.Listed{}})
			rep, err := jobclient.Wait(ctx, js, job.ID, nil)
			if err != nil || rep.State != messages.StateSucceeded {
				t.Fatalf("job %s: %v %+v", job.ID, err, rep)
			}
		}
	}
	runJobs(1) // the committer's and the client's own goroutines start once
	settled := func(limit int) int {
		n := runtime.NumGoroutine()
		for deadline := time.Now().Add(3 * time.Second); n > limit && time.Now().Before(deadline); n = runtime.NumGoroutine() {
			time.Sleep(20 * time.Millisecond)
		}
		return n
	}
	base := settled(0)
	runJobs(100)
	if n := settled(base + 10); n > base+10 {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines after 100 jobs, %d before:\n%s", n, base, buf[:runtime.Stack(buf, true)])
	}
}

// Run's pause after a failed fetch ends with its context.
func TestRunReturnsPromptlyWhenCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan time.Time, 1)
	go func() {
		_ = committer.New(&fakeBus{fetchErr: errors.New("fetch: connection closed")}, fs.NewRegistry(), zerolog.Nop()).Run(ctx)
		done <- time.Now()
	}()
	time.Sleep(300 * time.Millisecond) // inside the pause after the first failed fetch
	canceled := time.Now()
	cancel()
	select {
	case end := <-done:
		if d := end.Sub(canceled); d > 100*time.Millisecond {
			t.Fatalf("Run returned %v after its context ended, want within 100ms", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}
