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
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
	"github.com/jetcp/jetcp/internal/jobclient"
	"github.com/jetcp/jetcp/messages"
)

// noAttrs is a backend that cannot set attributes (no fs.AttrSetter).
type noAttrs struct{ fs.FS }

// A directory whose preserved attributes (-p) the target cannot store fails
// the job, as DistCp's commit does, instead of succeeding without them.
func TestDirAttrsTheTargetCannotStoreFailTheJob(t *testing.T) {
	ctx, js := setup(t)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	root := fs.MustParseURI(dir).String()
	reg := fs.NewRegistry()
	reg.Register("file", func(ctx context.Context, u fs.URI) (fs.FS, error) {
		f, err := local.Open(ctx, u)
		return noAttrs{f}, err
	})
	runCtx, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	go committer.New(js, reg, zerolog.Nop()).Run(runCtx)
	job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now(), Sources: []string{root}, Target: root, WriteRoot: root,
		Options: messages.Options{Preserve: messages.Preserve{Permission: true, Times: true}}}
	pub(t, ctx, js, &messages.Event{Type: messages.EventCreated, Job: job.ID, Spec: job})
	pub(t, ctx, js, &messages.Event{Type: messages.EventResult, Job: job.ID, Result: &messages.Result{
		Index: 0, Kind: messages.KindDir, Status: messages.StatusCopied, Attempt: 1, Src: root + "/d", Dst: root + "/d",
		Attr: &messages.Attrs{Mode: 0o700, ModTime: time.Unix(1e9, 0)}}})
	pub(t, ctx, js, &messages.Event{Type: messages.EventListed, Job: job.ID, Listed: &messages.Listed{Items: 1}})
	rep, err := jobclient.Wait(ctx, js, job.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.State != messages.StateFailed || len(rep.Failures) != 1 || !strings.Contains(rep.Failures[0].Error, "drop -p") {
		t.Fatalf("state %s, failures %+v: want failed, saying the target cannot store them", rep.State, rep.Failures)
	}
}
