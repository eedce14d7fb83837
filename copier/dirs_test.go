package copier_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
	"github.com/jetcp/jetcp/messages"
)

// A directory the lister saw missing and that exists when its item runs
// was made by this job (a file's copy made it first, or an earlier
// delivery whose result was lost), so its result says it was created; one
// that existed when listed was not.
func TestDirMissingWhenListedCountsAsCreated(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	js := startBus(t, ctx)
	base := t.TempDir()
	src, dst := filepath.Join(base, "src"), filepath.Join(base, "dst")
	for _, d := range []string{"src/made", "src/old", "dst/made", "dst/old"} {
		os.MkdirAll(filepath.Join(base, d), 0o755)
	}
	uri := func(p string) string { return fs.MustParseURI(p).String() }
	job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now(), Sources: []string{uri(src)},
		Target: uri(dst), WriteRoot: uri(dst)}
	items := []*messages.WorkItem{
		{Job: job.ID, Index: 0, Kind: messages.KindDir, Src: uri(filepath.Join(src, "made")), Dst: uri(filepath.Join(dst, "made")), TargetMissing: true},
		{Job: job.ID, Index: 1, Kind: messages.KindDir, Src: uri(filepath.Join(src, "old")), Dst: uri(filepath.Join(dst, "old"))},
	}
	reg := fs.NewRegistry()
	reg.Register("file", local.Open)
	got := copyItems(t, ctx, js, reg, zerolog.Nop(), 2, job, items...)
	if r := got[0]; r.DirsCreated != 1 || r.Status == messages.StatusFailed {
		t.Errorf("missing when listed: %+v, want 1 directory created", r)
	}
	if r := got[1]; r.DirsCreated != 0 || r.Status == messages.StatusFailed {
		t.Errorf("existing when listed: %+v, want none created", r)
	}
}
