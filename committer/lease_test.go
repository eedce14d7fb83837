package committer_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/committer"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
	"github.com/jetcp/jetcp/internal/jobclient"
	"github.com/jetcp/jetcp/lister"
	"github.com/jetcp/jetcp/messages"
)

// A lister that stops in the middle of its listing (its process killed:
// here its context ends) leaves no job behind: once its lease lapses with
// no listed event, the committer fails the job with one line saying what
// to do, and removes the work items it had enqueued.
func TestListerStoppedWhileListing(t *testing.T) {
	ctx, js := setup(t)
	src := t.TempDir()
	for i := range 400 {
		p := filepath.Join(src, fmt.Sprintf("d%02d", i%20), fmt.Sprintf("f%03d", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	reg := fs.NewRegistry()
	reg.Register("file", local.Open)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go committer.New(js, reg, zerolog.Nop()).Run(runCtx)

	cfg, err := lister.ParseArgs([]string{src, filepath.Join(t.TempDir(), "dst")})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := lister.MakePlan(ctx, reg, cfg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	const lease = 2 * time.Second
	listCtx, kill := context.WithCancel(ctx)
	var once sync.Once
	killed := make(chan time.Time, 1)
	l := lister.New(js, reg, zerolog.Nop(), lister.WithListingLease(lease), lister.WithProgress(func(items, _, _ int64) {
		once.Do(func() { // after the first item: mid-listing
			kill()
			killed <- time.Now()
		})
	}))
	if listed, err := l.Submit(listCtx, plan); listed != nil || err == nil {
		t.Fatalf("the killed listing closed: %+v, %v", listed, err)
	}
	at := <-killed
	wctx, cancel := context.WithTimeout(ctx, lease+10*time.Second)
	defer cancel()
	rep, err := jobclient.WaitDone(wctx, js, plan.Job.ID)
	if err != nil {
		st, _ := jobclient.JobStatus(ctx, js, plan.Job.ID)
		t.Fatalf("job did not end within %v of the kill: %v; status %+v", lease+10*time.Second, err, st)
	}
	if rep.State != messages.StateFailed || len(rep.Failures) != 1 || rep.Failures[0].Error != messages.ListerLost {
		t.Fatalf("report %+v, want failed with %q", rep, messages.ListerLost)
	}
	if d := time.Since(at); d < lease {
		t.Errorf("the job failed %v after the kill, within the lease %v", d, lease)
	}
	if n, err := js.WorkLeft(ctx, plan.Job.ID); err != nil || n != 0 {
		t.Errorf("%d work items left, %v; want none", n, err)
	}
	if !strings.Contains(messages.ListerLost, "-update") {
		t.Error("the failure does not say how to finish the copy")
	}
}
