package copier_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
	"github.com/jetcp/jetcp/messages"
)

// A full disk (ENOSPC) or an exhausted quota (EDQUOT) is not worth another
// try: the file fails on its first attempt, with the system's words, and
// nothing is left at the target.
func TestCopierDoesNotRetryFullDisk(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT} {
		t.Run(errno.Error(), func(t *testing.T) {
			ctx, js, src, dst := copyEnv(t)
			os.WriteFile(filepath.Join(src, "f"), []byte(strings.Repeat("full ", 1000)), 0o644)
			fi, _ := os.Stat(filepath.Join(src, "f"))
			u := func(p string) string { return fs.MustParseURI(p).String() }
			job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now(), Sources: []string{u(src)}, Target: u(dst), WriteRoot: u(dst),
				Options: messages.Options{Attempts: 3, RetryBackoff: 10 * time.Millisecond}}
			item := &messages.WorkItem{Job: job.ID, Index: 0, Kind: messages.KindFile,
				Src: u(filepath.Join(src, "f")), Dst: u(filepath.Join(dst, "f")), Attr: messages.Attrs{Size: fi.Size(), ModTime: fi.ModTime()}}
			var creates atomic.Int64
			reg := fs.NewRegistry()
			reg.Register("file", func(ctx context.Context, u fs.URI) (fs.FS, error) {
				f, err := local.Open(ctx, u)
				if err != nil {
					return nil, err
				}
				return &fullDisk{FS: f.(*local.FS), errno: errno, creates: &creates}, nil
			})
			r := copyItems(t, ctx, js, reg, zerolog.Nop(), 1, job, item)[0]
			if r.Status != messages.StatusFailed || r.Attempt != 1 || !strings.Contains(r.Error, errno.Error()) {
				t.Fatalf("result %s, attempt %d, %q; want failed on attempt 1 with %q", r.Status, r.Attempt, r.Error, errno.Error())
			}
			if n := creates.Load(); n != 1 {
				t.Fatalf("%d files created, want 1 (no retry)", n)
			}
			if entries, _ := os.ReadDir(dst); len(entries) != 0 {
				t.Fatalf("target holds %d entries (first %s)", len(entries), entries[0].Name())
			}
		})
	}
}

// fullDisk is the local file system with writes that fail with errno.
type fullDisk struct {
	*local.FS
	errno   syscall.Errno
	creates *atomic.Int64 // files created, over every attempt
}

func (d *fullDisk) Create(ctx context.Context, p string, o fs.CreateOptions) (fs.Writer, error) {
	w, err := d.FS.Create(ctx, p, o)
	if err != nil {
		return nil, err
	}
	d.creates.Add(1)
	return &failingWriter{Writer: w, err: &os.PathError{Op: "write", Path: p, Err: d.errno}}, nil
}

type failingWriter struct {
	fs.Writer
	err error
}

func (w *failingWriter) Write([]byte) (int, error) { return 0, w.err }
