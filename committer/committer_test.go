package committer_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/committer"
	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/bus/bustest"
	"github.com/jetcp/jetcp/internal/jobclient"
	"github.com/jetcp/jetcp/messages"
)

func setup(t *testing.T) (context.Context, *bus.Bus) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx, bustest.Start(t, ctx, bus.Topology{Memory: true})
}

// startCommitter runs a committer until the test ends and announces job to it.
func startCommitter(t *testing.T, ctx context.Context, js *bus.Bus, job *messages.Job, opts ...committer.Option) {
	t.Helper()
	reg := fs.NewRegistry()
	reg.Register("file", local.Open)
	runCtx, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	go committer.New(js, reg, zerolog.Nop(), opts...).Run(runCtx)
	pub(t, ctx, js, &messages.Event{Type: messages.EventCreated, Job: job.ID, Spec: job})
}

func pub(t *testing.T, ctx context.Context, js *bus.Bus, ev *messages.Event) {
	t.Helper()
	ev.Time = time.Now()
	if err := js.PublishEvent(ctx, ev, ""); err != nil {
		t.Fatal(err)
	}
}

// The committer counts one result per index whatever the duplicates, turns
// items that left the work stream without a result into failures (so a job
// never hangs and never loses an item silently), and reports.
func TestCompletionDuplicatesAndLostItems(t *testing.T) {
	for _, ignore := range []bool{false, true} {
		t.Run(map[bool]string{false: "fails", true: "-i succeeds"}[ignore], func(t *testing.T) {
			ctx, js := setup(t)
			dir := t.TempDir()
			root := fs.MustParseURI(dir).String()
			job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now(), Sources: []string{root},
				Target: root, WriteRoot: root, TargetIsDir: true, Options: messages.Options{IgnoreFailures: ignore}}
			if err := js.CreateJob(ctx, job); err != nil {
				t.Fatal(err)
			}
			startCommitter(t, ctx, js, job, committer.WithSweepAfter(200*time.Millisecond))
			res := func(i int64, status string, size int64) *messages.Event {
				return &messages.Event{Type: messages.EventResult, Job: job.ID, Result: &messages.Result{
					Index: i, Kind: messages.KindFile, Status: status, Size: size, Attempt: 1,
					Src: root + "/f", Dst: root + "/f"}}
			}
			pub(t, ctx, js, res(0, messages.StatusCopied, 10))
			pub(t, ctx, js, res(0, messages.StatusCopied, 10)) // redelivered duplicate
			pub(t, ctx, js, res(1, messages.StatusSkipped, 5))
			pub(t, ctx, js, &messages.Event{Type: messages.EventListed, Job: job.ID, Listed: &messages.Listed{Items: 3, Files: 3, Bytes: 20}})
			pub(t, ctx, js, res(7, messages.StatusCopied, 99)) // beyond the listing: ignored
			// Index 2 never gets a result and is not in the work stream: lost.

			rep, err := jobclient.Wait(ctx, js, job.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.FilesCopied != 1 || rep.FilesSkipped != 1 || rep.FilesFailed != 1 || rep.BytesCopied != 10 || rep.BytesExpected != 20 {
				t.Fatalf("report %+v", rep)
			}
			wantState := messages.StateFailed
			if ignore {
				wantState = messages.StateSucceeded
			}
			if rep.State != wantState {
				t.Fatalf("state %s, want %s", rep.State, wantState)
			}
			if len(rep.Failures) != 1 || !strings.Contains(rep.Failures[0].Error, "work item 2 lost") {
				t.Fatalf("failures %+v", rep.Failures)
			}
		})
	}
}

// A listing that broke off still ends the job, as failed, with the error.
func TestListingErrorFailsJob(t *testing.T) {
	ctx, js := setup(t)
	root := fs.MustParseURI(t.TempDir()).String()
	job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now(), Sources: []string{root}, Target: root, WriteRoot: root}
	startCommitter(t, ctx, js, job)
	pub(t, ctx, js, &messages.Event{Type: messages.EventListed, Job: job.ID, Listed: &messages.Listed{Error: "list /x: permission denied"}})
	rep, err := jobclient.Wait(ctx, js, job.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.State != messages.StateFailed || len(rep.Failures) != 1 || !strings.Contains(rep.Failures[0].Error, "permission denied") {
		t.Fatalf("report %+v", rep)
	}
}

// A result for an index beyond the listing that arrived before the listing
// closed was counted; the job must not report success on such counts.
func TestForgedResultBeforeListingFailsJob(t *testing.T) {
	ctx, js := setup(t)
	root := fs.MustParseURI(t.TempDir()).String()
	job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now(), Sources: []string{root}, Target: root, WriteRoot: root}
	startCommitter(t, ctx, js, job)
	for _, i := range []int64{0, 5} {
		pub(t, ctx, js, &messages.Event{Type: messages.EventResult, Job: job.ID, Result: &messages.Result{Index: i, Kind: messages.KindFile, Status: messages.StatusCopied, Size: 1}})
	}
	pub(t, ctx, js, &messages.Event{Type: messages.EventListed, Job: job.ID, Listed: &messages.Listed{Items: 1, Files: 1, Bytes: 1}})
	rep, err := jobclient.Wait(ctx, js, job.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.State != messages.StateFailed || len(rep.Failures) != 1 || !strings.Contains(rep.Failures[0].Error, "never made") {
		t.Fatalf("report %+v", rep)
	}
}

// A retried item may have left a temp file from a crashed attempt; the
// committer removes this job's temp files next to retried items, and those
// of jobs no longer alive there (not recorded, e.g. a killed embedded
// run's, or ended), but not those of a job still running. With -delete it
// does the same in every directory its walk lists.
func TestSweepsLeftoverTempFiles(t *testing.T) {
	for _, del := range []bool{false, true} {
		t.Run(map[bool]string{false: "retried", true: "-delete"}[del], func(t *testing.T) { sweepsLeftovers(t, del) })
	}
}

func sweepsLeftovers(t *testing.T, del bool) {
	ctx, js := setup(t)
	dir := t.TempDir()
	root := fs.MustParseURI(dir).String()
	job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now(), Sources: []string{root}, Target: root, WriteRoot: root}
	running := &messages.Job{ID: "20200101-000000-0000aaaa", Created: time.Now(), Sources: []string{root}, Target: root, WriteRoot: root}
	ended := &messages.Job{ID: "20200101-000000-0000bbbb", Created: time.Now(), Sources: []string{root}, Target: root, WriteRoot: root}
	for _, j := range []*messages.Job{running, ended} {
		if err := js.CreateJob(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	pub(t, ctx, js, &messages.Event{Type: messages.EventDone, Job: ended.ID, Report: &messages.Report{Job: ended.ID, State: messages.StateSucceeded}})
	sub, elsewhere := filepath.Join(dir, "sub"), filepath.Join(dir, "other")
	temp := func(d, job string) string { return filepath.Join(d, distcp.TempName(job, "0", 1, "0a1b2c3d")) }
	gone := []string{temp(sub, job.ID), temp(sub, "20200101-000000-0000dead"), temp(sub, ended.ID)}
	kept := []string{temp(sub, running.ID), filepath.Join(sub, "f"), temp(elsewhere, "20200101-000000-0000dead")}
	if del {
		// The walk lists every directory, where only a retried item's
		// would be swept otherwise.
		gone, kept = append(gone, kept[2]), kept[:2]
		job.Options.Delete, job.Options.Update, job.TargetIsDir = true, true, true
	}
	for _, p := range append(append([]string{}, gone...), kept...) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := js.CreateJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	startCommitter(t, ctx, js, job)
	pub(t, ctx, js, &messages.Event{Type: messages.EventResult, Job: job.ID, Result: &messages.Result{
		Index: 0, Kind: messages.KindFile, Status: messages.StatusCopied, Size: 1, Attempt: 2,
		Src: root + "/sub/f", Dst: fs.MustParseURI(filepath.Join(sub, "f")).String()}})
	pub(t, ctx, js, &messages.Event{Type: messages.EventListed, Job: job.ID, Listed: &messages.Listed{Items: 1, Files: 1, Bytes: 1}})
	rep, err := jobclient.Wait(ctx, js, job.ID, nil)
	if err != nil || rep.State != messages.StateSucceeded {
		t.Fatalf("%v %+v", err, rep)
	}
	for _, p := range gone {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s survived: %v", p, err)
		}
	}
	for _, p := range kept {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", p, err)
		}
	}
	if rep.FilesDeleted != 0 {
		t.Errorf("%d files deleted: temp files are no source's and not counted", rep.FilesDeleted)
	}
}

// A chunk lost from the work stream fails its file once: the file counts
// once among files failed, with its whole size in bytes failed, and the
// lost chunk is not counted as a file of its own.
func TestLostChunkFailsItsFileOnce(t *testing.T) {
	ctx, js := setup(t)
	dir := t.TempDir()
	root := fs.MustParseURI(dir).String()
	job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now(), Sources: []string{root},
		Target: root, WriteRoot: root, TargetIsDir: true}
	if err := js.CreateJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	startCommitter(t, ctx, js, job, committer.WithSweepAfter(200*time.Millisecond))
	// Indexes 0 and 1 are the chunks of the file whose own result is index 2.
	pub(t, ctx, js, &messages.Event{Type: messages.EventResult, Job: job.ID, Result: &messages.Result{
		Index: 0, Kind: messages.KindChunk, Status: messages.StatusCopied, Size: 30, Attempt: 1,
		Src: root + "/src/big", Dst: root + "/dst/big", Checksum: "CRC32C:00000000",
		Chunk: &messages.Chunk{File: 2, Seq: 0, Count: 2, Offset: 0, Length: 20}}})
	pub(t, ctx, js, &messages.Event{Type: messages.EventListed, Job: job.ID, Listed: &messages.Listed{Items: 3, Files: 1, Bytes: 30}})
	// Index 1 never gets a result and is not in the work stream: lost.
	rep, err := jobclient.Wait(ctx, js, job.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.FilesFailed != 1 || rep.BytesFailed != 30 || rep.FilesCopied != 0 || len(rep.Failures) != 1 {
		t.Fatalf("files failed %d, bytes failed %d, copied %d, failures %+v: want the file failed once with its 30 bytes",
			rep.FilesFailed, rep.BytesFailed, rep.FilesCopied, rep.Failures)
	}
	if f := rep.Failures[0]; !strings.HasSuffix(f.Dst, "/dst/big") || !strings.Contains(f.Error, "lost") {
		t.Fatalf("failure %+v: want big, lost", f)
	}
}
