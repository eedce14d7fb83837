package committer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/distcp"
	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
	"github.com/jetcp/jetcp/messages"
)

func testJob(t *testing.T, root string) *job {
	t.Helper()
	reg := fs.NewRegistry()
	reg.Register("file", local.Open)
	u := fs.MustParseURI(root).String()
	spec := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now(), Sources: []string{u}, Target: u, WriteRoot: u, TargetIsDir: true}
	j := newJob(New(nil, reg, zerolog.Nop()), spec, zerolog.Nop())
	j.ctx = context.Background()
	return j
}

// A chunked file keeps its state only until its own result: a file whose
// chunks are partly in has an entry, and its result (here it was lost
// and failed) drops it, so a job of many chunked files holds those still
// coming together, not one entry per file until its end.
func TestChunkedFileStateEndsWithItsResult(t *testing.T) {
	j := testJob(t, t.TempDir())
	j.apply(&messages.Event{Type: messages.EventListed, Listed: &messages.Listed{Items: 6}})
	for _, file := range []int64{2, 5} { // chunks at 0-1 and 3-4
		j.apply(&messages.Event{Type: messages.EventResult, Result: &messages.Result{Index: file - 2, Kind: messages.KindChunk,
			Status: messages.StatusCopied, Attempt: 1, Chunk: &messages.Chunk{File: file, Seq: 0, Count: 2, Length: 1}}})
	}
	if len(j.chunks) != 2 {
		t.Fatalf("%d chunked files held, want 2", len(j.chunks))
	}
	j.apply(&messages.Event{Type: messages.EventResult, Result: &messages.Result{Index: 2, Kind: messages.KindFile,
		Status: messages.StatusFailed, Attempt: 1, Error: "lost"}})
	if _, held := j.chunks[2]; held || len(j.chunks) != 1 {
		t.Errorf("after file 2's result the chunked files held are %v, want only 5", keys(j.chunks))
	}
}

func keys(m map[int64]*assembling) []int64 {
	var out []int64
	for k := range m {
		out = append(out, k)
	}
	return out
}

// A job whose retried items were in more directories than it keeps for
// the temp sweep sweeps its whole write root at the commit: the temp
// files next to every retried item go, also in the directories past the
// bound, and the set of directories is not kept.
func TestTempSweepPastItsBoundWalksTheWriteRoot(t *testing.T) {
	root := t.TempDir()
	j := testJob(t, root)
	j.sweepDirsMax = 2
	var temps []string
	for _, d := range []string{"a", "b", "c/d"} {
		dir := filepath.Join(root, d)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		tmp := filepath.Join(dir, distcp.TempPrefixFor(j.spec.ID)+"f.1")
		if err := os.WriteFile(tmp, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
		temps = append(temps, tmp)
		j.noteEntry(&messages.Result{Kind: messages.KindFile, Status: messages.StatusCopied, Attempt: 2,
			Dst: fs.MustParseURI(filepath.Join(dir, "f")).String()})
	}
	if !j.sweepAll || j.sweepIn != nil {
		t.Fatalf("sweepAll %v with %d directories kept; want the whole root swept and none kept", j.sweepAll, len(j.sweepIn))
	}
	j.sweepTemps(context.Background())
	for _, tmp := range temps {
		if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("temp file %s is still there (%v)", tmp, err)
		}
	}
}

// A job with more directories to set attributes on (-p) than it keeps in
// memory spools the rest to a file and still applies them all, deepest
// first (a parent's times after its children's, which change them), each
// with its own attributes; the spool goes with the follow.
func TestDirAttrsPastTheMemoryBoundAreSpooled(t *testing.T) {
	root := t.TempDir()
	j := testJob(t, root)
	j.spec.Options.Preserve.Times = true
	spool := t.TempDir()
	j.dirs = dirList{dir: spool, job: j.spec.ID, memMax: 2}
	base := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	var paths []string
	for _, d := range []string{"a", "a/b", "a/b/c", "a/b/c/d", "e", "e/f", "a/b/g"} {
		p := filepath.Join(root, d)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	// Recorded as results come: in no particular order.
	for i, p := range paths {
		j.dirs.add(dirAttr{path: fs.MustParseURI(p).String(), attr: messages.Attrs{ModTime: base.Add(time.Duration(i) * time.Hour)}})
	}
	if files, _ := os.ReadDir(spool); len(files) != 1 || j.dirs.size() != len(paths) {
		t.Fatalf("%d spool files, %d directories kept; want 1 spool and %d", len(files), j.dirs.size(), len(paths))
	}
	var order []int
	if err := j.dirs.each(func(d dirAttr) error { order = append(order, d.depth()); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.IsSortedFunc(order, func(a, b int) int { return b - a }) || len(order) != len(paths) {
		t.Errorf("depths in the order applied: %v; want all %d, deepest first", order, len(paths))
	}
	// Writing in a directory moves its mtime: the children first, so
	// every directory keeps its own.
	if err := j.applyDirAttrs(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if want := base.Add(time.Duration(i) * time.Hour); !fi.ModTime().Equal(want) {
			t.Errorf("%s: mtime %v, want %v", p, fi.ModTime(), want)
		}
	}
	j.dirs.close()
	if files, _ := os.ReadDir(spool); len(files) != 0 {
		t.Errorf("the spool is still there: %v", files)
	}
}
