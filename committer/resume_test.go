package committer_test

import (
	"bytes"
	"context"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/committer"
	"github.com/jetcp/jetcp/copier"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/jobclient"
	"github.com/jetcp/jetcp/lister"
	"github.com/jetcp/jetcp/messages"
)

// A lister stopped in the middle of its listing and resumed from its
// checkpoint by another lister within the lease: the committer does not
// fail the job, copiers copy what both enqueued, and the report counts
// every file once, copied (none found in place: none was enqueued twice).
// Over a JetStream server, with a copier, so the read-back meets items
// waiting, items taken, and results.
func TestListerStoppedThenResumed(t *testing.T) {
	ctx, js := setup(t)
	src := t.TempDir()
	files, dirs := resumeTree(t, src)
	reg := fs.NewRegistry()
	reg.Register("file", local.Open)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go committer.New(js, reg, zerolog.Nop()).Run(runCtx)
	go copier.New(js, js, reg, zerolog.Nop(), copier.WithWorkers(4)).Run(runCtx)

	dst := filepath.Join(t.TempDir(), "dst")
	cfg, err := lister.ParseArgs([]string{src, dst})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := lister.MakePlan(ctx, reg, cfg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	listCtx, kill := context.WithCancel(ctx)
	var items int64
	opts := []lister.Option{lister.WithListingLease(10 * time.Second), lister.WithListThreads(2), lister.WithCheckpoints(5, time.Hour)}
	l := lister.New(js, reg, zerolog.Nop(), append(opts, lister.WithProgress(func(n, _, _ int64) {
		if items += n; items >= 150 {
			kill()
		}
	}))...)
	if listed, err := l.Submit(listCtx, plan); listed != nil || err == nil {
		t.Fatalf("the stopped listing closed: %+v, %v", listed, err)
	}
	time.Sleep(500 * time.Millisecond) // copiers take some of its items
	cp := loadCheckpoint(ctx, t, js, plan.Job.ID)
	if _, err := lister.New(js, reg, zerolog.Nop(), opts...).Resume(ctx, plan.Job, cp); err != nil {
		t.Fatal(err)
	}
	rep, err := jobclient.WaitDone(ctx, js, plan.Job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rep.State != messages.StateSucceeded || rep.FilesCopied != int64(files) || rep.FilesSkipped != 0 || rep.FilesFailed != 0 ||
		rep.DirsCreated != int64(dirs) {
		t.Fatalf("report %+v; want %d files copied, %d directories made", rep, files, dirs)
	}
	st, err := jobclient.JobStatus(ctx, js, plan.Job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if l := st.Listed; l == nil || l.Files != int64(files) || l.Dirs != int64(dirs) || st.Results != l.Items {
		t.Errorf("listed %+v with %d results; want %d files and %d dirs, a result per item", l, st.Results, files, dirs)
	}
	sameTree(t, src, dst)
}

func loadCheckpoint(ctx context.Context, t *testing.T, js *bus.Bus, job string) *lister.Checkpoint {
	t.Helper()
	data, err := js.LoadCheckpoint(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := lister.DecodeCheckpoint(data)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Listed.Items == 0 {
		t.Fatal("no checkpoint past the listing's start")
	}
	return cp
}

// resumeTree writes 1,000 files in 162 directories (the root's too), one
// of 700 files, listed in batches: a checkpoint finds it part enqueued.
func resumeTree(t *testing.T, src string) (files, dirs int) {
	t.Helper()
	write := func(rel string) {
		p := filepath.Join(src, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(rel), 0o644); err != nil {
			t.Fatal(err)
		}
		files++
	}
	for i := range 300 {
		write(fmt.Sprintf("d%02d/s%d/f%03d", i%40, i%3, i))
	}
	for i := range 700 {
		write(fmt.Sprintf("big/f%03d", i))
	}
	return files, 2 + 40 + 40*3 // the root, big, d00..d39 and their s0..s2
}

// sameTree fails unless dst holds exactly src's files, byte for byte
// (the job manifests apart).
func sameTree(t *testing.T, src, dst string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dst, func(p string, d iofs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			if d != nil && d.Name() == ".jetcp" {
				return filepath.SkipDir
			}
			return err
		}
		rel, _ := filepath.Rel(dst, p)
		want, err := os.ReadFile(filepath.Join(src, rel))
		got, _ := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: differs from the source, or not in it", rel)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var want int
	_ = filepath.WalkDir(src, func(_ string, d iofs.DirEntry, _ error) error {
		if !d.IsDir() {
			want++
		}
		return nil
	})
	if n != want {
		t.Errorf("%d files at the target, %d in the source", n, want)
	}
}
