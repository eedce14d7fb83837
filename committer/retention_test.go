package committer_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/committer"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/bus"
	"github.com/jetcp/jetcp/internal/jobclient"
	"github.com/jetcp/jetcp/messages"
)

// Once a job is committed and the retention has passed, its per-file
// result events are gone from the event stream and its other events stay:
// the store holds a finished job's report, not a line per file.
func TestEndedJobsResultsAreDropped(t *testing.T) {
	t.Run("by the committer that ended it", func(t *testing.T) {
		ctx, js := setup(t)
		job := endJob(t, ctx, js, time.Millisecond)
		resultsDropped(t, ctx, js, job)
	})
}

// endJob runs a job of 3 skipped files to its end under a committer with
// the given retention.
func endJob(t *testing.T, ctx context.Context, js *bus.Bus, retention time.Duration) *messages.Job {
	t.Helper()
	root := fs.MustParseURI(t.TempDir()).String()
	job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now(), Sources: []string{root},
		Target: root, WriteRoot: root, TargetIsDir: true}
	if err := js.CreateJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	startCommitter(t, ctx, js, job, committer.WithResultRetention(retention))
	for i := range int64(3) {
		pub(t, ctx, js, &messages.Event{Type: messages.EventResult, Job: job.ID, Result: &messages.Result{
			Index: i, Kind: messages.KindFile, Status: messages.StatusSkipped, Size: 1, Attempt: 1, Src: root + "/f", Dst: root + "/f"}})
	}
	pub(t, ctx, js, &messages.Event{Type: messages.EventListed, Job: job.ID, Listed: &messages.Listed{Items: 3, Files: 3, Bytes: 3}})
	if _, err := jobclient.Wait(ctx, js, job.ID, nil); err != nil {
		t.Fatal(err)
	}
	return job
}

// resultsDropped waits for job's results to go, and checks its other
// events and its report stay.
func resultsDropped(t *testing.T, ctx context.Context, js *bus.Bus, job *messages.Job) {
	t.Helper()
	var counts map[string]uint64
	var err error
	deadline := time.Now().Add(10 * time.Second)
	for {
		counts, err = js.EventCounts(ctx, job.ID)
		if err == nil && counts[messages.EventResult] == 0 {
			break
		}
		if time.Now().After(deadline) {
			n := 0
			r, _ := js.ReplayEvents(ctx, job.ID, func(subj string, _ []byte) {
				if strings.HasSuffix(subj, ".result") {
					n++
				}
			})
			time.Sleep(time.Second)
			_ = r.Close(ctx)
			t.Fatalf("after the retention: %v %v, want no results; a replay reads %d", counts, err, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if counts[messages.EventDone] != 1 || counts[messages.EventListed] != 1 || counts[messages.EventCreated] != 1 {
		t.Fatalf("the job's other events: %v", counts)
	}
	rep, err := jobclient.Wait(ctx, js, job.ID, nil)
	if err != nil || rep.FilesSkipped != 3 {
		t.Fatalf("the report after the drop: %+v %v", rep, err)
	}
}
