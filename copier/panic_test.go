package copier_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
	"github.com/jetcp/jetcp/messages"
)

// boomFS is the local file system under another scheme whose readers
// panic for files named boom*: a bug in the copy path, after the target's
// temp file is created.
type boomFS struct{ fs.FS }

func (b boomFS) Open(ctx context.Context, p string, off int64) (io.ReadCloser, error) {
	rc, err := b.FS.Open(ctx, p, off)
	if err != nil || !strings.HasPrefix(path.Base(p), "boom") {
		return rc, err
	}
	return boomReader{rc}, nil
}

type boomReader struct{ io.ReadCloser }

func (boomReader) Read([]byte) (int, error) { panic("boom: a bug while reading") }

// syncBuf is a log sink for many goroutines.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A panic while copying one file fails that file (its result says so, the
// log has the panic and its stack), removes its temp file and leaves the
// copier serving: the other files, alone or in the same bundle, are copied.
func TestCopierPanicFailsOnlyThatFile(t *testing.T) {
	ctx, js, src, dst := copyEnv(t)
	for _, n := range []string{"boom1", "good1", "boom2", "good2"} {
		os.WriteFile(filepath.Join(src, n), []byte(n+" bytes"), 0o644)
	}
	srcURI := func(n string) string { return "boom://" + filepath.ToSlash(filepath.Join(src, n)) }
	dstURI := func(n string) string { return fs.MustParseURI(filepath.Join(dst, n)).String() }
	job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now(), Sources: []string{"boom://" + filepath.ToSlash(src)},
		Target: dstURI(""), WriteRoot: dstURI("")}
	attr := func(n string) messages.Attrs {
		fi, _ := os.Stat(filepath.Join(src, n))
		return messages.Attrs{Size: fi.Size(), ModTime: fi.ModTime()}
	}
	items := []*messages.WorkItem{
		{Job: job.ID, Index: 0, Kind: messages.KindFile, Src: srcURI("boom1"), Dst: dstURI("boom1"), Attr: attr("boom1")},
		{Job: job.ID, Index: 1, Kind: messages.KindFile, Src: srcURI("good1"), Dst: dstURI("good1"), Attr: attr("good1")},
		{Job: job.ID, Index: 2, Kind: messages.KindBundle, Files: []messages.BundledFile{
			{Src: srcURI("boom2"), Dst: dstURI("boom2"), Attr: attr("boom2")},
			{Src: srcURI("good2"), Dst: dstURI("good2"), Attr: attr("good2")}}},
	}
	reg := fs.NewRegistry()
	reg.Register("file", local.Open)
	reg.Register("boom", func(ctx context.Context, u fs.URI) (fs.FS, error) {
		l, err := local.Open(ctx, fs.URI{Scheme: "file"})
		return boomFS{l}, err
	})
	var logs syncBuf
	got := copyItems(t, ctx, js, reg, zerolog.New(&logs), 2, job, items...)

	failedByPanic := func(what string, r messages.Result) {
		t.Helper()
		if r.Status != messages.StatusFailed || !strings.Contains(r.Error, "boom: a bug while reading") {
			t.Errorf("%s: %+v, want failed with the panic message", what, r)
		}
		if r.Attempt != 1 {
			t.Errorf("%s: tried %d times, want once (a panic is not retried)", what, r.Attempt)
		}
	}
	failedByPanic("boom1", *got[0])
	if r := got[1]; r.Status != messages.StatusCopied {
		t.Errorf("good1: %+v", r)
	}
	if b := got[2]; len(b.Files) != 2 {
		t.Errorf("bundle: %+v", b)
	} else {
		failedByPanic("boom2 in a bundle", b.Files[0])
		if b.Files[1].Status != messages.StatusCopied {
			t.Errorf("good2 in a bundle: %+v", b.Files[1])
		}
	}
	for _, n := range []string{"good1", "good2"} {
		if data, _ := os.ReadFile(filepath.Join(dst, n)); string(data) != n+" bytes" {
			t.Errorf("%s: %q at the target", n, data)
		}
	}
	entries, _ := os.ReadDir(dst)
	for _, e := range entries {
		if e.Name() != "good1" && e.Name() != "good2" {
			t.Errorf("left at the target: %s", e.Name())
		}
	}
	if l := logs.String(); !strings.Contains(l, "boom: a bug while reading") || !strings.Contains(l, "boomReader.Read") {
		t.Errorf("the log lacks the panic or its stack:\n%s", l)
	}
}
