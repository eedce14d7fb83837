package cos_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/jetcp/jetcp/fs"
)

// A rename copies server-side: an object above the single-copy limit (5
// GiB on COS, lowered here) by Upload Part - Copy ranges, keeping its
// metadata; no object data is read (GET) or sent (PUT, UploadPart).
func TestRenameLargeObjectByPartCopies(t *testing.T) {
	srv, cfg := start(t)
	cfg.MaxCopySize = 1 << 20
	f := newFS(t, cfg)
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789abcdef"), (5<<20)/32) // 2.5 MiB
	small := []byte("small")
	mtime := time.Date(2021, 2, 3, 4, 5, 6, 0, time.UTC)
	for p, b := range map[string][]byte{"/d/big": data, "/d/small": small} {
		w, err := f.Create(ctx, p, fs.CreateOptions{Attrs: fs.Attrs{ModTime: mtime}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	before := srv.Stats()
	if err := f.Rename(ctx, "/d", "/e"); err != nil {
		t.Fatal(err)
	}
	got := srv.Stats().Sub(before)
	if got.UploadPartCopy != 3 || got.Copy != 1 || got.Get != 0 || got.Put != 0 || got.UploadPart != 0 {
		t.Errorf("requests %+v: want 3 part copies for the big object, 1 copy for the small one, no GET, PUT or UploadPart", got)
	}
	for p, want := range map[string][]byte{"/e/big": data, "/e/small": small} {
		r, err := f.Open(ctx, p, 0)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(r)
		r.Close()
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%s: %d bytes after the rename, want %d", p, b.Len(), len(want))
		}
		fi, err := f.Stat(ctx, p)
		if err != nil || !fi.ModTime.Equal(mtime) {
			t.Errorf("%s: mtime %v (%v), want %v kept", p, fi.ModTime, err, mtime)
		}
	}
	if _, err := f.Stat(ctx, "/d/big"); err == nil {
		t.Error("/d/big still there after the rename")
	}
}
