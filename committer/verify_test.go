package committer_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/internal/jobclient"
	"github.com/jetcp/jetcp/messages"
)

// A verify job's commit counts categories, reports what -delete would
// remove as extra (removing nothing), and fails the job when a result came
// back without a category: a copier from before verify mode did a dry run
// of it instead of comparing.
func TestVerifyCommit(t *testing.T) {
	ctx, js := setup(t)
	src, dst := t.TempDir(), t.TempDir()
	for _, p := range []string{filepath.Join(src, "a"), filepath.Join(src, "b"), filepath.Join(dst, "a"), filepath.Join(dst, "x")} {
		if err := os.WriteFile(p, []byte("12345"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now(), Sources: []string{fs.MustParseURI(src).String()},
		Target: fs.MustParseURI(dst).String(), WriteRoot: fs.MustParseURI(dst).String(), TargetIsDir: true,
		Options: messages.Options{Update: true, Verify: true, DryRun: true}}
	startCommitter(t, ctx, js, job)
	res := func(i int64, name, cat string) *messages.Result {
		return &messages.Result{Index: i, Kind: messages.KindFile, Status: messages.StatusSkipped, Size: 5, Attempt: 1,
			Src: job.Sources[0] + "/" + name, Dst: job.Target + "/" + name, Category: cat}
	}
	pub(t, ctx, js, &messages.Event{Type: messages.EventResult, Job: job.ID, Result: res(0, "a", messages.CategorySame)})
	pub(t, ctx, js, &messages.Event{Type: messages.EventResult, Job: job.ID, Result: res(1, "b", "")})
	pub(t, ctx, js, &messages.Event{Type: messages.EventListed, Job: job.ID, Listed: &messages.Listed{Items: 2, Files: 2}})
	rep, err := jobclient.Wait(ctx, js, job.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := rep.Verify
	if v == nil || v.Categories[messages.CategorySame].Entries != 1 || v.Categories[messages.CategoryError].Entries != 1 ||
		v.Categories[messages.CategoryExtra] != (messages.CategoryCount{Entries: 1, Bytes: 5}) ||
		len(v.Extras) != 1 || !strings.HasSuffix(v.Extras[0].Dst, "/x") {
		t.Fatalf("verification %+v", v)
	}
	if rep.State != messages.StateFailed || rep.FilesDeleted != 0 || !strings.Contains(failures(rep), "upgrade the copiers") {
		t.Fatalf("report %+v", rep)
	}
	if _, err := os.Stat(filepath.Join(dst, "x")); err != nil {
		t.Fatalf("the extra file: %v", err)
	}
}

func failures(rep *messages.Report) string {
	var s []string
	for _, f := range rep.Failures {
		s = append(s, f.Error)
	}
	return strings.Join(s, "\n")
}
