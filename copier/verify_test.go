package copier_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/jetcp/jetcp/fs"
	"github.com/jetcp/jetcp/fs/local"
	"github.com/jetcp/jetcp/messages"
)

// A disk that stores a different byte than it was given is caught by the
// copier's verification, both through the open handle (fs.ReadBacker)
// and by path: the item fails and nothing appears at the target.
func TestCopierCatchesCorruptWrites(t *testing.T) {
	for _, readBack := range []bool{true, false} {
		t.Run(map[bool]string{true: "read back", false: "by path"}[readBack], func(t *testing.T) {
			ctx, js, src, dst := copyEnv(t)
			data := []byte(strings.Repeat("jetcp verifies ", 1000))
			os.WriteFile(filepath.Join(src, "f"), data, 0o644)
			fi, _ := os.Stat(filepath.Join(src, "f"))
			u := func(p string) string { return fs.MustParseURI(p).String() }
			job := &messages.Job{ID: messages.NewJobID(time.Now()), Created: time.Now(), Sources: []string{u(src)}, Target: u(dst), WriteRoot: u(dst),
				Options: messages.Options{Attempts: 1}}
			item := &messages.WorkItem{Job: job.ID, Index: 0, Kind: messages.KindFile,
				Src: u(filepath.Join(src, "f")), Dst: u(filepath.Join(dst, "f")), Attr: messages.Attrs{Size: fi.Size(), ModTime: fi.ModTime()}}
			reg := fs.NewRegistry()
			reg.Register("file", func(ctx context.Context, u fs.URI) (fs.FS, error) {
				f, err := local.Open(ctx, u)
				if err != nil {
					return nil, err
				}
				return &flakyDisk{FS: f.(*local.FS), readBack: readBack}, nil
			})
			r := copyItems(t, ctx, js, reg, zerolog.Nop(), 1, job, item)[0]
			if r.Status != messages.StatusFailed || !strings.Contains(r.Error, "checksum") {
				t.Fatalf("result %s %q, want failed on the checksum", r.Status, r.Error)
			}
			entries, _ := os.ReadDir(dst)
			if len(entries) != 0 {
				t.Fatalf("target holds %d entries after a failed verification (first %s)", len(entries), entries[0].Name())
			}
		})
	}
}

// flakyDisk is the local file system with writes that store one byte
// flipped.
type flakyDisk struct {
	*local.FS
	readBack bool
}

func (d *flakyDisk) Create(ctx context.Context, p string, o fs.CreateOptions) (fs.Writer, error) {
	w, err := d.FS.Create(ctx, p, o)
	if err != nil {
		return nil, err
	}
	fw := &flippingWriter{Writer: w}
	if d.readBack {
		return &readBackWriter{flippingWriter: fw, rb: w.(fs.ReadBacker)}, nil
	}
	return fw, nil
}

type flippingWriter struct {
	fs.Writer
	done bool
}

func (w *flippingWriter) Write(b []byte) (int, error) {
	if !w.done && len(b) > 0 {
		w.done = true
		c := append([]byte(nil), b...)
		c[len(c)/2] ^= 0x01
		return w.Writer.Write(c)
	}
	return w.Writer.Write(b)
}

type readBackWriter struct {
	*flippingWriter
	rb fs.ReadBacker
}

func (w *readBackWriter) ReadBack(ctx context.Context, buf []byte) (int64, fs.Checksum, error) {
	return w.rb.ReadBack(ctx, buf)
}
